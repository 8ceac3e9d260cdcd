/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failed deferred attaches: the harness asks for the next n to fail
 * (fake_iommu_fail_attaches()), and the kernel's fault injection reaches
 * the same point through debugfs fail_attach/ and a task's fail-nth.
 */
#ifndef FAKE_IOMMU_FAULTS_H
#define FAKE_IOMMU_FAULTS_H

#include <linux/fault-inject.h>

extern struct fault_attr fi_fail_attach;

/* Should this deferred attach fail? */
bool fi_attach_should_fail(void);

#endif /* FAKE_IOMMU_FAULTS_H */
