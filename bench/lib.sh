# Shared by the bench scripts: wall-clock timing of one command after an untimed setup, medians,
# and the side-by-side line "NAME  TOOL Xs  arbor Ys  ratio Rx" (Arbor/tool, lower is better).
# RUNS (default 3) is how often each side runs, alternating.
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_cmd SETUP CMD...: runs SETUP (untimed) then CMD, prints elapsed ns.
time_cmd() {
  local setup=$1; shift
  eval "$setup"
  local t0; t0=$(now)
  "$@" >/dev/null
  echo $(( $(now) - t0 ))
}

# compare_with NAME TOOL SETUP_TOOL CMD_TOOL SETUP_ARBOR CMD_ARBOR
compare_with() {
  local name=$1 tool=$2 st=$3 ct=$4 sa=$5 ca=$6 tt=() ta=()
  for ((i = 0; i < ${RUNS:-3}; i++)); do
    tt+=("$(time_cmd "$st" bash -c "$ct")")
    ta+=("$(time_cmd "$sa" bash -c "$ca")")
  done
  local mt ma
  mt=$(printf '%s\n' "${tt[@]}" | median)
  ma=$(printf '%s\n' "${ta[@]}" | median)
  awk -v n="$name" -v t="$tool" -v o="$mt" -v a="$ma" 'BEGIN { printf "%-34s %-12s %8.3fs  arbor %8.3fs  ratio %5.2fx\n", n, t, o/1e9, a/1e9, a/o }'
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_nginx SERVER_BLOCKS PORT...: nginx under $WORK/nginx with the bench's settings (sendfile,
# long keep-alive, no access log) and the given server blocks; sets nginx_pid and returns once
# every PORT accepts connections.
start_nginx() {
  local servers=$1; shift
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
$servers
}
EOF
  nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
  nginx_pid=$!
  local p
  for p in "$@"; do
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.05; done
  done
}
