#include "cmd/cmd.h"

static bool force;

static int run(struct global *g, int argc, char **argv)
{
	struct err e;
	int rc = 0;
	for (int i = 0; i < argc; i++)
		if (container_delete(&g->rt, argv[i], force, &e) < 0)
			rc = cmd_fail(&e);
	return rc;
}

static const struct opt opts[] = {
	{ "force", "f", OPT_BOOL, &force, NULL, "Forcibly deletes the container if it is still running (uses SIGKILL)" },
	{ NULL },
};

const struct cmd cmd_delete = {
	.name = "delete", .args = "<container-id>", .summary = "delete any resources held by the container often used with detached container",
	.help = "Where \"<container-id>\" is the name for the instance of the container.\n\n"
		"DESCRIPTION:\n"
		"   The delete command removes what a container holds: its cgroups, its state, and\n"
		"with --force its processes. The poststop hooks run last.\n\n"
		"EXAMPLE:\n"
		"   To delete the stopped container \"web01\":\n\n"
		"       # ocirun delete web01\n",
	.opts = opts, .stop_after = -1, .min_args = 1, .max_args = 1, .run = run,
};
