/* ocirun: global flags, the command table, exit codes. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "linux/criu.h"
#include "linux/selfexe.h"
#include "build_config.h"
#include "util/log.h"

static const struct cmd *const commands[] = {
	&cmd_checkpoint, &cmd_create, &cmd_delete, &cmd_events, &cmd_exec, &cmd_features,
	&cmd_kill, &cmd_list, &cmd_pause, &cmd_ps, &cmd_restore, &cmd_resume, &cmd_run,
	&cmd_spec, &cmd_start, &cmd_state, &cmd_update, NULL,
};

static void print_version(const char *criu)
{
	const struct scmp_version *v = seccomp_version();
	char what[512];
	criu_available(criu, what, sizeof what);
	printf("ocirun version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\ncriu: %s\n",
	       OCIRUN_VERSION, OCIRUN_COMMIT, OCI_SPEC_VERSION, v->major, v->minor, v->micro, what);
}

static void print_help(void)
{
	printf("NAME:\n   ocirun - Open Container Initiative runtime\n\n"
	       "USAGE:\n   ocirun [global options] command [command options] [arguments...]\n\n"
	       "VERSION:\n   %s (spec %s)\n\nCOMMANDS:\n", OCIRUN_VERSION, OCI_SPEC_VERSION);
	for (const struct cmd *const *c = commands; *c; c++)
		printf("   %-12s%s\n", (*c)->name, (*c)->summary);
	printf("\nGLOBAL OPTIONS:\n"
	       "   --debug                  enable debug logging\n"
	       "   --log value              set the log file to write ocirun logs to (default is '/dev/stderr')\n"
	       "   --log-format value       set the log format ('text' (default), or 'json')\n"
	       "   --root value             root directory for storage of container state (default: \"%s\")\n"
	       "   --criu value             path to the criu binary used for checkpoint and restore\n"
	       "   --systemd-cgroup         enable systemd cgroup support\n"
	       "   --rootless value         ignore cgroup permission errors ('true', 'false', or 'auto')\n"
	       "   --help, -h               show help\n"
	       "   --version, -v            print the version\n", OCIRUN_DEFAULT_ROOT);
}

/* Global flags come before the command name. */
static int parse_global(struct global *g, int *i, int argc, char **argv, struct err *e)
{
	bool version = false, help = false;
	const struct opt opts[] = {
		{ "root", NULL, OPT_STRING, &g->root, "value", "" },
		{ "log", NULL, OPT_STRING, &g->log, "value", "" },
		{ "log-format", NULL, OPT_STRING, &g->log_format, "value", "" },
		{ "debug", NULL, OPT_BOOL, &g->debug, NULL, "" },
		{ "systemd-cgroup", NULL, OPT_BOOL, &g->systemd_cgroup, NULL, "" },
		{ "rootless", NULL, OPT_STRING, &g->rootless, "value", "" },
		{ "criu", NULL, OPT_STRING, &g->criu, "value", "" },
		{ "version", "v", OPT_BOOL, &version, NULL, "" },
		{ "help", "h", OPT_BOOL, &help, NULL, "" },
		{ NULL },
	};
	for (; *i < argc && argv[*i][0] == '-' && argv[*i][1]; (*i)++) {
		int r = args_parse_one(opts, i, argc, argv, e);
		if (r == ARGS_USAGE_ERROR) {
			printf("Incorrect Usage. %s\n\n", e->msg);
			print_help();
		}
		if (r < 0)
			return -1;
		if (r == 1)
			help = true;
	}
	if (help) {
		print_help();
		return 1;
	}
	if (version) {
		print_version(g->criu);
		return 1;
	}
	return 0;
}

static int check_global(struct global *g, struct err *e)
{
	bool json = false;
	if (g->log_format && !strcmp(g->log_format, "json"))
		json = true;
	else if (g->log_format && strcmp(g->log_format, "text"))
		return err_set(e, EINVAL, "invalid log-format: %s", g->log_format);
	if (log_init(g->log, json, g->debug) < 0)
		return err_sys(e, "open log file %s", g->log);
	if (g->systemd_cgroup)
		return err_set(e, ENOTSUP, "--systemd-cgroup: the systemd cgroup driver is not supported yet");
	if (g->rootless && strcmp(g->rootless, "false") && strcmp(g->rootless, "auto")) {
		if (strcmp(g->rootless, "true"))
			return err_set(e, EINVAL, "invalid value for --rootless: %s", g->rootless);
		return err_set(e, ENOTSUP, "--rootless: rootless containers are not supported yet");
	}
	g->rt.root = g->root;
	return 0;
}

/* As runc: "Incorrect Usage." and the help on stdout, the rule (after the program name as
 * invoked) on stderr, status 1. */
static int usage_error(const char *prog, const struct cmd *c, int argc)
{
	struct err e;
	printf("Incorrect Usage.\n\n");
	args_usage(c);
	if (c->min_args == c->max_args)
		err_set(&e, 0, "%s: \"%s\" requires exactly %d argument(s)", prog, c->name,
			c->min_args);
	else if (argc < c->min_args)
		err_set(&e, 0, "%s: \"%s\" requires a minimum of %d argument(s)", prog, c->name,
			c->min_args);
	else
		err_set(&e, 0, "%s: \"%s\" requires a maximum of %d argument(s)", prog, c->name,
			c->max_args);
	return cmd_fail(&e);
}

int main(int argc, char **argv)
{
	struct global g = { .root = OCIRUN_DEFAULT_ROOT };
	struct err e = { 0 };
	int i = 1;
	int r = parse_global(&g, &i, argc, argv, &e);
	if (r != 0)
		return r < 0 ? cmd_fail(&e) : 0;
	if (i >= argc) {
		print_help();
		return 0;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		print_help();
		return 0;
	}
	for (const struct cmd *const *c = commands; *c; c++) {
		if (strcmp((*c)->name, name))
			continue;
		/* Only the commands that put runtime code into a container pay for the re-exec;
		 * before parsing, which rearranges argv. */
		if ((*c)->enters_container && selfexe_ensure_readonly(argv, &e) < 0)
			return cmd_fail(&e);
		int cargc = argc - i;
		char **cargv = argv + i;
		r = args_parse(*c, &cargc, cargv, &e);
		if (r == 1) {
			args_usage(*c);
			return 0;
		}
		if (r == ARGS_USAGE_ERROR) {
			printf("Incorrect Usage: %s\n\n", e.msg);
			args_usage(*c);
		}
		if (r < 0 || check_global(&g, &e) < 0)
			return cmd_fail(&e);
		if (cargc < (*c)->min_args || ((*c)->max_args >= 0 && cargc > (*c)->max_args))
			return usage_error(argv[0], *c, cargc);
		return (*c)->run(&g, cargc, cargv);
	}
	err_set(&e, EINVAL, "no such command: %s", name);
	return cmd_fail(&e);
}
