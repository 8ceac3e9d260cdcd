/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel lacks, said once at load. */
#ifndef FAKE_IOMMU_FEATURES_H
#define FAKE_IOMMU_FEATURES_H

void fi_report_kernel_features(void);

#endif /* FAKE_IOMMU_FEATURES_H */
