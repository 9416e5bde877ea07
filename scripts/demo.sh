#!/usr/bin/env bash
# `make demo`: commits the bundled sample tree (samples/rootfs) with Arbor, shows what it wrote,
# and proves the real ostree reads it: same commit checksum as `ostree commit`, `ostree fsck`
# clean, and an `ostree checkout` identical to the source. Then the hybrid: sample packages
# built by arbor rpm build, composed into an OS by arbor compose tree, deployed and run.
set -euo pipefail
cd "$(dirname "$0")/.."
arbor=$PWD/bin/arbor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "$*"; "$@"; }

run "$arbor" ostree --repo="$work/repo" init --mode=archive
step arbor ostree --repo="$work/repo" commit -b sample/stable -s "Sample OS 1" --timestamp=@1700000000 --add-metadata-string=version=1 samples/rootfs
c1=$("$arbor" ostree --repo="$work/repo" commit -b sample/stable -s "Sample OS 1" --timestamp=@1700000000 --add-metadata-string=version=1 samples/rootfs)
echo "$c1"
run "$arbor" ostree --repo="$work/repo" refs
run "$arbor" ostree --repo="$work/repo" ls -R sample/stable
run "$arbor" ostree --repo="$work/repo" log sample/stable

step "real ostree commits the same tree into its own repo"
ostree --repo="$work/ostree-repo" init --mode=archive
c2=$(ostree --repo="$work/ostree-repo" commit -b sample/stable -s "Sample OS 1" --timestamp=@1700000000 --add-metadata-string=version=1 samples/rootfs)
echo "arbor:  $c1"; echo "ostree: $c2"
[ "$c1" = "$c2" ] && echo "identical commit checksums" || { echo "checksums differ" >&2; exit 1; }

run ostree --repo="$work/repo" fsck
run ostree --repo="$work/repo" checkout -U sample/stable "$work/checkout"
step diff -r samples/rootfs "$work/checkout"
diff -r --no-dereference samples/rootfs "$work/checkout" && echo "checkout identical to the source"

step "a second version, then arbor checks it out and diffs the two commits"
cp -a samples/rootfs "$work/v2"; echo "VERSION_ID=2" >> "$work/v2/etc/os-release"; rm "$work/v2/etc/hostname"
"$arbor" ostree --repo="$work/repo" commit -b sample/stable -s "Sample OS 2" --add-metadata-string=version=2 "$work/v2" >/dev/null
run "$arbor" ostree --repo="$work/repo" diff sample/stable^ sample/stable
run "$arbor" ostree --repo="$work/repo" checkout -U sample/stable "$work/arbor-checkout"
diff -r --no-dereference "$work/v2" "$work/arbor-checkout" && echo "arbor checkout identical to version 2"
run "$arbor" ostree --repo="$work/repo" fsck

step "arbor serves the repository over HTTP; the real ostree pulls from it"
"$arbor" ostree --repo="$work/repo" summary -u
"$arbor" serve --repo="$work/repo" --port=0 --port-file="$work/port" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; find "$work" -maxdepth 6 -path "*/ostree/deploy/*/deploy/*" -prune -exec chattr -i {} + 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"
ostree --repo="$work/host" init --mode=bare-user
ostree --repo="$work/host" remote add --no-gpg-verify origin "$url"
run ostree --repo="$work/host" pull origin sample/stable
run ostree --repo="$work/host" log origin:sample/stable

step "the hybrid: four packages built from samples/hybrid by arbor rpm build, published by arbor rpm createrepo"
ARBOR_BIN="$arbor" scripts/build-sample-rpms.sh "$work/rpms" >/dev/null
ls "$work/rpms"
mkdir -p "$work/compose"
printf '[sample]\nname=Sample packages\nbaseurl=file://%s\ngpgcheck=0\n' "$work/rpms" > "$work/compose/sample.repo"
cat > "$work/compose/sample.yaml" <<TREEFILE
ref: sample/x86_64/hybrid
repos: [sample]
packages: [filesystem, busybox, hello, kernel-sample]
units: [hello.service]
automatic-version-prefix: "1"
TREEFILE
cat "$work/compose/sample.yaml"
ostree --repo="$work/os" init --mode=archive
run "$arbor" compose tree --repo="$work/os" --cachedir="$work/cache" "$work/compose/sample.yaml"
run "$arbor" ostree --repo="$work/os" show sample/x86_64/hybrid
run "$arbor" db list --repo="$work/os" sample/x86_64/hybrid
step "composing again with nothing changed makes no new commit"
"$arbor" compose tree --repo="$work/os" --cachedir="$work/cache" "$work/compose/sample.yaml" | tail -n 1
run ostree --repo="$work/os" fsck

step "deploy the composed OS into a sysroot and show its status"
mkdir -p "$work/sysroot"
ostree admin init-fs "$work/sysroot" >/dev/null
ostree admin --sysroot="$work/sysroot" os-init sample >/dev/null
ostree --repo="$work/sysroot/ostree/repo" pull-local "$work/os" sample/x86_64/hybrid >/dev/null
run "$arbor" ostree admin --sysroot="$work/sysroot" deploy --os=sample sample/x86_64/hybrid
run "$arbor" status --sysroot="$work/sysroot"
step "the deployed tree runs its own shell and program"
dep=$(ls -d "$work"/sysroot/ostree/deploy/sample/deploy/*.0)
bwrap --bind "$dep" / --dev /dev --proc /proc /usr/bin/hello
