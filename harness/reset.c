// SPDX-License-Identifier: GPL-2.0
/*
 * The reset party of reset_vs_probe_map: a write of "bus" or "default" to
 * sysfs reset_method by a task that preempts the driver's probe during
 * its first map. The write runs pci_reset_bus_function()'s probe, which
 * blocks the device's IOMMU and restores it (pci_dev_reset_iommu_prepare()
 * and _done(), no reset between them, no device lock); hr_reset_cycle()
 * does the same. The task is SCHED_FIFO on the mapper's CPU, woken by a
 * timer offset_ns into the map: unless the map holds group->mutex then
 * (the task waits for it), the reset runs to its end before the map goes
 * on, so where the timer lands between the map's unlocked test of the
 * deferred flag and its mutex, the map finds the flag cleared by a legal
 * reset.
 */
#include <linux/completion.h>
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

	r->err = hr_reset_cycle(r->dev);
	complete(&r->done);
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
 * The caller keeps itself on this CPU (migrate_disable()) until
 * hr_resetter_finish().
 *
 * Return: 0, or the error that kept the task from being created.
 */
int hr_resetter_arm(struct hr_resetter *r, struct device *dev, u32 offset_ns)
{
	struct task_struct *t;

	init_completion(&r->done);
	r->dev = dev;
	r->err = 0;
	t = kthread_create_on_cpu(hr_resetter_fn, r, smp_processor_id(), "harness/reset/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	r->task = t;
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
	wait_for_completion(&r->done);
	hrtimer_cancel(&r->timer);
	kthread_stop(r->task);
	put_task_struct(r->task);
	r->task = NULL;
	return r->err;
}
#else
int hr_resetter_arm(struct hr_resetter *r, struct device *dev, u32 offset_ns)
{
	return -EOPNOTSUPP;
}

int hr_resetter_finish(struct hr_resetter *r)
{
	return -EOPNOTSUPP;
}
#endif
