/* SPDX-License-Identifier: GPL-2.0 */
/* splatscan: taking one console line apart. */
#ifndef SPLATSCAN_LINE_H
#define SPLATSCAN_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_LEN	128
#define MOD_LEN		64	/* MODULE_NAME_LEN */

struct logline {
	const char *msg;	/* text after timestamp and caller id */
	char ts[24];		/* "12.345678", or "" */
	char ctx[16];		/* caller id "T123"/"C1", or "" */
};

enum frame_mark { FM_NONE, FM_IRQ_IN, FM_IRQ_OUT };

struct frame {
	char name[NAME_LEN];	/* no offset, no module tag */
	char mod[MOD_LEN];	/* "fake_iommu" from "[fake_iommu]", or "" */
	bool unreliable;	/* printed with "? " */
	bool inl;		/* symbolized "name file:line [inline]" */
	bool valid;		/* a symbol was found on the line */
	enum frame_mark mark;	/* <IRQ>, </IRQ>, <EOI> seen before it */
};

enum line_class {
	LC_TEXT,	/* anything else */
	LC_TRACE,	/* "Call Trace:", "backtrace:" */
	LC_TASK_END,	/* "</TASK>" */
	LC_END,		/* "---[ end trace ...", "---[ end Kernel panic" */
	LC_RULE,	/* "======" */
	LC_CUT,		/* "------------[ cut here ]------------" */
	LC_STRUCT,	/* register dump, CPU:, Modules linked in:, ... */
	LC_STOP,	/* KASAN "Allocated by task": later frames are not ours */
};

void parse_prefix(const char *line, struct logline *out);
void parse_frame(const char *msg, struct frame *f);
enum line_class classify(const char *msg);
bool parse_rip(const char *msg, struct frame *f);
bool parse_at(const char *msg, struct frame *f);
void clean_symbols(const char *in, char *out, size_t len);

#endif
