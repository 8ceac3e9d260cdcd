/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failed attaches: the harness asks for the next n deferred ones to fail
 * (fake_iommu_fail_attaches()), and the kernel's fault injection reaches
 * them, and attaches of any domain but the core's current one, through
 * debugfs fail_attach/ and a task's fail-nth.
 */
#ifndef FAKE_IOMMU_FAULTS_H
#define FAKE_IOMMU_FAULTS_H

#include <linux/fault-inject.h>
#include <linux/types.h>

struct device;
struct iommu_domain;

extern struct fault_attr fi_fail_attach;

/* 0, or the error this attach of @domain to @dev fails with. */
int fi_attach_fault(struct device *dev, bool deferred, const struct iommu_domain *domain);

#endif /* FAKE_IOMMU_FAULTS_H */
