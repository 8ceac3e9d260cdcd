// SPDX-License-Identifier: GPL-2.0
/*
 * Watch a real IOMMU driver's attach_dev (watch=intel_iommu_attach_device
 * for QEMU's VT-d) with a kretprobe: the checks fi_attach_dev() makes on
 * fake_iommu's own clients, on a driver this module does not touch. The
 * devices are not fake_iommu clients, so only the totals count.
 *
 * There is no fake hardware to ask here. A deferred attach (one from the
 * DMA-map path) that finds attach_deferred already clear has lost the
 * flag to another attach: over the domain the core has, or is installing
 * in an attach_dev running now, it is stale; of that same domain, a
 * repeat. (The core clears the flag after a deferred attach_dev returns,
 * before a locked one.) What the hardware then does is the harness's DMA
 * oracle's to find.
 *
 * The probe fires on the function's first instruction through int3, which
 * the kernel handles as an NMI: the preempt and softirq counts, and the
 * interrupted flags in @regs, are the attaching context's own. An
 * optimised (jump) probe would add a preempt level of its own; the guest
 * turns optimisation off (debug.kprobes-optimization=0) and atomic_attach
 * says nothing, with one line, if a probe was optimised all the same.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/preempt.h>

#include "internal.h"

static char *watch;
module_param(watch, charp, 0444);
MODULE_PARM_DESC(watch, "another IOMMU driver's attach_dev to check through a kprobe");

/*
 * Attaches running now, and the domain a core (not deferred) attach is
 * installing: the watched runs use one device at a time.
 */
static atomic_t fi_watch_in_attach;
static struct iommu_domain *fi_watch_installing;

static bool fi_watch_atomic(struct pt_regs *regs)
{
	if (!in_nmi()) {
		pr_warn_once("fake_iommu: watch: the probe was optimised: atomic_attach not measured\n");
		return false;
	}
	return (preempt_count() & (PREEMPT_MASK | SOFTIRQ_MASK)) ||
	       !(regs->flags & X86_EFLAGS_IF);
}

/* A deferred attach that lost attach_deferred to another attach. */
static void fi_watch_late(struct device *dev, struct iommu_domain *domain)
{
	struct iommu_domain *core = fi_core_domain(dev);

	if (!core || core == domain)
		core = READ_ONCE(fi_watch_installing);
	if (core && core != domain)
		fi_count(NULL, FI_STALE_ATTACH);
	else
		fi_count(NULL, FI_REPEAT_ATTACH);
}

static int fi_watch_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct iommu_domain *domain = (void *)regs_get_kernel_argument(regs, 0);
	struct device *dev = (struct device *)regs_get_kernel_argument(regs, 1);
	bool deferred_path;

	if (!dev || !dev->iommu || !dev->iommu_group)
		return 1;	/* no return handler */
	fi_count(NULL, FI_ATTACH);
	deferred_path = fi_on_deferred_path();
	*(bool *)ri->data = deferred_path;
	if (deferred_path) {
		fi_count(NULL, FI_DEFERRED_ATTACH);
		/* Racy by design: the flag another attach may be clearing. */
		if (!data_race(!!dev->iommu->attach_deferred))
			fi_watch_late(dev, domain);
	} else {
		WRITE_ONCE(fi_watch_installing, domain);
	}
	if (!fi_group_mutex_held(dev))
		fi_count(NULL, FI_UNLOCKED_ATTACH);
	if (fi_watch_atomic(regs))
		fi_count(NULL, FI_ATOMIC_ATTACH);
	if (atomic_inc_return(&fi_watch_in_attach) > 1)
		fi_count(NULL, FI_OVERLAPPING_ATTACH);
	return 0;
}

static int fi_watch_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if ((int)regs_return_value(regs))
		fi_count(NULL, FI_ATTACH_FAILED);
	if (!*(bool *)ri->data)
		WRITE_ONCE(fi_watch_installing, NULL);
	atomic_dec(&fi_watch_in_attach);
	return 0;
}

static struct kretprobe fi_watch_probe = {
	.entry_handler = fi_watch_entry,
	.handler = fi_watch_return,
	.data_size = sizeof(bool),	/* on the deferred path */
	.maxactive = 16,
};

bool fi_watching(void)
{
	return watch && *watch;
}

/* The group mutex is located once, on any device of the watched bus. */
static int fi_watch_locate(struct device *dev, void *data)
{
	int *ret = data;

	if (!dev->iommu_group)
		return 0;
	*ret = fi_group_mutex_probe(dev);
	return 1;
}

int fi_watch_init(void)
{
	int ret = -ENODEV;

	bus_for_each_dev(&pci_bus_type, NULL, &ret, fi_watch_locate);
	if (ret) {
		pr_err("fake_iommu: watch=%s: no PCI device in an IOMMU group to locate the group mutex: %d\n",
		       watch, ret);
		return ret;
	}
	if (!IS_ENABLED(CONFIG_KRETPROBES)) {
		pr_err("fake_iommu: watch=%s needs CONFIG_KRETPROBES\n", watch);
		return -EOPNOTSUPP;
	}
	fi_watch_probe.kp.symbol_name = watch;
	ret = register_kretprobe(&fi_watch_probe);
	if (ret) {
		pr_err("fake_iommu: watch=%s: cannot probe it: %d\n", watch, ret);
		return ret;
	}
	pr_info("fake_iommu: watching %s\n", watch);
	return 0;
}

void fi_watch_exit(void)
{
	unregister_kretprobe(&fi_watch_probe);
}
