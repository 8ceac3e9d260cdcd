"""The core's reports from a stress run (the judge's "findings" of each
row: reports that point into the core only) as findings.md and .json in
that run's directory, one row per (run, title) with its count. They are
findings, not failures: a report in our code fails its cell instead."""

import re
from pathlib import Path

from record.console import guest_text


def write(run, rows: list) -> list:
    counts: dict = {}
    for r in rows:
        what = " ".join(x for x in (r.get("variant"), r.get("flavour"),
                                    (r.get("asked") or "").split(" ")[0]) if x)
        for f in r.get("findings") or []:
            key = (run.name, what, f["title"])
            counts[key] = counts.get(key, 0) + 1
    md = ["## Core findings under stress", "", "| mode | run | report | count |",
          "|---|---|---|---|"]
    md += ["| %s | %s | %s | %d |" % (k + (n,)) for k, n in sorted(counts.items())]
    if not counts:
        md.append("| - | - | none | 0 |")
    md += ["", "Reports whose culprit is in the core; a report in fake_iommu or harness code "
           "fails its run instead. KCSAN samples accesses, so its rows vary between runs."]
    run.write("findings.md", "\n".join(md) + "\n")
    run.write("findings.json", [{"mode": m, "run": w, "report": t, "count": n}
                                for (m, w, t), n in sorted(counts.items())])
    print("findings: %s" % (run.dir / "findings.md"))
    return []


def guest_lines(pattern: str):
    """A report that shows the guest's own lines matching PATTERN (the
    fuzzer's tally, the soak's memory) from this run's consoles."""
    rx = re.compile(pattern)

    def show(run, rows: list) -> list:
        for log in sorted(Path(run.dir).rglob("*.log")):
            if log.name.endswith((".full.log", ".early.log")):
                continue
            for line in guest_text(log).splitlines():
                if rx.search(line):
                    print(line)
        return []
    return show
