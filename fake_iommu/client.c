// SPDX-License-Identifier: GPL-2.0
/*
 * fake_iommu client devices: platform devices this module creates, the only
 * devices its probe_device claims. Adding one makes the core probe it into
 * a group of its own with a DMA default domain, or into the group of a
 * peer client (fake_iommu_client_add_sibling()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/idr.h>
#include <linux/slab.h>

#include "client.h"
#include "knobs.h"
#include "lockprobe.h"

/* Protects fi_clients and fi_clients_enabled; never taken on the attach or map paths. */
DEFINE_MUTEX(fi_clients_lock);
LIST_HEAD(fi_clients);
static DEFINE_IDA(fi_client_ida);
/* Off while no IOMMU of this module's is registered (watch=, unload). */
static bool fi_clients_enabled;

void fi_clients_enable(bool enable)
{
	mutex_lock(&fi_clients_lock);
	fi_clients_enabled = enable;
	mutex_unlock(&fi_clients_lock);
}

/*
 * Called by probe_device, under the core's probe lock: the device is ours
 * when it is one of the listed client platform devices.
 */
struct fi_client *fi_client_lookup(struct device *dev)
{
	struct fi_client *client, *found = NULL;

	if (!dev_is_platform(dev))
		return NULL;
	mutex_lock(&fi_clients_lock);
	list_for_each_entry(client, &fi_clients, node) {
		if (&client->pdev->dev == dev) {
			found = client;
			break;
		}
	}
	mutex_unlock(&fi_clients_lock);
	return found;
}

/*
 * A client's share of its group: the peer's, taken under the list's lock
 * so the peer cannot go meanwhile, or one of its own.
 */
static struct fi_group_share *fi_share_get(struct device *peer)
{
	struct fi_group_share *share = ERR_PTR(-EINVAL);
	struct fi_client *client;

	if (peer) {
		mutex_lock(&fi_clients_lock);
		list_for_each_entry(client, &fi_clients, node) {
			if (&client->pdev->dev == peer && client->ready) {
				refcount_inc(&client->share->ref);
				share = client->share;
				break;
			}
		}
		mutex_unlock(&fi_clients_lock);
		return share;
	}
	share = kzalloc(sizeof(*share), GFP_KERNEL);
	if (!share)
		return ERR_PTR(-ENOMEM);
	refcount_set(&share->ref, 1);
	return share;
}

static void fi_share_put(struct fi_group_share *share)
{
	if (refcount_dec_and_test(&share->ref))
		kfree(share);
}

/*
 * The device_group op: a client added with a peer joins the peer's group,
 * as two functions of a device without ACS share one; any other client
 * gets a group of its own.
 */
struct iommu_group *fi_device_group(struct device *dev)
{
	struct fi_client *client = fi_client_of(dev);
	struct iommu_group *group;

	if (!client || !client->peer)
		return generic_device_group(dev);
	group = iommu_group_get(client->peer);
	return group ? group : ERR_PTR(-ENODEV);
}

static struct device *fi_client_add(bool deferred, const char *driver_override,
				    bool by_user, struct device *peer)
{
	struct fi_client *client;
	struct platform_device *pdev;
	int ret;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return ERR_PTR(-ENOMEM);
	client->deferred = deferred;
	client->by_user = by_user;
	client->peer = peer;
	client->sibling = peer;
	client->share = fi_share_get(peer);
	if (IS_ERR(client->share)) {
		ret = PTR_ERR(client->share);
		goto err_free;
	}
	client->id = ida_alloc(&fi_client_ida, GFP_KERNEL);
	if (client->id < 0) {
		ret = client->id;
		goto err_share;
	}
	pdev = platform_device_alloc(FAKE_IOMMU_CLIENT_NAME, client->id);
	if (!pdev) {
		ret = -ENOMEM;
		goto err_ida;
	}
	client->pdev = pdev;
	/* Before device_add(): a driver bound there maps from probe on. */
	pdev->platform_dma_mask = DMA_BIT_MASK(64);
	pdev->dev.coherent_dma_mask = DMA_BIT_MASK(64);
	if (driver_override) {
		ret = device_set_driver_override(&pdev->dev, driver_override);
		if (ret)
			goto err_put;
	}

	/* Listed before device_add(): the core probes it from there. */
	mutex_lock(&fi_clients_lock);
	if (!fi_clients_enabled) {
		/* Not registered as an IOMMU (watch=): nothing would probe it. */
		mutex_unlock(&fi_clients_lock);
		ret = -EOPNOTSUPP;
		goto err_put;
	}
	list_add_tail(&client->node, &fi_clients);
	mutex_unlock(&fi_clients_lock);

	ret = platform_device_add(pdev);
	if (ret)
		goto err_unlist;
	if (!pdev->dev.iommu_group) {
		dev_err(&pdev->dev, "the IOMMU core did not probe the client\n");
		ret = -ENODEV;
		goto err_del;
	}
	ret = fi_group_mutex_probe(&pdev->dev);
	if (ret)
		goto err_del;
	mutex_lock(&fi_clients_lock);
	client->ready = true;
	client->peer = NULL;
	mutex_unlock(&fi_clients_lock);
	return &pdev->dev;

err_del:
	platform_device_del(pdev);
err_unlist:
	mutex_lock(&fi_clients_lock);
	list_del(&client->node);
	mutex_unlock(&fi_clients_lock);
err_put:
	platform_device_put(pdev);
err_ida:
	ida_free(&fi_client_ida, client->id);
err_share:
	fi_share_put(client->share);
err_free:
	kfree(client);
	return ERR_PTR(ret);
}

/**
 * fake_iommu_client_add - create a client device and let the core probe it
 * @deferred: whether the driver asks the core to defer its attach
 * @driver_override: bind only to this driver, or NULL
 *
 * The caller owns the client: debugfs cannot remove it.
 *
 * Return: the device, or an ERR_PTR.
 */
struct device *fake_iommu_client_add(bool deferred, const char *driver_override)
{
	return fi_client_add(deferred, driver_override, false, NULL);
}
EXPORT_SYMBOL_GPL(fake_iommu_client_add);

/**
 * fake_iommu_client_add_sibling - a client in the group of another
 * @peer: a client device, fully added
 * @deferred: whether the driver asks the core to defer its attach
 * @driver_override: bind only to this driver, or NULL
 *
 * The two devices then share one group, its domains and its mutex.
 * Remove the sibling first: the group's domains count into @peer's
 * counters while the group lives.
 *
 * Return: the device, or an ERR_PTR (-EINVAL: @peer is no client).
 */
struct device *fake_iommu_client_add_sibling(struct device *peer, bool deferred,
					     const char *driver_override)
{
	return fi_client_add(deferred, driver_override, false, peer);
}
EXPORT_SYMBOL_GPL(fake_iommu_client_add_sibling);

/* Unbind, release and free a client already taken off the list. */
void fi_client_destroy(struct fi_client *client)
{
	platform_device_unregister(client->pdev);
	ida_free(&fi_client_ida, client->id);
	fi_share_put(client->share);
	kfree(client);
}

/**
 * fake_iommu_client_remove - unbind, release and free a client device
 * @dev: a device returned by fake_iommu_client_add()
 */
void fake_iommu_client_remove(struct device *dev)
{
	struct fi_client *client = fi_client_of(dev);

	if (WARN_ON(!client))
		return;
	/* The group's domains count into the first client's counters. */
	WARN_ONCE(!client->sibling && refcount_read(&client->share->ref) > 1,
		  "fake_iommu: client removed before its siblings\n");
	mutex_lock(&fi_clients_lock);
	list_del(&client->node);
	mutex_unlock(&fi_clients_lock);
	fi_client_destroy(client);
}
EXPORT_SYMBOL_GPL(fake_iommu_client_remove);

/**
 * fake_iommu_client_deferred - is the core still deferring this attach?
 * @dev: a client device
 */
bool fake_iommu_client_deferred(struct device *dev)
{
	/* A bit-field the core reads unlocked on the DMA path as well. */
	return dev->iommu && data_race(!!dev->iommu->attach_deferred);
}
EXPORT_SYMBOL_GPL(fake_iommu_client_deferred);

/**
 * fake_iommu_counters - copy a client's counters, or the totals
 * @dev: a client device, or NULL for the totals
 * @out: FI_NR_COUNTERS values
 */
void fake_iommu_counters(struct device *dev, long *out)
{
	fi_counts_read(dev ? fi_counts_of(fi_client_of(dev)) : NULL, out);
}
EXPORT_SYMBOL_GPL(fake_iommu_counters);

/* Clients of the module's own: at load and from debugfs add_clients. */
int fi_clients_add_user(unsigned int n)
{
	struct device *dev;

	while (n--) {
		dev = fi_client_add(READ_ONCE(fi_knobs.deferred), NULL, true, NULL);
		if (IS_ERR(dev))
			return PTR_ERR(dev);
	}
	return 0;
}

/*
 * Remove every client added at load or through debugfs that no driver is
 * bound to (the others belong to someone); so rmmod can drop the module.
 */
void fi_clients_remove_user(void)
{
	struct fi_client *client, *found;

	do {
		found = NULL;
		mutex_lock(&fi_clients_lock);
		list_for_each_entry(client, &fi_clients, node) {
			if (client->by_user && client->ready && !client->pdev->dev.driver) {
				found = client;
				list_del(&client->node);
				break;
			}
		}
		mutex_unlock(&fi_clients_lock);
		if (found)
			fi_client_destroy(found);
	} while (found);
}

void fi_clients_remove_all(void)
{
	struct fi_client *client;

	for (;;) {
		mutex_lock(&fi_clients_lock);
		client = list_first_entry_or_null(&fi_clients, struct fi_client, node);
		if (client)
			list_del(&client->node);
		mutex_unlock(&fi_clients_lock);
		if (!client)
			break;
		fi_client_destroy(client);
	}
}
