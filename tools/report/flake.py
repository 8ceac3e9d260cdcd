"""The flake table of a REPEAT=N run: per cell (every repetition of one
asked line on one column), how often it passed, which verdicts it got and,
per counter its expected line names, the range of values. The judge
decides each repetition; this only counts what it decided and estimates
how often a condition "name>0" would fail by chance in one more run.

Two numbers per such condition. The data alone: with f of n repetitions
failed, the chance of a failure is at most the one-sided 95% bound
(1 - 0.05^(1/n) when f = 0: 26% for n = 10). A model: a distribution fitted to
the counter's values by their mean and variance (negative binomial when
over-dispersed, Poisson, binomial when under-dispersed: a count fixed by
construction has no chance of a zero), whose P(0) is the chance of a zero. Counts of a race
move with load far more than a Poisson allows, and the fit keeps that
spread, but it is a point estimate: it cannot see zero-inflation (boots
where the race window never opens) and its own uncertainty is not in it.
A condition is labelled a gate candidate when no repetition failed, n is
at least MIN_N, and the model's P(0) < 0.1%: with the gate's 100-odd
"name>0" conditions at that bound, a make check would still fail by chance
about one time in ten, so the table's sum over the cells is what to read.
rounds_for assumes the dispersion stays as measured when the rounds (and
so the mean) scale: per-boot variation of the rate, the cautious choice."""

import math
import os
import re

SAFE = 1e-3
MIN_N = 10
# more rounds than this is "no" rather than a number
MAX_ROUNDS = 100000
COND = re.compile(r"^([a-z_]+)([=>])0$")


def cell_key(r: dict) -> tuple:
    return (r.get("kver"), r.get("variant"), r.get("iommu") or "fake", r.get("flavour") or "",
            r.get("boot"), r.get("asked") or "", r.get("nth") or 0, r.get("judge") or "")


def conditions(text: str | None) -> list:
    """(name, op) of each "name>0"/"name=0" in an expected line's conditions."""
    out = []
    for c in (text or "").split(","):
        m = COND.match(c)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def _moments(values: list) -> tuple:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else mean
    return mean, var


def p_zero(values: list) -> float:
    """P(count = 0) of the family the values' mean and variance fit:
    negative binomial when over-dispersed, Poisson at variance = mean,
    binomial when under-dispersed (a count fixed by construction, such
    as one planted event per run, has no chance of a zero); 1.0 when the
    mean is 0."""
    mean, var = _moments(values)
    if mean == 0:
        return 1.0
    if var > mean:
        r = mean * mean / (var - mean)
        return (r / (r + mean)) ** r
    if var == mean:
        return math.exp(-mean)
    p = 1 - var / mean
    return 0.0 if p >= 1 else (1 - p) ** (mean / p)


def bound(failed: int, n: int) -> float:
    """One-sided 95% upper bound of a failure rate from f of n (Clopper-Pearson
    for f = 0; the observed rate's normal bound otherwise, capped at 1)."""
    if failed == 0:
        return 1 - 0.05 ** (1.0 / n)
    p = failed / n
    return min(1.0, p + 1.645 * math.sqrt(p * (1 - p) / n))


def rounds_for(values: list, rounds: int) -> int | None:
    """The rounds at which P(0) of a negative binomial with the same shape,
    its mean scaled with the rounds, falls below SAFE; None past
    MAX_ROUNDS (computed in log space: a tiny shape overflows otherwise)."""
    mean, var = _moments(values)
    if mean == 0 or rounds <= 0:
        return None
    if var > mean:
        r = mean * mean / (var - mean)
        x = -math.log(SAFE) / r
        if x > 700:
            return None
        k = r * math.expm1(x) / mean
    elif var == mean:
        k = -math.log(SAFE) / mean
    else:
        # binomial: P(0) = (1 - p)^(N k) with N = mean / p trials per run
        p = 1 - var / mean
        if p >= 1:
            return rounds
        k = math.log(SAFE) / ((mean / p) * math.log(1 - p))
    need = math.ceil(rounds * k)
    return need if need <= MAX_ROUNDS else None


def value_of(r: dict, name: str):
    for part in ("detectors", "counts"):
        if name in (r.get(part) or {}):
            return r[part][name]
    return None


def cells(rows: list) -> list:
    groups: dict = {}
    for r in rows:
        groups.setdefault(cell_key(r), []).append(r)
    out = []
    for key, rs in groups.items():
        verdicts: dict = {}
        for r in rs:
            verdicts[r.get("verdict")] = verdicts.get(r.get("verdict"), 0) + 1
        conds = []
        for name, op in conditions(rs[0].get("conds")):
            vals = [value_of(r, name) for r in rs]
            got = [v for v in vals if v is not None]
            c = {"name": name, "op": op, "values": vals, "missing": len(vals) - len(got),
                 "failed": sum(1 for v in got if (v > 0) != (op == ">")) + len(vals) - len(got)}
            if got:
                s = sorted(got)
                c.update(min=s[0], median=s[len(s) // 2], max=s[-1])
            c["bound"] = bound(c["failed"], len(vals))
            c["safe"] = c["failed"] == 0
            if op == ">" and got:
                c["p_zero"] = p_zero(got)
                rounds = (rs[0].get("rounds") or {}).get("requested") or 0
                c["rounds"] = rounds
                c["safe"] = c["safe"] and len(vals) >= MIN_N and c["p_zero"] < SAFE
                if not c["safe"]:
                    c["rounds_needed"] = rounds_for(got, rounds)
            conds.append(c)
        out.append({"kver": key[0], "variant": key[1], "iommu": key[2], "flavour": key[3],
                    "boot": key[4], "asked": key[5], "nth": key[6], "repeats": len(rs),
                    "passed": sum(1 for r in rs if r.get("ok")), "verdicts": verdicts,
                    "expected": rs[0].get("expected"), "conditions": conds})
    return out


def _fmt(c: dict) -> str:
    if "min" not in c:
        return "%s%s0: no value" % (c["name"], c["op"])
    s = "%s%s0: %d..%d (median %d)" % (c["name"], c["op"], c["min"], c["max"], c["median"])
    if c["failed"]:
        s += ", **%d failed**" % c["failed"]
    s += ", fails at most %.0f%%" % (100 * c["bound"])
    if "p_zero" in c:
        s += ", model P(0) %.1e" % c["p_zero"]
        if not c["safe"] and c.get("rounds_needed"):
            s += ", model: below %g from %d rounds" % (SAFE, c["rounds_needed"])
    return s


def write(run, rows: list) -> list:
    """flake.md and flake.json in the run; a failure when a cell has fewer
    rows than the run's REPEAT (the judge has failed those cells already)."""
    settings = run.read("run.json").get("settings", {})
    repeat, load = settings.get("repeat", 1), settings.get("host_load", 0)
    table = cells(rows)
    gate = sum(c["p_zero"] for t in table for c in t["conditions"] if "p_zero" in c)
    md = ["## Flake table: %d repetitions per cell, %d busy host processes" % (repeat, load), "",
          "| kernel | variant | boot | asked | passed | verdicts | counters |",
          "|---|---|---|---|---|---|---|"]
    for t in table:
        v = ", ".join("%s %d" % kv for kv in sorted(t["verdicts"].items()))
        md.append("| %s | %s%s | %s | %s | %d/%d | %s | %s |" % (
            t["kver"], t["variant"], "" if t["iommu"] == "fake" else ":" + t["iommu"], t["boot"],
            t["asked"], t["passed"], t["repeats"], v,
            "<br>".join(_fmt(c) for c in t["conditions"]) or "-"))
    unsafe = ["%s %s %s %s" % (t["kver"], t["variant"], t["asked"].split(" ")[0], c["name"])
              for t in table for c in t["conditions"] if not c["safe"]]
    failed = ["%s %s %s" % (t["kver"], t["variant"], t["asked"])
              for t in table if t["passed"] < t["repeats"]]
    md += ["", "Host: %d CPUs. Model: the sum of P(0) over every name>0 condition is %.2e "
           "false fails per run of these cells (a distribution fitted to each counter's "
           "mean and variance, a point estimate; tools/report/flake.py says what it "
           "cannot see). \"fails at most\": the one-sided 95%% bound from the "
           "repetitions alone." % (os.cpu_count() or 0, gate),
           "Cells that failed a repetition: %s." % ("; ".join(failed) or "none"),
           "Conditions not gate candidates (a repetition failed, fewer than %d "
           "repetitions, or model P(0) >= %g): %s." % (MIN_N, SAFE, "; ".join(unsafe) or "none")]
    run.write("flake.md", "\n".join(md) + "\n")
    run.write("flake.json", {"repeat": repeat, "host_load": load, "cpus": os.cpu_count(),
                             "p_zero_sum": gate, "cells": table})
    print("flake: %s" % (run.dir / "flake.md"))
    short = [t for t in table if t["repeats"] != repeat]
    return ["flake: %s %s %s has %d of %d repetitions"
            % (t["kver"], t["variant"], t["asked"], t["repeats"], repeat) for t in short]
