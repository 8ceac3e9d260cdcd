// SPDX-License-Identifier: GPL-2.0
/*
 * reset_hold's cases: a reset the harness holds open. It calls what every
 * 7.x reset path calls around its reset, pci_dev_reset_iommu_prepare()
 * and _done(), with hold_us between them where an FLR waits its 100 ms,
 * so the window is the harness's, not the reset's timing. While it is
 * open, and again after it, one party acts once: the driver's first map,
 * a DMA-ownership claim of the device with no driver bound (VFIO's open),
 * or the bound driver's attach of an UNMANAGED domain. A nested case
 * opens the reset twice, as a reset path that resets again inside does,
 * and acts between the two dones too. Each act is counted granted or
 * refused; after done the core must have the device on the domain it had
 * before, and the watched driver (VT-d's attach_dev, fake_iommu's watch=)
 * must have seen an attach during done (its count is global: the VM has
 * one ATS device and nothing else attaching then).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "harness.h"

/*
 * What an undoing party undoes, set up before the reset opens: VFIO's
 * open (the claim, then iommufd's domain on the group), or the driver's
 * own UNMANAGED domain.
 */
static int hr_hold_setup(struct hr_run *run, struct device *dev, struct iommu_domain *unmanaged)
{
	struct iommu_group *group;
	int ret;

	switch (run->sc->reset_hold->party) {
	case HR_IN_RESET_RELEASE:
		ret = iommu_device_claim_dma_owner(dev, run);
		if (ret)
			return ret;
		group = iommu_group_get(dev);
		ret = iommu_attach_group(unmanaged, group);
		iommu_group_put(group);
		if (ret)
			iommu_device_release_dma_owner(dev);
		return ret;
	case HR_IN_RESET_DETACH:
		return iommu_attach_device(unmanaged, dev);
	default:
		return 0;
	}
}

/*
 * The undo returns nothing: it is granted when the core now has the
 * device on the domain it had before the set-up, and refused (-EBUSY, as
 * the reset's fence answers) when the core kept the undone domain.
 */
static int hr_hold_undo(struct hr_run *run, struct device *dev, struct iommu_domain *unmanaged,
			struct iommu_domain *before)
{
	struct iommu_group *group;

	if (run->sc->reset_hold->party == HR_IN_RESET_RELEASE) {
		group = iommu_group_get(dev);
		iommu_detach_group(unmanaged, group);
		iommu_group_put(group);
		iommu_device_release_dma_owner(dev);
	} else {
		iommu_detach_device(unmanaged, dev);
	}
	return iommu_get_domain_for_dev(dev) == before ? 0 : -EBUSY;
}

/*
 * One act of the case's party, undone at once where it was granted; an
 * undoing party's act inside the reset undoes what was set up before it,
 * after the reset it sets up and undoes again.
 */
static int hr_hold_act(struct hr_run *run, struct device *dev, struct iommu_domain *unmanaged,
		       struct iommu_domain *before, struct hr_mapping *m, bool in_reset)
{
	int ret;

	switch (run->sc->reset_hold->party) {
	case HR_IN_RESET_MAP:
		ret = hr_api_map(dev, m, false);
		if (!ret)
			hr_api_unmap(dev, m);
		return ret;
	case HR_IN_RESET_CLAIM:
		ret = iommu_device_claim_dma_owner(dev, run);
		if (!ret)
			iommu_device_release_dma_owner(dev);
		return ret;
	case HR_IN_RESET_ATTACH:
		ret = iommu_attach_device(unmanaged, dev);
		if (!ret)
			iommu_detach_device(unmanaged, dev);
		return ret;
	case HR_IN_RESET_RELEASE:
	case HR_IN_RESET_DETACH:
		ret = in_reset ? 0 : hr_hold_setup(run, dev, unmanaged);
		return ret ?: hr_hold_undo(run, dev, unmanaged, before);
	}
	return -EINVAL;
}

/*
 * An act while the reset is open: refused with -EBUSY, or granted. Either
 * way the device stays blocked until done: an attach the watched driver
 * sees meanwhile unblocked it early.
 */
static void hr_hold_act_in_reset(struct hr_run *run, struct device *dev,
				 struct iommu_domain *unmanaged, struct iommu_domain *before,
				 struct hr_mapping *m)
{
	long watched[FI_NR_COUNTERS], attaches;
	int ret;

	fake_iommu_counters(NULL, watched);
	attaches = watched[FI_ATTACH];
	ret = hr_hold_act(run, dev, unmanaged, before, m, true);
	fake_iommu_counters(NULL, watched);
	run->attached_in_reset += watched[FI_ATTACH] - attaches;
	if (ret == -EBUSY) {
		run->refused_in_reset++;
	} else if (ret) {
		dev_err(dev, "%s in a reset: %d, not -EBUSY\n", run->sc->name, ret);
		run->setup_failures++;
	} else {
		run->granted_in_reset++;
	}
}

/* The device, bound to the harness's driver or, for a claim, to none. */
static struct device *hr_hold_device(struct hr_run *run)
{
	struct device *dev = hr_ats_add(run);

	enum hr_in_reset party = run->sc->reset_hold->party;

	if (!IS_ERR(dev) && (party == HR_IN_RESET_CLAIM || party == HR_IN_RESET_RELEASE))
		device_release_driver(dev);
	return dev;
}

/*
 * Each round: the device found again (deferred in a capture kernel), the
 * reset opened depth times, the party's act, hold_us, a done and an act
 * for each inner reset, the last done, an act after it; then the domain
 * the core has must be the one it had before, attached by done.
 */
int hr_reset_hold_round(struct hr_run *run)
{
	const struct hr_reset_hold *rh = run->sc->reset_hold;
	u32 hold = hr_get(run, "hold_us");
	struct iommu_domain *unmanaged = NULL, *before;
	struct hr_mapping m = { .api = hr_api_of(run) };
	long watched[FI_NR_COUNTERS], attaches;
	unsigned int opened;
	struct device *dev;
	int ret = 0;

	m.buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!m.buf)
		return -ENOMEM;
	dev = hr_hold_device(run);
	if (IS_ERR(dev)) {
		run->setup_failures++;
		kfree(m.buf);
		return PTR_ERR(dev);
	}
	if (rh->party >= HR_IN_RESET_ATTACH) {
		unmanaged = iommu_paging_domain_alloc(dev);
		if (IS_ERR(unmanaged)) {
			ret = PTR_ERR(unmanaged);
			run->setup_failures++;
			goto out_put;
		}
	}
	before = iommu_get_domain_for_dev(dev);
	ret = hr_hold_setup(run, dev, unmanaged);
	if (ret) {
		dev_err(dev, "%s before the reset: %d\n", run->sc->name, ret);
		run->setup_failures++;
		goto out_free;
	}
	/* a capture kernel's: the reset meets a device still deferred */
	if (dev->iommu->attach_deferred)
		run->deferred_at_reset++;
	for (opened = 0; opened < rh->depth; opened++) {
		ret = hr_reset_prepare(dev);
		if (ret) {
			dev_err(dev, "reset prepare: %d\n", ret);
			run->setup_failures++;
			if (rh->party >= HR_IN_RESET_RELEASE)
				hr_hold_undo(run, dev, unmanaged, before);
			goto out_done;
		}
	}
	hr_hold_act_in_reset(run, dev, unmanaged, before, &m);
	if (hold)
		usleep_range(hold, hold + hold / 8 + 1);
	while (opened > 1) {
		hr_reset_done(dev);
		opened--;
		hr_hold_act_in_reset(run, dev, unmanaged, before, &m);
	}
out_done:
	/* the last done re-attaches the domain: the watched driver's attach */
	fake_iommu_counters(NULL, watched);
	attaches = watched[FI_ATTACH];
	while (opened--)
		hr_reset_done(dev);
	fake_iommu_counters(NULL, watched);
	if (!ret) {
		run->reset_cycles++;
		ret = hr_hold_act(run, dev, unmanaged, before, &m, false);
		if (ret) {
			dev_err(dev, "%s after the reset: %d\n", run->sc->name, ret);
			run->refused_after++;
		}
		ret = 0;
		/* an act that leaked, or a done that left the device blocked */
		if (iommu_get_domain_for_dev(dev) != before)
			run->error = "after the reset the core has the device on another domain";
		else if (watched[FI_ATTACH] == attaches)
			run->error = "done attached no domain the watched driver saw";
	}
out_free:
	/* leaked, not freed, where the core still has it (a refused undo) */
	if (unmanaged && iommu_get_domain_for_dev(dev) != unmanaged)
		iommu_domain_free(unmanaged);
out_put:
	hr_pci_put(dev);
	kfree(m.buf);
	return ret;
}
