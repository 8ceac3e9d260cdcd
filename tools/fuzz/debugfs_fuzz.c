// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs_fuzz: write random and mutated lines into debugfs files, from
 * several processes at once, to check that a module's parsers refuse what
 * they must and survive everything.
 *
 *   debugfs_fuzz [-n LINES] [-p PROCS] [-s SEED] FILE...
 *
 * Each process writes LINES lines, each into a file picked at random, with
 * one open/write/close per line as a shell would. Lines are valid seeds
 * with one field broken, huge numbers, empty lines, binary bytes or very
 * long lines. Refusals are expected; only the kernel's log can tell
 * whether something went wrong. Prints per-process counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE 8192

/* Valid lines to mutate: trigger lines, knob values, fault attributes. */
static const char * const seeds[] = {
	"map_vs_attach rounds=2 delay_us=10", "map_vs_map rounds=2 threads=2",
	"map_vs_owner rounds=1 hold_us=0", "probe_first_map rounds=1",
	"atomic_first_map rounds=1 ctx=timer", "lock_order rounds=1",
	"fault_first_map rounds=1 fails=1", "bench rounds=1 iters=16 path=first",
	"0", "1", "2", "10", "100", "-1", "4294967295", "1\n",
};

static unsigned long long rng;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned int)(rng % n) : 0;
}

/* Break one field of a seed line: a value, a key, or a separator. */
static size_t mutate(char *buf)
{
	static const char * const junk[] = {
		"", "=", "==", "-", "+", "0x", "99999999999999999999", "-0",
		"18446744073709551616", " ", "\t", "\xff\xfe", "%s%n", "1e9",
	};
	const char *seed = seeds[rnd(sizeof(seeds) / sizeof(seeds[0]))];
	size_t len = strlen(seed), at;
	const char *j = junk[rnd(sizeof(junk) / sizeof(junk[0]))];

	at = rnd(len + 1);
	/* seed[0..at) + junk + seed[at + skip..] */
	memcpy(buf, seed, at);
	strcpy(buf + at, j);
	strcat(buf, seed + at + (at < len ? rnd(len - at + 1) : 0));
	return strlen(buf);
}

static size_t make_line(char *buf)
{
	size_t i, n;

	switch (rnd(8)) {
	case 0:			/* empty */
		return rnd(2) ? 0 : (buf[0] = '\n', 1);
	case 1:			/* binary bytes, NULs included */
		n = 1 + rnd(64);
		for (i = 0; i < n; i++)
			buf[i] = (char)rnd(256);
		return n;
	case 2:			/* a very long line */
		n = 256 + rnd(MAX_LINE - 256);
		for (i = 0; i < n; i++)
			buf[i] = (char)('0' + rnd(10));
		return n;
	case 3:			/* a huge or negative number */
		return (size_t)sprintf(buf, "%s%llu%llu", rnd(2) ? "-" : "",
				       (unsigned long long)rnd(~0U) * rnd(~0U),
				       (unsigned long long)rnd(~0U));
	case 4:			/* a valid seed as it is */
		strcpy(buf, seeds[rnd(sizeof(seeds) / sizeof(seeds[0]))]);
		return strlen(buf);
	default:		/* a seed with one field broken */
		return mutate(buf);
	}
}

static void fuzz(char **files, int nfiles, long lines, unsigned int id)
{
	static char buf[MAX_LINE + 64];
	long i, ok = 0, refused = 0, other = 0;

	rng = rng * 2654435761ULL + id + 1;
	for (i = 0; i < lines; i++) {
		const char *f = files[rnd(nfiles)];
		size_t len = make_line(buf);
		int fd = open(f, O_WRONLY);

		if (fd < 0) {
			other++;
			continue;
		}
		if (write(fd, buf, len) >= 0)
			ok++;
		else if (errno == EINVAL || errno == EBUSY || errno == ERANGE)
			refused++;
		else
			other++;
		close(fd);
	}
	printf("debugfs_fuzz[%u]: %ld lines: %ld accepted, %ld refused, %ld other errors\n",
	       id, lines, ok, refused, other);
}

int main(int argc, char **argv)
{
	long lines = 10000;
	int procs = 2, opt, i, status, bad = 0;

	rng = 88172645463325252ULL;
	while ((opt = getopt(argc, argv, "n:p:s:")) != -1) {
		char *end;

		switch (opt) {
		case 'n':
			lines = strtol(optarg, &end, 10);
			if (*end || lines < 1) {
				fprintf(stderr, "debugfs_fuzz: -n %s is not a positive number\n", optarg);
				return 2;
			}
			break;
		case 'p':
			procs = (int)strtol(optarg, &end, 10);
			if (*end || procs < 1 || procs > 64) {
				fprintf(stderr, "debugfs_fuzz: -p %s is not in 1..64\n", optarg);
				return 2;
			}
			break;
		case 's':
			rng = strtoull(optarg, &end, 10);
			if (*end || !rng) {
				fprintf(stderr, "debugfs_fuzz: -s %s is not a non-zero number\n", optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: debugfs_fuzz [-n LINES] [-p PROCS] [-s SEED] FILE...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "debugfs_fuzz: no files to write\n");
		return 2;
	}
	fflush(stdout);
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("debugfs_fuzz: fork");
			return 1;
		}
		if (!pid) {
			fuzz(argv + optind, argc - optind, lines, (unsigned int)i);
			return 0;
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	return bad ? 1 : 0;
}
