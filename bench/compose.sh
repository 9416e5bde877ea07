#!/usr/bin/env bash
# Arbor's `compose tree` vs the two-tool way of making the same commit: `dnf --installroot`
# installing the same packages, then `ostree commit` of that root. The input is the Debian
# bookworm minbase rebuilt as RPMs (scripts/make-rpm-corpus.sh, cached). Two operations, each run
# alternately RUNS times (default 3), median wall times and their ratio (Arbor/dnf+ostree, lower
# is better) printed as the other benches do:
#   cold compose      fresh repository and fresh cache for both sides
#   re-compose        nothing changed since the last compose: Arbor stops at the input hash,
#                     the baseline has no such check and redoes dnf install + ostree commit
#   one package changed  the corpus's next update (scripts/make-rpm-corpus.sh --respin: one
#                     package rebuilt with a new release and one changed file): Arbor re-composes
#                     from the last compose's repository and package cache (restored before each
#                     run), so it imports that one package only; the baseline installs and commits
#                     the changed set from scratch. Checked: Arbor imported exactly one package and
#                     its commit's pkglist carries the new release.
# CORPUS_PACKAGES narrows the corpus (see make-rpm-corpus.sh); RESPIN names the package changed
# (default hostname, else the corpus's first). Callable alone or from bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ARBOR=${ARBOR_BIN:-$PWD/bin/arbor}
RUNS=${RUNS:-3}
WORK=${BENCH_WORK:-$PWD/bench/work}/compose
for t in dnf ostree rpm; do
  command -v $t >/dev/null || { echo "bench/compose: $t is not installed (make test-deps)" >&2; exit 1; }
done
[ -x "$ARBOR" ] || { echo "bench/compose: $ARBOR missing (make build)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK/tmp"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
# Both tools' temporary directories (Arbor's compose work directory, where it hardlinks the
# packages out of its cache) live on the bench's filesystem, as the cache and the dnf root do:
# on /tmp they would cross filesystems (copies instead of hardlinks) and, on a journal-less root
# ext4, pay the recently-deleted inode walk bench/run.sh describes.
export TMPDIR=$WORK/tmp

. bench/lib.sh

corpus=$(ARBOR_BIN=$ARBOR scripts/make-rpm-corpus.sh "$WORK/corpus")
names=$(rpm -qp --nosignature --qf '%{NAME}\n' "$corpus"/*.rpm | sort | tr '\n' ' ')
echo "== compose: $(echo $names | wc -w) packages of the Debian minbase as RPMs, $(du -sh "$corpus" | cut -f1)"

mkdir -p "$WORK/tf"
printf '[corpus]\nname=corpus\nbaseurl=file://%s\ngpgcheck=0\n' "$corpus" > "$WORK/tf/corpus.repo"
printf 'ref: debian/12/x86_64/minbase\nrepos: [corpus]\npackages: [%s]\n' "$(echo $names | sed 's/ /, /g')" > "$WORK/tf/minbase.yaml"

dnf_commit="dnf -q -y --installroot=$WORK/dnfroot --repofrompath=corpus,$corpus --repo=corpus --setopt=reposdir=/nonexistent \
  --setopt=cachedir=$WORK/dnfcache --nogpgcheck --releasever=12 --forcearch=x86_64 install $names \
  && ostree commit --repo=$WORK/o -b debian/12/x86_64/minbase --timestamp=@0 $WORK/dnfroot"
dnf_fresh="rm -rf $WORK/dnfroot $WORK/dnfcache $WORK/o; ostree init --repo=$WORK/o --mode=archive"
arbor_compose="$ARBOR compose tree --repo=$WORK/a --cachedir=$WORK/acache $WORK/tf/minbase.yaml"

compare_with "compose tree (cold)" "dnf+ostree" \
  "$dnf_fresh" "$dnf_commit" \
  "rm -rf $WORK/a $WORK/acache; mkdir -p $WORK/acache; ostree init --repo=$WORK/a --mode=archive" "$arbor_compose"
# Both tools' outputs carry the same packages.
diff <(rpm --root "$WORK/dnfroot" -qa --qf '%{NEVRA}\n' | sort) \
  <(ostree --repo="$WORK/a" show --print-metadata-key=rpmostree.rpmdb.pkglist debian/12/x86_64/minbase \
    | grep -o "('[^']*', '[^']*', '[^']*', '[^']*', '[^']*')" \
    | sed -E "s/\('([^']*)', '([^']*)', '([^']*)', '([^']*)', '([^']*)'\)/\1 \2 \3 \4 \5/" \
    | awk '{ print $1 "-" ($2 == "0" ? "" : $2 ":") $3 "-" $4 "." $5 }' | sort) >/dev/null \
  || { echo "bench/compose: dnf and arbor installed different packages" >&2; exit 1; }
compare_with "compose tree (unchanged inputs)" "dnf+ostree" \
  "$dnf_fresh" "$dnf_commit" \
  ":" "$arbor_compose"

# One package changed: a copy of the corpus becomes its next update, and a second treefile
# directory points the same repository id at it. Arbor's repository and package cache as the
# last compose left them are kept aside and restored before each timed run.
respin=${RESPIN:-hostname}
case " $names " in *" $respin "*) ;; *) respin=${names%% *} ;; esac
cp -a "$corpus" "$WORK/corpus2"
ARBOR_BIN=$ARBOR scripts/make-rpm-corpus.sh --respin "$respin" "$WORK/corpus2"
new_nevra=$(rpm -qp --nosignature --qf '%{NAME} %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' "$WORK/corpus2"/*.rpm | awk -v n="$respin" '$1 == n { print $2 }')
mkdir -p "$WORK/tf2"
printf '[corpus]\nname=corpus\nbaseurl=file://%s\ngpgcheck=0\n' "$WORK/corpus2" > "$WORK/tf2/corpus.repo"
cp "$WORK/tf/minbase.yaml" "$WORK/tf2/minbase.yaml"
rm -rf "$WORK/a.base" "$WORK/acache.base"
cp -a "$WORK/a" "$WORK/a.base"; cp -a "$WORK/acache" "$WORK/acache.base"
echo "== one package changed: $respin -> $new_nevra"
compare_with "compose tree (one package changed)" "dnf+ostree" \
  "$dnf_fresh" "${dnf_commit//$corpus/$WORK/corpus2}" \
  "rm -rf $WORK/a $WORK/acache; cp -a $WORK/a.base $WORK/a; cp -a $WORK/acache.base $WORK/acache" \
  "$ARBOR compose tree --repo=$WORK/a --cachedir=$WORK/acache $WORK/tf2/minbase.yaml > $WORK/respin.log"
grep -q "^Imported 1 packages (" "$WORK/respin.log" \
  || { echo "bench/compose: the re-compose did not import exactly one package:" >&2; cat "$WORK/respin.log" >&2; exit 1; }
ostree --repo="$WORK/a" show --print-metadata-key=rpmostree.rpmdb.pkglist debian/12/x86_64/minbase \
  | grep -o "('$respin', '[^']*', '[^']*', '[^']*', '[^']*')" \
  | awk -F"'" -v want="$new_nevra" '{ if ($2 "-" $6 "-" $8 "." $10 == want) found = 1 } END { exit !found }' \
  || { echo "bench/compose: the re-composed commit does not carry $new_nevra" >&2; exit 1; }
cmp <(rpm --root "$WORK/dnfroot" -q --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' "$respin") <(echo "$new_nevra") \
  || { echo "bench/compose: dnf did not install $new_nevra" >&2; exit 1; }
