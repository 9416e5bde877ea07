#!/usr/bin/env bash
# make-test-tree.sh [--big] DIR
# Builds the "torture" tree Arbor's interop tests commit with both arbor and ostree: every file
# type and mode ostree must preserve, odd names, hardlinks, ownership and xattrs. Run as root
# (chown and trusted.* xattrs need it). With --big, also writes a 128 MiB file (a repeated
# pattern with pseudo-random blocks mixed in, so it neither compresses to nothing nor takes
# long to make). The output is deterministic apart from inode numbers and times.
set -euo pipefail

big=0
if [ "${1:-}" = "--big" ]; then big=1; shift; fi
if [ $# -ne 1 ]; then
  echo "usage: $0 [--big] DIR" >&2
  exit 2
fi
dir=$1
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "$0: $dir exists and is not empty" >&2
  exit 1
fi
for tool in setfattr chown; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (apt-get install attr coreutils)" >&2; exit 1; }
done
mkdir -p "$dir"
cd "$dir"
umask 022

# The first N bytes of an endless stream (the producer dies of SIGPIPE, which is fine here).
take() { local n=$1; shift; { "$@" || true; } | head -c "$n"; }

# Regular files in many modes, including empty ones.
printf 'hello, world\n' > hello.txt;            chmod 0644 hello.txt
printf 'secret\n' > private.txt;                chmod 0600 private.txt
printf '#!/bin/sh\necho hi\n' > run.sh;         chmod 0755 run.sh
printf 'read only\n' > readonly.txt;            chmod 0444 readonly.txt
printf '#!/bin/sh\nexit 0\n' > owner-only.sh;   chmod 0700 owner-only.sh
printf 'group readable\n' > group.txt;          chmod 0640 group.txt
: > empty;                                      chmod 0644 empty
: > empty-exec;                                 chmod 0755 empty-exec
printf 'no newline at end' > no-newline.txt
# Special mode bits.
printf '#!/bin/sh\n' > setuid-bin;              chmod 04755 setuid-bin
printf '#!/bin/sh\n' > setgid-bin;              chmod 02755 setgid-bin

# A file with every byte value, and one a bit over 64 KiB (archive mode compresses in chunks).
for i in $(seq 0 255); do printf "\\$(printf '%03o' "$i")"; done > all-bytes.bin
take 70000 yes 'arbor test line' > medium.txt

# Directories: nested, empty, restricted, sticky.
mkdir -p a/b/c/d/e
printf 'deep\n' > a/b/c/d/e/leaf.txt
printf 'mid\n' > a/b/mid.txt
mkdir empty-dir
mkdir private-dir;  chmod 0700 private-dir
printf 'inside private\n' > private-dir/inner.txt
mkdir sticky-dir;   chmod 01777 sticky-dir
printf 'tmp-ish\n' > sticky-dir/t.txt
mkdir setgid-dir;   chmod 02755 setgid-dir

# Names: non-ASCII UTF-8, spaces, leading dash and dot, long.
printf 'unicode\n' > 'ünïcødé-名前.txt'
mkdir 'dir with spaces'
printf 'spaces\n' > 'dir with spaces/file with spaces.txt'
printf 'dash\n' > ./-leading-dash
printf 'dot\n' > .hidden
printf 'long\n' > "$(printf 'n%.0s' $(seq 1 200))"

# Symlinks: relative, absolute, dangling, to a directory, chained.
ln -s hello.txt link-relative
ln -s /etc/hostname link-absolute
ln -s does/not/exist link-dangling
ln -s a/b link-to-dir
ln -s link-relative link-to-link
ln -s ../hello.txt a/link-up

# Hardlinks: two names for one inode, one in another directory.
printf 'linked content\n' > hardlink-1
ln hardlink-1 hardlink-2
ln hardlink-1 a/hardlink-3

# Ownership other than root.
printf 'owned\n' > owned-by-1234
chown 1234:5678 owned-by-1234
mkdir owned-dir
printf 'in owned dir\n' > owned-dir/file
chown -R 1234:5678 owned-dir
chown -h 1234:5678 link-dangling

# Extended attributes on files and directories (user.* and trusted.*).
setfattr -n user.comment -v "a user xattr" hello.txt
setfattr -n user.empty -v "" hello.txt
setfattr -n user.binary -v 0x00ff10 all-bytes.bin
setfattr -n trusted.overlay.opaque -v y a
setfattr -n user.dirattr -v "on a directory" a/b
setfattr -n trusted.arbor -v "trusted value" private.txt
setfattr -n user.owned -v "xattr and owner" owned-by-1234

if [ "$big" = 1 ]; then
  # 128 MiB: 1 MiB blocks, every eighth one pseudo-random from a fixed seed, the rest a
  # repeated pattern. openssl's AES-CTR stream makes the random part fast and reproducible.
  pattern=$(mktemp)
  take $((1024 * 1024)) yes 'arbor big file pattern 0123456789abcdef' > "$pattern"
  {
    for i in $(seq 0 127); do
      if [ $((i % 8)) = 3 ]; then
        if command -v openssl >/dev/null; then
          take $((1024 * 1024)) openssl enc -aes-128-ctr -nosalt -pass "pass:arbor-$i" -pbkdf2 -in /dev/zero 2>/dev/null
        else
          take $((1024 * 1024)) cat /dev/urandom
        fi
      else
        cat "$pattern"
      fi
    done
    printf 'tail'
  } > big.bin
  rm -f "$pattern"
fi
echo "$PWD"
