#!/usr/bin/env bash
# Pull over loopback HTTP and HTTPS, Arbor vs ostree side by side in one run. ostree writes an
# archive repository of the Debian minbase tree (scripts/make-minbase.sh, cached); one nginx
# (private config, foreground child killed at the end) serves it over http and over https, with a
# certificate from a throw-away test CA made here with openssl. Each tool pulls into fresh
# bare-user and archive repositories, over http and over https; for https both remotes trust the
# test CA through the remote option tls-ca-path and nothing else. Every side runs RUNS times
# (default 3), the order rotating from run to run; printed are the median wall times, the ratio
# arbor/ostree (lower is better), the median CPU times (user+sys), then each run's wall times so
# a noisy run shows. BENCH_FS as in bench/run.sh. HTTP_CASES=http or https runs one half.
set -euo pipefail
cd "$(dirname "$0")/.."
ARBOR=${ARBOR_BIN:-$PWD/bin/arbor}
RUNS=${RUNS:-3}
WORK=${BENCH_WORK:-$PWD/bench/work-http}
for t in ostree nginx openssl; do
  command -v $t >/dev/null || { echo "bench/http: $t is not installed (make test-deps)" >&2; exit 1; }
done
[ -x "$ARBOR" ] || { echo "bench/http: $ARBOR missing (make build)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"
nginx_pid= img=
cleanup() {
  [ -z "$nginx_pid" ] || { kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; }
  [ -z "$img" ] || { umount "$WORK"; rm -f "$img"; }
  rm -rf "$WORK"
}
trap cleanup EXIT
# A fresh journalled ext4 under the work directory when root with loop devices (why: bench/run.sh).
fs=${BENCH_FS:-auto}
if [ "$fs" != work ]; then
  img=$(mktemp "${TMPDIR:-/var/tmp}/arbor-bench-XXXXXX.img")
  if ! { [ "$(id -u)" -eq 0 ] && truncate -s 8G "$img" && mkfs.ext4 -q -F "$img" && mount -o loop "$img" "$WORK" 2>/dev/null; }; then
    rm -f "$img"; img=
    [ "$fs" = auto ] || { echo "bench/http: cannot mount a loop ext4 image (root and loop devices needed)" >&2; exit 1; }
  fi
fi
echo "== work directory: $(findmnt -no SOURCE,FSTYPE,OPTIONS -T "$WORK")"

. bench/lib.sh

# run_side SETUP CMD: runs SETUP untimed, then CMD; prints "WALL CPU" in seconds. A failing
# command, or a pull that did not leave origin:main at $expect in $WORK/p, stops the bench.
run_side() {
  eval "$1" >/dev/null
  local TIMEFORMAT='%R %U %S' t got
  if ! t=$( { time bash -c "$2" >/dev/null 2>"$WORK/stderr"; } 2>&1 ); then
    echo "bench/http: failed: $2" >&2; cat "$WORK/stderr" >&2; return 1
  fi
  got=$(ostree rev-parse --repo="$WORK/p" origin:main)
  [ "$got" = "$expect" ] || { echo "bench/http: $2 left origin:main at $got, not $expect" >&2; return 1; }
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<<"$t"
}

# compare_sides NAME LABEL SETUP CMD [LABEL SETUP CMD]...: the first side is the reference every
# other side's ratio is taken against.
compare_sides() {
  local name=$1; shift
  local -a label setup cmd
  while (($#)); do label+=("$1"); setup+=("$2"); cmd+=("$3"); shift 3; done
  local n=${#label[@]} r i k t w c
  local -A wall cpu
  for ((r = 0; r < RUNS; r++)); do
    for ((k = 0; k < n; k++)); do
      i=$(((k + r) % n))
      t=$(run_side "${setup[i]}" "${cmd[i]}")
      read -r w c <<<"$t"
      wall[$i]+="$w "; cpu[$i]+="$c "
    done
  done
  local -A mw mc
  local line="" runs="" ratios=""
  for ((i = 0; i < n; i++)); do
    mw[$i]=$(tr ' ' '\n' <<<"${wall[$i]}" | grep . | median)
    mc[$i]=$(tr ' ' '\n' <<<"${cpu[$i]}" | grep . | median)
    line+=$(printf '  %s %7.3fs' "${label[i]}" "${mw[$i]}")
    runs+=$(printf '  %s: %s' "${label[i]}" "${wall[$i]% }")
    ((i == 0)) || ratios+=$(awk -v a="${mw[$i]}" -v b="${mw[0]}" -v l="${label[i]}/${label[0]}" 'BEGIN { printf "  %s %.2fx", l, a / b }')
  done
  local cpus=""
  for ((i = 0; i < n; i++)); do cpus+=$(printf '  %s %.2fs' "${label[i]}" "${mc[$i]}"); done
  printf '%-24s%s |%s\n' "$name" "$line" "$ratios"
  printf '%-24s cpu%s\n' "" "$cpus"
  printf '%-24s runs%s\n' "" "$runs"
}

# --- input: ostree's archive repository of the minbase tree -------------------------------------
minbase=$(scripts/make-minbase.sh "$WORK/minbase")
src=$WORK/src
ostree init --repo="$src" --mode=archive
ostree commit --repo="$src" -b main --timestamp=@0 "$minbase" >/dev/null
ostree summary --repo="$src" -u
rm -rf "$minbase"
expect=$(ostree rev-parse --repo="$src" main)
echo "== Debian minbase: $(find "$src/objects" -type f | wc -l) objects, $(du -sh "$src/objects" | cut -f1) in the archive repository"

# --- a test CA and a server certificate for 127.0.0.1 --------------------------------------------
tls=$WORK/tls; mkdir -p "$tls"
cat >"$tls/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Arbor bench test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
EOF
openssl req -x509 -config "$tls/openssl.cnf" -extensions ca -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 2 2>/dev/null
openssl req -new -config "$tls/openssl.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$tls/openssl.cnf" -extensions server -out "$tls/server.pem" 2>/dev/null
ca=$tls/ca.pem

# --- nginx: the repository over http and https ---------------------------------------------------
port=$(free_port); sport=$(free_port)
start_nginx "  server { listen 127.0.0.1:$port; root $src; location / { } }
  server {
    listen 127.0.0.1:$sport ssl;
    ssl_certificate $tls/server.pem;
    ssl_certificate_key $tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $src; location / { }
  }" "$port" "$sport"

# SETUP for a fresh repository of MODE with remote "origin" at URL, made by TOOL (extra remote options after).
fresh() { local tool=$1 mode=$2 url=$3; shift 3; echo "rm -rf $WORK/p; $tool init --repo=$WORK/p --mode=$mode; $tool remote add --repo=$WORK/p --no-gpg-verify $* origin $url"; }
pull="--repo=$WORK/p pull origin main"
echo "== load before: $(uptime | sed 's/.*load average/load average/')"
for mode in bare-user archive; do
  if [ "${HTTP_CASES:-http}" != https ]; then
    url=http://127.0.0.1:$port
    compare_sides "pull $mode (http)" \
      ostree "$(fresh ostree $mode $url)" "ostree $pull" \
      arbor "$(fresh "$ARBOR ostree" $mode $url)" "$ARBOR ostree $pull"
  fi
  if [ "${HTTP_CASES:-https}" != http ]; then
    url=https://127.0.0.1:$sport
    compare_sides "pull $mode (https)" \
      ostree "$(fresh ostree $mode $url --set=tls-ca-path=$ca)" "ostree $pull" \
      arbor "$(fresh "$ARBOR ostree" $mode $url --set=tls-ca-path=$ca)" "$ARBOR ostree $pull"
  fi
done
echo "== load after: $(uptime | sed 's/.*load average/load average/')"
