"""make bench's figures from that run's records only: one raw line per
timed repetition (repetition 0 is the warm-up), then bench.json, bench.md
and bench.png (tools/report/bench-report.sh), and whether the numbers hold
(judge.jq's bench_failures: the one place that decides)."""

import json
import os
import re
import subprocess
from pathlib import Path

from judge.verdicts import JUDGE, jq
from record.console import guest_text

REPORT = Path(__file__).resolve().parent / "bench-report.sh"
ASKED = re.compile(r"threads=(?P<t>[0-9]+) path=(?P<p>[a-z]+) op=(?P<o>[a-z]+)")
SETS = {"normal-icount": "off", "elfcorehdr-icount": "deferred", "elfcorehdr-smp4": "threads"}


def _mode(rec: dict) -> str:
    if rec["boot"].endswith("-icount"):
        return "icount"
    return "contention-kvm" if rec.get("accel") == "kvm" else "contention-tcg"


def raw_lines(records: list) -> list:
    """kernel kver variant state threads tool op mode boot rep value."""
    out = []
    logs = {}
    for r in records:
        bset = SETS.get(r.get("boot"))
        if bset is None or "log" not in r:
            continue
        logs[r["log"]] = r
        med = (r.get("ktap") or {}).get("diag", {}).get("ns_per_op_median")
        a = ASKED.search(r.get("asked") or "")
        if r.get("nth", 0) > 0 and med is not None and a:
            state = "off" if bset == "off" else a["p"]
            out.append([r["kernel"], r["kver"], r["variant"], state, a["t"], "harness", a["o"],
                        _mode(r), str(r.get("rep", 0)), str(r["nth"]), str(med)])
    # dma_map_benchmark's own lines, from the contention boots' consoles
    for log, r in sorted(logs.items()):
        state = "off" if SETS[r["boot"]] == "off" else "attached"
        for line in guest_text(Path(log)).splitlines():
            f = line.split()
            if len(f) >= 6 and f[0] == "@@bench" and f[4].isdigit() and int(f[4]) > 0:
                out.append([r["kernel"], r["kver"], r["variant"], state, f[2], f[1], "pair",
                            _mode(r), str(r.get("rep", 0)), f[4], f[5]])
    return [" ".join(x) for x in out]


def write(run, rows: list) -> list:
    """The figures of RUN (its run.json says how many boots and repetitions
    were asked) and the verdict on whether they hold."""
    settings = run.read("run.json")["settings"]
    raw = raw_lines(rows)
    run.write("bench.raw", "".join(x + "\n" for x in raw))
    if not raw:
        return ["bench: no benchmark produced a number"]
    env = dict(os.environ, BENCH_BOOTS=str(settings["boots"]), REPS=str(settings["reps"]))
    p = subprocess.run(["sh", str(REPORT), str(run.dir / "bench.raw"), str(run.dir)],
                       env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print(p.stdout, end="")
    if p.returncode != 0:
        return ["bench report: %s" % (p.stdout.strip().splitlines() or ["failed"])[-1]]
    cols = sorted({"%s:%s" % (r["kver"], r["variant"]) for r in rows})
    fails = jq('include "judge"; bench_failures($plan)[]',
               ["-r", "-L", str(JUDGE), "--argjson", "plan", json.dumps(cols)],
               (run.dir / "bench.json").read_text()).splitlines()
    run.write("bench.failures", "".join("%s\n" % f for f in fails))
    if not fails:
        print("bench: every row has its boots and repetitions, icount spread <= 0.5%, "
              "the off control agrees")
    return ["bench: %s" % f for f in fails]
