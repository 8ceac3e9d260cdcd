/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_iommu's knobs: u32 values with a range each, set from debugfs or by
 * the harness (fake_iommu_knob()), read with READ_ONCE() where they act.
 */
#ifndef FAKE_IOMMU_KNOBS_H
#define FAKE_IOMMU_KNOBS_H

#include <linux/compiler.h>
#include <linux/device.h>
#include <linux/types.h>

#include "fake_iommu.h"

struct fi_knobs {
	u32 attach_delay_us;
	u32 attach_delay_sleeps;
	/* A planted hardware bug: attach_dev succeeds, the hardware is not set. */
	u32 attach_drops;
	u32 attach_may_sleep;
	u32 core_assert;
	u32 deferred;
	u32 warn;
};

struct fi_knob {
	const char *name;
	u32 *val;
	u32 min, max;
};

extern struct fi_knobs fi_knobs;
extern const struct fi_knob fi_knob_table[];
extern const unsigned int fi_nr_knobs;

/*
 * Counted always; printed unless the warn knob is off (benchmarks). Files
 * that use it define dev_fmt() for the module's prefix.
 */
#define fi_warn(dev, fmt, ...) do {						\
	if (READ_ONCE(fi_knobs.warn))						\
		dev_warn_ratelimited(dev, fmt, ##__VA_ARGS__);			\
} while (0)

#endif /* FAKE_IOMMU_KNOBS_H */
