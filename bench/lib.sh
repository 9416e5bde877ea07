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
