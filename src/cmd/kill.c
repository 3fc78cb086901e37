#include <signal.h>

#include "cmd/cmd.h"

static bool all;

static int run(struct global *g, int argc, char **argv)
{
	struct err e;
	int sig = SIGTERM;
	if (argc > 1 && parse_signal(argv[1], &sig, &e) < 0)
		return cmd_fail(&e);
	if (container_kill(&g->rt, argv[0], sig, all, &e) < 0)
		return cmd_fail(&e);
	return 0;
}

static const struct opt opts[] = {
	{ "all", "a", OPT_BOOL, &all, NULL, "send the specified signal to all processes inside the container" },
	{ NULL },
};

const struct cmd cmd_kill = {
	.name = "kill", .args = "<container-id> [signal]",
	.summary = "kill sends the specified signal (default: SIGTERM) to the container's init process",
	.help = "Where \"<container-id>\" is the name for the instance of the container and\n"
		"\"[signal]\" is the signal to send, by name (KILL, SIGKILL, RTMIN+1) or number.\n\n"
		"EXAMPLE:\n"
		"   To send KILL to the init process of the container \"web01\":\n\n"
		"       # ocirun kill web01 KILL\n",
	.opts = opts, .stop_after = -1, .min_args = 1, .max_args = 2, .run = run,
};
