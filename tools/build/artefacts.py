"""A column becomes bootable files: the kernel (kernel.sh, or stock.sh for
Debian's own), our modules against it (modules.sh) and an initramfs
(initramfs.sh). The build trees are shared and rebuilt in place, so what a
run boots is copied into a content-addressed store in the cache first: a
second checkout sharing the cache can rebuild the trees while this run's
boots are queued, and every record names the hashes of what it booted."""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, asdict
from pathlib import Path

from engine.model import Column
from engine.util import (BUILD, TOOLS, Lock, Refused, cache_root, run_logged, sha256_file,
                         sha256_text, sha256_tree, stage)


@dataclass
class Build:
    """What one column's boots use; paths are in the store, never rebuilt."""
    column: str
    kernel: str               # column without IOMMU
    kver: str
    variant: str
    flavour: str
    image: str                # initramfs name (initramfs, fuzz, bench)
    release: str
    kout: str                 # the kernel's build output in the cache (mutable)
    bzimage: str
    bzimage_sha256: str
    config: str
    modules: str              # a directory of .ko files
    modules_sha256: str
    initrd: str
    initrd_sha256: str
    ktap_parser: str
    patches: list             # patch files in order (variant, dir)
    package: str = ""         # Debian's source or image package
    version: str = ""
    git: str = ""             # a KSRC tree's commit

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def hashes(self) -> dict:
        return {"bzimage": self.bzimage_sha256, "modules": self.modules_sha256,
                "initrd": self.initrd_sha256}


def store_file(src: Path, name: str) -> tuple:
    """SRC copied into the store under its hash; (path, hash)."""
    digest = sha256_file(src)
    dst = cache_root() / "store" / digest[:2] / digest / name
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".tmp%d" % os.getpid())
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    return dst, digest


def store_modules(src: Path) -> tuple:
    """The .ko files of a module build, as one directory in the store."""
    tmp = Path(tempfile.mkdtemp(dir=cache_root()))
    try:
        for ko in sorted(src.rglob("*.ko")):
            shutil.copyfile(ko, tmp / ko.name)
        if not any(tmp.iterdir()):
            raise Refused("the module build in %s left no .ko file" % src)
        digest = sha256_tree(tmp)
        dst = cache_root() / "store" / digest[:2] / digest / "modules"
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dst)
        return dst, digest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _sh(script: str, args: list, env: dict) -> str:
    """A build leaf (tools/build/*.sh): its stdout. Its progress lines pass
    through as they come; its own "error: " line names a failure."""
    p = subprocess.Popen(["sh", str(BUILD / script)] + [str(a) for a in args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    errors = []
    for line in p.stderr:
        if line.startswith("error: "):
            errors.append(line[7:].rstrip("\n"))
        else:
            sys.stderr.write(line)
    out = p.stdout.read()
    if p.wait() != 0:
        raise Refused(errors[-1] if errors else "%s failed (exit %d)" % (script, p.returncode))
    return out.strip()


def conf_line(name: str, kver: str) -> list:
    for line in (BUILD / name).read_text().splitlines():
        f = line.split()
        if f and not line.startswith("#") and f[0] == kver:
            return f
    raise Refused("KVER=%s is not in tools/build/%s" % (kver, name))


def series(pdir: str, kver: str) -> list:
    """The patch files of a patch set, in the order they apply."""
    d = Path(pdir)
    s = d / ("series-" + kver)
    if not s.is_file():
        s = d / "series"
    if not s.is_file():
        raise Refused("patch set %s has no series file" % pdir)
    out = []
    for line in s.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            if not (d / line).is_file():
                raise Refused("series in %s names %s, which does not exist" % (pdir, line))
            out.append(str(d / line))
    return out


def _initrd(mod: Path, name: str, extras: list, env: dict) -> tuple:
    """The initramfs of MOD's modules and EXTRA programs, built once per
    content (an index in the cache maps what went in to its store path)."""
    guest = TOOLS / "guest"
    parts = [sha256_tree(mod), sha256_file(guest / "init"), sha256_file(guest / "lib.sh"),
             sha256_file(BUILD / "initramfs.sh"), sha256_tree(guest / "tests")]
    parts += [e + sha256_file(Path(e)) for e in extras]
    key = sha256_text(*parts)
    index = cache_root() / "store" / "index" / ("initrd-" + key)
    if index.is_file():
        digest = index.read_text().strip()
        path = cache_root() / "store" / digest[:2] / digest / (name + ".cpio.gz")
        if path.is_file():
            return path, digest
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "initrd.cpio.gz"
        e = dict(env, INITRAMFS_EXTRA=" ".join(extras))
        _sh("initramfs.sh", [out, mod], e)
        path, digest = store_file(out, name + ".cpio.gz")
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(digest + "\n")
    return path, digest


def build(col: Column, flavour: str, image: tuple, log_dir: Path) -> Build:
    """Kernel, modules and initramfs of COL, stored. The source tree stays
    locked from the kernel build to the modules built against it: another
    run's variant cannot be patched in between."""
    env = dict(os.environ, CACHE=str(cache_root()))
    for k in ("KSRC", "VARIANT", "PATCHES", "FLAVOUR", "KVER"):
        env.pop(k, None)
    if flavour:
        env["FLAVOUR"] = flavour
    name, extras = image[0], list(image[1:])
    package = version = git = ""
    patches: list = []
    if col.kind == "ksrc":
        tag = "ksrc-" + sha256_text(col.ksrc)[:16]
    elif col.kind == "stock":
        tag = "stock-" + col.kver
    else:
        tag = col.kver
    with Lock("src-" + tag, "the %s source and build trees" % tag) as lock:
        env = lock.env(env)
        if col.kind == "ksrc":
            kout = _sh("kernel.sh", [], dict(env, KSRC=col.ksrc))
            parser = Path(col.ksrc) / "tools/testing/kunit/kunit.py"
            git = subprocess.run(["git", "-C", col.ksrc, "rev-parse", "HEAD"], text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
        elif col.kind == "stock":
            if flavour:
                raise Refused("column %s is Debian's kernel as built: FLAVOUR=%s does not apply"
                              % (col.kernel, flavour))
            kout = _sh("stock.sh", [col.kver], env)
            parser = Path(_sh("fetch-source.sh", [col.kver], env)) / "tools/testing/kunit/kunit.py"
            f = conf_line("stock.conf", col.kver)
            package, version = f[5], f[1]
        else:
            kenv = dict(env, KVER=col.kver)
            if col.kind == "dir":
                kenv["PATCHES"] = col.patches
            else:
                kenv["VARIANT"] = col.variant
            kout = _sh("kernel.sh", [], kenv)
            parser = Path(_sh("fetch-source.sh", [col.kver], env)) / "tools/testing/kunit/kunit.py"
            f = conf_line("kernels.conf", col.kver)
            package, version = f[1], f[2]
            patches = series(col.patches, col.kver)
        kdir = Path(kout)
        mod = Path(_sh("modules.sh", [kdir], env))
        bz, bz_sha = store_file(kdir / "bzImage", "bzImage")
        cfg, _ = store_file(kdir / ".config", "config")
        mods, mods_sha = store_modules(mod)
    release = (kdir / "kernelrelease").read_text().strip()
    stage("initramfs %s for %s" % (name, release))
    initrd, initrd_sha = _initrd(mods, name, extras, env)
    return Build(col.text, col.kernel, col.kver, col.variant, flavour, name, release, kout,
                 str(bz), bz_sha, str(cfg), str(mods), mods_sha, str(initrd), initrd_sha,
                 str(parser), patches, package, version, git)


def static_tool(name: str, src: Path, flags: list) -> Path:
    """A static guest program (debugfs_fuzz, dma_map_benchmark), built once
    per source content into the store."""
    key = sha256_text(sha256_file(src), *flags)
    out = cache_root() / "store" / "tools" / key / name
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        log = cache_root() / "log" / ("%s.log" % name)
        run_logged(log, ["gcc", "-static", "-O2"] + flags + ["-o", str(out) + ".tmp", str(src)])
        os.replace(str(out) + ".tmp", out)
    return out


def dma_map_benchmark(kver: str) -> Path:
    """The kernel's own DMA-map benchmark, static, from the tree under test
    (tools/testing/selftests/dma/ until 6.x, tools/dma/ in 7.x)."""
    env = dict(os.environ, CACHE=str(cache_root()))
    tree = Path(_sh("fetch-source.sh", [kver], env))
    hdr = tree / "include/uapi/linux/map_benchmark.h"
    if not hdr.is_file():
        hdr = tree / "include/linux/map_benchmark.h"
    src = tree / "tools/dma/dma_map_benchmark.c"
    if not src.is_file():
        src = tree / "tools/testing/selftests/dma/dma_map_benchmark.c"
    inc = cache_root() / "store" / "include" / sha256_file(hdr)
    (inc / "linux").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(hdr, inc / "linux" / "map_benchmark.h")
    return static_tool("dma_map_benchmark", src, ["-I%s" % inc])
