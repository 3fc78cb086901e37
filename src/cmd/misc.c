/* pause and resume. */
#include <errno.h>

#include "cmd/cmd.h"

static int run_pause(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	return container_pause(&g->rt, argv[0], true, &e) < 0 ? cmd_fail(&e) : 0;
}

static int run_resume(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	return container_pause(&g->rt, argv[0], false, &e) < 0 ? cmd_fail(&e) : 0;
}

const struct cmd cmd_pause = {
	.name = "pause", .args = "<container-id>", .summary = "pause suspends all processes inside the container",
	.help = "Where \"<container-id>\" is the name for the instance of the container to pause.\n\n"
		"DESCRIPTION:\n"
		"   The pause command freezes every process of the container (its cgroup).\n"
		"\"ocirun resume\" thaws them.\n",
	.stop_after = -1, .min_args = 1, .max_args = 1, .run = run_pause,
};

const struct cmd cmd_resume = {
	.name = "resume", .args = "<container-id>", .summary = "resumes all processes that have been previously paused",
	.help = "Where \"<container-id>\" is the name for the instance of the container to resume.\n\n"
		"DESCRIPTION:\n"
		"   The resume command thaws every process of a container that \"ocirun pause\"\n"
		"froze.\n",
	.stop_after = -1, .min_args = 1, .max_args = 1, .run = run_resume,
};
