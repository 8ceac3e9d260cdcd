// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario table. Each collision scenario is hr_round() with its own
 * settings; the fault, control and bench scenarios have round functions
 * of their own because their parties do not collide.
 */
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/sort.h>

#include "harness.h"

static const char * const hr_paths[] = { "device", "group", NULL };
static const char * const hr_ctxs[] = { "thread", "spinlock", "timer", "both", NULL };
static const char * const hr_bench_paths[] = { "attached", "first", "atomic", "group", NULL };
static const char * const hr_bench_ops[] = { "pair", "map", NULL };

#define HR_ROUNDS(d)	{ "rounds", d, 1, 100000 }
#define HR_TIMEOUT	{ "timeout_s", 60, 1, 3600 }
#define HR_THREADS(d)	{ "threads", d, 1, HR_MAX_THREADS }
#define HR_DELAY	{ "delay_us", 0, 0, FAKE_IOMMU_MAX_ATTACH_DELAY_US }
/* The DMA-API entry of the first map (dma_api.c). */
#define HR_API		{ "api", HR_API_SINGLE, 0, HR_API_IOVA, hr_api_names }
/* How long the other party keeps the device away from its default domain. */
#define HR_HOLD		{ "hold_us", 2000, 0, 100000 }

static const struct hr_param hr_p_probe[] = {
	HR_ROUNDS(20), HR_TIMEOUT, HR_DELAY, HR_API, { }
};

/* One mapper by default: with the other party, one per vCPU of the VM. */
static const struct hr_param hr_p_attach[] = {
	HR_ROUNDS(200), HR_TIMEOUT, HR_THREADS(1), HR_DELAY, HR_HOLD,
	{ "path", 0, 0, 1, hr_paths }, HR_API, { }
};

static const struct hr_param hr_p_race[] = {
	HR_ROUNDS(200), HR_TIMEOUT, HR_THREADS(2), HR_DELAY, HR_API, { }
};

/* Two mappers: one per device of the group, each its driver's only one. */
static const struct hr_param hr_p_group[] = {
	HR_ROUNDS(20), HR_TIMEOUT, { "threads", 2, 2, 2 }, HR_DELAY, HR_API, { }
};

/* The group is moved, not the device: iommu_attach_device() refuses two. */
static const struct hr_param hr_p_sibling[] = {
	HR_ROUNDS(200), HR_TIMEOUT, HR_THREADS(1), HR_DELAY, HR_HOLD, HR_API, { }
};

/* The reset starts 0 to spread_ns after the map, in steps of 50 ns. */
static const struct hr_param hr_p_reset[] = {
	HR_ROUNDS(200), HR_TIMEOUT, { "spread_ns", 10000, 0, 1000000 }, HR_API, { }
};

/* The reset held open hold_us (an FLR waits 100 ms); one act per round. */
static const struct hr_param hr_p_hold[] = {
	HR_ROUNDS(20), HR_TIMEOUT, { "hold_us", 1000, 0, 1000000 }, HR_API, { }
};

static const struct hr_param hr_p_owner[] = {
	HR_ROUNDS(200), HR_TIMEOUT, HR_THREADS(1), HR_DELAY, HR_HOLD, HR_API, { }
};

static const struct hr_param hr_p_atomic[] = {
	HR_ROUNDS(20), HR_TIMEOUT, { "ctx", HR_CTX_BOTH, 0, 3, hr_ctxs }, HR_DELAY,
	HR_API, { }
};

static const struct hr_param hr_p_lock[] = {
	HR_ROUNDS(20), HR_TIMEOUT, HR_THREADS(1), HR_DELAY,
	{ "path", 0, 0, 1, hr_paths }, { }
};

static const struct hr_param hr_p_steady[] = {
	HR_ROUNDS(5), HR_TIMEOUT, { "maps", 200, 1, 100000 }, { }
};

static const struct hr_param hr_p_fault[] = {
	HR_ROUNDS(20), HR_TIMEOUT, { "fails", 2, 1, 100 }, { }
};

/* One round: the sweep itself, n = 1 up to the first point not reached. */
static const struct hr_param hr_p_sweep[] = {
	{ "rounds", 1, 1, 1 }, HR_TIMEOUT, { "max_n", 500, 1, 10000 }, HR_API, { }
};

static const struct hr_param hr_p_controls[] = {
	HR_ROUNDS(1), HR_TIMEOUT, { }
};

/* One round: each needs a crash of its own. */
static const struct hr_param hr_p_plant[] = {
	{ "rounds", 1, 1, 1 }, HR_TIMEOUT, { }
};

/* blocked_dma's cases: the crash leaves edu on a copied entry, or not. */
static const struct hr_isolation hr_iso_copied = { .capture = true };

static const struct hr_isolation hr_iso_copied_pt = {
	.capture = true, .identity = true, .own_target = true
};

static const struct hr_isolation hr_iso_redefer = { .capture = true, .redefer = true };
static const struct hr_isolation hr_iso_first = { };
static const struct hr_isolation hr_iso_first_pt = { .identity = true };

/* blocked_dma and its cases (isolation.c): legal, on edu, one claim each. */
#define HR_ISOLATION(_name, _what, _iso) {				\
	.name = _name, .what = _what, .class = HR_LEGAL,		\
	.params = hr_p_plant, .run = hr_blocked_round,			\
	.real_device = true, .isolation = &(_iso),			\
}

/* reset_hold's cases: the party, and resets opened one inside the other. */
static const struct hr_reset_hold hr_hold_map = { .party = HR_IN_RESET_MAP, .depth = 1 };
static const struct hr_reset_hold hr_hold_claim = { .party = HR_IN_RESET_CLAIM, .depth = 1 };
static const struct hr_reset_hold hr_hold_attach = { .party = HR_IN_RESET_ATTACH, .depth = 1 };
static const struct hr_reset_hold hr_hold_nested = { .party = HR_IN_RESET_CLAIM, .depth = 2 };
static const struct hr_reset_hold hr_hold_release = { .party = HR_IN_RESET_RELEASE, .depth = 1 };
static const struct hr_reset_hold hr_hold_detach = { .party = HR_IN_RESET_DETACH, .depth = 1 };
static const struct hr_reset_hold hr_hold_sibling = { .party = HR_IN_RESET_SIBLING, .depth = 1 };

/* reset_hold and its cases (reset_hold.c): legal, 7.x, on the ATS device. */
#define HR_RESET_HOLD(_name, _what, _rh) {				\
	.name = _name, .what = _what, .class = HR_LEGAL,		\
	.params = hr_p_hold, .run = hr_reset_hold_round,		\
	.unsupported = hr_reset_unsupported, .other = HR_OTHER_RESET,	\
	.ats_device = true, .reset_hold = &(_rh),			\
}

static const struct hr_param hr_p_bench[] = {
	HR_ROUNDS(5), HR_TIMEOUT, HR_THREADS(1), { "path", 0, 0, 3, hr_bench_paths },
	{ "iters", 2000, 1, 1000000 }, { "op", 0, 0, 1, hr_bench_ops }, { }
};

/*
 * A round of its own: a fresh client bound to the harness driver and a
 * page to map. hr_client_done() removes both.
 */
static struct device *hr_client_with_page(struct hr_run *run, void **buf)
{
	struct device *dev;

	*buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!*buf)
		return ERR_PTR(-ENOMEM);
	dev = hr_client_add(run);
	if (IS_ERR(dev)) {
		kfree(*buf);
		run->setup_failures++;
	}
	return dev;
}

static void hr_client_done(struct device *dev, void *buf)
{
	fake_iommu_client_remove(dev);
	kfree(buf);
}

static const char *hr_lock_order_unsupported(void)
{
	if (!IS_ENABLED(CONFIG_PROVE_LOCKING))
		return "CONFIG_PROVE_LOCKING is not set: the cycle it shows is a lockdep report";
	return NULL;
}

/*
 * fault_first_map: with `fails` attach failures injected, each of the first
 * maps must fail with DMA_MAPPING_ERROR and leave the device deferred; the
 * map after injection stops must succeed and translate.
 */
static int hr_fault_round(struct hr_run *run)
{
	u32 fails = hr_get(run, "fails");
	struct device *dev;
	dma_addr_t dma;
	void *buf;
	u32 i;

	dev = hr_client_with_page(run, &buf);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	fake_iommu_fail_attaches(fails);
	for (i = 0; i <= fails; i++) {
		bool want_ok = i == fails;

		dma = dma_map_single(dev, buf, PAGE_SIZE, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, dma)) {
			run->maps_failed++;
			if (want_ok || !fake_iommu_client_deferred(dev))
				run->bad_translations++;
			continue;
		}
		run->maps_ok++;
		if (!want_ok)
			run->bad_translations++;
		dma_unmap_single(dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	}
	fake_iommu_fail_attaches(0);
	if (fake_iommu_check(dev, true))
		run->check_failures++;
	hr_client_done(dev, buf);
	return 0;
}

/*
 * detector_controls: what no core path does, done on purpose, so that each
 * detector the other scenarios cannot reach shows it can fire: one IOVA
 * mapped twice and unmapped twice through the IOMMU API in a domain of the
 * client's own (map_over_mapped, unmap_unmapped), and a first map while
 * the fake hardware drops attaches, a planted hardware bug the consistency
 * check must see (inconsistent).
 */
static int hr_controls_round(struct hr_run *run)
{
	const unsigned long iova = SZ_1M;
	struct iommu_domain *domain;
	struct device *dev;
	dma_addr_t dma;
	void *buf;
	int i, ret = 0;

	dev = hr_client_with_page(run, &buf);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(domain)) {
		run->setup_failures++;
		ret = PTR_ERR(domain);
		goto out;
	}
	for (i = 0; i < 2; i++)
		if (iommu_map(domain, iova, virt_to_phys(buf), PAGE_SIZE,
			      IOMMU_READ | IOMMU_WRITE, GFP_KERNEL))
			run->setup_failures++;
	for (i = 0; i < 2; i++)
		iommu_unmap(domain, iova, PAGE_SIZE);
	iommu_domain_free(domain);

	fake_iommu_knob("attach_drops", 1, NULL);
	dma = dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
	fake_iommu_knob("attach_drops", 0, NULL);
	if (dma_mapping_error(dev, dma)) {
		run->maps_failed++;
	} else {
		run->maps_ok++;
		dma_unmap_single(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	}
	if (fake_iommu_check(dev, false))
		run->check_failures++;
out:
	hr_client_done(dev, buf);
	return ret;
}

const char * const hr_class_names[] = {
	[HR_LEGAL] = "legal",
	[HR_DRIVER_BUG] = "driver-bug",
	[HR_API_MISUSE] = "api-misuse",
};

const struct hr_scenario hr_scenarios[] = {
	{
		.name = "probe_first_map",
		.what = "first map in the client driver's probe (the expected pattern)",
		.class = HR_LEGAL,
		.params = hr_p_probe,
		.first = HR_FIRST_PROBE,
	}, {
		.name = "open_first_map",
		.what = "first map after probe under the driver's own mutex (ndo_open under RTNL)",
		.class = HR_LEGAL,
		.params = hr_p_probe,
		.first = HR_FIRST_OPEN,
	}, {
		.name = "async_first_map",
		.what = "first map from work the driver's probe queued",
		.class = HR_LEGAL,
		.params = hr_p_probe,
		.first = HR_FIRST_WORK,
	}, {
		.name = "steady_atomic_map",
		.what = "attached in probe, then maps from softirq and under a spinlock (NIC xmit)",
		.class = HR_LEGAL,
		.params = hr_p_steady,
		.run = hr_steady_round,
		.first = HR_FIRST_PROBE,
	}, {
		.name = "map_vs_owner",
		.what = "first map in probe, then a DMA-ownership claim that must fail: -EPERM",
		.class = HR_LEGAL,
		.params = hr_p_probe,
		.first = HR_FIRST_PROBE,
		.other = HR_OTHER_OWNER,
	}, {
		.name = "fault_first_map",
		.what = "first maps after probe, one at a time, failures injected, then a retry",
		.class = HR_LEGAL,
		.params = hr_p_fault,
		.maps_may_fail = true,
		.run = hr_fault_round,
	}, {
		.name = "fault_sweep",
		.what = "fail the nth fault point of a first map, n = 1, 2, ..., then retry",
		.class = HR_LEGAL,
		.params = hr_p_sweep,
		.maps_may_fail = true,
		.run = hr_sweep_round,
		.unsupported = hr_sweep_unsupported,
		/* the kernel's fault points: on edu, VT-d's own allocations */
		.any_devices = true,
	}, {
		.name = "attach_fault_sweep",
		.what = "fail the nth fault point of the driver's UNMANAGED attach, then retry",
		.class = HR_LEGAL,
		.params = hr_p_sweep,
		.maps_may_fail = true,
		.run = hr_sweep_round,
		.unsupported = hr_sweep_unsupported,
		.any_devices = true,
		.other = HR_OTHER_ATTACH,
	}, {
		.name = "group_first_maps",
		.what = "two devices of one group: each driver's first map after probe, at once",
		.class = HR_LEGAL,
		.params = hr_p_group,
		.sibling = HR_SIBLING_BOTH,
	}, {
		.name = "reset_vs_probe_map",
		.what = "the probe's first map while reset_method writes block and restore it",
		.class = HR_LEGAL,
		.params = hr_p_reset,
		.unsupported = hr_reset_unsupported,
		.first = HR_FIRST_PROBE,
		.other = HR_OTHER_RESET,
		.reset = HR_RESET_METHOD_PROBE,
		.ats_device = true,
	}, {
		.name = "reset_vs_open_map",
		.what = "first map after probe under the driver's lock, preempted by a sysfs reset",
		.class = HR_LEGAL,
		.params = hr_p_reset,
		.first = HR_FIRST_OPEN,
		.other = HR_OTHER_RESET,
		.reset = HR_RESET_FUNCTION,
		.ats_device = true,
		/* 7.x refuses a first map that meets the blocked device (-EBUSY) */
		.maps_may_fail = true,
	}, {
		.name = "reset_in_probe",
		.what = "the driver's probe resets its device (FLR), then makes its first map",
		.class = HR_LEGAL,
		.params = hr_p_probe,
		.first = HR_FIRST_PROBE,
		.other = HR_OTHER_RESET,
		.reset = HR_RESET_DRIVER_FLR,
		.ats_device = true,
	}, {
		.name = "map_vs_map",
		.what = "two first maps at once from one driver outside probe",
		.class = HR_DRIVER_BUG,
		.params = hr_p_race,
	}, {
		.name = "map_vs_attach",
		.what = "the driver moves its device to UNMANAGED and back during its first map",
		.class = HR_DRIVER_BUG,
		.params = hr_p_attach,
		.other = HR_OTHER_ATTACH,
	}, {
		.name = "sibling_map_vs_attach",
		.what = "a device's first map while the other driver of its group moves the group",
		.class = HR_DRIVER_BUG,
		.params = hr_p_sibling,
		.other = HR_OTHER_ATTACH,
		.sibling = HR_SIBLING_ONLY,
	}, {
		.name = "atomic_first_map",
		.what = "first map outside probe, with a spinlock held or from a timer (softirq)",
		.class = HR_DRIVER_BUG,
		.params = hr_p_atomic,
	}, {
		.name = "owner_misuse",
		.what = "maps with no driver bound racing an ownership claim (negative control)",
		.class = HR_API_MISUSE,
		.params = hr_p_owner,
		.other = HR_OTHER_OWNER,
		.unbound = true,
	}, {
		.name = "lock_order",
		.what = "first map holding a driver lock attach_dev takes (negative control)",
		.class = HR_API_MISUSE,
		.params = hr_p_lock,
		.unsupported = hr_lock_order_unsupported,
		.other = HR_OTHER_ATTACH,
		.under_lock = true,
		/*
		 * Together they could deadlock for real (ABBA); in turn,
		 * lockdep still sees both orders and names the cycle.
		 */
		.in_turn = true,
	}, {
		.name = "detector_controls",
		.what = "map and unmap one IOVA twice, drop an attach (positive control)",
		.class = HR_API_MISUSE,
		.params = hr_p_controls,
		.run = hr_controls_round,
	}, {
		.name = "edu_plant",
		.what = "before a crash: map a page for edu, fill edu's buffer, leave both",
		.class = HR_LEGAL,
		.params = hr_p_plant,
		.run = hr_plant_round,
		.real_device = true,
	},
	HR_ISOLATION("blocked_dma",
		     "capture kernel: edu DMAs to planted pages, before and after a claim",
		     hr_iso_copied),
	HR_ISOLATION("blocked_dma_pt",
		     "the same after an iommu=pt first kernel; then DMA to a page of its own",
		     hr_iso_copied_pt),
	HR_ISOLATION("blocked_dma_sm",
		     "blocked_dma with VT-d in scalable mode (the VM's), both kernels",
		     hr_iso_copied),
	HR_ISOLATION("blocked_dma_pt_sm",
		     "blocked_dma_pt with VT-d in scalable mode (the VM's), both kernels",
		     hr_iso_copied_pt),
	HR_ISOLATION("blocked_dma_redefer",
		     "the same, but edu attached once and deferred again before the claim",
		     hr_iso_redefer),
	HR_ISOLATION("blocked_dma_first",
		     "the claim in the first kernel, edu on a translated default domain",
		     hr_iso_first),
	HR_ISOLATION("blocked_dma_first_pt",
		     "the claim in the first kernel, edu on an identity default domain",
		     hr_iso_first_pt),
	HR_RESET_HOLD("reset_hold_map",
		      "the driver's first map while a reset holds the device blocked",
		      hr_hold_map),
	HR_RESET_HOLD("reset_hold_claim",
		      "a DMA-ownership claim (VFIO's open) while a reset holds the device",
		      hr_hold_claim),
	HR_RESET_HOLD("reset_hold_attach",
		      "the driver attaches an UNMANAGED domain while a reset holds the device",
		      hr_hold_attach),
	HR_RESET_HOLD("reset_hold_nested",
		      "a claim inside a reset inside a reset, and between the two dones",
		      hr_hold_nested),
	HR_RESET_HOLD("reset_hold_release",
		      "an owner's close (its domain detached, its claim released) in a reset",
		      hr_hold_release),
	HR_RESET_HOLD("reset_hold_detach",
		      "the driver detaches its UNMANAGED domain while a reset holds the device",
		      hr_hold_detach),
	HR_RESET_HOLD("reset_hold_sibling",
		      "the other function of the group maps first and resets while one is reset",
		      hr_hold_sibling),
	HR_RESET_HOLD("reset_hold_first",
		      "reset_hold_claim in the first kernel: nothing deferred (the control)",
		      hr_hold_claim),
	{
		.name = "bench",
		.what = "ns per map+unmap or per map: attached, first map, attached with BHs off",
		.class = HR_LEGAL,
		.params = hr_p_bench,
		.run = hr_bench,
	},
};

const unsigned int hr_nr_scenarios = ARRAY_SIZE(hr_scenarios);
