// SPDX-License-Identifier: GPL-2.0
/*
 * The reset party of the reset scenarios: a task resetting the device
 * (hr_reset_cycle(), ats.c) that preempts the driver's first map. It is
 * SCHED_FIFO on the mapper's CPU, woken by a timer offset_ns into the
 * map, so it runs until it sleeps (or waits for the map's group->mutex)
 * before the map goes on: where the timer lands between the map's
 * unlocked test of the deferred flag and its mutex, the map meets the
 * reset there, as a map preempted by any higher-priority resetter would.
 */
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/version.h>

#include "harness.h"

/* hrtimer_setup() is 6.13's; before it, init and set the function. */
static void hr_resetter_timer(struct hrtimer *timer,
			      enum hrtimer_restart (*fn)(struct hrtimer *))
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(timer, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
#else
	hrtimer_init(timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	timer->function = fn;
#endif
}

static enum hrtimer_restart hr_resetter_fire(struct hrtimer *timer)
{
	struct hr_resetter *r = container_of(timer, struct hr_resetter, timer);

	wake_up_process(r->task);
	return HRTIMER_NORESTART;
}

static int hr_resetter_fn(void *data)
{
	struct hr_resetter *r = data;

	r->err = hr_reset_cycle(r->dev, r->how);
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
 * hr_resetter_arm - before the driver's first map: the reset task,
 * bound to this CPU, woken @offset_ns from now
 * @r: the round's resetter
 * @dev: the round's device (a PCI device with ATS)
 * @how: the reset the task does
 * @offset_ns: when the timer wakes the task
 *
 * The caller keeps itself on this CPU (migrate_disable()) until
 * hr_resetter_finish().
 *
 * Return: 0, or the error that kept the task from being created.
 */
int hr_resetter_arm(struct hr_resetter *r, struct device *dev, enum hr_reset how,
		    u32 offset_ns)
{
	struct task_struct *t;

	init_completion(&r->done);
	r->dev = dev;
	r->how = how;
	r->err = 0;
	t = kthread_create_on_cpu(hr_resetter_fn, r, smp_processor_id(), "harness/reset/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	r->task = t;
	sched_set_fifo(t);
	hr_resetter_timer(&r->timer, hr_resetter_fire);
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
