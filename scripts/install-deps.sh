#!/usr/bin/env bash
# Installs what Arbor's demo ("runtime") or its tests and benchmarks ("test") need on a
# Debian machine. Each tool is installed only when it is missing, so a second run is quick.
set -euo pipefail
what=${1:-test}
need=()
have() { command -v "$1" >/dev/null 2>&1; }
case "$what" in
  runtime) pkgs=(ostree:ostree bwrap:bubblewrap busybox:busybox-static rofiles-fuse:ostree) ;;
  test)    pkgs=(ostree:ostree debootstrap:debootstrap getfattr:attr setfattr:attr rpmbuild:rpm rpm2cpio:rpm2cpio cpio:cpio createrepo_c:createrepo-c dnf:dnf xz:xz-utils zstd:zstd bzip2:bzip2 gpg:gpg gpgv:gpgv gpgconf:gpgconf nginx:nginx-light script:bsdutils mkfs.ext4:e2fsprogs chattr:e2fsprogs fallocate:util-linux losetup:mount mount:mount testsolv:libsolv-tools bwrap:bubblewrap sqlite3:sqlite3 busybox:busybox-static rofiles-fuse:ostree) ;;
  *) echo "install-deps: unknown set '$what'" >&2; exit 2 ;;
esac
for p in "${pkgs[@]}"; do
  cmd=${p%%:*}; pkg=${p#*:}
  have "$cmd" || need+=("$pkg")
done
# Libraries the interop tests load as oracles (json-glib: how rpm-ostree prints status --json).
if [ "$what" = test ]; then
  /sbin/ldconfig -p 2>/dev/null | grep -q 'libjson-glib-1.0.so.0' || need+=(libjson-glib-1.0-0)
fi
# The dependency solver (libsolv, rpm semantics) and the rpmdb (sqlite) are bound natively: the
# demo composes a tree, so both sets need them.
/sbin/ldconfig -p 2>/dev/null | grep -q 'libsolv.so.1' || need+=(libsolv1)
/sbin/ldconfig -p 2>/dev/null | grep -q 'libsolvext.so.1' || need+=(libsolvext1)
/sbin/ldconfig -p 2>/dev/null | grep -q 'libsqlite3.so.0' || need+=(libsqlite3-0)
# libdeflate inflates pulled objects (Arbor falls back to zlib without it; the tests cover both).
/sbin/ldconfig -p 2>/dev/null | grep -q 'libdeflate.so.0' || need+=(libdeflate0)
if ! have dotnet; then
  echo "install-deps: the .NET SDK (dotnet) is required" >&2; exit 1
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
fi
