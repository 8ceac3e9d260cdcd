"""A judged run as a table a person reads: scenarios down, columns across,
each cell its verdict, what fired and why it failed."""

VERDICTS = ("Verdicts: error > splat (a kernel report other than the core lock assertion) > "
            "race (a fake_iommu race detector) > unlocked (attach without group->mutex only) > "
            "skip (the kernel cannot run the scenario; the reason is checked) > clean. "
            "**bold**: the cell failed (tools/judge/judge.jq says why).")
STOCK = ("stock: the distribution kernel, built without lockdep, DEBUG_ATOMIC_SLEEP and fault "
         "injection: no lockdep or sleeping-in-atomic report can appear there; fake_iommu's "
         "counters work; what cannot run is skipped with its reason.")


def column_of(r: dict) -> str:
    parts = [r.get("kver"), r.get("variant")]
    if (r.get("iommu") or "fake") != "fake":
        parts.append(r["iommu"])
    if r.get("flavour"):
        parts.append(r["flavour"])
    if r.get("boot") != "elfcorehdr":
        parts.append(r.get("boot"))
    return " ".join(str(p) for p in parts)


def cell_text(r: dict) -> str:
    if r.get("ok"):
        s = str(r.get("verdict"))
        # a control passes by failing the line it names (judge.jq, caught)
        if r.get("expected") == "caught":
            against = next((c[len("against+"):] for c in (r.get("conds") or "").split(",")
                            if c.startswith("against+")), "?")
            s += " (caught by %s's line)" % against
    else:
        s = "**%s** (want %s)" % (r.get("verdict"), r.get("expected") or "a pass")
    s += "".join("<br>%s=%s" % (k, v) for k, v in (r.get("detectors") or {}).items()
                 if isinstance(v, (int, float)) and v > 0)
    titles: dict = {}
    for rep in r.get("reports") or []:
        titles[rep["title"]] = titles.get(rep["title"], 0) + 1
    s += "".join("<br>%s x%d" % (t, n) for t, n in sorted(titles.items()))
    s += "".join("<br>%s" % f for f in r.get("failures") or [])
    return s


def _unique(seq):
    out = []
    for x in seq:
        if x not in out:
            out.append(x)
    return out


def table(rows: list) -> str:
    cols = _unique(column_of(r) for r in rows)
    scs = _unique(r.get("scenario") for r in rows)
    klass = {}
    cells = {}
    for r in rows:
        klass[r.get("scenario")] = r.get("class") or "?"
        cells[(r.get("scenario"), column_of(r))] = cell_text(r)
    out = ["| scenario | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for s in scs:
        out.append("| %s (%s) | " % (s, klass[s]) + " | ".join(cells.get((s, c), "") for c in cols)
                   + " |")
    out += ["", VERDICTS, ""]
    retries = ["Booted twice: %s %s %s: the first boot died %s." % (
        r.get("kver"), r.get("variant"), r.get("scenario"), r["boot_retry"])
        for r in rows if r.get("boot_retry")]
    if retries:
        out += retries + [""]
    if any(r.get("variant") == "stock" for r in rows):
        out += [STOCK, ""]
    knobs = sorted(set(" ".join("%s=%s" % kv for kv in r["knobs"].items())
                       for r in rows if r.get("knobs") is not None))
    out.append("fake_iommu knobs of these cells: " + ("; ".join(knobs) if knobs else "not reported")
               + " (warn=0 core_assert=0: a counting run, nothing printed inside attach_dev; "
               "the kernel's own splats come from make splats).")
    return "\n".join(out) + "\n"
