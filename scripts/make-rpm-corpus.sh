#!/usr/bin/env bash
# make-rpm-corpus.sh OUTDIR
# make-rpm-corpus.sh --respin NAME OUTDIR
# A real distribution as RPM test corpus: the packages of a Debian bookworm minbase (what
# `debootstrap --variant=minbase` installs), each .deb rebuilt as an RPM by `arbor rpm build` and
# published as an rpm-md repository at OUTDIR by `arbor rpm createrepo`. The interop tests and
# the compose benchmark solve, install and compose it.
#
# Flow: debootstrap --download-only fetches the minbase .debs from the mirror apt uses (the list
# and the .debs are cached under $ARBOR_CACHE, default ~/.cache/arbor) -> per .deb, `dpkg-deb -e`
# gives the control file and conffiles, scripts/deb-to-rpm-manifest.pl maps them to a manifest
# (the mapping is described there), `dpkg-deb -x` (as root: ownership and modes as dpkg extracts
# them) fills the root -> `arbor rpm build` -> `arbor rpm createrepo`. The finished repository is
# cached as a tarball keyed on the .debs' names and versions and the converter (this script, the
# mapping script and converter_version), so a second run only unpacks it; a change to what
# `arbor rpm build` writes needs converter_version bumped.
#
# Debian maintainer scripts are NOT carried into the RPMs: they call dpkg's tools
# (update-alternatives, dpkg-maintscript-helper, debconf) against dpkg's database, which an rpm
# transaction does not have. So the packages install as their payload only.
#
# CORPUS_PACKAGES="bash coreutils ..." restricts the corpus to those .debs of minbase (their
# dependencies are not added: name a closed set). Needs root, dpkg-deb and debootstrap.
#
# --respin NAME OUTDIR turns the corpus already at OUTDIR into its next update with one package
# changed, as a distribution's update repository would be: package NAME is rebuilt from its .deb
# with the release bumped (".1" appended) and one file's content changed (a line appended to its
# copyright file, else to its first uncompressed regular file), its old RPM is removed and
# the metadata is written again. The compose benchmark's "one package changed" case uses it.
set -euo pipefail

respin=
if [ "${1:-}" = --respin ]; then
  [ $# -eq 3 ] || { echo "usage: $0 --respin NAME OUTDIR" >&2; exit 2; }
  respin=$2
  shift 2
fi
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR | $0 --respin NAME OUTDIR" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "$0")/.." && pwd)
arbor=${ARBOR_BIN:-$here/bin/arbor}
suite=bookworm
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
cache=${ARBOR_CACHE:-${HOME:-/root}/.cache/arbor}
debs=$cache/minbase-$suite-$arch-debs
# Bumped whenever the mapping changes, so stale corpora are not reused.
converter_version=3

if [ "$(id -u)" != 0 ]; then
  echo "$0: must run as root (dpkg-deb -x keeps ownership only as root)" >&2
  exit 1
fi
[ -x "$arbor" ] || { echo "$0: $arbor missing (make build)" >&2; exit 1; }
for t in dpkg-deb perl sha256sum; do
  command -v $t >/dev/null || { echo "$0: $t not found" >&2; exit 1; }
done
if [ -z "$respin" ] && [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "$0: $out exists and is not empty" >&2
  exit 1
fi
if [ -n "$respin" ] && [ ! -f "$out/repodata/repomd.xml" ]; then
  echo "$0: $out is not a corpus (no repodata/repomd.xml)" >&2
  exit 1
fi

if [ -z "$respin" ] && [ ! -f "$debs/complete" ]; then
  mirror=$("$here/scripts/debian-mirror.sh" "$suite")
  command -v debootstrap >/dev/null || { echo "$0: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/minbase-debs.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "$0: debootstrap --variant=minbase --download-only $suite from $mirror (cached in $debs)" >&2
  if ! debootstrap --variant=minbase --download-only --arch="$arch" "$suite" "$work/root" "$mirror" > "$work/log" 2>&1; then
    tail -n 20 "$work/log" >&2
    echo "$0: debootstrap failed (log above)" >&2
    exit 1
  fi
  mkdir -p "$work/debs"
  mv "$work/root/var/cache/apt/archives/"*.deb "$work/debs/"
  touch "$work/debs/complete"
  rm -rf "$debs"
  mv "$work/debs" "$debs"
  rm -rf "$work"
  trap - EXIT
fi

# bookworm's debootstrap builds a merged-/usr root (/bin, /sbin, /lib* are links into /usr, made
# before dpkg unpacks through them); the same happens here per package, so every package's
# files land where they would on a real minbase and no two packages fight over /bin.
usr_merged="bin sbin lib lib32 lib64 libx32"
merge_usr() {
  local root=$1 d
  for d in $usr_merged; do
    [ -d "$root/$d" ] && [ ! -L "$root/$d" ] || continue
    mkdir -p "$root/usr/$d"
    cp -a "$root/$d/." "$root/usr/$d/"
    rm -rf "${root:?}/$d"
  done
}

# convert_deb DEB WORK REPO [RELEASE_SUFFIX]: one .deb -> one RPM in REPO (WORK is scratch). With
# a suffix, the release gets it and one file's content changes (the --respin update).
convert_deb() {
  local deb=$1 work=$2 repo=$3 suffix=${4:-} name changed
  name=$(basename "$deb")
  rm -rf "$work/root" "$work/control"
  dpkg-deb -e "$deb" "$work/control"
  perl "$here/scripts/deb-to-rpm-manifest.pl" "$work/control/control" "$work/control/conffiles" > "$work/manifest.yaml" \
    || { echo "$0: $name: converting the control file failed" >&2; return 1; }
  mkdir "$work/root"
  dpkg-deb -x "$deb" "$work/root"
  merge_usr "$work/root"
  # The merged layout's compatibility links belong to base-files, which lays out the root.
  [ "${name%%_*}" != base-files ] || for d in bin sbin lib lib64; do ln -s "usr/$d" "$work/root/$d"; done
  if [ -n "$suffix" ]; then
    grep -q "^release: '" "$work/manifest.yaml" || { echo "$0: $name: no release line in the manifest" >&2; return 1; }
    sed -i -E "s/^release: '(.*)'\$/release: '\\1$suffix'/" "$work/manifest.yaml"
    # A plain-text file, so the change leaves it valid: the copyright file when there is one.
    changed=$(find "$work/root" -type f ! -name '*.gz' | sort \
      | awk '/\/usr\/share\/doc\/[^/]*\/copyright$/ && !c { c = $0 } !f { f = $0 } END { print (c ? c : f) }')
    [ -n "$changed" ] || { echo "$0: $name: no regular file to change" >&2; return 1; }
    echo "respun $suffix" >> "$changed"
  fi
  "$arbor" rpm build "$work/manifest.yaml" --root "$work/root" --output "$repo" >/dev/null \
    || { echo "$0: $name: arbor rpm build failed; manifest:" >&2; cat "$work/manifest.yaml" >&2; return 1; }
}

if [ -n "$respin" ]; then
  match=("$debs/${respin}_"*.deb)
  [ -f "${match[0]}" ] || { echo "$0: '$respin' is not a package of the $suite minbase" >&2; exit 1; }
  olds=()
  for f in "$out"/*.rpm; do
    if [ "$(rpm -qp --nosignature --qf '%{NAME}' "$f")" = "$respin" ]; then olds+=("$f"); fi
  done
  [ ${#olds[@]} -gt 0 ] || { echo "$0: $out holds no RPM of '$respin'" >&2; exit 1; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/rpm-respin.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/out"
  convert_deb "${match[0]}" "$work" "$work/out" .1
  rm -f "${olds[@]}"
  mv "$work/out"/*.rpm "$out/"
  "$arbor" rpm createrepo "$out" >/dev/null
  exit 0
fi

selected=()
if [ -n "${CORPUS_PACKAGES:-}" ]; then
  for name in $CORPUS_PACKAGES; do
    match=("$debs/${name}_"*.deb)
    [ -f "${match[0]}" ] || { echo "$0: '$name' is not a package of the $suite minbase" >&2; exit 1; }
    selected+=("${match[0]}")
  done
else
  selected=("$debs"/*.deb)
fi

key=$( { echo "converter $converter_version"; sha256sum "$here/scripts/deb-to-rpm-manifest.pl" "$0" | cut -d' ' -f1
         printf '%s\n' "${selected[@]##*/}" | sort; } | sha256sum | cut -c1-16)
tarball=$cache/rpm-corpus-$suite-$arch-$key.tar

if [ ! -f "$tarball" ]; then
  work=$(mktemp -d "$cache/rpm-corpus.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/repo"
  echo "$0: converting ${#selected[@]} .debs to RPMs (cached in $tarball)" >&2
  for deb in "${selected[@]}"; do
    convert_deb "$deb" "$work" "$work/repo" || exit 1
  done
  "$arbor" rpm createrepo "$work/repo" >/dev/null
  tar -C "$work/repo" -cf "$work/corpus.tar" .
  mv "$work/corpus.tar" "$tarball"
  rm -rf "$work"
  trap - EXIT
fi

mkdir -p "$out"
tar -C "$out" -xf "$tarball"
cd "$out" && pwd
