"""The judge, run: the cells a run promised and that run's records go into
tools/judge/judge.jq, the one place that decides pass or fail (pure: the
same inputs give the same rows). This file only feeds it and reads it."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

JUDGE = Path(__file__).resolve().parent
EXPECTED = JUDGE / "expected"
FINDINGS = JUDGE / "expected-findings"


class JudgeError(Exception):
    pass


def jq(program: str, args: list, stdin: str | None = None) -> str:
    p = subprocess.run(["jq"] + args + [program], input=stdin, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise JudgeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else
                         "jq exited %d" % p.returncode)
    return p.stdout


def judge(cells: list, records: list, run_id: str, expected: Path = EXPECTED,
          findings: Path = FINDINGS) -> list:
    """One row per promised cell: its verdict, ok, and why it failed."""
    for f in (expected, findings):
        if not Path(f).is_file():
            raise JudgeError("%s does not exist" % f)
    if not cells:
        raise JudgeError("the run promised no cell")
    with tempfile.TemporaryDirectory() as t:
        cf, rf = Path(t, "cells"), Path(t, "records")
        cf.write_text("".join(json.dumps(c) + "\n" for c in cells))
        rf.write_text("".join(json.dumps(r) + "\n" for r in records))
        out = jq('include "judge"; judge($cells; $records; $expected | parse_expected;'
                 ' $findings | parse_findings; $run_id)',
                 ["-n", "-L", str(JUDGE), "--slurpfile", "cells", str(cf),
                  "--slurpfile", "records", str(rf), "--rawfile", "expected", str(expected),
                  "--rawfile", "findings", str(findings), "--arg", "run_id", run_id])
    return json.loads(out)


def present(name: str, rows: list, write, failures: tuple = ()) -> bool:
    """The verdicts as a person and a script read them: WRITE(rel, data)
    stores judged.json and table.md; the table, one FAIL line per failed
    cell or report (FAILURES) and the tally are printed. True if all pass."""
    from report.table import table
    md = table(rows)
    paths = (write("table.md", md), write("judged.json", rows))
    print(md.replace("<br>", " / ").replace("**", ""), end="")
    print("results: %s %s" % paths)
    lines = summary(name, rows)
    for f in failures:
        lines.insert(len(lines) - 1, "FAIL: %s" % f)
    print("\n".join(lines))
    return all(r.get("ok") for r in rows) and not failures


def summary(name: str, rows: list) -> list:
    """The lines a person reads: one per failed cell, then the tally."""
    out = []
    for r in rows:
        if r.get("ok"):
            continue
        fl = " " + r["flavour"] if r.get("flavour") else ""
        asked = r.get("asked") or "(boot)"
        out.append("FAIL: %s %s%s %s %s: %s" % (
            r.get("kernel") or r.get("kver"), r.get("variant"), fl, r.get("boot"), asked,
            "; ".join(r.get("failures", []))))
    npass = sum(1 for r in rows if r.get("ok"))
    out.append("%s: %d passed, %d failed" % (name, npass, len(rows) - npass))
    return out


def main(argv: list) -> int:
    """verdicts.py NAME CELLS OUTDIR RECORD_FILE...: the judge on its own,
    for its tests: OUTDIR/NAME.json and .md, the table, FAIL lines and
    "NAME: N passed, N failed" (EXPECTED, FINDINGS, LC_RUN_ID)."""
    import os
    sys.path.insert(0, str(JUDGE.parent))
    if len(argv) < 3:
        print("error: usage: verdicts.py NAME CELLS OUTDIR RECORD_FILE...", file=sys.stderr)
        return 2
    name, cells_file, outdir = argv[0], Path(argv[1]), Path(argv[2])
    try:
        cells = [json.loads(ln) for ln in cells_file.read_text().splitlines() if ln.strip()]
        records = []
        files = []
        for f in map(Path, argv[3:]):
            files += sorted(f.rglob("*.record.json")) if f.is_dir() else [f]
        for f in files:
            try:
                records += json.loads(f.read_text())
            except ValueError:
                raise JudgeError("%s is not a record file" % f)
        rows = judge(cells, records, os.environ.get("LC_RUN_ID", ""),
                     Path(os.environ.get("EXPECTED", EXPECTED)),
                     Path(os.environ.get("FINDINGS", FINDINGS)))
    except (JudgeError, OSError) as e:
        print("error: judge %s: %s" % (name, e), file=sys.stderr)
        return 1
    outdir.mkdir(parents=True, exist_ok=True)

    def write(rel: str, data) -> Path:
        p = outdir / (name + Path(rel).suffix)
        p.write_text(data if isinstance(data, str) else json.dumps(data, indent=1) + "\n")
        return p
    return 0 if present(name, rows, write) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
