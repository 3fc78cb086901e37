#include "cmd/cmd.h"

static int run(struct global *g, int argc, char **argv)
{
	struct err e;
	for (int i = 0; i < argc; i++)
		if (container_start(&g->rt, argv[i], &e) < 0)
			return cmd_fail(&e);
	return 0;
}

const struct cmd cmd_start = {
	.name = "start", .args = "<container-id>", .summary = "executes the user defined process in a created container",
	.help = "Where \"<container-id>\" is the name of a container in the \"created\" state.\n\n"
		"DESCRIPTION:\n"
		"   The start command runs the user defined process (process.args) of a created\n"
		"container: the startContainer hooks, then the process, then the poststart hooks.\n"
		"It fails when one of those hooks fails; the container is then stopped.\n",
	.stop_after = -1, .min_args = 1, .max_args = 1, .run = run,
};
