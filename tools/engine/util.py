"""What every stage of the host pipeline shares: where things are, progress
lines, errors a person can act on, logged commands, hashes and locks."""

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
TOP = TOOLS.parent
BUILD = TOOLS / "build"

_START = float(os.environ.get("LC_START") or time.time())
os.environ.setdefault("LC_START", str(int(_START)))
_print_lock = threading.Lock()


class Refused(Exception):
    """An input the pipeline cannot use: one line naming the problem."""


def stage(msg: str) -> None:
    """One progress line with the time since the run started."""
    with _print_lock:
        print("[%4ds] %s" % (time.time() - _START, msg), file=sys.stderr, flush=True)


def cache_root() -> Path:
    if os.environ.get("CACHE"):
        return Path(os.environ["CACHE"]).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.environ["HOME"], ".cache")
    return Path(base) / "iommu-lockcheck"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_tree(root: Path) -> str:
    """A directory's content hash: every file's relative name and bytes."""
    h = hashlib.sha256()
    for p in sorted(x for x in root.rglob("*") if x.is_file()):
        h.update(str(p.relative_to(root)).encode() + b"\0")
        h.update(sha256_file(p).encode() + b"\n")
    return h.hexdigest()


def sha256_text(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() + b"\0")
    return h.hexdigest()


def run_logged(log: Path, cmd: list, env: dict | None = None, cwd: Path | None = None) -> str:
    """Run CMD with its stderr appended to LOG; return its stdout. On failure
    show the log's tail and name the log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as err:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                           env=env, cwd=cwd)
    if p.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        for line in tail:
            print("    " + line, file=sys.stderr)
        last = next((ln for ln in reversed(tail) if ln.startswith("error: ")), "")
        raise Refused("%s (exit %d); full log: %s" % (
            last[7:] if last else "'%s' failed" % " ".join(map(str, cmd[:2])),
            p.returncode, log))
    return p.stdout


class Lock:
    """An exclusive lock on a file under the cache, held until release.
    Child scripts (tools/build/lib.sh hold_lock) see it in LC_LOCKS and go
    on under it instead of waiting for themselves."""

    def __init__(self, name: str, what: str):
        self.path = cache_root() / "lock" / name
        self.what = what
        self.fd = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            stage("waiting: another run holds %s (%s)" % (self.what, self.path))
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def env(self, env: dict) -> dict:
        e = dict(env)
        e["LC_LOCKS"] = e.get("LC_LOCKS", "") + ":" + str(self.path)
        return e

    def __exit__(self, *exc):
        os.close(self.fd)
        self.fd = None


def positive(name: str, value: str, limit: int | None = None) -> int:
    """A whole number > 0 from a person: named when it is not one."""
    if not (value.isascii() and value.isdigit()) or value.startswith("0") or \
            (limit and int(value) > limit):
        raise Refused("%s=%s must be a positive number%s" % (
            name, value, " up to %d" % limit if limit else ""))
    return int(value)


# a busy process that ends with its parent, however the parent ends
_BUSY = ("import ctypes, os, signal\n"
         "ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
         "ppid = os.getppid()\n"
         "while os.getppid() == ppid:\n"
         "    pass\n")


@contextlib.contextmanager
def host_load(n: int):
    """N busy processes on the host while the body runs (REPEAT's second
    load): boots that race see other timing than on an idle machine. Each
    dies with this process (PR_SET_PDEATHSIG), also when it is killed."""
    procs = []
    try:
        for _ in range(n):
            procs.append(subprocess.Popen([sys.executable, "-c", _BUSY],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        if procs:
            stage("host load: %d busy processes on %d CPUs" % (n, os.cpu_count() or 0))
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def kvm_works() -> bool:
    """Whether QEMU can run a vCPU under KVM here, not just open /dev/kvm
    (seen: /dev/kvm opens, then the vCPU's reset fails with "failed to set
    MSR 0x10a")."""
    if not os.access("/dev/kvm", os.W_OK):
        return False
    try:
        p = subprocess.run(["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-M", "pc",
                            "-nodefaults", "-display", "none", "-S", "-monitor", "stdio"],
                           input=b"q\n", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return p.returncode == 0
