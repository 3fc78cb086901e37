#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"
#include "cmd/cmd.h"

static const char *format = "table";
static bool quiet;

/* Go's text/tabwriter as runc configures it: minwidth 12, padding 3; the last column is
 * not padded. */
static void print_table(const struct container_state *sts, size_t n)
{
	enum { NCOL = 6 };
	const char *hdr[NCOL] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	size_t width[NCOL];
	char pid[32];
	for (int c = 0; c < NCOL; c++)
		width[c] = strlen(hdr[c]);
	for (size_t i = 0; i < n; i++) {
		const char *cells[NCOL - 1] = { sts[i].id, pid, container_status_name(sts[i].status),
						sts[i].bundle, sts[i].created };
		snprintf(pid, sizeof pid, "%d", sts[i].status == STATUS_STOPPED ? 0 : (int)sts[i].pid);
		for (int c = 0; c < NCOL - 1; c++)
			if (strlen(cells[c]) > width[c])
				width[c] = strlen(cells[c]);
	}
	for (int c = 0; c < NCOL - 1; c++)
		width[c] = width[c] + 3 < 12 ? 12 : width[c] + 3;
	for (int c = 0; c < NCOL - 1; c++)
		printf("%-*s", (int)width[c], hdr[c]);
	printf("%s\n", hdr[NCOL - 1]);
	for (size_t i = 0; i < n; i++) {
		snprintf(pid, sizeof pid, "%d", sts[i].status == STATUS_STOPPED ? 0 : (int)sts[i].pid);
		const char *cells[NCOL - 1] = { sts[i].id, pid, container_status_name(sts[i].status),
						sts[i].bundle, sts[i].created };
		for (int c = 0; c < NCOL - 1; c++)
			printf("%-*s", (int)width[c], cells[c]);
		printf("%s\n", sts[i].owner == 0 ? "root" : "");
	}
}

static int run(struct global *g, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct err e;
	struct container_state *sts = NULL;
	size_t n = 0;
	if (strcmp(format, "table") && strcmp(format, "json")) {
		err_set(&e, 22, "invalid format option");
		return cmd_fail(&e);
	}
	if (container_list(&g->rt, &sts, &n, &e) < 0)
		return cmd_fail(&e);
	int rc = 0;
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", sts[i].id);
	} else if (!strcmp(format, "json")) {
		char *out = NULL;
		if (state_render_list_json(sts, n, &out, &e) < 0)
			rc = cmd_fail(&e);
		else
			printf("%s\n", n ? out : "null");
		free(out);
	} else {
		print_table(sts, n);
	}
	for (size_t i = 0; i < n; i++)
		state_clear(&sts[i]);
	free(sts);
	return rc;
}

static const struct opt opts[] = {
	{ "format", "f", OPT_STRING, &format, "value", "select one of: table or json (default: \"table\")" },
	{ "quiet", "q", OPT_BOOL, &quiet, NULL, "display only container IDs" },
	{ NULL },
};

const struct cmd cmd_list = {
	.name = "list", .summary = "lists containers started by ocirun with the given root",
	.help = "The state root is the global option \"--root\" (default: \"" OCIRUN_DEFAULT_ROOT "\").\n\n"
		"EXAMPLE:\n"
		"   To list the containers under the default root, then under another one:\n\n"
		"       # ocirun list\n"
		"       # ocirun --root /run/other list\n",
	.opts = opts, .stop_after = -1, .min_args = 0, .max_args = 0, .run = run,
};
