#!/bin/sh
# kernel.sh: build the kernel under test and print the directory holding
# its bzImage, .config and Module.symvers.
#
# Environment (from make): KVER, KSRC, VARIANT or PATCHES, FLAVOUR, CACHE.
# Variants of one kernel version share one source tree and one build tree,
# so switching variant recompiles only what the patch sets touch; outputs
# are keyed by kernel, patch-set content and config content, so two
# variants never share a wrong bzImage.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
. "$here/lib.sh"

kver=${KVER:-6.12}
flavour=${FLAVOUR:-}
cache=$(cache_root)
jobs=$(nproc)

# Source tree.
if [ -n "${KSRC:-}" ]; then
	[ -d "$KSRC" ] || die "KSRC=$KSRC does not exist"
	[ -f "$KSRC/Makefile" ] && [ -f "$KSRC/drivers/iommu/iommu.c" ] ||
		die "KSRC=$KSRC is not a kernel source tree (no Makefile or drivers/iommu/iommu.c)"
	[ -z "${PATCHES:-}" ] && [ -z "${VARIANT:-}" ] ||
		die "KSRC trees are built as they are; apply your series in $KSRC instead of VARIANT/PATCHES"
	tree=$(cd "$KSRC" && pwd)
	srcid=ksrc:$tree
	tag=ksrc-$(echo "$tree" | content_key)
	pdir=
else
	tree=$("$here/fetch-source.sh" "$kver")
	srcid=$(basename "$tree")
	tag=$kver
	if [ -n "${PATCHES:-}" ]; then
		[ -z "${VARIANT:-}" ] || die "give VARIANT or PATCHES, not both"
		pdir=$PATCHES
	else
		pdir=$top/patches/${VARIANT:-vanilla}
		[ -d "$pdir" ] || die "VARIANT=${VARIANT:-vanilla}: no patches/${VARIANT:-vanilla}/ (have: $(ls "$top/patches" | tr '\n' ' '))"
	fi
fi

# Every variant and flavour of one source tree patches that tree: one run
# at a time, from the patch to the copied outputs (modules.sh takes the
# same lock to build against the tree).
hold_lock 9 "$cache/lock/src-$tag" "the $srcid source and build trees"
if [ -n "$pdir" ]; then
	stage "patch $(basename "$pdir") onto $srcid" >&2
	"$here/patchset.sh" "$pdir" "$tree" "$kver"
fi

# Config fragments: the base, then the flavour's. FLAVOUR=cover is the
# base kernel with gcov on the files of cover.files: the base's config and
# build tree, the profiling asked for on make's command line.
frags=$here/config/base.config
profile=
tree_flavour=$flavour
if [ "$flavour" = cover ]; then
	cover_files=$(grep -v '^#' "$here/config/cover.files")
	for f in $cover_files; do
		[ -f "$tree/$f" ] || die "cover.files: $f is not in $srcid"
	done
	profile=$(for f in $cover_files; do basename "$f" .c; done | sort -u |
		sed 's/.*/GCOV_PROFILE_&.o=y/' | tr '\n' ' ')
	tree_flavour=
elif [ -n "$flavour" ]; then
	[ -f "$here/config/$flavour.config" ] ||
		die "FLAVOUR=$flavour: no tools/build/config/$flavour.config (have: $(cd "$here/config" && ls | sed 's/\.config$//' | grep -v '^base$' | tr '\n' ' '))"
	frags="$frags $here/config/$flavour.config"
fi
ckey=$(cat $frags | content_key)
pkey=$(cat "$tree/.lockcheck/applied-key" 2>/dev/null || echo none)
key=$(printf '%s\n%s\n%s\n%s\n%s\n' "$srcid" "$pkey" "$ckey" "$flavour" "$profile" | content_key)
build=$cache/build/$tag${tree_flavour:+-$tree_flavour}
out=$cache/out/$tag${flavour:+-$flavour}-$key
log=$cache/log/kernel-$tag${flavour:+-$flavour}.log
mkdir -p "$build" "$(dirname "$log")"
: >"$log"

if [ "$(cat "$build/.lockcheck-config-key" 2>/dev/null)" != "$ckey" ]; then
	stage "config tinyconfig + $(for f in $frags; do basename "$f"; done | tr '\n' ' ')" >&2
	"$here/config.sh" "$tree" "$build" "$log" $frags
	echo "$ckey" >"$build/.lockcheck-config-key"
	rm -f "$build/.lockcheck-built-key"
fi

if [ -z "${KSRC:-}" ] && [ -f "$out/bzImage" ] &&
	[ "$(cat "$build/.lockcheck-built-key" 2>/dev/null)" = "$key" ]; then
	echo "src-$tag" >"$out/locktag"
	echo "$out"
	exit 0
fi

cc=gcc
command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
export CCACHE_DIR="$cache/ccache"
stage "kernel build $srcid $(basename "${pdir:-ksrc}")${flavour:+ ($flavour)}, log $log" >&2
rm -f "$build/.lockcheck-built-key"
# shellcheck disable=SC2086 # $profile: one make variable per word
run_logged "$log" make -C "$tree" O="$build" CC="$cc" -j"$jobs" $profile bzImage modules
mkdir -p "$out"
cp "$build/arch/x86/boot/bzImage" "$build/.config" "$build/Module.symvers" "$build/System.map" "$out/"
make -s -C "$tree" O="$build" kernelrelease >"$out/kernelrelease" 2>>"$log"
echo "$build" >"$out/builddir"
# The cover kernel's notes files and the sources they were compiled from:
# the trees change with the next variant, the report reads these.
for f in $(if [ -n "$profile" ]; then echo "$cover_files"; fi); do
	o=${f%.c}
	[ -f "$build/$o.gcno" ] || die "cover: no $o.gcno in $build (is $f built?)"
	mkdir -p "$out/cover/$(dirname "$f")"
	cp "$build/$o.gcno" "$out/cover/$o.gcno"
	cp "$tree/$f" "$out/cover/$f"
done
echo "src-$tag" >"$out/locktag"
echo "$key" >"$build/.lockcheck-built-key"
echo "$out"
