// SPDX-License-Identifier: GPL-2.0
/*
 * splatscan - list the kernel reports (lockdep splats, WARNINGs, BUGs,
 * oopses, sanitizer reports, hangs, stalls) in a console or dmesg log.
 *
 * usage: splatscan [--json | --log] [FILE|-]
 *        splatscan --headers
 * exit:  0 no report, 1 reports found, 2 error
 *        (--log: the lines as the scanner reads them; exit 0, 2 error)
 *        (--headers: the header regexes; exit 0, 2 error)
 *
 * This file does I/O only: reading lines with bounded memory and
 * printing what scan.c hands over.
 */
#include "replay.h"
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_SIZE	(1 << 20)
#define LINE_MAX_KEPT	4096	/* longer lines are truncated */

struct output {
	bool json;
	bool log;	/* print the lines, find no report */
	unsigned long count;
};

/* Length of the valid UTF-8 sequence at @s and its code point, or 0. */
static int utf8_seq(const unsigned char *s, unsigned int *cp)
{
	unsigned int min;
	int n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, *cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, *cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, *cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;	/* overlong, too big, surrogate */
	return n;
}

/*
 * Valid UTF-8 passes through.  Control characters (C0, DEL, C1) become
 * \uXXXX, and so does each byte that is not part of valid UTF-8, as
 * \u00XX with the byte's value: the output stays valid JSON and no
 * byte is silently lost.
 */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		unsigned int cp;
		int n = utf8_seq(s, &cp);

		if (!n) {
			printf("\\u%04x", *s);
			n = 1;
		} else if (cp == '"' || cp == '\\') {
			printf("\\%c", cp);
		} else if (cp == '\n') {
			fputs("\\n", stdout);
		} else if (cp == '\t') {
			fputs("\\t", stdout);
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			printf("\\u%04x", cp);
		} else {
			fwrite(s, 1, n, stdout);
		}
		s += n;
	}
	putchar('"');
}

static void emit_json(const struct report_out *r, unsigned long n)
{
	fputs(n ? ",\n" : "[\n", stdout);
	printf("  {\n    \"kind\": \"%s\",\n    \"title\": ", kind_name(r->kind));
	json_string(r->title);
	fputs(",\n    \"scenario\": ", stdout);
	json_string(r->scenario);
	printf(",\n    \"first_line\": %lu,\n    \"last_line\": %lu,\n",
	       r->first, r->last);
	fputs("    \"modules\": [", stdout);
	for (int i = 0; i < r->nmods; i++) {
		fputs(i ? ", " : "", stdout);
		json_string(r->mods[i]);
	}
	fputs("],\n    \"frames\": [", stdout);
	for (int i = 0; i < r->nframes; i++) {
		fputs(i ? ",\n      " : "\n      ", stdout);
		json_string(r->frames[i]);
	}
	fputs(r->nframes ? "\n    ]\n  }" : "]\n  }", stdout);
}

static void emit_row(const struct report_out *r, unsigned long n)
{
	char lines[48];

	if (!n)
		printf("%-11s %-24s %-15s %s\n", "KIND", "SCENARIO", "LINES",
		       "TITLE");
	snprintf(lines, sizeof(lines), "%lu-%lu", r->first, r->last);
	printf("%-11s %-24s %-15s %s\n", kind_name(r->kind),
	       r->scenario[0] ? r->scenario : "-", lines, r->title);
}

static void emit(const struct report_out *r, void *arg)
{
	struct output *out = arg;

	if (out->json)
		emit_json(r, out->count);
	else
		emit_row(r, out->count);
	out->count++;
}

static void to_scanner(void *arg, unsigned long lineno, const char *line)
{
	scanner_line(arg, lineno, line);
}

static void to_stdout(void *arg, unsigned long lineno, const char *line)
{
	(void)arg;
	(void)lineno;
	puts(line);
}

/* Hands complete lines on (replay.c); NUL bytes become spaces. */
struct reader {
	char line[LINE_MAX_KEPT + 1];
	size_t len;		/* bytes kept of the current line */
	unsigned long lineno;
};

static void end_line(struct reader *rd, struct replay *s)
{
	rd->line[rd->len] = '\0';
	replay_line(s, ++rd->lineno, rd->line);
	rd->len = 0;
}

/* A serial console's carriage returns are no text: all of them go. */
static void take(struct reader *rd, const char *p, size_t n)
{
	for (size_t i = 0; i < n && rd->len < LINE_MAX_KEPT; i++) {
		if (p[i] != '\r')
			rd->line[rd->len++] = p[i] ? p[i] : ' ';
	}
}

static int scan_fd(int fd, struct replay *s)
{
	static char buf[READ_SIZE];
	static struct reader rd;
	ssize_t got;

	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		const char *p = buf, *end;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		end = buf + got;
		while (p < end) {
			const char *nl = memchr(p, '\n', end - p);

			take(&rd, p, (nl ? nl : end) - p);
			if (!nl)
				break;
			end_line(&rd, s);
			p = nl + 1;
		}
	}
	if (rd.len)
		end_line(&rd, s);	/* last line without '\n' */
	return 0;
}

static int usage(void)
{
	fputs("usage: splatscan [--json | --log] [FILE|-]\n"
	      "       splatscan --headers\n", stderr);
	return 2;
}

/*
 * The regexes (POSIX ERE, matched from the start of a line's message) of
 * the header rows that start a report, one a line, in the order they are
 * tried: tools/tests/count_reports.py counts the lines they match.  A
 * panic's rows are left out: a panic is folded into the report before it.
 */
static int print_headers(void)
{
	const struct header_pat *h;
	char err[256];

	if (patterns_init(err, sizeof(err))) {
		fprintf(stderr, "splatscan: %s\n", err);
		return 2;
	}
	patterns_free();
	for (size_t i = 0; (h = header_row(i)); i++)
		if (!(h->flags & PF_PANIC))
			puts(h->re);
	return 0;
}

static int run(const char *path, struct output *out)
{
	struct scanner *s;
	struct replay *rp = NULL;
	char err[256];
	int fd = 0, rc = 0;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "splatscan: %s: %s\n", path,
				strerror(errno));
			return 2;
		}
	}
	if (patterns_init(err, sizeof(err))) {
		fprintf(stderr, "splatscan: %s\n", err);
		rc = 2;
		goto out;
	}
	s = scanner_new(emit, out);
	if (s)
		rp = out->log ? replay_new(to_stdout, NULL, LINE_MAX_KEPT) :
				replay_new(to_scanner, s, LINE_MAX_KEPT);
	if (!rp) {
		fprintf(stderr, "splatscan: out of memory\n");
		rc = 2;
	} else if (scan_fd(fd, rp)) {
		fprintf(stderr, "splatscan: %s: %s\n",
			fd ? path : "<stdin>", strerror(errno));
		rc = 2;
	} else {
		replay_finish(rp);
		if (!out->log)
			scanner_finish(s);
	}
	replay_free(rp);
	scanner_free(s);
	patterns_free();
out:
	if (fd)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct output out = { 0 };
	const char *path = NULL;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "--headers")) {
		if (argc > 2)
			return usage();
		rc = print_headers();
		goto flush;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && !out.log)
			out.json = true;
		else if (!strcmp(argv[i], "--log") && !out.json)
			out.log = true;
		else if (argv[i][0] == '-' && argv[i][1] && !path)
			return usage();
		else if (!path)
			path = argv[i];
		else
			return usage();
	}
	rc = run(path ? path : "-", &out);
	if (out.json && (out.count || !rc))
		fputs(out.count ? "\n]\n" : "[]\n", stdout);
flush:
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "splatscan: write error: %s\n",
			strerror(errno));
		return 2;
	}
	return rc ? rc : out.count ? 1 : 0;
}
