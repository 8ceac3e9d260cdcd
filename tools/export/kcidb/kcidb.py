"""One run as a KCIDB v5.3 document (KernelCI's result schema): a checkout
per base kernel and patch set, a build per kernel the run booted, a test
per judged cell with its counters as tests of their own, and make bench's
figures. Everything comes from the run's own directory: its judged rows,
its builds, its consoles; every file it links is under that directory.
kcidb.jq shapes the document; this file gathers and checks."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import jsonschema

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "schema-v5.3.json"


class KcidbError(Exception):
    pass


def settings() -> tuple:
    origin = os.environ.get("KCIDB_ORIGIN") or "iommu_lockcheck"
    if not re.fullmatch(r"[a-z0-9_]+", origin):
        raise KcidbError("KCIDB_ORIGIN=%s is not KCIDB's origin pattern [a-z0-9_]+" % origin)
    base = os.environ.get("KCIDB_URL_BASE", "")
    if base and not re.match(r"https?://.", base):
        raise KcidbError("KCIDB_URL_BASE=%s is not an http:// or https:// URL" % base)
    return origin, base


def _compiler(run_dir: Path, release: str) -> str:
    """The compiler as the kernel says it: "Linux version R (who) (CC, LD) #"."""
    rx = re.compile(r"Linux version %s \([^)]*\) \((.*)\) #" % re.escape(release))
    for log in sorted(run_dir.rglob("*.log")):
        m = rx.search(log.read_text(errors="replace"))
        if m:
            return re.sub(r", GNU ld.*", "", m.group(1))
    return ""


def facts(run_dir: Path, b: dict) -> dict:
    """What the checkout and build of one of the run's builds are; its
    patches and .config copied under the run (published with it)."""
    files = run_dir / "kcidb-files"
    # KCIDB's patchset hash: sha256 over the newline-terminated sha256 of
    # each patch, in order ("" for none)
    sums = "".join(hashlib.sha256(Path(p).read_bytes()).hexdigest() + "\n" for p in b["patches"])
    phash = hashlib.sha256(sums.encode()).hexdigest() if sums else ""
    patches = []
    for p in b["patches"]:
        dst = files / "patches" / phash / Path(p).name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
        patches.append(str(dst))
    config = files / "config" / ("%s%s.config" % (Path(b["kout"]).name,
                                                  "-" + b["flavour"] if b["flavour"] else ""))
    config.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(b["config"], config)
    iommu = b["column"].rsplit(":", 1)[1] if b["column"].endswith((":vtd", ":amd")) else "fake"
    return {"column": b["column"], "kver": b["kver"], "variant": b["variant"], "iommu": iommu,
            "kout": b["kout"], "flavour": b["flavour"], "dir": "", "package": b["package"],
            "version": b["version"], "git": b["git"], "patchset_hash": phash,
            "patches": patches, "config": str(config),
            "compiler": _compiler(run_dir, b["release"]), "release": b["release"],
            "bzimage_sha256": b["bzimage_sha256"], "modules_sha256": b["modules_sha256"]}


def document(run_dir: Path, run_name: str, rows: list, builds: list, bench: list,
             bench_failures: str, start: int) -> dict:
    origin, base = settings()
    seen, cols = set(), []
    for b in builds:
        if (b["kout"], b["flavour"]) not in seen:
            seen.add((b["kout"], b["flavour"]))
            cols.append(facts(run_dir, b))
    rows = [dict(r, run=run_name) for r in rows]
    # in files, not arguments: a matrix's rows outgrow the argument list
    with tempfile.TemporaryDirectory() as t:
        args = []
        for name, data in (("rows", rows), ("columns", cols), ("bench", bench)):
            Path(t, name).write_text(json.dumps(data))
            args += ["--slurpfile", name, str(Path(t, name))]
        p = subprocess.run(
            ["jq", "-n", "-L", str(HERE)] + args +
            ["--arg", "bench_failures", bench_failures, "--arg", "origin", origin,
             "--arg", "results", str(run_dir), "--arg", "urlbase", base,
             "--argjson", "start", str(start),
             'include "kcidb"; kcidb($rows[0]; $columns[0]; $bench[0]; $bench_failures; '
             '$origin; $results; $urlbase; $start)'],
            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise KcidbError("kcidb.jq: %s" % p.stderr.strip()[-300:])
    return json.loads(p.stdout)


def check(doc: dict) -> list:
    """Schema (Draft 7, as kcidb-io validates, with its format checker) and
    the links a KCIDB database checks on ingestion: unique ids, every
    build's checkout and every test's build present, ids in their origin."""
    schema = json.loads(SCHEMA.read_text())
    v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    out = []
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))[:50]:
        where = "/".join(str(x) for x in e.absolute_path) or "(top)"
        out.append("kcidb schema: %s: %s" % (where, e.message[:300]))
    objs = {k: doc.get(k) or [] for k in ("checkouts", "builds", "tests")}
    for kind, items in objs.items():
        ids = [o["id"] for o in items]
        out += ["kcidb links: duplicate %s id %s" % (kind[:-1], i)
                for i in sorted({i for i in ids if ids.count(i) > 1})]
    checkouts = {c["id"] for c in objs["checkouts"]}
    builds = {b["id"] for b in objs["builds"]}
    out += ["kcidb links: build %s: checkout %s is not in the document"
            % (b["id"], b["checkout_id"])
            for b in objs["builds"] if b["checkout_id"] not in checkouts]
    out += ["kcidb links: test %s: build %s is not in the document" % (t["id"], t["build_id"])
            for t in objs["tests"] if t["build_id"] not in builds]
    out += ["kcidb links: %s: id is not in origin %s" % (o["id"], o["origin"])
            for items in objs.values() for o in items if not o["id"].startswith(o["origin"] + ":")]
    return out


def export(run, rows: list) -> Path:
    """RUN/kcidb.json, checked; the run's failed cells included."""
    d = Path(run.dir)
    bench = json.loads((d / "bench.json").read_text()) if (d / "bench.json").is_file() else []
    bfail = (d / "bench.failures").read_text() if (d / "bench.failures").is_file() else ""
    start = int(os.environ.get("LC_START", "0").split(".")[0] or 0)
    doc = document(d, run.name, rows, json.loads((d / "builds.json").read_text()), bench,
                   bfail, start)
    problems = check(doc)
    if problems:
        raise KcidbError("%s fails its check: %s" % (d / "kcidb.json", "; ".join(problems[:5])))
    out = run.write("kcidb.json", doc)
    print("kcidb: %s (%d checkouts, %d builds, %d tests, KCIDB v5.3)" % (
        out, len(doc["checkouts"]), len(doc["builds"]), len(doc["tests"])))
    return out


def main(argv: list) -> int:
    """kcidb.py write RUN_DIR | kcidb.py check FILE: the export and its check
    on their own (tests; a run's own export is the engine's)."""
    import sys
    try:
        if len(argv) == 2 and argv[0] == "check":
            try:
                doc = json.loads(Path(argv[1]).read_text())
            except (OSError, ValueError) as e:
                raise KcidbError("kcidb check: %s is not a JSON document (%s)" % (argv[1], e))
            problems = check(doc)
            print("\n".join(problems))
            return 1 if problems else 0
        if len(argv) == 2 and argv[0] == "write":

            class _Run:
                dir = Path(argv[1]).resolve()
                name = "t"

                def write(self, rel, data):
                    p = self.dir / rel
                    p.write_text(json.dumps(data, indent=1) + "\n")
                    return p
            r = _Run()
            export(r, json.loads((r.dir / "judged.json").read_text()))
            return 0
        raise KcidbError("usage: kcidb.py write RUN_DIR | kcidb.py check FILE")
    except KcidbError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
