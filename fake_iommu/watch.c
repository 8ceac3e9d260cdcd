// SPDX-License-Identifier: GPL-2.0
/*
 * Watch a real IOMMU driver's attach_dev (watch=intel_iommu_attach_device
 * for QEMU's VT-d) with a kretprobe: the checks fi_attach_dev() makes on
 * fake_iommu's own clients, on a driver this module does not touch. The
 * devices are not fake_iommu clients, so only the totals count.
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

/* Attaches running now; the watched runs use one device at a time. */
static atomic_t fi_watch_in_attach;

static bool fi_watch_atomic(struct pt_regs *regs)
{
	if (!in_nmi()) {
		pr_warn_once("fake_iommu: watch: the probe was optimised: atomic_attach not measured\n");
		return false;
	}
	return (preempt_count() & (PREEMPT_MASK | SOFTIRQ_MASK)) ||
	       !(regs->flags & X86_EFLAGS_IF);
}

static int fi_watch_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct device *dev = (struct device *)regs_get_kernel_argument(regs, 1);

	if (!dev || !dev->iommu_group)
		return 1;	/* no return handler */
	fi_count(NULL, FI_ATTACH);
	if (fi_on_deferred_path())
		fi_count(NULL, FI_DEFERRED_ATTACH);
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
	atomic_dec(&fi_watch_in_attach);
	return 0;
}

static struct kretprobe fi_watch_probe = {
	.entry_handler = fi_watch_entry,
	.handler = fi_watch_return,
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
