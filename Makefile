# iommu-lockcheck: build a lockdep kernel with the IOMMU patch under test,
# boot it in QEMU, run fake_iommu + harness scenarios, print a verdict.
# Every mode is a plan (tools/plan/modes.py) that one engine
# (tools/engine/) builds, boots, records, judges, reports and exports, into
# a directory of its own: results/<run-id>/<mode>/ (results/latest: the last).
#
#   make run      A/B verdict: vanilla vs seed-v3 on Linux 6.12 (default)
#   make matrix   every variant of 6.12 and upstream 7.3, side by side
#   make bench    what the lock costs on the map path, per variant (perf kernels,
#                 instructions per op under QEMU -icount)
#   make sanitize / fuzz / soak / kdump   the harness under stress
#   make races    KCSAN on attach_deferred itself, variant by variant
#   make sweep    fail_nth along the first map and the attach, n = 1, 2, ...
#   make api      the first map through every DMA-API entry (api=; iova on 7.x),
#                 on fake_iommu and on QEMU's VT-d
#   make groups   two devices in one IOMMU group (fake_iommu's, and two edu
#                 functions on QEMU's VT-d): first maps at once, a
#                 sibling's first map while the group is moved
#   make reset    7.x's PCI reset path (pci_dev_reset_iommu_prepare/done) on
#                 a PCIe device with ATS behind VT-d, in a capture kernel
#   make cover    gcov on the files under test: lines and branches each
#                 scenario list reaches, per kernel (coverage.md, html/)
#   make flake    the gate's matrix REPEAT times, idle and under load:
#                 how often each verdict flips by chance (flake.md)
#   make flake-vtd   the same for the vtd set's races and make reset's race
#   make splats   the kernel's own splats: matrix cells with core_assert=1 warn=1
#   make stock    Debian's own 6.12 and 7.3 kernels, no kernel build
#   make vtd      the real VT-d driver: QEMU's intel-iommu in a real kdump
#                 capture kernel, rounds on QEMU's edu device, DMA as oracle
#   make isolation   VT-d's blocking of a device still on a context entry
#                 copied from the crashed kernel, with and without the fix
#   make amd      the same on QEMU's AMD-Vi, with Debian's kernels
#   make lava     each matrix cell as a LAVA job (results/<id>/lava/*/*/job.yaml)
#   make lava-judge RUN=<that run>   a lab ran the jobs: record and judge them
#   make lava-check   one cell through Debian's lava-dispatcher here, compared
#                 with the project's own run of it
#   make judge RUN=results/<id>[/<mode>]   a stored run judged again, no VM
#   make presubmit   the host's own tests: no kernel build, no boot (< 2 min)
#   make check    presubmit, then the gate (what CI runs): one kernel build
#   make full     the gate, then the 7.3 builds and the sanitize flavour
#                 (soak, races, bench, amd and kcsan have their own targets)
#   make shell    boot the VM with the modules and a shell on this terminal
#   make modules KDIR=/lib/modules/$(uname -r)/build   for your own test VM
#
# Variables: KVER (6.12|7.3), VARIANT (a patches/ directory), PATCHES (your
# own series directory), KSRC (your kernel tree), FLAVOUR, CACHE,
# REPEAT (each boot N times: flake.md, how often a verdict flips; HOST_LOAD
# busy host processes meanwhile),
# SCENARIOS, KDUMP (1|0), VM_TIMEOUT (seconds), JOBS (boots at once; each
# guest has 2 vCPUs), RUN_NAME (a run's directory name). A column is
# KVER:VARIANT, KVER:@DIR, KVER:stock or ksrc, with :vtd (or :amd) at the
# end to run on QEMU's VT-d (AMD-Vi). Every judged run also writes its own
# kcidb.json (KCIDB v5.3; KCIDB_ORIGIN, KCIDB_URL_BASE).

KVER ?= 6.12
KDUMP ?= 1
VM_TIMEOUT ?= 300
PY := /usr/bin/python3
LC := $(PY) tools/lockcheck.py
export KVER KSRC VARIANT PATCHES FLAVOUR CACHE KDUMP VM_TIMEOUT SCENARIOS RESULTS JOBS \
	SANITIZE_FLAVOURS STRESS_FLAVOUR RUN_NAME REPEAT HOST_LOAD
# One id for everything this make runs: results/<id>/ holds its runs.
ifndef LC_RUN_ID
LC_RUN_ID := $(shell date -u +%Y%m%dT%H%M%SZ)-$(shell echo $$$$)
endif
export LC_RUN_ID

ifneq ($(KSRC),)
COLUMNS ?= ksrc
else ifneq ($(PATCHES),)
COLUMNS ?= $(KVER):@$(abspath $(PATCHES))
else ifneq ($(VARIANT),)
COLUMNS ?= $(KVER):$(VARIANT)
else
COLUMNS ?= 6.12:vanilla 6.12:seed-v3
endif

MATRIX ?= 6.12:vanilla 6.12:seed-v3 6.12:recheck-under-lock 6.12:detector \
	6.12:double-check 6.12:double-check-warn 7.3:vanilla 7.3:double-check 7.3:double-check-warn
ifneq ($(PATCHES),)
MATRIX += $(KVER):@$(abspath $(PATCHES))
endif
# The variants whose map path differs: vanilla, lock always (seed-v3, and
# recheck-under-lock: the flag tested under the lock on every map), and
# the double check; each on 6.12 and, where it exists, 7.3.
BENCH ?= 6.12:vanilla 6.12:seed-v3 6.12:recheck-under-lock 6.12:double-check \
	7.3:vanilla 7.3:recheck-under-lock 7.3:double-check
STOCK ?= 6.12:stock 7.3:stock
AMD ?= 6.12:stock:amd 7.3:stock:amd
VTD ?= 6.12:vanilla:vtd 6.12:seed-v3:vtd 6.12:double-check:vtd 7.3:vanilla:vtd 7.3:double-check:vtd
API ?= 6.12:vanilla 6.12:seed-v3 7.3:vanilla 7.3:double-check
# the entry only 7.x has (api=iova): make api's columns of other kernels
API_IOVA ?= $(filter-out 6.12:%,$(API))
# make api on QEMU's VT-d in a capture kernel: the patch under test per kernel
API_VTD ?= 6.12:seed-v3:vtd 7.3:vanilla:vtd
API_VTD_IOVA ?= $(filter-out 6.12:%,$(API_VTD))
# make cover: the patch under test on each kernel (7.3 has it merged),
# behind fake_iommu and behind QEMU's VT-d in a real capture kernel
COVER ?= 6.12:seed-v3 7.3:vanilla 6.12:seed-v3:vtd 7.3:vanilla:vtd
# make isolation: VT-d leaves a copied context entry live when it blocks a
# device (docs/reports/vtd-copied-context-blocked.md), and the fix
ISOLATION ?= 6.12:vanilla:vtd 6.12:vtd-block-copied:vtd 7.3:vanilla:vtd 7.3:vtd-block-copied:vtd
# make reset: the reset code exists on 7.x only (6.12 is the skip control);
# upstream is the patch as proposed, double-check-warn the warn-every-time form
RESET ?= 6.12:seed-v3:vtd 7.3:vanilla:vtd 7.3:double-check:vtd 7.3:double-check-warn:vtd \
	7.3:upstream:vtd
# make fix-controls: 7.3.4 with a fix of the reset series reverted, or half
# of one planted back: the cells that guard each fix must fail (patches/*/README)
FIX_CONTROLS ?= 7.3:revert-5474e6e:vtd 7.3:revert-0d5fd7a:vtd 7.3:unblock-control:vtd \
	7.3:group-reset-control:vtd
# and make sweep's VT-d cell on 7.3.4 with 2b33598e666d reverted (the
# root cause docs/reports/attach-failure-drops-deferral.md names)
FIX_CONTROLS_SWEEP ?= 7.3:revert-2b33598:vtd
GROUP_COLUMNS ?= 6.12:vanilla 6.12:seed-v3 6.12:double-check 7.3:vanilla 7.3:double-check
# make groups on QEMU's VT-d: a real group of two edu functions (make full
# leaves 6.12 vanilla out: its sibling race oopses VT-d, docs/findings.md)
GROUP_VTD ?= 6.12:vanilla:vtd 6.12:seed-v3:vtd 6.12:double-check:vtd 7.3:vanilla:vtd \
	7.3:double-check:vtd
# the driver's attach sweep on QEMU's VT-d in a capture kernel, edu's DMA as
# the oracle: 7.x's dropped deferral on the real driver, its fix, the control
SWEEP_VTD ?= 6.12:seed-v3:vtd 7.3:vanilla:vtd 7.3:keep-deferral:vtd
SWEEP ?= 6.12:vanilla 6.12:seed-v3 6.12:double-check 7.3:vanilla 7.3:double-check 7.3:keep-deferral
# make flake: the gate's matrix FLAKE_REPEAT times, on an idle machine and
# under HOST_LOAD busy processes (flake.md in each run)
FLAKE_REPEAT ?= 10
FLAKE_LOAD ?= 2
# make flake-vtd: the same for the vtd set's races and make reset's race (a
# capture boot per cell, so only the timing-dependent cells; idle)
FLAKE_VTD ?= $(VTD)
FLAKE_RESET ?= $(filter 7.3:%,$(RESET))
SPLATS ?= 6.12:vanilla 6.12:seed-v3 6.12:recheck-under-lock 6.12:detector 7.3:vanilla
LAVA_COLUMNS ?= $(MATRIX)
LAVA_CHECK ?= 6.12:seed-v3 6.12:seed-v3:vtd

.PHONY: all deps tools run matrix splats stock vtd isolation amd bench sanitize fuzz soak kdump races sweep api groups reset fix-controls cover flake flake-vtd \
	lava lava-check lava-judge judge presubmit selftest check full shell modules clean distclean

all: tools

deps:
	@sh tools/build/deps.sh

tools: deps
	@$(MAKE) -s -C tools/splatscan

run: tools
	@$(LC) run run $(COLUMNS)

matrix: tools
	@$(LC) run matrix $(MATRIX)

splats: tools
	@$(LC) run splats $(SPLATS)

stock: tools
	@$(LC) run stock $(STOCK)

vtd: tools
	@$(LC) run vtd $(VTD)

isolation: tools
	@SCENARIOS=$(or $(SCENARIOS),tools/plan/scenarios/isolation) \
		RUN_NAME=$(or $(RUN_NAME),isolation) $(LC) run vtd $(ISOLATION)

amd: tools
	@$(LC) run amd $(AMD)

bench: tools
	@$(LC) run bench $(BENCH)

sweep: tools
	@$(LC) run sweep $(SWEEP)
	@if [ -n "$(SWEEP_VTD)" ]; then \
		SCENARIOS=tools/plan/scenarios/sweep-vtd RUN_NAME=$(or $(RUN_NAME),sweep)-vtd \
		$(LC) run sweep $(SWEEP_VTD); fi

api: tools
	@if [ -n "$(API)" ]; then $(LC) run api $(API); fi
	@if [ -n "$(API_IOVA)" ]; then \
		SCENARIOS=tools/plan/scenarios/api-iova RUN_NAME=api-iova $(LC) run api $(API_IOVA); fi
	@if [ -n "$(API_VTD)" ]; then \
		SCENARIOS=tools/plan/scenarios/api-vtd RUN_NAME=api-vtd $(LC) run api $(API_VTD); fi
	@if [ -n "$(API_VTD_IOVA)" ]; then \
		SCENARIOS=tools/plan/scenarios/api-vtd-iova RUN_NAME=api-vtd-iova \
		$(LC) run api $(API_VTD_IOVA); fi

groups: tools
	@if [ -n "$(GROUP_COLUMNS)" ]; then $(LC) run groups $(GROUP_COLUMNS); fi
	@if [ -n "$(GROUP_VTD)" ]; then \
		SCENARIOS=tools/plan/scenarios/groups-vtd RUN_NAME=groups-vtd $(LC) run groups $(GROUP_VTD); fi

reset: tools
	@$(LC) run reset $(RESET)

# both halves run, and either failing fails the target
fix-controls: tools
	@rc=0; \
	SCENARIOS=tools/plan/scenarios/fix-controls RUN_NAME=fix-controls $(LC) run reset \
		$(FIX_CONTROLS) || rc=1; \
	SCENARIOS=tools/plan/scenarios/sweep-vtd RUN_NAME=fix-controls-sweep $(LC) run sweep \
		$(FIX_CONTROLS_SWEEP) || rc=1; \
	exit $$rc

cover: tools
	@$(LC) run cover $(COVER)

flake: tools
	@$(MAKE) -s matrix MATRIX="$(GATE_MATRIX)" REPEAT=$(FLAKE_REPEAT) RUN_NAME=flake JOBS=2
	@$(MAKE) -s matrix MATRIX="$(GATE_MATRIX)" REPEAT=$(FLAKE_REPEAT) HOST_LOAD=$(FLAKE_LOAD) \
		RUN_NAME=flake-load JOBS=2

# both halves run, and either failing fails the target: a flake run's
# failures are what it measures
flake-vtd: tools
	@rc=0; \
	$(MAKE) -s vtd VTD="$(FLAKE_VTD)" SCENARIOS=tools/plan/scenarios/vtd-races \
		REPEAT=$(FLAKE_REPEAT) RUN_NAME=flake-vtd JOBS=2 || rc=1; \
	$(MAKE) -s reset RESET="$(FLAKE_RESET)" SCENARIOS=tools/plan/scenarios/reset-races \
		REPEAT=$(FLAKE_REPEAT) RUN_NAME=flake-reset JOBS=2 || rc=1; \
	exit $$rc

sanitize fuzz soak kdump races: tools
	@$(LC) run $@

lava: tools
	@$(LC) run lava $(LAVA_COLUMNS)

lava-check: tools
	@$(LC) run lava-check $(LAVA_CHECK)

lava-judge: tools
	@test -n "$(RUN)" || { echo "error: give RUN=results/<id>/lava (the run of make lava)" >&2; exit 1; }
	@$(LC) lava-judge $(RUN)

judge: tools
	@test -n "$(RUN)" || { echo "error: give RUN=results/<id> or results/<id>/<mode>" >&2; exit 1; }
	@$(LC) judge $(RUN)

# No kernel build, no boot: the host's tests, the judge's, splatscan's.
presubmit: tools
	@$(PY) -m pytest -q -p no:cacheprovider tools/tests
	@sh tools/tests/judge.sh
	@$(MAKE) -s -C tools/splatscan check

# The pipeline's tests that need a kernel: the config check, checkpatch on
# both kernels, a guest that hangs and one that panics, the modules' own
# tests in the guest.
selftest: tools
	@$(PY) tools/tests/vm_selftest.py

# The gate. Each step is a run of its own under this make's results/<id>/.
# One kernel is built: 6.12 (every variant an incremental rebuild of one
# tree); 7.3 comes in as Debian's own 7.3.4 binary (stock), which carries
# patch 1/5 as merged. The 7.3 builds and the sanitizer flavours are
# make full's: each is a full kernel build, and three of those do not fit
# a cold gate on a 2-core machine (README, "What each tier costs").
GATE_MATRIX ?= $(filter 6.12:%,$(MATRIX))
check: presubmit
	@$(MAKE) -s selftest
	@$(MAKE) -s matrix MATRIX="$(GATE_MATRIX)" JOBS=2
	@$(MAKE) -s splats SPLATS="6.12:vanilla 6.12:seed-v3"
	@$(MAKE) -s stock JOBS=2
	@$(MAKE) -s vtd VTD=6.12:seed-v3:vtd SCENARIOS=tools/plan/scenarios/vtd-smoke RUN_NAME=vtd-smoke
	@$(MAKE) -s vtd VTD=6.12:vtd-oracle-control:vtd SCENARIOS=tools/plan/scenarios/vtd-oracle RUN_NAME=vtd-oracle
	@$(MAKE) -s isolation ISOLATION="6.12:vanilla:vtd 6.12:vtd-block-copied:vtd" \
		SCENARIOS=tools/plan/scenarios/isolation-smoke RUN_NAME=isolation-smoke JOBS=2
	@$(MAKE) -s kdump JOBS=2
	@$(MAKE) -s reset RESET=6.12:seed-v3:vtd SCENARIOS=tools/plan/scenarios/reset-smoke \
		RUN_NAME=reset-smoke
	@$(MAKE) -s sweep SWEEP=6.12:seed-v3 SWEEP_VTD=6.12:seed-v3:vtd RUN_NAME=sweep-smoke
	@$(MAKE) -s api API=6.12:seed-v3 API_VTD= SCENARIOS=tools/plan/scenarios/api-smoke \
		RUN_NAME=api-smoke JOBS=2
	@$(MAKE) -s groups GROUP_COLUMNS="6.12:vanilla 6.12:seed-v3" GROUP_VTD= RUN_NAME=groups-smoke \
		JOBS=2
	@$(MAKE) -s run COLUMNS=6.12:seed-v3 SCENARIOS=tools/plan/scenarios/flake-smoke REPEAT=2 \
		RUN_NAME=flake-smoke JOBS=2
	@$(MAKE) -s fuzz STRESS_FLAVOUR=base
	@$(MAKE) -s lava-check LAVA_CHECK=6.12:seed-v3
	@$(MAKE) -s cover COVER=6.12:seed-v3 SCENARIOS=tools/plan/scenarios/cover-smoke \
		RUN_NAME=cover-smoke JOBS=2
	@$(LC) count-reports $(or $(RESULTS),results)/$(LC_RUN_ID)

# The gate, then what it leaves out: the 7.3 columns built from source
# (lockdep on 7.3, the fix on 7.3, the upstream scenarios), VT-d on 7.3,
# and the sanitize flavour (KASAN + kmemleak: sanitize, and fuzz again
# under it), all under the same id.
full: check
	@$(MAKE) -s matrix MATRIX="$(filter-out 6.12:%,$(MATRIX))" RUN_NAME=matrix-7.3 JOBS=2
	@$(MAKE) -s matrix MATRIX=7.3:upstream RUN_NAME=upstream JOBS=2
	@$(MAKE) -s splats SPLATS="6.12:double-check 7.3:upstream" RUN_NAME=upstream-splats JOBS=2
	@$(MAKE) -s vtd VTD="7.3:vanilla:vtd 7.3:double-check:vtd" RUN_NAME=vtd-7.3
	@$(MAKE) -s sanitize SANITIZE_FLAVOURS=sanitize JOBS=2
	@$(MAKE) -s fuzz RUN_NAME=fuzz-sanitize
	@$(MAKE) -s sweep SWEEP="$(filter-out 6.12:seed-v3,$(SWEEP))" \
		SWEEP_VTD="$(filter-out 6.12:seed-v3:vtd,$(SWEEP_VTD))" RUN_NAME=sweep
	@$(MAKE) -s api JOBS=2
	@$(MAKE) -s groups GROUP_COLUMNS="$(filter-out 6.12:vanilla 6.12:seed-v3,$(GROUP_COLUMNS))" \
		GROUP_VTD="$(filter-out 6.12:vanilla:vtd,$(GROUP_VTD))" JOBS=2
	@$(MAKE) -s reset JOBS=2
	@$(MAKE) -s fix-controls JOBS=2
	@$(MAKE) -s isolation JOBS=2
	@$(MAKE) -s cover JOBS=2
	@$(LC) count-reports $(or $(RESULTS),results)/$(LC_RUN_ID)

shell: tools
	@$(LC) shell $(firstword $(COLUMNS))

# For a test VM of your own: build against its kernel's build tree.
modules:
	@test -n "$(KDIR)" || { echo "error: give KDIR=<kernel build dir>" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

clean:
	@$(MAKE) -s -C tools/splatscan clean
	rm -rf results
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

distclean: clean
	@. tools/build/lib.sh && c=$$(cache_root) && echo "removing $$c" && rm -rf "$$c"
