#!/usr/bin/env bash
# Runs every test project and ends with one line "N passed, N failed" over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
export ARBOR_BIN="$PWD/bin/arbor"
log=$(mktemp)
status=0
for proj in tests/*/*.csproj; do
  echo "== $proj"
  dotnet test "$proj" -c Release --nologo 2>&1 | tee -a "$log" | grep -vE '^\s*$' | tail -n 40
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
