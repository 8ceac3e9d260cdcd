/* SPDX-License-Identifier: GPL-2.0 */
/* Is group->mutex held by this task? Without lockdep too (lockprobe.c). */
#ifndef FAKE_IOMMU_LOCKPROBE_H
#define FAKE_IOMMU_LOCKPROBE_H

#include <linux/device.h>

/* Locate the mutex's owner word on @dev's group, once; 0 or -ENODEV. */
int fi_group_mutex_probe(struct device *dev);
bool fi_group_mutex_held(struct device *dev);

#endif /* FAKE_IOMMU_LOCKPROBE_H */
