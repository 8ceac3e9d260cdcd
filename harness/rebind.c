// SPDX-License-Identifier: GPL-2.0
/*
 * A real PCI device for one round: removed and found again by a rescan,
 * so that VT-d in a capture kernel defers its attach again and the
 * harness's driver of it probes (the round's first map where the scenario
 * puts it). edu.c and ats.c each bind their device this way.
 */
#include <linux/pci.h>

#include "harness.h"

/* @pdev (its reference dropped) removed, its slot rescanned, probed by @drv. */
static struct device *hr_pci_rebind_dev(struct pci_dev *pdev, struct pci_driver *drv)
{
	struct pci_bus *bus = pdev->bus;
	unsigned int devfn = pdev->devfn;

	pci_lock_rescan_remove();
	pci_stop_and_remove_bus_device(pdev);
	pci_dev_put(pdev);
	pci_rescan_bus(bus);
	pci_unlock_rescan_remove();
	pdev = pci_get_slot(bus, devfn);
	if (!pdev)
		return ERR_PTR(-ENODEV);
	if (pdev->dev.driver != &drv->driver) {
		pci_dev_put(pdev);
		return ERR_PTR(-ENXIO);
	}
	return &pdev->dev;
}

/**
 * hr_pci_rebind - the first @vendor:@device, removed, rescanned, probed
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @drv: the harness's driver that must have bound it again
 *
 * Return: the device, with a reference hr_pci_put() drops, or an ERR_PTR.
 */
struct device *hr_pci_rebind(u16 vendor, u16 device, struct pci_driver *drv)
{
	struct pci_dev *pdev = pci_get_device(vendor, device, NULL);

	if (!pdev)
		return ERR_PTR(-ENODEV);
	return hr_pci_rebind_dev(pdev, drv);
}

/* Another device of @dev's IDs in @dev's IOMMU group, found again. */
static struct device *hr_pci_rebind_sibling(struct device *dev, struct pci_driver *drv)
{
	struct pci_dev *self = to_pci_dev(dev), *pdev = NULL;

	while ((pdev = pci_get_device(self->vendor, self->device, pdev)))
		if (pdev != self && pdev->dev.iommu_group &&
		    pdev->dev.iommu_group == dev->iommu_group)
			return hr_pci_rebind_dev(pdev, drv);
	return ERR_PTR(-ENOENT);
}

/**
 * hr_pci_add_sibling - the other function of @dev's device in @dev's IOMMU
 * group (the VM's multi-function pair without ACS), bound again for a round
 * @run: the run the round belongs to
 * @dev: the round's device
 * @drv: the harness's driver that must have bound the sibling again
 *
 * Return: the sibling, with a reference hr_pci_put() drops, or an ERR_PTR
 * (and @run's error) if the group has none.
 */
struct device *hr_pci_add_sibling(struct hr_run *run, struct device *dev,
				  struct pci_driver *drv)
{
	struct device *sibling = hr_pci_rebind_sibling(dev, drv);

	if (sibling == ERR_PTR(-ENOENT)) {
		run->error = "no second function in the IOMMU group (a multi-function pair)";
	} else if (!IS_ERR(sibling) && sibling->iommu_group != dev->iommu_group) {
		/* the rescan groups it by its own header: a group of one */
		hr_pci_put(sibling);
		run->error = "the second function came back in an IOMMU group of its own";
		sibling = ERR_PTR(-EINVAL);
	}
	return sibling;
}

void hr_pci_put(struct device *dev)
{
	pci_dev_put(to_pci_dev(dev));
}
