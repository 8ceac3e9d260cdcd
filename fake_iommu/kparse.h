/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict number parsing for debugfs writes, shared by fake_iommu and the
 * harness: decimal only, one optional trailing newline, and every failure
 * (not a number, negative, overflow, out of range, trailing garbage) is
 * -EINVAL, so a bad write never changes a value.
 */
#ifndef FAKE_IOMMU_KPARSE_H
#define FAKE_IOMMU_KPARSE_H

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

static inline int kparse_u32(const char *s, u32 min, u32 max, u32 *out)
{
	u32 v;

	/* kstrtou32 takes a leading '+'; a knob value is digits only. */
	if (!isdigit(*s) || kstrtou32(s, 10, &v) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

#endif /* FAKE_IOMMU_KPARSE_H */
