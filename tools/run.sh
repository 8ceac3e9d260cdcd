#!/bin/sh
# run.sh COLUMN...: for each column (KVER:VARIANT, KVER:@PATCHDIR or ksrc)
# build the kernel and modules, boot one VM per scenario, and summarise
# each scenario as a verdict in results/<kernel>-<variant>/summary.
#
# Environment: SCENARIOS (a scenario list file), KSRC, FLAVOUR, CACHE,
# KDUMP, VM_TIMEOUT, RESULTS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

scenarios=${SCENARIOS:-$here/scenarios/default}
results=${RESULTS:-$top/results}
[ -f "$scenarios" ] || die "SCENARIOS=$scenarios does not exist"
splatscan=$here/splatscan/splatscan
[ -x "$splatscan" ] || die "$splatscan is not built (run make)"

# The guest steps for one scenario line.
steps_for() {
	cat <<STEPS
. /lib/lockcheck/lib.sh
load fake_iommu clients=0 || fail load "fake_iommu did not load"
load harness || fail load "harness did not load"
scenario "$1"
rmmod harness || fail unload "harness did not unload"
rmmod fake_iommu || fail unload "fake_iommu did not unload"
exit \$failures
STEPS
}

run_column() {
	col=$1
	case $col in
	ksrc)
		[ -n "${KSRC:-}" ] || die "column ksrc needs KSRC="
		kout=$(env -u VARIANT -u PATCHES "$here/kernel.sh")
		name=ksrc-$(basename "$KSRC")
		;;
	*:@*)
		kout=$(env -u VARIANT -u KSRC KVER="${col%%:*}" PATCHES="${col#*:@}" "$here/kernel.sh")
		name=$(basename "${col#*:@}")
		;;
	*:*)
		kout=$(env -u PATCHES -u KSRC KVER="${col%%:*}" VARIANT="${col#*:}" "$here/kernel.sh")
		name=${col#*:}
		;;
	*) die "column '$col' is not KVER:VARIANT, KVER:@DIR or ksrc" ;;
	esac
	mod=$("$here/modules.sh" "$kout")
	if [ "$col" = ksrc ]; then
		KTAP_PARSER=$KSRC/tools/testing/kunit/kunit.py
	else
		KTAP_PARSER=$("$here/fetch-source.sh" "${col%%:*}")/tools/testing/kunit/kunit.py
	fi
	export KTAP_PARSER
	kver=$(cat "$kout/kernelrelease")
	dir=$results/$kver-$name${FLAVOUR:+-$FLAVOUR}
	initrd=$kout/initramfs.cpio.gz
	ikey=$( (cat "$mod/.key"; cat "$here/guest/init" "$here/guest/lib.sh") | content_key)
	if [ "$(cat "$initrd.key" 2>/dev/null)" != "$ikey" ]; then
		stage "initramfs for $kver $name" >&2
		"$here/initramfs.sh" "$initrd" "$mod"
		echo "$ikey" >"$initrd.key"
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "$kver" >"$dir/kernel"
	echo "$name" >"$dir/variant"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$scenarios" | while read -r line; do
		sc=${line%% *}
		stage "boot $kver $name: $line" >&2
		steps_for "$line" >"$dir/$sc.steps"
		why=
		why=$("$here/vm.sh" "$kout" "$initrd" "$dir/$sc.steps" "$dir/$sc.log" 2>&1) || true
		cat "$dir/$sc.log" >>"$dir/console.log" 2>/dev/null || true
		"$here/cell.sh" "$dir/$sc.log" "$sc" "$why" >>"$dir/summary"
	done
	echo "$dir"
}

for col in "$@"; do
	run_column "$col"
done
