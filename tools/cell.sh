#!/bin/sh
# cell.sh LOG SCENARIO [VM_ERROR]: one summary line for a scenario's boot:
#   scenario<TAB>verdict<TAB>rounds<TAB>detectors<TAB>reports<TAB>note
# detectors: every fake_iommu detector as name=count, comma-separated;
# reports: "kind:title xN" for each distinct kernel report, "; "-separated.
# Verdicts, worst first:
#   error     the guest hung, panicked or oopsed, or the scenario's KTAP is
#             missing or "not ok"
#   splat     the kernel printed a report other than the core's lock
#             assertion (lockdep, BUG, other WARNINGs), found by splatscan
#   race      a fake_iommu detector other than unlocked_attach fired
#   unlocked  only unlocked_attach (and the core's assertion WARNING)
#   clean     nothing at all
set -eu
here=$(cd "$(dirname "$0")" && pwd)

log=${1:?usage: cell.sh LOG SCENARIO [VM_ERROR]}
sc=${2:?usage: cell.sh LOG SCENARIO [VM_ERROR]}
vmerr=${3:-}

# The KTAP block the guest printed between its markers.
# The serial console ends lines with CR LF.
ktap=$(tr -d '\r' <"$log" 2>/dev/null | awk '/@@lockcheck: results begin/ {on = 1; next}
	/@@lockcheck: results end/ {on = 0} on' || true)
rounds=$(echo "$ktap" | awk -F': ' '/^# rounds_run:/ {print $2}')
# Every detector with its count, and those that fired.
detectors=$(echo "$ktap" | awk -F'[ :]+' '/^# detector / {printf "%s%s=%s", sep, $3, $4; sep = ","}')
fired=$(echo "$detectors" | tr ',' '\n' | grep -v '=0$' | tr '\n' ',' | sed 's/,$//')
# Reports as "kind:title", the core's own lock assertion apart.
splats=$("$here/splatscan/splatscan" --json "$log" 2>/dev/null |
	awk -F'"' '$2 == "kind" {k = $4} $2 == "title" {print k ":" $4}' || true)
asserts=$(echo "$splats" | grep -c 'WARNING in iommu_group_mutex_assert\|WARNING in iommu_driver_get_domain_for_dev' || true)
others=$(echo "$splats" | grep -v '^$' | grep -v 'WARNING in iommu_group_mutex_assert\|WARNING in iommu_driver_get_domain_for_dev' |
	sort | uniq -c | awk '{c = $1; $1 = ""; sub(/^ /, ""); printf "%s%s x%d", sep, $0, c; sep = "; "}')

# Well-formed KTAP, as the kernel's own parser (kunit.py parse) sees it.
ktap_error=
if [ -n "$ktap" ] && [ -n "${KTAP_PARSER:-}" ]; then
	ktap_error=$(echo "$ktap" | python3 "$KTAP_PARSER" parse 2>&1 | grep -m1 '\[ERROR\]' |
		sed 's/^.*\[ERROR\] *//' || true)
fi

note=
if [ -n "$vmerr" ]; then
	verdict=error
	note=$(echo "$vmerr" | tail -n 1 | sed 's/^error: //')
elif [ -z "$ktap" ]; then
	verdict=error
	note="no results from the guest"
elif [ -n "$ktap_error" ]; then
	verdict=error
	note="KTAP malformed: $ktap_error"
elif echo "$ktap" | grep -q '^not ok'; then
	verdict=error
	note=$(echo "$ktap" | awk -F': ' '/^# reason:/ {print $2}')
elif [ -n "$others" ]; then
	verdict=splat
elif echo "$fired" | tr ',' '\n' | grep -v '^unlocked_attach=' | grep -q .; then
	verdict=race
elif [ -n "$fired" ] || [ "$asserts" -gt 0 ]; then
	verdict=unlocked
else
	verdict=clean
fi
[ "$asserts" -gt 0 ] && others="warning:WARNING in $(echo "$splats" |
	grep -m1 -o 'iommu_group_mutex_assert\|iommu_driver_get_domain_for_dev') x$asserts${others:+; $others}"
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$sc" "$verdict" "${rounds:-0}" "${detectors:--}" "${others:--}" "$note"
