#!/usr/bin/env bash
# Builds the solution once, runs every test project, and ends with one line
# "N passed, N failed" over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
export ARBOR_BIN="$PWD/bin/arbor"
dotnet build Arbor.sln -c Release --nologo -v quiet 2>&1 | grep -E 'error|Warn|warn' | grep -v NU1603
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
status=0
for proj in tests/*/*.csproj; do
  echo "== $proj"
  dotnet test "$proj" -c Release --no-build --nologo 2>&1 | tee -a "$log" | grep -vE '^\s*$' | tail -n 40
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
