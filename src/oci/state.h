/* A container's persistent state (state.json in its state directory) and the state
 * document of the spec that `state` and `list --format json` print. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

enum container_status {
	STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_PAUSED, STATUS_STOPPED
};

struct container_state {
	char *id;
	pid_t pid;                      /* host pid of the init */
	unsigned long long start_time;  /* /proc/<pid>/stat field 22, against pid reuse */
	char *bundle;                   /* absolute */
	char *rootfs;                   /* absolute */
	char *created;                  /* RFC 3339 with nanoseconds, UTC */
	uid_t owner;
	char *cgroup_path;              /* resolved cgroup path, see cgroups/cgroup.h */
	bool started;                   /* start ran (the exec fifo is gone) */
	bool cgroup_shared;             /* the cgroup had other processes at create */
	struct oci_kv *annotations;
	size_t n_annotations;
	/* Derived at load time, never stored. */
	enum container_status status;
};

const char *container_status_name(enum container_status s);
/* Our state.json (a superset of the spec's state). */
int state_to_json(const struct container_state *st, char **out, struct err *e);
int state_from_json(const char *text, size_t len, struct container_state *st, struct err *e);
void state_clear(struct container_state *st);
/* The spec's state document as runc prints it (`state`, 2-space indent), pid 0 when stopped. */
int state_render(const struct container_state *st, char **out, struct err *e);
/* The state JSON given to hooks (compact, status as given). */
int state_render_hook(const struct container_state *st, enum container_status status,
		      char **out, struct err *e);
/* `list --format json` array. */
int state_render_list_json(const struct container_state *sts, size_t n, char **out, struct err *e);
/* The current time as RFC 3339 with nanoseconds (what `created` holds). */
void state_now_rfc3339(char *buf, size_t len);
/* descriptors.json of a checkpoint (runc's format): what the init's fds 0, 1 and 2 were
 * (/proc/<pid>/fd links: "pipe:[123]", "/dev/null", ...), so that restore can hand criu
 * the pipes again. from_json strdup's each into fds. */
int state_descriptors_to_json(char *const fds[3], char **out, struct err *e);
int state_descriptors_from_json(const char *text, size_t len, char *fds[3], struct err *e);
