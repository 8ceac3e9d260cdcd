// SPDX-License-Identifier: GPL-2.0
/*
 * Console lines come in many shapes: with or without "[  12.345678]",
 * with "[T123]"/"[  C1]" caller ids glued to it or separated by a space,
 * with a syslog "<4>" level, or with another writer's bytes in front of
 * the timestamp when two CPUs raced on the console.  Everything here is
 * hand-written scanning because it runs on every line of 100 MB logs.
 */
#include "line.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define TS_SEARCH	64	/* how far into a line a timestamp may start */

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* "[   12.345678]" -> returns the byte after ']' or NULL. */
static const char *parse_ts(const char *p, char *ts, size_t len)
{
	const char *s, *q = skip_blank(p + 1);

	s = q;
	while (isdigit((unsigned char)*q))
		q++;
	if (q == s || *q != '.')
		return NULL;
	q++;
	while (isdigit((unsigned char)*q))
		q++;
	if (*q != ']' || (size_t)(q - s) >= len)
		return NULL;
	memcpy(ts, s, q - s);
	ts[q - s] = '\0';
	return q + 1;
}

/* "[T123]", "[    T1]", "[  C0]" -> returns the byte after ']' or NULL. */
static const char *parse_caller(const char *p, char *ctx, size_t len)
{
	const char *s, *q = skip_blank(p + 1);

	s = q;
	if (*q != 'T' && *q != 'C')
		return NULL;
	q++;
	if (!isdigit((unsigned char)*q))
		return NULL;
	while (isdigit((unsigned char)*q))
		q++;
	if (*q != ']' || (size_t)(q - s) >= len)
		return NULL;
	memcpy(ctx, s, q - s);
	ctx[q - s] = '\0';
	return q + 1;
}

static const char *find_ts(const char *p, char *ts, size_t len)
{
	const char *end = p + strnlen(p, TS_SEARCH);

	for (const char *q = p; q < end; q++) {
		q = memchr(q, '[', end - q);
		if (!q)
			break;
		const char *r = parse_ts(q, ts, len);

		if (r)
			return r;
	}
	return NULL;
}

void parse_prefix(const char *line, struct logline *out)
{
	const char *p = line, *q;

	out->ts[0] = out->ctx[0] = '\0';
	if (p[0] == '<' && isdigit((unsigned char)p[1]) && p[2] == '>')
		p += 3;
	q = find_ts(p, out->ts, sizeof(out->ts));
	if (q)
		p = q;
	q = *p == ' ' && p[1] == '[' ? p + 1 : p;
	if (*q == '[') {
		q = parse_caller(q, out->ctx, sizeof(out->ctx));
		if (q)
			p = q;
	}
	if (*p == ' ')
		p++;
	out->msg = p;
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '$';
}

/* "<IRQ>", "</IRQ>", "<EOI>", "<NMI>", "<TASK>" ... */
static const char *skip_context_tags(const char *p, struct frame *f)
{
	while (*p == '<' && p[1] != '\0') {
		const char *e = strchr(p, '>');

		if (!e || e - p > 12)
			break;
		if (p[1] == '/' || !strncmp(p, "<EOI>", 5))
			f->mark = FM_IRQ_OUT;
		else if (strncmp(p, "<TASK>", 6))
			f->mark = FM_IRQ_IN;
		else
			f->mark = FM_IRQ_OUT;
		p = skip_blank(e + 1);
	}
	return p;
}

/*
 * "[fake_iommu]" or "[amdgpu 1f2e...]" (with CONFIG_STACKTRACE_BUILD_ID)
 * after the offset names the module; "[inline]" does not.
 */
static void parse_module(const char *p, struct frame *f)
{
	const char *s;

	p = strchr(p, '[');
	if (!p || !strncmp(p, "[inline]", 8))
		return;
	s = ++p;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
		p++;
	if (p == s || (*p != ']' && *p != ' ') || (size_t)(p - s) >= MOD_LEN)
		return;
	memcpy(f->mod, s, p - s);
	f->mod[p - s] = '\0';
}

/*
 * A frame is "[<addr>] ? name+0xoff/0xsize [module]", with everything
 * but the name optional, or syzkaller's symbolized "name file:line
 * [inline]".  Bare addresses ("0xffffffffc01d2036") are not frames.
 */
void parse_frame(const char *msg, struct frame *f)
{
	const char *p = skip_blank(msg), *s;
	size_t n;

	f->valid = f->unreliable = f->inl = false;
	f->mod[0] = '\0';
	f->mark = FM_NONE;
	p = skip_context_tags(p, f);
	if (p[0] == '[' && p[1] == '<') {
		const char *e = strstr(p, ">]");

		if (!e)
			return;
		p = skip_blank(e + 2);
	}
	if (p[0] == '?' && p[1] == ' ') {
		f->unreliable = true;
		p = skip_blank(p + 2);
	}
	s = p;
	if (!isalpha((unsigned char)*p) && *p != '_')
		return;
	while (is_ident((unsigned char)*p))
		p++;
	n = (size_t)(p - s);
	if (strncmp(p, "+0x", 3)) {
		size_t l = strlen(p);

		if (*p != ' ' || l < 9 || strcmp(p + l - 8, "[inline]"))
			return;
		f->inl = true;
	} else {
		parse_module(p, f);
	}
	if (n >= NAME_LEN)
		n = NAME_LEN - 1;
	memcpy(f->name, s, n);
	f->name[n] = '\0';
	f->valid = true;
}

/* Lockdep's lock sites: "ffff888011e92a00 (&stab->lock){+...}, at: fn+0x.." */
bool parse_at(const char *msg, struct frame *f)
{
	const char *p = strstr(msg, "at: ");

	f->valid = false;
	if (p)
		parse_frame(p + 4, f);
	return f->valid;
}

static bool all_same(const char *p, char c, size_t min)
{
	size_t n = 0;

	while (*p == c)
		p++, n++;
	return n >= min && (*p == '\0' || *p == ' ');
}

/* Register dump lines: "RAX: ...", "R10: ...", "CR2: ...", "x29: ...". */
static bool is_register_line(const char *p)
{
	const char *s = p;

	if (*p == 'x' && isdigit((unsigned char)p[1]))
		p++;
	while (isupper((unsigned char)*p) || isdigit((unsigned char)*p))
		p++;
	return p > s && p - s <= 6 && *p == ':';
}

static const char *const struct_leads[] = {
	"CPU: ", "Hardware name:", "Modules linked in:", "Workqueue:",
	"Tainted:", "irq event stamp:", "hardirqs last", "softirqs last",
	"<TASK>", "<IRQ>", "</IRQ>", "<NMI>", "</NMI>", "<EOI>",
	"<SOFTIRQ>", "</SOFTIRQ>", "Kernel Offset:", "note: ", "task:",
	"pc : ", "lr : ", "sp : ", "pstate:", "PC is at ", "LR is at ",
	"Pid: ", "stack backtrace:",
	"Sending NMI", "NMI backtrace", "Code: ",
	"Disabling lock debugging due to kernel taint",
};

static const char *const stop_leads[] = {
	"Allocated by task", "Freed by task", "Last potentially related",
	"Second to last potentially", "The buggy address",
	"Memory state around", "Uninit was created",
};

static bool has_lead(const char *p, const char *const *leads, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (*p == leads[i][0] &&
		    !strncmp(p, leads[i], strlen(leads[i])))
			return true;
	return false;
}

#define HAS_LEAD(p, t) has_lead(p, t, sizeof(t) / sizeof(t[0]))

enum line_class classify(const char *msg)
{
	const char *p = skip_blank(msg);

	if (!strncmp(p, "Call Trace", 10) || !strncmp(p, "Call trace", 10) ||
	    !strncmp(p, "backtrace", 9))
		return LC_TRACE;
	if (!strncmp(p, "</TASK>", 7))
		return LC_TASK_END;
	if (!strncmp(p, "---[ end", 8))
		return LC_END;
	if (all_same(p, '=', 10))
		return LC_RULE;
	if (!strncmp(p, "------------[ cut here ]", 24))
		return LC_CUT;
	if (HAS_LEAD(p, stop_leads))
		return LC_STOP;
	if (is_register_line(p) || HAS_LEAD(p, struct_leads))
		return LC_STRUCT;
	return LC_TEXT;
}

/*
 * "RIP: 0010:fn+0x3a/0x50", "IP: [<c06969d4>] fn+0x7d0/0xa59",
 * "pc : fn+0x0/0x884", arm/arm64 before 4.10 "PC is at fn+0x29c/0x308".
 * User-space RIPs ("RIP: 0033:0x7f...") have no symbol and are rejected
 * by parse_frame().
 */
bool parse_rip(const char *msg, struct frame *f)
{
	static const char *const leads[] = { "RIP: ", "IP: ", "EIP: ",
					     "pc : ", "NIP: ", "epc : ",
					     "PC is at " };
	const char *p = skip_blank(msg);
	size_t i;

	f->valid = false;
	for (i = 0; i < sizeof(leads) / sizeof(leads[0]); i++)
		if (!strncmp(p, leads[i], strlen(leads[i])))
			break;
	if (i == sizeof(leads) / sizeof(leads[0]))
		return false;
	p += strlen(leads[i]);
	if (isxdigit((unsigned char)p[0]) && p[4] == ':')
		p += 5;		/* "0010:" code segment */
	parse_frame(p, f);
	if (f->valid && (f->unreliable || !strncmp(f->name, "0x", 2)))
		f->valid = false;
	return f->valid;
}

/* "fn+0x71/0xd0 / gn+0x1/0x2" -> "fn / gn" */
void clean_symbols(const char *in, char *out, size_t len)
{
	size_t n = 0;

	while (*in && n + 1 < len) {
		if (!strncmp(in, "+0x", 3)) {
			while (*in && *in != ' ')
				in++;
			continue;
		}
		out[n++] = *in++;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}
