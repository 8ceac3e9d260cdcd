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
 * repeat. The core's domain is read only where the attach holds
 * group->mutex: on vanilla 6.12's unlocked path only an attach still
 * running is seen. (The core clears the flag after a deferred attach_dev returns,
 * before a locked one.) What the hardware then does is the harness's DMA
 * oracle's to find.
 *
 * The probe runs at the function's first instruction, through int3 (an
 * NMI-like entry) or, where the kernel traces function entries, through
 * ftrace (which disables preemption around its handlers). The preempt
 * levels the probe adds are measured once at load, on a function of this
 * module called with preemption enabled; beyond them the preempt and
 * softirq counts and the interrupted flags are the attaching context's.
 * An optimised (jump) probe would differ: the guest turns optimisation
 * off (debug.kprobes-optimization=0).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/preempt.h>

#include "core_view.h"
#include "counters.h"
#include "lockprobe.h"
#include "watch.h"

static char *watch;
module_param(watch, charp, 0444);
MODULE_PARM_DESC(watch, "another IOMMU driver's attach_dev to check through a kprobe");

/*
 * The device whose attaches are compared, the number running for it and
 * the domain a core (not deferred) attach is installing for it. The vtd
 * boots attach one device at a time (one edu, no other driver doing DMA);
 * another device's attach meanwhile is counted, not compared.
 */
static struct device *fi_watch_dev;
static atomic_t fi_watch_in_attach;
static struct iommu_domain *fi_watch_installing;

/* What one call's return handler needs. */
struct fi_watch_call {
	bool deferred_path;
	bool compared;		/* for fi_watch_dev */
};

static struct kretprobe fi_watch_probe;

/* The preempt levels the probe itself adds, and through which mechanism. */
static unsigned int fi_watch_own_preempt;
static bool fi_watch_own_ftrace;
static bool fi_watch_calibrated;

/* Were interrupts off where the probe hit? VT-d and AMD-Vi are x86's. */
static bool fi_watch_irqs_were_off(struct pt_regs *regs)
{
#ifdef CONFIG_X86
	return regs_irqs_disabled(regs);
#else
	return false;	/* not reached: fi_watch_init() refuses other architectures */
#endif
}

static bool fi_watch_atomic(struct pt_regs *regs)
{
	if (in_nmi() == fi_watch_own_ftrace ||
	    kprobe_ftrace(&fi_watch_probe.kp) != fi_watch_own_ftrace) {
		pr_warn_once("watch: the probe is not the calibrated kind: atomic_attach not measured\n");
		return false;
	}
	return (preempt_count() & PREEMPT_MASK) > fi_watch_own_preempt ||
	       (preempt_count() & SOFTIRQ_MASK) || fi_watch_irqs_were_off(regs);
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
	struct fi_watch_call *call = (void *)ri->data;

	if (!dev || !dev->iommu || !dev->iommu_group)
		return 1;	/* no return handler */
	fi_count(NULL, FI_ATTACH);
	call->compared = !cmpxchg(&fi_watch_dev, NULL, dev) || READ_ONCE(fi_watch_dev) == dev;
	call->deferred_path = fi_on_deferred_path();
	if (call->deferred_path) {
		fi_count(NULL, FI_DEFERRED_ATTACH);
		/* Racy by design: the flag another attach may be clearing. */
		if (!data_race(!!dev->iommu->attach_deferred) && call->compared)
			fi_watch_late(dev, domain);
	} else if (call->compared) {
		WRITE_ONCE(fi_watch_installing, domain);
	}
	if (!fi_group_mutex_held(dev))
		fi_count(NULL, FI_UNLOCKED_ATTACH);
	if (fi_watch_atomic(regs))
		fi_count(NULL, FI_ATOMIC_ATTACH);
	if (call->compared && atomic_inc_return(&fi_watch_in_attach) > 1)
		fi_count(NULL, FI_OVERLAPPING_ATTACH);
	return 0;
}

static int fi_watch_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct fi_watch_call *call = (void *)ri->data;

	if ((int)regs_return_value(regs))
		fi_count(NULL, FI_ATTACH_FAILED);
	if (!call->compared)
		return 0;
	if (!call->deferred_path)
		WRITE_ONCE(fi_watch_installing, NULL);
	if (atomic_dec_and_test(&fi_watch_in_attach))
		WRITE_ONCE(fi_watch_dev, NULL);
	return 0;
}

static struct kretprobe fi_watch_probe = {
	.entry_handler = fi_watch_entry,
	.handler = fi_watch_return,
	.data_size = sizeof(struct fi_watch_call),
	.maxactive = 16,
};

/* Probed once at load, called with preemption enabled. */
static noinline void fi_watch_calibration_point(void)
{
	barrier();
}

static int fi_watch_calibrate_pre(struct kprobe *p, struct pt_regs *regs)
{
	fi_watch_own_preempt = preempt_count() & PREEMPT_MASK;
	fi_watch_own_ftrace = kprobe_ftrace(p);
	fi_watch_calibrated = true;
	return 0;
}

static int fi_watch_calibrate(void)
{
	struct kprobe kp = {
		.symbol_name = "fi_watch_calibration_point",
		.pre_handler = fi_watch_calibrate_pre,
	};
	int ret;

	ret = register_kprobe(&kp);
	if (ret)
		return ret;
	fi_watch_calibration_point();
	unregister_kprobe(&kp);
	return fi_watch_calibrated ? 0 : -EIO;
}

/**
 * fake_iommu_watch_missed - attaches the watch could not check
 *
 * Return: calls of the watched function its kretprobe missed (no free
 * instance, or a probe already running on that CPU): a run with any has
 * not measured what it reports.
 */
unsigned long fake_iommu_watch_missed(void)
{
	if (!fi_watching())
		return 0;
	return fi_watch_probe.nmissed + fi_watch_probe.kp.nmissed;
}
EXPORT_SYMBOL_GPL(fake_iommu_watch_missed);

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

	if (!IS_ENABLED(CONFIG_X86)) {
		pr_err("watch=%s: x86 only (the probe reads x86's interrupted context)\n", watch);
		return -EOPNOTSUPP;
	}
	if (!IS_ENABLED(CONFIG_KRETPROBES)) {
		pr_err("watch=%s needs CONFIG_KRETPROBES\n", watch);
		return -EOPNOTSUPP;
	}
	bus_for_each_dev(&pci_bus_type, NULL, &ret, fi_watch_locate);
	if (ret) {
		pr_err("watch=%s: cannot locate the group mutex on a PCI device in an IOMMU group: %d\n",
		       watch, ret);
		return ret;
	}
	ret = fi_watch_calibrate();
	if (ret) {
		pr_err("watch=%s: cannot measure what a kprobe adds to the preempt count: %d\n",
		       watch, ret);
		return ret;
	}
	fi_watch_probe.kp.symbol_name = watch;
	ret = register_kretprobe(&fi_watch_probe);
	if (ret) {
		pr_err("watch=%s: cannot probe it: %d\n", watch, ret);
		return ret;
	}
	pr_info("watching %s (a kprobe adds %u preempt level(s), through %s)\n",
		watch, fi_watch_own_preempt, fi_watch_own_ftrace ? "ftrace" : "int3");
	return 0;
}

void fi_watch_exit(void)
{
	unregister_kretprobe(&fi_watch_probe);
}
