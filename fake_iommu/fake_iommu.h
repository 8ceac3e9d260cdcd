/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_iommu: a modular IOMMU driver with deferred attach that records
 * everything the IOMMU core does to it. This header is the interface the
 * harness module uses.
 */
#ifndef FAKE_IOMMU_H
#define FAKE_IOMMU_H

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/types.h>

#define FAKE_IOMMU_CLIENT_NAME "fake_iommu_client"

/*
 * The longest attach delay (knob attach_delay_us): a busy wait where
 * attach_dev runs in atomic context, as VT-d's qi_submit_sync() spins with
 * interrupts off until the hardware completes; 1 ms bounds ours.
 */
#define FAKE_IOMMU_MAX_ATTACH_DELAY_US 1000

/* Counters, per client and in total. fi_counter_names[] spells them. */
enum fi_counter {
	/* Race and policy detectors. */
	FI_UNLOCKED_ATTACH,
	FI_OVERLAPPING_ATTACH,
	FI_STALE_ATTACH,
	FI_REPEAT_ATTACH,
	FI_ATOMIC_ATTACH,
	FI_UNMAP_UNMAPPED,
	FI_MAP_OVER_MAPPED,
	FI_INCONSISTENT,
	/*
	 * Plain accounting. A DMA-API map into a domain no device is attached
	 * to is what the harness itself does while it has moved the device
	 * (not a core bug); one on a client with no driver bound is something
	 * no bound DMA-API driver can do (scenario class api-misuse only).
	 */
	FI_MAP_INTO_DETACHED,
	FI_MAP_UNBOUND,
	FI_ATTACH,
	FI_DEFERRED_ATTACH,
	FI_ATTACH_FAILED,
	/*
	 * attach_dev for one device while another device of its group is in
	 * attach_dev: what group->mutex rules out. Drivers lock per domain,
	 * so it is counted, not a detector.
	 */
	FI_GROUP_OVERLAP,
	FI_MAPPED_PAGES,
	FI_UNMAPPED_PAGES,
	FI_NR_COUNTERS
};

/* The first FI_NR_DETECTORS counters report a problem when non-zero. */
#define FI_NR_DETECTORS (FI_INCONSISTENT + 1)

extern const char * const fi_counter_names[FI_NR_COUNTERS];

struct device *fake_iommu_client_add(bool deferred, const char *driver_override);
struct device *fake_iommu_client_add_sibling(struct device *peer, bool deferred,
					     const char *driver_override);
void fake_iommu_client_remove(struct device *dev);
bool fake_iommu_client_deferred(struct device *dev);
void fake_iommu_counters(struct device *dev, long *out);
void fake_iommu_count(enum fi_counter c);
unsigned long fake_iommu_watch_missed(void);
int fake_iommu_check(struct device *dev, bool expect_unmapped);
int fake_iommu_knob(const char *name, u32 val, u32 *old);
void fake_iommu_fail_attaches(unsigned int times);
void fake_iommu_set_attach_lock(struct mutex *lock);

#endif /* FAKE_IOMMU_H */
