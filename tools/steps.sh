#!/bin/sh
# steps.sh KIND [ARGS]: print the guest's step script for one boot. Every
# mode's steps come from here; the helpers (up, down, scenario, fail,
# kmemleak_scan) are in tools/guest/lib.sh. Scenario lines are quoted
# with double quotes and must not contain them (tools/boot.sh reads the
# `scenario "LINE"` lines back as the boot's asked scenarios).
#   scenario LINE [KNOB=V...]  load, set fake_iommu's knobs, run LINE, unload
#   sanitize LINE          the same with kmemleak scans before and after unload
#   capture LINE KEXEC_APPEND   first kernel: kexec -p and crash on the boot
#                          CPU; the capture kernel runs LINE (blocked_dma:
#                          the first kernel runs edu_plant and passes the
#                          planted pages on the capture kernel's command
#                          line)
#   races LINE SKIP_WATCH  KCSAN watching one access in SKIP_WATCH for LINE
#   fuzz                   debugfs_fuzz into every writable file, then a scenario
#   soak                   a warm-up, 5,000 rounds, 100 load/unload cycles, memory
#   bench ITERS REPS SET   the bench scenario and dma_map_benchmark, REPS+1
#                          times: SET off (normal boot, attached maps),
#                          deferred (kdump boot: attached, atomic, first) or
#                          threads (kdump boot: 1, 2, 4 threads mapping)
set -eu
kind=${1:?usage: steps.sh KIND [ARGS]}
shift
case "$*" in *'"'*) echo "error: steps.sh: a scenario line must not contain '\"'" >&2; exit 1 ;; esac

echo '. /lib/lockcheck/lib.sh'
# STEPS_IOMMU=vtd or amd: fake_iommu checks VT-d's or AMD-Vi's attach_dev
# through a kprobe that must fire through int3 (fake_iommu/watch.c); the
# harness's rounds use QEMU's edu devices.
case ${STEPS_IOMMU:-fake} in
fake) ;;
vtd | amd)
	[ "$STEPS_IOMMU" = vtd ] && attach=intel_iommu_attach_device || attach=amd_iommu_attach_device
	cat <<STEPS
FI_ARGS=watch=$attach
HR_ARGS=devices=edu
echo 0 > /proc/sys/debug/kprobes-optimization || fail kprobes "cannot turn kprobe optimisation off"
STEPS
	;;
*) echo "error: steps.sh: STEPS_IOMMU=$STEPS_IOMMU is not fake, vtd or amd" >&2; exit 1 ;;
esac
case $kind in
scenario)
	line=$1
	shift
	cat <<STEPS
up && knobs $* && scenario "$line"
down
STEPS
	;;
sanitize)
	cat <<STEPS
up && scenario "$1"
kmemleak_scan
down
kmemleak_scan
STEPS
	;;
capture)
	planted=
	case $1 in
	blocked_dma | "blocked_dma "*)
		# Not `scenario`: the records are the capture kernel's. Its
		# output is the kexec command line; the log gets the rest. A
		# failed plant passes nothing, and blocked_dma says so.
		cat <<'STEPS'
planted() {
	{ up && wr $HR/trigger "edu_plant"; } >/dev/kmsg 2>&1 || return 0
	while grep -q '^# running' $HR/results; do sleep 0.2; done
	show <$HR/results >/dev/kmsg
	grep -q '^ok 1 edu_plant' $HR/results || return 0
	for p in planted_iova planted_phys; do
		printf ' lockcheck.%s=%s' $p "$(cat /sys/module/harness/parameters/$p)"
	done
}
take_planted() {
	for p in planted_iova planted_phys; do
		v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^lockcheck\.$p=//p")
		wr /sys/module/harness/parameters/$p "$v" || fail planted "$p='$v' refused"
	done
}
STEPS
		planted='$(planted)'
		;;
	esac
	cat <<STEPS
if [ -e /proc/vmcore ]; then
	echo "@@lockcheck: capture kernel"
	up && ${planted:+take_planted && }scenario "$1"
	down
	exit \$failures
fi
kexec -p /boot/bzImage --initrd=/boot/capture.img --append="$2$planted" ||
	{ fail kexec "kexec -p failed"; exit 1; }
# Crash on the boot CPU: a capture kernel started elsewhere will not
# send INIT to the boot CPU, so it would come up with one CPU only.
taskset 1 sh -c "echo c > /proc/sysrq-trigger"
STEPS
	;;
races)
	cat <<STEPS
up || exit 1
echo $2 > /sys/module/kcsan/parameters/skip_watch
scenario "$1"
down
STEPS
	;;
fuzz)
	cat <<'STEPS'
up 2 || exit 1
files=$(find $FI $HR -type f -perm -200 | sort)
echo "@@lockcheck: fuzzing $(echo $files | wc -w) files"
debugfs_fuzz -n 10000 -p 2 $files
echo 1 > $HR/abort
while grep -q '^# running' $HR/results; do sleep 0.2; done
down && pass "both modules unload after fuzzing"
kmemleak_scan
up && scenario "map_vs_map rounds=20"
down
STEPS
	;;
soak)
	cat <<'STEPS'
# KASAN's quarantine keeps freed memory for a while: the baseline is taken
# after a warm-up, so only growth that goes on (a leak) counts.
up && scenario "map_vs_attach rounds=1000 timeout_s=3000 delay_us=100 hold_us=200"
down
free0=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
up && scenario "map_vs_attach rounds=5000 timeout_s=3000 delay_us=100 hold_us=200"
down
i=0
while [ $i -lt 100 ]; do
	up 4 && down || break
	i=$((i + 1))
done
expect "100 load/unload cycles" [ $i -eq 100 ]
kmemleak_scan
free1=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
echo "@@lockcheck: MemAvailable before $free0 kB, after $free1 kB"
expect "memory back within 2 MiB" [ $((free0 - free1)) -lt 2048 ]
STEPS
	;;
bench)
	iters=$1 reps=$2 set=$3
	case $set in
	off | deferred | threads) ;;
	*) echo "error: steps.sh: bench set '$set' is not off, deferred or threads" >&2; exit 1 ;;
	esac
	echo 'up || exit 1'
	cat <<'STEPS'
# Nothing printed from the timed paths: a serial console is slow under TCG.
echo 0 > $FI/core_assert
echo 0 > $FI/warn
# A client for the kernel's benchmark: bound through driver_override.
echo 0 > $FI/deferred
echo 1 > $FI/add_clients
c=$(awk 'END {print $2}' $FI/clients)
echo dma_map_benchmark > /sys/bus/platform/devices/$c/driver_override
echo $c > /sys/bus/platform/drivers/dma_map_benchmark/bind
echo 1 > $FI/deferred
db() {
	/bin/dma_map_benchmark -t $1 -s 1 -b 64 | awk -v t=$1 -v r=$2 -F'[:( ]+' \
		'/average map latency/ {printf "@@bench dma_map_benchmark %s attached %s %d 0\n", t, r, $5 * 1000}'
}
STEPS
	# Repetition 0 warms caches up and is not reported. Written out, so
	# the host sees every scenario line the boot will run.
	case $set in
	off) lines="1 attached pair|1 attached map" ;;
	deferred) lines="1 attached pair|1 attached map|1 atomic pair|1 atomic map|1 first map" ;;
	threads) lines="1 attached pair|2 attached pair|4 attached pair" ;;
	esac
	rep=0
	while [ "$rep" -le "$reps" ]; do
		echo "$lines" | tr '|' '\n' | while read -r t path op; do
			rounds=1
			[ "$path" = first ] && rounds=20
			echo "scenario \"bench rounds=$rounds threads=$t path=$path op=$op iters=$iters\""
			# dma_map_benchmark maps for a second of guest time: under
			# icount a billion instructions a call, so it runs in the
			# contention boots only
			if [ "$set$path$op" = threadsattachedpair ]; then
				echo "db $t $rep"
			fi
		done
		rep=$((rep + 1))
	done
	;;
*)
	echo "error: steps.sh: unknown kind '$kind'" >&2
	exit 1
	;;
esac
echo 'exit $failures'
