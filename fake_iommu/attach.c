// SPDX-License-Identifier: GPL-2.0
/*
 * fake_iommu's attach_dev: the fake hardware switches a device to a new
 * domain, and every way the core can call it wrongly is counted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/delay.h>
#include <linux/export.h>
#include <linux/preempt.h>

#include "attach.h"
#include "client.h"
#include "core_view.h"
#include "domain.h"
#include "faults.h"
#include "knobs.h"
#include "lockprobe.h"

/* A client driver's lock attach_dev takes while set (lock_order only). */
static struct mutex *fi_attach_lock;

/**
 * fake_iommu_set_attach_lock - make attach_dev take a client's lock
 * @lock: a mutex of the client driver's own, or NULL to stop
 *
 * The lock_order scenario's hook: attach_dev takes @lock on its locked
 * paths, so lockdep sees group->mutex -> @lock there and @lock ->
 * group->mutex where the client maps holding it. No real IOMMU driver
 * takes a lock of its clients: a negative control (class api-misuse).
 * Set it with no attach running, and clear it before @lock goes away.
 */
void fake_iommu_set_attach_lock(struct mutex *lock)
{
	WRITE_ONCE(fi_attach_lock, lock);
}
EXPORT_SYMBOL_GPL(fake_iommu_set_attach_lock);

/*
 * The core's own assertion, so a failure prints the kernel's real splat.
 * 7.x also has iommu_driver_get_domain_for_dev(), which asserts the same
 * lock, but it WARNs on the release path, where the core attaches the
 * release domain after unlisting the device: core_view.c calls it only
 * where the mutex is held.
 */
static void fi_core_assert(struct device *dev)
{
	iommu_group_mutex_assert(dev);
}

/*
 * Widen the race window the way a slow hardware invalidation would: a
 * busy wait of at most FAKE_IOMMU_MAX_ATTACH_DELAY_US, or a sleep where the knob
 * asks for one and the context allows it.
 */
static void fi_attach_delay(void)
{
	u32 us = min_t(u32, READ_ONCE(fi_knobs.attach_delay_us), FAKE_IOMMU_MAX_ATTACH_DELAY_US);

	if (!us)
		return;
	if (READ_ONCE(fi_knobs.attach_delay_sleeps) && preemptible())
		fsleep(us);
	else
		udelay(us);
}

/* preemptible() is constant 0 without preempt counting. */
static bool fi_in_atomic(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT))
		return !preemptible();
	return irqs_disabled() || in_interrupt();
}

static void fi_set_hw_domain(struct fi_client *client, struct iommu_domain *domain)
{
	struct iommu_domain *old = xchg(&client->hw_domain, domain);

	if (fi_is_paging(old))
		atomic_dec(&to_fi_domain(old)->users);
	if (fi_is_paging(domain))
		atomic_inc(&to_fi_domain(domain)->users);
}

/*
 * The domain the core has the device on: read from the core where
 * group->mutex is held; on vanilla 6.12's unlocked deferred path, the one
 * the core's last attach_dev installed here (the core changes a device's
 * domain only through attach_dev once the device is attached, also for
 * each device of a shared group).
 */
static struct iommu_domain *fi_core_domain_of(struct fi_client *client)
{
	struct iommu_domain *core = fi_core_domain(&client->pdev->dev);

	return core ? core : READ_ONCE(client->core_installed);
}

/* Counts what is wrong with this attach; true on the deferred path. */
static bool fi_check_attach(struct fi_client *client, struct iommu_domain *domain,
			    struct iommu_domain *old)
{
	struct device *dev = &client->pdev->dev;
	struct iommu_domain *hw = READ_ONCE(client->hw_domain);
	struct iommu_domain *core;

	if (hw == domain) {
		fi_count(&client->counts, FI_REPEAT_ATTACH);
		fi_warn(dev, "attach of the domain already attached\n");
	}
	/* 7.x tells the driver where the core believes the device is. */
	if (old && hw && hw != old) {
		fi_count(&client->counts, FI_INCONSISTENT);
		fi_warn(dev, "attach: hardware has %s domain, the core says %s\n",
			fi_domain_kind(hw), fi_domain_kind(old));
	}
	if (!fi_on_deferred_path())
		return false;
	core = fi_core_domain_of(client);
	if (!core || core == domain)
		core = READ_ONCE(client->installing);
	if (core && core != domain) {
		fi_count(&client->counts, FI_STALE_ATTACH);
		fi_warn(dev, "deferred attach of %s domain over the core's %s\n",
			fi_domain_kind(domain), fi_domain_kind(core));
	}
	return true;
}

#if FI_ATTACH_HAS_OLD
int fi_attach_dev(struct iommu_domain *domain, struct device *dev,
		  struct iommu_domain *old)
#else
int fi_attach_dev(struct iommu_domain *domain, struct device *dev)
#endif
{
	struct fi_client *client = fi_client_of(dev);
	/* The core clears the flag before a locked attach, after a deferred one. */
	bool deferred = data_race(!!dev->iommu->attach_deferred);
	bool atomic = fi_in_atomic();
	struct fi_counts *counts;
	bool deferred_path;
	struct mutex *lock;	/* fi_attach_lock, where this attach takes it */
	int ret = 0;

	if (WARN_ON_ONCE(!client))
		return -ENODEV;
	counts = &client->counts;
	fi_count(counts, FI_ATTACH);
	if (deferred)
		fi_count(counts, FI_DEFERRED_ATTACH);

	if (!fi_group_mutex_held(dev)) {
		fi_count(counts, FI_UNLOCKED_ATTACH);
		fi_warn(dev, "attach_dev without the group mutex%s\n",
			deferred ? " (deferred attach)" : "");
	}
	if (READ_ONCE(fi_knobs.core_assert))
		fi_core_assert(dev);
	if (atomic) {
		fi_count(counts, FI_ATOMIC_ATTACH);
		fi_warn(dev, "attach_dev in atomic context\n");
	}
	/*
	 * A real driver allocates (GFP_KERNEL) and takes mutexes here: in any
	 * context the core calls attach_dev from, say what VT-d would.
	 */
	if (READ_ONCE(fi_knobs.attach_may_sleep))
		might_sleep();
	if (atomic_inc_return(&client->in_attach) > 1) {
		fi_count(counts, FI_OVERLAPPING_ATTACH);
		fi_warn(dev, "two attach_dev calls at once\n");
	} else if (atomic_inc_return(&client->share->in_attach) > 1) {
		/* The share counts devices in attach_dev: another one is. */
		fi_count(counts, FI_GROUP_OVERLAP);
	}
#if FI_ATTACH_HAS_OLD
	deferred_path = fi_check_attach(client, domain, old);
#else
	deferred_path = fi_check_attach(client, domain, NULL);
#endif
	/* Only on the core's paths: the deferred one would self-deadlock. */
	lock = !atomic && !deferred_path ? READ_ONCE(fi_attach_lock) : NULL;
	if (!deferred_path)
		WRITE_ONCE(client->installing, domain);

	if (lock)
		mutex_lock(lock);
	fi_attach_delay();
	ret = fi_attach_fault(deferred, domain);
	if (ret)
		fi_count(counts, FI_ATTACH_FAILED);
	else if (!READ_ONCE(fi_knobs.attach_drops))
		fi_set_hw_domain(client, domain);
	if (lock)
		mutex_unlock(lock);
	if (!deferred_path) {
		if (!ret)
			WRITE_ONCE(client->core_installed, domain);
		WRITE_ONCE(client->installing, NULL);
	}

	if (atomic_dec_and_test(&client->in_attach))
		atomic_dec(&client->share->in_attach);
	return ret;
}
