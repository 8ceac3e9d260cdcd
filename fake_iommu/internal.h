/* SPDX-License-Identifier: GPL-2.0 */
/* fake_iommu's private state, shared by its files. */
#ifndef FAKE_IOMMU_INTERNAL_H
#define FAKE_IOMMU_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fault-inject.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/platform_device.h>
#include <linux/version.h>
#include <linux/xarray.h>

#include "fake_iommu.h"

/* Counted always; printed unless the warn knob is off (benchmarks). */
#define fi_warn(dev, fmt, ...) do {						\
	if (READ_ONCE(fi_knobs.warn))						\
		dev_warn_ratelimited(dev, "fake_iommu: " fmt, ##__VA_ARGS__);	\
} while (0)

/* The fake hardware's view of one client device. */
struct fi_client {
	struct list_head node;
	struct platform_device *pdev;
	int id;
	bool deferred;
	/* Added at load or through debugfs, so debugfs may remove it. */
	bool by_user;
	/* Fully added; until then it is listed only for probe_device. */
	bool ready;
	/* The domain the fake hardware translates this device with. */
	struct iommu_domain *hw_domain;
	/* The domain a core (not deferred) attach_dev is installing now. */
	struct iommu_domain *installing;
	atomic_t in_attach;
	atomic_long_t count[FI_NR_COUNTERS];
};

/* A paging domain: an IOVA page number -> PFN table. */
struct fi_domain {
	struct iommu_domain domain;
	struct list_head node;
	struct xarray table;
	/* Maps come from any context, softirq included. */
	spinlock_t lock;
	/* Clients the fake hardware translates with this domain. */
	atomic_t users;
	/* The client it was allocated for, whose counters it feeds. */
	struct fi_client *owner;
};

static inline struct fi_domain *to_fi_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct fi_domain, domain);
}

/* debugfs knobs; all u32 so one parser and one range table serve them. */
struct fi_knobs {
	u32 attach_delay_us;
	u32 attach_delay_sleeps;
	/* A planted hardware bug: attach_dev succeeds, the hardware is not set. */
	u32 attach_drops;
	u32 attach_may_sleep;
	u32 core_assert;
	u32 deferred;
	u32 warn;
};

extern struct fi_knobs fi_knobs;
extern struct fault_attr fi_fail_attach;
extern struct iommu_device fi_iommu;
extern const struct iommu_ops fi_ops;
extern struct mutex fi_clients_lock;
extern struct list_head fi_clients;
extern struct mutex fi_domains_lock;
extern struct list_head fi_domains;
extern atomic_long_t fi_total[FI_NR_COUNTERS];

/* attach_dev gained the old domain as an argument in 6.18. */
#define FI_ATTACH_HAS_OLD (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0))

struct fi_client *fi_client_lookup(struct device *dev);

/* Set by probe_device: cheap, and safe in atomic context. */
static inline struct fi_client *fi_client_of(struct device *dev)
{
	return dev_iommu_priv_get(dev);
}

void fi_count(struct fi_client *client, enum fi_counter c);
#if FI_ATTACH_HAS_OLD
int fi_attach_dev(struct iommu_domain *domain, struct device *dev,
		  struct iommu_domain *old);
#else
int fi_attach_dev(struct iommu_domain *domain, struct device *dev);
#endif
struct iommu_domain *fi_domain_alloc_paging(struct device *dev);
unsigned long fi_domain_pages(struct iommu_domain *domain);
int fi_clients_add_user(unsigned int n);
void fi_client_destroy(struct fi_client *client);
void fi_clients_remove_all(void);
void fi_clients_remove_user(void);
bool fi_check_attach(struct fi_client *client, struct iommu_domain *domain,
		     struct iommu_domain *old);
bool fi_on_deferred_path(void);
struct iommu_domain *fi_core_domain(struct device *dev);
bool fi_watching(void);
int fi_watch_init(void);
void fi_watch_exit(void);
const char *fi_domain_kind(struct iommu_domain *domain);
int fi_group_mutex_probe(struct device *dev);
bool fi_group_mutex_held(struct device *dev);
void fi_report_kernel_features(void);
int fi_debugfs_init(void);
void fi_debugfs_exit(void);

#endif /* FAKE_IOMMU_INTERNAL_H */
