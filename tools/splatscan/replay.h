/* SPDX-License-Identifier: GPL-2.0 */
/* splatscan: undoing console lines that an nbcon takeover replays. */
#ifndef SPLATSCAN_REPLAY_H
#define SPLATSCAN_REPLAY_H

#include <stddef.h>

typedef void (*line_fn)(void *arg, unsigned long lineno, const char *line);

struct replay;

struct replay *replay_new(line_fn out, void *arg, size_t line_max);
void replay_line(struct replay *r, unsigned long lineno, const char *line);
void replay_finish(struct replay *r);
void replay_free(struct replay *r);

#endif
