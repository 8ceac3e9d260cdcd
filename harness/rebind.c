// SPDX-License-Identifier: GPL-2.0
/*
 * A real PCI device for one round: removed and found again by a rescan,
 * so that VT-d in a capture kernel defers its attach again and the
 * harness's driver of it probes (the round's first map where the scenario
 * puts it). edu.c and ats.c each bind their device this way.
 */
#include <linux/pci.h>

#include "harness.h"

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
	struct pci_bus *bus;
	unsigned int devfn;

	if (!pdev)
		return ERR_PTR(-ENODEV);
	bus = pdev->bus;
	devfn = pdev->devfn;
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

void hr_pci_put(struct device *dev)
{
	pci_dev_put(to_pci_dev(dev));
}
