#!/usr/bin/env bash
# build-sample-rpms.sh OUTDIR
# Builds the RPMs of the hybrid sample (samples/hybrid/packages/*) with `arbor rpm build` and
# publishes them as an rpm-md repository with `arbor rpm createrepo`: the input of the compose
# demo and tests. Each package's tree is copied to a scratch directory first, with the empty
# directories git does not keep and, for busybox, the host's static busybox and its applet links.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 OUTDIR" >&2; exit 2; fi
here=$(cd "$(dirname "$0")/.." && pwd)
arbor=${ARBOR_BIN:-$here/bin/arbor}
out=$1
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  [ -x /bin/busybox ] && busybox=/bin/busybox
fi
[ -n "$busybox" ] || { echo "$0: busybox (static) is needed: apt-get install busybox-static" >&2; exit 1; }
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for pkg in "$here"/samples/hybrid/packages/*/; do
  name=$(basename "$pkg")
  root=$scratch/$name
  # busybox has no files in git (its tree is made below), so it has no root directory there.
  mkdir -p "$root"
  [ ! -d "$pkg/root" ] || cp -a "$pkg/root/." "$root/"
  case $name in
    filesystem) mkdir -p "$root"/usr/{bin,sbin,lib,lib64,share} "$root"/var/{lib/sample,log} "$root"/boot ;;
    kernel) mkdir -p "$root"/usr/lib/modules/6.1.0-sample/kernel ;;
    busybox)
      mkdir -p "$root/usr/bin"
      cp "$busybox" "$root/usr/bin/busybox"
      chmod 755 "$root/usr/bin/busybox"
      for applet in sh ash cat cp echo grep ls mkdir mv rm sed sleep test true false uname id; do
        ln -sf busybox "$root/usr/bin/$applet"
      done ;;
  esac
  "$arbor" rpm build "$pkg/manifest.yaml" --root "$root" --output "$out" >/dev/null
done
"$arbor" rpm createrepo "$out" >/dev/null
echo "$out"
