#include "cmd/cmd.h"

static struct create_opts o;

static int run(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	struct created cr;
	o.id = argv[0];
	if (o.preserve_fds < 0) {
		err_set(&e, 22, "--preserve-fds: must not be negative");
		return cmd_fail(&e);
	}
	if (container_create(&g->rt, &o, &cr, &e) < 0)
		return cmd_fail(&e);
	state_clear(&cr.st);
	oci_config_free(cr.config);
	return 0;
}

#define CREATE_OPTS(o)                                                                          \
	{ "bundle", "b", OPT_STRING, &(o).bundle, "value",                                     \
	  "path to the root of the bundle directory, defaults to the current directory" },     \
	{ "console-socket", NULL, OPT_STRING, &(o).console_socket, "value",                     \
	  "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" }, \
	{ "pidfd-socket", NULL, OPT_STRING, &(o).pidfd_socket, "value",                         \
	  "path to an AF_UNIX socket which will receive a file descriptor referencing the init process" }, \
	{ "pid-file", NULL, OPT_STRING, &(o).pid_file, "value",                                 \
	  "specify the file to write the process id to" },                                     \
	{ "no-pivot", NULL, OPT_BOOL, &(o).no_pivot, NULL,                                      \
	  "do not use pivot root to jail process inside rootfs" },                             \
	{ "no-new-keyring", NULL, OPT_BOOL, &(o).no_new_keyring, NULL,                          \
	  "do not create a new session keyring for the container" },                           \
	{ "preserve-fds", NULL, OPT_INT, &(o).preserve_fds, "value",                            \
	  "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)" }

static const struct opt opts[] = { CREATE_OPTS(o), { NULL } };

const struct cmd cmd_create = {
	.name = "create", .args = "<container-id>", .summary = "create a container",
	.help = "Where \"<container-id>\" is your name for the instance of the container. It must be\n"
		"unique among the containers under the state root (--root).\n"
		"\n"
		"DESCRIPTION:\n"
		"   The create command sets up an instance of a container from a bundle: a directory\n"
		"with a configuration file named \"config.json\" and a root filesystem. The container\n"
		"waits, created, until \"ocirun start\" runs the process that process.args of the\n"
		"configuration names. See \"ocirun spec --help\" for the configuration file.\n",
	.opts = opts, .stop_after = -1, .min_args = 1, .max_args = 1, .enters_container = true,
	.run = run,
};

static struct create_opts ro;
static bool detach, keep;

static int run_run(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	int status = 0;
	ro.id = argv[0];
	if (ro.preserve_fds < 0) {
		err_set(&e, 22, "--preserve-fds: must not be negative");
		return cmd_fail(&e);
	}
	if (detach && keep) {
		err_set(&e, 22, "--detach and --keep cannot both be set");
		return cmd_fail(&e);
	}
	if (container_run(&g->rt, &ro, detach, keep, &status, &e) < 0)
		return cmd_fail(&e);
	return status;
}

static const struct opt run_opts[] = {
	CREATE_OPTS(ro),
	{ "detach", "d", OPT_BOOL, &detach, NULL, "detach from the container's process" },
	{ "keep", NULL, OPT_BOOL, &keep, NULL, "do not delete the container after it exits" },
	{ "no-subreaper", NULL, OPT_BOOL, &ro.no_subreaper, NULL,
	  "disable the use of the subreaper used to reap reparented processes" },
	{ NULL },
};

const struct cmd cmd_run = {
	.name = "run", .args = "<container-id>", .summary = "create and run a container",
	.help = "Where \"<container-id>\" is your name for the instance of the container. It must be\n"
		"unique among the containers under the state root (--root).\n"
		"\n"
		"DESCRIPTION:\n"
		"   The run command creates an instance of a container from a bundle (see \"ocirun\n"
		"create --help\") and starts it. Unless --detach is given it waits for the container\n"
		"process, forwards signals to it, exits with its exit status and deletes the\n"
		"container (unless --keep).\n",
	.opts = run_opts, .stop_after = -1, .min_args = 1, .max_args = 1, .enters_container = true,
	.run = run_run,
};
