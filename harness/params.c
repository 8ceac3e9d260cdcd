// SPDX-License-Identifier: GPL-2.0
/*
 * The trigger line: "scenario key=value ...". Every key is looked up in
 * the scenario's parameter table; nothing starts unless the whole line is
 * valid, and a refusal says why in one line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/string.h>

#include "harness.h"
#include "../fake_iommu/kparse.h"

bool hr_has(const struct hr_run *run, const char *name)
{
	unsigned int i;

	for (i = 0; i < run->nval; i++)
		if (!strcmp(run->sc->params[i].name, name))
			return true;
	return false;
}

u32 hr_get(const struct hr_run *run, const char *name)
{
	unsigned int i;

	for (i = 0; i < run->nval; i++)
		if (!strcmp(run->sc->params[i].name, name))
			return run->val[i];
	WARN(1, "scenario %s has no parameter %s\n", run->sc->name, name);
	return 0;
}

static int hr_parse_value(const struct hr_param *p, const char *v, u32 *out)
{
	unsigned int i;

	if (!p->choices)
		return kparse_u32(v, p->min, p->max, out);
	for (i = 0; p->choices[i]; i++) {
		if (!strcmp(p->choices[i], v)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct hr_scenario *hr_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < hr_nr_scenarios; i++)
		if (!strcmp(hr_scenarios[i].name, name))
			return &hr_scenarios[i];
	return NULL;
}

/* Parse @line (modified in place) into @run; on error fill @why. */
int hr_parse(const char *line, struct hr_run *run, char *why, size_t whylen)
{
	char buf[256], *cur, *tok, *v;
	unsigned long seen = 0;
	unsigned int i;

	if (strscpy(buf, line, sizeof(buf)) < 0) {
		snprintf(why, whylen, "line longer than %zu bytes", sizeof(buf) - 1);
		return -EINVAL;
	}
	cur = strim(buf);
	tok = strsep(&cur, " \t");
	if (!tok || !*tok) {
		snprintf(why, whylen, "empty line; read 'scenarios' for the list");
		return -EINVAL;
	}
	run->sc = hr_find(tok);
	if (!run->sc) {
		snprintf(why, whylen, "unknown scenario '%.32s'", tok);
		return -EINVAL;
	}
	for (i = 0; run->sc->params[i].name; i++)
		run->val[i] = run->sc->params[i].def;
	run->nval = i;

	while ((tok = strsep(&cur, " \t"))) {
		const struct hr_param *p = NULL;

		if (!*tok)
			continue;
		v = strchr(tok, '=');
		if (!v) {
			snprintf(why, whylen, "'%.32s' is not key=value", tok);
			return -EINVAL;
		}
		*v++ = '\0';
		for (i = 0; i < run->nval; i++) {
			if (!strcmp(run->sc->params[i].name, tok)) {
				p = &run->sc->params[i];
				break;
			}
		}
		if (!p) {
			snprintf(why, whylen, "%s has no parameter '%.32s'", run->sc->name, tok);
			return -EINVAL;
		}
		if (seen & BIT(i)) {
			snprintf(why, whylen, "parameter '%s' given twice", p->name);
			return -EINVAL;
		}
		seen |= BIT(i);
		if (hr_parse_value(p, v, &run->val[i])) {
			if (p->choices)
				snprintf(why, whylen, "%s=%.32s is not one of the choices",
					 p->name, v);
			else
				snprintf(why, whylen, "%s=%.32s is not a number in %u..%u",
					 p->name, v, p->min, p->max);
			return -EINVAL;
		}
	}
	return 0;
}

/* The 'scenarios' file: every scenario with its parameters and ranges. */
void hr_describe(struct seq_buf *s)
{
	const struct hr_param *p;
	unsigned int i, c;

	for (i = 0; i < hr_nr_scenarios; i++) {
		seq_buf_printf(s, "%s [%s]: %s\n", hr_scenarios[i].name,
			       hr_class_names[hr_scenarios[i].class], hr_scenarios[i].what);
		for (p = hr_scenarios[i].params; p->name; p++) {
			if (!p->choices) {
				seq_buf_printf(s, "  %s=%u (%u..%u)\n", p->name, p->def,
					       p->min, p->max);
				continue;
			}
			seq_buf_printf(s, "  %s=%s (", p->name, p->choices[p->def]);
			for (c = 0; p->choices[c]; c++)
				seq_buf_printf(s, "%s%s", c ? "|" : "", p->choices[c]);
			seq_buf_puts(s, ")\n");
		}
	}
}
