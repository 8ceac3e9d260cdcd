"""The guest's step scripts, one function per kind of boot. Each returns the
script (busybox sh; helpers in tools/guest/lib.sh) and the scenario lines it
runs, in order: what a boot asked for is known here, never read back out of
the script."""

from typing import NamedTuple

from engine.util import Refused

_WATCH = {"vtd": "intel_iommu_attach_device", "amd": "amd_iommu_attach_device"}


def _check_line(line: str) -> None:
    if '"' in line:
        raise Refused("a scenario line must not contain '\"': %s" % line)


# The scenarios whose rounds need a PCIe device with ATS (harness/ats.c):
# on vtd their boots get one (VM.ats) and the harness binds it.
_ATS = frozenset({"reset_vs_probe_map", "reset_vs_open_map", "reset_hold_map",
                  "reset_hold_claim", "reset_hold_attach", "reset_hold_nested",
                  "reset_hold_release", "reset_hold_detach", "reset_hold_sibling",
                  "reset_hold_first", "reset_in_probe"})


def needs_ats(line: str) -> bool:
    return line.split(" ")[0] in _ATS


# The scenarios with a second device in the round's group: on a real IOMMU
# their boots get two functions of one device in one group (VM.group): edu's,
# or the ATS device's for a scenario that needs ATS.
_GROUP = frozenset({"group_first_maps", "sibling_map_vs_attach", "reset_hold_sibling"})


def needs_group(line: str) -> bool:
    return line.split(" ")[0] in _GROUP


class Isolation(NamedTuple):
    """How a line boots where it differs: blocked_dma's cases
    (harness/isolation.c), and reset_hold's first-kernel case."""
    capture: bool = True      # the claim in a capture kernel (edu_plant, then the crash)
    first_append: str = ""    # the first kernel's command line adds (iommu=pt: edu 1:1)
    sm: bool = False          # VT-d in scalable mode, both kernels


_ISOLATION = {
    "blocked_dma": Isolation(),
    "blocked_dma_pt": Isolation(first_append="iommu=pt"),
    "blocked_dma_redefer": Isolation(),
    "blocked_dma_first": Isolation(capture=False),
    "blocked_dma_first_pt": Isolation(capture=False, first_append="iommu=pt"),
    "blocked_dma_sm": Isolation(sm=True),
    "blocked_dma_pt_sm": Isolation(first_append="iommu=pt", sm=True),
    "reset_hold_first": Isolation(capture=False),
}


def _plants(line: str) -> bool:
    """blocked_dma's cases plant edu's pages in the first kernel."""
    return line.startswith("blocked_dma")


def isolation(line: str) -> Isolation:
    """The line's case, or how every other line boots."""
    return _ISOLATION.get(line.split(" ")[0], Isolation())


def _header(iommu: str, line: str = "") -> str:
    s = ". /lib/lockcheck/lib.sh\n"
    if iommu in _WATCH:
        # fake_iommu checks the real driver's attach_dev through a kprobe
        # that must fire through int3 (fake_iommu/watch.c); the harness's
        # rounds use QEMU's edu devices, or the ATS device.
        s += ("FI_ARGS=watch=%s\nHR_ARGS=devices=%s\n"
              "echo 0 > /proc/sys/debug/kprobes-optimization || "
              'fail kprobes "cannot turn kprobe optimisation off"\n'
              % (_WATCH[iommu], "ats" if needs_ats(line) and iommu == "vtd" else "edu"))
    elif iommu != "fake":
        raise Refused("IOMMU %s is not fake, vtd or amd" % iommu)
    return s


_END = "exit $failures\n"
# what a scenario needs set up in the guest before it runs
_PREP = {"fault_sweep": "fault_filters && ", "attach_fault_sweep": "fault_filters && "}


def _prep(line: str) -> str:
    sm = "scalable_mode && " if isolation(line).sm else ""
    return sm + _PREP.get(line.split(" ")[0], "")


def _gcov(dump: bool, label: str, indent: str = "") -> str:
    """FLAVOUR=cover: the kernel's gcov counters into the log (make cover)."""
    return "%sgcov_dump %s\n" % (indent, label) if dump else ""


def scenario(line: str, knobs: dict, iommu: str = "fake", gcov: bool = False):
    """Load, set fake_iommu's knobs, run LINE, unload."""
    _check_line(line)
    kv = "".join(" %s=%s" % (k, v) for k, v in knobs.items())
    return (_header(iommu) + 'up && knobs%s && %sscenario "%s"\ndown\n'
            % (kv, _prep(line), line) + _gcov(gcov, "boot") + _END, [line])


def sanitize(line: str, iommu: str = "fake"):
    """The same with kmemleak scans before and after the unload."""
    _check_line(line)
    return (_header(iommu) + 'up && %sscenario "%s"\nkmemleak_scan\ndown\nkmemleak_scan\n'
            % (_prep(line), line) + _END, [line])


_PLANT = """planted() {
\t{ up && wr $HR/trigger "edu_plant"; } >/dev/kmsg 2>&1 || return 0
\twhile grep -q '^# running' $HR/results; do sleep 0.2; done
\tshow <$HR/results >/dev/kmsg
\tgrep -q '^ok 1 edu_plant' $HR/results || return 0
\tfor p in planted_iova planted_phys; do
\t\tprintf ' lockcheck.%s=%s' $p "$(cat /sys/module/harness/parameters/$p)"
\tdone
}
planted_args() {
\tfor p in planted_iova planted_phys; do
\t\tv=$(tr ' ' '\\n' </proc/cmdline | sed -n "s/^lockcheck\\.$p=//p")
\t\t[ -z "$v" ] || printf ' %s=%s' $p "$v"
\tdone
}
"""


def capture(line: str, kexec_append: str, iommu: str = "fake", gcov: bool = False):
    """First kernel: kexec -p and a crash on the boot CPU; the capture kernel
    runs LINE. blocked_dma: the first kernel runs edu_plant and passes the
    planted pages on the capture kernel's command line (a failed plant
    passes nothing, and blocked_dma says so). GCOV: each kernel's counters
    into the log before it ends."""
    _check_line(line)
    s = _header(iommu, line)
    planted = ""
    if _plants(line):
        s += _PLANT
        planted = "$(planted)"
    s += ("if [ -e /proc/vmcore ]; then\n"
          '\techo "@@lockcheck: capture kernel"\n'
          '\t%sup && %sscenario "%s"\n'
          "\tdown\n"
          "%s"
          "\texit $failures\n"
          "fi\n"
          'kexec -p /boot/bzImage --initrd=/boot/capture.img --append="%s%s" ||\n'
          '\t{ fail kexec "kexec -p failed"; exit 1; }\n'
          "%s"
          "# Crash on the boot CPU: a capture kernel started elsewhere will not\n"
          "# send INIT to the boot CPU, so it would come up with one CPU only.\n"
          'taskset 1 sh -c "echo c > /proc/sysrq-trigger"\n'
          % ('HR_ARGS="${HR_ARGS:-}$(planted_args)" ' if planted else "", _prep(line), line,
             _gcov(gcov, "capture", "\t"), kexec_append, planted, _gcov(gcov, "first")))
    return s + _END, [line]


def first_kernel(line: str, iommu: str, gcov: bool = False):
    """A case in the first kernel, no crash: LINE (blocked_dma's after
    edu_plant)."""
    _check_line(line)
    start = _PLANT + "planted >/dev/null\n" if _plants(line) else "up && "
    return (_header(iommu, line) + start + 'scenario "%s"\ndown\n'
            % line + _gcov(gcov, "boot") + _END, [line])


def races(line: str, skip_watch: int):
    """KCSAN watching one access in SKIP_WATCH for LINE only."""
    _check_line(line)
    return (_header("fake") + "up || exit 1\necho %d > /sys/module/kcsan/parameters/skip_watch\n"
            'scenario "%s"\ndown\n' % (skip_watch, line) + _END, [line])


_FUZZ_AFTER = "map_vs_map rounds=20"


def fuzz():
    """debugfs_fuzz into every writable file, then a scenario must still pass."""
    return (_header("fake") + """up 2 || exit 1
files=$(find $FI $HR -type f -perm -200 | sort)
echo "@@lockcheck: fuzzing $(echo $files | wc -w) files"
debugfs_fuzz -n 10000 -p 2 $files
echo 1 > $HR/abort
while grep -q '^# running' $HR/results; do sleep 0.2; done
down && pass "both modules unload after fuzzing"
kmemleak_scan
up && scenario "%s"
down
""" % _FUZZ_AFTER + _END, [_FUZZ_AFTER])


_SOAK_WARM = "map_vs_attach rounds=1000 timeout_s=3000 delay_us=100 hold_us=200"
_SOAK = "map_vs_attach rounds=5000 timeout_s=3000 delay_us=100 hold_us=200"


def soak():
    """A warm-up, 5,000 rounds, 100 load/unload cycles, memory back."""
    return (_header("fake") + """# KASAN's quarantine keeps freed memory for a while: the
# baseline is taken after a warm-up, so only growth that goes on (a leak) counts.
up && scenario "%s"
down
free0=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
up && scenario "%s"
down
i=0
while [ $i -lt 100 ]; do
	up 4 && down || break
	i=$((i + 1))
done
expect "100 load/unload cycles" [ $i -eq 100 ]
kmemleak_scan
free1=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
echo "@@lockcheck: MemAvailable before $free0 kB, after $free1 kB"
expect "memory back within 2 MiB" [ $((free0 - free1)) -lt 2048 ]
""" % (_SOAK_WARM, _SOAK) + _END, [_SOAK_WARM, _SOAK])


BENCH_SETS = {
    "off": ["1 attached pair", "1 attached map"],
    "deferred": ["1 attached pair", "1 attached map", "1 atomic pair", "1 atomic map",
                 "1 first map"],
    # and the threads over two devices of one group: its mutex contended
    "threads": ["1 attached pair", "2 attached pair", "4 attached pair", "2 group pair",
                "4 group pair"],
}

_BENCH_SETUP = """up || exit 1
# Nothing printed from the timed paths: a serial console is slow under TCG.
echo 0 > $FI/core_assert
echo 0 > $FI/warn
# A client for the kernel's benchmark: bound through driver_override.
echo 0 > $FI/deferred
echo 1 > $FI/add_clients
c=$(awk 'END {print $2}' $FI/clients)
echo dma_map_benchmark > /sys/bus/platform/devices/$c/driver_override
echo $c > /sys/bus/platform/drivers/dma_map_benchmark/bind
echo 1 > $FI/deferred
db() {
	/bin/dma_map_benchmark -t $1 -s 1 -b 64 | awk -v t=$1 -v r=$2 -F'[:( ]+' \\
		'/average map latency/ {printf "@@bench dma_map_benchmark %s attached %s %d 0\\n", t, r, $5 * 1000}'
}
"""


def bench(iters: int, reps: int, bset: str):
    """The bench scenario, REPS+1 times (repetition 0 warms caches up):
    off (normal boot), deferred (kdump boot: attached, atomic, first) or
    threads (kdump boot: 1, 2, 4 threads mapping, dma_map_benchmark too)."""
    if bset not in BENCH_SETS:
        raise Refused("bench set '%s' is not off, deferred or threads" % bset)
    s = _header("fake") + _BENCH_SETUP
    asked = []
    for rep in range(reps + 1):
        for entry in BENCH_SETS[bset]:
            t, path, op = entry.split()
            rounds = 20 if path == "first" else 1
            line = "bench rounds=%d threads=%s path=%s op=%s iters=%d" % (
                rounds, t, path, op, iters)
            s += 'scenario "%s"\n' % line
            asked.append(line)
            # dma_map_benchmark maps for a second of guest time: under icount
            # a billion instructions a call, so in the contention boots only
            if bset == "threads" and path == "attached" and op == "pair":
                s += "db %s %d\n" % (t, rep)
    return s + _END, asked


def module_test(test: str):
    """One of the modules' own tests in tools/guest/tests (no scenario)."""
    return (". /lib/lockcheck/lib.sh\nload fake_iommu clients=1\nload harness\n"
            ". /lib/lockcheck/tests/%s.sh\nexit $failures\n" % test, [])


def raw(script: str):
    """A script of a test's own (a guest that hangs, one that panics)."""
    return script, []
