/* Helpers for the process tests: most steps change the calling process for good (uid,
 * capabilities, rlimits, namespaces), so they run in a forked child that reports back in
 * text through a pipe, and the parent checks that text. */
#pragma once
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.h"

typedef void (*child_fn)(FILE *out);

/* Run fn in a child; returns everything it wrote (malloc'd, never NULL). */
static inline char *run_in_child(child_fn fn)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return strdup("pipe failed");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		FILE *out = fdopen(p[1], "w");
		if (out) {
			fn(out);
			fflush(out);
		}
		/* _exit: no atexit handlers, no leak report for the abandoned child state. */
		_exit(0);
	}
	close(p[1]);
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(p[0], buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	return buf;
}

/* "rc=0\n" or "rc=-1\nerr=<message>\n". */
static inline void report_rc(FILE *out, int rc, const struct err *e)
{
	fprintf(out, "rc=%d\n", rc);
	if (rc < 0)
		fprintf(out, "err=%s\n", e->msg);
}

/* Copy a file (e.g. /proc/self/status) into the report. */
static inline void report_file(FILE *out, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(out, "cannot open %s\n", path);
		return;
	}
	char line[512];
	while (fgets(line, sizeof line, f))
		fputs(line, out);
	fclose(f);
}

/* The report contains this line (without its newline). */
static inline int has_line(const char *report, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = report; (p = strstr(p, line)); p++)
		if ((p == report || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

#define CHECK_LINE(report, line)                                                           \
	do {                                                                               \
		if (!has_line((report), (line))) {                                         \
			fprintf(stderr, "%s:%d: line \"%s\" missing from:\n%s\n", __FILE__, \
				__LINE__, (line), (report));                               \
			unit_failed_checks++;                                              \
		}                                                                          \
	} while (0)

#define SKIP_UNLESS_ROOT()                                                                  \
	do {                                                                               \
		if (geteuid() != 0) {                                                      \
			printf("SKIP %s: needs root\n", __func__);                         \
			return;                                                            \
		}                                                                          \
	} while (0)
