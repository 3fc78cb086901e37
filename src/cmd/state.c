#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"

static int run(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	struct container_state st;
	char *out = NULL;
	if (container_load(&g->rt, argv[0], &st, &e) < 0)
		return cmd_fail(&e);
	int r = state_render(&st, &out, &e);
	state_clear(&st);
	if (r < 0)
		return cmd_fail(&e);
	/* runc prints the document without a trailing newline. */
	fputs(out, stdout);
	free(out);
	return 0;
}

const struct cmd cmd_state = {
	.name = "state", .args = "<container-id>", .summary = "output the state of a container",
	.help = "Where \"<container-id>\" is the name for the instance of the container.\n\n"
		"DESCRIPTION:\n"
		"   The state command prints the state of the container as the OCI runtime\n"
		"specification defines it (id, pid, status, bundle, annotations), in JSON.\n",
	.stop_after = -1, .min_args = 1, .max_args = 1, .run = run,
};
