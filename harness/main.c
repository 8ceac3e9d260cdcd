// SPDX-License-Identifier: GPL-2.0
/*
 * harness: debugfs triggers that make DMA mapping and attach collide on
 * fake_iommu's client devices.
 *
 *   trigger    write "scenario key=value ..." to start a run (async)
 *   results    KTAP of the last run, or "# running ..." while one runs
 *   scenarios  every scenario with its parameters, defaults and ranges
 *   abort      write 1 to stop the running scenario within a second
 *
 * One scenario runs at a time, in a kthread, so rmmod can stop it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "harness.h"

#define HR_RESULTS_SIZE 8192

atomic_t hr_abort;
DEFINE_MUTEX(hr_driver_lock);	/* the client driver's own (lock_order) */
static DEFINE_MUTEX(hr_lock);		/* the fields below */
static struct task_struct *hr_runner;
static bool hr_running;
static char hr_results[HR_RESULTS_SIZE];
static struct dentry *hr_dir;

/* Print a block line by line: each line a dmesg record of its own, tagged. */
static void hr_print_lines(const char *text)
{
	const char *nl;

	while (*text) {
		nl = strchrnul(text, '\n');
		pr_info("%.*s\n", (int)(nl - text), text);
		text = *nl ? nl + 1 : nl;
	}
}

static void hr_note_detection(struct hr_run *run)
{
	long now[FI_NR_COUNTERS];

	if (run->first_detection_round)
		return;
	fake_iommu_counters(NULL, now);
	if (now[FI_UNLOCKED_ATTACH] > run->before[FI_UNLOCKED_ATTACH]) {
		run->first_detection_round = run->rounds;
		run->first_detection_us = ktime_us_delta(ktime_get(), run->start);
	}
}

static int hr_runner_fn(void *data)
{
	struct hr_run *run = data;
	const struct hr_scenario *sc = run->sc;
	u32 old_delay = 0;
	struct seq_buf s;
	char *out;
	int ret = 0;

	out = kzalloc(HR_RESULTS_SIZE, GFP_KERNEL);
	seq_buf_init(&s, out ? out : hr_results, HR_RESULTS_SIZE);
	hr_report_params(run, &s);
	pr_info("BEGIN %s\n", seq_buf_str(&s));
	seq_buf_clear(&s);

	if (hr_has(run, "delay_us"))
		fake_iommu_knob("attach_delay_us", hr_get(run, "delay_us"), &old_delay);
	if (sc->under_lock)
		fake_iommu_set_attach_lock(&hr_driver_lock);
	fake_iommu_counters(NULL, run->before);
	run->watch_missed = fake_iommu_watch_missed();
	run->start = ktime_get();
	run->skip = sc->unsupported ? sc->unsupported() : NULL;
	if (!run->skip && hr_devices->unsupported)
		run->skip = hr_devices->unsupported(sc);
	if (!run->skip)
		run->skip = hr_api_unsupported(run);

	while (!run->skip && run->rounds < hr_get(run, "rounds") && !kthread_should_stop() &&
	       !hr_should_stop(run)) {
		ret = sc->run ? sc->run(run) : hr_round(run);
		run->rounds++;
		hr_note_detection(run);
		if (ret)
			break;
		cond_resched();
	}

	fake_iommu_counters(NULL, run->after);
	if (fake_iommu_watch_missed() != run->watch_missed)
		run->error = "fake_iommu's watch missed attaches: its counts are incomplete";
	if (sc->under_lock)
		fake_iommu_set_attach_lock(NULL);
	if (hr_has(run, "delay_us"))
		fake_iommu_knob("attach_delay_us", old_delay, NULL);
	if (kthread_should_stop())
		atomic_set(&hr_abort, 1);

	hr_report(run, &s, ret);
	hr_print_lines(seq_buf_str(&s));
	pr_info("END %s %s rounds=%u\n", sc->name,
		strstr(seq_buf_str(&s), "\nnot ok") ? "not_ok" : "ok", run->rounds);

	mutex_lock(&hr_lock);
	strscpy(hr_results, seq_buf_str(&s), sizeof(hr_results));
	hr_running = false;
	mutex_unlock(&hr_lock);
	kfree(out);
	kvfree(run->samples);
	kfree(run);
	return 0;
}

/* Stop (if needed) and release a runner; call without hr_lock held. */
static void hr_reap(struct task_struct *t)
{
	if (!t)
		return;
	kthread_stop(t);
	put_task_struct(t);
}

static ssize_t hr_trigger_write(struct file *file, const char __user *ubuf, size_t len,
				loff_t *ppos)
{
	char line[256], why[96];
	struct task_struct *t;
	struct hr_run *run;
	int ret;

	if (!len || len >= sizeof(line)) {
		pr_warn_ratelimited("trigger: line must be 1..%zu bytes\n",
				    sizeof(line) - 1);
		return -EINVAL;
	}
	if (copy_from_user(line, ubuf, len))
		return -EFAULT;
	line[len] = '\0';
	if (strlen(line) != len) {
		pr_warn_ratelimited("trigger: line contains a NUL byte\n");
		return -EINVAL;
	}
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	spin_lock_init(&run->samples_lock);
	ret = hr_parse(line, run, why, sizeof(why));
	if (ret) {
		pr_warn_ratelimited("trigger: %s\n", why);
		kfree(run);
		return ret;
	}

	mutex_lock(&hr_lock);
	if (hr_running) {
		mutex_unlock(&hr_lock);
		kfree(run);
		return -EBUSY;
	}
	/* Finished: it takes hr_lock no more, so it can be reaped under it. */
	hr_reap(hr_runner);
	hr_runner = NULL;
	atomic_set(&hr_abort, 0);
	t = kthread_create(hr_runner_fn, run, "harness");
	if (IS_ERR(t)) {
		mutex_unlock(&hr_lock);
		kfree(run);
		return PTR_ERR(t);
	}
	get_task_struct(t);
	hr_runner = t;
	hr_running = true;
	scnprintf(hr_results, sizeof(hr_results), "# running %s\n", run->sc->name);
	wake_up_process(t);
	mutex_unlock(&hr_lock);
	return len;
}

static ssize_t hr_results_read(struct file *file, char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&hr_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, hr_results, strlen(hr_results));
	mutex_unlock(&hr_lock);
	return ret;
}

static ssize_t hr_scenarios_read(struct file *file, char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char *buf = kzalloc(PAGE_SIZE * 2, GFP_KERNEL);
	struct seq_buf s;
	ssize_t ret;

	if (!buf)
		return -ENOMEM;
	seq_buf_init(&s, buf, PAGE_SIZE * 2);
	hr_describe(&s);
	ret = simple_read_from_buffer(ubuf, len, ppos, buf, seq_buf_used(&s));
	kfree(buf);
	return ret;
}

static ssize_t hr_abort_write(struct file *file, const char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	char c[3] = { };

	if (len < 1 || len > 2 || copy_from_user(c, ubuf, len) || c[0] != '1' ||
	    (len == 2 && c[1] != '\n')) {
		pr_warn_ratelimited("abort: write 1\n");
		return -EINVAL;
	}
	atomic_set(&hr_abort, 1);
	return len;
}

static const struct file_operations hr_trigger_fops = {
	.owner = THIS_MODULE,
	.write = hr_trigger_write,
};

static const struct file_operations hr_results_fops = {
	.owner = THIS_MODULE,
	.read = hr_results_read,
	.llseek = default_llseek,
};

static const struct file_operations hr_scenarios_fops = {
	.owner = THIS_MODULE,
	.read = hr_scenarios_read,
	.llseek = default_llseek,
};

static const struct file_operations hr_abort_fops = {
	.owner = THIS_MODULE,
	.write = hr_abort_write,
};

static int __init hr_init(void)
{
	int ret;

	ret = hr_devices_select();
	if (ret)
		return ret;
	ret = hr_client_driver_register();
	if (ret)
		return ret;
	if (hr_devices->driver_register) {
		ret = hr_devices->driver_register();
		if (ret) {
			hr_client_driver_unregister();
			return ret;
		}
	}
	hr_dir = debugfs_create_dir("harness", NULL);
	debugfs_create_file("trigger", 0200, hr_dir, NULL, &hr_trigger_fops);
	debugfs_create_file("results", 0400, hr_dir, NULL, &hr_results_fops);
	debugfs_create_file("scenarios", 0400, hr_dir, NULL, &hr_scenarios_fops);
	debugfs_create_file("abort", 0200, hr_dir, NULL, &hr_abort_fops);
	strscpy(hr_results, "# no scenario has run\n", sizeof(hr_results));
	return 0;
}

static void __exit hr_exit(void)
{
	struct task_struct *t;

	/* Files first, so no new run can start; then stop and join the runner. */
	debugfs_remove_recursive(hr_dir);
	atomic_set(&hr_abort, 1);
	mutex_lock(&hr_lock);
	t = hr_runner;
	hr_runner = NULL;
	mutex_unlock(&hr_lock);
	hr_reap(t);
	hr_client_driver_unregister();
	if (hr_devices->driver_unregister)
		hr_devices->driver_unregister();
}

module_init(hr_init);
module_exit(hr_exit);
MODULE_DESCRIPTION("Concurrent DMA-map and attach scenarios for fake_iommu");
MODULE_LICENSE("GPL");
