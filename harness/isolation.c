// SPDX-License-Identifier: GPL-2.0
/*
 * Is a still-deferred device isolated once the core has blocked it? In a
 * capture kernel VT-d keeps the crashed kernel's context entries (so DMA
 * in flight does not fault) until a device's first attach; its blocking
 * domain's attach_dev returns at once for a device it never attached
 * (device_block_translation(): !info->domain_attached), so the copied
 * entry may stay live while the core believes the device blocked.
 *
 * edu_plant, before the crash: map two pages for edu, put a pattern in
 * edu's buffer, leave the pages zeroed and mapped. The guest passes their
 * IOVAs and physical addresses to the capture kernel, which loads this
 * module with them (planted_iova, planted_phys: read-only once loaded,
 * and used only in a capture kernel, only on pages outside its own
 * memory: the crashed kernel's, which /proc/vmcore serves as well).
 * blocked_dma, in the capture kernel, with no DMA-API
 * driver bound: edu writes its buffer to the first page (the control: the
 * copied entry must carry it, maps_ok), then, once DMA ownership is
 * claimed as VFIO does, to the second (other_ok if it lands, other_failed
 * if blocked). A pattern in the second page is a DMA the core believed
 * blocked: counted inconsistent.
 */
#include <linux/crash_dump.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "harness.h"

/* Page 0: the control, before the claim; page 1: after it. */
#define HR_PLANTS 2
static unsigned long planted_iova[HR_PLANTS], planted_phys[HR_PLANTS];
static unsigned int hr_nr_iova, hr_nr_phys;
module_param_array(planted_iova, ulong, &hr_nr_iova, 0444);
MODULE_PARM_DESC(planted_iova, "blocked_dma: the IOVAs edu_plant mapped before the crash");
module_param_array(planted_phys, ulong, &hr_nr_phys, 0444);
MODULE_PARM_DESC(planted_phys, "blocked_dma: the physical addresses of those pages");

#define HR_PLANT_SEED 0x5eed1e55

int hr_plant_round(struct hr_run *run)
{
	struct pci_dev *pdev = pci_get_device(HR_EDU_VENDOR, HR_EDU_DEVICE, NULL);
	struct device *dev = pdev ? &pdev->dev : NULL;
	struct page *page[HR_PLANTS] = { };
	dma_addr_t dma[HR_PLANTS];
	void __iomem *regs;
	int i, ret = 0;

	if (!pdev)
		return -ENODEV;
	regs = hr_edu_regs(dev);
	if (!regs)
		ret = -ENXIO;
	for (i = 0; i < HR_PLANTS && !ret; i++) {
		page[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!page[i]) {
			ret = -ENOMEM;
			break;
		}
		dma[i] = dma_map_page(dev, page[i], 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
		ret = dma_mapping_error(dev, dma[i]);
		if (ret) {
			__free_page(page[i]);
			page[i] = NULL;
		}
	}
	if (!ret) {
		hr_edu_pattern(page_address(page[0]), HR_PLANT_SEED);
		dma_sync_single_for_device(dev, dma[0], HR_EDU_LEN, DMA_BIDIRECTIONAL);
		ret = hr_edu_transfer(regs, dma[0], false);
		memset(page_address(page[0]), 0, HR_EDU_LEN);
		dma_sync_single_for_device(dev, dma[0], HR_EDU_LEN, DMA_BIDIRECTIONAL);
	}
	if (ret) {
		for (i = 0; i < HR_PLANTS && page[i]; i++) {
			dma_unmap_page(dev, dma[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
			__free_page(page[i]);
		}
		run->setup_failures++;
	} else {
		/* Mapped and allocated for good: the crash comes next. */
		for (i = 0; i < HR_PLANTS; i++) {
			planted_iova[i] = dma[i];
			planted_phys[i] = page_to_phys(page[i]);
		}
		hr_nr_iova = HR_PLANTS;
		hr_nr_phys = HR_PLANTS;
		run->maps_ok += HR_PLANTS;
	}
	pci_dev_put(pdev);
	return ret;
}

/* Has the crashed kernel's page @i received edu's buffer? */
static int hr_planted_has_pattern(int i, bool *landed)
{
	void *old = memremap(planted_phys[i], PAGE_SIZE, MEMREMAP_WB);

	if (!old)
		return -ENOMEM;
	*landed = hr_edu_has_pattern(old, HR_PLANT_SEED);
	memunmap(old);
	return 0;
}

/* edu writes its buffer to planted page @i: did it land there? */
static int hr_planted_dma(void __iomem *regs, int i, bool *landed)
{
	int ret = hr_edu_transfer(regs, planted_iova[i], true);

	return ret ? ret : hr_planted_has_pattern(i, landed);
}

static int hr_blocked_dma(struct hr_run *run, struct pci_dev *pdev, void __iomem *regs)
{
	bool landed;
	int i, ret;

	/* The pattern must come from these DMAs, not be there already. */
	for (i = 0; i < HR_PLANTS; i++) {
		ret = hr_planted_has_pattern(i, &landed);
		if (ret)
			return ret;
		if (landed) {
			run->error = "a planted page holds the pattern before the DMA";
			return -EINVAL;
		}
	}
	ret = hr_planted_dma(regs, 0, &landed);
	if (ret)
		return ret;
	if (!landed) {
		run->maps_failed++;
		run->error = "the copied entry did not carry the control DMA";
		return 0;
	}
	run->maps_ok++;
	ret = iommu_device_claim_dma_owner(&pdev->dev, run);
	if (ret)
		return ret;
	ret = hr_planted_dma(regs, 1, &landed);
	iommu_device_release_dma_owner(&pdev->dev);
	if (ret)
		return ret;
	if (landed) {
		run->other_ok++;
		fake_iommu_count(FI_INCONSISTENT);
	} else {
		run->other_failed++;
	}
	return 0;
}

/*
 * The planted pages as the capture kernel got them: two of each, page
 * aligned, and none in this kernel's own System RAM (so never memory it
 * allocates from).
 */
static const char *hr_planted_invalid(void)
{
	int i;

	if (hr_nr_iova != HR_PLANTS || hr_nr_phys != HR_PLANTS || !planted_phys[1])
		return "planted_iova and planted_phys not set: edu_plant before the crash";
	if (!is_kdump_kernel())
		return "planted pages are read only in a capture kernel";
	for (i = 0; i < HR_PLANTS; i++) {
		if (!PAGE_ALIGNED(planted_iova[i]) || !PAGE_ALIGNED(planted_phys[i]))
			return "a planted page is not page aligned";
		if (region_intersects(planted_phys[i], PAGE_SIZE, IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT)
			return "a planted page is in this kernel's own memory";
	}
	return NULL;
}

int hr_blocked_round(struct hr_run *run)
{
	struct pci_dev *pdev = pci_get_device(HR_EDU_VENDOR, HR_EDU_DEVICE, NULL);
	void __iomem *regs;
	int ret = -EINVAL;

	if (!pdev)
		return -ENODEV;
	run->error = hr_planted_invalid();
	if (run->error)
		goto out;
	/* An owner such as VFIO claims a device no DMA-API driver is bound to. */
	device_release_driver(&pdev->dev);
	if (!pdev->dev.iommu || !pdev->dev.iommu->attach_deferred) {
		run->error = "edu is not deferred: not a capture kernel behind the IOMMU";
		goto out;
	}
	ret = pci_enable_device(pdev);
	if (ret)
		goto out;
	pci_set_master(pdev);
	regs = pci_iomap(pdev, 0, 0);
	if (regs) {
		ret = hr_blocked_dma(run, pdev, regs);
		pci_iounmap(pdev, regs);
	} else {
		ret = -ENOMEM;
	}
	pci_disable_device(pdev);
out:
	if (ret)
		run->setup_failures++;
	pci_dev_put(pdev);
	return ret;
}
