/* events: a container's cgroup statistics, once or every interval, and its OOM events, until
 * the container exits. */
#pragma once
#include <stdint.h>

#include "cgroups/stats.h"
#include "container/container.h"

/* The statistics of a created, running or paused container (runc's "container with id X is
 * not running" otherwise). Free with cgroup_stats_clear(). */
int container_stats(const struct runtime_opts *rt, const char *id, struct cgroup_stats *s,
		    struct err *e);

enum container_event { CONTAINER_EVENT_STATS, CONTAINER_EVENT_OOM };

/* Called for each event (stats is NULL for an OOM); a negative return stops the stream with
 * that error (e.g. the output went away). */
typedef int (*container_event_fn)(enum container_event ev, const struct cgroup_stats *stats,
				  void *ctx, struct err *e);

/* Statistics every interval_ns (the first after one interval, as runc; it must be > 0), and
 * an OOM event whenever the container's memory cgroup hits its limit, until the container's
 * init exits; then 0. A failure to read the statistics is logged and the stream goes on, as
 * in runc. */
int container_events(const struct runtime_opts *rt, const char *id, int64_t interval_ns,
		     container_event_fn fn, void *ctx, struct err *e);
