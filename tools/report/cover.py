"""make cover's report: every boot's gcov counters (the guest's gcov_dump,
tools/guest/lib.sh) merged per kernel built, then coverage.md and .json
with lines and branches hit for the functions of tools/report/cover-functions,
each line no boot reached listed, and an HTML report from Debian's genhtml.
A cover boot whose counters are missing or damaged fails the run: a figure
is never made of the boots that happened to print."""

import base64
import binascii
import hashlib
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

from engine.util import Refused, run_logged
from record.console import guest_text

FUNCTIONS = Path(__file__).resolve().parent / "cover-functions"
_BEGIN = re.compile(r"^@@lockcheck: gcov begin (\S+)$")
_END = re.compile(r"^@@lockcheck: gcov end (\S+) ([0-9a-f]{32})$")
_B64 = re.compile(r"^[A-Za-z0-9+/=]+$")


def dumps(text: str) -> tuple:
    """The gcov dumps in a console text: ([(label, tgz bytes)], [problems])."""
    out, problems = [], []
    label, chunks = None, []
    for line in text.splitlines():
        m = _BEGIN.match(line)
        if m:
            if label:
                problems.append("gcov dump %s has no end" % label)
            label, chunks = m.group(1), []
            continue
        m = _END.match(line)
        if m and label:
            try:
                data = base64.b64decode("".join(chunks))
            except binascii.Error as e:
                problems.append("gcov dump %s: not base64 (%s)" % (label, e))
                label = None
                continue
            if m.group(1) != label:
                problems.append("gcov dump %s ends as %s" % (label, m.group(1)))
            elif hashlib.md5(data).hexdigest() != m.group(2):
                problems.append("gcov dump %s: md5 differs (a line lost on the console)" % label)
            else:
                out.append((label, data))
            label = None
        elif label and _B64.match(line):
            chunks.append(line)
    if label:
        problems.append("gcov dump %s has no end" % label)
    return out, problems


def _function_table() -> list:
    rows = []
    for line in FUNCTIONS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, what = line.partition("\t")
            rows.append((name, what.strip()))
    return rows


class Coverage:
    """One kernel's counters, summed over dumps: per source file, line ->
    count, line -> branch counts, function -> (start, end, calls)."""

    def __init__(self, kout: Path):
        self.kout = kout
        self.cover = kout / "cover"
        self.builddir = (kout / "builddir").read_text().strip().lstrip("/")
        self.sources = sorted(str(p.relative_to(self.cover))
                              for p in self.cover.rglob("*.c"))
        self.lines: dict = {}
        self.branches: dict = {}
        self.functions: dict = {}
        self.dumps = 0

    def add(self, tgz: bytes, work: Path, log: Path) -> list:
        """One dump: its .gcda files beside the build's .gcno, read by gcov."""
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
            members = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}
            problems = []
            for src in self.sources:
                obj = src[:-2]
                m = members.get("%s/%s.gcda" % (self.builddir, obj))
                if not m:
                    problems.append("no counters for %s in the dump" % src)
                    continue
                dst = work / obj
                dst.parent.mkdir(parents=True, exist_ok=True)
                (work / (obj + ".gcda")).write_bytes(tar.extractfile(m).read())
                shutil.copy(self.cover / (obj + ".gcno"), work / (obj + ".gcno"))
                out = run_logged(log, ["gcov", "--json-format", "--stdout",
                                       "--branch-probabilities", "--object-directory",
                                       str(dst.parent), str(work / obj)], cwd=work)
                self._merge(json.loads(out), src)
                if not self.lines.get(src):
                    problems.append("gcov read no line of %s (a path that no longer matches?)"
                                    % src)
        self.dumps += 1
        return problems

    def _merge(self, doc: dict, src: str) -> None:
        for f in doc.get("files", []):
            if not f["file"].endswith("/" + src) and f["file"] != src:
                continue   # a header's inline functions
            lines = self.lines.setdefault(src, {})
            brs = self.branches.setdefault(src, {})
            fns = self.functions.setdefault(src, {})
            for fn in f["functions"]:
                old = fns.get(fn["name"], (fn["start_line"], fn["end_line"], 0))
                fns[fn["name"]] = (old[0], old[1], old[2] + fn["execution_count"])
            for ln in f["lines"]:
                n = ln["line_number"]
                lines[n] = lines.get(n, 0) + ln["count"]
                counts = [b["count"] for b in ln.get("branches", [])]
                if counts:
                    prev = brs.get(n, [0] * len(counts))
                    brs[n] = [a + b for a, b in zip(prev, counts)] if len(prev) == len(counts) \
                        else counts
        return None

    def find(self, name: str):
        for src, fns in self.functions.items():
            if name in fns:
                return src, fns[name]
        return None, None

    def source_lines(self, src: str) -> list:
        return (self.cover / src).read_text(errors="replace").splitlines()

    def row(self, spec: str, what: str) -> dict:
        """Lines and branches of one function (or its deferred branch)."""
        branch_only = spec.startswith("deferred:")
        name = spec.split(":", 1)[1] if branch_only else spec
        src, fn = self.find(name)
        row = {"function": spec, "what": what}
        if not fn:
            row["absent"] = True
            return row
        first, last, calls = fn
        text = self.source_lines(src)
        if branch_only:
            starts = [i for i in range(first, last + 1)
                      if "iommu_deferred_attach_enabled" in text[i - 1]]
            if not starts:
                row["absent"] = True
                return row
            first = last = starts[0]
            while last < len(text) and text[last].strip():
                last += 1
        lines = {n: c for n, c in self.lines.get(src, {}).items() if first <= n <= last}
        brs = [c for n, cs in self.branches.get(src, {}).items() if first <= n <= last
               for c in cs]
        row.update({"file": src, "first": first, "last": last, "calls": calls,
                    "lines": len(lines), "lines_hit": sum(1 for c in lines.values() if c),
                    "branches": len(brs), "branches_hit": sum(1 for c in brs if c),
                    "unreached": [{"line": n, "text": text[n - 1].strip()}
                                  for n, c in sorted(lines.items()) if not c]})
        return row

    def lcov(self, srcdir: Path) -> str:
        """The merged counters as an lcov tracefile over copies of the sources."""
        out = []
        for src in self.sources:
            path = srcdir / src
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.cover / src, path)
            out += ["TN:", "SF:%s" % path]
            fns = self.functions.get(src, {})
            for name, (first, _, _) in sorted(fns.items(), key=lambda kv: kv[1][0]):
                out.append("FN:%d,%s" % (first, name))
            for name, (_, _, calls) in sorted(fns.items()):
                out.append("FNDA:%d,%s" % (calls, name))
            out += ["FNF:%d" % len(fns), "FNH:%d" % sum(1 for f in fns.values() if f[2])]
            brs = self.branches.get(src, {})
            for n in sorted(brs):
                out += ["BRDA:%d,0,%d,%d" % (n, i, c) for i, c in enumerate(brs[n])]
            nbr = sum(len(c) for c in brs.values())
            out += ["BRF:%d" % nbr, "BRH:%d" % sum(1 for c in brs.values() for x in c if x)]
            lines = self.lines.get(src, {})
            out += ["DA:%d,%d" % (n, c) for n, c in sorted(lines.items())]
            out += ["LF:%d" % len(lines), "LH:%d" % sum(1 for c in lines.values() if c),
                    "end_of_record"]
        return "\n".join(out) + "\n"


def _boot_logs(run) -> list:
    """(manifest, console log) of every boot: the whole console of a
    capture boot, where both kernels dumped."""
    out = []
    for man in sorted(Path(run.dir).rglob("*.manifest.json")):
        base = str(man)[: -len(".manifest.json")]
        full = Path(base + ".full.log")
        out.append((json.loads(man.read_text()), full if full.is_file() else Path(base + ".log")))
    return out


def _pct(hit: int, total: int) -> str:
    return "%d/%d (%.0f%%)" % (hit, total, 100.0 * hit / total) if total else "-"


def write(run, rows: list) -> list:
    """coverage.md/.json and html/ in the run; failures: a boot without its
    dumps, a damaged dump, a kernel without notes files."""
    failures = []
    kernels: dict = {}
    work = run.dir / "cover-work"
    log = run.dir / "cover.log"
    for man, console in _boot_logs(run):
        meta = man["meta"]
        name = "%s %s" % (man["column"], man["boot"])
        if meta.get("flavour") != "cover":
            continue
        kout = Path(meta["kout"])
        if not (kout / "cover").is_dir():
            failures.append("%s: kernel %s has no gcov notes (not a cover build)" % (name, kout))
            continue
        # one kernel, one build: two builds of one name are two entries
        key = "%s:%s" % (meta["kver"], meta["variant"].split(":")[0])
        if key in kernels and kernels[key].kout != kout:
            key += " (%s)" % kout.name
        cov = kernels.setdefault(key, Coverage(kout))
        text = guest_text(console) if console.is_file() else ""
        found, problems = dumps(text)
        failures += ["%s: %s" % (name, p) for p in problems]
        # a real capture boot dumps each kernel; any other boot its one
        want = {"capture", "first"} if man.get("vm", {}).get("capture") else {"boot"}
        got = {label for label, _ in found}
        failures += ["%s: no gcov dump of the %s kernel" % (name, w) for w in sorted(want - got)]
        for label, tgz in found:
            try:
                failures += ["%s (%s): %s" % (name, label, p)
                             for p in cov.add(tgz, work / "dump", log)]
            except (Refused, tarfile.TarError, EOFError, ValueError) as e:
                failures.append("%s (%s): %s" % (name, label, e))
    shutil.rmtree(work, ignore_errors=True)
    table = _function_table()
    doc = {}
    md = ["## Coverage of the code under test", ""]
    for key in sorted(kernels):
        cov = kernels[key]
        rows_k = [cov.row(spec, what) for spec, what in table]
        doc[key] = {"dumps": cov.dumps, "functions": rows_k}
        md += ["### %s (%d dumps merged)" % (key, cov.dumps), "",
               "| function | lines hit | branches hit | what |", "|---|---|---|---|"]
        for r in rows_k:
            if r.get("absent"):
                md.append("| %s | not in this kernel | - | %s |" % (r["function"], r["what"]))
            else:
                md.append("| %s | %s | %s | %s |" % (
                    r["function"], _pct(r["lines_hit"], r["lines"]),
                    _pct(r["branches_hit"], r["branches"]), r["what"]))
        md += ["", "Lines no boot reached:", ""]
        for r in rows_k:
            for u in r.get("unreached", []):
                md.append("- %s %s:%d `%s`" % (r["function"], r["file"], u["line"], u["text"]))
        md.append("")
        slug = re.sub(r"[^A-Za-z0-9.]+", "-", key).strip("-")
        info = run.dir / "lcov" / ("%s.info" % slug)
        info.parent.mkdir(parents=True, exist_ok=True)
        info.write_text(cov.lcov(run.dir / "cover-src" / slug))
        html = run.dir / "html" / slug
        try:
            run_logged(log, ["genhtml", "--quiet", "--branch-coverage", "--title",
                             "iommu-lockcheck %s" % key, "-o", str(html), str(info)])
        except (Refused, OSError) as e:
            failures.append("genhtml for %s: %s" % (key, e))
    if not kernels:
        failures.append("no cover boot in this run")
    run.write("coverage.md", "\n".join(md) + "\n")
    run.write("coverage.json", doc)
    print("coverage: %s" % (run.dir / "coverage.md"))
    for f in failures:
        print("cover: %s" % f)
    return failures
