// SPDX-License-Identifier: GPL-2.0
/*
 * reset_hold's cases: a reset the harness holds open. It calls what every
 * 7.x reset path calls around its reset, pci_dev_reset_iommu_prepare()
 * and _done(), with hold_us between them where an FLR waits its 100 ms,
 * so the window is the harness's, not the reset's timing. While it is
 * open, and again after it, one party acts once: the driver's first map,
 * a DMA-ownership claim of the device with no driver bound (VFIO's open),
 * the bound driver's attach of an UNMANAGED domain, the undoing of what
 * was set up before the reset (a VFIO-style owner's close, the driver's
 * detach), or the
 * first map and the reset of the other function in the device's group. A
 * nested case opens the reset twice, as a reset path that resets again
 * inside does, and acts between the two dones too. Each act is counted
 * granted or refused, and the watched driver's attaches during it (none
 * may reach the blocked device); after done the core must have the
 * device on the domain it had before, and the watched driver (VT-d's
 * attach_dev, fake_iommu's watch=) must have seen an attach during done
 * (its count is global: the VM's ATS functions are all the harness's).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "harness.h"

/* One round's parties and what they act on. */
struct hr_hold {
	struct hr_run *run;
	enum hr_in_reset party;
	struct device *dev;		/* the device the reset is held on */
	struct device *sibling;		/* HR_IN_RESET_SIBLING: the other function */
	struct iommu_domain *unmanaged;	/* the driver's or the owner's domain */
	struct iommu_domain *before;	/* the core's domain before the round */
	struct hr_mapping m;
};

/* The parties that undo inside the reset what was set up before it. */
static bool hr_hold_undoes(enum hr_in_reset party)
{
	return party == HR_IN_RESET_RELEASE || party == HR_IN_RESET_DETACH;
}

/*
 * What an undoing party undoes, set up before the reset opens: a VFIO-style
 * owner's open (the DMA-ownership claim, then its UNMANAGED domain on the
 * group), or the driver's own UNMANAGED domain.
 */
static int hr_hold_setup(struct hr_hold *h)
{
	struct iommu_group *group;
	int ret;

	switch (h->party) {
	case HR_IN_RESET_RELEASE:
		ret = iommu_device_claim_dma_owner(h->dev, h->run);
		if (ret)
			return ret;
		group = iommu_group_get(h->dev);
		ret = group ? iommu_attach_group(h->unmanaged, group) : -ENODEV;
		iommu_group_put(group);
		if (ret)
			iommu_device_release_dma_owner(h->dev);
		return ret;
	case HR_IN_RESET_DETACH:
		return iommu_attach_device(h->unmanaged, h->dev);
	default:
		return 0;
	}
}

/*
 * The undo returns nothing: it is granted when the core now has the
 * device on the domain it had before the set-up, and refused (-EBUSY, as
 * the reset's fence answers) when the core kept the undone domain. (With
 * no driver bound, the harness reads the group's domain as the owner.)
 */
static int hr_hold_undo(struct hr_hold *h)
{
	struct iommu_group *group;

	if (h->party == HR_IN_RESET_RELEASE) {
		group = iommu_group_get(h->dev);
		if (group)
			iommu_detach_group(h->unmanaged, group);
		iommu_group_put(group);
		iommu_device_release_dma_owner(h->dev);
	} else {
		iommu_detach_device(h->unmanaged, h->dev);
	}
	return iommu_get_domain_for_dev(h->dev) == h->before ? 0 : -EBUSY;
}

/*
 * The other function's first map (deferred in a capture kernel: it must
 * make its own attach), then its own reset, tried whatever the map got,
 * while the round's device is being reset: a reset blocks one function,
 * not its group.
 */
static int hr_hold_sibling(struct hr_hold *h)
{
	bool deferred = h->sibling->iommu->attach_deferred;
	int map, ret;

	map = hr_api_map(h->sibling, &h->m, false);
	if (map) {
		h->run->maps_failed++;
	} else {
		hr_api_unmap(h->sibling, &h->m);
		if (deferred && h->sibling->iommu->attach_deferred)
			h->run->error = "the sibling's first map left it deferred";
	}
	ret = hr_reset_prepare(h->sibling);
	if (!ret)
		hr_reset_done(h->sibling);
	return map ?: ret;
}

/*
 * One act of the case's party, undone at once where it was granted; an
 * undoing party's act inside the reset undoes what was set up before it,
 * after the reset it sets up and undoes again.
 */
static int hr_hold_act(struct hr_hold *h, bool in_reset)
{
	int ret;

	switch (h->party) {
	case HR_IN_RESET_MAP:
		ret = hr_api_map(h->dev, &h->m, false);
		if (!ret)
			hr_api_unmap(h->dev, &h->m);
		return ret;
	case HR_IN_RESET_CLAIM:
		ret = iommu_device_claim_dma_owner(h->dev, h->run);
		if (!ret)
			iommu_device_release_dma_owner(h->dev);
		return ret;
	case HR_IN_RESET_ATTACH:
		ret = iommu_attach_device(h->unmanaged, h->dev);
		if (!ret)
			iommu_detach_device(h->unmanaged, h->dev);
		return ret;
	case HR_IN_RESET_RELEASE:
	case HR_IN_RESET_DETACH:
		ret = in_reset ? 0 : hr_hold_setup(h);
		return ret ?: hr_hold_undo(h);
	case HR_IN_RESET_SIBLING:
		return hr_hold_sibling(h);
	}
	return -EINVAL;
}

/* The watched driver's attaches so far (VT-d's attach_dev). */
static long hr_hold_attaches(void)
{
	long watched[FI_NR_COUNTERS];

	fake_iommu_counters(NULL, watched);
	return watched[FI_ATTACH];
}

/* An act while the reset is open: refused with -EBUSY, or granted. */
static void hr_hold_act_in_reset(struct hr_hold *h)
{
	unsigned long maps_failed = h->run->maps_failed;
	long attaches = hr_hold_attaches();
	int ret = hr_hold_act(h, true);

	/* only the sibling's own attaches (its first map, its done) may come */
	h->run->attached_in_reset += hr_hold_attaches() - attaches;
	if (ret == -EBUSY) {
		h->run->refused_in_reset++;
	} else if (ret) {
		dev_err(h->dev, "%s in a reset: %d, not -EBUSY\n", h->run->sc->name, ret);
		/* a failed first map counts as one (a legal one must work) */
		if (h->run->maps_failed == maps_failed)
			h->run->setup_failures++;
	} else {
		h->run->granted_in_reset++;
	}
}

/*
 * The devices, each bound again (deferred again in a capture kernel): the
 * round's to the harness's driver or, for VFIO's claim, to none; the
 * sibling to the harness's driver.
 */
static int hr_hold_devices(struct hr_hold *h)
{
	h->dev = hr_ats_add(h->run);
	if (IS_ERR(h->dev))
		return PTR_ERR(h->dev);
	if (h->party == HR_IN_RESET_CLAIM || h->party == HR_IN_RESET_RELEASE)
		device_release_driver(h->dev);
	if (h->party != HR_IN_RESET_SIBLING)
		return 0;
	h->sibling = hr_ats_add_sibling(h->run, h->dev);
	if (IS_ERR(h->sibling)) {
		hr_pci_put(h->dev);
		return PTR_ERR(h->sibling);
	}
	return 0;
}

/*
 * Each round: the devices found again, what an undoing party undoes set
 * up, the reset opened depth times, the party's act, hold_us, a done and
 * an act for each inner reset, the last done, an act after it; then the
 * domain the core has must be the one it had before, attached by done.
 */
int hr_reset_hold_round(struct hr_run *run)
{
	const struct hr_reset_hold *rh = run->sc->reset_hold;
	struct hr_hold h = { .run = run, .party = rh->party, .m.api = hr_api_of(run) };
	u32 hold = hr_get(run, "hold_us");
	unsigned int opened;
	long attaches;
	int ret;

	h.m.buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!h.m.buf)
		return -ENOMEM;
	ret = hr_hold_devices(&h);
	if (ret) {
		run->setup_failures++;
		goto out_buf;
	}
	if (h.party == HR_IN_RESET_ATTACH || hr_hold_undoes(h.party)) {
		h.unmanaged = iommu_paging_domain_alloc(h.dev);
		if (IS_ERR(h.unmanaged)) {
			ret = PTR_ERR(h.unmanaged);
			h.unmanaged = NULL;
			run->setup_failures++;
			goto out_put;
		}
	}
	h.before = iommu_get_domain_for_dev(h.dev);
	ret = hr_hold_setup(&h);
	if (ret) {
		dev_err(h.dev, "%s before the reset: %d\n", run->sc->name, ret);
		run->setup_failures++;
		goto out_free;
	}
	/* a capture kernel's: the reset meets a device still deferred */
	if (h.dev->iommu->attach_deferred)
		run->deferred_at_reset++;
	for (opened = 0; opened < rh->depth; opened++) {
		ret = hr_reset_prepare(h.dev);
		if (ret) {
			dev_err(h.dev, "reset prepare: %d\n", ret);
			run->setup_failures++;
			if (hr_hold_undoes(h.party))
				hr_hold_undo(&h);
			goto out_done;
		}
	}
	hr_hold_act_in_reset(&h);
	if (hold)
		usleep_range(hold, hold + hold / 8 + 1);
	while (opened > 1) {
		hr_reset_done(h.dev);
		opened--;
		hr_hold_act_in_reset(&h);
	}
out_done:
	/* the last done re-attaches the domain: the watched driver's attach */
	attaches = hr_hold_attaches();
	while (opened--)
		hr_reset_done(h.dev);
	if (!ret) {
		attaches = hr_hold_attaches() - attaches;
		run->reset_cycles++;
		ret = hr_hold_act(&h, false);
		if (ret) {
			dev_err(h.dev, "%s after the reset: %d\n", run->sc->name, ret);
			run->refused_after++;
		}
		ret = 0;
		/* an act that leaked, or a done that left the device blocked */
		if (iommu_get_domain_for_dev(h.dev) != h.before)
			run->error = "after the reset the core has the device on another domain";
		else if (!attaches)
			run->error = "done attached no domain the watched driver saw";
	}
out_free:
	/* leaked, not freed, where the core still has it (a refused undo) */
	if (h.unmanaged && iommu_get_domain_for_dev(h.dev) != h.unmanaged)
		iommu_domain_free(h.unmanaged);
out_put:
	if (h.sibling)
		hr_pci_put(h.sibling);
	hr_pci_put(h.dev);
out_buf:
	kfree(h.m.buf);
	return ret;
}
