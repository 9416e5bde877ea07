#!/usr/bin/env bash
# Arbor vs ostree, side by side on the same input in one run. For each operation both tools run
# alternately RUNS times (default 3) on fresh targets; the median wall times and their ratio
# (Arbor/ostree, lower is better) are printed. Inputs: a Debian minbase tree (made once and
# cached by scripts/make-minbase.sh) and a generated tree of many small files. BENCH_ONLY=pull runs
# only the pull benchmarks, BENCH_ONLY=compose only bench/compose.sh (compose tree of the minbase
# as RPMs vs dnf --installroot + ostree commit), BENCH_ONLY=solve only bench/solve.sh (the solver
# alone vs Debian's testsolv), BENCH_ONLY=store the store and pull benchmarks without those two; BENCH_FS picks the filesystem (below).
set -euo pipefail
cd "$(dirname "$0")/.."
ARBOR=${ARBOR_BIN:-$PWD/bin/arbor}
RUNS=${RUNS:-3}
WORK=${BENCH_WORK:-$PWD/bench/work}
command -v ostree >/dev/null || { echo "bench: ostree is not installed (make test-deps)" >&2; exit 1; }
[ -x "$ARBOR" ] || { echo "bench: $ARBOR missing (make build)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
# The work directory is a fresh ext4 with a journal (an 8 GiB sparse loop image), as a host's
# /sysroot is, whenever the bench runs as root with loop devices (BENCH_FS=ext4-journal requires
# it); BENCH_FS=work keeps it on whatever filesystem bench/work is on. Why not simply there: on an
# ext4 *without* a journal (the root filesystem of some VMs), every inode created within minutes of
# a mass deletion first walks the recently freed inodes of its block group (ext4's
# recently_deleted check). Each run here deletes the previous run's target (thousands of files),
# so every later pull, checkout and commit pays a kernel cost set by the runs before it -- it grows
# run after run and dwarfs the tools' own work (perf: up to half of a pull's CPU in
# find_inode_bit/recently_deleted), so the ratio measures the bench's deletions, not the tools.
fs=${BENCH_FS:-auto}
if [ "$fs" != work ]; then
  img=$(mktemp "${TMPDIR:-/var/tmp}/arbor-bench-XXXXXX.img")
  if [ "$(id -u)" -eq 0 ] && truncate -s 8G "$img" && mkfs.ext4 -q -F "$img" && mount -o loop "$img" "$WORK" 2>/dev/null; then
    trap 'umount "$WORK"; rm -f "$img"; rm -rf "$WORK"' EXIT
  else
    rm -f "$img"
    [ "$fs" = auto ] || { echo "bench: cannot mount a loop ext4 image (root and loop devices needed)" >&2; exit 1; }
  fi
fi
echo "== work directory: $(findmnt -no SOURCE,FSTYPE,OPTIONS -T "$WORK")"

. bench/lib.sh

# compare NAME SETUP_O CMD_O SETUP_A CMD_A
compare() { compare_with "$1" ostree "$2" "$3" "$4" "$5"; }

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
  compare "export (archive)" \
    ":" "ostree export --repo=$WORK/o-archive -o /dev/null main" \
    ":" "$ARBOR ostree export --repo=$WORK/o-archive -o /dev/null main"
  o=$(ostree export --repo=$WORK/o-archive main | sha256sum); a=$($ARBOR ostree export --repo=$WORK/o-archive main | sha256sum)
  [ "$o" = "$a" ] || { echo "bench: export archives differ: ostree $o arbor $a" >&2; exit 1; }
  compare "fsck (archive)" \
    ":" "ostree fsck --repo=$WORK/o-archive" \
    ":" "$ARBOR ostree fsck --repo=$WORK/o-archive"
  compare "fsck (bare-user)" \
    ":" "ostree fsck --repo=$WORK/o-bare-user" \
    ":" "$ARBOR ostree fsck --repo=$WORK/o-bare-user"
  rm -rf "$WORK"/o-* "$WORK"/a-* "$WORK/co"
}

# Pull over loopback HTTP: ostree's archive repository of the tree, served by nginx (private
# config, foreground child killed at the end), pulled by both tools into fresh bare-user and
# archive repositories; then pull-local of the same repository.
bench_pull() {
  local label=$1 tree=$2 src=$WORK/pull-src port nginx_pid
  command -v nginx >/dev/null || { echo "bench: nginx is not installed (make test-deps)" >&2; exit 1; }
  echo "== $label: pull"
  ostree init --repo="$src" --mode=archive
  ostree commit --repo="$src" -b main --timestamp=@0 "$tree" >/dev/null
  ostree summary --repo="$src" -u
  port=$(free_port)
  start_nginx "  server { listen 127.0.0.1:$port; root $src; location / { } }" "$port"
  local url=http://127.0.0.1:$port
  for mode in bare-user archive; do
    compare "pull $mode" \
      "rm -rf $WORK/p; ostree init --repo=$WORK/p --mode=$mode; ostree remote add --repo=$WORK/p --no-gpg-verify origin $url" \
      "ostree pull --repo=$WORK/p origin main" \
      "rm -rf $WORK/p; $ARBOR ostree init --repo=$WORK/p --mode=$mode; $ARBOR ostree remote add --repo=$WORK/p --no-gpg-verify origin $url" \
      "$ARBOR ostree pull --repo=$WORK/p origin main"
    compare "pull-local archive -> $mode" \
      "rm -rf $WORK/p; ostree init --repo=$WORK/p --mode=$mode" "ostree pull-local --repo=$WORK/p $src main" \
      "rm -rf $WORK/p; $ARBOR ostree init --repo=$WORK/p --mode=$mode" "$ARBOR ostree pull-local --repo=$WORK/p $src main"
  done
  kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$src" "$WORK/p" "$WORK/nginx"
}

if [ "${BENCH_ONLY:-}" != compose ] && [ "${BENCH_ONLY:-}" != solve ]; then
  minbase=$(scripts/make-minbase.sh "$WORK/minbase")
  [ "${BENCH_ONLY:-}" = pull ] || bench_tree "Debian minbase" "$minbase"
  bench_pull "Debian minbase" "$minbase"
  rm -rf "$WORK/minbase"
fi
# compose tree vs dnf --installroot + ostree commit, on the minbase rebuilt as RPMs.
case "${BENCH_ONLY:-}" in pull|solve|store) ;; *) BENCH_WORK=$WORK ARBOR_BIN=$ARBOR bench/compose.sh ;; esac
# The solver alone vs testsolv, on that corpus and on a synthetic repository.
case "${BENCH_ONLY:-}" in pull|compose|store) ;; *) BENCH_WORK=$WORK ARBOR_BIN=$ARBOR bench/solve.sh ;; esac
