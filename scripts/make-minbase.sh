#!/usr/bin/env bash
# make-minbase.sh DIR
# Puts a Debian bookworm minbase tree (debootstrap --variant=minbase) at DIR, for the heavy
# interop tests and the benchmarks: a real OS tree to commit. The first run bootstraps from the
# Debian mirror this machine's apt uses and caches the result as a tarball under
# $ARBOR_CACHE (default ~/.cache/arbor); later runs only unpack the tarball. Device nodes,
# sockets and fifos are removed, since ostree does not store them. Needs root. Prints DIR.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1
suite=bookworm
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
cache=${ARBOR_CACHE:-${HOME:-/root}/.cache/arbor}
tarball=$cache/minbase-$suite-$arch.tar

if [ "$(id -u)" != 0 ]; then
  echo "$0: must run as root (debootstrap, device nodes, ownership)" >&2
  exit 1
fi
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "$0: $dir exists and is not empty" >&2
  exit 1
fi

if [ ! -f "$tarball" ]; then
  mirror=$("$(dirname "$0")/debian-mirror.sh" "$suite")
  command -v debootstrap >/dev/null || { echo "$0: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/minbase.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "$0: debootstrap --variant=minbase $suite from $mirror (cached in $tarball)" >&2
  if ! debootstrap --variant=minbase --arch="$arch" "$suite" "$work/root" "$mirror" > "$work/log" 2>&1; then
    tail -n 20 "$work/log" >&2
    echo "$0: debootstrap failed (log above)" >&2
    exit 1
  fi
  # ostree stores regular files, symlinks and directories only.
  find "$work/root" -xdev \( -type b -o -type c -o -type p -o -type s \) -delete
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/log/bootstrap.log"
  tar --xattrs --xattrs-include='*' --acls --numeric-owner -C "$work/root" -cf "$work/minbase.tar" .
  mv "$work/minbase.tar" "$tarball"
  rm -rf "$work"
  trap - EXIT
fi

mkdir -p "$dir"
tar --xattrs --xattrs-include='*' --acls --numeric-owner -p -C "$dir" -xf "$tarball"
cd "$dir" && pwd
