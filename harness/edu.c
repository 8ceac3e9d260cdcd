// SPDX-License-Identifier: GPL-2.0
/*
 * A driver for QEMU's edu device (1234:11e8, hw/misc/edu.c): a real PCI
 * device whose DMA engine goes through the emulated IOMMU. With
 * devices=edu the rounds use it instead of fake_iommu's clients: PCI
 * remove and rescan makes VT-d in a capture kernel defer the device's
 * attach again, the driver's probe makes the first map where the scenario
 * puts it, and a DMA through a mapping shows which domain the hardware
 * really translates the device with (the oracle, hr_edu_reaches()).
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "harness.h"

/* The DMA engine's registers (64-bit) and the device's 4 KiB buffer. */
#define HR_EDU_DMA_SRC	0x80
#define HR_EDU_DMA_DST	0x88
#define HR_EDU_DMA_CNT	0x90
#define HR_EDU_DMA_CMD	0x98
#define HR_EDU_CMD_RUN	BIT(0)
#define HR_EDU_CMD_TO_RAM	BIT(1)
#define HR_EDU_BUF	0x40000
/* QEMU's default width of the engine's addresses (the VM widens it to 32). */
#define HR_EDU_DMA_BITS	28

struct hr_edu {
	void __iomem *regs;
};

/**
 * hr_edu_transfer - one transfer of HR_EDU_LEN bytes between the device's
 * buffer and @iova
 * @regs: the device's BAR 0
 * @iova: the address the device uses
 * @to_ram: from the device's buffer to @iova, else from @iova into it
 *
 * Return: 0 once the engine is done, -ETIMEDOUT if it hung.
 */
int hr_edu_transfer(void __iomem *regs, dma_addr_t iova, bool to_ram)
{
	unsigned long end = jiffies + 2 * HZ;

	writeq(to_ram ? HR_EDU_BUF : iova, regs + HR_EDU_DMA_SRC);
	writeq(to_ram ? iova : HR_EDU_BUF, regs + HR_EDU_DMA_DST);
	writeq(HR_EDU_LEN, regs + HR_EDU_DMA_CNT);
	writeq(HR_EDU_CMD_RUN | (to_ram ? HR_EDU_CMD_TO_RAM : 0), regs + HR_EDU_DMA_CMD);
	/* QEMU runs the transfer 100 ms (virtual) after the command. */
	while (readq(regs + HR_EDU_DMA_CMD) & HR_EDU_CMD_RUN) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}

/* The pattern of a check: @seed makes each differ from the last. */
static u32 hr_edu_word(u32 seed, unsigned int i)
{
	return seed ^ (i * 0x9e3779b9);
}

void hr_edu_pattern(void *buf, u32 seed)
{
	u32 *word = buf;
	unsigned int i;

	for (i = 0; i < HR_EDU_LEN / sizeof(u32); i++)
		word[i] = hr_edu_word(seed, i);
}

bool hr_edu_has_pattern(const void *buf, u32 seed)
{
	const u32 *word = buf;
	unsigned int i;

	for (i = 0; i < HR_EDU_LEN / sizeof(u32); i++)
		if (word[i] != hr_edu_word(seed, i))
			return false;
	return true;
}

/* The page into the device and back; @m: a DMA-API mapping to sync, or NULL. */
static int hr_edu_roundtrip(struct device *dev, void *buf, dma_addr_t iova, u32 seed,
			    struct hr_mapping *m)
{
	struct hr_edu *edu = dev_get_drvdata(dev);
	int ret;

	if (!edu)
		return -ENODEV;
	hr_edu_pattern(buf, seed);
	if (m)
		hr_api_sync(dev, m, true);
	ret = hr_edu_transfer(edu->regs, iova, false);
	if (ret)
		return ret;
	/* the CPU writes the page again: its turn first */
	if (m)
		hr_api_sync(dev, m, false);
	memset(buf, 0, HR_EDU_LEN);
	if (m)
		hr_api_sync(dev, m, true);
	ret = hr_edu_transfer(edu->regs, iova, true);
	if (ret)
		return ret;
	if (m)
		hr_api_sync(dev, m, false);
	return hr_edu_has_pattern(buf, seed) ? 0 : -EIO;
}

/**
 * hr_edu_reaches - does the device reach what @m maps, through it?
 * @dev: an edu device bound to this driver
 * @m: a DMA-API mapping of a page (its first HR_EDU_LEN bytes are used),
 *	through any entry
 * @seed: makes this check's pattern differ from the last one's
 *
 * The page goes into the device and back, zeroed in between: a
 * translation fault on either way (VT-d logs a DMAR fault and QEMU drops
 * the transfer) leaves the wrong data.
 *
 * Return: 0 if it does, -EIO if not, -ETIMEDOUT if the engine hung.
 */
int hr_edu_reaches(struct device *dev, struct hr_mapping *m, u32 seed)
{
	return hr_edu_roundtrip(dev, m->cpu, m->dma, seed, m);
}

/* The same through an IOVA the caller mapped with the IOMMU API. */
int hr_edu_reaches_unmanaged(struct device *dev, void *buf, dma_addr_t iova, u32 seed)
{
	return hr_edu_roundtrip(dev, buf, iova, seed, NULL);
}

static int hr_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct hr_edu *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(HR_EDU_DMA_BITS));
	/*
	 * Direct DMA (an identity default domain) refuses a mask below the
	 * lowest zone, min(top of RAM, 4 GiB) without ZONE_DMA: the VM's edu
	 * reaches 32 bits (tools/boot/launch.py).
	 */
	if (ret)
		ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret)
		return ret;
	edu->regs = pcim_iomap(pdev, 0, 0);
	if (!edu->regs)
		return -ENOMEM;
	pci_set_master(pdev);
	pci_set_drvdata(pdev, edu);
	/* The round's first map, if the scenario puts it in probe. */
	return hr_client_probed(&pdev->dev);
}

static void hr_edu_remove(struct pci_dev *pdev)
{
	hr_client_removed(&pdev->dev);
	pci_set_drvdata(pdev, NULL);
}

static const struct pci_device_id hr_edu_ids[] = {
	{ PCI_DEVICE(HR_EDU_VENDOR, HR_EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hr_edu_ids);

static struct pci_driver hr_edu_driver = {
	.name = "harness_edu",
	.id_table = hr_edu_ids,
	.probe = hr_edu_probe,
	.remove = hr_edu_remove,
};

/* BAR 0 of an edu device this driver has bound, or NULL. */
void __iomem *hr_edu_regs(struct device *dev)
{
	struct hr_edu *edu = dev->driver == &hr_edu_driver.driver ? dev_get_drvdata(dev) : NULL;

	return edu ? edu->regs : NULL;
}

int hr_edu_driver_register(void)
{
	return pci_register_driver(&hr_edu_driver);
}

void hr_edu_driver_unregister(void)
{
	pci_unregister_driver(&hr_edu_driver);
}

/**
 * hr_edu_add - the first edu device, bound again for a round
 * @run: the run the round belongs to
 *
 * Return: the device (hr_pci_rebind()), or an ERR_PTR.
 */
struct device *hr_edu_add(struct hr_run *run)
{
	return hr_pci_rebind(HR_EDU_VENDOR, HR_EDU_DEVICE, &hr_edu_driver);
}

/* The other edu function in @dev's IOMMU group, bound again for a round. */
struct device *hr_edu_add_sibling(struct hr_run *run, struct device *dev)
{
	return hr_pci_add_sibling(run, dev, &hr_edu_driver);
}
