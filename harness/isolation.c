// SPDX-License-Identifier: GPL-2.0
/*
 * Is a still-deferred device isolated once the core has blocked it? In a
 * capture kernel VT-d keeps the crashed kernel's context entries (so DMA
 * in flight does not fault) until a device's first attach; its blocking
 * domain's attach_dev returns at once for a device it never attached
 * (device_block_translation(): !info->domain_attached), so the copied
 * entry may stay live while the core believes the device blocked.
 *
 * edu_plant, before the crash (or before the claim, in the first kernel):
 * map two pages for edu, put a pattern in edu's buffer, leave the pages
 * zeroed and mapped. The guest passes their IOVAs and physical addresses
 * to the capture kernel, which loads this module with them (planted_iova,
 * planted_phys: read-only once loaded, and used only on pages outside its
 * own memory: the crashed kernel's, which /proc/vmcore serves as well).
 * blocked_dma and its cases (struct hr_isolation), with no DMA-API driver
 * bound: edu writes its buffer to the first page (the control: the copied
 * entry, or the first kernel's default domain, must carry it, maps_ok),
 * then, once DMA ownership is claimed as VFIO does, to the second page or
 * to a page of this kernel's own that nothing maps (other_ok if it lands,
 * other_failed if blocked). A pattern there is a DMA the core believed
 * blocked: counted inconsistent.
 */
#include <linux/crash_dump.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

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

/* Has page @phys received edu's buffer? */
static int hr_page_has_pattern(phys_addr_t phys, bool *landed)
{
	void *va = memremap(phys, PAGE_SIZE, MEMREMAP_WB);

	if (!va)
		return -ENOMEM;
	*landed = hr_edu_has_pattern(va, HR_PLANT_SEED);
	memunmap(va);
	return 0;
}

/* edu writes its buffer to @iova: did it land in page @phys? */
static int hr_target_dma(void __iomem *regs, dma_addr_t iova, phys_addr_t phys, bool *landed)
{
	int ret = hr_edu_transfer(regs, iova, true);

	return ret ? ret : hr_page_has_pattern(phys, landed);
}

/* Is edu's attach deferred as the case wants it (capture kernel only)? */
static const char *hr_deferral_wrong(const struct hr_isolation *iso, struct pci_dev *pdev)
{
	if (!pdev->dev.iommu)
		return "edu is not behind an IOMMU";
	if (iso->capture && !pdev->dev.iommu->attach_deferred)
		return "edu is not deferred: not a capture kernel behind the IOMMU";
	if (!iso->capture && pdev->dev.iommu->attach_deferred)
		return "edu is deferred: not a first kernel";
	return NULL;
}

/*
 * edu, with no driver bound, enabled for DMA the way an owner would, and
 * deferred or not as the case wants it.
 */
static int hr_edu_open(struct hr_run *run, struct pci_dev **pdevp, void __iomem **regsp)
{
	struct pci_dev *pdev = pci_get_device(HR_EDU_VENDOR, HR_EDU_DEVICE, NULL);
	int ret;

	*pdevp = pdev;
	*regsp = NULL;
	if (!pdev)
		return -ENODEV;
	device_release_driver(&pdev->dev);
	run->error = hr_deferral_wrong(run->sc->isolation, pdev);
	if (run->error)
		return -EINVAL;
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	*regsp = pci_iomap(pdev, 0, 0);
	if (!*regsp) {
		pci_disable_device(pdev);
		return -ENOMEM;
	}
	return 0;
}

static void hr_edu_close(struct pci_dev *pdev, void __iomem *regs)
{
	if (regs) {
		pci_iounmap(pdev, regs);
		pci_disable_device(pdev);
	}
	pci_dev_put(pdev);
}

/*
 * blocked_dma_redefer: a driver's first map attaches edu (the copied entry
 * goes), then PCI remove + rescan defers it again, as every round of the
 * vtd columns does: a deferred device with no copied entry behind it.
 */
static int hr_redefer(struct hr_run *run)
{
	struct device *dev = hr_edu_add(run);
	struct hr_mapping m = { .api = HR_API_SINGLE };
	int ret;

	if (IS_ERR(dev))
		return PTR_ERR(dev);
	m.buf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	ret = m.buf ? hr_api_map(dev, &m, false) : -ENOMEM;
	if (!ret) {
		/* edu works on the domain its first map attached */
		ret = hr_edu_reaches(dev, &m, HR_PLANT_SEED + 1);
		hr_api_unmap(dev, &m);
		if (ret)
			run->error = "edu's DMA failed after its driver's first map";
	}
	kfree(m.buf);
	hr_pci_put(dev);
	if (ret)
		return ret;
	/* Found again, with its driver: unbound by the owner's open next. */
	dev = hr_edu_add(run);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	hr_pci_put(dev);
	return 0;
}

/* After the claim: edu writes to the case's target; did it land? */
static int hr_claimed_dma(struct hr_run *run, struct pci_dev *pdev, void __iomem *regs,
			  bool *landed)
{
	const struct hr_isolation *iso = run->sc->isolation;
	struct page *own = NULL;
	dma_addr_t iova = planted_iova[1];
	phys_addr_t phys = planted_phys[1];
	int ret;

	if (iso->own_target) {
		/*
		 * This kernel's page, which nothing maps: reachable only 1:1.
		 * Below 4 GiB, where the VM's edu reaches without clamping.
		 */
		own = alloc_page(GFP_KERNEL | GFP_DMA32 | __GFP_ZERO);
		if (!own)
			return -ENOMEM;
		phys = page_to_phys(own);
		iova = phys;
	}
	ret = iommu_device_claim_dma_owner(&pdev->dev, run);
	if (!ret) {
		ret = hr_target_dma(regs, iova, phys, landed);
		iommu_device_release_dma_owner(&pdev->dev);
	}
	/* A transfer that hung may still land: never give the page back. */
	if (own && ret != -ETIMEDOUT)
		__free_page(own);
	return ret;
}

static int hr_blocked_dma(struct hr_run *run)
{
	const struct hr_isolation *iso = run->sc->isolation;
	struct pci_dev *pdev;
	void __iomem *regs;
	bool landed;
	int i, ret;

	/* The pattern must come from these DMAs, not be there already. */
	for (i = 0; i < HR_PLANTS; i++) {
		ret = hr_page_has_pattern(planted_phys[i], &landed);
		if (ret)
			return ret;
		if (landed) {
			run->error = "a planted page holds the pattern before the DMA";
			return -EINVAL;
		}
	}
	ret = hr_edu_open(run, &pdev, &regs);
	if (!ret)
		ret = hr_target_dma(regs, planted_iova[0], planted_phys[0], &landed);
	hr_edu_close(pdev, regs);
	if (ret)
		return ret;
	if (!landed) {
		run->maps_failed++;
		run->error = "edu's DMA did not reach the first planted page (the control)";
		return 0;
	}
	run->maps_ok++;
	if (iso->redefer) {
		ret = hr_redefer(run);
		if (ret)
			return ret;
	}
	ret = hr_edu_open(run, &pdev, &regs);
	if (!ret)
		ret = hr_claimed_dma(run, pdev, regs, &landed);
	hr_edu_close(pdev, regs);
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
 * The planted pages as this kernel got them: two of each, page aligned,
 * mapped 1:1 exactly when the case says the first kernel ran edu on an
 * identity domain, and in a capture kernel none in its own System RAM (so
 * never memory it allocates from).
 */
static const char *hr_planted_invalid(const struct hr_isolation *iso)
{
	int i;

	if (hr_nr_iova != HR_PLANTS || hr_nr_phys != HR_PLANTS || !planted_phys[1])
		return "planted_iova and planted_phys not set: edu_plant before the crash";
	if (iso->capture != is_kdump_kernel())
		return iso->capture ? "this case runs in a capture kernel" :
				      "this case runs in the first kernel";
	for (i = 0; i < HR_PLANTS; i++) {
		bool one_to_one = planted_iova[i] == planted_phys[i];

		if (!PAGE_ALIGNED(planted_iova[i]) || !PAGE_ALIGNED(planted_phys[i]))
			return "a planted page is not page aligned";
		if (one_to_one && !iso->identity)
			return "edu was mapped 1:1: iommu=pt in the first kernel";
		if (!one_to_one && iso->identity)
			return "edu was not mapped 1:1: no iommu=pt in the first kernel";
		if (iso->capture &&
		    region_intersects(planted_phys[i], PAGE_SIZE, IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT)
			return "a planted page is in this kernel's own memory";
	}
	return NULL;
}

int hr_blocked_round(struct hr_run *run)
{
	int ret;

	run->error = hr_planted_invalid(run->sc->isolation);
	ret = run->error ? -EINVAL : hr_blocked_dma(run);
	if (ret)
		run->setup_failures++;
	return ret;
}
