// SPDX-License-Identifier: GPL-2.0
/*
 * Is a still-deferred device isolated once the core has blocked it? In a
 * capture kernel VT-d keeps the crashed kernel's context entries (so DMA
 * in flight does not fault) until a device's first attach; its blocking
 * domain's attach_dev returns at once for a device it never attached
 * (device_block_translation(): !info->domain_attached), so the copied
 * entry may stay live while the core believes the device blocked.
 *
 * edu_plant, before the crash: map a page for edu, put a pattern in edu's
 * buffer, zero the page, leave both. The guest passes the page's IOVA and
 * physical address to the capture kernel (planted_iova, planted_phys).
 * blocked_dma, in the capture kernel: with no DMA-API driver bound, claim
 * DMA ownership as VFIO does (deferred_dma, the control, does not: the
 * copied entry must carry the DMA), then have edu write its buffer to the
 * planted IOVA and read the crashed kernel's page. A pattern there after
 * a claim is a DMA the core believed blocked: counted inconsistent.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "harness.h"

static unsigned long planted_iova, planted_phys;
module_param(planted_iova, ulong, 0644);
MODULE_PARM_DESC(planted_iova, "blocked_dma: the IOVA edu_plant mapped before the crash");
module_param(planted_phys, ulong, 0644);
MODULE_PARM_DESC(planted_phys, "blocked_dma: the physical address of that page");

#define HR_PLANT_SEED 0x5eed1e55

int hr_plant_round(struct hr_run *run)
{
	struct pci_dev *pdev = pci_get_device(HR_EDU_VENDOR, HR_EDU_DEVICE, NULL);
	void __iomem *regs;
	struct page *page;
	dma_addr_t dma;
	int ret;

	if (!pdev)
		return -ENODEV;
	regs = hr_edu_regs(&pdev->dev);
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!regs || !page) {
		ret = regs ? -ENOMEM : -ENXIO;
		goto out;
	}
	dma = dma_map_page(&pdev->dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = dma_mapping_error(&pdev->dev, dma);
	if (ret)
		goto out;
	hr_edu_pattern(page_address(page), HR_PLANT_SEED);
	ret = hr_edu_transfer(regs, dma, false);
	if (ret)
		goto out;
	memset(page_address(page), 0, HR_EDU_LEN);
	planted_iova = dma;
	planted_phys = page_to_phys(page);
	/* Mapped and allocated for good: the crash comes next. */
	page = NULL;
	run->maps_ok++;
out:
	if (page)
		__free_page(page);
	if (ret)
		run->setup_failures++;
	pci_dev_put(pdev);
	return ret;
}

/* Has the crashed kernel's page received edu's buffer? */
static int hr_planted_page_has_pattern(bool *landed)
{
	void *old = memremap(planted_phys, PAGE_SIZE, MEMREMAP_WB);

	if (!old)
		return -ENOMEM;
	*landed = hr_edu_has_pattern(old, HR_PLANT_SEED);
	memunmap(old);
	return 0;
}

static int hr_blocked_dma(struct hr_run *run, struct pci_dev *pdev, bool claim)
{
	bool landed = false;
	void __iomem *regs;
	int ret;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	regs = pci_iomap(pdev, 0, 0);
	if (!regs) {
		ret = -ENOMEM;
		goto out_disable;
	}
	/* The pattern must come from this DMA, not be there already. */
	ret = hr_planted_page_has_pattern(&landed);
	if (ret)
		goto out_unmap;
	if (landed) {
		run->error = "the planted page holds the pattern before the DMA";
		ret = -EINVAL;
		goto out_unmap;
	}
	if (claim) {
		ret = iommu_device_claim_dma_owner(&pdev->dev, run);
		if (ret)
			goto out_unmap;
	}
	ret = hr_edu_transfer(regs, planted_iova, true);
	if (!ret)
		ret = hr_planted_page_has_pattern(&landed);
	if (claim)
		iommu_device_release_dma_owner(&pdev->dev);
	if (!ret && landed) {
		run->maps_ok++;
		if (claim)
			fake_iommu_count(FI_INCONSISTENT);
	} else if (!ret) {
		run->maps_failed++;
		if (!claim)
			run->error = "the copied entry did not carry the DMA: the control failed";
	}
out_unmap:
	pci_iounmap(pdev, regs);
out_disable:
	pci_disable_device(pdev);
	return ret;
}

int hr_blocked_round(struct hr_run *run)
{
	struct pci_dev *pdev = pci_get_device(HR_EDU_VENDOR, HR_EDU_DEVICE, NULL);
	int ret = -EINVAL;

	if (!pdev)
		return -ENODEV;
	if (!planted_iova || !planted_phys) {
		run->error = "planted_iova or planted_phys not set: edu_plant before the crash";
		goto out;
	}
	/* An owner such as VFIO claims a device no DMA-API driver is bound to. */
	device_release_driver(&pdev->dev);
	if (!pdev->dev.iommu || !pdev->dev.iommu->attach_deferred) {
		run->error = "edu is not deferred: not a capture kernel behind VT-d";
		goto out;
	}
	ret = hr_blocked_dma(run, pdev, run->sc->other == HR_OTHER_OWNER);
out:
	if (ret)
		run->setup_failures++;
	pci_dev_put(pdev);
	return ret;
}
