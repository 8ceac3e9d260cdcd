#!/bin/sh
# count-reports.sh LOG...: on every VM log, splatscan must list as many
# reports as an independent count of report header lines finds (our logs
# hold no dmesg dump, so there are no duplicates to fold).
set -u
here=$(cd "$(dirname "$0")" && pwd)
scan=$(dirname "$here")/splatscan/splatscan
passed=0
failed=0
for log in "$@"; do
	# A kdump run's full console holds a deliberate sysrq crash, whose oops
	# prints two header lines for one report; its capture part is counted.
	case $log in *.full.log) continue ;; esac
	[ -f "$log" ] || continue
	got=$("$scan" --json "$log" | grep -c '"kind"')
	want=$(tr -d '\r' <"$log" | grep -cE '\] (WARNING|BUG): |\] Oops: |\] general protection fault|\] \[ BUG: Invalid wait context \]|\] INFO: trying to register non-static key|\] UBSAN: ')
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "not ok - $log: splatscan lists $got reports, $want header lines"
	fi
done
# No log at all is no evidence: the glob matched nothing or every log was
# skipped.
if [ $((passed + failed)) = 0 ]; then
	failed=1
	echo "not ok - no VM log to count among: $*"
fi
echo "reports: $passed passed, $failed failed"
[ "$failed" = 0 ]
