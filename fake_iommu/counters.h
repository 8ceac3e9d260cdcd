/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_iommu's counters: a set per client device and one of totals. Every
 * unit counts through fi_count(); none of them is needed to count.
 */
#ifndef FAKE_IOMMU_COUNTERS_H
#define FAKE_IOMMU_COUNTERS_H

#include <linux/atomic.h>

#include "fake_iommu.h"

struct fi_counts {
	atomic_long_t v[FI_NR_COUNTERS];
};

/* Count @c in @counts (NULL: a device that is not a client) and in the totals. */
void fi_count(struct fi_counts *counts, enum fi_counter c);
/* Copy @counts, or the totals when NULL. */
void fi_counts_read(const struct fi_counts *counts, long *out);
void fi_counts_zero(struct fi_counts *counts);

#endif /* FAKE_IOMMU_COUNTERS_H */
