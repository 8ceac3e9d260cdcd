// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel lacks, and what that costs the results. A stock
 * distribution kernel has no lockdep and no fault injection, and a normal
 * boot never defers an attach: every gap is one line at load, never a
 * build failure and never a silent hole in the results.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crash_dump.h>
#include <linux/kernel.h>
#include <linux/printk.h>

#include "features.h"

struct fi_feature {
	bool present;
	const char *missing;
	const char *lost;
};

void fi_report_kernel_features(void)
{
	const struct fi_feature features[] = {
		{ IS_ENABLED(CONFIG_PROVE_LOCKING), "CONFIG_PROVE_LOCKING is not set",
		  "no lockdep report can appear; the counters still work" },
		{ IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP), "CONFIG_DEBUG_ATOMIC_SLEEP is not set",
		  "no sleeping-in-atomic BUG can appear; atomic_attach still counts" },
		{ IS_ENABLED(CONFIG_FAULT_INJECTION), "CONFIG_FAULT_INJECTION is not set",
		  "fail_attach/ and fail-nth cannot fail an attach; the harness still can" },
		{ IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS),
		  "CONFIG_FAULT_INJECTION_DEBUG_FS is not set", "no fail_attach/ in debugfs" },
		{ IS_ENABLED(CONFIG_KALLSYMS), "CONFIG_KALLSYMS is not set",
		  "the deferred path cannot be told from the stack: stale_attach never counts" },
		{ IS_ENABLED(CONFIG_UNWINDER_ORC) || IS_ENABLED(CONFIG_UNWINDER_FRAME_POINTER),
		  "no reliable unwinder (ORC or frame pointers)",
		  "a stale return address may make a core attach look deferred to stale_attach" },
		{ is_kdump_kernel(), "is_kdump_kernel() is false",
		  "no attach is deferred; boot with elfcorehdr=<addr> or use a capture kernel" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(features); i++)
		if (!features[i].present)
			pr_notice("%s: %s\n", features[i].missing, features[i].lost);
}
