#!/usr/bin/env bash
# Static deltas, Arbor vs ostree, on two real snapshots: the Debian minbase tree (cached by
# scripts/make-minbase.sh) and a modified copy — a few ELF binaries replaced by different ones
# from this host (as a package upgrade would), config files edited, files deleted and added.
# Both are committed with ostree into an archive repo; each tool then generates the from-to delta
# and the from-scratch delta, and applies it offline into a bare-user repo holding the from-commit.
# Prints sizes and median times with the ratio arbor/ostree (lower is better).
# BENCH_ONLY=incremental skips the from-scratch delta; KEEP=1 leaves the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ARBOR=${ARBOR_BIN:-$PWD/bin/arbor}
RUNS=${RUNS:-3}
WORK=${BENCH_WORK:-$PWD/bench/work-deltas}
command -v ostree >/dev/null || { echo "bench: ostree is not installed (make test-deps)" >&2; exit 1; }
[ -x "$ARBOR" ] || { echo "bench: $ARBOR missing (make build)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

. bench/lib.sh
dsize() { du -sb --apparent-size "$1" | cut -f1; }

minbase=$(scripts/make-minbase.sh "$WORK/minbase")
mod="$WORK/modified"
cp -a "$minbase" "$mod"
# "Upgrade" some binaries: swap in different ELF files of similar size from the host.
for pair in usr/bin/ls:/usr/bin/dir usr/bin/cp:/usr/bin/mv usr/bin/sort:/usr/bin/ptx \
            usr/bin/tar:/usr/bin/tar usr/bin/grep:/usr/bin/grep usr/bin/bash:/usr/bin/bash \
            usr/bin/gzip:/usr/bin/gzip usr/bin/sed:/usr/bin/sed usr/bin/find:/usr/bin/find; do
  dst=$mod/${pair%%:*}; src=${pair#*:}
  [ -f "$src" ] && [ -e "$dst" ] && cp "$src" "$dst" || true
done
# Small in-place edits to a shared library (as a rebuild would) and to config files.
python3 - "$mod" <<'EOF'
import sys, glob, os
root = sys.argv[1]
libs = sorted(glob.glob(root + "/usr/lib/x86_64-linux-gnu/libc.so.6") + glob.glob(root + "/usr/lib/*/libc.so.6"))[:1]
for lib in libs:
    d = bytearray(open(lib, "rb").read())
    for i in range(4096, len(d), 1500):
        d[i] ^= 0x01
    open(lib, "wb").write(d)
for conf in ["etc/passwd", "etc/group", "etc/hostname", "etc/debian_version"]:
    p = os.path.join(root, conf)
    if os.path.exists(p):
        with open(p, "a") as f:
            f.write("# edited\n")
EOF
rm -rf "$mod/usr/share/doc" "$mod/usr/share/man/man1"
mkdir -p "$mod/opt/new" && cp /usr/bin/python3* "$mod/opt/new/" 2>/dev/null || true

repo="$WORK/repo"
ostree init --repo="$repo" --mode=archive
from=$(ostree commit --repo="$repo" -b snap --tree=dir="$minbase" -s one --no-xattrs)
to=$(ostree commit --repo="$repo" -b snap --tree=dir="$mod" -s two --no-xattrs)
rm -rf "$minbase" "$mod"

# bench_delta LABEL GENERATE-ARGS...: generates with both tools RUNS times, then applies.
bench_delta() {
  local label=$1; shift
  local go=() ga=() ao=() aa=() withfrom=1
  for a in "$@"; do [ "$a" = --empty ] && withfrom=0; done
  for ((i = 0; i < RUNS; i++)); do
    rm -rf "$WORK/do" "$WORK/da"; mkdir -p "$WORK/do" "$WORK/da"
    local t0; t0=$(now)
    ostree static-delta generate --repo="$repo" --to="$to" "$@" --filename="$WORK/do/superblock" >/dev/null
    go+=($(( $(now) - t0 )))
    t0=$(now)
    "$ARBOR" ostree static-delta generate --repo="$repo" --to="$to" "$@" --filename="$WORK/da/superblock" >/dev/null
    ga+=($(( $(now) - t0 )))
    for who in o a; do
      local tgt="$WORK/t$who"
      rm -rf "$tgt"; ostree init --repo="$tgt" --mode=bare-user
      [ $withfrom = 1 ] && ostree pull-local --repo="$tgt" "$repo" "$from" >/dev/null
      t0=$(now)
      if [ $who = o ]; then
        ostree static-delta apply-offline --repo="$tgt" "$WORK/do"
        ao+=($(( $(now) - t0 )))
      else
        "$ARBOR" ostree static-delta apply-offline --repo="$tgt" "$WORK/da"
        aa+=($(( $(now) - t0 )))
        ostree fsck --repo="$tgt" >/dev/null
      fi
    done
  done
  local so sa
  so=$(dsize "$WORK/do"); sa=$(dsize "$WORK/da")
  awk -v n="$label" -v o="$so" -v a="$sa" 'BEGIN { printf "%-26s delta bytes   ostree %7.2f MB  arbor %7.2f MB  ratio %5.2fx\n", n, o/1e6, a/1e6, a/o }'
  local mo ma
  mo=$(printf '%s\n' "${go[@]}" | median); ma=$(printf '%s\n' "${ga[@]}" | median)
  awk -v n="$label" -v o="$mo" -v a="$ma" 'BEGIN { printf "%-26s generate      ostree %8.3fs  arbor %8.3fs  ratio %5.2fx\n", n, o/1e9, a/1e9, a/o }'
  mo=$(printf '%s\n' "${ao[@]}" | median); ma=$(printf '%s\n' "${aa[@]}" | median)
  awk -v n="$label" -v o="$mo" -v a="$ma" 'BEGIN { printf "%-26s apply-offline ostree %8.3fs  arbor %8.3fs  ratio %5.2fx\n", n, o/1e9, a/1e9, a/o }'
}

bench_delta "minbase -> modified" --from="$from" --min-fallback-size=0
[ "${BENCH_ONLY:-}" = incremental ] || bench_delta "minbase (from scratch)" --empty --min-fallback-size=0
