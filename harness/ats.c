// SPDX-License-Identifier: GPL-2.0
/*
 * A PCIe device with ATS behind VT-d, for the reset scenarios: 7.x's
 * pci_dev_reset_iommu_prepare() blocks a device's IOMMU only if the device
 * has ATS, which edu (conventional PCI) has not. QEMU's virtio-rng-pci
 * with ats=on behind a pcie-root-port (intel-iommu device-iotlb=on) has
 * it; the project's kernels have no virtio driver, so the harness binds
 * it as it binds edu. Nothing drives its DMA: there is no oracle here,
 * only what the core and VT-d's watched attach say.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>

#include "harness.h"

/* virtio-rng, modern only (disable-legacy=on): 0x1040 + device type 4. */
#define HR_ATS_VENDOR	PCI_VENDOR_ID_REDHAT_QUMRANET
#define HR_ATS_DEVICE	0x1044

static int hr_ats_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	/* Without ATS, or an IOMMU, the reset path never touches it: say so. */
	if (!pci_ats_supported(pdev) || !device_iommu_mapped(&pdev->dev)) {
		pci_err(pdev, "no ATS or no IOMMU (QEMU: ats=on behind a PCIe port, device-iotlb=on)\n");
		return -ENODEV;
	}
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	pci_set_master(pdev);
	/* The round's first map, if the scenario puts it in probe. */
	return hr_client_probed(&pdev->dev);
}

static void hr_ats_remove(struct pci_dev *pdev)
{
	hr_client_removed(&pdev->dev);
}

static const struct pci_device_id hr_ats_ids[] = {
	{ PCI_DEVICE(HR_ATS_VENDOR, HR_ATS_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hr_ats_ids);

static struct pci_driver hr_ats_driver = {
	.name = "harness_ats",
	.id_table = hr_ats_ids,
	.probe = hr_ats_probe,
	.remove = hr_ats_remove,
};

int hr_ats_driver_register(void)
{
	return pci_register_driver(&hr_ats_driver);
}

void hr_ats_driver_unregister(void)
{
	pci_unregister_driver(&hr_ats_driver);
}

/**
 * hr_ats_add - the ATS device, bound again for a round
 * @run: the run the round belongs to
 *
 * Return: the device (hr_pci_rebind()), or an ERR_PTR.
 */
struct device *hr_ats_add(struct hr_run *run)
{
	return hr_pci_rebind(HR_ATS_VENDOR, HR_ATS_DEVICE, &hr_ats_driver);
}

/* The other ATS function in @dev's IOMMU group, bound again for a round. */
struct device *hr_ats_add_sibling(struct hr_run *run, struct device *dev)
{
	return hr_pci_add_sibling(run, dev, &hr_ats_driver);
}

/*
 * What every 7.x reset path calls around its reset: the device's IOMMU
 * blocked, group->domain kept, and restored (nested calls count depth).
 */
int hr_reset_prepare(struct device *dev)
{
#if HR_HAVE_RESET_PREPARE
	return pci_dev_reset_iommu_prepare(to_pci_dev(dev));
#else
	return -EOPNOTSUPP;
#endif
}

void hr_reset_done(struct device *dev)
{
#if HR_HAVE_RESET_PREPARE
	pci_dev_reset_iommu_done(to_pci_dev(dev));
#endif
}

/* pci_reset_bus_function()'s probe, as far as the IOMMU goes (7.x). */
static int hr_reset_method_probe(struct device *dev)
{
	int ret = hr_reset_prepare(dev);

	if (!ret)
		hr_reset_done(dev);
	return ret;
}

/**
 * hr_reset_cycle - reset a device as a user's sysfs write does
 * @dev: a PCI device with ATS
 * @how: HR_RESET_METHOD_PROBE, what a write of "bus" or "default" to
 *	reset_method does to its IOMMU (pci_reset_bus_function()'s probe
 *	blocks and restores it, no reset between, no device lock; 7.x), or
 *	HR_RESET_FUNCTION, what a write to reset does (pci_reset_function():
 *	the device lock and an FLR, which 7.x wraps in the same two calls),
 *	or HR_RESET_DRIVER_FLR, a driver's FLR of its device in its probe
 *	(pcie_flr() between saving and restoring config space, as ice does)
 *
 * Return: the reset's error, or 0.
 */
int hr_reset_cycle(struct device *dev, enum hr_reset how)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	int ret;

	switch (how) {
	case HR_RESET_FUNCTION:
		return pci_reset_function(pdev);
	case HR_RESET_DRIVER_FLR:
		/* pcie_flr() resets unconditionally: count only a device that has FLR */
		if (!(pdev->devcap & PCI_EXP_DEVCAP_FLR))
			return -ENOTTY;
		pci_save_state(pdev);
		ret = pcie_flr(pdev);
		pci_restore_state(pdev);
		return ret;
	case HR_RESET_METHOD_PROBE:
		return hr_reset_method_probe(dev);
	}
	return -EINVAL;
}

const char *hr_reset_unsupported(void)
{
	if (!HR_HAVE_RESET_PREPARE)
		return "the kernel has no pci_dev_reset_iommu_prepare() (7.0 and later)";
	return NULL;
}
