// SPDX-License-Identifier: GPL-2.0
/*
 * The reset party of reset_vs_probe_map: a write to sysfs reset_method by
 * a task that preempts the driver's probe during its first map. The write
 * runs pci_reset_bus_function()'s probe, which blocks the device's IOMMU
 * and restores it (pci_dev_reset_iommu_prepare() and _done(), no reset
 * between them, no device lock); hr_reset_cycle() does the same. The task
 * is SCHED_FIFO on the mapper's CPU, woken by a timer offset_ns into the
 * map, so it runs to the end before the map goes on: where the timer lands
 * between the map's unlocked test of the deferred flag and its mutex, the
 * map finds the flag cleared by a legal reset.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include "harness.h"

#if HR_HAVE_RESET_PREPARE
static enum hrtimer_restart hr_resetter_fire(struct hrtimer *timer)
{
	struct hr_resetter *r = container_of(timer, struct hr_resetter, timer);

	wake_up_process(r->task);
	return HRTIMER_NORESTART;
}

static int hr_resetter_fn(void *data)
{
	struct hr_resetter *r = data;

	r->err = hr_reset_cycle(r->dev, 0);
	WRITE_ONCE(r->done, true);
	wake_up_all(&r->wq);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/**
 * hr_resetter_arm - in the probe, before its first map: the reset task,
 * bound to this CPU, woken @offset_ns from now
 * @r: the round's resetter
 * @dev: the device being probed (a PCI device with ATS)
 * @offset_ns: when the timer wakes the task
 *
 * The caller stays on this CPU until hr_resetter_finish().
 *
 * Return: 0, or the error that kept the task from being created.
 */
int hr_resetter_arm(struct hr_resetter *r, struct device *dev, u64 offset_ns)
{
	struct task_struct *t;

	init_waitqueue_head(&r->wq);
	r->dev = dev;
	r->done = false;
	r->err = 0;
	t = kthread_create(hr_resetter_fn, r, "harness/reset");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	r->task = t;
	migrate_disable();
	kthread_bind(t, smp_processor_id());
	sched_set_fifo(t);
	hrtimer_setup(&r->timer, hr_resetter_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	hrtimer_start(&r->timer, ns_to_ktime(offset_ns), HRTIMER_MODE_REL_PINNED);
	return 0;
}

/**
 * hr_resetter_finish - after the map: let the reset run if it has not,
 * and end the task
 * @r: an armed resetter
 *
 * Return: pci_dev_reset_iommu_prepare()'s error, or 0.
 */
int hr_resetter_finish(struct hr_resetter *r)
{
	migrate_enable();
	wait_event(r->wq, READ_ONCE(r->done));
	hrtimer_cancel(&r->timer);
	kthread_stop(r->task);
	put_task_struct(r->task);
	r->task = NULL;
	return r->err;
}
#else
int hr_resetter_arm(struct hr_resetter *r, struct device *dev, u64 offset_ns)
{
	return -EOPNOTSUPP;
}

int hr_resetter_finish(struct hr_resetter *r)
{
	return -EOPNOTSUPP;
}
#endif
