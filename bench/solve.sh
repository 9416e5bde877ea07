#!/usr/bin/env bash
# The dependency solve alone: Arbor's libsolv binding against Debian's `testsolv` on the same
# input, median wall times and their ratio (Arbor/testsolv, lower is better) as the other benches
# print them. Three operations:
#   solve corpus (rpm-md)       `arbor rpm resolve` of the whole Debian-minbase-as-RPMs corpus
#                               (scripts/make-rpm-corpus.sh) from its rpm-md metadata, against
#                               `testsolv` replaying the testcase that same resolve wrote with
#                               --testcase (the pool as testtags, the jobs and solver flags)
#   solve corpus (testcase)     `arbor rpm testsolv` vs `testsolv` on that testcase
#   solve synthetic (testcase)  both on a generated repository of SOLVE_PACKAGES packages (default
#                               20000; scripts/make-synthetic-testcase.py, cached in $ARBOR_CACHE
#                               keyed on the generator's hash and the count)
# Checked: testsolv replays the corpus testcase to the transaction Arbor recorded, its listing is
# the set of packages resolve printed, and on both testcases `-r` prints the same result with
# either tool. Callable alone or from bench/run.sh (BENCH_ONLY=solve).
set -euo pipefail
cd "$(dirname "$0")/.."
ARBOR=${ARBOR_BIN:-$PWD/bin/arbor}
RUNS=${RUNS:-3}
WORK=${BENCH_WORK:-$PWD/bench/work}/solve
N=${SOLVE_PACKAGES:-20000}
cache=${ARBOR_CACHE:-${HOME:-/root}/.cache/arbor}
for t in testsolv python3 rpm; do
  command -v $t >/dev/null || { echo "bench/solve: $t is not installed (make test-deps)" >&2; exit 1; }
done
[ -x "$ARBOR" ] || { echo "bench/solve: $ARBOR missing (make build)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

. bench/lib.sh

# same_result FILE: both tools print the same `-r` result for FILE.
same_result() {
  testsolv -r "$1" > "$WORK/expected.txt"
  "$ARBOR" rpm testsolv -r "$1" > "$WORK/actual.txt"
  diff -u "$WORK/expected.txt" "$WORK/actual.txt" >&2 \
    || { echo "bench/solve: arbor and testsolv solve $1 differently" >&2; exit 1; }
}

corpus=$(ARBOR_BIN=$ARBOR scripts/make-rpm-corpus.sh "$WORK/corpus")
names=$(rpm -qp --nosignature --qf '%{NAME}\n' "$corpus"/*.rpm | sort | tr '\n' ' ')
echo "== solve: $(echo $names | wc -w) packages of the Debian minbase as RPMs"
tc=$WORK/corpus-testcase
"$ARBOR" rpm resolve --repofrompath=corpus,"$corpus" --arch x86_64 --testcase "$tc" $names > "$WORK/resolve.txt"
# Replaying finds the transaction Arbor recorded (testsolv prints nothing and exits 0 then), and
# its listing names the packages resolve printed.
out=$(testsolv "$tc/testcase.t") && [ -z "$out" ] \
  || { echo "bench/solve: testsolv replays the corpus solve differently: $out" >&2; exit 1; }
diff <(sort "$WORK/resolve.txt") <(testsolv -r "$tc/testcase.t" | awk '{ sub(/@[^@]*$/, "", $NF); print $NF }' | sort) >&2 \
  || { echo "bench/solve: testsolv's transaction differs from what arbor rpm resolve printed" >&2; exit 1; }
same_result "$tc/testcase.t"
compare_with "solve corpus (rpm-md)" "testsolv" \
  ":" "testsolv $tc/testcase.t" \
  ":" "$ARBOR rpm resolve --repofrompath=corpus,$corpus --arch x86_64 $names"
compare_with "solve corpus (testcase)" "testsolv" \
  ":" "testsolv $tc/testcase.t" \
  ":" "$ARBOR rpm testsolv $tc/testcase.t"

gen=scripts/make-synthetic-testcase.py
key=$( { echo "$N"; sha256sum "$gen" | cut -d' ' -f1; } | sha256sum | cut -c1-16)
synthetic=$cache/synthetic-testcase-$N-$key.t
if [ ! -f "$synthetic" ]; then
  mkdir -p "$cache"
  python3 "$gen" "$N" > "$synthetic.tmp"
  mv "$synthetic.tmp" "$synthetic"
fi
echo "== solve: synthetic repository of $N packages ($(grep -c '^#>=Pkg:' "$synthetic") solvables, $(grep -c '^job ' "$synthetic") jobs)"
same_result "$synthetic"
echo "   transaction: $(cut -d' ' -f1 "$WORK/expected.txt" | sort | uniq -c | awk '{ printf "%s %s  ", $1, $2 }')"
compare_with "solve synthetic (testcase)" "testsolv" \
  ":" "testsolv -r $synthetic" \
  ":" "$ARBOR rpm testsolv -r $synthetic"
