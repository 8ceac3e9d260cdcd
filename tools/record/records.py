#!/usr/bin/python3
"""What one boot did, as data. records() turns one boot's console log into
one record per scenario the boot asked for, from the log, splatscan's
reports, the kernel's KTAP parser on each scenario's results and how the
boot ended (the launcher's outcome). Nothing here decides pass or fail:
that is the judge's job alone.

    /usr/bin/python3 tools/record/records.py LOG STEPS [VM_ERROR]

is the same for one log on its own (the judge's fixtures use it), with
the environment BOOT_META, KTAP_PARSER, LC_RUN_ID and SPLATSCAN. Standard
library only; kunit.py runs under this interpreter (sys.executable).

Ported from the sh + jq recorder it replaced, and kept to its reading: the
text is read as jq read it (invalid UTF-8 becomes U+FFFD the way jq 1.6
replaced it) and the regular expressions are the same, so the judge's
fixtures and stored runs record as they did.
"""
from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
import tempfile

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SPLATSCAN = os.path.join(TOOLS, "splatscan", "splatscan")

# The guest's markers (tools/guest/lib.sh and init).
MARKER = "@@lockcheck: "
M_SCENARIO = MARKER + "scenario "
OURS_FUNCTION = re.compile(r"^(fi_|hr_|fake_iommu|harness_|debugfs_fuzz)")

# printk's time prefix and caller id (the guest writes through /dev/kmsg).
PRINTK_PREFIX = re.compile(r"^\[ *[0-9]+\.[0-9]+\](\[ *[TC][0-9]+\])? ?")

DIAG = re.compile(r"^# (?P<k>[a-z_0-9]+): (?P<v>.*)$")
RESULT_LINE = re.compile(r"^(not )?ok 1 ")
SKIP_REASON = re.compile(r" # SKIP (?P<r>.*)$")
DONE = re.compile(r"@@lockcheck: done rc=(?P<rc>[0-9]+)")
NOT_OK = re.compile(r"@@lockcheck: not ok (?P<w>.*)$")
KNOBS = re.compile(r"^@@lockcheck: knobs (?P<s>.*)$")
KNOB = re.compile(r"^(?P<k>[a-z_]+)=(?P<v>[0-9]+)$")
LOCKDEP = re.compile(r"^@@lockcheck: lockdep (?P<s>.*)$")

# Report attribution: is our code to blame, or only on the stack?
TITLE_FUNCTIONS = (re.compile(r" in ([A-Za-z0-9_.]+)"), re.compile(r" / ([A-Za-z0-9_.]+)"))
OUR_MODULE_TAG = re.compile(r"\[(fake_iommu|harness)( [0-9a-f]+)?\]")
FRAME_FUNCTION = re.compile(r" (?P<f>[A-Za-z_][A-Za-z0-9_.]*)\+0x")
STACK_START = re.compile(
    r"Call Trace:|^(\[[^]]*\] *)?(read|write|race|value changed)|<TASK>$|backtrace")
IRQ_OVER = re.compile(r"</IRQ>|asm_(sysvec|common_interrupt|spurious_interrupt)")
# Oniguruma's \s is Unicode White_Space; Python's \s also takes U+001C-1F.
_WS = "\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BARE_MODULE_ADDRESS = re.compile(f"^[{_WS}]*0xffffffffa[0-9a-f]+$")

# The steps' asked lines (grep -o in a UTF-8 locale: [^"] takes no
# undecodable byte, here a surrogate escape).
ASKED = re.compile('scenario "([^"\n\udc80-\udcff]*)"')
# kunit.py's error line, as sed 's/^.*\[ERROR\] *//' finds it (UTF-8 locale).
PARSER_ERROR = re.compile(r"^[^\n\udc80-\udcff]*\[ERROR\] *")


# --- jq's reading of text and numbers -------------------------------------

def _utf8_length(first: int) -> int:
    """jq 1.6's expected length of a UTF-8 sequence from its first byte (0:
    never a first byte)."""
    if 0xC2 <= first <= 0xDF:
        return 2
    if 0xE0 <= first <= 0xEF:
        return 3
    if 0xF0 <= first <= 0xF4:
        return 4
    return 0


def _jq_replace(err: UnicodeDecodeError) -> tuple[str, int]:
    """One U+FFFD per bad sequence as jq 1.6 counts it: a whole overlong or
    surrogate sequence is one, and a sequence cut by the end of the text
    takes the rest of it (jvp_utf8_next)."""
    data, start = err.object, err.start
    length = _utf8_length(data[start])
    if length == 0:
        return "\ufffd", start + 1
    if start + length > len(data):
        return "\ufffd", len(data)
    for i in range(1, length):
        if not 0x80 <= data[start + i] <= 0xBF:
            return "\ufffd", start + i
    return "\ufffd", start + length


codecs.register_error("jq-replace", _jq_replace)


def jq_text(data: bytes) -> str:
    """Bytes as a jq string (--rawfile, --arg, -R)."""
    return data.decode("utf-8", "jq-replace")


def jq_arg(text: str) -> str:
    """A command-line or environment string as jq --arg holds it."""
    return jq_text(os.fsencode(text))


def shell_text(data: bytes) -> str:
    """Bytes as "$(...)" gives them to jq --arg: NULs dropped, trailing
    newlines cut."""
    return jq_text(data.replace(b"\0", b"").rstrip(b"\n"))


def jq_number(value: float) -> int | float:
    """A number as jq 1.6 holds it: a double, printed as an integer when it
    is one that prints exactly."""
    value = max(min(value, sys.float_info.max), -sys.float_info.max)
    if value.is_integer() and abs(value) < 1e17:
        return int(value)
    return value


def jq_tonumber(text: str) -> int | float:
    """jq 1.6's tonumber: the string parsed as a JSON number ("020", "+5"
    and surrounding whitespace are accepted); anything else is an error."""
    token = text.strip(" \t\r\n")
    if re.fullmatch(r"[0-9.eE+-]+", token):
        try:
            return jq_number(float(token))
        except ValueError:
            pass
    raise ValueError(f"Cannot parse '{text}' as JSON")


# --- the log's lines and its scenario blocks --------------------------------

def guest_line(line: str) -> str:
    """A line as the guest wrote it: no printk prefix; a marker that kernel
    text preceded on its line starts the line."""
    line = PRINTK_PREFIX.sub("", line.removesuffix("\r"), count=1)
    at = line.find(MARKER)
    return line[at:] if at > 0 else line


def log_lines(text: str) -> list[str]:
    # jq splits "" into no line at all
    return [guest_line(line) for line in text.split("\n")] if text else []


def scenario_starts(lines: list[str]) -> list[int]:
    """1-based numbers of the lines where each scenario's block starts."""
    return [n for n, line in enumerate(lines, 1) if line.startswith(M_SCENARIO)]


def block_range(lines: list[str], starts: list[int], k: int) -> tuple[int, int] | None:
    """Lines [from, to) of block k (1-based), or None: scenario k never
    started."""
    if k >= len(starts):
        return None
    end = starts[k + 1] if k + 1 < len(starts) else len(lines) + 1
    return starts[k], end


def block(lines: list[str], r: tuple[int, int] | None) -> list[str] | None:
    return None if r is None else lines[r[0] - 1:r[1] - 1]


def first_index(lines: list[str], prefix: str) -> int | None:
    return next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)


def ktap_lines(b: list[str] | None) -> list[str]:
    """The KTAP text between a block's results markers (none when either
    marker is missing)."""
    if b is None:
        return []
    i = first_index(b, MARKER + "results begin")
    j = first_index(b, MARKER + "results end")
    if i is None or j is None or j < i:
        return []
    return b[i + 1:j]


# --- what a scenario's lines say ---------------------------------------------

def captures(lines: list[str], pattern: re.Pattern, group: str) -> list[str]:
    """The group of each line's first match, for the lines that match."""
    return [m[group] for m in map(pattern.search, lines) if m]


def diag(kt: list[str]) -> dict[str, str]:
    """"# name: value" diagnostics; a name given twice keeps the last."""
    return {m["k"]: m["v"] for m in map(DIAG.search, kt) if m}


def numbered(kt: list[str], what: str) -> dict[str, int | float]:
    """"# detector name: N" or "# count name: N"."""
    pattern = re.compile(f"^# {what} (?P<k>[a-z_0-9]+): (?P<v>-?[0-9]+)$")
    return {m["k"]: jq_tonumber(m["v"]) for m in map(pattern.search, kt) if m}


def ktap_result(res: str | None) -> str | None:
    if res is None:
        return None
    if res.startswith("not ok"):
        return "not ok"
    return "skip" if " # SKIP" in res else "ok"


def skip_reason(res: str | None, d: dict[str, str]) -> str | None:
    """A skipped test's reason is its SKIP directive's, else "# reason:"."""
    m = SKIP_REASON.search(res or "")
    return m["r"] if m else d.get("reason")


def optional_number(value: str | None) -> int | float | None:
    return None if value is None else jq_tonumber(value)


def knobs(b: list[str] | None) -> dict[str, int | float] | None:
    """fake_iommu's knobs as the scenario started: which run this is."""
    found = captures(b or [], KNOBS, "s")
    if not found:
        return None
    pairs = (KNOB.search(word) for word in re.split(" +", found[0]) if word)
    return {m["k"]: jq_tonumber(m["v"]) for m in pairs if m}


def lockdep(b: list[str] | None) -> str | None:
    found = captures(b or [], LOCKDEP, "s")
    if not found:
        return None
    state = found[-1]
    if state == "absent":
        return "absent"
    return "on" if state == "debug_locks=1" else "off"


def ran(asked: str, b: list[str] | None) -> bool:
    """The block starts with the asked line itself, or with it and kernel
    text glued on ("[ 1.2] ...")."""
    if asked == "" or b is None:
        return False
    return b[0] == M_SCENARIO + asked or b[0].startswith(M_SCENARIO + asked + "[")


def guest(lines: list[str], outcome: dict) -> dict:
    """How the boot ended, and the guest's exit status and not ok lines."""
    rcs = captures(lines, DONE, "rc")
    return {"status": outcome["status"], "message": outcome["message"],
            "exit": jq_tonumber(rcs[-1]) if rcs else None,
            "not_ok": captures(lines, NOT_OK, "w")}


def status_of_message(vmerr: str) -> str:
    """How a boot ended, from tools/vm.sh's last line ("" when it ended
    well), for callers that have only the launcher's message."""
    if vmerr == "":
        return "ok"
    if "guest hung" in vmerr:
        return "hang"
    if "guest panicked" in vmerr:
        return "panic"
    if "guest oopsed" in vmerr:
        return "oops"
    if "stopped before" in vmerr or "never ran" in vmerr:
        return "incomplete"
    return "error"


# --- reports --------------------------------------------------------------------

def our_frame_line(line: str) -> bool:
    """A frame in our modules, by [module] tag or by function name."""
    if OUR_MODULE_TAG.search(line):
        return True
    m = FRAME_FUNCTION.search(line)
    return bool(m and OURS_FUNCTION.search(m["f"]))


def ours_in_stack(text: list[str]) -> bool:
    """Whether a frame of the report is ours. Frames of a task an interrupt
    arrived on (after "</IRQ>" or an interrupt entry frame, up to the next
    stack) are not the report's: a timer race that happens to interrupt
    our code is not ours."""
    skip = False
    for line in text:
        if STACK_START.search(line):
            skip = False
        elif IRQ_OVER.search(line):
            skip = True
        elif not skip and our_frame_line(line):
            return True
    return False


def attribute(report: dict, lines: list[str]) -> dict:
    """A report as a record holds it, tied to our code by its title's
    function (ours_title) or a frame (ours_stack)."""
    functions = [f for p in TITLE_FUNCTIONS for f in p.findall(report["title"])]
    text = lines[report["first_line"] - 1:report["last_line"]]
    # a leak found after rmmod has our frames as bare module addresses only
    leak_of_ours = (report.get("kind") == "kmemleak" and
                    any(BARE_MODULE_ADDRESS.search(line) for line in text))
    return {"kind": report.get("kind"), "title": report.get("title"),
            "first_line": report.get("first_line"),
            "ours_title": any(OURS_FUNCTION.search(f) for f in functions),
            "ours_stack": ours_in_stack(text) or leak_of_ours}


def in_block(report: dict, r: tuple[int, int] | None, k: int) -> bool:
    """Block k's reports: those whose first line is in it; the first block
    also takes those before it, and all of them when no scenario started."""
    if r is None:
        return k == 0
    return report["first_line"] < r[1] and (report["first_line"] >= r[0] or k == 0)


# --- the outside programs -----------------------------------------------------

def exit_status(rc: int) -> int:
    """A return code as the shell reports it (128+N for signal N)."""
    return 128 - rc if rc < 0 else rc


def run(argv: list[str], stdin: bytes = b"", merge: bool = False) -> tuple[int, bytes, bytes]:
    """argv's exit status, standard output and standard error (merged into
    the output with merge, as 2>&1 does); one that cannot start is the
    shell's 126 or 127 with the reason."""
    try:
        p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT if merge else subprocess.PIPE)
    except OSError as e:
        rc = 127 if isinstance(e, FileNotFoundError) else 126
        return rc, b"", f"{argv[0]}: {e.strerror}\n".encode()
    return exit_status(p.returncode), p.stdout, p.stderr or b""


def json_array(data: bytes) -> list | None:
    try:
        value = json.loads(jq_text(data))
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def without_cr(log_path: str) -> bytes:
    with open(log_path, "rb") as f:
        return f.read().replace(b"\r", b"")


def scan(log_path: str, splatscan: str) -> tuple[bytes, list, str]:
    """The log as splatscan --log reads it (an nbcon line cut and printed
    again is there once), its reports and splatscan's status. Exit 0 (no
    report) and 1 (reports) are answers; anything else, or no splatscan
    at all, leaves the reports unknown: never read as "no report"."""
    if not os.access(splatscan, os.X_OK):
        return without_cr(log_path), [], f"missing: {jq_arg(splatscan)}"
    rc, log, err = run([splatscan, "--log", log_path])
    reports = None
    if rc != 0:
        log = without_cr(log_path)
    else:
        with tempfile.NamedTemporaryFile(prefix="record-", suffix=".log") as f:
            f.write(log)
            f.flush()
            rc, out, err = run([splatscan, "--json", f.name])
        reports = json_array(out)
    if rc > 1 or reports is None:
        return log, [], f"failed: exit {rc} {shell_text(err[:200])}"
    return log, reports, "ok"


def last_line(data: bytes) -> bytes:
    """tail -n 1."""
    return data.removesuffix(b"\n").rpartition(b"\n")[2]


def parser_error(out: bytes) -> str:
    """The parser's first [ERROR] line's text, as the old recorder's sed and head
    find it ("" when there is none, or the first one says nothing)."""
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        m = PARSER_ERROR.match(line)
        if m:
            return shell_text(line[m.end():].encode("utf-8", "surrogateescape"))
    return ""


def parse_ktap(kt: list[str], parser: str | None) -> str:
    """The kernel's KTAP parser (kunit.py) on a scenario's KTAP text."""
    if "".join(kt).replace("\0", "") == "":
        return "no KTAP"
    if not parser or not os.path.isfile(parser):
        return f"missing: KTAP_PARSER={jq_arg(parser) if parser else 'unset'}"
    text = "\n".join(kt) + "\n"
    # the recorder's own interpreter, not whichever python3 PATH has
    rc, out, _ = run([sys.executable, parser, "parse"], text.encode(), merge=True)
    error = parser_error(out)
    if error:
        return f"error: {error}"
    if rc > 1 or re.search(rb"^Traceback", out, re.M):
        return f"failed: exit {rc} {shell_text(last_line(out)[:200])}"
    return "ok"


# --- the records ------------------------------------------------------------------

def record(k: int, asked_lines: list[str], lines: list[str], starts: list[int],
           reports: list, splat: str, parser_status: str, boot: dict, meta: dict) -> dict:
    """The record of asked line k."""
    r = block_range(lines, starts, k)
    b = block(lines, r)
    kt = ktap_lines(b)
    d = diag(kt)
    res = next((line for line in kt if RESULT_LINE.search(line)), None)
    asked = asked_lines[k]
    rec = dict(meta)
    rec.update({
        "asked": asked,
        # the same line asked again in one boot (bench repetitions)
        "nth": asked_lines[:k].count(asked),
        "scenario": asked.split(" ")[0] if asked else None,
        "class": d.get("class"),
        "guest": boot,
        "ran": ran(asked, b),
        "ktap": {"present": len(kt) > 0, "result": ktap_result(res),
                 "reason": skip_reason(res, d), "parser": parser_status, "diag": d},
        "rounds": {"requested": optional_number(d.get("rounds_requested")),
                   "run": optional_number(d.get("rounds_run"))},
        "detectors": numbered(kt, "detector"),
        "counts": numbered(kt, "count"),
        "knobs": knobs(b),
        "lockdep": lockdep(b),
        "splatscan": splat,
        "reports": [] if splat != "ok" else
        [attribute(rep, lines) for rep in reports if in_block(rep, r, k)],
    })
    return rec


def records(log_path: str, asked: list[str], meta: dict, outcome: dict,
            ktap_parser: str | None = None, splatscan: str | None = None,
            run_id: str = "") -> list[dict]:
    """The records of one boot's console log, one per asked scenario line
    (in order; a boot that asked none gets one: the boot's own). outcome:
    {"status": ..., "message": ...}, how the boot ended."""
    raw, reports, splat = scan(log_path, splatscan or DEFAULT_SPLATSCAN)
    lines = log_lines(jq_text(raw))
    starts = scenario_starts(lines)
    parsers = [parse_ktap(ktap_lines(block(lines, block_range(lines, starts, k))), ktap_parser)
               for k in range(len(asked))]
    meta = {**meta, "run_id": jq_arg(run_id), "log": jq_arg(log_path), "asked": list(asked)}
    asked_lines = list(asked) or [""]
    boot = guest(lines, outcome)
    return [record(k, asked_lines, lines, starts, reports, splat,
                   parsers[k] if k < len(parsers) else "no KTAP", boot, meta)
            for k in range(len(asked_lines))]


# --- the command line -------------------------------------------------------------

class Usage(Exception):
    """A one-line error for the command line."""


def asked_in_steps(steps_path: str) -> list[str]:
    """The `scenario "LINE"` lines of a steps file, as grep -o finds them
    (a file with a NUL byte is binary to grep: no line)."""
    with open(steps_path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        return []
    return ASKED.findall(data.decode("utf-8", "surrogateescape"))


def boot_meta(text: str) -> dict:
    """BOOT_META's object (jq reads Infinity as the largest double)."""
    def constant(name: str) -> float:
        if name == "NaN":
            raise ValueError(name)
        return sys.float_info.max * (-1 if name.startswith("-") else 1)
    try:
        meta = json.loads(text, parse_constant=constant)
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        raise Usage(f"BOOT_META is not a JSON object: {text}")
    return meta


def jq_json(value) -> str:
    """JSON as jq prints it (two-space indent, DEL escaped)."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\x7f", "\\u007f") + "\n"


def main(argv: list[str]) -> int:
    try:
        if len(argv) < 3 or not argv[1] or not argv[2]:
            raise Usage("usage: records.py LOG STEPS [VM_ERROR]")
        log_path, steps_path = argv[1], argv[2]
        vmerr = jq_arg(argv[3]) if len(argv) > 3 else ""
        meta = boot_meta(jq_arg(os.environ.get("BOOT_META") or "{}"))
        if not os.path.isfile(log_path):
            raise Usage(f"record: log {log_path} does not exist")
        if not os.path.isfile(steps_path):
            raise Usage(f"record: steps file {steps_path} does not exist")
        out = records(log_path, asked_in_steps(steps_path), meta,
                      {"status": status_of_message(vmerr), "message": vmerr},
                      ktap_parser=os.environ.get("KTAP_PARSER") or None,
                      splatscan=os.environ.get("SPLATSCAN") or None,
                      run_id=jq_arg(os.environ.get("LC_RUN_ID", "")))
    except (Usage, OSError, ValueError, KeyError, TypeError) as e:
        # OSError: a file unreadable; the others: a value jq would refuse too
        message = str(e) if isinstance(e, Usage) else f"record: {type(e).__name__}: {e}"
        print(f"error: {message}".replace("\n", " "), file=sys.stderr)
        return 1
    sys.stdout.buffer.write(jq_json(out).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
