#!/bin/sh
# lava/record.sh CELLDIR: the record of a cell a LAVA dispatcher ran.
# CELLDIR/lava/ holds the job's log — output.log as lava-run writes it to
# stderr, or output.yaml as a lab serves it (lavacli jobs logs --raw) —
# and, from lava-run, result.yaml. Rebuilds the serial console from the
# log's target lines into CELLDIR.log (a capture cell: its capture kernel's
# part, the whole console in CELLDIR.full.log) and records it with
# tools/record.sh into CELLDIR.record.json, as tools/boot.sh does for the
# project's own boots. The steps are CELLDIR.steps.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tools=$(dirname "$here")
. "$tools/lib.sh"

cell=$(cd "${1:?usage: lava/record.sh CELLDIR}" && pwd)
[ -f "$cell/boot.env" ] || die "lava record: $cell/boot.env does not exist"
[ -f "$cell.steps" ] || die "lava record: $cell.steps does not exist"
log=
for f in "$cell/lava/output.log" "$cell/lava/output.yaml"; do
	[ -f "$f" ] && log=$f && break
done
[ -n "$log" ] || die "lava record: no LAVA log in $cell/lava (output.log or output.yaml)"
[ -f "$(dirname "$cell")/column.env" ] || die "lava record: $(dirname "$cell")/column.env does not exist"
CAPTURE=0 EXPECT_PANIC=0 META= KTAP_PARSER= QEMU_COMMON= QEMU_MACHINE=
. "$cell/boot.env"
# the kernel's own KTAP parser, as for the column's own boots
KTAP_PARSER=$(env_value "$(dirname "$cell")/column.env" KTAP_PARSER)
export KTAP_PARSER

# One YAML flow mapping a line ("- " before it in output.yaml): the
# console is the "target" lines and, after the monitor's end, "feedback";
# LAVA's own input (its "poweroff") ends it.
# The job's own result line ({case: job, definition: lava}) goes to
# CELL.lava-job: "pass", or "fail" and LAVA's reason.
/usr/bin/python3 - "$log" "$cell.lava-job" >"$cell.console" <<'PY' || die "lava record: cannot read $log"
import sys

import yaml

console = True
job = None
boot = ""
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for raw in f:
        raw = raw[2:] if raw.startswith("- ") else raw
        if not raw.startswith("{"):
            continue
        rec = yaml.load(raw, Loader=yaml.CSafeLoader)
        lvl, msg = rec.get("lvl"), rec.get("msg")
        if lvl == "input":
            console = False
        elif console and lvl in ("target", "feedback") and isinstance(msg, str):
            sys.stdout.write(msg + "\n")
        elif isinstance(msg, str) and msg.startswith("Boot command: "):
            boot = msg[len("Boot command: "):]
        elif lvl == "results" and isinstance(msg, dict) and msg.get("definition") == "lava" \
                and msg.get("case") == "job":
            job = msg
with open(sys.argv[2], "w") as out:
    if job is None:
        out.write("none\n")
    else:
        out.write("%s %s\n" % (job.get("result"), job.get("error_msg", "")))
    out.write(" %s \n" % boot.replace("-m 1024 ", "-m 1G "))
PY
rm -f "$cell.log" "$cell.full.log" "$cell.record.json"
if [ "$CAPTURE" = 1 ]; then
	mv "$cell.console" "$cell.full.log"
	capture_part "$cell.full.log" >"$cell.log"
else
	mv "$cell.console" "$cell.log"
fi

# How the boot ended: LAVA's verdict on the job, then the console's.
# (lava-run's result.yaml, or the job's result line in a lab's log)
vmerr=
if [ -f "$cell/lava/result.yaml" ]; then
	grep -q '^result: pass' "$cell/lava/result.yaml" ||
		vmerr="LAVA job incomplete: $(sed -n 's/^error_msg: *//p' "$cell/lava/result.yaml" | head -n 1)"
else
	read -r jres jwhy <"$cell.lava-job" || jres=none
	case $jres in
	pass) ;;
	none) vmerr="LAVA's log has no job result: the job did not finish" ;;
	*) vmerr="LAVA job incomplete: ${jwhy:-$jres}" ;;
	esac
fi
# The VM must be the cell's: every QEMU option tools/vm.sh gives it (a
# lab's template may add its own, such as a NIC, but not change these)
bootcmd=$(sed -n 2p "$cell.lava-job")
rm -f "$cell.lava-job"
printf '%s\n' "$QEMU_COMMON" | sed 's/ -/\n-/g' >"$cell.opts"
[ -z "$QEMU_MACHINE" ] || printf '%s\n' "$QEMU_MACHINE" >>"$cell.opts"
while [ -z "$vmerr" ] && IFS= read -r opt; do
	case $bootcmd in
	*" $opt "*) ;;
	*) vmerr="LAVA's QEMU is not the cell's VM: no '$opt' in its boot command:${bootcmd:- none logged}" ;;
	esac
done <"$cell.opts"
rm -f "$cell.opts"
[ -n "$vmerr" ] || vmerr=$(console_end "$cell.log" "$EXPECT_PANIC")
[ "$CAPTURE" != 1 ] || [ -n "$vmerr" ] || grep -q '@@lockcheck: boot' "$cell.log" ||
	vmerr="the capture kernel never ran the steps"

BOOT_META=$META "$tools/record.sh" "$cell.log" "$cell.steps" "$vmerr" >"$cell.record.json.tmp" ||
	die "lava record: could not build the record of $cell.log"
mv "$cell.record.json.tmp" "$cell.record.json"
