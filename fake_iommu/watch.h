/* SPDX-License-Identifier: GPL-2.0 */
/* watch=: fake_iommu's checks on another IOMMU driver's attach_dev. */
#ifndef FAKE_IOMMU_WATCH_H
#define FAKE_IOMMU_WATCH_H

bool fi_watching(void);
int fi_watch_init(void);
void fi_watch_exit(void);

#endif /* FAKE_IOMMU_WATCH_H */
