// SPDX-License-Identifier: GPL-2.0
/*
 * Does the fake hardware agree with the core, when things are quiet? The
 * same question at every attach_dev, as it happens, is attach.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/export.h>

#include "client.h"
#include "core_view.h"
#include "domain.h"
#include "knobs.h"

/**
 * fake_iommu_check - does the fake hardware agree with the core?
 * @dev: a client, or NULL for every client
 * @expect_unmapped: also require the client's domain tables to be empty
 *
 * Call it when things are quiet. A device the core no longer defers must
 * be translated by the core's domain; one it still defers must never have
 * been attached. Each difference is printed (warn knob) and counted as an
 * inconsistency: the stale attach that may have caused it was counted
 * when it happened.
 *
 * Return: the number of differences found.
 */
int fake_iommu_check(struct device *dev, bool expect_unmapped)
{
	struct fi_client *client;
	int bad = 0;

	mutex_lock(&fi_clients_lock);
	list_for_each_entry(client, &fi_clients, node) {
		struct device *cdev = &client->pdev->dev;
		struct iommu_domain *hw = READ_ONCE(client->hw_domain);
		struct iommu_domain *core = iommu_get_domain_for_dev(cdev);
		unsigned long pages = fi_domain_pages(hw);

		if (dev && dev != cdev)
			continue;
		if (fake_iommu_client_deferred(cdev))
			core = NULL;
		if (hw != core) {
			fi_count(&client->counts, FI_INCONSISTENT);
			fi_warn(cdev, "check: hardware has %s domain, core has %s\n",
				fi_domain_kind(hw), fi_domain_kind(core));
			bad++;
		}
		if (expect_unmapped && pages) {
			fi_count(&client->counts, FI_INCONSISTENT);
			fi_warn(cdev, "check: %lu page(s) still mapped\n", pages);
			bad++;
		}
	}
	mutex_unlock(&fi_clients_lock);
	return bad;
}
EXPORT_SYMBOL_GPL(fake_iommu_check);
