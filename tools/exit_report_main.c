/*
 * exit-report: kvmini's --exit-stats lines for shell scripts (the rig's scenarios), through
 * the same parser as the tests and examples/exit_compare.c (tools/exit_report.h).
 *
 *   exit-report [--net] WINDOW FILE [KEY...]
 *
 * Finds the `exit-stats: window=WINDOW net=0` line in FILE (net=1 with --net; - reads
 * standard input). Without KEYs it prints the line; with them, their values on one line,
 * separated by spaces, in the order asked. Status 1 when there is no such line or it lacks a
 * KEY (stderr says which), 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/exit_report.h"

static char *slurp(FILE *f)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *more = realloc(buf, cap * 2);
			if (!more)
				free(buf);
			buf = more;
			cap *= 2;
		}
	}
	if (!buf || ferror(f))
		return NULL;
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	int a = 1;
	bool net = false;
	if (a < argc && !strcmp(argv[a], "--net")) {
		net = true;
		a++;
	}
	if (argc - a < 2) {
		fprintf(stderr, "usage: exit-report [--net] WINDOW FILE [KEY...]\n");
		return 2;
	}
	const char *window = argv[a], *path = argv[a + 1];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *text = f ? slurp(f) : NULL;
	if (!text) {
		fprintf(stderr, "exit-report: cannot read %s\n", path);
		return 1;
	}
	static struct exit_report r;
	if (!exit_report_find(text, window, net, &r)) {
		fprintf(stderr, "exit-report: %s: %s\n", path, r.why);
		return 1;
	}
	if (argc - a == 2) {
		printf("%.*s\n", (int)r.line_len, r.line);
		return 0;
	}
	for (int k = a + 2; k < argc; k++) {
		uint64_t v;
		if (!exit_report_get(&r, argv[k], &v)) {
			fprintf(stderr, "exit-report: %s: window=%s net=%d has no %s\n", path,
				window, net, argv[k]);
			return 1;
		}
		printf("%s%llu", k > a + 2 ? " " : "", (unsigned long long)v);
	}
	printf("\n");
	return 0;
}
