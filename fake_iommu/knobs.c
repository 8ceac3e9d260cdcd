// SPDX-License-Identifier: GPL-2.0
/* fake_iommu's knobs: their defaults and ranges, in one table. */
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "fake_iommu.h"
#include "knobs.h"

struct fi_knobs fi_knobs = {
	/*
	 * Counting runs print nothing inside attach_dev: a WARNING printed on
	 * one variant's attach and not on another's would skew the race counts.
	 * Splat evidence comes from runs that turn these on.
	 */
	.core_assert = 0,
	.deferred = 1,
	.warn = 0,
	/* VT-d's and AMD's first attach allocate with GFP_KERNEL and may sleep. */
	.attach_may_sleep = 1,
};

const struct fi_knob fi_knob_table[] = {
	{ "attach_delay_us", &fi_knobs.attach_delay_us, 0, FAKE_IOMMU_MAX_ATTACH_DELAY_US },
	{ "attach_delay_sleeps", &fi_knobs.attach_delay_sleeps, 0, 1 },
	{ "attach_drops", &fi_knobs.attach_drops, 0, 1 },
	{ "attach_may_sleep", &fi_knobs.attach_may_sleep, 0, 1 },
	{ "core_assert", &fi_knobs.core_assert, 0, 1 },
	{ "deferred", &fi_knobs.deferred, 0, 1 },
	{ "warn", &fi_knobs.warn, 0, 1 },
};

const unsigned int fi_nr_knobs = ARRAY_SIZE(fi_knob_table);

/**
 * fake_iommu_knob - set a knob from another module, within its range
 * @name: the knob's debugfs name
 * @val: the new value
 * @old: where to store the previous value, or NULL
 *
 * Return: 0, -EINVAL out of range, -ENOENT for no such knob.
 */
int fake_iommu_knob(const char *name, u32 val, u32 *old)
{
	unsigned int i;

	for (i = 0; i < fi_nr_knobs; i++) {
		const struct fi_knob *k = &fi_knob_table[i];

		if (strcmp(k->name, name))
			continue;
		if (val < k->min || val > k->max)
			return -EINVAL;
		if (old)
			*old = READ_ONCE(*k->val);
		WRITE_ONCE(*k->val, val);
		return 0;
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(fake_iommu_knob);
