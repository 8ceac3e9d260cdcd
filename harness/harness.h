/* SPDX-License-Identifier: GPL-2.0 */
/* harness: scenarios that make DMA mapping and attach collide. */
#ifndef HARNESS_H
#define HARNESS_H

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/hrtimer.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/scatterlist.h>
#include <linux/seq_buf.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/version.h>

#include "../fake_iommu/fake_iommu.h"

#define HR_MAX_PARAMS 8

/* QEMU's edu device (edu.c). */
#define HR_EDU_VENDOR	0x1234
#define HR_EDU_DEVICE	0x11e8
/*
 * Bytes per transfer: QEMU 7.2 rejects one that ends at the last byte of
 * the device's 4 KiB buffer as out of bounds (and stops the machine).
 */
#define HR_EDU_LEN	2048
#define HR_MAX_THREADS 8

/* A parameter: a number in [min, max], or one of @choices by index. */
struct hr_param {
	const char *name;
	u32 def, min, max;
	const char * const *choices;
};

/* bench: the path timed (hr_bench_paths[]) and the op (hr_bench_ops[]). */
enum hr_bench_path { HR_BENCH_ATTACHED, HR_BENCH_FIRST, HR_BENCH_ATOMIC, HR_BENCH_GROUP };
enum hr_bench_op { HR_BENCH_PAIRS, HR_BENCH_MAPS };

/* The DMA-API entry a first map goes through (dma_api.c). */
enum hr_api {
	HR_API_SINGLE, HR_API_PAGE, HR_API_SG, HR_API_COHERENT, HR_API_NONCONTIG,
	HR_API_IOVA,
};

/* The IOVA-link API (dma_iova_try_alloc()): 7.x, not 6.12. */
#ifdef DMA_IOVA_USE_SWIOTLB
#define HR_HAVE_DMA_IOVA 1
#endif

extern const char * const hr_api_names[];

/* pci_dev_reset_iommu_prepare()/_done(): merged for 7.0. */
#define HR_HAVE_RESET_PREPARE (LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0))

/* One page mapped through one entry, and what undoes it. */
struct hr_mapping {
	enum hr_api api;
	void *buf;		/* the caller's page, where the entry takes one */
	void *cpu;		/* what @dma maps: @buf, or what the entry allocated */
	dma_addr_t dma;
	struct scatterlist sg;
	struct sg_table sgt;
	struct sg_table *nc;	/* noncontig's own table */
#ifdef HR_HAVE_DMA_IOVA
	struct dma_iova_state iova;
#endif
};

/* How the mapping parties make their first map. */
enum hr_ctx { HR_CTX_THREAD, HR_CTX_SPINLOCK, HR_CTX_TIMER, HR_CTX_BOTH };

/* What the one other party does while the mappers make their first map. */
enum hr_other {
	HR_OTHER_NONE,
	HR_OTHER_ATTACH,	/* to an UNMANAGED domain and back */
	HR_OTHER_OWNER,		/* claim and release DMA ownership */
	HR_OTHER_RESET,		/* block and restore the IOMMU as a PCI reset does */
};

/*
 * How the reset party resets the device (ats.c): what a write of "bus" to
 * sysfs reset_method does (pci_reset_bus_function()'s probe: IOMMU
 * prepare and done, no reset, no device lock; 7.x only), what a write
 * to sysfs reset does (pci_reset_function(): the device lock, an FLR), or
 * the driver's own FLR in its probe, before its first map (pcie_flr(), as
 * ice's probe does in a kdump kernel): no other party.
 */
enum hr_reset { HR_RESET_METHOD_PROBE, HR_RESET_FUNCTION, HR_RESET_DRIVER_FLR };

/* Where the client's driver makes its first map. */
enum hr_first {
	HR_FIRST_THREADS,	/* from harness threads, after probe, at once */
	HR_FIRST_PROBE,		/* in its probe */
	HR_FIRST_OPEN,		/* after probe, under a mutex of its own (open()) */
	HR_FIRST_WORK,		/* from work its probe queued */
};

/*
 * A second device in the round's group (fake_iommu's shared groups): none;
 * the mappers alternate between the two devices; or they map the sibling
 * while the other party moves the group.
 */
enum hr_sibling { HR_SIBLING_NONE, HR_SIBLING_BOTH, HR_SIBLING_ONLY };

/*
 * What a scenario is evidence of: what correct drivers do, a driver
 * breaking the "first map single-threaded in probe" expectation, or what
 * no bound DMA-API driver can do (a negative control at most).
 */
enum hr_class { HR_LEGAL, HR_DRIVER_BUG, HR_API_MISUSE };

extern const char * const hr_class_names[];

struct hr_run;
struct pci_driver;

struct hr_scenario {
	const char *name;
	const char *what;
	enum hr_class class;
	const struct hr_param *params;
	/* Runs every round; NULL means hr_round() with the table's settings. */
	int (*run)(struct hr_run *run);
	/* Why this kernel cannot run the scenario (it is skipped), or NULL. */
	const char *(*unsupported)(void);
	enum hr_other other;
	enum hr_first first;
	enum hr_sibling sibling;
	bool unbound;		/* no driver bound to the client (api-misuse) */
	bool under_lock;	/* first map holding hr_driver_lock, which attach takes */
	bool in_turn;		/* mappers, then the other party: no collision */
	bool real_device;	/* needs devices=edu: QEMU's edu behind a real IOMMU */
	bool ats_device;	/* needs devices=ats: a PCIe device with ATS (ats.c) */
	bool any_devices;	/* its own round function, but no fake_iommu hook */
	enum hr_reset reset;	/* HR_OTHER_RESET: the reset its party does */
	bool maps_may_fail;	/* failures are injected: a failed map is no bug */
	const struct hr_isolation *isolation;	/* blocked_dma's case */
	const struct hr_reset_hold *reset_hold;	/* reset_hold's case */
};

/* blocked_dma's cases (isolation.c): where the claim is made, on what. */
struct hr_isolation {
	bool capture;		/* a capture kernel: edu still on a copied entry */
	bool identity;		/* the first kernel ran edu 1:1 (iommu=pt) */
	bool redefer;		/* attached once, then deferred again (rescan) */
	bool own_target;	/* after the claim: a page of this kernel's own */
};

/* reset_hold's cases (reset_hold.c): who acts while a reset is held open. */
enum hr_in_reset {
	HR_IN_RESET_MAP, HR_IN_RESET_CLAIM, HR_IN_RESET_ATTACH,
	/* undo inside the reset what was set up before it */
	HR_IN_RESET_RELEASE, HR_IN_RESET_DETACH,
	/* the other function of the device's group maps and resets */
	HR_IN_RESET_SIBLING,
};

struct hr_reset_hold {
	enum hr_in_reset party;
	unsigned int depth;	/* resets opened, one inside the other */
};

/* The reset party of the reset scenarios (reset.c). */
struct hr_resetter {
	struct hrtimer timer;
	struct task_struct *task;
	struct device *dev;
	enum hr_reset how;
	struct completion done;
	int err;
};

int hr_resetter_arm(struct hr_resetter *r, struct device *dev, enum hr_reset how,
		    u32 offset_ns);
int hr_resetter_finish(struct hr_resetter *r);

/* One run of a scenario: its parameters, state and tallies. */
struct hr_run {
	const struct hr_scenario *sc;
	u32 val[HR_MAX_PARAMS];
	unsigned int nval;
	ktime_t start;
	u32 rounds;
	long before[FI_NR_COUNTERS];
	long after[FI_NR_COUNTERS];
	/* Tallies, diagnostic lines in the results. */
	unsigned long maps_ok, maps_failed, bad_translations;
	unsigned long other_ok, other_failed, check_failures, setup_failures;
	/* sweeps: points failed, failures absorbed, dry-run points not reached */
	unsigned long fault_points, faults_absorbed, points_varied;
	unsigned long watch_missed;	/* fake_iommu's watch, before the run */
	unsigned long reset_cycles;	/* HR_OTHER_RESET: prepare/done pairs done */
	/* reset_hold: the party's acts while the reset is open, and after it */
	unsigned long refused_in_reset, granted_in_reset, refused_after;
	unsigned long attached_in_reset;	/* watched attaches by those acts */
	unsigned long deferred_at_reset;	/* rounds whose reset met a deferred device */
	unsigned long first_detection_round;
	s64 first_detection_us;
	/* bench samples, ns per op; the lock is static-keyed for lockdep */
	spinlock_t samples_lock;
	u64 *samples;
	unsigned int nsamples, max_samples;
	const char *error;
	const char *skip;	/* sc->unsupported()'s reason: no round ran */
};

/*
 * Where a round's device comes from (harness param devices=): fake_iommu's
 * clients, or QEMU's edu device behind a real IOMMU (edu.c). One round
 * mechanism serves both; what differs is here.
 */
struct hr_devices {
	const char *name;
	/* The driver of the devices, where it is not the harness's platform one. */
	int (*driver_register)(void);
	void (*driver_unregister)(void);
	/* A device whose attach is deferred, bound to our driver, probed. */
	struct device *(*get)(struct hr_run *run);
	/* Another such device in @dev's IOMMU group (NULL: none can be). */
	struct device *(*sibling)(struct hr_run *run, struct device *dev);
	void (*put)(struct device *dev);
	/*
	 * Does the hardware agree with the core, the device quiet; and while
	 * the core has it on @domain, an UNMANAGED one? The number of
	 * differences (counted by fake_iommu), or an error: cannot tell.
	 */
	int (*check)(struct device *dev, bool expect_unmapped);
	int (*check_on)(struct device *dev, struct iommu_domain *domain, u32 seed);
	/* Does the device reach what @m maps? 0, -EIO, or cannot tell. */
	int (*reaches)(struct device *dev, struct hr_mapping *m, u32 seed);
	/* Why a scenario cannot run on these devices, or NULL. */
	const char *(*unsupported)(const struct hr_scenario *sc);
};

extern const struct hr_devices *hr_devices;

extern const struct hr_scenario hr_scenarios[];
extern const unsigned int hr_nr_scenarios;
extern atomic_t hr_abort;
/* The client driver's own lock; lock_order maps holding it. */
extern struct mutex hr_driver_lock;

bool hr_has(const struct hr_run *run, const char *name);
u32 hr_get(const struct hr_run *run, const char *name);
int hr_parse(const char *line, struct hr_run *run, char *why, size_t whylen);
void hr_describe(struct seq_buf *s);
int hr_round(struct hr_run *run);
int hr_bench(struct hr_run *run);
int hr_steady_round(struct hr_run *run);
void hr_report(struct hr_run *run, struct seq_buf *s, int status);
void hr_report_params(struct hr_run *run, struct seq_buf *s);
int hr_client_driver_register(void);
void hr_client_driver_unregister(void);
struct device *hr_client_add(struct hr_run *run);
int hr_client_probed(struct device *dev);
void hr_client_removed(struct device *dev);
int hr_devices_select(void);
int hr_edu_driver_register(void);
void hr_edu_driver_unregister(void);
struct device *hr_edu_add(struct hr_run *run);
struct device *hr_pci_rebind(u16 vendor, u16 device, struct pci_driver *drv);
struct device *hr_pci_add_sibling(struct hr_run *run, struct device *dev,
				  struct pci_driver *drv);
struct device *hr_edu_add_sibling(struct hr_run *run, struct device *dev);
struct device *hr_client_add_sibling(struct hr_run *run, struct device *dev);
void hr_pci_put(struct device *dev);
int hr_ats_driver_register(void);
void hr_ats_driver_unregister(void);
struct device *hr_ats_add(struct hr_run *run);
struct device *hr_ats_add_sibling(struct hr_run *run, struct device *dev);
int hr_reset_cycle(struct device *dev, enum hr_reset how);
int hr_reset_prepare(struct device *dev);
void hr_reset_done(struct device *dev);
int hr_reset_hold_round(struct hr_run *run);
void hr_tally_reach(struct hr_run *run, int ret);
const char *hr_reset_unsupported(void);
int hr_edu_reaches(struct device *dev, struct hr_mapping *m, u32 seed);
int hr_edu_reaches_unmanaged(struct device *dev, void *buf, dma_addr_t iova, u32 seed);
int hr_edu_transfer(void __iomem *regs, dma_addr_t iova, bool to_ram);
void hr_edu_pattern(void *buf, u32 seed);
bool hr_edu_has_pattern(const void *buf, u32 seed);
void __iomem *hr_edu_regs(struct device *dev);
int hr_plant_round(struct hr_run *run);
int hr_blocked_round(struct hr_run *run);
int hr_sweep_round(struct hr_run *run);
int hr_api_map(struct device *dev, struct hr_mapping *m, bool atomic);
void hr_api_unmap(struct device *dev, struct hr_mapping *m);
void hr_api_sync(struct device *dev, struct hr_mapping *m, bool for_device);
phys_addr_t hr_api_phys(const struct hr_mapping *m);
enum hr_api hr_api_of(const struct hr_run *run);
const char *hr_api_unsupported(const struct hr_run *run);
const char *hr_sweep_unsupported(void);

static inline bool hr_should_stop(const struct hr_run *run)
{
	return atomic_read(&hr_abort) ||
	       ktime_ms_delta(ktime_get(), run->start) > hr_get(run, "timeout_s") * 1000LL;
}

#endif /* HARNESS_H */
