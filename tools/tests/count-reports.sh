#!/bin/sh
# count-reports.sh LOG...: on every VM log, splatscan must list as many
# reports as an independent count of report header lines finds (our logs
# hold no dmesg dump, so there are no duplicates to fold).
set -u
here=$(cd "$(dirname "$0")" && pwd)
scan=$(dirname "$here")/splatscan/splatscan
passed=0
failed=0
# Header lines, less those an nbcon console printed twice: a line cut by
# a takeover is followed by "** replaying previous printk message **" and
# the whole line again (7.x's 8250).
count_headers='
BEGIN { h = "] (WARNING|BUG): |] Oops: |] general protection fault|] \\[ BUG: Invalid wait context ]|] INFO: trying to register non-static key|] UBSAN: " }
/\*\* replaying previous printk message \*\*/ { replay = 1; next }
{
	if (replay && cut != "" && index($0, cut) == 1)
		n--
	replay = 0
	cut = $0 ~ h ? $0 : ""
	n += cut != ""
}
END { print n + 0 }'
for log in "$@"; do
	# A kdump run's full console holds a deliberate sysrq crash, whose oops
	# prints two header lines for one report; its capture part is counted.
	case $log in *.full.log) continue ;; esac
	[ -f "$log" ] || continue
	got=$("$scan" --json "$log" | grep -c '"kind"')
	want=$(tr -d '\r' <"$log" | awk "$count_headers")
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
