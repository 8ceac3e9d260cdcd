/* SPDX-License-Identifier: GPL-2.0 */
/* fake_iommu's client devices and the fake hardware's view of each. */
#ifndef FAKE_IOMMU_CLIENT_H
#define FAKE_IOMMU_CLIENT_H

#include <linux/atomic.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/refcount.h>

#include "counters.h"

/* What the devices of one group share: attach_dev calls in progress. */
struct fi_group_share {
	refcount_t ref;
	atomic_t in_attach;
};

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
	/* The domain the last core attach_dev installed (core_view.c). */
	struct iommu_domain *core_installed;
	atomic_t in_attach;
	struct fi_group_share *share;
	/* While it is probed: the device whose group it joins, or NULL. */
	struct device *peer;
	/* Added into another client's group. */
	bool sibling;
	struct fi_counts counts;
};

extern struct mutex fi_clients_lock;
extern struct list_head fi_clients;

/* Set by probe_device: cheap, and safe in atomic context. */
static inline struct fi_client *fi_client_of(struct device *dev)
{
	return dev_iommu_priv_get(dev);
}

static inline struct fi_counts *fi_counts_of(struct fi_client *client)
{
	return client ? &client->counts : NULL;
}

struct fi_client *fi_client_lookup(struct device *dev);
struct iommu_group *fi_device_group(struct device *dev);
/* Clients can be added once the IOMMU is registered, until it goes. */
void fi_clients_enable(bool enable);
int fi_clients_add_user(unsigned int n);
void fi_client_destroy(struct fi_client *client);
void fi_clients_remove_all(void);
void fi_clients_remove_user(void);

#endif /* FAKE_IOMMU_CLIENT_H */
