/* The CLI: global flags, the command table, and a runc-compatible flag parser (-flag and
 * --flag, `=value` or a separate value, flags before or after the positional arguments). */
#pragma once
#include <stdbool.h>

#include "container/container.h"
#include "util/error.h"

struct global {
	const char *root;
	const char *log;
	const char *log_format;
	bool debug;
	bool systemd_cgroup;
	const char *rootless;
	const char *criu;
	struct runtime_opts rt;
};

enum opt_type { OPT_BOOL, OPT_STRING, OPT_INT, OPT_STRV };

/* A repeatable flag (exec --env A --env B); values point into argv. */
struct strv {
	char **v;   /* NULL-terminated */
	int n;
};

struct opt {
	const char *name;       /* long name */
	const char *alias;      /* short name, or NULL */
	enum opt_type type;
	void *dest;             /* bool *, const char **, int *, struct strv * */
	const char *arg;        /* value name in help */
	const char *help;
};

struct cmd {
	const char *name;
	const char *args;       /* "<container-id>" */
	const char *summary;
	/* Printed by --help after the usage line: what the arguments are, a description, an
	 * example (runc's depth); NULL for none. */
	const char *help;
	const struct opt *opts;
	/* positional args before option parsing stops (exec: the command after the id), -1: never */
	int stop_after;
	int min_args, max_args; /* -1: unlimited */
	bool enters_container;  /* runs runtime code inside a container (CVE-2019-5736) */
	int (*run)(struct global *g, int argc, char **argv);
};

/* Parse opts out of argv (argv[0] is the command name); on return argv[0..*argc) hold the
 * positional arguments. Returns 1 when --help was given, 0 on success, -1 on error,
 * ARGS_USAGE_ERROR for an unknown flag or a missing value (runc then prints the usage). */
#define ARGS_USAGE_ERROR (-2)
int args_parse(const struct cmd *c, int *argc, char **argv, struct err *e);
/* Parse the option at argv[*i] (advancing *i past its value); 1 for -h/--help. */
int args_parse_one(const struct opt *opts, int *i, int argc, char **argv, struct err *e);
void args_usage(const struct cmd *c);
/* Print an error as runc does (stderr, and the log when --log is set); returns 1. */
int cmd_fail(const struct err *e);
int parse_signal(const char *s, int *sig, struct err *e);

extern const struct cmd cmd_spec, cmd_create, cmd_start, cmd_run, cmd_state, cmd_list,
	cmd_kill, cmd_delete, cmd_exec, cmd_ps, cmd_pause, cmd_resume, cmd_update, cmd_events,
	cmd_checkpoint, cmd_restore, cmd_features;
