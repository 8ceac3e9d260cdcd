/* SPDX-License-Identifier: GPL-2.0 */
/* splatscan: grouping console lines into reports. */
#ifndef SPLATSCAN_SCAN_H
#define SPLATSCAN_SCAN_H

#include "line.h"
#include "patterns.h"

#define MAX_FRAMES	64
#define MAX_MODS	16
#define TITLE_LEN	512
#define SCENARIO_LEN	128

struct report_out {
	enum kind kind;
	char title[TITLE_LEN];
	char scenario[SCENARIO_LEN];
	unsigned long first, last;
	int nframes, nmods;
	char frames[MAX_FRAMES][NAME_LEN];
	char mods[MAX_MODS][MOD_LEN];	/* sorted, unique */
};

typedef void (*emit_fn)(const struct report_out *r, void *arg);

struct scanner;

struct scanner *scanner_new(emit_fn emit, void *arg);
void scanner_line(struct scanner *s, unsigned long lineno, const char *line);
void scanner_finish(struct scanner *s);
void scanner_free(struct scanner *s);

#endif
