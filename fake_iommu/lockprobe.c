// SPDX-License-Identifier: GPL-2.0
/*
 * Is the group mutex held? lockdep knows, but a counter must work without
 * lockdep too, and struct iommu_group is private to the core. A mutex
 * records its owner task in its first word (also on PREEMPT_RT), so the
 * offset of group->mutex is found once: inside iommu_group_for_each_dev(),
 * which holds the mutex, it is the first word of the group naming current;
 * the same word must not name current outside the lock. The scan stops
 * there: fields follow the mutex, so it never reads past the structure
 * (ksize() may be larger than what was allocated, and KASAN knows).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "lockprobe.h"

#define FI_OWNER_FLAGS 0x7UL

static long fi_mutex_offset = -1;

static bool fi_word_is_current(const void *group, size_t off)
{
	unsigned long word = READ_ONCE(*(const unsigned long *)(group + off));

	return (word & ~FI_OWNER_FLAGS) == (unsigned long)current;
}

struct fi_scan {
	size_t size;
	long found;
};

static int fi_scan_locked_group(struct device *dev, void *data)
{
	struct fi_scan *scan = data;
	size_t off;

	for (off = 0; off + sizeof(long) <= scan->size; off += sizeof(long)) {
		if (fi_word_is_current(dev->iommu_group, off)) {
			scan->found = off;
			break;
		}
	}
	return 0;
}

int fi_group_mutex_probe(struct device *dev)
{
	struct fi_scan scan = { .found = -1 };

	if (READ_ONCE(fi_mutex_offset) >= 0)
		return 0;
	scan.size = ksize(dev->iommu_group);
	iommu_group_for_each_dev(dev->iommu_group, &scan, fi_scan_locked_group);
	if (scan.found < 0 || fi_word_is_current(dev->iommu_group, scan.found)) {
		dev_err(dev, "cannot locate the group mutex owner\n");
		return -ENODEV;
	}
	WRITE_ONCE(fi_mutex_offset, scan.found);
	return 0;
}

bool fi_group_mutex_held(struct device *dev)
{
	long off = READ_ONCE(fi_mutex_offset);

	/* Not located yet: only the first client's probe, under the lock. */
	if (off < 0)
		return true;
	return fi_word_is_current(dev->iommu_group, off);
}
