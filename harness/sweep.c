// SPDX-License-Identifier: GPL-2.0
/*
 * fault_sweep, attach_fault_sweep: the iommufd selftest's fail_nth sweep,
 * along the first map of a deferred device (through the run's api=), or
 * along a driver's attach of an UNMANAGED domain to one (the scenario's
 * other party is the attach) and the first map it falls back to when the
 * attach fails. A dry run counts the fault points the path reaches (the
 * kernel's failslab and fail_page_alloc, the guest opening their filters,
 * and fake_iommu's fail_attach); then for n = 1, 2, ..., at least to that
 * count, the nth one fails, each on a fresh client. A call the fault reaches must fail
 * cleanly or absorb it and translate, the hardware must agree with the
 * core, and the call again with no fault must work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/limits.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "harness.h"

#ifdef CONFIG_FAULT_INJECTION
/*
 * The nth should_fail() of this task fails (0: none): what a write to
 * /proc/<pid>/fail-nth does, for the runner kthread, which has no proc
 * writer of its own.
 */
static void hr_arm(u32 n)
{
	WRITE_ONCE(current->fail_nth, n);
}

/* Disarm; the fault points the task reached since hr_arm(@n), up to @n. */
static u32 hr_disarm(u32 n)
{
	u32 left = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return n ? n - left : 0;
}
#else
static void hr_arm(u32 n) { }
static u32 hr_disarm(u32 n) { return 0; }
#endif

/* Was the nth point reached (and failed)? Never for an unarmed call. */
static bool hr_hit(u32 n, u32 reached)
{
	return n && n != U32_MAX && reached == n;
}

/* A first map with the nth point failing; a successful one must translate. */
static u32 hr_sweep_map(struct hr_run *run, struct device *dev, void *buf, u32 n)
{
	struct hr_mapping m = { .api = hr_api_of(run), .buf = buf };
	struct iommu_domain *core;
	u32 reached;
	int ret;

	hr_arm(n);
	ret = hr_api_map(dev, &m, false);
	reached = hr_disarm(n);
	if (ret) {
		run->maps_failed++;
		/* only a fault may fail a map */
		if (!hr_hit(n, reached))
			run->bad_translations++;
		return reached;
	}
	run->maps_ok++;
	run->faults_absorbed += hr_hit(n, reached);
	core = iommu_get_domain_for_dev(dev);
	if (core && core->type == IOMMU_DOMAIN_DMA &&
	    iommu_iova_to_phys(core, m.dma) != hr_api_phys(&m))
		run->bad_translations++;
	/* a real device: does its DMA reach the page (VT-d on that domain)? */
	if (hr_devices->reaches)
		hr_tally_reach(run, hr_devices->reaches(dev, &m, n));
	hr_api_unmap(dev, &m);
	return reached;
}

/* The driver's attach of a domain of its own; @ok: it attached. */
static u32 hr_sweep_attach(struct hr_run *run, struct device *dev, u32 n, bool *ok)
{
	struct iommu_domain *domain;
	u32 reached;
	int ret;

	hr_arm(n);
	domain = iommu_paging_domain_alloc(dev);
	ret = PTR_ERR_OR_ZERO(domain);
	if (!ret)
		ret = iommu_attach_device(domain, dev);
	reached = hr_disarm(n);
	*ok = !ret;
	if (!ret) {
		run->other_ok++;
		run->faults_absorbed += hr_hit(n, reached);
		iommu_detach_device(domain, dev);
	} else {
		run->other_failed++;
		if (!hr_hit(n, reached))
			run->bad_translations++;
	}
	if (!IS_ERR(domain))
		iommu_domain_free(domain);
	return reached;
}

/*
 * One client: the path with its nth point failing (U32_MAX: none, a dry
 * run counting the points), then what a driver does next: after a failed
 * attach, its first map (falling back to the DMA API), then the attach
 * again; after a failed map, the map again. The points reached, or an
 * error that kept the client from being set up.
 */
static int hr_sweep_client(struct hr_run *run, u32 n, u32 *reached)
{
	bool attach = run->sc->other == HR_OTHER_ATTACH;
	unsigned long bad = run->bad_translations;
	unsigned long failed = run->maps_failed + run->other_failed;
	struct device *dev;
	bool ok = true;
	void *buf;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	dev = hr_devices->get(run);
	if (IS_ERR(dev)) {
		run->setup_failures++;
		kfree(buf);
		return PTR_ERR(dev);
	}
	if (attach)
		*reached = hr_sweep_attach(run, dev, n, &ok);
	else
		*reached = hr_sweep_map(run, dev, buf, n);
	if (run->maps_failed + run->other_failed != failed) {
		/* the next try, with no fault, must work */
		hr_sweep_map(run, dev, buf, 0);
		if (hr_devices->check(dev, true))
			run->check_failures++;
		if (!ok)
			hr_sweep_attach(run, dev, 0, &ok);
	}
	if (hr_devices->check(dev, true))
		run->check_failures++;
	if (run->bad_translations != bad)
		pr_warn("%s n=%u: a call failed without a fault or did not translate\n",
			run->sc->name, n);
	hr_devices->put(dev);
	kfree(buf);
	return 0;
}

/**
 * hr_sweep_round - fail every fault point along the path, one per client
 * @run: the fault_sweep or attach_fault_sweep run
 *
 * Return: 0, or the error that kept a client from being set up.
 */
int hr_sweep_round(struct hr_run *run)
{
	u32 max = hr_get(run, "max_n"), points, reached, n;
	int ret;

	ret = hr_sweep_client(run, U32_MAX, &points);
	if (ret)
		return ret;
	if (!points) {
		run->error = "the dry run reached no fault point";
		return 0;
	}
	if (points > max) {
		run->error = "the path has more fault points than max_n";
		return 0;
	}
	/*
	 * Every n up to the dry run's count, then on until one is not
	 * reached. A point that comes and goes (a per-CPU cache refilled or
	 * not) shifts the later ones down: it is counted, not an error.
	 */
	for (n = 1; ; n++) {
		if (n > max) {
			run->error = "the path has more fault points than max_n";
			return 0;
		}
		if (hr_should_stop(run)) {
			run->error = "timed out or aborted before every fault point was failed";
			return 0;
		}
		ret = hr_sweep_client(run, n, &reached);
		if (ret)
			return ret;
		if (reached != n && n > points)
			return 0;
		if (reached == n)
			run->fault_points++;
		else
			run->points_varied++;
	}
}

const char *hr_sweep_unsupported(void)
{
	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		return "CONFIG_FAULT_INJECTION is not set: no task can fail its nth fault point";
	return NULL;
}
