// SPDX-License-Identifier: GPL-2.0
/*
 * bench: what a DMA map costs on the path the review argues about.
 * path=attached times maps on a device whose deferred attach is done (the
 * common fast path: only the flag test, or with the lock-always variant
 * the group mutex, is in the way); path=atomic the same with bottom halves
 * off, as a NIC's transmit path maps; path=first the first map of a fresh
 * deferred device (the attach itself); path=group the attached maps of
 * the threads spread over two devices of one IOMMU group, the contention
 * on that group's mutex where a variant takes it on every map. op=pair
 * times map+unmap pairs, op=map the maps alone. Samples are ns per op:
 * under QEMU's -icount shift=0, guest instructions per op.
 */
#include <linux/bottom_half.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "harness.h"

#define HR_BATCH 16

struct hr_bench_thread {
	struct hr_run *run;
	struct device *dev;
	struct completion *start;
	struct completion done;
	int err;
};

static void hr_sample(struct hr_run *run, u64 ns)
{
	spin_lock(&run->samples_lock);
	if (run->nsamples < run->max_samples)
		run->samples[run->nsamples++] = ns;
	spin_unlock(&run->samples_lock);
}

/* One batch of HR_BATCH ops, timed into @ns; -EIO if a map failed. */
static int hr_bench_batch(struct hr_bench_thread *t, void *buf, bool maps_only, u64 *ns)
{
	dma_addr_t dma[HR_BATCH];
	u64 t0;
	u32 j;

	t0 = ktime_get_ns();
	for (j = 0; j < HR_BATCH; j++) {
		dma[j] = dma_map_single(t->dev, buf, PAGE_SIZE, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(t->dev, dma[j]))
			break;
		if (!maps_only)
			dma_unmap_single(t->dev, dma[j], PAGE_SIZE, DMA_BIDIRECTIONAL);
	}
	*ns = ktime_get_ns() - t0;
	if (maps_only)
		for (int k = 0; k < j; k++)
			dma_unmap_single(t->dev, dma[k], PAGE_SIZE, DMA_BIDIRECTIONAL);
	return j == HR_BATCH ? 0 : -EIO;
}

static int hr_bench_loop(void *data)
{
	struct hr_bench_thread *t = data;
	u32 iters = hr_get(t->run, "iters");
	bool atomic = hr_get(t->run, "path") == HR_BENCH_ATOMIC;
	bool maps_only = hr_get(t->run, "op") == HR_BENCH_MAPS;
	void *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	dma_addr_t keep;
	u32 i;
	u64 ns;

	if (!buf) {
		t->err = -ENOMEM;
		complete(&t->done);
		return 0;
	}
	/*
	 * A page kept mapped for the whole run holds fake_iommu's page-table
	 * node: without it every unmap empties the node and frees it through
	 * RCU, and the pairs would time the model's allocator, not the core.
	 */
	keep = dma_map_single(t->dev, buf, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(t->dev, keep)) {
		t->err = -EIO;
		kfree(buf);
		complete(&t->done);
		return 0;
	}
	wait_for_completion(t->start);
	for (i = 0; i < iters; i += HR_BATCH) {
		/* Stopped short: the repetition does not count as done. */
		if (hr_should_stop(t->run)) {
			t->err = -ETIMEDOUT;
			break;
		}
		if (atomic)
			local_bh_disable();
		t->err = hr_bench_batch(t, buf, maps_only, &ns);
		if (atomic)
			local_bh_enable();
		if (t->err)
			break;
		hr_sample(t->run, ns / HR_BATCH);
		cond_resched();
	}
	dma_unmap_single(t->dev, keep, PAGE_SIZE, DMA_BIDIRECTIONAL);
	kfree(buf);
	complete(&t->done);
	return 0;
}

/* @n threads, thread i mapping on @devs[i % @ndev]. */
static int hr_bench_attached(struct hr_run *run, struct device **devs, u32 ndev)
{
	struct task_struct *task[HR_MAX_THREADS] = { };
	u32 i, n = hr_get(run, "threads");
	DECLARE_COMPLETION_ONSTACK(start);
	struct hr_bench_thread *t;
	int ret = 0;

	t = kcalloc(n, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		t[i] = (struct hr_bench_thread){
			.run = run, .dev = devs[i % ndev], .start = &start,
		};
		init_completion(&t[i].done);
		task[i] = kthread_create(hr_bench_loop, &t[i], "harness/b%u", i);
		if (IS_ERR(task[i])) {
			ret = PTR_ERR(task[i]);
			task[i] = NULL;
			break;
		}
		/* Pinned before it runs: a thread that fails early may exit at once. */
		get_task_struct(task[i]);
		wake_up_process(task[i]);
	}
	complete_all(&start);
	for (i = 0; i < n; i++) {
		if (!task[i])
			continue;
		/* kthread_stop() on a thread not yet running would skip it. */
		wait_for_completion(&t[i].done);
		kthread_stop(task[i]);
		put_task_struct(task[i]);
		if (t[i].err) {
			ret = t[i].err;
			run->maps_failed++;
		}
	}
	kfree(t);
	return ret;
}

static int hr_bench_first(struct hr_run *run, struct device *dev)
{
	void *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	dma_addr_t dma;
	u64 t0;

	if (!buf)
		return -ENOMEM;
	t0 = ktime_get_ns();
	dma = dma_map_single(dev, buf, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, dma)) {
		run->maps_failed++;
		kfree(buf);
		return -EIO;
	}
	run->samples[run->nsamples++] = ktime_get_ns() - t0;
	run->maps_ok++;
	dma_unmap_single(dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	kfree(buf);
	return 0;
}

int hr_bench(struct hr_run *run)
{
	u32 path = hr_get(run, "path");
	struct device *devs[2];
	u32 ndev = 1;
	int ret;

	if (!run->samples) {
		run->max_samples = 1 << 16;
		run->samples = kvcalloc(run->max_samples, sizeof(u64), GFP_KERNEL);
		if (!run->samples)
			return -ENOMEM;
	}
	if (run->nsamples >= run->max_samples)
		return 0;
	devs[0] = hr_client_add(run);
	if (IS_ERR(devs[0])) {
		run->setup_failures++;
		return PTR_ERR(devs[0]);
	}
	/* A first map is one map, timed alone whatever op says. */
	ret = hr_bench_first(run, devs[0]);
	if (ret || path == HR_BENCH_FIRST)
		goto out;
	/* The untimed first map did the deferred attach (the sibling's too). */
	run->nsamples--;
	if (path == HR_BENCH_GROUP) {
		devs[1] = hr_client_add_sibling(run, devs[0]);
		if (IS_ERR(devs[1])) {
			run->setup_failures++;
			ret = PTR_ERR(devs[1]);
			goto out;
		}
		ret = hr_bench_first(run, devs[ndev++]);
		if (ret)
			goto out_sibling;
		run->nsamples--;
	}
	ret = hr_bench_attached(run, devs, ndev);
out_sibling:
	/* removed before the client whose group it joined */
	if (ndev > 1)
		fake_iommu_client_remove(devs[1]);
out:
	fake_iommu_client_remove(devs[0]);
	return ret;
}
