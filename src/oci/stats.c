/* Stats and OOM events in runc's JSON (runc's types/events.go): fields in Go's struct order,
 * "omitempty" fields left out when zero or empty, maps with sorted keys. */
#include "oci/stats.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "oci/json_out.h"

/* Builders return the object, or NULL when it could not be allocated; json_pack's "o" fails
 * on a NULL part, so one check at the end finds it. (An entry inside a part that failed to
 * allocate is dropped: jansson's _new setters refuse a NULL value.) */

static void put_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, oci_json_u64(v));
}

static void put_u64_omitempty(json_t *o, const char *key, uint64_t v)
{
	if (v)
		put_u64(o, key, v);
}

static void put_u64_array(json_t *o, const char *key, const uint64_t *v, size_t n)
{
	if (!n)
		return;
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, oci_json_u64(v[i]));
	json_object_set_new(o, key, a);
}

static void put_u16_array(json_t *o, const char *key, const uint16_t *v, size_t n)
{
	if (!n)
		return;
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	json_object_set_new(o, key, a);
}

static json_t *cpu_json(const struct cgroup_stats *s)
{
	json_t *usage = json_object(), *thr = json_object();
	if (usage) {
		put_u64_omitempty(usage, "total", s->cpu.total);
		put_u64_array(usage, "percpu", s->cpu.percpu, s->cpu.n_percpu);
		put_u64_array(usage, "percpu_kernel", s->cpu.percpu_kernel, s->cpu.n_percpu_kernel);
		put_u64_array(usage, "percpu_user", s->cpu.percpu_user, s->cpu.n_percpu_user);
		put_u64(usage, "kernel", s->cpu.kernel);
		put_u64(usage, "user", s->cpu.user);
	}
	if (thr) {
		put_u64_omitempty(thr, "periods", s->cpu.periods);
		put_u64_omitempty(thr, "throttledPeriods", s->cpu.throttled_periods);
		put_u64_omitempty(thr, "throttledTime", s->cpu.throttled_time);
	}
	return json_pack("{s:o, s:o}", "usage", usage, "throttling", thr);
}

static json_t *cpuset_json(const struct cgroup_stats *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put_u16_array(o, "cpus", s->cpuset.cpus, s->cpuset.n_cpus);
	put_u64(o, "cpu_exclusive", s->cpuset.cpu_exclusive);
	put_u16_array(o, "mems", s->cpuset.mems, s->cpuset.n_mems);
	put_u64(o, "mem_hardwall", s->cpuset.mem_hardwall);
	put_u64(o, "mem_exclusive", s->cpuset.mem_exclusive);
	put_u64(o, "memory_migrate", s->cpuset.memory_migrate);
	put_u64(o, "memory_spread_page", s->cpuset.memory_spread_page);
	put_u64(o, "memory_spread_slab", s->cpuset.memory_spread_slab);
	put_u64(o, "memory_pressure", s->cpuset.memory_pressure);
	put_u64(o, "sched_load_balance", s->cpuset.sched_load_balance);
	json_object_set_new(o, "sched_relax_domain_level",
			    json_integer(s->cpuset.sched_relax_domain_level));
	return o;
}

static json_t *mem_entry_json(const struct cgroup_mem_entry *m)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put_u64(o, "limit", m->limit);
	put_u64_omitempty(o, "usage", m->usage);
	put_u64_omitempty(o, "max", m->max);
	put_u64(o, "failcnt", m->failcnt);
	return o;
}

static json_t *memory_json(const struct cgroup_stats *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put_u64_omitempty(o, "cache", s->memory.cache);
	json_object_set_new(o, "usage", mem_entry_json(&s->memory.usage));
	json_object_set_new(o, "swap", mem_entry_json(&s->memory.swap));
	json_object_set_new(o, "kernel", mem_entry_json(&s->memory.kernel));
	json_object_set_new(o, "kernelTCP", mem_entry_json(&s->memory.kernel_tcp));
	if (s->memory.n_raw) {
		json_t *raw = json_object();
		for (size_t i = 0; raw && i < s->memory.n_raw; i++)
			put_u64(raw, s->memory.raw[i].key, s->memory.raw[i].value);
		json_object_set_new(o, "raw", raw);
	}
	return o;
}

static void put_blkio(json_t *o, const char *key, const struct cgroup_blkio_list *l)
{
	if (!l->n)
		return;
	json_t *a = json_array();
	for (size_t i = 0; a && i < l->n; i++) {
		const struct cgroup_blkio_entry *x = &l->v[i];
		json_t *en = json_object();
		if (en) {
			put_u64_omitempty(en, "major", x->major);
			put_u64_omitempty(en, "minor", x->minor);
			if (x->op[0])
				json_object_set_new(en, "op", json_string(x->op));
			put_u64_omitempty(en, "value", x->value);
		}
		json_array_append_new(a, en);
	}
	json_object_set_new(o, key, a);
}

static json_t *blkio_json(const struct cgroup_stats *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put_blkio(o, "ioServiceBytesRecursive", &s->blkio.service_bytes);
	put_blkio(o, "ioServicedRecursive", &s->blkio.serviced);
	put_blkio(o, "ioQueueRecursive", &s->blkio.queued);
	put_blkio(o, "ioServiceTimeRecursive", &s->blkio.service_time);
	put_blkio(o, "ioWaitTimeRecursive", &s->blkio.wait_time);
	put_blkio(o, "ioMergedRecursive", &s->blkio.merged);
	put_blkio(o, "ioTimeRecursive", &s->blkio.time);
	put_blkio(o, "sectorsRecursive", &s->blkio.sectors);
	return o;
}

static json_t *hugetlb_json(const struct cgroup_stats *s)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < s->n_hugetlb; i++) {
		const struct cgroup_hugetlb_stat *h = &s->hugetlb[i];
		json_t *en = json_object();
		if (en) {
			put_u64_omitempty(en, "usage", h->usage);
			put_u64_omitempty(en, "max", h->max);
			put_u64(en, "failcnt", h->failcnt);
		}
		json_object_set_new(o, h->page_size, en);
	}
	return o;
}

int oci_event_stats(const char *id, const struct cgroup_stats *s, char **out, struct err *e)
{
	json_t *data = json_pack("{s:o, s:o, s:o, s:{s:o*, s:o*}, s:o, s:o, s:{}, s:n}",
				 "cpu", cpu_json(s), "cpuset", cpuset_json(s), "memory", memory_json(s),
				 "pids", "current", s->pids.current ? oci_json_u64(s->pids.current) : NULL,
				 "limit", s->pids.limit ? oci_json_u64(s->pids.limit) : NULL,
				 "blkio", blkio_json(s), "hugetlb", hugetlb_json(s), "intel_rdt",
				 "network_interfaces");
	json_t *ev = data ? json_pack("{s:s, s:s, s:o}", "type", "stats", "id", id, "data", data) : NULL;
	if (!ev)
		return err_set(e, ENOMEM, "stats event");
	int r = oci_json_dump(ev, JSON_COMPACT, out, e);
	json_decref(ev);
	return r;
}

int oci_event_oom(const char *id, char **out, struct err *e)
{
	json_t *ev = json_pack("{s:s, s:s}", "type", "oom", "id", id);
	if (!ev)
		return err_set(e, ENOMEM, "oom event");
	int r = oci_json_dump(ev, JSON_COMPACT, out, e);
	json_decref(ev);
	return r;
}
