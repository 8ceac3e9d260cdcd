// SPDX-License-Identifier: GPL-2.0
/*
 * fake_iommu: registration and the iommu_ops the core sees.
 *
 * The IOMMU is registered without a fwnode, so the core offers it every
 * device without a fwspec; probe_device claims only this module's own
 * client devices. Every client gets its own group and a DMA default domain
 * whose attach is deferred until the first DMA mapping, as AMD and Intel do
 * in kdump capture kernels.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/platform_device.h>

#include "attach.h"
#include "client.h"
#include "debugfs.h"
#include "domain.h"
#include "features.h"
#include "knobs.h"
#include "watch.h"

static unsigned int clients = 1;
module_param(clients, uint, 0444);
MODULE_PARM_DESC(clients, "client devices created at load (default 1, max 64)");

static struct iommu_device fi_iommu;
static struct platform_device *fi_hwdev;

static struct iommu_device *fi_probe_device(struct device *dev)
{
	struct fi_client *client = fi_client_lookup(dev);

	if (!client)
		return ERR_PTR(-ENODEV);
	dev_iommu_priv_set(dev, client);
	/*
	 * The core pins this module once per probed device, as for any
	 * modular IOMMU driver: rmmod works once every client is removed
	 * (the harness removes its own; "all" to remove_client the rest).
	 */
	return &fi_iommu;
}

static bool fi_is_attach_deferred(struct device *dev)
{
	struct fi_client *client = fi_client_of(dev);

	return client && client->deferred;
}

static int fi_def_domain_type(struct device *dev)
{
	return IOMMU_DOMAIN_DMA;
}

static const struct iommu_domain_ops fi_static_domain_ops = {
	.attach_dev = fi_attach_dev,
};

static struct iommu_domain fi_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &fi_static_domain_ops,
};

static struct iommu_domain fi_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &fi_static_domain_ops,
};

static const struct iommu_domain_ops fi_paging_ops = {
	.attach_dev = fi_attach_dev,
	.map_pages = fi_map_pages,
	.unmap_pages = fi_unmap_pages,
	.iova_to_phys = fi_iova_to_phys,
	.free = fi_domain_free,
};

static struct iommu_domain *fi_domain_alloc_paging(struct device *dev)
{
	return fi_domain_alloc(dev, &fi_paging_ops);
}

static const struct iommu_ops fi_ops = {
	.owner = THIS_MODULE,
	.probe_device = fi_probe_device,
	.device_group = fi_device_group,
	.domain_alloc_paging = fi_domain_alloc_paging,
	.is_attach_deferred = fi_is_attach_deferred,
	.def_domain_type = fi_def_domain_type,
	.identity_domain = &fi_identity_domain,
	.blocked_domain = &fi_blocked_domain,
	.release_domain = &fi_blocked_domain,
};

static int __init fi_init(void)
{
	int ret;

	if (clients > 64) {
		pr_err("clients=%u is out of range 0..64\n", clients);
		return -EINVAL;
	}

	fi_report_kernel_features();

	/*
	 * Checking another driver (watch.c), this one stays out of the way:
	 * the core offers a device without a fwspec to the first IOMMU
	 * registered without a fwnode, which would be that driver's.
	 */
	if (fi_watching()) {
		if (clients) {
			pr_err("watch=: no clients of its own (clients=0)\n");
			return -EINVAL;
		}
		ret = fi_debugfs_init();
		if (ret)
			return ret;
		ret = fi_watch_init();
		if (ret)
			fi_debugfs_exit();
		return ret;
	}

	/* The IOMMU's own device, parent of its sysfs entry. */
	fi_hwdev = platform_device_register_simple("fake_iommu", -1, NULL, 0);
	if (IS_ERR(fi_hwdev))
		return PTR_ERR(fi_hwdev);

	ret = fi_debugfs_init();
	if (ret)
		goto err_hwdev;

	/* sysfs must come first: client probe links the device to it. */
	ret = iommu_device_sysfs_add(&fi_iommu, &fi_hwdev->dev, NULL, "fake_iommu");
	if (ret)
		goto err_debugfs;
	ret = iommu_device_register(&fi_iommu, &fi_ops, &fi_hwdev->dev);
	if (ret)
		goto err_sysfs;

	/* A first client locates the group mutex for the lock detector. */
	fi_clients_enable(true);
	ret = fi_clients_add_user(clients ? clients : 1);
	if (ret)
		goto err_register;
	if (!clients)
		fi_clients_remove_all();
	pr_info("registered with %u client(s), attach %s\n",
		clients, fi_knobs.deferred ? "deferred" : "immediate");
	return 0;

err_register:
	fi_clients_enable(false);
	fi_clients_remove_all();
	iommu_device_unregister(&fi_iommu);
err_sysfs:
	iommu_device_sysfs_remove(&fi_iommu);
err_debugfs:
	fi_debugfs_exit();
err_hwdev:
	platform_device_unregister(fi_hwdev);
	return ret;
}

static void __exit fi_exit(void)
{
	/* debugfs first: no add or remove can race with the teardown. */
	fi_debugfs_exit();
	if (fi_watching()) {
		fi_watch_exit();
		return;
	}
	fi_clients_enable(false);
	fi_clients_remove_all();
	iommu_device_unregister(&fi_iommu);
	iommu_device_sysfs_remove(&fi_iommu);
	platform_device_unregister(fi_hwdev);
	if (fi_domains_leaked())
		pr_err("paging domains leaked at unload\n");
}

module_init(fi_init);
module_exit(fi_exit);
MODULE_DESCRIPTION("Fake IOMMU with deferred attach that records what the core does");
MODULE_LICENSE("GPL");
