// SPDX-License-Identifier: GPL-2.0
/*
 * One round: a fresh deferred device bound to a driver of the harness's
 * own — a fake_iommu client bound to the harness's platform driver (as
 * kernel/dma/map_benchmark.c binds its device, so the core accounts the
 * DMA-API use of a bound driver), or QEMU's edu (edu.c) — its first map
 * where the scenario puts it — in probe, in work probe queued, under a mutex of the
 * driver's after probe, or from parties started together behind a barrier
 * with at most one other party so they collide — then quiesce, unmap,
 * check the fake hardware against the core, and remove the client.
 * Every scenario but fault and bench is this mechanism with other settings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/platform_device.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "harness.h"

/* from_timer() became timer_container_of() in 6.16. */
#ifndef timer_container_of
#define timer_container_of from_timer
#endif

struct hr_round;

struct hr_party {
	struct hr_round *rc;
	struct device *dev;	/* the device it maps: the round's, or the sibling */
	struct task_struct *task;
	bool mapper;
	bool mapped;		/* the first map was attempted */
	enum hr_ctx ctx;
	struct hr_mapping m;	/* the first map, through the run's api= */
	int err;
	spinlock_t lock;	/* held across the map in HR_CTX_SPINLOCK */
	struct timer_list timer;
	struct completion timer_done;
};

struct hr_round {
	struct hr_run *run;
	struct device *dev;
	struct device *sibling;		/* in dev's group (sc->sibling) */
	struct work_struct first_work;	/* HR_FIRST_WORK: queued by probe */
	struct iommu_domain *unmanaged;
	struct hr_resetter reset;	/* HR_OTHER_RESET, armed in probe */
	int reset_err;
	unsigned int nparties;
	unsigned int started;
	atomic_t ready;
	atomic_t released;
	atomic_t finished;
	bool go;
	wait_queue_head_t wq;
	struct hr_party party[HR_MAX_THREADS + 1];
};

/* The round a client's probe belongs to: one scenario runs at a time. */
static struct hr_round *hr_probe_round;
static const char hr_client_driver_name[] = "harness_client";
/* The client driver's own lock, as RTNL is around a NIC's ndo_open(). */
static DEFINE_MUTEX(hr_open_lock);

static void hr_map(struct hr_party *p)
{
	p->err = hr_api_map(p->dev, &p->m, p->ctx == HR_CTX_SPINLOCK ||
			    p->ctx == HR_CTX_TIMER);
	p->mapped = true;
}

static void hr_timer_map(struct timer_list *t)
{
	struct hr_party *p = timer_container_of(p, t, timer);

	hr_map(p);
	complete(&p->timer_done);
}

/* A map (the first, but for steady_atomic_map) in the context asked for. */
static void hr_first_map(struct hr_party *p)
{
	switch (p->ctx) {
	case HR_CTX_SPINLOCK:
		spin_lock(&p->lock);
		hr_map(p);
		spin_unlock(&p->lock);
		break;
	case HR_CTX_TIMER:
		init_completion(&p->timer_done);
		timer_setup(&p->timer, hr_timer_map, 0);
		mod_timer(&p->timer, jiffies);
		wait_for_completion(&p->timer_done);
		timer_delete_sync(&p->timer);
		break;
	default:
		if (p->rc->run->sc->under_lock) {
			mutex_lock(&hr_driver_lock);
			hr_map(p);
			mutex_unlock(&hr_driver_lock);
		} else {
			hr_map(p);
		}
	}
}

/* A check's answer: differences found, or it could not tell (not ok). */
static void hr_tally_check(struct hr_run *run, int ret)
{
	if (ret > 0)
		run->check_failures++;
	else if (ret < 0)
		run->setup_failures++;
}

/* The DMA oracle's answer (hr_devices->reaches): -EIO is an inconsistency. */
void hr_tally_reach(struct hr_run *run, int ret)
{
	if (ret == -EIO)
		fake_iommu_count(FI_INCONSISTENT);
	hr_tally_check(run, ret == -EIO ? 1 : ret);
}

/*
 * While the other party owns the device, a first map that read the
 * deferred flag before the move may attach the default domain behind the
 * core's back. Hold the device there a while, then ask fake_iommu whether
 * its hardware (the sibling's too) still agrees with the core before
 * moving back.
 */
static void hr_hold(struct hr_round *rc)
{
	u32 us = hr_has(rc->run, "hold_us") ? hr_get(rc->run, "hold_us") : 0;

	if (us)
		usleep_range(us, us + us / 8 + 1);
	hr_tally_check(rc->run, hr_devices->check_on(rc->dev, rc->unmanaged, rc->run->rounds));
	if (rc->sibling)
		hr_tally_check(rc->run, hr_devices->check_on(rc->sibling, rc->unmanaged,
							     rc->run->rounds));
}

/*
 * The other party: move the device away from its default domain and back,
 * or claim DMA ownership the way VFIO and iommufd do (the device API).
 * With a DMA-API driver bound the claim must be refused (-EPERM): that is
 * the core's rule, checked, not a race.
 */
static int hr_other(struct hr_round *rc)
{
	struct iommu_group *group;
	int ret;

	group = iommu_group_get(rc->dev);
	if (!group)
		return -ENODEV;
	if (rc->run->sc->other == HR_OTHER_OWNER) {
		ret = iommu_device_claim_dma_owner(rc->dev, rc);
		if (!ret) {
			hr_hold(rc);
			iommu_device_release_dma_owner(rc->dev);
		}
		if (!rc->run->sc->unbound)
			ret = ret == -EPERM ? 0 : -EINVAL;
	} else if (!rc->sibling && !hr_get(rc->run, "path")) {
		/* Refused (-EINVAL) for a group of two: the sibling moves the group. */
		ret = iommu_attach_device(rc->unmanaged, rc->dev);
		if (!ret) {
			hr_hold(rc);
			iommu_detach_device(rc->unmanaged, rc->dev);
		}
	} else {
		ret = iommu_attach_group(rc->unmanaged, group);
		if (!ret) {
			hr_hold(rc);
			iommu_detach_group(rc->unmanaged, group);
		}
	}
	iommu_group_put(group);
	return ret;
}

static int hr_party_fn(void *data)
{
	struct hr_party *p = data;
	struct hr_round *rc = p->rc;

	atomic_inc(&rc->ready);
	wake_up_all(&rc->wq);
	wait_event(rc->wq, READ_ONCE(rc->go) || kthread_should_stop());
	/* Wake-ups are milliseconds apart under emulation: meet, then go. */
	atomic_inc(&rc->released);
	while (READ_ONCE(rc->go) && atomic_read(&rc->released) < rc->started)
		cond_resched();
	if (READ_ONCE(rc->go)) {
		if (p->mapper)
			hr_first_map(p);
		else
			p->err = hr_other(rc);
	}
	atomic_inc(&rc->finished);
	wake_up_all(&rc->wq);
	return 0;
}

/*
 * The driver's first map of the round (party 0: in probe, in its work, or
 * under its lock after probe); in the reset scenarios after the driver's
 * own FLR, or with a reset task armed to preempt it (reset.c) 50 ns later
 * each round, modulo spread_ns.
 */
static void hr_driver_first_map(struct hr_round *rc)
{
	struct hr_run *run = rc->run;
	u32 offset;

	if (run->sc->other != HR_OTHER_RESET) {
		hr_first_map(&rc->party[0]);
		return;
	}
	if (run->sc->reset == HR_RESET_DRIVER_FLR) {
		rc->reset_err = hr_reset_cycle(rc->dev, HR_RESET_DRIVER_FLR);
		if (!rc->reset_err)
			run->reset_cycles++;
		hr_first_map(&rc->party[0]);
		return;
	}
	offset = run->rounds * 50 % (hr_get(run, "spread_ns") + 1);
	/* the reset task is bound to this CPU: the map stays on it */
	migrate_disable();
	rc->reset_err = hr_resetter_arm(&rc->reset, rc->dev, run->sc->reset, offset);
	hr_first_map(&rc->party[0]);
	if (!rc->reset_err)
		rc->reset_err = hr_resetter_finish(&rc->reset);
	migrate_enable();
	if (!rc->reset_err)
		run->reset_cycles++;
}

static void hr_first_work(struct work_struct *work)
{
	struct hr_round *rc = container_of(work, struct hr_round, first_work);

	hr_driver_first_map(rc);
}

/**
 * hr_client_probed - the probe of a driver of the harness's (platform or
 * edu): the round's first map, where the scenario puts it in probe
 * @dev: the device being probed
 *
 * Return: 0; a map's failure is the round's to count.
 */
int hr_client_probed(struct device *dev)
{
	struct hr_round *rc = READ_ONCE(hr_probe_round);

	/*
	 * The round's device is being added and has no dev pointer yet; a
	 * device bound outside a round (by hand, or edu at load) is left alone.
	 */
	if (!rc || rc->dev)
		return 0;
	rc->dev = dev;
	rc->party[0].dev = dev;
	if (rc->run->sc->first == HR_FIRST_PROBE) {
		hr_driver_first_map(rc);
	} else if (rc->run->sc->first == HR_FIRST_WORK) {
		INIT_WORK(&rc->first_work, hr_first_work);
		schedule_work(&rc->first_work);
	}
	return 0;
}

/* Work probe queued ends before the device goes, on every path. */
void hr_client_removed(struct device *dev)
{
	struct hr_round *rc = READ_ONCE(hr_probe_round);

	if (rc && rc->dev == dev && rc->run->sc->first == HR_FIRST_WORK)
		flush_work(&rc->first_work);
}

static int hr_client_probe(struct platform_device *pdev)
{
	return hr_client_probed(&pdev->dev);
}

static void hr_client_remove(struct platform_device *pdev)
{
	hr_client_removed(&pdev->dev);
}

static struct platform_driver hr_client_driver = {
	.probe = hr_client_probe,
	.remove = hr_client_remove,
	.driver.name = hr_client_driver_name,
};

int hr_client_driver_register(void)
{
	return platform_driver_register(&hr_client_driver);
}

void hr_client_driver_unregister(void)
{
	platform_driver_unregister(&hr_client_driver);
}

/* A client just added must have the harness's driver bound, or it goes. */
static struct device *hr_client_bound(struct device *dev)
{
	if (!IS_ERR(dev) && !READ_ONCE(dev->driver)) {
		fake_iommu_client_remove(dev);
		return ERR_PTR(-ENXIO);
	}
	return dev;
}

/**
 * hr_client_add - a deferred client for one round, bound to the harness's
 * client driver unless the scenario is api-misuse by being unbound
 * @run: the run the round belongs to (bench and fault rounds too)
 *
 * Return: the device, or an ERR_PTR.
 */
struct device *hr_client_add(struct hr_run *run)
{
	if (run->sc->unbound)
		return fake_iommu_client_add(true, NULL);
	return hr_client_bound(fake_iommu_client_add(true, hr_client_driver_name));
}

/**
 * hr_client_add_sibling - a second client in the group of @dev, bound to
 * the harness's driver like it (probe maps nothing)
 * @run: the run the round belongs to
 * @dev: the round's client
 *
 * Return: the sibling, or an ERR_PTR.
 */
struct device *hr_client_add_sibling(struct hr_run *run, struct device *dev)
{
	return hr_client_bound(fake_iommu_client_add_sibling(dev, true, hr_client_driver_name));
}

/* The round's sibling, from the round's device source. */
static int hr_round_sibling(struct hr_round *rc)
{
	struct device *dev;

	dev = hr_devices->sibling(rc->run, rc->dev);
	if (IS_ERR(dev)) {
		rc->run->setup_failures++;
		return PTR_ERR(dev);
	}
	rc->sibling = dev;
	return 0;
}

/*
 * The round's client, probed by the harness's driver (probe may map), and
 * its sibling where the scenario has one; then what each mapper maps.
 */
static int hr_round_client(struct hr_round *rc)
{
	const struct hr_scenario *sc = rc->run->sc;
	unsigned int i;
	int ret;

	WRITE_ONCE(hr_probe_round, rc);
	rc->dev = hr_devices->get(rc->run);
	if (IS_ERR(rc->dev)) {
		rc->run->setup_failures++;
		return PTR_ERR(rc->dev);
	}
	if (sc->sibling != HR_SIBLING_NONE) {
		ret = hr_round_sibling(rc);
		if (ret) {
			hr_devices->put(rc->dev);
			return ret;
		}
	}
	for (i = 0; i < HR_MAX_THREADS; i++) {
		if (sc->sibling == HR_SIBLING_ONLY ||
		    (sc->sibling == HR_SIBLING_BOTH && i % 2))
			rc->party[i].dev = rc->sibling;
		else
			rc->party[i].dev = rc->dev;
	}
	return 0;
}

/* Sibling first: the group's domains count into the round device's counters. */
static void hr_round_put(struct hr_round *rc)
{
	if (rc->sibling)
		hr_devices->put(rc->sibling);
	hr_devices->put(rc->dev);
}

/* A mapping party of @rc with its buffer, mapping in context @ctx. */
static int hr_mapper_init(struct hr_round *rc, struct hr_party *p, enum hr_ctx ctx)
{
	p->rc = rc;
	p->mapper = true;
	p->ctx = ctx;
	spin_lock_init(&p->lock);
	p->m.api = hr_api_of(rc->run);
	p->m.buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	return p->m.buf ? 0 : -ENOMEM;
}

/* Start every party behind the barrier, let them go together, join. */
static void hr_collide(struct hr_round *rc)
{
	unsigned int i, started = 0;

	for (i = 0; i < rc->nparties; i++) {
		struct task_struct *t;

		t = kthread_create(hr_party_fn, &rc->party[i], "harness/%u", i);
		if (IS_ERR(t)) {
			rc->party[i].err = PTR_ERR(t);
			rc->run->setup_failures++;
			continue;
		}
		/*
		 * One party per CPU where possible: without preemption a party
		 * spinning in attach_dev would hold back one sharing its CPU.
		 */
		kthread_bind(t, i % num_online_cpus());
		get_task_struct(t);
		rc->party[i].task = t;
		wake_up_process(t);
		started++;
	}
	rc->started = started;
	wait_event(rc->wq, atomic_read(&rc->ready) == started);
	WRITE_ONCE(rc->go, true);
	wake_up_all(&rc->wq);
	wait_event(rc->wq, atomic_read(&rc->finished) == started);
	for (i = 0; i < rc->nparties; i++) {
		if (!rc->party[i].task)
			continue;
		kthread_stop(rc->party[i].task);
		put_task_struct(rc->party[i].task);
	}
}

/* Tally a mapper; a successful map must translate to its buffer. */
static void hr_settle(struct hr_round *rc, struct hr_party *p)
{
	struct hr_run *run = rc->run;
	struct iommu_domain *core = iommu_get_domain_for_dev(p->dev);

	if (!p->mapped || p->err) {
		run->maps_failed++;
		return;
	}
	run->maps_ok++;
	if (core && core->type == IOMMU_DOMAIN_DMA &&
	    iommu_iova_to_phys(core, p->m.dma) != hr_api_phys(&p->m)) {
		run->bad_translations++;
		dev_err(p->dev, "IOVA %pad does not translate to its buffer\n",
			&p->m.dma);
	}
	/* The device itself: is the hardware on the domain the core has? */
	if (hr_devices->reaches) {
		hr_tally_reach(run, hr_devices->reaches(p->dev, &p->m,
							run->rounds * HR_MAX_THREADS +
							(p - rc->party)));
	}
	hr_api_unmap(p->dev, &p->m);
}

int hr_round(struct hr_run *run)
{
	const struct hr_scenario *sc = run->sc;
	struct hr_round *rc;
	unsigned int i, mappers;
	u32 ctx = HR_CTX_THREAD;
	int ret = 0;

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return -ENOMEM;
	rc->run = run;
	init_waitqueue_head(&rc->wq);
	mappers = hr_has(run, "threads") ? hr_get(run, "threads") : 1;
	if (hr_has(run, "ctx"))
		ctx = hr_get(run, "ctx");
	if (ctx == HR_CTX_BOTH)
		ctx = run->rounds % 2 ? HR_CTX_TIMER : HR_CTX_SPINLOCK;
	for (i = 0; i < mappers; i++) {
		ret = hr_mapper_init(rc, &rc->party[i], ctx);
		if (ret)
			goto out_free;
	}
	rc->nparties = mappers;

	ret = hr_round_client(rc);
	if (ret)
		goto out_free;
	if (sc->first == HR_FIRST_WORK)
		flush_work(&rc->first_work);
	if (sc->first == HR_FIRST_OPEN) {
		mutex_lock(&hr_open_lock);
		hr_driver_first_map(rc);
		mutex_unlock(&hr_open_lock);
	}
	if (sc->other != HR_OTHER_NONE) {
		rc->party[mappers].rc = rc;
		rc->party[mappers].err = rc->reset_err;
		rc->nparties++;
		if (sc->other == HR_OTHER_ATTACH) {
			rc->unmanaged = iommu_paging_domain_alloc(rc->dev);
			if (IS_ERR(rc->unmanaged)) {
				ret = PTR_ERR(rc->unmanaged);
				rc->unmanaged = NULL;
				run->setup_failures++;
				goto out_remove;
			}
		}
	}

	if (sc->in_turn) {
		for (i = 0; i < mappers; i++)
			hr_first_map(&rc->party[i]);
		rc->party[mappers].err = hr_other(rc);
	} else if (sc->first == HR_FIRST_THREADS) {
		hr_collide(rc);
	} else if (sc->other != HR_OTHER_NONE && sc->other != HR_OTHER_RESET) {
		rc->party[mappers].err = hr_other(rc);
	}
	if (sc->other != HR_OTHER_NONE) {
		if (rc->party[mappers].err)
			run->other_failed++;
		else
			run->other_ok++;
		if (sc->other == HR_OTHER_OWNER && !sc->unbound && rc->party[mappers].err)
			run->error = "DMA ownership was granted while a DMA-API driver was bound";
	}
	for (i = 0; i < mappers; i++)
		hr_settle(rc, &rc->party[i]);
	hr_tally_check(run, hr_devices->check(rc->dev, true));
	if (rc->sibling)
		hr_tally_check(run, hr_devices->check(rc->sibling, true));

out_remove:
	if (rc->unmanaged)
		iommu_domain_free(rc->unmanaged);
	hr_round_put(rc);
out_free:
	WRITE_ONCE(hr_probe_round, NULL);
	for (i = 0; i < mappers; i++)
		kfree(rc->party[i].m.buf);
	kfree(rc);
	return ret;
}

/*
 * steady_atomic_map: the client's driver attaches its device by a first
 * map in probe, then maps and unmaps `maps` times from softirq (a timer)
 * and with a spinlock held, alternately, as a NIC's transmit path does. In
 * a kdump kernel every one of these maps passes iommu_deferred_attach().
 */
int hr_steady_round(struct hr_run *run)
{
	u32 i, maps = hr_get(run, "maps");
	struct hr_party *p;
	struct hr_round *rc;
	int ret = 0;

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return -ENOMEM;
	rc->run = run;
	p = &rc->party[0];
	ret = hr_mapper_init(rc, p, HR_CTX_THREAD);
	if (ret)
		goto out_free;
	ret = hr_round_client(rc);
	if (ret)
		goto out_free;
	hr_settle(rc, p);
	for (i = 0; i < maps; i++) {
		/* A round cut short is not a round: the run reports it not ok. */
		if (hr_should_stop(run)) {
			ret = -ETIMEDOUT;
			break;
		}
		p->ctx = i % 2 ? HR_CTX_TIMER : HR_CTX_SPINLOCK;
		p->mapped = false;
		hr_first_map(p);
		hr_settle(rc, p);
	}
	hr_tally_check(run, hr_devices->check(rc->dev, true));
	hr_round_put(rc);
out_free:
	WRITE_ONCE(hr_probe_round, NULL);
	kfree(p->m.buf);
	kfree(rc);
	return ret;
}
