/* update: runc's flags, values parsed as runc parses them (memory sizes with units, numbers
 * strictly), into the resources that container_update applies. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "container/update.h"

static const char *resources, *cpu_period, *cpu_quota, *cpu_burst, *cpu_share, *cpu_rt_period,
	*cpu_rt_runtime, *cpuset_cpus, *cpuset_mems, *kernel_memory, *kernel_memory_tcp, *memory,
	*cpu_idle, *memory_reservation, *memory_swap, *l3_cache_schema, *mem_bw_schema;
static int blkio_weight, pids_limit;

/* docker/go-units RAMInBytes, which runc uses: "512m", "1.5g", "10 MiB", "100" (bytes);
 * k, m, g, t, p are powers of 1024, optionally followed by "b" or "ib", any case. Errors
 * read as runc 1.1's. */
static int parse_ram(const char *flag, const char *v, int64_t *out, struct err *e)
{
	size_t digits = strspn(v, "0123456789");
	size_t end = digits;
	if (v[end] == '.' && isdigit((unsigned char)v[end + 1]))
		end += 1 + strspn(v + end + 1, "0123456789");
	if (digits == 0)
		return err_set(e, 0, "invalid value for %s: invalid size: '%s'", flag, v);
	const char *sfx = v + end + (v[end] == ' ');
	static const char units[] = "kmgtp";
	double mul = 1;
	const char *u = *sfx ? strchr(units, tolower((unsigned char)*sfx)) : NULL;
	if (u) {
		for (const char *p = units; p <= u; p++)
			mul *= 1024;
		sfx++;
	}
	bool ok = !*sfx || !strcasecmp(sfx, "b") || (u && !strcasecmp(sfx, "ib"));
	if (!ok)
		return err_set(e, 0, "invalid value for %s: invalid size: '%s'", flag, v);
	double size = strtod(v, NULL) * mul;
	if (size >= 9223372036854775807.0)
		return err_set(e, 0, "invalid value for %s: '%s' is too large", flag, v);
	*out = (int64_t)size;
	return 0;
}

/* Memory flags: -1 means unlimited, anything else a size. */
static int mem_flag(const char *flag, const char *v, bool *has, int64_t *out, struct err *e)
{
	if (!v || !*v)
		return 0;
	*has = true;
	if (!strcmp(v, "-1")) {
		*out = -1;
		return 0;
	}
	return parse_ram(flag, v, out, e);
}

/* strconv.ParseUint / ParseInt in base 10: digits only, with a sign for the signed ones. */
static int num_flag(const char *flag, const char *v, bool is_signed, bool *has, int64_t *out,
		    struct err *e)
{
	if (!v || !*v)
		return 0;
	const char *d = v + (is_signed && (*v == '-' || *v == '+'));
	char *end;
	errno = 0;
	long long n = is_signed ? strtoll(v, &end, 10) : (long long)strtoull(v, &end, 10);
	if (!isdigit((unsigned char)*d) || *end || errno)
		return err_set(e, 0, "invalid value for %s: \"%s\" is not %s integer", flag, v,
			       is_signed ? "an" : "a non-negative");
	*has = true;
	*out = n;
	return 0;
}

static int cpu_flags(struct oci_cpu *c, struct err *e)
{
	int64_t v;
	if (num_flag("cpu-period", cpu_period, false, &c->has_period, &v, e) < 0)
		return -1;
	c->period = (uint64_t)v;
	if (num_flag("cpu-burst", cpu_burst, false, &c->has_burst, &v, e) < 0)
		return -1;
	c->burst = (uint64_t)v;
	if (num_flag("cpu-share", cpu_share, false, &c->has_shares, &v, e) < 0)
		return -1;
	c->shares = (uint64_t)v;
	if (num_flag("cpu-rt-period", cpu_rt_period, false, &c->has_realtime_period, &v, e) < 0)
		return -1;
	c->realtime_period = (uint64_t)v;
	if (num_flag("cpu-quota", cpu_quota, true, &c->has_quota, &c->quota, e) < 0 ||
	    num_flag("cpu-rt-runtime", cpu_rt_runtime, true, &c->has_realtime_runtime,
		     &c->realtime_runtime, e) < 0 ||
	    num_flag("cpu-idle", cpu_idle, true, &c->has_idle, &c->idle, e) < 0)
		return -1;
	c->cpus = cpuset_cpus && *cpuset_cpus ? (char *)cpuset_cpus : NULL;
	c->mems = cpuset_mems && *cpuset_mems ? (char *)cpuset_mems : NULL;
	return 0;
}

static int resources_from_flags(struct oci_resources *r, struct err *e)
{
	struct oci_memory *m = &r->memory;
	if (mem_flag("memory", memory, &m->has_limit, &m->limit, e) < 0 ||
	    mem_flag("memory-swap", memory_swap, &m->has_swap, &m->swap, e) < 0 ||
	    mem_flag("memory-reservation", memory_reservation, &m->has_reservation,
		     &m->reservation, e) < 0 ||
	    cpu_flags(&r->cpu, e) < 0)
		return -1;
	if (blkio_weight < 0 || blkio_weight > UINT16_MAX)
		return err_set(e, 0, "invalid value for blkio-weight: %d", blkio_weight);
	r->block_io.has_weight = r->has_block_io = blkio_weight != 0;
	r->block_io.weight = (uint16_t)blkio_weight;
	r->has_pids_limit = pids_limit != 0;
	r->pids_limit = pids_limit;
	r->has_memory = true;
	r->has_cpu = true;
	return 0;
}

static int run(struct global *g, int argc, char **argv)
{
	(void)argc;
	struct err e;
	struct oci_resources r = { 0 };
	/* As runc: with --resources, the other resource flags are ignored unread. */
	if (!resources && resources_from_flags(&r, &e) < 0)
		return cmd_fail(&e);
	struct update_opts o = {
		.id = argv[0],
		.resources_file = resources,
		.r = &r,
		.kernel_memory = (kernel_memory && *kernel_memory) ||
				 (kernel_memory_tcp && *kernel_memory_tcp),
		.l3_cache_schema = l3_cache_schema,
		.mem_bw_schema = mem_bw_schema,
	};
	return container_update(&g->rt, &o, &e) < 0 ? cmd_fail(&e) : 0;
}

static const struct opt opts[] = {
	{ "resources", "r", OPT_STRING, &resources, "value", "path to the file containing the resources to update or '-' to read from the standard input (a linux.resources object; all other options are then ignored)" },
	{ "blkio-weight", NULL, OPT_INT, &blkio_weight, "value", "Specifies per cgroup weight, range is from 10 to 1000 (default: 0)" },
	{ "cpu-period", NULL, OPT_STRING, &cpu_period, "value", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default" },
	{ "cpu-quota", NULL, OPT_STRING, &cpu_quota, "value", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period" },
	{ "cpu-burst", NULL, OPT_STRING, &cpu_burst, "value", "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period" },
	{ "cpu-share", "cpu-shares", OPT_STRING, &cpu_share, "value", "CPU shares (relative weight vs. other containers)" },
	{ "cpu-rt-period", NULL, OPT_STRING, &cpu_rt_period, "value", "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default" },
	{ "cpu-rt-runtime", NULL, OPT_STRING, &cpu_rt_runtime, "value", "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period" },
	{ "cpuset-cpus", NULL, OPT_STRING, &cpuset_cpus, "value", "CPU(s) to use" },
	{ "cpuset-mems", NULL, OPT_STRING, &cpuset_mems, "value", "Memory node(s) to use" },
	{ "kernel-memory", NULL, OPT_STRING, &kernel_memory, "value", "(obsoleted; do not use)" },
	{ "kernel-memory-tcp", NULL, OPT_STRING, &kernel_memory_tcp, "value", "(obsoleted; do not use)" },
	{ "memory", NULL, OPT_STRING, &memory, "value", "Memory limit (in bytes)" },
	{ "cpu-idle", NULL, OPT_STRING, &cpu_idle, "value", "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE" },
	{ "memory-reservation", NULL, OPT_STRING, &memory_reservation, "value", "Memory reservation or soft_limit (in bytes)" },
	{ "memory-swap", NULL, OPT_STRING, &memory_swap, "value", "Total memory usage (memory + swap); set '-1' to enable unlimited swap" },
	{ "pids-limit", NULL, OPT_INT, &pids_limit, "value", "Maximum number of pids allowed in the container (default: 0)" },
	{ "l3-cache-schema", NULL, OPT_STRING, &l3_cache_schema, "value", "The string of Intel RDT/CAT L3 cache schema" },
	{ "mem-bw-schema", NULL, OPT_STRING, &mem_bw_schema, "value", "The string of Intel RDT/MBA memory bandwidth schema" },
	{ NULL },
};

const struct cmd cmd_update = {
	.name = "update", .args = "<container-id>", .summary = "update container resource constraints",
	.opts = opts, .stop_after = -1, .min_args = 1, .max_args = 1, .run = run,
};
