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

static int filter_ps(FILE *f, const pid_t *pids, size_t n, struct err *e);

/* Run ps on the host and keep the header and the lines of the container's pids. */
static int ps_table(char **ps_args, int nargs, const pid_t *pids, size_t n, struct err *e)
{
	char cmd[4096] = "ps";
	size_t off = 2;
	static char ef[] = "-ef";
	static char *default_args[] = { ef, NULL };
	if (nargs == 0) {
		ps_args = default_args;
		nargs = 1;
	}
	for (int i = 0; i < nargs; i++)
		off += (size_t)snprintf(cmd + off, sizeof cmd - off, " '%s'", ps_args[i]);
	FILE *f = popen(cmd, "re");
	if (!f)
		return err_sys(e, "run ps");
	int r = filter_ps(f, pids, n, e);
	pclose(f);
	return r;
}

static int filter_ps(FILE *f, const pid_t *pids, size_t n, struct err *e)
{
	char line[4096];
	int pid_col = -1;
	while (fgets(line, sizeof line, f)) {
		if (pid_col < 0) {
			char tmp[4096];
			strcpy(tmp, line);
			int col = 0;
			for (char *t = strtok(tmp, " \t\n"); t; t = strtok(NULL, " \t\n"), col++)
				if (!strcmp(t, "PID"))
					pid_col = col;
			if (pid_col < 0)
				return err_set(e, 22, "couldn't find PID field in ps output");
			fputs(line, stdout);
			continue;
		}
		char tmp[4096];
		strcpy(tmp, line);
		char *t = strtok(tmp, " \t\n");
		for (int col = 0; t && col < pid_col; col++)
			t = strtok(NULL, " \t\n");
		if (t && has_pid(pids, n, strtol(t, NULL, 10)))
			fputs(line, stdout);
	}
	return 0;
}

static int run(struct global *g, int argc, char **argv)
{
	struct err e;
	pid_t *pids = NULL;
	size_t n = 0;
	if (strcmp(format, "table") && strcmp(format, "json")) {
		err_set(&e, 22, "invalid format option");
		return cmd_fail(&e);
	}
	if (container_pids(&g->rt, argv[0], &pids, &n, &e) < 0)
		return cmd_fail(&e);
	int rc = 0;
	if (!strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
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
