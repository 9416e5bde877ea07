#!/usr/bin/env bash
# debian-mirror.sh SUITE
# Prints the Debian mirror this machine's apt is configured with for SUITE: the first URI serving
# SUITE itself (not -security or -updates), from deb822 .sources files or one-line sources.list
# entries. Shared by make-minbase.sh and make-rpm-corpus.sh, which fetch from the same mirror.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 SUITE" >&2; exit 2; fi
suite=$1
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
if [ -z "$mirror" ]; then
  echo "$0: no apt source for '$suite' in /etc/apt/sources.list or /etc/apt/sources.list.d" >&2
  exit 1
fi
echo "$mirror"
