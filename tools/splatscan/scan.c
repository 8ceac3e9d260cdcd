// SPDX-License-Identifier: GPL-2.0
/*
 * Report assembly.  A report opens on a header line and collects the
 * lines of the same console context (caller id, or the whole log when
 * there are none), so that reports printed by two CPUs at once stay
 * apart.  It ends on "---[ end trace" or on a "=====" rule for the
 * sanitizers (and closes when anything but the repeated registers or the
 * panic it caused follows), on the next header in its context,
 * when the stack trace is over and unrelated text follows, at the first
 * text line after a header that prints no stack, or after too many
 * lines.
 */
#include "scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPEN	16	/* reports being printed at the same time */
#define MAX_PENDING	16	/* finished reports held back for ordering */
#define HEAD_MAX_LINES	200	/* header without a stack trace */
#define REPORT_MAX_LINES 2000	/* also for PF_LONG headers */
#define MAX_CAND	16	/* functions of a lockdep section */
#define TRACE_GRACE	3	/* foreign lines tolerated inside a trace */
#define ENDED_LINES	32	/* an ended report waits this many lines */
#define CUT_DISTANCE	3	/* "cut here" at most this far above header */
#define SEEN_MAX	(1u << 16)	/* distinct reports remembered */

/*
 * ST_ENDED: past "---[ end trace" or a sanitizer's closing rule; x86
 * may still repeat the registers, and the panic that the report caused
 * (panic_on_warn, panic_on_oops) is still to come.
 */
enum state { ST_HEAD, ST_TRACE, ST_TAIL, ST_ENDED };

struct report {
	bool open;
	const struct header_pat *pat;
	struct caps caps;
	char ctx[16], ts[24], qual[16], rip[NAME_LEN];
	uint64_t head;			/* hash of the header line's text */
	char scenario[SCENARIO_LEN];
	unsigned long first, last;
	enum state state;
	int grace;
	bool in_irq;
	bool frozen;		/* later frames are not this report's */
	bool sealed;		/* panic: later lines add nothing at all */
	bool in_sect;		/* past the line with the header's sect */
	bool sect_done;		/* and past the end of that section */
	int nframes, ncand, nmods;
	char frames[MAX_FRAMES][NAME_LEN];
	bool irq[MAX_FRAMES], inl[MAX_FRAMES];
	char cand[MAX_CAND][NAME_LEN];	/* section functions, in order */
	char mods[MAX_MODS][MOD_LEN];
};

struct scanner {
	struct report rep[MAX_OPEN];
	int nopen;
	struct report_out pending[MAX_PENDING];
	int npending;
	char scenario[SCENARIO_LEN];
	unsigned long cut_line;
	char cut_ctx[16];
	uint64_t seen[SEEN_MAX];	/* hashes of emitted reports */
	size_t seen_n;
	emit_fn emit;
	void *arg;
};

struct scanner *scanner_new(emit_fn emit, void *arg)
{
	struct scanner *s = calloc(1, sizeof(*s));

	if (s) {
		s->emit = emit;
		s->arg = arg;
	}
	return s;
}

void scanner_free(struct scanner *s)
{
	free(s);
}

/* ---- duplicates ------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const char *p)
{
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;	/* field separator */
}

/*
 * Console output and a later dmesg dump of the same ring buffer carry
 * the same timestamps and header lines, so (kind, title, timestamp,
 * header) identifies a report; the header keeps apart two CPUs that
 * warned in the same microsecond ("CPU: 0 PID: 47" / "CPU: 1 PID: 48").
 * Without timestamps the frames have to stand in for it.
 */
static uint64_t report_key(const struct report *r, const char *title)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, kind_name(r->pat->kind));

	h = fnv(h, title);
	if (r->ts[0])
		return (fnv(h, r->ts) ^ r->head) | 1;
	for (int i = 0; i < r->nframes; i++)
		h = fnv(h, r->frames[i]);
	return h | 1;
}

/*
 * Returns false when @key was already there.  Past SEEN_MAX * 3/4 keys
 * new reports are no longer remembered, which keeps memory bounded.
 */
static bool seen_insert(struct scanner *s, uint64_t key)
{
	size_t i;

	for (i = key % SEEN_MAX; s->seen[i]; i = (i + 1) % SEEN_MAX)
		if (s->seen[i] == key)
			return false;
	if (s->seen_n < SEEN_MAX / 4 * 3) {
		s->seen[i] = key;
		s->seen_n++;
	}
	return true;
}

/* ---- titles ---------------------------------------------------------- */

static const char *pick(const struct report *r, const char *name)
{
	return name[0] && !frame_is_noise(r->pat, name) ? name : NULL;
}

/*
 * The first function that is not locking/debugging/printing machinery:
 * in the header, in lockdep's section, on the RIP line, in the stack.
 * Inlined frames have no address of their own; syzkaller never names
 * them either.
 */
static const char *choose_func(const struct report *r)
{
	const struct header_pat *p = r->pat;
	const char *f = NULL;
	int pass, i;

	if (p->func_group)
		f = pick(r, r->caps.s[p->func_group]);
	for (i = 0; !f && i < r->ncand; i++)
		f = pick(r, r->cand[i]);
	if (!f && (p->flags & PF_USE_RIP))
		f = pick(r, r->rip);
	/* Stalls: the interrupted code matters, not the timer interrupt. */
	for (pass = (p->flags & PF_SKIP_IRQ) ? 0 : 1; !f && pass < 2; pass++)
		for (i = 0; !f && i < r->nframes; i++)
			if ((pass || !r->irq[i]) && !r->inl[i])
				f = pick(r, r->frames[i]);
	return f;
}

static void build_title(const struct report *r, char *out, size_t len)
{
	const char *t = r->pat->title, *f;
	char tmp[160];
	size_t n = 0;

	for (; *t && n + 1 < len; t++) {
		const char *sub = NULL;

		if (t[0] == '%' && t[1] >= '1' && t[1] <= '0' + MAX_CAPS) {
			clean_symbols(r->caps.s[t[1] - '0'], tmp, sizeof(tmp));
			sub = tmp;
		} else if (t[0] == '%' && t[1] == 'Q') {
			sub = r->qual;
		}
		if (!sub) {
			out[n++] = *t;
			continue;
		}
		t++;
		n += snprintf(out + n, len - n, "%s", sub);
		if (n >= len)
			n = len - 1;
	}
	while (n && out[n - 1] == ' ')	/* empty trailing %Q */
		n--;
	out[n] = '\0';
	f = (r->pat->flags & PF_NO_FUNC) ? NULL : choose_func(r);
	if (f)
		snprintf(out + n, len - n, " in %.*s",
			 (int)strcspn(f, "."), f);
}

/* ---- ordering and emission ------------------------------------------ */

static void flush_pending(struct scanner *s, bool all)
{
	while (s->npending) {
		int m = 0;

		for (int i = 1; i < s->npending; i++)
			if (s->pending[i].first < s->pending[m].first)
				m = i;
		/* Hold it while an earlier report is still being printed. */
		for (int i = 0; !all && s->npending < MAX_PENDING &&
		     i < MAX_OPEN; i++)
			if (s->rep[i].open &&
			    s->rep[i].first < s->pending[m].first)
				return;
		s->emit(&s->pending[m], s->arg);
		s->pending[m] = s->pending[--s->npending];
	}
}

static void close_report(struct scanner *s, struct report *r)
{
	struct report_out *o = &s->pending[s->npending];

	r->open = false;
	s->nopen--;
	build_title(r, o->title, sizeof(o->title));
	if (!seen_insert(s, report_key(r, o->title)))
		return;
	o->kind = r->pat->kind;
	memcpy(o->scenario, r->scenario, sizeof(o->scenario));
	o->first = r->first;
	o->last = r->last;
	o->nframes = r->nframes;
	memcpy(o->frames, r->frames, sizeof(o->frames[0]) * r->nframes);
	o->nmods = r->nmods;
	memcpy(o->mods, r->mods, sizeof(o->mods[0]) * r->nmods);
	s->npending++;
	flush_pending(s, false);
}

/* ---- the state machine ---------------------------------------------- */

static struct report *find_open(struct scanner *s, const char *ctx)
{
	for (int i = 0; s->nopen && i < MAX_OPEN; i++)
		if (s->rep[i].open && !strcmp(s->rep[i].ctx, ctx))
			return &s->rep[i];
	return NULL;
}

static struct report *free_slot(struct scanner *s)
{
	struct report *oldest = &s->rep[0];

	for (int i = 0; i < MAX_OPEN; i++) {
		if (!s->rep[i].open)
			return &s->rep[i];
		if (s->rep[i].first < oldest->first)
			oldest = &s->rep[i];
	}
	close_report(s, oldest);
	return oldest;
}

static void start_report(struct scanner *s, unsigned long lineno,
			 const struct logline *ll,
			 const struct header_pat *pat, const struct caps *caps)
{
	struct report *r = free_slot(s);

	r->open = true;
	s->nopen++;
	r->pat = pat;
	r->caps = *caps;
	snprintf(r->ctx, sizeof(r->ctx), "%s", ll->ctx);
	snprintf(r->ts, sizeof(r->ts), "%s", ll->ts);
	r->head = fnv(0, ll->msg);
	memcpy(r->scenario, s->scenario, sizeof(r->scenario));
	r->qual[0] = r->rip[0] = '\0';
	r->first = r->last = lineno;
	if (s->cut_line && lineno - s->cut_line <= CUT_DISTANCE &&
	    !strcmp(s->cut_ctx, ll->ctx))
		r->first = s->cut_line;
	s->cut_line = 0;
	r->state = ST_HEAD;
	r->grace = r->nframes = r->ncand = r->nmods = 0;
	r->in_irq = r->frozen = r->sealed = r->in_sect = false;
	r->sect_done = false;
}

static void on_header(struct scanner *s, unsigned long lineno,
		      const struct logline *ll, const struct header_pat *pat,
		      const struct caps *caps)
{
	struct report *r = find_open(s, ll->ctx);

	if (r && (pat->flags & PF_PANIC)) {
		/*
		 * panic_on_warn and friends: a consequence, not a report.
		 * Its stack repeats the report's, unless the panic came
		 * before any (4.x/5.x __warn, WARN without regs): then
		 * panic's dump_stack is the only one.
		 */
		r->last = lineno;
		if (r->state != ST_HEAD || r->nframes)
			r->frozen = r->sealed = true;
		return;
	}
	if (r && (pat->flags & PF_CONT) && r->pat->kind == K_OOPS &&
	    r->state == ST_HEAD) {
		r->last = lineno;	/* "Oops: 0002 [#1]" after "BUG: ..." */
		return;
	}
	if (r)
		close_report(s, r);
	start_report(s, lineno, ll, pat, caps);
}

static void add_frame(struct report *r, const struct frame *f)
{
	if (f->unreliable || r->frozen || r->nframes == MAX_FRAMES)
		return;
	if (r->state == ST_HEAD && !(r->pat->flags & PF_ANY_FRAMES))
		return;		/* lockdep "registered at:" chains etc. */
	snprintf(r->frames[r->nframes], NAME_LEN, "%s", f->name);
	r->inl[r->nframes] = f->inl;
	r->irq[r->nframes++] = r->in_irq;
}

static void add_module(struct report *r, const char *mod)
{
	int i = 0;

	while (i < r->nmods && strcmp(r->mods[i], mod) < 0)
		i++;
	if ((i < r->nmods && !strcmp(r->mods[i], mod)) ||
	    r->nmods == MAX_MODS)
		return;
	memmove(r->mods[i + 1], r->mods[i],
		sizeof(r->mods[0]) * (r->nmods - i));
	snprintf(r->mods[i], MOD_LEN, "%s", mod);
	r->nmods++;
}

/*
 * Every function named on a line of the report: its module (also from
 * lock sites and lockdep's chains, which are not listed as frames), and
 * in the header's section a candidate for F.  "? " frames are stale
 * stack contents and count for neither.
 */
static void note_line(struct report *r, const char *msg,
		      const struct frame *line)
{
	struct frame f = *line;

	if (!f.valid)
		parse_at(msg, &f);
	if (f.valid && !f.unreliable && !f.inl && r->in_sect &&
	    r->state == ST_HEAD && r->ncand < MAX_CAND)
		snprintf(r->cand[r->ncand++], NAME_LEN, "%s", f.name);
	if (!f.valid)
		parse_rip(msg, &f);
	if (f.valid && !f.unreliable && f.mod[0])
		add_module(r, f.mod);
}

/* Follows <IRQ> ... </IRQ> sections. */
static void track_irq(struct report *r, const struct frame *f)
{
	if (f->mark != FM_NONE)
		r->in_irq = f->mark == FM_IRQ_IN;
}

static void on_text(struct scanner *s, struct report *r,
		    unsigned long lineno, const struct frame *f)
{
	track_irq(r, f);
	if (f->valid) {
		add_frame(r, f);
		if (r->state == ST_TAIL)
			r->state = ST_TRACE;
		r->last = lineno;
		r->grace = 0;
		return;
	}
	if (r->state == ST_HEAD && (r->pat->flags & PF_NO_STACK)) {
		close_report(s, r);	/* text after a stackless report */
		return;
	}
	if ((r->pat->flags & PF_RULE_END) || r->state == ST_HEAD) {
		r->last = lineno;
		return;
	}
	if (++r->grace > (r->state == ST_TAIL ? 0 : TRACE_GRACE))
		close_report(s, r);
}

static void on_body(struct scanner *s, struct report *r,
		    unsigned long lineno, const char *msg,
		    enum line_class cls)
{
	struct frame f, rip;

	if (!r->qual[0] && match_qualifier(r->pat, msg, r->qual,
					   sizeof(r->qual)))
		cls = LC_STRUCT;
	if (r->state == ST_HEAD && !r->in_sect && !r->sect_done &&
	    match_section(r->pat, msg)) {
		r->in_sect = true;
	} else if (r->in_sect && match_section_end(msg)) {
		r->in_sect = false;
		r->sect_done = true;
	}
	parse_frame(msg, &f);
	if (!r->sealed)
		note_line(r, msg, &f);

	if (r->state == ST_ENDED) {
		/*
		 * x86 repeats the registers ("in case the oops scrolled
		 * away"), then "Kernel panic" seals the report and ends
		 * with "---[ end Kernel panic".  Anything else is not ours.
		 */
		if (cls == LC_STRUCT || (cls == LC_END && r->sealed))
			r->last = lineno;
		if (cls != LC_STRUCT)
			close_report(s, r);
		return;
	}
	switch (cls) {
	case LC_RULE:
		if (!(r->pat->flags & PF_RULE_END))
			break;
		s->cut_line = 0;	/* closing rule, not the next opening */
		/* fall through */
	case LC_END:
		r->last = lineno;
		if (r->sealed) {
			close_report(s, r);
			return;
		}
		r->state = ST_ENDED;
		r->frozen = true;
		return;
	case LC_TRACE:
		r->state = ST_TRACE;
		r->grace = 0;
		r->last = lineno;
		return;
	case LC_TASK_END:
		r->state = ST_TAIL;
		r->in_irq = false;
		r->last = lineno;
		return;
	case LC_STOP:
		if (r->state != ST_HEAD)
			r->frozen = true;	/* KASAN alloc/free stacks */
		r->last = lineno;
		return;
	case LC_STRUCT:
		if (!r->rip[0] && (r->pat->flags & PF_USE_RIP) &&
		    parse_rip(msg, &rip))
			snprintf(r->rip, sizeof(r->rip), "%s", rip.name);
		track_irq(r, &f);
		r->last = lineno;
		r->grace = 0;
		if (r->state == ST_TAIL)
			r->state = ST_TRACE;
		return;
	default:
		break;
	}
	on_text(s, r, lineno, &f);
}

static void expire(struct scanner *s, unsigned long lineno)
{
	for (int i = 0; s->nopen && i < MAX_OPEN; i++) {
		struct report *r = &s->rep[i];
		unsigned long age = lineno - r->first;

		if (r->open && (age > REPORT_MAX_LINES ||
				(r->state == ST_HEAD && age > HEAD_MAX_LINES &&
				 !(r->pat->flags & PF_LONG)) ||
				(r->state == ST_ENDED &&
				 lineno - r->last > ENDED_LINES)))
			close_report(s, r);
	}
}

void scanner_line(struct scanner *s, unsigned long lineno, const char *line)
{
	const struct header_pat *pat;
	struct logline ll;
	struct report *r;
	enum line_class cls;
	struct caps caps;
	char name[SCENARIO_LEN];
	int act;

	parse_prefix(line, &ll);
	/* kmemleak.verbose prefixes every body line with "kmemleak: " */
	if (!strncmp(ll.msg, "kmemleak: ", 10) && ll.msg[10] == ' ')
		ll.msg += 10;
	act = match_marker(ll.msg, name, sizeof(name));
	if (act >= 0) {
		memcpy(s->scenario, act == MARK_BEGIN ? name : "",
		       act == MARK_BEGIN ? sizeof(name) : 1);
		return;
	}
	pat = match_header(ll.msg, &caps);
	if (pat) {
		on_header(s, lineno, &ll, pat, &caps);
	} else {
		cls = classify(ll.msg);
		if (cls == LC_CUT || cls == LC_RULE) {
			s->cut_line = lineno;
			snprintf(s->cut_ctx, sizeof(s->cut_ctx), "%s", ll.ctx);
		}
		r = find_open(s, ll.ctx);
		if (r)
			on_body(s, r, lineno, ll.msg, cls);
	}
	if (s->nopen)
		expire(s, lineno);
}

void scanner_finish(struct scanner *s)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (s->rep[i].open)
			close_report(s, &s->rep[i]);	/* cut off by EOF */
	flush_pending(s, true);
}
