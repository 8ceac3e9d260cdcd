# Helpers for the guest's step scripts (busybox sh). Markers start with
# "@@lockcheck:" so the host can find them among kernel messages. Standard
# output is /dev/kmsg (tools/guest/init): one write is one log record of
# at most 1 KiB, so text from files and commands goes through `show`.
FI=/sys/kernel/debug/fake_iommu
HR=/sys/kernel/debug/harness
MODS=/lib/lockcheck
failures=0

step() {
	echo "@@lockcheck: step $1 begin"
}

# pass NAME / fail NAME REASON: one result line per check.
pass() {
	echo "@@lockcheck: ok $1"
}

fail() {
	# a kmsg record holds 1 KiB: a long reason is cut, never lost
	printf '@@lockcheck: not ok %s: %.800s\n' "$1" "$2"
	failures=$((failures + 1))
}

# plan N: the number of results a test file prints, as KTAP's plan: the
# host fails a file that printed another number (stopped halfway, or a
# check that printed nothing).
plan() {
	echo "@@lockcheck: plan $1"
}

# expect NAME CONDITION-COMMAND...: pass if the command succeeds.
expect() {
	_n=$1
	shift
	if "$@"; then pass "$_n"; else fail "$_n" "$*"; fi
}

# load MODULE [PARAM=VALUE...]
load() {
	_m=$1
	shift
	insmod "$MODS/$_m.ko" "$@"
}

# show: standard input into the kernel's log, one record per line.
show() {
	while IFS= read -r _line || [ -n "$_line" ]; do
		printf '%s\n' "$_line"
	done
}

counter() {
	awk -v k="$1" '$1 == k {print $2}' "$FI/counters"
}

# wr FILE VALUE: write, print the errno text on failure, return its status.
wr() {
	printf '%s\n' "$2" > "$1"
}

# lockdep_state: whether lockdep is still on ("debug_locks=1"); a report or
# a misuse such as a non-static lock key switches it off for the boot.
lockdep_state() {
	if [ -r /proc/lockdep_stats ]; then
		echo "@@lockcheck: lockdep debug_locks=$(awk '$1 == "debug_locks:" {print $2}' /proc/lockdep_stats)"
	else
		echo "@@lockcheck: lockdep absent"
	fi
}

# knob_values: fake_iommu's knobs that change what a run measures.
knob_values() {
	for _k in core_assert warn attach_may_sleep attach_drops attach_delay_us; do
		printf '%s=%s ' $_k "$(cat $FI/$_k)"
	done
}

# scenario LINE: print fake_iommu's knobs, run one harness scenario to its
# end and print its KTAP between markers, then lockdep's state. The host's record of the boot
# (tools/record/records.py) reads these markers.
scenario() {
	echo "@@lockcheck: scenario $1"
	echo "@@lockcheck: knobs $(knob_values)"
	wr $HR/trigger "$1" || { fail "trigger" "'$1' refused"; return 1; }
	while grep -q '^# running' $HR/results; do sleep 0.2; done
	echo "@@lockcheck: results begin"
	show <$HR/results
	echo "@@lockcheck: results end"
	echo "@@lockcheck: counters begin"
	grep '^total\.' $FI/counters | show
	echo "@@lockcheck: counters end"
	lockdep_state
}

# kmemleak reports objects older than 5 s only, and prints their stacks
# when read: scan while the modules are loaded so their frames have names,
# clear, and scan again after unloading for what the unload leaked.
kmemleak_scan() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	show </sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
}

# scalable_mode: VT-d runs in scalable mode, as sm_supported() decides it
# (intel_iommu=sm_on and the hardware's SMTS, ecap bit 43), or a case that
# asks for it would test legacy mode. (LC_ROOT: the host's test of it.)
scalable_mode() {
	_ecap=$(cat ${LC_ROOT:-}/sys/class/iommu/dmar0/intel-iommu/ecap 2>/dev/null) ||
		{ fail scalable_mode "no /sys/class/iommu/dmar0"; return 1; }
	[ $(((0x$_ecap >> 43) & 1)) = 1 ] ||
		{ fail scalable_mode "dmar0 has no scalable mode (ecap $_ecap)"; return 1; }
	grep -q 'intel_iommu=[^ ]*sm_on' ${LC_ROOT:-}/proc/cmdline ||
		{ fail scalable_mode "no intel_iommu=sm_on on the command line"; return 1; }
}

# fault_filters: fault_sweep fails the nth fault point of its thread; open
# the filters that keep the kernel's failslab and fail_page_alloc off
# sleeping allocations and order-0 pages (as the iommufd selftest does), and
# make every failure one quiet line. A kernel without them sweeps the rest.
fault_filters() {
	for _a in failslab fail_page_alloc fake_iommu/fail_attach; do
		_d=/sys/kernel/debug/$_a
		[ -d $_d ] || continue
		for _f in ignore-gfp-wait ignore-gfp-highmem; do
			[ ! -e $_d/$_f ] || wr $_d/$_f N || { fail faults "$_d/$_f refused"; return 1; }
		done
		[ ! -e $_d/min-order ] || wr $_d/min-order 0 || { fail faults "$_d/min-order refused"; return 1; }
		wr $_d/verbose 0 || { fail faults "$_d/verbose refused"; return 1; }
	done
}

# gcov_dump LABEL: the kernel's gcov counters (FLAVOUR=cover) into the log,
# a gzip'ed tar in base64 between markers, the end marker carrying the
# stream's md5sum so the host tells a dump that lost a line. debugfs files
# show no size: each is read into /tmp before tar sees it.
gcov_dump() {
	_g=/sys/kernel/debug/gcov
	[ -d $_g ] || { fail gcov "no $_g: not a cover kernel"; return 1; }
	rm -rf /tmp/gcov /tmp/gcov.tar /tmp/gcov.tar.gz && mkdir /tmp/gcov ||
		{ fail gcov "no /tmp/gcov"; return 1; }
	(cd $_g && find . -name '*.gcda') >/tmp/gcov.list && [ -s /tmp/gcov.list ] ||
		{ fail gcov "no counters under $_g"; return 1; }
	# in this shell, so a file that cannot be read fails the dump
	while IFS= read -r _f; do
		mkdir -p "/tmp/gcov/${_f%/*}" && cat "$_g/$_f" >"/tmp/gcov/$_f" ||
			{ fail gcov "cannot read $_g/$_f"; return 1; }
	done </tmp/gcov.list
	tar -C /tmp/gcov -cf /tmp/gcov.tar . && gzip -9 /tmp/gcov.tar ||
		{ fail gcov "tar of the counters failed"; return 1; }
	echo "@@lockcheck: gcov begin $1"
	base64 </tmp/gcov.tar.gz | show
	echo "@@lockcheck: gcov end $1 $(md5sum </tmp/gcov.tar.gz | cut -d' ' -f1)"
}

# knobs [KNOB=VALUE...]: set fake_iommu's knobs, as failures.
knobs() {
	for _kv in "$@"; do
		wr "$FI/${_kv%%=*}" "${_kv#*=}" || { fail knobs "knob '$_kv' refused"; return 1; }
	done
}

# up [CLIENTS] / down: load both modules / unload both, as failures.
# FI_ARGS, HR_ARGS: module parameters of the boot (vtd: watch=, devices=edu).
up() {
	# shellcheck disable=SC2086 # one word per parameter
	load fake_iommu clients=${1:-0} ${FI_ARGS:-} || { fail load "fake_iommu did not load"; return 1; }
	# shellcheck disable=SC2086
	load harness ${HR_ARGS:-} || { fail load "harness did not load"; return 1; }
}
down() {
	rmmod harness || { fail unload "harness did not unload"; return 1; }
	wr $FI/remove_client all || { fail unload "fake_iommu's clients were not removed"; return 1; }
	rmmod fake_iommu || { fail unload "fake_iommu did not unload"; return 1; }
}
