// SPDX-License-Identifier: GPL-2.0
/*
 * fault_sweep, attach_fault_sweep: the iommufd selftest's fail_nth sweep,
 * along the first map of a deferred device (through the run's api=), or
 * along a driver's attach of an UNMANAGED domain to one (the scenario's
 * other party is the attach). For n = 1, 2, ... the nth fault point the
 * runner thread reaches fails: the kernel's failslab and fail_page_alloc
 * (the guest opens their filters) and fake_iommu's fail_attach. Each n
 * gets a fresh client. A call the fault reaches must fail cleanly or
 * absorb it, leave the hardware agreeing with the core, and the same call
 * again with no fault must work. The sweep ends at the first n that no
 * fault point reaches: the whole path has then been failed point by point.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "harness.h"

/*
 * The nth should_fail() of this task fails: what a write to
 * /proc/<pid>/fail-nth does, for the runner kthread, which has no proc
 * writer of its own.
 */
static void hr_arm(u32 n)
{
#ifdef CONFIG_FAULT_INJECTION
	WRITE_ONCE(current->fail_nth, n);
#endif
}

/* Disarm; true if the nth fault point was reached (and failed). */
static bool hr_disarm(void)
{
#ifdef CONFIG_FAULT_INJECTION
	unsigned int left = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return !left;
#else
	return false;
#endif
}

static bool hr_sweep_map(struct hr_run *run, struct device *dev, void *buf, u32 n)
{
	struct hr_mapping m = { .api = hr_api_of(run), .buf = buf };
	int ret;
	bool hit;

	hr_arm(n);
	ret = hr_api_map(dev, &m, false);
	hit = hr_disarm();
	if (!ret) {
		run->maps_ok++;
		run->faults_absorbed += hit;
		hr_api_unmap(dev, &m);
	} else {
		run->maps_failed++;
		/* only a fault may fail a map */
		if (!hit)
			run->bad_translations++;
	}
	return hit;
}

static bool hr_sweep_attach(struct hr_run *run, struct device *dev, u32 n)
{
	struct iommu_domain *domain;
	int ret;
	bool hit;

	hr_arm(n);
	domain = iommu_paging_domain_alloc(dev);
	ret = PTR_ERR_OR_ZERO(domain);
	if (!ret)
		ret = iommu_attach_device(domain, dev);
	hit = hr_disarm();
	if (!ret) {
		run->other_ok++;
		run->faults_absorbed += hit;
		iommu_detach_device(domain, dev);
	} else {
		run->other_failed++;
		if (!hit)
			run->bad_translations++;
	}
	if (!IS_ERR(domain))
		iommu_domain_free(domain);
	return hit;
}

/* One fault point: a fresh client, the call failed at point @n, the retry. */
static int hr_sweep_point(struct hr_run *run, u32 n, bool *hit)
{
	bool attach = run->sc->other == HR_OTHER_ATTACH;
	unsigned long bad = run->bad_translations;
	struct device *dev;
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
	*hit = attach ? hr_sweep_attach(run, dev, n) : hr_sweep_map(run, dev, buf, n);
	if (hr_devices->check(dev, true))
		run->check_failures++;
	if (*hit) {
		/* the next try, with no fault (n = 0), must work */
		if (attach)
			hr_sweep_attach(run, dev, 0);
		hr_sweep_map(run, dev, buf, 0);
		if (hr_devices->check(dev, true))
			run->check_failures++;
	}
	if (run->bad_translations != bad)
		pr_warn("fault_sweep: path=%s n=%u: a call with no fault failed\n",
			attach ? "attach" : "map", n);
	hr_devices->put(dev);
	kfree(buf);
	return 0;
}

/**
 * hr_sweep_round - fail every fault point along the path, one per client
 * @run: the fault_sweep run
 *
 * Return: 0, or the error that kept a client from being set up.
 */
int hr_sweep_round(struct hr_run *run)
{
	u32 max = hr_get(run, "max_n"), n;
	bool hit = true;
	int ret;

	for (n = 1; n <= max && hit && !hr_should_stop(run); n++) {
		ret = hr_sweep_point(run, n, &hit);
		if (ret)
			return ret;
		run->fault_points += hit;
	}
	if (hit)
		run->error = "the path still reached a fault point at max_n: raise max_n";
	return 0;
}

const char *hr_sweep_unsupported(void)
{
	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		return "CONFIG_FAULT_INJECTION is not set: no task can fail its nth fault point";
	return NULL;
}
