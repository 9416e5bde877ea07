#!/usr/bin/env bash
# Arbor vs rpm and createrepo_c on the same few hundred RPMs. The RPMs are made by one rpmbuild
# run of a generated spec with N subpackages (default 300) carrying files of varied sizes,
# requires/provides and scriptlets, so they are real rpmbuild output. Each operation runs with
# both tools alternately RUNS times (default 3); the median wall times and their ratio
# (Arbor/real tool, lower is better) are printed. Callable alone or from bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ARBOR=${ARBOR_BIN:-$PWD/bin/arbor}
RUNS=${RUNS:-3}
N=${RPM_COUNT:-300}
WORK=${BENCH_WORK:-$PWD/bench/work}/rpm
for t in rpm rpmbuild createrepo_c; do
  command -v $t >/dev/null || { echo "bench/rpm: $t is not installed (make test-deps)" >&2; exit 1; }
done
[ -x "$ARBOR" ] || { echo "bench/rpm: $ARBOR missing (make build)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

. bench/lib.sh

# compare NAME TOOL SETUP CMD_TOOL CMD_ARBOR
compare() { compare_with "$1" "$2" "$3" "$4" "$3" "$5"; }

# --- input: N rpmbuild-made packages from one generated spec --------------------------------
spec=$WORK/bench.spec
{
  echo "Name: benchbase"; echo "Version: 1.0"; echo "Release: 1"; echo "Summary: bench"; echo "License: MIT"
  echo "%description"; echo "Bench packages."
  for ((i = 0; i < N; i++)); do
    echo "%package -n bench$i"; echo "Summary: Bench package $i"; echo "Version: 1.$((i % 7)).$i"
    echo "Requires: bench$(( (i + 1) % N )) >= 1.0"; echo "Requires: /bin/sh"; echo "Provides: benchcap$i = $i"
    echo "%description -n bench$i"; echo "Bench package number $i."
    echo "%post -n bench$i"; echo "echo $i"
    echo "%files -n bench$i"; echo "/usr/share/bench$i"; echo "%config(noreplace) /etc/bench$i.conf"
  done
  echo "%install"
  echo "for i in \$(seq 0 $((N - 1))); do d=%{buildroot}/usr/share/bench\$i; mkdir -p \$d %{buildroot}/etc"
  echo "  j=0; while [ \$j -lt \$((4 + i % 9)) ]; do head -c \$(( (i * 7919 + j * 104729) % 60000 + 200 )) /dev/urandom > \$d/f\$j; j=\$((j + 1)); done"
  echo "  echo conf=\$i > %{buildroot}/etc/bench\$i.conf; done"
} > "$spec"
rpmbuild -bb --quiet --define "_topdir $WORK/rpmbuild" --define "_build_id_links none" \
  --define "_binary_payload w3.zstdio" "$spec" >"$WORK/rpmbuild.log" 2>&1 \
  || { echo "bench/rpm: rpmbuild of the generated spec failed:" >&2; tail -5 "$WORK/rpmbuild.log" >&2; exit 1; }
pkgs=$WORK/pkgs; mkdir -p "$pkgs"
find "$WORK/rpmbuild/RPMS" -name '*.rpm' -exec mv {} "$pkgs/" \;
echo "== rpm: $(ls "$pkgs" | wc -l) packages, $(du -sh "$pkgs" | cut -f1)"

# Same NEVRAs from both, so the two read the same thing.
diff <(rpm -qp --qf '%{NEVRA}\n' "$pkgs"/*.rpm 2>/dev/null | sort) <("$ARBOR" rpm info --nevra "$pkgs"/*.rpm | sort) >/dev/null \
  || { echo "bench/rpm: arbor and rpm disagree on NEVRAs" >&2; exit 1; }

# `arbor rpm info --json` prints every field below; rpm is asked for the same fields, so both read
# and format the whole header (identity, descriptive tags, files, every dependency kind,
# scriptlets, triggers, changelog).
qf='%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{NEVRA}\n%{SUMMARY}\n%{DESCRIPTION}\n'
qf+='%{LICENSE} %{GROUP} %{URL} %{VENDOR} %{PACKAGER} %{BUILDHOST} %{BUILDTIME} %{SOURCERPM} %{LONGSIZE} %{PAYLOADCOMPRESSOR}\n'
qf+='[%{FILENAMES} %{FILEMODES} %{FILESIZES} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEMTIMES} %{FILEDIGESTS} %{FILELINKTOS} %{FILEFLAGS} %{FILECAPS}\n]'
for kind in REQUIRE PROVIDE CONFLICT OBSOLETE RECOMMEND SUGGEST SUPPLEMENT ENHANCE; do
  qf+="[%{${kind}NAME} %{${kind}FLAGS} %{${kind}VERSION} %{${kind}NEVRS}\n]"
done
for s in PRETRANS PREIN POSTIN PREUN POSTUN POSTTRANS VERIFYSCRIPT; do
  qf+="%{${s}} %{${s}PROG} %{${s}FLAGS}\n"
done
qf+='[%{TRIGGERNAME} %{TRIGGERVERSION} %{TRIGGERFLAGS} %{TRIGGERINDEX}\n][%{TRIGGERSCRIPTS} %{TRIGGERSCRIPTPROG}\n]'
qf+='[%{CHANGELOGTIME} %{CHANGELOGNAME} %{CHANGELOGTEXT}\n]'
compare "rpm headers (every field)" "rpm" ":" \
  "rpm -qp --qf '$qf' $pkgs/*.rpm" \
  "$ARBOR rpm info --json $pkgs/*.rpm"
compare "rpm nevra" "rpm" ":" \
  "rpm -qp --qf '%{NEVRA}\n' $pkgs/*.rpm" \
  "$ARBOR rpm info --nevra $pkgs/*.rpm"
compare "createrepo" "createrepo_c" "rm -rf $pkgs/repodata" \
  "createrepo_c -q $pkgs" \
  "$ARBOR rpm createrepo $pkgs"
