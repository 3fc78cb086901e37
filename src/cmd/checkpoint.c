/* checkpoint and restore (CRIU): runc's flags over container_checkpoint/container_restore. */
#include "cmd/cmd.h"

#define CRIU_FLAGS(f)                                                                           \
	{ "image-path", NULL, OPT_STRING, &(f).image_path, "value",                            \
	  "path for saving criu image files (default: ./checkpoint)" },                       \
	{ "work-path", NULL, OPT_STRING, &(f).work_path, "value",                              \
	  "path for saving work files and logs (default: the image path)" },                  \
	{ "tcp-established", NULL, OPT_BOOL, &(f).tcp_established, NULL,                       \
	  "allow open tcp connections" },                                                      \
	{ "ext-unix-sk", NULL, OPT_BOOL, &(f).ext_unix_sk, NULL, "allow external unix sockets" }, \
	{ "shell-job", NULL, OPT_BOOL, &(f).shell_job, NULL, "allow shell jobs" },             \
	{ "file-locks", NULL, OPT_BOOL, &(f).file_locks, NULL, "handle file locks, for safety" }, \
	{ "manage-cgroups-mode", NULL, OPT_STRING, &(f).manage_cgroups_mode, "value",          \
	  "cgroups mode: soft|full|strict|ignore (default: soft)" },                           \
	{ "empty-ns", NULL, OPT_STRING, &(f).empty_ns, "value",                                \
	  "create a namespace, but don't restore its properties (network)" },                  \
	{ "auto-dedup", NULL, OPT_BOOL, &(f).auto_dedup, NULL,                                 \
	  "enable auto deduplication of memory images" },                                      \
	{ "lazy-pages", NULL, OPT_BOOL, &(f).lazy_pages, NULL,                                 \
	  "use userfaultfd to lazily restore memory pages" }

static struct checkpoint_opts co = { .c = { .status_fd = -1 } };

static const struct opt ckpt_opts[] = {
	CRIU_FLAGS(co.c),
	{ "parent-path", NULL, OPT_STRING, &co.parent_path, "value",
	  "path for previous criu image files in pre-dump (relative to the image path)" },
	{ "leave-running", NULL, OPT_BOOL, &co.leave_running, NULL,
	  "leave the process running after checkpointing" },
	{ "pre-dump", NULL, OPT_BOOL, &co.pre_dump, NULL, "dump container's memory information only, leave the container running after this" },
	{ "page-server", NULL, OPT_STRING, &co.page_server, "value",
	  "ADDRESS:PORT of the page server" },
	{ "status-fd", NULL, OPT_INT, &co.c.status_fd, "value",
	  "criu writes \\0 to this FD once lazy-pages is ready" },
	{ NULL },
};

static int run_checkpoint(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	co.id = argv[0];
	co.c.criu = g->criu;
	return container_checkpoint(&g->rt, &co, &e) < 0 ? cmd_fail(&e) : 0;
}

const struct cmd cmd_checkpoint = {
	.name = "checkpoint", .args = "<container-id>", .summary = "checkpoint a running container",
	.help = "Where \"<container-id>\" is the name for the instance of the container to be\n"
		"checkpointed.\n\n"
		"DESCRIPTION:\n"
		"   The checkpoint command saves the state of the container's processes with CRIU\n"
		"(criu(8) must be installed) into the image path. The container is removed\n"
		"afterwards unless --leave-running or --pre-dump is given. \"ocirun restore\" brings\n"
		"it back, on this machine or another.\n",
	.opts = ckpt_opts, .stop_after = -1, .min_args = 1, .max_args = 1, .run = run_checkpoint,
};

static struct restore_opts ro = { .c = { .status_fd = -1 } };
static const char *lsm_profile, *lsm_mount_context;

static const struct opt restore_opts[] = {
	CRIU_FLAGS(ro.c),
	{ "bundle", "b", OPT_STRING, &ro.bundle, "value",
	  "path to the root of the bundle directory" },
	{ "detach", "d", OPT_BOOL, &ro.detach, NULL, "detach from the container's process" },
	{ "pid-file", NULL, OPT_STRING, &ro.pid_file, "value",
	  "specify the file to write the process id to" },
	{ "console-socket", NULL, OPT_STRING, &ro.console_socket, "value",
	  "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
	{ "no-subreaper", NULL, OPT_BOOL, &ro.no_subreaper, NULL,
	  "disable the use of the subreaper used to reap reparented processes" },
	{ "no-pivot", NULL, OPT_BOOL, &ro.no_pivot, NULL,
	  "do not use pivot root to jail process inside rootfs" },
	{ "lsm-profile", NULL, OPT_STRING, &lsm_profile, "value",
	  "Specify an LSM profile to be used during restore" },
	{ "lsm-mount-context", NULL, OPT_STRING, &lsm_mount_context, "value",
	  "Specify an LSM mount context to be used during restore" },
	{ NULL },
};

static int run_restore(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	int status = 0;
	ro.id = argv[0];
	ro.c.criu = g->criu;
	if (lsm_profile || lsm_mount_context) {
		/* There is no LSM on the hosts we test; refusing beats ignoring a label. */
		err_set(&e, 95, "restore '%s': --lsm-profile and --lsm-mount-context are not supported",
			ro.id);
		return cmd_fail(&e);
	}
	if (container_restore(&g->rt, &ro, &status, &e) < 0)
		return cmd_fail(&e);
	return status;
}

const struct cmd cmd_restore = {
	.name = "restore", .args = "<container-id>",
	.summary = "restore a container from a previous checkpoint",
	.help = "Where \"<container-id>\" is the name for the instance of the container to be\n"
		"restored.\n\n"
		"DESCRIPTION:\n"
		"   The restore command brings back, as a new container of the given id, the\n"
		"processes that \"ocirun checkpoint\" saved in the image path, with the bundle's\n"
		"config.json. Without --detach it waits for the container as \"ocirun run\" does.\n",
	.opts = restore_opts, .stop_after = -1, .min_args = 1, .max_args = 1,
	.enters_container = true, .run = run_restore,
};
