/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failed attaches: the harness asks for the next n deferred ones to fail
 * (fake_iommu_fail_attaches()), and the kernel's fault injection reaches
 * them, and a driver's attaches of its own UNMANAGED domains, through
 * debugfs fail_attach/ and a task's fail-nth.
 */
#ifndef FAKE_IOMMU_FAULTS_H
#define FAKE_IOMMU_FAULTS_H

#include <linux/fault-inject.h>
#include <linux/types.h>

struct iommu_domain;

extern struct fault_attr fi_fail_attach;

/* 0, or the error this attach of @domain fails with. */
int fi_attach_fault(bool deferred, const struct iommu_domain *domain);

#endif /* FAKE_IOMMU_FAULTS_H */
