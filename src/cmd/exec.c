#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "cmd/cmd.h"

static struct exec_opts o;
static struct strv env, gids, caps;

/* runc reads -g as a list of integers while parsing flags: a bad one is a usage error
 * (exit 1), not an exec failure. */
static int check_gids(char **v, struct err *e)
{
	for (; v && *v; v++) {
		char *end;
		errno = 0;
		long long n = strtoll(*v, &end, 10);
		if (errno || *end || end == *v || n < 0 || n > INT32_MAX)
			return err_set(e, 0, "invalid value \"%s\" for flag -additional-gids: parse error",
				       *v);
	}
	return 0;
}

/* As runc: every failure of exec itself is "exec failed: ..." with status 255, so that it
 * cannot be taken for the exit status of the process; success returns the process's. */
static int exec_fail(struct err *e)
{
	err_wrap(e, "exec failed");
	cmd_fail(e);
	return 255;
}

static int run(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	int status = 0;
	o.id = argv[0];
	o.args = argv + 1;
	o.env = env.v;
	o.additional_gids = gids.v;
	o.caps = caps.v;
	if (check_gids(gids.v, &e) < 0)
		return cmd_fail(&e);
	if (o.preserve_fds < 0) {
		err_set(&e, 0, "--preserve-fds: must not be negative");
		return exec_fail(&e);
	}
	if (container_exec(&g->rt, &o, &status, &e) < 0)
		return exec_fail(&e);
	return status;
}

static const struct opt opts[] = {
	{ "console-socket", NULL, OPT_STRING, &o.console_socket, "value", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
	{ "cwd", NULL, OPT_STRING, &o.cwd, "value", "current working directory in the container" },
	{ "env", "e", OPT_STRV, &env, "value", "set environment variables" },
	{ "tty", "t", OPT_BOOL, &o.tty, NULL, "allocate a pseudo-TTY" },
	{ "user", "u", OPT_STRING, &o.user, "value", "UID (format: <uid>[:<gid>])" },
	{ "additional-gids", "g", OPT_STRV, &gids, "value", "additional gids" },
	{ "process", "p", OPT_STRING, &o.process_file, "value", "path to the process.json" },
	{ "detach", "d", OPT_BOOL, &o.detach, NULL, "detach from the container's process" },
	{ "pid-file", NULL, OPT_STRING, &o.pid_file, "value", "specify the file to write the process id to" },
	{ "process-label", NULL, OPT_STRING, &o.process_label, "value", "set the asm process label for the process commonly used with selinux" },
	{ "apparmor", NULL, OPT_STRING, &o.apparmor, "value", "set the apparmor profile for the process" },
	{ "no-new-privs", NULL, OPT_BOOL, &o.no_new_privs, NULL, "set the no new privileges value for the process" },
	{ "cap", "c", OPT_STRV, &caps, "value", "add a capability to the bounding set for the process" },
	{ "preserve-fds", NULL, OPT_INT, &o.preserve_fds, "value", "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)" },
	{ "cgroup", NULL, OPT_STRING, &o.cgroup, "value", "run the process in an (existing) sub-cgroup(s)" },
	{ "ignore-paused", NULL, OPT_BOOL, &o.ignore_paused, NULL, "allow exec in a paused container" },
	{ NULL },
};

const struct cmd cmd_exec = {
	.name = "exec", .args = "<container-id> <command> [command options]",
	.summary = "execute new process inside the container",
	.opts = opts, .stop_after = 1, .min_args = 1, .max_args = -1, .enters_container = true,
	.run = run,
};
