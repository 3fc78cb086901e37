/* cgroup_stats(): what runc's `events` reports, read from whichever hierarchy holds each
 * controller (so on a hybrid host from v1, except what lives on the v2 mount), with runc's
 * conversions. A file that the kernel or the controller does not provide leaves its value
 * zero; only an unreadable or malformed file is an error. */
#include "cgroups/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"

/* ---------------------------------------------------------------- parsing */

static int parse_u64(const char *s, const char *file, uint64_t *out, struct err *e)
{
	if (!strcmp(s, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || errno || (*end && !isspace((unsigned char)*end)))
		return err_set(e, EINVAL, "%s: \"%.32s\" is not a number", file, s);
	*out = v;
	return 0;
}

/* The contents of file, or NULL (and 0) when there is no such file. */
static int read_opt(int fd, const char *file, char **out, struct err *e)
{
	*out = NULL;
	struct err tmp;
	if (cg_read(fd, file, out, &tmp) == 0)
		return 0;
	if (tmp.code == ENOENT || tmp.code == ENODEV || tmp.code == EOPNOTSUPP)
		return 0;
	*e = tmp;
	return -1;
}

/* One number; "max" is UINT64_MAX; a missing file leaves *out alone. */
static int read_u64(int fd, const char *file, uint64_t *out, struct err *e)
{
	_cleanup_free_ char *s = NULL;
	if (read_opt(fd, file, &s, e) < 0)
		return -1;
	return s ? parse_u64(s, file, out, e) : 0;
}

/* Calls fn on each line of file (none when it is missing). */
typedef int (*line_fn)(char *line, void *ctx, struct err *e);

static int each_line(int fd, const char *file, line_fn fn, void *ctx, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	if (read_opt(fd, file, &text, e) < 0)
		return -1;
	char *save = NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		if (fn(l, ctx, e) < 0)
			return err_wrap(e, "%s", file);
	return 0;
}

/* "key value" lines into named fields. */
struct kv_field {
	const char *key;
	uint64_t *dst;
	uint64_t mul;   /* 0 means 1 */
};

static int kv_line(char *line, void *ctx, struct err *e)
{
	char *sp = strchr(line, ' ');
	if (!sp)
		return 0;
	*sp = '\0';
	for (struct kv_field *f = ctx; f->key; f++) {
		if (strcmp(f->key, line))
			continue;
		if (parse_u64(sp + 1, line, f->dst, e) < 0)
			return -1;
		if (f->mul)
			*f->dst *= f->mul;
	}
	return 0;
}

static int read_kv(int fd, const char *file, struct kv_field *fields, struct err *e)
{
	return each_line(fd, file, kv_line, fields, e);
}

static int push(void **v, size_t *n, size_t size)
{
	void *nv = realloc(*v, (*n + 1) * size);
	if (!nv)
		return -1;
	*v = nv;
	(*n)++;
	return 0;
}

/* Space-separated numbers ("123 456"). */
static int read_u64_list(int fd, const char *file, uint64_t **v, size_t *n, struct err *e)
{
	_cleanup_free_ char *s = NULL;
	if (read_opt(fd, file, &s, e) < 0)
		return -1;
	if (!s)
		return 0;
	for (char *save = NULL, *t = strtok_r(s, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (push((void **)v, n, sizeof **v) < 0)
			return err_set(e, ENOMEM, "%s", file);
		if (parse_u64(t, file, &(*v)[*n - 1], e) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- cpu */

/* cpuacct.usage_all: a header, then "cpu user system" per cpu, in nanoseconds. */
struct percpu_modes {
	struct cgroup_stats *s;
	bool header_seen;
};

static int usage_all_line(char *line, void *ctx, struct err *e)
{
	struct percpu_modes *pm = ctx;
	if (!pm->header_seen) {
		pm->header_seen = true;
		return 0;
	}
	unsigned long long cpu, user, sys;
	if (sscanf(line, "%llu %llu %llu", &cpu, &user, &sys) != 3)
		return 0;   /* runc skips what it cannot read the same way */
	struct cgroup_stats *s = pm->s;
	if (push((void **)&s->cpu.percpu_user, &s->cpu.n_percpu_user, sizeof(uint64_t)) < 0 ||
	    push((void **)&s->cpu.percpu_kernel, &s->cpu.n_percpu_kernel, sizeof(uint64_t)) < 0)
		return err_set(e, ENOMEM, "cpu stats");
	s->cpu.percpu_user[s->cpu.n_percpu_user - 1] = user;
	s->cpu.percpu_kernel[s->cpu.n_percpu_kernel - 1] = sys;
	return 0;
}

/* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds (USER_HZ is 100 on Linux). */
#define NS_PER_TICK 10000000ull

static int cpuacct_v1(int fd, struct cgroup_stats *s, struct err *e)
{
	struct kv_field ticks[] = {
		{ "user", &s->cpu.user, NS_PER_TICK }, { "system", &s->cpu.kernel, NS_PER_TICK },
		{ NULL, NULL, 0 },
	};
	struct percpu_modes pm = { .s = s };
	if (read_u64(fd, "cpuacct.usage", &s->cpu.total, e) < 0 || read_kv(fd, "cpuacct.stat", ticks, e) < 0 ||
	    read_u64_list(fd, "cpuacct.usage_percpu", &s->cpu.percpu, &s->cpu.n_percpu, e) < 0 ||
	    each_line(fd, "cpuacct.usage_all", usage_all_line, &pm, e) < 0)
		return -1;
	return 0;
}

/* cpu.stat: throttling in both versions; on v2 also the usage, which the kernel keeps whether
 * or not the cpu controller is on. v1 counts nanoseconds, v2 microseconds. */
static int cpu_stat(int fd, bool v2, struct cgroup_stats *s, struct err *e)
{
	struct kv_field v1f[] = {
		{ "nr_periods", &s->cpu.periods, 0 },
		{ "nr_throttled", &s->cpu.throttled_periods, 0 },
		{ "throttled_time", &s->cpu.throttled_time, 0 },
		{ NULL, NULL, 0 },
	};
	struct kv_field v2f[] = {
		{ "nr_periods", &s->cpu.periods, 0 },
		{ "nr_throttled", &s->cpu.throttled_periods, 0 },
		{ "throttled_usec", &s->cpu.throttled_time, 1000 },
		{ "usage_usec", &s->cpu.total, 1000 },
		{ "user_usec", &s->cpu.user, 1000 },
		{ "system_usec", &s->cpu.kernel, 1000 },
		{ NULL, NULL, 0 },
	};
	return read_kv(fd, "cpu.stat", v2 ? v2f : v1f, e);
}

/* ---------------------------------------------------------------- cpuset (v1) */

/* "0-3,8" -> 0 1 2 3 8 */
static int cpu_list(int fd, const char *file, uint16_t **v, size_t *n, struct err *e)
{
	_cleanup_free_ char *s = NULL;
	if (read_opt(fd, file, &s, e) < 0)
		return -1;
	for (char *save = NULL, *t = s ? strtok_r(s, ",\n", &save) : NULL; t;
	     t = strtok_r(NULL, ",\n", &save)) {
		unsigned lo, hi;
		int k = sscanf(t, "%u-%u", &lo, &hi);
		if (k == 1)
			hi = lo;
		if (k < 1 || hi < lo || hi > UINT16_MAX)
			return err_set(e, EINVAL, "%s: invalid list \"%s\"", file, t);
		for (unsigned c = lo; c <= hi; c++) {
			if (push((void **)v, n, sizeof **v) < 0)
				return err_set(e, ENOMEM, "%s", file);
			(*v)[*n - 1] = (uint16_t)c;
		}
	}
	return 0;
}

static int cpuset_v1(int fd, struct cgroup_stats *s, struct err *e)
{
	struct {
		const char *file;
		uint64_t *dst;
	} f[] = {
		{ "cpuset.cpu_exclusive", &s->cpuset.cpu_exclusive },
		{ "cpuset.mem_hardwall", &s->cpuset.mem_hardwall },
		{ "cpuset.mem_exclusive", &s->cpuset.mem_exclusive },
		{ "cpuset.memory_migrate", &s->cpuset.memory_migrate },
		{ "cpuset.memory_spread_page", &s->cpuset.memory_spread_page },
		{ "cpuset.memory_spread_slab", &s->cpuset.memory_spread_slab },
		{ "cpuset.memory_pressure", &s->cpuset.memory_pressure },
		{ "cpuset.sched_load_balance", &s->cpuset.sched_load_balance },
	};
	if (cpu_list(fd, "cpuset.cpus", &s->cpuset.cpus, &s->cpuset.n_cpus, e) < 0 ||
	    cpu_list(fd, "cpuset.mems", &s->cpuset.mems, &s->cpuset.n_mems, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (read_u64(fd, f[i].file, f[i].dst, e) < 0)
			return -1;
	/* the only signed one: -1 means the system default */
	_cleanup_free_ char *lvl = NULL;
	if (read_opt(fd, "cpuset.sched_relax_domain_level", &lvl, e) < 0)
		return -1;
	if (lvl)
		s->cpuset.sched_relax_domain_level = strtoll(lvl, NULL, 10);
	return 0;
}

/* ---------------------------------------------------------------- memory */

static int raw_line(char *line, void *ctx, struct err *e)
{
	struct cgroup_stats *s = ctx;
	char *sp = strchr(line, ' ');
	if (!sp)
		return 0;
	*sp = '\0';
	uint64_t v;
	if (parse_u64(sp + 1, line, &v, e) < 0)
		return -1;
	char *key = strdup(line);
	if (!key || push((void **)&s->memory.raw, &s->memory.n_raw, sizeof *s->memory.raw) < 0) {
		free(key);
		return err_set(e, ENOMEM, "memory stats");
	}
	s->memory.raw[s->memory.n_raw - 1] = (struct cgroup_stat_kv){ key, v };
	return 0;
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct cgroup_stat_kv *)a)->key, ((const struct cgroup_stat_kv *)b)->key);
}

static uint64_t raw_value(const struct cgroup_stats *s, const char *key)
{
	for (size_t i = 0; i < s->memory.n_raw; i++)
		if (!strcmp(s->memory.raw[i].key, key))
			return s->memory.raw[i].value;
	return 0;
}

/* memory[.<name>].{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes}; memsw, kmem and
 * kmem.tcp are optional in the kernel. */
static int mem_entry_v1(int fd, const char *name, struct cgroup_mem_entry *m, struct err *e)
{
	char pre[32], f[64];
	snprintf(pre, sizeof pre, "memory%s%s", name[0] ? "." : "", name);
	snprintf(f, sizeof f, "%s.usage_in_bytes", pre);
	if (name[0] && !cg_file_exists(fd, f))
		return 0;
	if (read_u64(fd, f, &m->usage, e) < 0)
		return -1;
	snprintf(f, sizeof f, "%s.max_usage_in_bytes", pre);
	if (read_u64(fd, f, &m->max, e) < 0)
		return -1;
	snprintf(f, sizeof f, "%s.failcnt", pre);
	if (read_u64(fd, f, &m->failcnt, e) < 0)
		return -1;
	snprintf(f, sizeof f, "%s.limit_in_bytes", pre);
	return read_u64(fd, f, &m->limit, e);
}

static int memory_v1(int fd, struct cgroup_stats *s, struct err *e)
{
	if (each_line(fd, "memory.stat", raw_line, s, e) < 0 ||
	    mem_entry_v1(fd, "", &s->memory.usage, e) < 0 ||
	    mem_entry_v1(fd, "memsw", &s->memory.swap, e) < 0 ||
	    mem_entry_v1(fd, "kmem", &s->memory.kernel, e) < 0 ||
	    mem_entry_v1(fd, "kmem.tcp", &s->memory.kernel_tcp, e) < 0)
		return -1;
	s->memory.cache = raw_value(s, "cache");
	return 0;
}

/* v2 has no max_usage or failcnt files: the peak (Linux 5.19+) stands in for max_usage. Swap
 * is reported as memory+swap, as v1 counts it (and runc converts it). */
static int memory_v2(int fd, struct cgroup_stats *s, struct err *e)
{
	struct cgroup_mem_entry *u = &s->memory.usage, *sw = &s->memory.swap;
	if (each_line(fd, "memory.stat", raw_line, s, e) < 0 ||
	    read_u64(fd, "memory.current", &u->usage, e) < 0 ||
	    read_u64(fd, "memory.max", &u->limit, e) < 0 ||
	    read_u64(fd, "memory.peak", &u->max, e) < 0)
		return -1;
	s->memory.cache = raw_value(s, "file");
	if (!cg_file_exists(fd, "memory.swap.current"))
		return 0;   /* no swap accounting */
	if (read_u64(fd, "memory.swap.current", &sw->usage, e) < 0 ||
	    read_u64(fd, "memory.swap.max", &sw->limit, e) < 0)
		return -1;
	sw->usage += u->usage;
	if (sw->limit != UINT64_MAX && u->limit != UINT64_MAX)
		sw->limit += u->limit;
	else
		sw->limit = UINT64_MAX;
	return 0;
}

/* ---------------------------------------------------------------- pids */

static int pids_stats(struct cgroup *cg, struct cgroup_stats *s, struct err *e)
{
	struct cg_hier *h = cg_find2(cg, "pids", "pids");
	_cleanup_close_ int fd = h ? cg_open_dir(cg, h, e) : -1;
	if (h && fd < 0)
		return -1;
	if (fd < 0 || !cg_file_exists(fd, "pids.current")) {
		/* No pids controller here: count the processes, as runc does on v2. */
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (cgroup_pids(cg, &pids, &n, e) < 0)
			return -1;
		s->pids.current = n;
		return 0;
	}
	if (read_u64(fd, "pids.current", &s->pids.current, e) < 0 ||
	    read_u64(fd, "pids.max", &s->pids.limit, e) < 0)
		return -1;
	if (s->pids.limit == UINT64_MAX)
		s->pids.limit = 0;   /* "max": no limit, which runc reports as 0 */
	return 0;
}

/* ---------------------------------------------------------------- blkio / io */

static int blkio_add(struct cgroup_blkio_list *l, uint64_t major, uint64_t minor, const char *op,
		     uint64_t value, struct err *e)
{
	if (push((void **)&l->v, &l->n, sizeof *l->v) < 0)
		return err_set(e, ENOMEM, "blkio stats");
	struct cgroup_blkio_entry *x = &l->v[l->n - 1];
	*x = (struct cgroup_blkio_entry){ .major = major, .minor = minor, .value = value };
	snprintf(x->op, sizeof x->op, "%s", op);
	return 0;
}

/* v1: "MAJ:MIN [OP] VALUE" lines, and a "Total VALUE" line that runc skips. */
static int blkio_line(char *line, void *ctx, struct err *e)
{
	unsigned long long major, minor, value;
	char op[16] = "";
	if (!strncmp(line, "Total ", 6))
		return 0;
	if (sscanf(line, "%llu:%llu %15s %llu", &major, &minor, op, &value) == 4)
		return blkio_add(ctx, major, minor, op, value, e);
	op[0] = '\0';
	if (sscanf(line, "%llu:%llu %llu", &major, &minor, &value) == 3)
		return blkio_add(ctx, major, minor, "", value, e);
	return err_set(e, EINVAL, "malformed line \"%.64s\"", line);
}

/* runc's order: the first group whose first file has entries is the one reported (BFQ with
 * its debug files, BFQ, CFQ, then the throttle counters, recursive or not). */
static int blkio_v1(int fd, struct cgroup_stats *s, struct err *e)
{
	struct cgroup_blkio_list *b[] = {
		&s->blkio.service_bytes, &s->blkio.serviced, &s->blkio.queued, &s->blkio.service_time,
		&s->blkio.wait_time, &s->blkio.merged, &s->blkio.time, &s->blkio.sectors,
	};
	/* in the order of b[]; NULL where a group lacks the file */
	static const char *const groups[][8] = {
		{ "blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive",
		  "blkio.bfq.io_queued_recursive", "blkio.bfq.io_service_time_recursive",
		  "blkio.bfq.io_wait_time_recursive", "blkio.bfq.io_merged_recursive",
		  "blkio.bfq.time_recursive", "blkio.bfq.sectors_recursive" },
		{ "blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive" },
		{ "blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive",
		  "blkio.io_queued_recursive", "blkio.io_service_time_recursive",
		  "blkio.io_wait_time_recursive", "blkio.io_merged_recursive", "blkio.time_recursive",
		  "blkio.sectors_recursive" },
		{ "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive" },
		{ "blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced" },
	};
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		/* the debug group is told apart by its last file */
		const char *probe = groups[g][7] ? groups[g][7] : groups[g][0];
		if (!cg_file_exists(fd, probe))
			continue;
		for (size_t i = 0; i < 8 && groups[g][i]; i++)
			if (each_line(fd, groups[g][i], blkio_line, b[i], e) < 0)
				return -1;
		if (b[0]->n || b[1]->n)
			return 0;
		for (size_t i = 0; i < 8; i++) {
			free(b[i]->v);
			*b[i] = (struct cgroup_blkio_list){ 0 };
		}
	}
	return 0;
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." in v1's terms. */
static int io_line(char *line, void *ctx, struct err *e)
{
	struct cgroup_stats *s = ctx;
	unsigned long long major, minor;
	int off = 0;
	if (sscanf(line, "%llu:%llu%n", &major, &minor, &off) != 2)
		return 0;
	char *save = NULL;
	for (char *t = strtok_r(line + off, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char key[16];
		unsigned long long v;
		if (sscanf(t, "%15[a-z]=%llu", key, &v) != 2)
			continue;
		struct cgroup_blkio_list *l = !strcmp(key, "rbytes") || !strcmp(key, "wbytes")
						      ? &s->blkio.service_bytes
					      : !strcmp(key, "rios") || !strcmp(key, "wios") ? &s->blkio.serviced
											     : NULL;
		if (l && blkio_add(l, major, minor, key[0] == 'r' ? "Read" : "Write", v, e) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- hugetlb */

/* /sys/kernel/mm/hugepages/hugepages-2048kB -> "2MB", as runc names the page sizes. */
static int page_size_name(const char *dirname, char *out, size_t size)
{
	unsigned long long kb;
	if (sscanf(dirname, "hugepages-%llukB", &kb) != 1)
		return -1;
	static const char *const units[] = { "KB", "MB", "GB", "TB", "PB" };
	double v = (double)kb;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, "%g%s", v, units[u]);
	return 0;
}

static int hugetlb_one(int fd, bool v2, struct cgroup_hugetlb_stat *h, struct err *e)
{
	char f[64];
	snprintf(f, sizeof f, v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes", h->page_size);
	if (read_u64(fd, f, &h->usage, e) < 0)
		return -1;
	if (v2) {
		struct kv_field ev[] = { { "max", &h->failcnt, 0 }, { NULL, NULL, 0 } };
		snprintf(f, sizeof f, "hugetlb.%s.events", h->page_size);
		return read_kv(fd, f, ev, e);
	}
	snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", h->page_size);
	if (read_u64(fd, f, &h->max, e) < 0)
		return -1;
	snprintf(f, sizeof f, "hugetlb.%s.failcnt", h->page_size);
	return read_u64(fd, f, &h->failcnt, e);
}

static int cmp_hugetlb(const void *a, const void *b)
{
	return strcmp(((const struct cgroup_hugetlb_stat *)a)->page_size,
		      ((const struct cgroup_hugetlb_stat *)b)->page_size);
}

/* One entry per page size the kernel has, when the cgroup has its files. */
static int hugetlb_stats(int fd, bool v2, struct cgroup_stats *s, struct err *e)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/kernel/mm/hugepages");
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));) {
		struct cgroup_hugetlb_stat h = { 0 };
		char f[64];
		if (page_size_name(de->d_name, h.page_size, sizeof h.page_size) < 0)
			continue;
		snprintf(f, sizeof f, v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes", h.page_size);
		if (!cg_file_exists(fd, f))
			continue;
		if (hugetlb_one(fd, v2, &h, e) < 0)
			return -1;
		if (push((void **)&s->hugetlb, &s->n_hugetlb, sizeof h) < 0)
			return err_set(e, ENOMEM, "hugetlb stats");
		s->hugetlb[s->n_hugetlb - 1] = h;
	}
	if (s->n_hugetlb > 1)
		qsort(s->hugetlb, s->n_hugetlb, sizeof *s->hugetlb, cmp_hugetlb);
	return 0;
}

/* ---------------------------------------------------------------- cgroup_stats */

typedef int (*stat_fn)(int fd, bool v2, struct cgroup_stats *s, struct err *e);

static int cpu_usage(int fd, bool v2, struct cgroup_stats *s, struct err *e)
{
	return v2 ? cpu_stat(fd, true, s, e) : cpuacct_v1(fd, s, e);
}

static int cpu_throttle_v1(int fd, bool v2, struct cgroup_stats *s, struct err *e)
{
	return v2 ? 0 : cpu_stat(fd, false, s, e);
}

static int cpuset_stats(int fd, bool v2, struct cgroup_stats *s, struct err *e)
{
	return v2 ? 0 : cpuset_v1(fd, s, e);   /* runc reports no cpuset stats on v2 */
}

static int memory_stats(int fd, bool v2, struct cgroup_stats *s, struct err *e)
{
	if ((v2 ? memory_v2(fd, s, e) : memory_v1(fd, s, e)) < 0)
		return -1;
	if (s->memory.n_raw > 1)
		qsort(s->memory.raw, s->memory.n_raw, sizeof *s->memory.raw, cmp_kv);
	return 0;
}

static int blkio_stats(int fd, bool v2, struct cgroup_stats *s, struct err *e)
{
	return v2 ? each_line(fd, "io.stat", io_line, s, e) : blkio_v1(fd, s, e);
}

/* Each part from the hierarchy of its controller: (v1 name, v2 name). On v2, cpu.stat is in
 * every cgroup: usage comes from there, and the v1-only rows find no hierarchy. */
static const struct {
	const char *v1, *v2;
	stat_fn fn;
} parts[] = {
	{ "cpuacct", "cpu", cpu_usage },
	{ "cpu", NULL, cpu_throttle_v1 },
	{ "cpuset", NULL, cpuset_stats },
	{ "memory", "memory", memory_stats },
	{ "blkio", "io", blkio_stats },
	{ "hugetlb", "hugetlb", hugetlb_stats },
};

int cgroup_stats(struct cgroup *cg, struct cgroup_stats *s, struct err *e)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		struct cg_hier *h = cg_find2(cg, parts[i].v1, parts[i].v2);
		if (!h)
			continue;
		_cleanup_close_ int fd = cg_open_dir(cg, h, e);
		if (fd < 0 || parts[i].fn(fd, h->v2, s, e) < 0) {
			cgroup_stats_clear(s);
			return err_wrap(e, "stats of cgroup %s%s", h->mount, h->path);
		}
	}
	if (pids_stats(cg, s, e) < 0) {
		cgroup_stats_clear(s);
		return err_wrap(e, "stats of cgroup %s", cgroup_path(cg));
	}
	return 0;
}

void cgroup_stats_clear(struct cgroup_stats *s)
{
	free(s->cpu.percpu);
	free(s->cpu.percpu_kernel);
	free(s->cpu.percpu_user);
	free(s->cpuset.cpus);
	free(s->cpuset.mems);
	for (size_t i = 0; i < s->memory.n_raw; i++)
		free(s->memory.raw[i].key);
	free(s->memory.raw);
	struct cgroup_blkio_list *b[] = {
		&s->blkio.service_bytes, &s->blkio.serviced, &s->blkio.queued, &s->blkio.service_time,
		&s->blkio.wait_time, &s->blkio.merged, &s->blkio.time, &s->blkio.sectors,
	};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		free(b[i]->v);
	free(s->hugetlb);
	memset(s, 0, sizeof *s);
}
