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
CAPTURE=0 EXPECT_PANIC=0 META= KTAP_PARSER=
. "$cell/boot.env"
# the kernel's own KTAP parser, as for the column's own boots
KTAP_PARSER=$(sed -n "s/^KTAP_PARSER='\(.*\)'$/\1/p" "$(dirname "$cell")/column.env")
export KTAP_PARSER

# One YAML flow mapping a line ("- " before it in output.yaml): the
# console is the "target" lines and, after the monitor's end, "feedback";
# LAVA's own input (its "poweroff") ends it.
/usr/bin/python3 - "$log" >"$cell.console" <<'PY' || die "lava record: cannot read $log"
import sys

import yaml

with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for raw in f:
        raw = raw[2:] if raw.startswith("- ") else raw
        if not raw.startswith("{"):
            continue
        rec = yaml.load(raw, Loader=yaml.CSafeLoader)
        if rec.get("lvl") == "input":
            break
        if rec.get("lvl") in ("target", "feedback") and isinstance(rec.get("msg"), str):
            sys.stdout.write(rec["msg"] + "\n")
PY
rm -f "$cell.log" "$cell.full.log" "$cell.record.json"
if [ "$CAPTURE" = 1 ]; then
	mv "$cell.console" "$cell.full.log"
	capture_part "$cell.full.log" >"$cell.log"
else
	mv "$cell.console" "$cell.log"
fi

# How the boot ended: LAVA's verdict on the job, then the console's.
vmerr=
if [ -f "$cell/lava/result.yaml" ] && ! grep -q '^result: pass' "$cell/lava/result.yaml"; then
	vmerr="LAVA job incomplete: $(sed -n 's/^error_msg: *//p' "$cell/lava/result.yaml" | head -n 1)"
fi
[ -n "$vmerr" ] || vmerr=$(console_end "$cell.log" "$EXPECT_PANIC")
[ "$CAPTURE" != 1 ] || [ -n "$vmerr" ] || grep -q '@@lockcheck: boot' "$cell.log" ||
	vmerr="the capture kernel never ran the steps"

BOOT_META=$META "$tools/record.sh" "$cell.log" "$cell.steps" "$vmerr" >"$cell.record.json.tmp" ||
	die "lava record: could not build the record of $cell.log"
mv "$cell.record.json.tmp" "$cell.record.json"
