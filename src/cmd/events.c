/* events: --stats prints one stats event; otherwise a stream of JSON lines (stats every
 * --interval, OOM events as they happen) until the container exits. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "container/events.h"
#include "oci/stats.h"

static const char *interval = "5s";
static bool stats_only;

/* Go's time.ParseDuration, as the flag is a Go duration in runc: "5s", "1.5s", "500ms",
 * "1m30s"; a bare "0" is 0. */
static int parse_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	const char *p = s;
	bool neg = *p == '-';
	p += *p == '-' || *p == '+';
	if (!strcmp(p, "0")) {
		*out = 0;
		return 0;
	}
	double total = 0;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		size_t ul = strcspn(p, "0123456789.");
		size_t i = 0;
		while (i < sizeof units / sizeof units[0] &&
		       (strlen(units[i].unit) != ul || strncmp(p, units[i].unit, ul)))
			i++;
		if (i == sizeof units / sizeof units[0])
			return -1;   /* a missing or unknown unit */
		total += v * units[i].ns;
		p += ul;
	}
	if (total > 9.2e18)
		return -1;
	*out = (int64_t)(neg ? -total : total);
	return 0;
}

static int print_event(enum container_event ev, const struct cgroup_stats *s, void *ctx,
		       struct err *e)
{
	const char *id = ctx;
	char *json = NULL;
	int r = ev == CONTAINER_EVENT_STATS ? oci_event_stats(id, s, &json, e)
					    : oci_event_oom(id, &json, e);
	if (r < 0)
		return -1;
	/* Line by line, each flushed: a reader on a pipe sees every event as it happens. */
	r = printf("%s\n", json) < 0 || fflush(stdout) != 0 ? err_sys(e, "write event") : 0;
	free(json);
	return r;
}

static int run(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	const char *id = argv[0];
	int64_t ns;
	if (parse_duration(interval, &ns) < 0) {
		err_set(&e, 0, "invalid value \"%s\" for flag -interval: parse error", interval);
		return cmd_fail(&e);
	}
	if (!stats_only)
		return container_events(&g->rt, id, ns, print_event, (void *)id, &e) < 0 ? cmd_fail(&e) : 0;
	struct cgroup_stats s;
	if (container_stats(&g->rt, id, &s, &e) < 0)
		return cmd_fail(&e);
	int r = print_event(CONTAINER_EVENT_STATS, &s, (void *)id, &e);
	cgroup_stats_clear(&s);
	return r < 0 ? cmd_fail(&e) : 0;
}

static const struct opt opts[] = {
	{ "interval", NULL, OPT_STRING, &interval, "value", "set the stats collection interval (default: 5s)" },
	{ "stats", NULL, OPT_BOOL, &stats_only, NULL, "display the container's stats then exit" },
	{ NULL },
};

const struct cmd cmd_events = {
	.name = "events", .args = "<container-id>",
	.summary = "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
	.opts = opts, .stop_after = -1, .min_args = 1, .max_args = 1, .run = run,
};
