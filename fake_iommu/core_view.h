/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the IOMMU core believes, as an attach_dev can tell: the domain it
 * has the device on, and whether the deferred path called.
 */
#ifndef FAKE_IOMMU_CORE_VIEW_H
#define FAKE_IOMMU_CORE_VIEW_H

#include <linux/iommu.h>

bool fi_on_deferred_path(void);
struct iommu_domain *fi_core_domain(struct device *dev);

/* A domain's kind, as messages and debugfs print it. */
static inline const char *fi_domain_kind(struct iommu_domain *domain)
{
	if (!domain)
		return "none";
	switch (domain->type) {
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "dma";
	}
}

#endif /* FAKE_IOMMU_CORE_VIEW_H */
