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

# The Debian mirror apt is configured with: the first URI serving "$suite" itself (not
# -security or -updates), from deb822 .sources files or one-line sources.list entries.
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" '
      function flush() { if (uris != "" && suites ~ ("(^| )" suite "( |$)") && types ~ /(^| )deb( |$)/) { split(uris, u, " "); print u[1]; found = 1; exit } uris = ""; suites = ""; types = "" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "uris:" { $1 = ""; uris = $0; sub(/^ +/, "", uris) }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      END { if (!found) flush() }
    ' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI SUITE COMPONENTS...
    sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2 }'
  done
}
mirror=$(find_mirror | head -n 1)

if [ ! -f "$tarball" ]; then
  if [ -z "$mirror" ]; then
    echo "$0: no apt source for '$suite' in /etc/apt/sources.list or /etc/apt/sources.list.d" >&2
    exit 1
  fi
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
