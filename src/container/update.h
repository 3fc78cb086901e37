/* update: change the cgroup resources of a created, running or paused container, as runc's
 * `update` does, and record them in its stored config.json. */
#pragma once
#include <stdbool.h>

#include "container/container.h"

struct update_opts {
	const char *id;
	/* --resources: a linux.resources JSON file, "-" for stdin; the flags below are then
	 * ignored, as in runc. */
	const char *resources_file;
	/* From the flags: what they set (has_ flags, cpus/mems non-NULL). */
	const struct oci_resources *r;
	/* --kernel-memory / --kernel-memory-tcp were given: obsolete, warned about and ignored. */
	bool kernel_memory;
	const char *l3_cache_schema;   /* Intel RDT: refused, ocirun has no intelRdt support */
	const char *mem_bw_schema;
};

/* runc's semantics: a 0 for a limit, reservation, swap, shares, quota, period, realtime
 * value, blkio weight or pids limit leaves it unchanged; memory -1 without a swap value also
 * lifts the swap limit; device rules, hugepages, network, rdma, the rest of blockIO and of
 * memory are not updated. The resulting resources are written (if one fails, the old ones are
 * written back), then the stored config.json is replaced atomically. */
int container_update(const struct runtime_opts *rt, const struct update_opts *o, struct err *e);
