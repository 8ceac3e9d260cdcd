#!/bin/sh
# patchset.sh DIR TREE [KVER]: make TREE hold its pristine sources plus the
# series in DIR (a directory with a `series` file, patches applied in order
# with -p1; `series-KVER`, where there is one, for kernel version KVER). The previous series is undone first by restoring the originals
# saved when it was applied, so only the files the two series touch change
# (and only those are recompiled). Prints nothing on success.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dir=${1:?usage: patchset.sh DIR TREE [KVER]}
tree=${2:?usage: patchset.sh DIR TREE [KVER]}
kver=${3:-}
state=$tree/.lockcheck
orig=$state/orig

[ -d "$dir" ] || die "patch set $dir does not exist"
patches=$(series_patches "$dir" "$kver")
for p in $patches; do
	[ -f "$dir/$p" ] || die "series in $dir names $p, which does not exist"
done
key=$( (echo "$patches"; for p in $patches; do cat "$dir/$p"; done) | content_key)
[ "$(cat "$state/applied-key" 2>/dev/null)" = "$key" ] && exit 0

# Files a patch touches, from its +++/--- headers (new and deleted files too).
touched() {
	awk '/^(\+\+\+|---) / && $2 != "/dev/null" { sub(/^[ab]\//, "", $2); print $2 }' "$1" | sort -u
}

# Check every patch against a scratch copy first, so a patch that does not
# apply leaves the tree as it was and its rejected hunk can be shown.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for p in $patches; do
	for f in $(touched "$dir/$p"); do
		if [ ! -e "$scratch/$f" ] && [ -f "$tree/$f" ]; then
			mkdir -p "$scratch/$(dirname "$f")"
			if [ -f "$orig/$f" ]; then
				cp "$orig/$f" "$scratch/$f"
			elif [ ! -f "$orig/$f.new" ]; then
				cp "$tree/$f" "$scratch/$f"
			fi
		fi
	done
	if ! (cd "$scratch" && patch -p1 -f -s -r "$scratch/.rej" <"$dir/$p" >"$scratch/.out" 2>&1); then
		sed 's/^/    /' "$scratch/.out" >&2
		[ -s "$scratch/.rej" ] && { echo "    rejected hunk:" >&2; sed 's/^/    | /' "$scratch/.rej" >&2; }
		die "patch $dir/$p does not apply to $(basename "$tree")"
	fi
done

# Undo the previous series, then apply this one, saving originals.
if [ -d "$orig" ]; then
	(cd "$orig" && find . -type f) | while read -r f; do
		case $f in
		*.new) rm -f "$tree/${f%.new}" ;;
		*) cp "$orig/$f" "$tree/$f" ;;
		esac
	done
	rm -rf "$orig"
fi
rm -f "$state/applied-key"
mkdir -p "$orig"
for p in $patches; do
	for f in $(touched "$dir/$p"); do
		[ -e "$orig/$f" ] || [ -e "$orig/$f.new" ] && continue
		mkdir -p "$orig/$(dirname "$f")"
		if [ -f "$tree/$f" ]; then
			cp -p "$tree/$f" "$orig/$f"
		else
			: >"$orig/$f.new"
		fi
	done
	(cd "$tree" && patch -p1 -f -s <"$dir/$p") >&2 ||
		die "patch $dir/$p failed on the tree after a clean dry run; run 'make distclean'"
done
echo "$key" >"$state/applied-key"
