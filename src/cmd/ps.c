/* ps: the container's processes, as runc shows them: `ps` run on the host (default -ef)
 * with the header and the lines whose PID is in the container's cgroup, or the pids alone
 * as a JSON array. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "util/cleanup.h"

static const char *format = "table";

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int read_all(int fd, char **out, struct err *e)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap += 65536);
			if (!nb) {
				free(buf);
				return err_set(e, ENOMEM, "ps output");
			}
			buf = nb;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* ps with its stdout and stderr in one buffer (runc reads both), and its exit status. */
static int run_ps(char **args, char **out, int *status, struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, "fork");
	}
	if (pid == 0) {
		if (dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp("ps", args);
		fprintf(stderr, "exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	int r = read_all(p[0], out, e);
	close(p[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, "wait for ps");
	return r;
}

/* The index of the PID column in ps's header line, as runc finds it. */
static int pid_column(const char *header, struct err *e)
{
	_cleanup_free_ char *tmp = strdup(header);
	if (!tmp)
		return err_set(e, ENOMEM, "ps");
	char *save = NULL;
	int col = 0;
	for (char *t = strtok_r(tmp, " \t", &save); t; t = strtok_r(NULL, " \t", &save), col++)
		if (!strcmp(t, "PID"))
			return col;
	return err_set(e, 0, "couldn't find PID field in ps output");
}

/* Print the header and each line whose PID column is one of pids. */
static int filter_ps(char *text, const pid_t *pids, size_t n, struct err *e)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	int col = pid_column(line ? line : "", e);
	if (col < 0)
		return -1;
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *fsave = NULL, *f = NULL;
		_cleanup_free_ char *tmp = strdup(line);
		if (!tmp)
			return err_set(e, ENOMEM, "ps");
		f = strtok_r(tmp, " \t", &fsave);
		for (int i = 0; f && i < col; i++)
			f = strtok_r(NULL, " \t", &fsave);
		char *end = NULL;
		long pid = f ? strtol(f, &end, 10) : 0;
		if (!f || *end || end == f)
			return err_set(e, 0, "unable to parse pid: \"%s\"", f ? f : "");
		if (has_pid(pids, n, pid))
			printf("%s\n", line);
	}
	return 0;
}

static int ps_table(char **ps_args, int nargs, const pid_t *pids, size_t n, struct err *e)
{
	char **args = calloc((size_t)nargs + 3, sizeof *args);
	if (!args)
		return err_set(e, ENOMEM, "ps");
	args[0] = (char *)"ps";
	for (int i = 0; i < nargs; i++)
		args[i + 1] = ps_args[i];
	if (nargs == 0)
		args[1] = (char *)"-ef";
	_cleanup_free_ char *out = NULL;
	int status = 0;
	int r = run_ps(args, &out, &status, e);
	free(args);
	if (r < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			return err_set(e, 0, "exit status %d: %s", WEXITSTATUS(status), out);
		return err_set(e, 0, "signal: %s: %s", strsignal(WTERMSIG(status)), out);
	}
	return filter_ps(out, pids, n, e);
}

static int run(struct global *g, int argc, char **argv)
{
	struct err e;
	pid_t *pids = NULL;
	size_t n = 0;
	/* runc looks the container up before it looks at --format. */
	if (container_pids(&g->rt, argv[0], &pids, &n, &e) < 0)
		return cmd_fail(&e);
	int rc = 0;
	if (!strcmp(format, "json")) {
		/* Go's encoding of runc's (nil) slice when there is no process: null. */
		if (n == 0)
			printf("null");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "[", (int)pids[i]);
		printf("%s\n", n ? "]" : "");
	} else if (strcmp(format, "table")) {
		err_set(&e, 0, "invalid format option");
		rc = cmd_fail(&e);
	} else if (ps_table(argv + 1, argc - 1, pids, n, &e) < 0) {
		rc = cmd_fail(&e);
	}
	free(pids);
	return rc;
}

static const struct opt opts[] = {
	{ "format", "f", OPT_STRING, &format, "value", "select one of: table or json (default: \"table\")" },
	{ NULL },
};

const struct cmd cmd_ps = {
	.name = "ps", .args = "<container-id> [ps options]",
	.summary = "ps displays the processes running inside a container",
	.help = "Where \"<container-id>\" is the name for the instance of the container and\n"
		"\"[ps options]\" are passed to ps(1) (default: -ef); --format json prints the pids.\n",
	.opts = opts, .stop_after = 1, .min_args = 1, .max_args = -1, .run = run,
};
