"""A boot as a LAVA job, and a LAVA job's log back into a console and an
outcome, so a lab's run is recorded and judged as the project's own boots
are. job.sh writes the job (from the boot the launcher described in
OUT/boot.env); run-local.sh runs it with Debian's lava-dispatcher here."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from boot.launch import capture_part, console_end, died_before_init, quoted
from engine.model import Outcome
from engine.util import Refused, cache_root, stage

HERE = Path(__file__).resolve().parent


def _sh(script: str, *args) -> None:
    p = subprocess.run(["sh", str(HERE / script)] + [str(a) for a in args], text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        err = [ln[7:] for ln in p.stderr.splitlines() if ln.startswith("error: ")]
        raise Refused(err[-1] if err else "%s failed (exit %d)" % (script, p.returncode))


def write_job(out: Path, name: str, meta: dict) -> None:
    """OUT/job.yaml for the boot described in OUT (tools/boot/launch.py)."""
    with open(out / "boot.env", "a") as f:
        f.write("NAME=%s\nMETA=%s\n" % (quoted(name), quoted(json.dumps(meta))))
    _sh("job.sh", out)


def ensure_dispatcher() -> None:
    """Debian's lava-dispatcher, installed (as root) when it is missing."""
    if shutil.which("lava-run"):
        return
    if os.getuid() != 0:
        raise Refused("lava-dispatcher is not installed; run: sudo apt-get install "
                      "--no-install-recommends lava-dispatcher")
    stage("installing Debian's lava-dispatcher")
    log = cache_root() / "log" / "lava-install.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(log, "w") as f:
        ok = all(subprocess.run(cmd, stdout=f, stderr=f, env=env).returncode == 0 for cmd in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "lava-dispatcher"]))
    if not ok:
        raise Refused("apt-get install lava-dispatcher failed; log %s" % log)


def run_local(out: Path) -> None:
    """Run OUT's job with lava-run; as the project's own boots do, a kernel
    that died before init (TCG's int3) runs once more, the first log kept."""
    _sh("run-local.sh", out)
    early = Path(str(out) + ".early.log")
    console, _ = read_log(out / "lava" / "output.log")
    tmp = Path(str(out) + ".first.log")
    tmp.write_text(console)
    if died_before_init(tmp):
        stage("lava-run again: the kernel died before init (Oops: int3)")
        shutil.rmtree(Path(str(out)) / "lava.early", ignore_errors=True)
        os.replace(out / "lava", out / "lava.early")
        os.replace(tmp, early)
        _sh("run-local.sh", out)
    else:
        tmp.unlink()


def read_log(path: Path) -> tuple:
    """(console, job): the serial console from a LAVA log's "target" lines
    (and "feedback" after the monitor's end, up to LAVA's own input), and
    the job's result line ({case: job, definition: lava}) with the boot
    command. One YAML flow mapping a line ("- " before it as a lab serves
    output.yaml)."""
    console, out, job, boot = True, [], None, ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            raw = raw[2:] if raw.startswith("- ") else raw
            if not raw.startswith("{"):
                continue
            rec = yaml.load(raw, Loader=yaml.CSafeLoader)
            lvl, msg = rec.get("lvl"), rec.get("msg")
            if lvl == "input":
                console = False
            elif console and lvl in ("target", "feedback") and isinstance(msg, str):
                out.append(msg + "\n")
            elif isinstance(msg, str) and msg.startswith("Boot command: "):
                boot = msg[len("Boot command: "):]
            elif lvl == "results" and isinstance(msg, dict) and msg.get("definition") == "lava" \
                    and msg.get("case") == "job":
                job = msg
    return "".join(out), {"job": job, "boot": " %s " % boot.replace("-m 1024 ", "-m 1G ")}


def _env(path: Path) -> dict:
    """boot.env as the shell reads it (single-quoted values)."""
    out = subprocess.run(["sh", "-c", 'set -a && . "$1" && env -0', "sh", str(path)], env={},
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    return dict(x.split("=", 1) for x in out.split("\0") if "=" in x)


def record_log(out: Path) -> Outcome:
    """OUT.log (a capture cell: its capture kernel's part, the whole in
    OUT.full.log) and OUT.outcome.json from the LAVA log in OUT/lava/."""
    benv = _env(out / "boot.env")
    log = next((p for p in (out / "lava" / "output.log", out / "lava" / "output.yaml")
                if p.is_file()), None)
    if log is None:
        raise Refused("lava record: no LAVA log in %s (output.log or output.yaml)" % (out / "lava"))
    console, info = read_log(log)
    cap = benv.get("CAPTURE") == "1"
    dst = Path(str(out) + ".log")
    if cap:
        full = Path(str(out) + ".full.log")
        full.write_text(console)
        dst.write_text(capture_part(full))
    else:
        dst.write_text(console)
    # how the boot ended: LAVA's verdict on the job, then the console's
    why = ""
    result = out / "lava" / "result.yaml"
    if result.is_file():
        r = yaml.safe_load(result.read_text()) or {}
        if r.get("result") != "pass":
            why = "LAVA job incomplete: %s" % (r.get("error_msg") or "")
    elif info["job"] is None:
        why = "LAVA's log has no job result: the job did not finish"
    elif info["job"].get("result") != "pass":
        why = "LAVA job incomplete: %s" % (info["job"].get("error_msg")
                                           or info["job"].get("result"))
    # the VM must be the cell's: every QEMU option the launcher gives it (a
    # lab's template may add its own, such as a NIC, but not change these)
    opts = benv.get("QEMU_COMMON", "").replace(" -", "\n-").splitlines()
    if benv.get("QEMU_MACHINE"):
        opts.append(benv["QEMU_MACHINE"])
    for opt in opts:
        if not why and " %s " % opt not in info["boot"]:
            why = "LAVA's QEMU is not the cell's VM: no '%s' in its boot command:%s" % (
                opt, info["boot"].rstrip() or " none logged")
    status = "error" if why else "ok"
    if not why:
        status, why = console_end(dst, benv.get("EXPECT_PANIC") == "1")
    if cap and status == "ok" and "@@lockcheck: boot" not in dst.read_text():
        status, why = "incomplete", "the capture kernel never ran the steps"
    retried = ""
    if Path(str(out) + ".early.log").is_file():
        retried = "before init: LAVA (log %s.early.log)" % out
    o = Outcome(status, why, "lava" if status == "ok" else "lava-" + status, None, retried)
    Path(str(out) + ".outcome.json").write_text(json.dumps(o.to_json(), indent=1) + "\n")
    return o
