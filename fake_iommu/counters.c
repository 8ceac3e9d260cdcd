// SPDX-License-Identifier: GPL-2.0
/* fake_iommu's counters: the names, the totals and the one way to count. */
#include <linux/export.h>

#include "counters.h"

static struct fi_counts fi_total;

const char * const fi_counter_names[FI_NR_COUNTERS] = {
	[FI_UNLOCKED_ATTACH] = "unlocked_attach",
	[FI_OVERLAPPING_ATTACH] = "overlapping_attach",
	[FI_STALE_ATTACH] = "stale_attach",
	[FI_REPEAT_ATTACH] = "repeat_attach",
	[FI_ATOMIC_ATTACH] = "atomic_attach",
	[FI_UNMAP_UNMAPPED] = "unmap_unmapped",
	[FI_MAP_OVER_MAPPED] = "map_over_mapped",
	[FI_INCONSISTENT] = "inconsistent",
	[FI_MAP_INTO_DETACHED] = "map_into_detached",
	[FI_MAP_UNBOUND] = "map_unbound",
	[FI_ATTACH] = "attach",
	[FI_DEFERRED_ATTACH] = "deferred_attach",
	[FI_ATTACH_FAILED] = "attach_failed",
	[FI_GROUP_OVERLAP] = "group_overlap",
	[FI_MAPPED_PAGES] = "mapped_pages",
	[FI_UNMAPPED_PAGES] = "unmapped_pages",
};
EXPORT_SYMBOL_GPL(fi_counter_names);

void fi_count(struct fi_counts *counts, enum fi_counter c)
{
	if (counts)
		atomic_long_inc(&counts->v[c]);
	atomic_long_inc(&fi_total.v[c]);
}

void fi_counts_read(const struct fi_counts *counts, long *out)
{
	int i;

	if (!counts)
		counts = &fi_total;
	for (i = 0; i < FI_NR_COUNTERS; i++)
		out[i] = atomic_long_read(&counts->v[i]);
}

void fi_counts_zero(struct fi_counts *counts)
{
	int i;

	if (!counts)
		counts = &fi_total;
	for (i = 0; i < FI_NR_COUNTERS; i++)
		atomic_long_set(&counts->v[i], 0);
}

/**
 * fake_iommu_count - count an event seen on a device of the watched driver
 * @c: the counter, e.g. FI_STALE_ATTACH when a DMA shows the hardware on
 *     another domain than the core has the device on
 *
 * For checks made outside this module (the harness's DMA oracle on a real
 * device): the totals only, as for every watched device.
 */
void fake_iommu_count(enum fi_counter c)
{
	if (c < FI_NR_COUNTERS)
		fi_count(NULL, c);
}
EXPORT_SYMBOL_GPL(fake_iommu_count);
