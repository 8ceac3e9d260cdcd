// SPDX-License-Identifier: GPL-2.0
/*
 * Results in KTAP: one test per scenario run, its parameters, rounds,
 * tallies, fake_iommu's counter deltas and timing as diagnostic lines.
 */
#include <linux/sort.h>

#include "harness.h"

static int hr_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void hr_report_samples(struct hr_run *run, struct seq_buf *s)
{
	unsigned int n = run->nsamples;

	if (!n)
		return;
	sort(run->samples, n, sizeof(u64), hr_cmp_u64, NULL);
	seq_buf_printf(s, "# samples: %u\n", n);
	seq_buf_printf(s, "# ns_per_op_median: %llu\n", run->samples[n / 2]);
	seq_buf_printf(s, "# ns_per_op_p99: %llu\n", run->samples[(n * 99) / 100]);
	seq_buf_printf(s, "# ns_per_op_min: %llu\n", run->samples[0]);
}

/* The scenario line as BEGIN prints it: name and every parameter. */
void hr_report_params(struct hr_run *run, struct seq_buf *s)
{
	unsigned int i;

	seq_buf_puts(s, run->sc->name);
	for (i = 0; i < run->nval; i++) {
		const struct hr_param *p = &run->sc->params[i];

		if (p->choices)
			seq_buf_printf(s, " %s=%s", p->name, p->choices[run->val[i]]);
		else
			seq_buf_printf(s, " %s=%u", p->name, run->val[i]);
	}
}

void hr_report(struct hr_run *run, struct seq_buf *s, int status)
{
	u32 want = hr_get(run, "rounds");
	const char *why = run->error;
	int i;

	if (!why && atomic_read(&hr_abort))
		why = "aborted";
	if (!why && status == -ETIMEDOUT)
		why = "timed out inside a round";
	if (!why && status)
		why = "a round failed to set up";
	if (!why && (run->bad_translations || run->setup_failures))
		why = "a map did not behave as required";
	/* what a correct driver does must map, through every DMA-API entry */
	if (!why && run->sc->class == HR_LEGAL && !run->sc->maps_may_fail && run->maps_failed)
		why = "a first map failed in a legal scenario";
	/* a reset scenario whose reset never ran has shown nothing */
	if (!why && !run->skip && run->sc->other == HR_OTHER_RESET && !run->reset_cycles)
		why = "the reset party never blocked the device";
	/* the reset is over: what it refused must be granted now */
	if (!why && run->refused_after)
		why = "refused after the reset was done";
	/* A run cut short by timeout_s has not done what was asked. */
	if (!why && !run->skip && run->rounds < want)
		why = "timed out before all rounds ran";

	seq_buf_puts(s, "KTAP version 1\n1..1\n# scenario: ");
	hr_report_params(run, s);
	seq_buf_printf(s, "\n# class: %s", hr_class_names[run->sc->class]);
	seq_buf_printf(s, "\n# devices: %s", hr_devices->name);
	seq_buf_printf(s, "\n# rounds_requested: %u\n", want);
	seq_buf_printf(s, "# rounds_run: %u\n", run->rounds);
	seq_buf_printf(s, "# elapsed_ms: %lld\n", ktime_ms_delta(ktime_get(), run->start));
	seq_buf_printf(s, "# maps_ok: %lu\n# maps_failed: %lu\n", run->maps_ok, run->maps_failed);
	seq_buf_printf(s, "# other_ok: %lu\n# other_failed: %lu\n", run->other_ok,
		       run->other_failed);
	seq_buf_printf(s, "# bad_translations: %lu\n# check_failures: %lu\n",
		       run->bad_translations, run->check_failures);
	seq_buf_printf(s, "# setup_failures: %lu\n", run->setup_failures);
	/* the sweep's own counts, which its expected line names */
	if (run->sc->run == hr_sweep_round)
		seq_buf_printf(s, "# count fault_points: %lu\n# count faults_absorbed: %lu\n"
			       "# points_varied: %lu\n", run->fault_points, run->faults_absorbed,
			       run->points_varied);
	/* nothing is injected there: a first map fails where a reset refuses it */
	if (run->sc->reset_hold)
		seq_buf_printf(s, "# count reset_cycles: %lu\n# count refused_in_reset: %lu\n"
			       "# count granted_in_reset: %lu\n# count refused_after: %lu\n"
			       "# count deferred_at_reset: %lu\n# count attached_in_reset: %lu\n",
			       run->reset_cycles, run->refused_in_reset, run->granted_in_reset,
			       run->refused_after, run->deferred_at_reset, run->attached_in_reset);
	else if (run->sc->other == HR_OTHER_RESET)
		seq_buf_printf(s, "# count reset_cycles: %lu\n# count maps_refused: %lu\n",
			       run->reset_cycles, run->maps_failed);
	/* blocked_dma's cases: where edu's DMA after the claim went */
	if (run->sc->isolation)
		seq_buf_printf(s, "# count dma_blocked: %lu\n# count dma_landed: %lu\n",
			       run->other_failed, run->other_ok);
	for (i = 0; i < FI_NR_COUNTERS; i++)
		seq_buf_printf(s, "# %s %s: %ld\n", i < FI_NR_DETECTORS ? "detector" : "count",
			       fi_counter_names[i], run->after[i] - run->before[i]);
	if (run->first_detection_round) {
		seq_buf_printf(s, "# first_unlocked_attach_round: %lu\n",
			       run->first_detection_round);
		seq_buf_printf(s, "# first_unlocked_attach_us: %lld\n", run->first_detection_us);
	}
	hr_report_samples(run, s);
	if (run->skip)
		seq_buf_printf(s, "ok 1 %s # SKIP %s\n", run->sc->name, run->skip);
	else if (why)
		seq_buf_printf(s, "# reason: %s\nnot ok 1 %s\n", why, run->sc->name);
	else
		seq_buf_printf(s, "ok 1 %s\n", run->sc->name);
}
