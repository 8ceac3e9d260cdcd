"""On every console of the runs given, splatscan must list as many reports
as an independent count of report header lines finds (our logs hold no
dmesg dump, so there are no duplicates to fold). A missing or crashing
splatscan, or no console at all, is a failure, never "no report"."""

import json
import re
import subprocess
import sys
from pathlib import Path

SPLATSCAN = Path(__file__).resolve().parent.parent / "splatscan" / "splatscan"
# splatscan's kinds (tools/splatscan/patterns.c) as our consoles print
# them: hung tasks, RCU stalls, soft lockups and kmemleak's objects (the
# guest prints /sys/kernel/debug/kmemleak through /dev/kmsg) too.
HEADER = re.compile(r"\] (WARNING|BUG): |\] Oops: |\] general protection fault|"
                    r"\] \[ BUG: Invalid wait context \]|"
                    r"\] INFO: trying to register non-static key|\] UBSAN: |"
                    r"\] INFO: task .* (blocked( in I/O wait)?|can't die) for more than|"
                    r"\] (rcu: )?INFO: rcu_[a-z_]+ (self-)?detected( expedited)? stall|"
                    r"\] watchdog: BUG: soft lockup|\] (kmemleak: )?unreferenced object ")
REPLAY = "** replaying previous printk message **"


def headers(text: str) -> int:
    """Report header lines, less those an nbcon console printed twice: a line
    cut by a takeover is followed by the replay notice and the whole line."""
    n, cut, replay = 0, "", False
    for line in text.replace("\r", "").splitlines():
        if REPLAY in line:
            replay = True
            continue
        if replay and cut and line.startswith(cut):
            n -= 1
        replay = False
        cut = line if HEADER.search(line) else ""
        n += bool(cut)
    return n


def logs(paths: list) -> list:
    """The consoles under the directories given (and the files given), and
    nothing else: a link to a file elsewhere is not this run's."""
    out = []
    for p in map(Path, paths):
        found = [x for x in sorted(p.rglob("*.log")) if x.resolve().is_relative_to(p.resolve())] \
            if p.is_dir() else [p]
        # a kdump run's full console holds a deliberate sysrq crash, whose
        # oops prints two header lines for one report; its capture part counts
        out += [x for x in found if not x.name.endswith((".full.log", ".early.log"))
                and x.is_file() and "lava" not in x.parts]
    return out


def main(paths: list) -> int:
    passed = failed = 0
    for log in logs(paths):
        p = subprocess.run([str(SPLATSCAN), "--json", str(log)], stdout=subprocess.PIPE)
        try:
            got = len(json.loads(p.stdout)) if p.returncode in (0, 1) else None
        except ValueError:
            got = None
        want = headers(log.read_text(errors="replace"))
        if got == want:
            passed += 1
        else:
            failed += 1
            print("not ok - %s: splatscan lists %s reports, %d header lines"
                  % (log, "no" if got is None else got, want))
    if passed + failed == 0:
        failed = 1
        print("not ok - no VM log to count among: %s" % " ".join(paths))
    print("reports: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
