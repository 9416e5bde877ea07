#!/usr/bin/env bash
# Runs a command as if the machine had booted a deployment of an OSTree sysroot, so that staged
# deployments (which need a booted system) can be tested against the real ostree:
#   run-booted.sh SYSROOT DEPLOYMENT_DIR [ARBOR_DIR] -- CMD...
# In private mount and PID namespaces the deployment directory becomes "/" (so stat("/") matches
# it, which is how ostree finds the booted deployment), the sysroot is mounted at /sysroot and its
# boot/ at /boot, /run is SYSROOT.run (kept between calls) holding ostree-booted, and the host's
# /usr (with ostree and the .NET runtime) and /dev are mounted in. ARBOR_DIR, when given, appears
# at /tmp/arbor.
# The deployment tree needs the usual top-level directories (usr, etc, boot, sysroot, run, proc,
# dev, tmp, var) and bin/lib symlinks into usr. Must run as root; changes nothing outside.
set -euo pipefail
if [ "${RUN_BOOTED_INNER:-}" != 1 ]; then
  exec env RUN_BOOTED_INNER=1 unshare --mount --pid --fork "$0" "$@"
fi
sysroot=$1 deployment=$2; shift 2
arbor_dir=""
if [ "${1:-}" != "--" ]; then arbor_dir=$1; shift; fi
[ "${1:-}" = "--" ] && shift
mount --make-rprivate /
root=$(mktemp -d "$(dirname "$sysroot")/.run-booted.XXXXXX")
mount --bind "$deployment" "$root"
for d in usr lib lib64 bin sbin; do
  if [ -d "/$d" ] && [ ! -L "/$d" ] && [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then mount --bind "/$d" "$root/$d"; fi
done
mount --bind "$sysroot" "$root/sysroot"
mount --bind "$sysroot/boot" "$root/boot"
# /run lives beside the sysroot so that state kept there (a staged deployment) survives from one
# "boot" of the same sysroot to the next call, as it would until the machine reboots.
rundir="$sysroot.run"
mkdir -p "$rundir"
mount --bind "$rundir" "$root/run"
touch "$root/run/ostree-booted"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
if [ -n "$arbor_dir" ]; then mkdir -p "$root/tmp/arbor"; mount --bind "$arbor_dir" "$root/tmp/arbor"; fi
exec chroot "$root" "$@"
