"""Do two judged runs agree, cell by cell? A cell is kernel, variant, IOMMU,
flavour, boot and trigger line; it agrees when both runs have it with the
same verdict, pass or fail, rounds, KTAP result, guest status and report
titles, and with counts=True also every detector and counter value and
how many reports of each title (for cells whose counts do not depend on
timing)."""

import json
from pathlib import Path


class NotJudged(Exception):
    pass


def load(path: Path) -> list:
    """A judged run: judged.json, or a run directory holding one."""
    p = Path(path)
    if p.is_dir():
        p = p / "judged.json"
    try:
        rows = json.loads(p.read_text())
    except (OSError, ValueError):
        rows = None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "verdict" in r for r in rows):
        raise NotJudged("compare-runs: %s is not a judged run" % path)
    return rows


def key(r: dict) -> str:
    return "%s %s %s %s %s %s #%s.%s" % (
        r.get("kver"), r.get("variant"), r.get("iommu") or "fake", r.get("flavour") or "",
        r.get("boot"), r.get("asked"), r.get("nth") or 0, r.get("rep") or 0)


def outcome(r: dict, counts: bool) -> dict:
    titles = [x["title"] for x in r.get("reports") or []]
    o = {"verdict": r.get("verdict"), "ok": r.get("ok"), "rounds": r.get("rounds"),
         "ktap": (r.get("ktap") or {}).get("result"), "guest": (r.get("guest") or {}).get("status")}
    if counts:
        o.update(detectors=r.get("detectors"), counts=r.get("counts"),
                 reports={t: titles.count(t) for t in sorted(set(titles))})
    else:
        o["reports"] = sorted(set(titles))
    return o


def compare(a: list, b: list, counts: bool = False) -> tuple:
    """(lines, number that differ)."""
    x = {key(r): outcome(r, counts) for r in a}
    y = {key(r): outcome(r, counts) for r in b}
    lines, differ = [], 0
    for k in sorted(set(x) | set(y)):
        if x.get(k) == y.get(k):
            lines.append("ok - %s: %s" % (k, x[k]["verdict"]))
            continue
        differ += 1
        if k not in x or k not in y:
            lines.append("not ok - %s: only in the %s run" % (k, "first" if k in x else "second"))
        else:
            diffs = ["%s %s / %s" % (f, json.dumps(x[k][f]), json.dumps(y[k].get(f)))
                     for f in x[k] if x[k][f] != y[k].get(f)]
            lines.append("not ok - %s: %s" % (k, ", ".join(diffs)))
    n = len(set(x) | set(y))
    lines.append("compare: %d agree, %d differ" % (n - differ, differ))
    return lines, differ
