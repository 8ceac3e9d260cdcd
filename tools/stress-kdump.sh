#!/bin/sh
# stress-kdump.sh: run each scenario in a real kdump capture kernel and
# compare its verdicts with the elfcorehdr= shortcut's. The first kernel
# boots with crashkernel=, loads the same kernel with kexec -p, and is
# crashed with sysrq; the capture kernel (is_kdump_kernel() true, as on a
# real machine) runs the scenario. Reports go to stress-kdump.reports in
# the format stress.sh reads: a differing verdict is a failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

results=${RESULTS:-$top/results}
variant=${VARIANT:-seed-v3}
kver=${KVER:-6.12}
scenarios=${SCENARIOS:-$here/scenarios/default}
reports=$results/stress-kdump.reports
kexec=$(command -v kexec || echo /usr/sbin/kexec)
[ -x "$kexec" ] || die "kexec not found (apt-get install kexec-tools)"

kout=$(env -u PATCHES -u KSRC -u FLAVOUR KVER="$kver" VARIANT="$variant" "$here/kernel.sh")
mod=$("$here/modules.sh" "$kout")
release=$(cat "$kout/kernelrelease")
short=$results/$release-$variant
if [ ! -f "$short/summary" ]; then
	stage "the elfcorehdr= shortcut for $release $variant first" >&2
	env -u PATCHES -u KSRC -u FLAVOUR "$here/run.sh" "$kver:$variant" >/dev/null
fi
KTAP_PARSER=$("$here/fetch-source.sh" "$kver")/tools/testing/kunit/kunit.py
export KTAP_PARSER

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/initramfs.sh" "$tmp/base.img" "$mod"
dir=$results/$release-$variant-kdump
rm -rf "$dir"
mkdir -p "$dir"
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$scenarios" | while read -r line; do
	sc=${line%% *}
	cat >"$tmp/steps" <<STEPS
. /lib/lockcheck/lib.sh
if [ -e /proc/vmcore ]; then
	echo "@@lockcheck: capture kernel"
	load fake_iommu clients=0 || fail load "fake_iommu did not load"
	load harness || fail load "harness did not load"
	scenario "$line"
	exit \$failures
fi
kexec -p /boot/bzImage --initrd=/boot/capture.img \\
	--append="console=ttyS0 panic=-1 loglevel=7 irqpoll reset_devices" ||
	{ fail kexec "kexec -p failed"; exit 1; }
# Crash on the boot CPU: a capture kernel started elsewhere will not
# send INIT to the boot CPU, so it would come up with one CPU only.
taskset 1 sh -c "echo c > /proc/sysrq-trigger"
STEPS
	# The capture kernel's initrd: the base image plus these steps.
	mkdir -p "$tmp/s"
	cp "$tmp/steps" "$tmp/s/steps"
	(cd "$tmp/s" && echo steps | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$tmp/steps.img"
	cat "$tmp/base.img" "$tmp/steps.img" >"$tmp/capture.img"
	INITRAMFS_EXTRA=$kexec INITRAMFS_BOOT="$kout/bzImage $tmp/capture.img" \
		"$here/initramfs.sh" "$tmp/first.img" "$mod"
	stage "kdump $release $variant: $line" >&2
	log=$dir/$sc.full.log
	why=
	why=$(KDUMP=0 VM_EXPECT_PANIC=1 VM_APPEND="crashkernel=384M" \
		"$here/vm.sh" "$kout" "$tmp/first.img" "$tmp/steps" "$log" 2>&1) || true
	# The capture kernel's own console: from its "Linux version" line on.
	tr -d '\r' <"$log" | awk '/Linux version/ {n++} n >= 2' >"$dir/$sc.log"
	grep -q '@@lockcheck: capture kernel' "$dir/$sc.log" ||
		why=${why:-"the capture kernel never ran the scenario"}
	"$here/cell.sh" "$dir/$sc.log" "$sc" "$why" >>"$dir/summary"
done

# Verdicts side by side: capture kernel vs shortcut.
awk -F'\t' 'NR == FNR { v[$1] = $2; next }
	{
		printf "  %-18s capture kernel: %-9s elfcorehdr=: %-9s %s\n", $1, $2, v[$1],
			($2 == v[$1]) ? "agree" : "DIFFER"
		if ($2 != v[$1])
			printf "fail\tkdump %s\tcapture kernel %s, shortcut %s %s\n", $1, $2, v[$1], $6 >> reports
	}' reports="$reports" "$short/summary" "$dir/summary" >&2
