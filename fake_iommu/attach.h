/* SPDX-License-Identifier: GPL-2.0 */
/* fake_iommu's attach_dev, for every domain it has. */
#ifndef FAKE_IOMMU_ATTACH_H
#define FAKE_IOMMU_ATTACH_H

#include <linux/iommu.h>
#include <linux/version.h>

/* attach_dev gained the old domain as an argument in 6.18. */
#define FI_ATTACH_HAS_OLD (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0))

#if FI_ATTACH_HAS_OLD
int fi_attach_dev(struct iommu_domain *domain, struct device *dev,
		  struct iommu_domain *old);
#else
int fi_attach_dev(struct iommu_domain *domain, struct device *dev);
#endif

#endif /* FAKE_IOMMU_ATTACH_H */
