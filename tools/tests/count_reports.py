"""On every console of the runs given, splatscan must list as many reports
as an independent count of report header lines finds (our logs hold no
dmesg dump, so there are no duplicates to fold). A missing or crashing
splatscan, or no console at all, is a failure, never "no report".

Which lines are headers is splatscan's own table (`splatscan --headers`:
its header rows' regexes, one a line), so every kind it knows is counted
and a kind added there is counted here by construction; the count itself
stays independent of splatscan's scanner: line by line, with its own
console prefix rule and its own nbcon replay rule, and no report
assembly. A line splatscan folds into the report before it is counted
here as the header it is ("Oops:" after "BUG: unable to handle ...": the
reason a kdump run's full console is left out, see logs())."""

import json
import re
import subprocess
import sys
from pathlib import Path

SPLATSCAN = Path(__file__).resolve().parent.parent / "splatscan" / "splatscan"
REPLAY = "** replaying previous printk message **"
# What precedes a console message: a syslog level ("<4>"), printk's time
# stamp (other bytes may come before it when two writers raced) and its
# caller id ("[T123]", "[  C1]", glued to the stamp or after a space).
PREFIX = re.compile(r"(?:<\d>)?(?:.{0,64}?\[[ \t]*\d+\.\d+\])?(?: ?\[ *[TC]\d+\])? ?")


class NoHeaders(Exception):
    """splatscan gave no header rows to count with."""


def header_rows(splatscan: Path = None) -> list:
    """The regexes of splatscan's header rows that start a report. A
    missing or failing splatscan, or one that prints no row, raises."""
    cmd = [str(splatscan or SPLATSCAN), "--headers"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise NoHeaders("%s: %s" % (" ".join(cmd), e))
    rows = [r for r in p.stdout.splitlines() if r]
    if p.returncode != 0 or not rows:
        raise NoHeaders("%s: exit %d, %d header rows: %s"
                        % (" ".join(cmd), p.returncode, len(rows), p.stderr.strip()[-200:]))
    return rows


def header_re(splatscan: Path = None) -> re.Pattern:
    """One pattern for all rows, matched at a message's start (the rows
    are POSIX EREs that Python's re reads the same way; a row it cannot
    compile raises)."""
    rows = header_rows(splatscan)
    try:
        return re.compile("|".join("(?:%s)" % r for r in rows))
    except re.error as e:
        raise NoHeaders("splatscan --headers: a row Python cannot compile: %s" % e)


_HEADER = None


def is_header(line: str) -> bool:
    global _HEADER
    if _HEADER is None:
        _HEADER = header_re()
    return _HEADER.match(line[PREFIX.match(line).end():]) is not None


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
        cut = line if is_header(line) else ""
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
    global _HEADER
    try:
        _HEADER = header_re()
    except NoHeaders as e:
        print("not ok - no header rows to count with: %s" % e)
        print("reports: 0 passed, 1 failed")
        return 1
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
