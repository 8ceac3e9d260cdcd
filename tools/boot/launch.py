"""The one boot primitive: a kernel, an initramfs and a step script run in
QEMU, the serial console kept, and how it ended written as a typed outcome.
A real kdump boot (capture) crashes a first kernel into the same kernel
and keeps the capture kernel's part of the console. Never fails because
the guest did: the outcome says what happened, the judge decides."""

import gzip
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from engine.model import VM, Outcome
from record.console import SPLATSCAN
from engine.util import BUILD, Refused

MACHINES = {"vtd": "intel-iommu", "amd": "amd-iommu"}
# PCIe with ATS needs a PCIe port (on the root bus virtio is conventional
# PCI) and a modern-only device; the harness binds it (harness/ats.c).
ATS_PORT = ["-device", "pcie-root-port,id=hr_ats_port,chassis=1"]
ATS_FN = "virtio-rng-pci,bus=hr_ats_port,disable-legacy=on,ats=on"
ATS_DEVICE = ATS_PORT + ["-device", ATS_FN]
# Two edu functions of one slot on the root bus: a multi-function device
# without ACS, so the kernel puts both in one IOMMU group (pci_device_group());
# each keeps its own requester ID and context entry. Both carry the header's
# multi-function bit: a rescan adds function 1 alone, and the kernel groups
# it before pci_scan_slot() marks it multi-function from function 0's.
EDU = "edu,dma_mask=0xffffffff"
EDU_GROUP = ["-device", EDU + ",addr=0x5.0,multifunction=on",
             "-device", EDU + ",addr=0x5.1,multifunction=on"]
# The same for the ATS device: two functions of the one device below its port.
ATS_GROUP = ATS_PORT + ["-device", ATS_FN + ",addr=0x0.0,multifunction=on",
                        "-device", ATS_FN + ",addr=0x0.1,multifunction=on"]
CONSOLE = "console=ttyS0 panic=-1 loglevel=7"
# is_kdump_kernel() only asks whether an address was given; this one is
# outside the guest's RAM so vmcore_init() reads nothing that matters.
ELFCOREHDR = "elfcorehdr=0x80000000"


def validate(vm: VM) -> None:
    """Every VM setting a person can give, named when it is wrong."""
    if vm.timeout <= 0:
        raise Refused("VM_TIMEOUT=%s is not a number of seconds" % vm.timeout)
    if not 1 <= vm.smp <= 8:
        raise Refused("VM_SMP=%s must be 1 to 8 vCPUs" % vm.smp)
    if vm.icount and vm.kvm:
        raise Refused("VM_KVM=1 and VM_ICOUNT=1 exclude each other")
    if vm.iommu not in ("fake",) + tuple(MACHINES):
        raise Refused("VM_IOMMU=%s must be fake, vtd or amd" % vm.iommu)
    if vm.iommu != "fake" and not 1 <= vm.edu <= 4:
        raise Refused("VM_EDU=%s must be 1 to 4 edu devices" % vm.edu)
    if vm.ats and vm.iommu != "vtd":
        raise Refused("an ATS device needs VM_IOMMU=vtd (QEMU's intel-iommu device-iotlb=on)")
    if vm.sm and vm.iommu != "vtd":
        raise Refused("scalable mode needs VM_IOMMU=vtd (QEMU's intel-iommu x-scalable-mode=on)")
    if vm.group and vm.iommu == "fake":
        raise Refused("a shared group of edu functions needs a real IOMMU (VM_IOMMU=vtd or amd)")
    if vm.group and vm.edu != 1:
        raise Refused("VM_EDU=%s: a shared group brings its own two edu functions" % vm.edu)


def intel_iommu(sm: bool) -> str:
    """VT-d on, in scalable mode where QEMU's is (Debian's configs leave
    INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON off)."""
    return "intel_iommu=on,sm_on" if sm else "intel_iommu=on"


def accelerator(vm: VM) -> str:
    """What the record and KCIDB say ran the guest."""
    return "kvm" if vm.kvm else ("tcg-icount" if vm.icount else "tcg")


def qemu_options(vm: VM) -> tuple:
    """(accelerator and size options, machine options, kernel command line)."""
    if vm.kvm:
        accel = ["-accel", "kvm", "-cpu", "host"]
    elif vm.icount:
        # a guest nanosecond is one guest instruction; idle time jumps to the
        # next timer instead of following the host's clock; one vCPU thread
        accel = ["-accel", "tcg,thread=single", "-icount", "shift=0,sleep=off", "-cpu", "max"]
    else:
        accel = ["-accel", "tcg,thread=multi", "-cpu", "max"]
    common = accel + ["-smp", str(vm.smp), "-m", "1G", "-no-reboot"]
    machine = []
    if vm.iommu in MACHINES:
        # the IOMMU listed before the PCI devices it translates
        iommu = (MACHINES[vm.iommu] + (",device-iotlb=on" if vm.ats else "")
                 + (",x-scalable-mode=on" if vm.sm else ""))
        machine = ["-machine", "q35", "-device", iommu, "-nic", "none"]
        # edu's engine reaches 32 bits, all of the guest's 1 GiB: the
        # harness's DMA mask stays at QEMU's default 28 where it can (edu.c),
        # and blocked_dma_pt aims the engine at any page of the capture kernel
        # a scenario's group is the ATS device's where it needs ATS, else edu's
        machine += EDU_GROUP if vm.group and not vm.ats else ["-device", EDU] * vm.edu
        if vm.ats:
            machine += ATS_GROUP if vm.group else ATS_DEVICE
    append = "%s %s" % (CONSOLE, vm.append)
    if vm.iommu == "vtd":
        append += " " + intel_iommu(vm.sm)
    if vm.kdump:
        append += " " + ELFCOREHDR
    return common, machine, append


def steps_archive(steps: str) -> bytes:
    """The steps as /steps in a second initramfs archive (the kernel unpacks
    both): newc cpio written here, gzip'ed."""
    data = steps.encode()
    out = io.BytesIO()

    def entry(name: str, mode: int, body: bytes, ino: int) -> None:
        fields = [ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(name) + 1, 0]
        out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        out.write(name.encode() + b"\0")
        out.write(b"\0" * ((4 - out.tell() % 4) % 4))
        out.write(body)
        out.write(b"\0" * ((4 - out.tell() % 4) % 4))

    entry("steps", 0o100644, data, 1)
    entry("TRAILER!!!", 0, b"", 0)
    return gzip.compress(out.getvalue(), compresslevel=1)


def console_end(log: Path, expect_panic: bool) -> tuple:
    """How a guest whose QEMU ended well ended badly after all:
    (status, message), or ("ok", "") when it ran its steps to the end."""
    text = log.read_text(errors="replace") if log.exists() else ""
    lines = text.replace("\r", "").splitlines()
    if not expect_panic:
        for ln in lines:
            if "Kernel panic - not syncing" in ln:
                why = ln.split("Kernel panic - not syncing", 1)[1].lstrip(":").lstrip()
                return "panic", "guest panicked: " + why
        for ln in lines:
            if any(m in ln for m in ("Oops:", "general protection fault",
                                     "BUG: kernel NULL pointer dereference",
                                     "BUG: unable to handle")):
                body = ln.split("] ", 1)[1] if ln.startswith("[") and "] " in ln else ln
                return "oops", "guest oopsed: " + body.lstrip()
    if "@@lockcheck: done" not in text:
        return "incomplete", "guest stopped before the end of its steps"
    return "ok", ""


def died_before_init(log: Path, outcome: Outcome | None = None) -> bool:
    """Multi-threaded TCG's artefacts before the guest's init ran: an
    "Oops: int3" (a vCPU shown a breakpoint that text patching already
    removed), or a hang (one first kernel of 95 boots of make cover stopped
    at 1.0 s, after "PCI: Using ACPI for IRQ routing", until killed; 94
    others of that kernel went on). Nothing of ours ran; such a boot is
    booted once more, and the record says so. A kernel that hangs there
    every time still fails."""
    text = log.read_text(errors="replace") if log.exists() else ""
    if "@@lockcheck: boot" in text:
        return False
    return "Oops: int3" in text or (outcome is not None and outcome.kind == "timeout")


def qemu_crashed(outcome: Outcome, log: Path) -> bool:
    """QEMU itself died of a signal (our timeout's kill is a hang, not
    this) and the console up to then holds no kernel report: QEMU 7.2
    segfaulted once in about 140 boots that remove, rescan and reset the
    ATS device behind intel-iommu device-iotlb=on hundreds of times (make
    reset, 2026-12-03). The emulator's bug, not the guest's: such a boot
    is booted once more, and the record says so. A report before the
    crash (splatscan decides; it exits 0 on none) is the cell's to judge,
    never booted away."""
    if outcome.kind != "qemu-error" or (outcome.qemu_rc or 0) >= 0:
        return False
    return subprocess.run([str(SPLATSCAN), "--json", str(log)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def capture_part(full: Path) -> str:
    """The capture kernel's part of a kdump console: the second "Linux
    version" on, without carriage returns."""
    out, n = [], 0
    for ln in full.read_text(errors="replace").replace("\r", "").splitlines():
        if "Linux version" in ln:
            n += 1
        if n >= 2:
            out.append(ln)
    return "".join(x + "\n" for x in out)


def _qemu(vm: VM, bzimage: str, initrd: Path, log: Path, expect_panic: bool) -> Outcome:
    common, machine, append = qemu_options(vm)
    cmd = (["qemu-system-x86_64"] + common + machine
           + ["-kernel", bzimage, "-initrd", str(initrd), "-append", append,
              "-display", "none", "-monitor", "none", "-serial", "file:%s" % log])
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=vm.timeout)
    except subprocess.TimeoutExpired:
        return Outcome("hang", "guest hung: killed after %ds; console log %s" % (vm.timeout, log),
                       "timeout")
    if not log.exists():
        log.write_text("")
    if p.returncode != 0:
        out = p.stdout.decode(errors="replace")[:300]
        return Outcome("error", "qemu exited with status %d: %s; console log %s"
                       % (p.returncode, out, log), "qemu-error", p.returncode)
    status, why = console_end(log, expect_panic)
    if status != "ok":
        return Outcome(status, "%s; console log %s" % (why, log), status, 0)
    rc = re.findall(r"@@lockcheck: done rc=([0-9]+)", log.read_text(errors="replace"))
    return Outcome("ok", "", "exit", 0, guest_rc=int(rc[-1]) if rc else None)


def _first_kernel_image(initrd: str, modules: str, bzimage: str, steps: str, tmp: Path) -> Path:
    """A capture boot's first initramfs: kexec, the kernel and the capture
    kernel's initramfs (the base image plus the steps), and the steps."""
    kexec = shutil.which("kexec") or "/usr/sbin/kexec"
    if not os.access(kexec, os.X_OK):
        raise Refused("kexec not found (apt-get install kexec-tools)")
    cap = tmp / "capture.img"
    with open(cap, "wb") as f:
        f.write(Path(initrd).read_bytes())
        f.write(steps_archive(steps))
    first = tmp / "first.img"
    env = dict(os.environ, INITRAMFS_EXTRA=kexec, INITRAMFS_BOOT="%s %s" % (bzimage, cap))
    p = subprocess.run(["sh", str(BUILD / "initramfs.sh"), str(first), modules],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise Refused("the first kernel's initramfs: %s" % p.stdout.strip().splitlines()[-1:])
    # the first kernel runs the same steps: they load the capture kernel
    with open(first, "ab") as f:
        f.write(steps_archive(steps))
    return first


def boot(vm: VM, bzimage: str, initrd: str, modules: str, steps: str, out: Path) -> Outcome:
    """Boot STEPS; OUT.log is the console the record reads (a capture boot:
    the capture kernel's part, the whole in OUT.full.log)."""
    validate(vm)
    log = Path(str(out) + ".log")
    for suffix in (".log", ".early.log", ".full.log"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        if vm.capture:
            image = _first_kernel_image(initrd, modules, bzimage, steps, tmp)
            run_vm = VM(**dict(vars(vm), kdump=False,
                               append=(vm.append + " crashkernel=384M").strip()))
        else:
            image = tmp / "initrd"
            with open(image, "wb") as f:
                f.write(Path(initrd).read_bytes())
                f.write(steps_archive(steps))
            run_vm = vm
        outcome = _qemu(run_vm, bzimage, image, log, vm.capture)
        again = ("before init" if outcome.status != "ok" and died_before_init(log, outcome)
                 else "with QEMU (a signal)" if qemu_crashed(outcome, log) else "")
        if again:
            early = Path(str(out) + ".early.log")
            os.replace(log, early)
            why = outcome.message
            outcome = _qemu(run_vm, bzimage, image, log, vm.capture)
            outcome.retried = "%s: %s (log %s)" % (again, why, early)
    if vm.capture:
        full = Path(str(out) + ".full.log")
        os.replace(log, full)
        part = capture_part(full)
        log.write_text(part)
        if "@@lockcheck: boot" not in part and outcome.status == "ok":
            outcome = Outcome("incomplete", "the capture kernel never ran the steps",
                              "no-capture", outcome.qemu_rc, outcome.retried)
    return outcome


def quoted(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def describe(vm: VM, bzimage: str, initrd: str, modules: str, steps: str, out: Path) -> None:
    """The boot described for another runner (a LAVA job) instead of booted:
    OUT/bzImage, OUT/initrd.cpio.gz (the steps in it) and OUT/boot.env."""
    validate(vm)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        if vm.capture:
            image = _first_kernel_image(initrd, modules, bzimage, steps, Path(t))
            vm = VM(**dict(vars(vm), kdump=False, append=(vm.append + " crashkernel=384M").strip()))
            shutil.copyfile(image, out / "initrd.cpio.gz")
        else:
            with open(out / "initrd.cpio.gz", "wb") as f:
                f.write(Path(initrd).read_bytes())
                f.write(steps_archive(steps))
    try:
        os.link(bzimage, out / "bzImage")
    except OSError:
        shutil.copyfile(bzimage, out / "bzImage")
    common, machine, append = qemu_options(vm)
    (out / "boot.env").write_text(
        "QEMU_COMMON=%s\nQEMU_MACHINE=%s\nAPPEND=%s\nTIMEOUT=%d\nEXPECT_PANIC=%d\nCAPTURE=%d\n"
        % (quoted(" ".join(common)), quoted(" ".join(machine)), quoted(append), vm.timeout,
           int(vm.capture), int(vm.capture)))
