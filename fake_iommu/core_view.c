// SPDX-License-Identifier: GPL-2.0
/*
 * What the IOMMU core believes, as an attach_dev can tell.
 *
 * Which path called attach_dev is known only from the stack: the deferred
 * path and the core's own attach both hand the driver the default domain,
 * and on 6.12 attach_dev has no `old` argument (on 7.x the deferred path
 * passes old == NULL, but so does the first attach at probe).
 */
#include <linux/kallsyms.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include "core_view.h"
#include "lockprobe.h"

/*
 * The deferred path: iommu_deferred_attach(), or the DMA-API glue that
 * calls it (dma-iommu.c attaches through nothing else), whose frame is
 * what remains where a tail call hid iommu_deferred_attach()'s: kernels
 * without frame pointers compile with sibling calls (Debian's 6.12 does).
 */
static const char * const fi_deferred_callers[] = {
	"iommu_deferred_attach+", "__iommu_dma_", "iommu_dma_", "dma_iova_try_alloc+",
};

/* What a frame on an attach stack is. */
enum fi_frame { FI_FRAME_CORE, FI_FRAME_DEFERRED, FI_FRAME_MODULE };

/*
 * The functions seen on attach stacks, each learned once from kallsyms
 * ("iommu_deferred_attach+0x2d/0x30": none of them is exported), after
 * which a range check serves. Entries are written once, under the lock,
 * and published by the count; a full table only means more lookups.
 */
struct fi_text_range {
	unsigned long start, end;
	enum fi_frame kind;
};

static DEFINE_SPINLOCK(fi_sym_lock);
static char fi_sym[KSYM_SYMBOL_LEN];
static struct fi_text_range fi_ranges[64];
static unsigned int fi_nr_ranges;

/* @ret is a return address: its call is the instruction before it. */
static enum fi_frame fi_frame_kind(unsigned long ret)
{
	/* Pairs with the release below: a counted entry is complete. */
	unsigned int i, n = smp_load_acquire(&fi_nr_ranges);
	unsigned long flags, off, size, addr = ret - 1;
	enum fi_frame kind = FI_FRAME_CORE;
	char *plus;

	for (i = 0; i < n; i++)
		if (addr >= fi_ranges[i].start && addr < fi_ranges[i].end)
			return fi_ranges[i].kind;
	/*
	 * In watch mode this runs from a kprobe handler (int3, NMI-like) and
	 * from nowhere else; a CPU never re-enters a kprobe handler (a nested
	 * hit is counted missed, which fails the run), so the CPU that takes
	 * the lock there never holds it already: other CPUs wait their turn.
	 */
	spin_lock_irqsave(&fi_sym_lock, flags);
	sprint_symbol(fi_sym, addr);
	plus = strchr(fi_sym, '+');
	if (plus && sscanf(plus + 1, "%lx/%lx", &off, &size) == 2 && off < size) {
		/* Module text: "hr_map+0x6e/0x100 [harness]". */
		if (strchr(plus, '['))
			kind = FI_FRAME_MODULE;
		for (i = 0; i < ARRAY_SIZE(fi_deferred_callers); i++)
			if (str_has_prefix(fi_sym, fi_deferred_callers[i]))
				kind = FI_FRAME_DEFERRED;
		n = fi_nr_ranges;
		if (n < ARRAY_SIZE(fi_ranges)) {
			fi_ranges[n].start = addr - off;
			fi_ranges[n].end = addr - off + size;
			fi_ranges[n].kind = kind;
			/* Pairs with the acquire above. */
			smp_store_release(&fi_nr_ranges, n + 1);
		}
	}
	spin_unlock_irqrestore(&fi_sym_lock, flags);
	return kind;
}

/*
 * Is attach_dev running under the deferred path? Its frames lie between
 * fake_iommu's own and the first module frame above the core's (the
 * driver that mapped or attached): the walk stops there, which bounds the
 * kallsyms lookups of module text, whose ranges change with every load.
 */
bool fi_on_deferred_path(void)
{
	/* a kprobe's frames (watch.c) come first there */
	unsigned long entries[16];
	bool in_core = false;
	unsigned int i, n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	for (i = 0; i < n; i++) {
		switch (fi_frame_kind(entries[i])) {
		case FI_FRAME_DEFERRED:
			return true;
		case FI_FRAME_MODULE:
			if (in_core)
				return false;
			break;
		case FI_FRAME_CORE:
			in_core = true;
			break;
		}
	}
	return false;
}

/*
 * The domain the core has the device on (group->domain), read only where
 * group->mutex is held, as every writer of it holds it; NULL elsewhere
 * (vanilla 6.12's deferred path runs unlocked). 7.x asserts the mutex is
 * not held in iommu_get_domain_for_dev() and gives drivers, which run
 * under it, iommu_driver_get_domain_for_dev() instead.
 */
struct iommu_domain *fi_core_domain(struct device *dev)
{
	if (!fi_group_mutex_held(dev))
		return NULL;
#ifdef FI_HAVE_DRIVER_GET_DOMAIN
	return iommu_driver_get_domain_for_dev(dev);
#else
	return iommu_get_domain_for_dev(dev);
#endif
}
