// SPDX-License-Identifier: GPL-2.0
/*
 * The device sources of a round (struct hr_devices): fake_iommu's
 * clients, whose fake hardware the harness can ask; QEMU's edu behind a
 * real IOMMU (VT-d in a capture kernel), which only a DMA can ask; and a
 * PCIe device with ATS behind VT-d (ats.c), for the reset scenarios,
 * which nothing but the core and VT-d's watched attach can ask.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include "harness.h"

static char *devices = "fake";
module_param(devices, charp, 0444);
MODULE_PARM_DESC(devices,
		 "fake (fake_iommu's clients, default), edu (QEMU's edu behind a real IOMMU) or ats (a PCIe device with ATS behind VT-d)");

const struct hr_devices *hr_devices;

static int hr_fake_check_on(struct device *dev, struct iommu_domain *domain, u32 seed)
{
	return fake_iommu_check(dev, false);
}

/* The reset scenarios' reason on a source without ATS. */
static const char hr_needs_ats[] =
	"needs a PCIe device with ATS behind a real IOMMU (harness devices=ats)";

static const char *hr_fake_unsupported(const struct hr_scenario *sc)
{
	if (sc->ats_device)
		return hr_needs_ats;
	if (sc->real_device)
		return "needs QEMU's edu device behind a real IOMMU (harness devices=edu)";
	return NULL;
}

static const struct hr_devices hr_fake_devices = {
	.name = "fake",
	.unsupported = hr_fake_unsupported,
	.get = hr_client_add,
	.sibling = hr_client_add_sibling,
	.put = fake_iommu_client_remove,
	.check = fake_iommu_check,
	.check_on = hr_fake_check_on,
};

/* What only the DMA oracle checks: nothing to ask between maps. */
static int hr_edu_check(struct device *dev, bool expect_unmapped)
{
	return 0;
}

/*
 * Mapped in the UNMANAGED domain only: the default domain's DMA-API IOVAs
 * come from the top of the 28-bit mask down, so the default domain does
 * not map it, and a device translated with that domain faults on it.
 */
#define HR_EDU_UNMANAGED_IOVA	SZ_1M
/* The checks while on @domain, apart from the per-map checks' seeds. */
#define HR_EDU_ON_SEED		0x80000000

/*
 * While the core has the device on @domain, a page mapped there only must
 * be what the device reaches: a deferred attach that put the default
 * domain back behind the core makes the DMA fault.
 */
static int hr_edu_check_on(struct device *dev, struct iommu_domain *domain, u32 seed)
{
	void *page;
	int ret;

	/* A DMA-ownership claim (map_vs_owner): nothing is mapped there. */
	if (!domain)
		return 0;
	page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	ret = iommu_map(domain, HR_EDU_UNMANAGED_IOVA, virt_to_phys(page), PAGE_SIZE,
			IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	if (!ret) {
		ret = hr_edu_reaches_unmanaged(dev, page, HR_EDU_UNMANAGED_IOVA,
					       HR_EDU_ON_SEED | seed);
		iommu_unmap(domain, HR_EDU_UNMANAGED_IOVA, PAGE_SIZE);
	}
	free_page((unsigned long)page);
	if (ret == -EIO) {
		fake_iommu_count(FI_INCONSISTENT);
		return 1;
	}
	return ret;
}

static const char *hr_edu_unsupported(const struct hr_scenario *sc)
{
	if (sc->ats_device)
		return hr_needs_ats;
	if (sc->unbound)
		return "needs a device with no driver bound; edu is bound to the harness";
	if (sc->under_lock)
		return "needs fake_iommu's attach_dev to take the driver's lock";
	if (sc->run && sc->run != hr_steady_round && !sc->real_device && !sc->any_devices)
		return "drives fake_iommu's own hooks (fault injection, planted bugs, bench)";
	return NULL;
}

static const struct hr_devices hr_edu_devices = {
	.name = "edu",
	.driver_register = hr_edu_driver_register,
	.driver_unregister = hr_edu_driver_unregister,
	.get = hr_edu_add,
	.sibling = hr_edu_add_sibling,
	.put = hr_pci_put,
	.check = hr_edu_check,
	.check_on = hr_edu_check_on,
	.reaches = hr_edu_reaches,
	.unsupported = hr_edu_unsupported,
};

/* Nothing to ask between maps: no oracle on the ATS device. */
static int hr_ats_check_on(struct device *dev, struct iommu_domain *domain, u32 seed)
{
	return 0;
}

static const char *hr_ats_unsupported(const struct hr_scenario *sc)
{
	if (!sc->ats_device)
		return "runs on fake_iommu's clients or edu (the ATS device: resets only)";
	return NULL;
}

static const struct hr_devices hr_ats_devices = {
	.name = "ats",
	.driver_register = hr_ats_driver_register,
	.driver_unregister = hr_ats_driver_unregister,
	.get = hr_ats_add,
	.sibling = hr_ats_add_sibling,
	.put = hr_pci_put,
	.check = hr_edu_check,
	.check_on = hr_ats_check_on,
	.unsupported = hr_ats_unsupported,
};

static const struct hr_devices * const hr_sources[] = {
	&hr_fake_devices, &hr_edu_devices, &hr_ats_devices,
};

int hr_devices_select(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hr_sources); i++) {
		if (!strcmp(devices, hr_sources[i]->name)) {
			hr_devices = hr_sources[i];
			return 0;
		}
	}
	pr_err("devices=%s is not fake, edu or ats\n", devices);
	return -EINVAL;
}
