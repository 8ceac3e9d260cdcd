// SPDX-License-Identifier: GPL-2.0
/*
 * fake_iommu's debugfs directory: knobs, client management, counters, the
 * consistency check (consistency.c) and the fault attribute of failed
 * attaches (faults.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/iommu-dma.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "client.h"
#include "core_view.h"
#include "counters.h"
#include "debugfs.h"
#include "faults.h"
#include "knobs.h"
#include "kparse.h"

static struct dentry *fi_dir;

/* Copy one short line from user space, without its trailing newline. */
static int fi_get_line(const char __user *ubuf, size_t len, char *buf, size_t size)
{
	if (!len || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

static ssize_t fi_knob_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	const struct fi_knob *knob = file->private_data;
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(*knob->val));

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t fi_knob_write(struct file *file, const char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	const struct fi_knob *knob = file->private_data;
	char buf[24];
	u32 v;
	int ret;

	ret = fi_get_line(ubuf, len, buf, sizeof(buf));
	if (!ret)
		ret = kparse_u32(buf, knob->min, knob->max, &v);
	if (ret) {
		pr_warn_ratelimited("%s: value is not a number in %u..%u\n",
				    knob->name, knob->min, knob->max);
		return ret;
	}
	WRITE_ONCE(*knob->val, v);
	return len;
}

static const struct file_operations fi_knob_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = fi_knob_read,
	.write = fi_knob_write,
	.llseek = default_llseek,
};

static int fi_counters_show(struct seq_file *s, void *unused)
{
	struct fi_client *client;
	long v[FI_NR_COUNTERS];
	int i;

	fi_counts_read(NULL, v);
	for (i = 0; i < FI_NR_COUNTERS; i++)
		seq_printf(s, "total.%s %ld\n", fi_counter_names[i], v[i]);
	mutex_lock(&fi_clients_lock);
	list_for_each_entry(client, &fi_clients, node) {
		fi_counts_read(&client->counts, v);
		for (i = 0; i < FI_NR_COUNTERS; i++)
			seq_printf(s, "%s.%s %ld\n", dev_name(&client->pdev->dev),
				   fi_counter_names[i], v[i]);
	}
	mutex_unlock(&fi_clients_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fi_counters);

static int fi_clients_show(struct seq_file *s, void *unused)
{
	struct fi_client *client;

	mutex_lock(&fi_clients_lock);
	list_for_each_entry(client, &fi_clients, node) {
		struct device *dev = &client->pdev->dev;

		seq_printf(s, "%d %s deferred=%d hw=%s core=%s dma_iommu=%d driver=%s\n",
			   client->id, dev_name(dev), fake_iommu_client_deferred(dev),
			   fi_domain_kind(READ_ONCE(client->hw_domain)),
			   fi_domain_kind(iommu_get_domain_for_dev(dev)),
			   use_dma_iommu(dev), dev->driver ? dev->driver->name : "-");
	}
	mutex_unlock(&fi_clients_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fi_clients);

static int fi_check_show(struct seq_file *s, void *unused)
{
	int bad = fake_iommu_check(NULL, false);

	seq_printf(s, "%s %d\n", bad ? "differences" : "consistent", bad);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fi_check);

static ssize_t fi_reset_write(struct file *file, const char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	struct fi_client *client;
	char buf[8];
	u32 v;

	if (fi_get_line(ubuf, len, buf, sizeof(buf)) || kparse_u32(buf, 1, 1, &v)) {
		pr_warn_ratelimited("reset: write 1 to zero the counters\n");
		return -EINVAL;
	}
	mutex_lock(&fi_clients_lock);
	fi_counts_zero(NULL);
	list_for_each_entry(client, &fi_clients, node)
		fi_counts_zero(&client->counts);
	mutex_unlock(&fi_clients_lock);
	return len;
}

static const struct file_operations fi_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = fi_reset_write,
};

static ssize_t fi_add_write(struct file *file, const char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	char buf[8];
	int ret;
	u32 n;

	if (fi_get_line(ubuf, len, buf, sizeof(buf)) || kparse_u32(buf, 1, 64, &n)) {
		pr_warn_ratelimited("add_clients: value is not a number in 1..64\n");
		return -EINVAL;
	}
	ret = fi_clients_add_user(n);
	return ret ? ret : len;
}

static const struct file_operations fi_add_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = fi_add_write,
};

static ssize_t fi_remove_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	struct fi_client *client, *found = NULL;
	char buf[16];
	u32 id;
	int ret;

	ret = fi_get_line(ubuf, len, buf, sizeof(buf));
	if (!ret && !strcmp(buf, "all")) {
		fi_clients_remove_user();
		return len;
	}
	if (ret || kparse_u32(buf, 0, INT_MAX, &id)) {
		pr_warn_ratelimited("remove_client: value is not a client id or \"all\"\n");
		return -EINVAL;
	}
	/* Taken off the list under the lock: two removals cannot both win. */
	mutex_lock(&fi_clients_lock);
	list_for_each_entry(client, &fi_clients, node) {
		if (client->id == id && client->by_user && client->ready &&
		    !client->pdev->dev.driver) {
			found = client;
			list_del(&client->node);
			break;
		}
	}
	mutex_unlock(&fi_clients_lock);
	if (!found) {
		pr_warn_ratelimited("remove_client: no unbound client %u added here\n",
				    id);
		return -EINVAL;
	}
	fi_client_destroy(found);
	return len;
}

static const struct file_operations fi_remove_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = fi_remove_write,
};

int fi_debugfs_init(void)
{
	struct dentry *d;
	unsigned int i;

	fi_dir = debugfs_create_dir("fake_iommu", NULL);
	if (IS_ERR(fi_dir))
		return PTR_ERR(fi_dir);
	for (i = 0; i < fi_nr_knobs; i++)
		debugfs_create_file(fi_knob_table[i].name, 0600, fi_dir,
				    (void *)&fi_knob_table[i], &fi_knob_fops);
	debugfs_create_file("counters", 0400, fi_dir, NULL, &fi_counters_fops);
	debugfs_create_file("clients", 0400, fi_dir, NULL, &fi_clients_fops);
	debugfs_create_file("check", 0400, fi_dir, NULL, &fi_check_fops);
	debugfs_create_file("reset", 0200, fi_dir, NULL, &fi_reset_fops);
	debugfs_create_file("add_clients", 0200, fi_dir, NULL, &fi_add_fops);
	debugfs_create_file("remove_client", 0200, fi_dir, NULL, &fi_remove_fops);
	if (!IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		return 0;	/* said at load: features.c */
	d = fault_create_debugfs_attr("fail_attach", fi_dir, &fi_fail_attach);
	if (IS_ERR(d)) {
		debugfs_remove_recursive(fi_dir);
		return PTR_ERR(d);
	}
	return 0;
}

void fi_debugfs_exit(void)
{
	debugfs_remove_recursive(fi_dir);
}
