# iommu-lockcheck: build a lockdep kernel with the IOMMU patch under test,
# boot it in QEMU, run fake_iommu + harness scenarios, print a verdict.
#
#   make run      A/B verdict: vanilla vs seed-v3 on Linux 6.12 (default)
#   make matrix   every variant of 6.12 and upstream 7.3, side by side
#   make bench    what the lock costs on the map path, per variant (perf kernels,
#                 instructions per op under QEMU -icount)
#   make sanitize / fuzz / soak / kdump   the harness under stress
#   make races    KCSAN on attach_deferred itself, variant by variant
#   make splats   the kernel's own splats: matrix cells with core_assert=1 warn=1
#   make stock    Debian's own 6.12 and 7.3 kernels, no kernel build
#   make vtd      the real VT-d driver: QEMU's intel-iommu in a real kdump
#                 capture kernel, rounds on QEMU's edu device, DMA as oracle
#   make amd      the same on QEMU's AMD-Vi, with Debian's kernels
#   make lava     each matrix cell as a LAVA job (results/lava/*/*/job.yaml)
#   make lava-check   one cell through Debian's lava-dispatcher here, compared
#                 with the project's own run of it
#   make check    the whole test suite (what CI runs; soak stays outside)
#   make shell    boot the VM with the modules and a shell on this terminal
#   make modules KDIR=/lib/modules/$(uname -r)/build   for your own test VM
#
# Variables: KVER (6.12|7.3), VARIANT (a patches/ directory), PATCHES (your
# own series directory), KSRC (your kernel tree), FLAVOUR, CACHE,
# SCENARIOS, KDUMP (1|0), VM_TIMEOUT (seconds), JOBS (boots at once; each
# guest has 2 vCPUs). A column is KVER:VARIANT, KVER:@DIR or ksrc, with
# :vtd at the end to run on VT-d (make vtd). Every judged run also writes
# results/kcidb.json (KCIDB v5.3; KCIDB_ORIGIN, KCIDB_URL_BASE).

KVER ?= 6.12
KDUMP ?= 1
VM_TIMEOUT ?= 300
export KVER KSRC VARIANT PATCHES FLAVOUR CACHE KDUMP VM_TIMEOUT SCENARIOS RESULTS JOBS \
	SANITIZE_FLAVOURS
# One id for everything this make runs: the judge refuses records of others.
ifndef LC_RUN_ID
LC_RUN_ID := $(shell date +%s)-$(shell echo $$$$)
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
SPLATS ?= 6.12:vanilla 6.12:seed-v3 6.12:recheck-under-lock 6.12:detector 7.3:vanilla
LAVA_COLUMNS ?= $(MATRIX)
LAVA_CHECK ?= 6.12:seed-v3 6.12:seed-v3:vtd

.PHONY: all deps tools run matrix splats stock vtd amd bench sanitize fuzz soak kdump races lava lava-check lava-judge \
	check shell modules \
	clean distclean

all: tools

deps:
	@sh tools/deps.sh

tools: deps
	@$(MAKE) -s -C tools/splatscan

run: tools
	@sh tools/run.sh run $(COLUMNS)

matrix: tools
	@sh tools/run.sh matrix $(MATRIX)

# Splat evidence from runs of its own: printing inside attach_dev skews counts.
splats: tools
	@KNOBS="core_assert=1 warn=1" POLICY=splats EXPECTED=tools/expected-splats \
		SCENARIOS=$${SCENARIOS:-tools/scenarios/splats} sh tools/run.sh splats $(SPLATS)

# Distribution kernels as a test VM runs them (tools/stock.sh).
stock: tools
	@sh tools/run.sh stock $(STOCK)

# QEMU's VT-d and edu: what the real driver does (tools/scenarios/vtd).
vtd: tools
	@SCENARIOS=$${SCENARIOS:-tools/scenarios/vtd} sh tools/run.sh vtd $(VTD)

amd: tools
	@SCENARIOS=$${SCENARIOS:-tools/scenarios/amd} sh tools/run.sh amd $(AMD)

# LAVA: every cell a job for a lab (LAVA_URL_BASE: where results/lava is served).
lava: tools
	@LAVA_WRITE=1 RESULTS=$(abspath $(or $(RESULTS),results))/lava sh tools/run.sh lava $(LAVA_COLUMNS)

lava-check: tools
	@sh tools/lava/check.sh $(LAVA_CHECK)

# A lab ran the jobs and their logs are in results/lava/*/*/lava/: judge them.
lava-judge: tools
	@sh tools/lava/judge.sh

bench: tools
	@sh tools/bench.sh $(BENCH)

sanitize fuzz soak kdump races: tools
	@sh tools/stress.sh $@

check: tools
	@sh tools/tests/judge.sh
	@$(MAKE) -s -C tools/splatscan check
	@sh tools/tests/run-all.sh
	@$(MAKE) -s matrix JOBS=2
	@$(MAKE) -s splats SPLATS="6.12:vanilla 6.12:seed-v3"
	@$(MAKE) -s run COLUMNS=7.3:upstream SCENARIOS=tools/scenarios/upstream
	@$(MAKE) -s stock
	@$(MAKE) -s vtd VTD=6.12:seed-v3:vtd SCENARIOS=tools/scenarios/vtd-smoke
	@$(MAKE) -s vtd VTD=6.12:vtd-oracle-control:vtd SCENARIOS=tools/scenarios/vtd-oracle
	@$(MAKE) -s kdump
	@$(MAKE) -s sanitize SCENARIOS=tools/scenarios/sanitize-smoke
	@$(MAKE) -s fuzz
	@$(MAKE) -s lava-check LAVA_CHECK=6.12:seed-v3
	@sh tools/tests/count-reports.sh results/*/*_*.log

shell: tools
	@genv=$$(sh tools/guest.sh $(firstword $(COLUMNS))) && eval "$$genv" && sh tools/vm.sh $$kout $$initrd - -

# For a test VM of your own: build against its kernel's build tree.
modules:
	@test -n "$(KDIR)" || { echo "error: give KDIR=<kernel build dir>" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

clean:
	@$(MAKE) -s -C tools/splatscan clean
	rm -rf results
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

distclean: clean
	@. tools/lib.sh && c=$$(cache_root) && echo "removing $$c" && rm -rf "$$c"
