#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "cmd/cmd.h"
#include "util/log.h"

static const struct opt *find_opt(const struct opt *opts, const char *name, size_t len)
{
	for (const struct opt *o = opts; o && o->name; o++) {
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
		if (o->alias && strlen(o->alias) == len && !strncmp(o->alias, name, len))
			return o;
	}
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "TRUE"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "FALSE"))
		*out = false;
	else
		return -1;
	return 0;
}

static int set_opt(const struct opt *o, const char *v, struct err *e)
{
	switch (o->type) {
	case OPT_BOOL:
		if (parse_bool(v, o->dest) < 0)
			return err_set(e, 0, "invalid value \"%s\" for flag -%s: parse error", v, o->name);
		return 0;
	case OPT_STRING:
		*(const char **)o->dest = v;
		return 0;
	case OPT_INT: {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno || *end || end == v || n < INT_MIN || n > INT_MAX)
			return err_set(e, 0, "invalid value \"%s\" for flag -%s: parse error", v, o->name);
		*(int *)o->dest = (int)n;
		return 0;
	}
	case OPT_STRV: {
		struct strv *sv = o->dest;
		char **nv = realloc(sv->v, (size_t)(sv->n + 2) * sizeof *nv);
		if (!nv)
			return err_set(e, ENOMEM, "flag -%s", o->name);
		nv[sv->n++] = (char *)v;
		nv[sv->n] = NULL;
		sv->v = nv;
		return 0;
	}
	}
	return 0;
}

int args_parse_one(const struct opt *opts, int *i, int argc, char **argv, struct err *e)
{
	const char *a = argv[*i];
	const char *name = a + (a[1] == '-' ? 2 : 1);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = find_opt(opts, name, len);
	if (!o) {
		if ((len == 1 && *name == 'h') || (len == 4 && !strncmp(name, "help", 4)))
			return 1;
		err_set(e, 0, "flag provided but not defined: -%.*s", (int)len, name);
		return ARGS_USAGE_ERROR;
	}
	const char *v = eq ? eq + 1 : NULL;
	if (!v && o->type == OPT_BOOL)
		v = "true";
	if (!v) {
		if (*i + 1 >= argc) {
			err_set(e, 0, "flag needs an argument: -%s", o->name);
			return ARGS_USAGE_ERROR;
		}
		v = argv[++*i];
	}
	return set_opt(o, v, e);
}

int args_parse(const struct cmd *c, int *argc, char **argv, struct err *e)
{
	int npos = 0, n = *argc;
	bool options_done = false;
	for (int i = 1; i < n; i++) {
		char *a = argv[i];
		if (options_done || a[0] != '-' || a[1] == '\0') {
			argv[npos++] = a;
			if (c->stop_after >= 0 && npos >= c->stop_after)
				options_done = true;
			continue;
		}
		if (!strcmp(a, "--")) {
			options_done = true;
			continue;
		}
		int r = args_parse_one(c->opts, &i, n, argv, e);
		if (r != 0)
			return r;
	}
	*argc = npos;
	argv[npos] = NULL;
	return 0;
}

void args_usage(const struct cmd *c)
{
	bool has_opts = c->opts && c->opts->name;
	printf("NAME:\n   ocirun %s - %s\n\nUSAGE:\n   ocirun %s%s %s\n", c->name, c->summary,
	       c->name, has_opts ? " [command options]" : "", c->args ? c->args : "");
	if (c->help)
		printf("\n%s", c->help);
	if (!has_opts)
		return;
	printf("\nOPTIONS:\n");
	for (const struct opt *o = c->opts; o->name; o++) {
		char flags[96];
		snprintf(flags, sizeof flags, "--%s%s%s%s%s", o->name, o->alias ? ", -" : "",
			 o->alias ? o->alias : "", o->arg ? " " : "", o->arg ? o->arg : "");
		printf("   %-32s %s\n", flags, o->help);
	}
	printf("   %-32s %s\n", "--help, -h", "show help");
}

int cmd_fail(const struct err *e)
{
	/* As runc: a log line (to --log, else stderr); with a log file the plain message also
	 * goes to stderr, where conmon and humans read it. */
	log_error("%s", e->msg);
	if (log_to_file())
		fprintf(stderr, "%s\n", e->msg);
	return 1;
}

int parse_signal(const char *s, int *sig, struct err *e)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end) {
		if (n < 0 || n >= NSIG)
			return err_set(e, EINVAL, "invalid signal: %s", s);
		*sig = (int)n;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int i = 1; i < SIGRTMIN; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && !strcasecmp(abbrev, name)) {
			*sig = i;
			return 0;
		}
	}
	if (!strncasecmp(name, "RTMIN", 5) || !strncasecmp(name, "RTMAX", 5)) {
		long off = name[5] ? strtol(name + 5, &end, 10) : 0;
		int base = toupper((unsigned char)name[4]) == 'N' ? SIGRTMIN : SIGRTMAX;
		if (!name[5] || (!*end && end != name + 5)) {
			int v = base + (int)off;
			if (v >= SIGRTMIN && v <= SIGRTMAX) {
				*sig = v;
				return 0;
			}
		}
	}
	return err_set(e, EINVAL, "unknown signal \"%s\"", s);
}
