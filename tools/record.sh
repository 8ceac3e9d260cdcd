#!/bin/sh
# record.sh LOG STEPS [VM_ERROR]: print the records (a JSON array, one per
# scenario STEPS asks for with `scenario "LINE"`) of one boot's console
# LOG, built by tools/record.jq from the log, splatscan's reports, the
# kernel's KTAP parser on each scenario's results and how the boot ended
# (VM_ERROR: tools/vm.sh's last line, empty when it ended well). Records
# data only; tools/judge.jq decides.
#
# Environment: BOOT_META (a JSON object merged into every record: kernel,
# kver, variant, flavour, boot, judge), KTAP_PARSER (kunit.py), LC_RUN_ID,
# SPLATSCAN (default tools/splatscan/splatscan).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

log=${1:?usage: record.sh LOG STEPS [VM_ERROR]}
steps=${2:?usage: record.sh LOG STEPS [VM_ERROR]}
vmerr=${3:-}
meta=${BOOT_META:-'{}'}
printf '%s\n' "$meta" | jq -e 'type == "object"' >/dev/null 2>&1 || die "BOOT_META is not a JSON object: $meta"
[ -f "$log" ] || die "record: log $log does not exist"
[ -f "$steps" ] || die "record: steps file $steps does not exist"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# splatscan: exit 0 (no report) and 1 (reports) are answers; anything
# else, or no splatscan at all, leaves the reports unknown. Everything
# here reads the log as splatscan --log gives it: a console line that an
# nbcon takeover cut and printed again (7.x's 8250) is there once.
splatscan=${SPLATSCAN:-$here/splatscan/splatscan}
splat=ok
if [ ! -x "$splatscan" ]; then
	splat="missing: $splatscan"
	echo '[]' >"$tmp/reports"
	tr -d '\r' <"$log" >"$tmp/log"
else
	src=0
	"$splatscan" --log "$log" >"$tmp/log" 2>"$tmp/splat.err" || src=$?
	if [ "$src" != 0 ]; then
		tr -d '\r' <"$log" >"$tmp/log"
	else
		"$splatscan" --json "$tmp/log" >"$tmp/reports" 2>"$tmp/splat.err" || src=$?
	fi
	if [ "$src" -gt 1 ] || ! jq -e 'type == "array"' "$tmp/reports" >/dev/null 2>&1; then
		splat="failed: exit $src $(head -c 200 "$tmp/splat.err")"
		echo '[]' >"$tmp/reports"
	fi
fi

# The asked scenario lines, in order, as the steps write them.
{ grep -o 'scenario "[^"]*"' "$steps" || true; } | sed 's/^scenario "//; s/"$//' |
	jq -R . | jq -s . >"$tmp/asked"

# The kernel's own KTAP parser on each scenario's KTAP text.
n=$(jq length "$tmp/asked")
k=0
while [ "$k" -lt "$n" ]; do
	jq -r -n -L "$here" --rawfile log "$tmp/log" --argjson k "$k" \
		'include "record"; ktap_text($log; $k)' >"$tmp/ktap"
	if [ ! -s "$tmp/ktap" ] || [ "$(tr -d '\n' <"$tmp/ktap")" = "" ]; then
		p="no KTAP"
	elif [ -z "${KTAP_PARSER:-}" ] || [ ! -f "$KTAP_PARSER" ]; then
		p="missing: KTAP_PARSER=${KTAP_PARSER:-unset}"
	else
		prc=0
		python3 "$KTAP_PARSER" parse <"$tmp/ktap" >"$tmp/parse" 2>&1 || prc=$?
		perr=$(sed -n 's/^.*\[ERROR\] *//p' "$tmp/parse" | head -n 1)
		if [ -n "$perr" ]; then
			p="error: $perr"
		elif [ "$prc" -gt 1 ] || grep -q '^Traceback' "$tmp/parse"; then
			p="failed: exit $prc $(tail -n 1 "$tmp/parse" | head -c 200)"
		else
			p=ok
		fi
	fi
	printf '%s\n' "$p"
	k=$((k + 1))
done | jq -R . | jq -s . >"$tmp/parsers"

jq -n -L "$here" --rawfile log "$tmp/log" --slurpfile reports "$tmp/reports" \
	--arg vmerr "$vmerr" --arg splat "$splat" --slurpfile parsers "$tmp/parsers" \
	--slurpfile asked "$tmp/asked" --argjson meta "$meta" \
	--arg run_id "${LC_RUN_ID:-}" --arg logpath "$log" \
	'include "record";
	record($log; $reports[0]; $vmerr; $splat; $parsers[0];
	       $meta + {run_id: $run_id, log: $logpath, asked: $asked[0]})'
