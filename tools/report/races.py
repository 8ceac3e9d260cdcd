"""make races' table and verdict: per variant and scenario, the KCSAN
reports that name the map path's reader of attach_deferred (flag reports)
and another reader of the same bit-field word (same-word reports), against
tools/judge/expected-races: "0" (never) or "any" (sampled)."""

import re

from engine.util import TOOLS

EXPECTED = TOOLS / "judge" / "expected-races"
FLAG = re.compile(r"^KCSAN: data-race in .*iommu_deferred_attach")
WORD = re.compile(r"^KCSAN: data-race in .*iommu_dma_alloc_iova")


class BadExpectation(Exception):
    pass


def expectations(path=EXPECTED) -> dict:
    want = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        f = line.split(None, 2)
        if len(f) < 2 or f[1] not in ("0", "any"):
            raise BadExpectation("%s: want for %s must be 0 or any, not %s"
                                 % (path, f[0], f[1] if len(f) > 1 else "nothing"))
        want[f[0]] = (f[1], f[2] if len(f) > 2 else "")
    return want


def tally(rows: list) -> dict:
    """(variant, scenario) -> [boots, boots with a flag report, flag, same-word]."""
    t: dict = {}
    for r in rows:
        titles = [x["title"] for x in r.get("reports") or []]
        flag = sum(1 for x in titles if FLAG.search(x))
        word = sum(1 for x in titles if WORD.search(x))
        k = (r.get("variant"), (r.get("asked") or "").split(" ")[0])
        v = t.setdefault(k, [0, 0, 0, 0])
        v[0] += 1
        v[1] += flag > 0
        v[2] += flag
        v[3] += word
    return t


def verdicts(t: dict, want: dict) -> list:
    """A variant expected to have no flag report that has one fails; so does
    a variant with no expectation line at all (nothing would be checked)."""
    out = []
    for variant in sorted({k[0] for k in t}):
        n = sum(v[2] for k, v in t.items() if k[0] == variant)
        if variant not in want:
            out.append("races %s: no line in %s: %d flag reports unchecked"
                       % (variant, EXPECTED.name, n))
        elif want[variant][0] == "0" and n > 0:
            out.append("races %s: %d KCSAN reports name iommu_deferred_attach, expected none "
                       "because %s" % (variant, n, want[variant][1]))
    return out


def write(run, rows: list) -> list:
    try:
        want = expectations()
    except BadExpectation as e:
        return [str(e)]
    t = tally(rows)
    if not t:
        return ["races: no KCSAN race counts in the run"]
    md = ["| variant | scenario | boots | boots with a flag report | flag reports | "
          "same-word reports | expected |", "|---|---|---|---|---|---|---|"]
    for (variant, sc), v in t.items():
        md.append("| %s | %s | %d | %d | %d | %d | %s |" % (
            variant, sc, v[0], v[1], v[2], v[3], want.get(variant, ("none",))[0]))
    md += ["", "flag reports: KCSAN reports naming iommu_deferred_attach (the map path reads "
           "attach_deferred); same-word reports: another reader of the bit-field word that "
           "holds attach_deferred, against the same writer."]
    run.write("races.md", "\n".join(md) + "\n")
    print("\n".join(md[:len(t) + 2]))
    return verdicts(t, want)
