// SPDX-License-Identifier: GPL-2.0
/* Failed deferred attaches, on request and by the kernel's fault injection. */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/iommu.h>
#include <linux/limits.h>
#include <linux/minmax.h>

#include "fake_iommu.h"
#include "faults.h"

DECLARE_FAULT_ATTR(fi_fail_attach);

/*
 * The harness's own requests are a count of this driver's, not settings of
 * fi_fail_attach: a fault_attr is its owner's and the user's (debugfs),
 * and a scenario's failures must not depend on CONFIG_FAULT_INJECTION.
 */
static atomic_t fi_fail_next = ATOMIC_INIT(0);

int fi_attach_fault(bool deferred, const struct iommu_domain *domain)
{
	/* A failed deferred attach is recoverable: the core keeps deferring. */
	if (deferred)
		return (atomic_dec_if_positive(&fi_fail_next) >= 0 ||
			should_fail(&fi_fail_attach, 1)) ? -EIO : 0;
	/*
	 * A driver's own domain may fail as VT-d's domain_attach_iommu() can
	 * (no memory, no domain ID). The core's domains do not: its unwinds
	 * re-attach them and WARN on failure. Unlike VT-d, which blocks the
	 * device first, the fake hardware is left as it was.
	 */
	if (domain->type == IOMMU_DOMAIN_UNMANAGED && should_fail(&fi_fail_attach, 1))
		return -ENOMEM;
	return 0;
}

/**
 * fake_iommu_fail_attaches - make the next deferred attaches fail
 * @times: how many; 0 stops failing them
 */
void fake_iommu_fail_attaches(unsigned int times)
{
	atomic_set(&fi_fail_next, min_t(unsigned int, times, INT_MAX));
}
EXPORT_SYMBOL_GPL(fake_iommu_fail_attaches);
