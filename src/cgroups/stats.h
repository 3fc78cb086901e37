/* A container's cgroup statistics, as runc's `events` reports them (runc's types.Stats):
 * plain data, filled by cgroup_stats() and rendered as JSON by oci/stats.c. Values are in
 * runc's units (bytes, nanoseconds); "max" limits are UINT64_MAX. A controller that is not
 * there leaves its part zero. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct cgroup_mem_entry {
	uint64_t limit, usage, max, failcnt;
};

struct cgroup_stat_kv {     /* memory.stat, sorted by key */
	char *key;
	uint64_t value;
};

struct cgroup_blkio_entry {
	uint64_t major, minor;
	char op[16];            /* "Read", "Write", "Sync", "Async", "Discard", "Total" */
	uint64_t value;
};

struct cgroup_blkio_list {
	struct cgroup_blkio_entry *v;
	size_t n;
};

struct cgroup_hugetlb_stat {
	char page_size[16];     /* "2MB", "1GB": sorted */
	uint64_t usage, max, failcnt;
};

struct cgroup_stats {
	struct {
		uint64_t total, kernel, user;
		uint64_t *percpu, *percpu_kernel, *percpu_user;
		size_t n_percpu, n_percpu_kernel, n_percpu_user;
		uint64_t periods, throttled_periods, throttled_time;
	} cpu;
	struct {                /* v1 only, as runc */
		uint16_t *cpus, *mems;
		size_t n_cpus, n_mems;
		uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate,
			memory_spread_page, memory_spread_slab, memory_pressure, sched_load_balance;
		int64_t sched_relax_domain_level;
	} cpuset;
	struct {
		uint64_t cache;
		struct cgroup_mem_entry usage, swap, kernel, kernel_tcp;
		struct cgroup_stat_kv *raw;
		size_t n_raw;
	} memory;
	struct {
		uint64_t current, limit;    /* limit 0: none */
	} pids;
	struct {
		struct cgroup_blkio_list service_bytes, serviced, queued, service_time, wait_time,
			merged, time, sectors;
	} blkio;
	struct cgroup_hugetlb_stat *hugetlb;
	size_t n_hugetlb;
};

void cgroup_stats_clear(struct cgroup_stats *s);
