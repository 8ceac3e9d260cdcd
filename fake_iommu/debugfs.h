/* SPDX-License-Identifier: GPL-2.0 */
/* fake_iommu's debugfs directory. */
#ifndef FAKE_IOMMU_DEBUGFS_H
#define FAKE_IOMMU_DEBUGFS_H

int fi_debugfs_init(void);
void fi_debugfs_exit(void);

#endif /* FAKE_IOMMU_DEBUGFS_H */
