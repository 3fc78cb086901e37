/* The events that `events` prints, as runc prints them: one JSON object per line,
 * {"type":"stats","id":..,"data":{..}} with runc's types.Stats field names and omissions, and
 * {"type":"oom","id":..}. */
#pragma once
#include "cgroups/stats.h"
#include "util/error.h"

/* *out malloc'd, compact, no trailing newline. */
int oci_event_stats(const char *id, const struct cgroup_stats *s, char **out, struct err *e);
int oci_event_oom(const char *id, char **out, struct err *e);
