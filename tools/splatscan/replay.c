// SPDX-License-Identifier: GPL-2.0
/*
 * An nbcon console (the 8250 from 6.13 on) can lose its ownership in the
 * middle of a record: another context (a WARN in an emergency section,
 * a panic) takes the console over, ends the cut line with a newline and
 * prints the same record again behind "** replaying previous printk
 * message **" (kernel/printk/nbcon.c, console_prepend_replay()):
 *
 *	[    5.634414] -
 *	** replaying previous printk message **
 *	[    5.634414] ------------[ cut here ]------------
 *
 * The cut copy must not reach the scanner, nor record.jq's reading of the
 * guest's lines (splatscan --log): it would open a report with a
 * truncated title ("BUG: sleeping function called from invalid co"), add
 * a garbage frame, or cut a result line.  So every line is held back one line; at a replay
 * marker the held line is dropped if it is the start of the replayed
 * line (the owner printed part of it, or all of it but was taken over
 * before marking it printed).  If the owner printed nothing of the
 * record, the held line is a record of its own and is kept.  A record
 * of several lines cut after its first line is not undone.
 */
#include "replay.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MARKER	"** replaying previous printk message **"

struct replay {
	line_fn out;
	void *arg;
	char *held;		/* the line not yet handed to the scanner */
	unsigned long held_no;	/* its line number; 0: nothing held */
	bool marker;		/* a replay marker came after it */
};

struct replay *replay_new(line_fn out, void *arg, size_t line_max)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->held = malloc(line_max + 1);
	if (!r->held) {
		free(r);
		return NULL;
	}
	r->out = out;
	r->arg = arg;
	return r;
}

static void flush(struct replay *r)
{
	if (r->held_no)
		r->out(r->arg, r->held_no, r->held);
	r->held_no = 0;
}

void replay_line(struct replay *r, unsigned long lineno, const char *line)
{
	if (strstr(line, REPLAY_MARKER)) {
		r->marker = true;	/* the marker itself is no report line */
		return;
	}
	if (r->marker && r->held_no && r->held[0] &&
	    !strncmp(line, r->held, strlen(r->held)))
		r->held_no = 0;		/* the cut copy */
	r->marker = false;
	flush(r);
	strcpy(r->held, line);
	r->held_no = lineno;
}

void replay_finish(struct replay *r)
{
	flush(r);
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	free(r->held);
	free(r);
}
