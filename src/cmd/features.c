/* features: the spec's features document (oci/features.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "linux/features.h"
#include "oci/features.h"

static int run(struct global *g, int argc, char **argv)
{
	(void)g, (void)argc, (void)argv;
	struct err e;
	struct oci_features f;
	char *out = NULL;
	oci_features_init(&f);
	linux_features_fill(&f);
	if (oci_features_render(&f, &out, &e) < 0)
		return cmd_fail(&e);
	/* runc's JSON encoder ends the document with a newline. */
	printf("%s\n", out);
	free(out);
	return 0;
}

const struct cmd cmd_features = {
	.name = "features", .summary = "show the enabled features",
	.help = "DESCRIPTION:\n"
		"   Show what this runtime recognizes and implements, as the OCI runtime\n"
		"specification's features document (features.md), in JSON.\n",
	.stop_after = -1, .min_args = 0, .max_args = 0, .run = run,
};
