/* SPDX-License-Identifier: GPL-2.0 */
/*
 * splatscan pattern tables: report headers, scenario markers and the
 * frames that never name the culprit.  Everything that decides *what*
 * a log line means lives in patterns.c; scan.c only decides *when*.
 */
#ifndef SPLATSCAN_PATTERNS_H
#define SPLATSCAN_PATTERNS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

enum kind {
	K_LOCKDEP, K_WARNING, K_BUG, K_OOPS, K_KASAN, K_KCSAN,
	K_KMEMLEAK, K_HUNG_TASK, K_RCU_STALL, K_SOFT_LOCKUP, K_UBSAN,
	K_HARD_LOCKUP,
};

/* Header flags. */
#define PF_CONT		0x01	/* folded into an open oops (Oops: after BUG:) */
#define PF_PANIC	0x02	/* folded into any open report, e.g. panic_on_warn */
#define PF_RULE_END	0x04	/* report runs until a "=====" rule line */
#define PF_USE_RIP	0x08	/* the RIP/pc line names the culprit */
#define PF_SKIP_IRQ	0x10	/* prefer frames outside <IRQ> sections */
#define PF_ANY_FRAMES	0x20	/* frames count before a "Call Trace:" line */
#define PF_NO_FUNC	0x40	/* title is complete without " in F" */
#define PF_LEAK		0x80	/* also skip allocator frames */
#define PF_LONG		0x100	/* lockdep: long chains before the stack */
#define PF_NO_STACK	0x200	/* no stack follows: ends at the first text */

#define MAX_CAPS	3

struct header_pat {
	const char *re;		/* ERE anchored at the message start */
	enum kind kind;
	const char *title;	/* %1..%3 = captures, %Q = qualifier */
	int func_group;		/* capture naming the function, 0 = none */
	unsigned int flags;
	const char *qual_re;	/* body line whose group 1 fills %Q */
	const char *sect;	/* F: first function after a line with this */
	const char *const *skip; /* more noise for this report, substrings */
	const char *need;	/* text the header must contain, or NULL */
};

enum marker_action { MARK_BEGIN, MARK_END };

struct marker_pat {
	const char *re;		/* group 1 = scenario name */
	enum marker_action action;
};

struct caps {
	char s[MAX_CAPS + 1][160];
};

const char *kind_name(enum kind k);
int patterns_init(char *err, size_t errlen);
void patterns_free(void);
const struct header_pat *header_row(size_t i);
const struct header_pat *match_header(const char *msg, struct caps *caps);
bool match_qualifier(const struct header_pat *p, const char *msg,
		     char *out, size_t outlen);
bool match_section(const struct header_pat *p, const char *msg);
bool match_section_end(const char *msg);
int match_marker(const char *msg, char *scenario, size_t len);
bool frame_is_noise(const struct header_pat *p, const char *name);

#endif
