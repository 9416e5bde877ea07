#!/usr/bin/env bash
# Arbor vs ostree, side by side on the same input in one run. For each operation both tools run
# alternately RUNS times (default 3) on fresh targets; the median wall times and their ratio
# (Arbor/ostree, lower is better) are printed. Inputs: a Debian minbase tree (made once and
# cached by scripts/make-minbase.sh) and a generated tree of many small files.
set -euo pipefail
cd "$(dirname "$0")/.."
ARBOR=${ARBOR_BIN:-$PWD/bin/arbor}
RUNS=${RUNS:-3}
WORK=${BENCH_WORK:-$PWD/bench/work}
command -v ostree >/dev/null || { echo "bench: ostree is not installed (make test-deps)" >&2; exit 1; }
[ -x "$ARBOR" ] || { echo "bench: $ARBOR missing (make build)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

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

# compare NAME SETUP_O CMD_O SETUP_A CMD_A
compare() {
  local name=$1 so=$2 co=$3 sa=$4 ca=$5 to=() ta=()
  for ((i = 0; i < RUNS; i++)); do
    to+=("$(time_cmd "$so" bash -c "$co")")
    ta+=("$(time_cmd "$sa" bash -c "$ca")")
  done
  local mo ma
  mo=$(printf '%s\n' "${to[@]}" | median)
  ma=$(printf '%s\n' "${ta[@]}" | median)
  awk -v n="$name" -v o="$mo" -v a="$ma" 'BEGIN { printf "%-34s ostree %8.3fs  arbor %8.3fs  ratio %5.2fx\n", n, o/1e9, a/1e9, a/o }'
}

bench_tree() {
  local label=$1 tree=$2
  echo "== $label: $(find "$tree" | wc -l) entries, $(du -sh "$tree" | cut -f1)"
  for mode in bare-user archive; do
    compare "commit $mode" \
      "rm -rf $WORK/o-$mode; ostree init --repo=$WORK/o-$mode --mode=$mode" \
      "ostree commit --repo=$WORK/o-$mode -b main --timestamp=@0 $tree" \
      "rm -rf $WORK/a-$mode; $ARBOR ostree init --repo=$WORK/a-$mode --mode=$mode" \
      "$ARBOR ostree commit --repo=$WORK/a-$mode -b main --timestamp=@0 $tree"
    o=$(ostree rev-parse --repo=$WORK/o-$mode main); a=$($ARBOR ostree rev-parse --repo=$WORK/a-$mode main)
    [ "$o" = "$a" ] || { echo "bench: commit checksums differ in $mode: ostree $o arbor $a" >&2; exit 1; }
  done
  compare "checkout -U -H (bare-user)" \
    "rm -rf $WORK/co" "ostree checkout --repo=$WORK/o-bare-user -U -H main $WORK/co" \
    "rm -rf $WORK/co" "$ARBOR ostree checkout --repo=$WORK/o-bare-user -U -H main $WORK/co"
  # Both tools fill uncompressed-objects-cache on a user-mode archive checkout and only hardlink
  # from it afterwards; emptying it each time measures the decompressing checkout.
  compare "checkout -U (archive, cold cache)" \
    "rm -rf $WORK/co $WORK/o-archive/uncompressed-objects-cache" "ostree checkout --repo=$WORK/o-archive -U main $WORK/co" \
    "rm -rf $WORK/co $WORK/o-archive/uncompressed-objects-cache" "$ARBOR ostree checkout --repo=$WORK/o-archive -U main $WORK/co"
  compare "checkout (archive, as root)" \
    "rm -rf $WORK/co" "ostree checkout --repo=$WORK/o-archive main $WORK/co" \
    "rm -rf $WORK/co" "$ARBOR ostree checkout --repo=$WORK/o-archive main $WORK/co"
  compare "fsck (archive)" \
    ":" "ostree fsck --repo=$WORK/o-archive" \
    ":" "$ARBOR ostree fsck --repo=$WORK/o-archive"
  compare "fsck (bare-user)" \
    ":" "ostree fsck --repo=$WORK/o-bare-user" \
    ":" "$ARBOR ostree fsck --repo=$WORK/o-bare-user"
  rm -rf "$WORK"/o-* "$WORK"/a-* "$WORK/co"
}

minbase=$(scripts/make-minbase.sh "$WORK/minbase")
bench_tree "Debian minbase" "$minbase"
