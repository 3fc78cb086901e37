/* One cgroup interface with a driver per hierarchy layout (v1, hybrid, unified v2), chosen by
 * probing the host. Knows nothing of JSON: takes oci/ typed resources. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroups/stats.h"
#include "oci/config.h"
#include "util/error.h"

struct cgroup;   /* opaque; one container's cgroup in every hierarchy of the host */

enum cgroup_layout { CGROUP_LAYOUT_V1, CGROUP_LAYOUT_HYBRID, CGROUP_LAYOUT_V2 };
enum cgroup_layout cgroup_host_layout(void);

/* Resolve the container's cgroup from linux.cgroupsPath, per hierarchy as runc's cgroupfs
 * driver does. Absolute: the same path in every hierarchy. Relative "a/b": "<own>/a/b", own
 * being the caller's cgroup in that hierarchy (/proc/self/cgroup), which on v1 and hybrid
 * hosts may differ between controllers. NULL or "": the id as a relative path, "<own>/<id>",
 * on v1 and hybrid; "/<id>" on v2. ".." that leaves the tree (or the caller's cgroup, for a
 * relative path) is EINVAL. Touches nothing on disk. */
int cgroup_new(const char *cgroups_path, const char *id, struct cgroup **out, struct err *e);
/* Re-open a container's cgroup from cgroup_path() as stored in its state: the caller's own
 * cgroups no longer matter. */
int cgroup_open(const char *resolved_path, struct cgroup **out, struct err *e);
void cgroup_free(struct cgroup *cg);
/* The resolved paths, serialised for the state file and cgroup_open:
 *  - the same path in every hierarchy: that path, e.g. "/web" or "/user.slice/x/web" (the
 *    only form before per-hierarchy paths, and the only one on v2);
 *  - otherwise ';'-separated KEY=PATH entries: "*" for the path of most hierarchies, then one
 *    per hierarchy whose path differs, keyed by its v1 controller list as mounted
 *    ("memory", "cpu,cpuacct", "name=systemd") or "unified" for the cgroup2 mount of a hybrid
 *    host: "*=/web;memory=/process_api/af9d/web". Inside a PATH, ';' and '\' are escaped
 *    with '\'. Hierarchies not listed (and any mounted later) take the "*" path; keys of
 *    hierarchies no longer mounted are ignored.
 * A plain form always starts with '/', the keyed form never does. */
const char *cgroup_path(const struct cgroup *cg);

/* mkdir in every controller (nested paths created; cpuset parents seeded with cpus/mems). */
int cgroup_create(struct cgroup *cg, struct err *e);
/* After cgroup_create: *shared says whether processes are in it already (the container then
 * shares it: warned about, as runc); a frozen one is refused. */
int cgroup_check_reuse(struct cgroup *cg, bool *shared, struct err *e);
/* The container's cgroup directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC) on a cgroup v2 host, after
 * cgroup_create: for clone3's CLONE_INTO_CGROUP, so that the child starts inside it. ENOTSUP
 * on v1 and hybrid hosts (use cgroup_enter there). */
int cgroup_v2_fd(struct cgroup *cg, struct err *e);
/* Move pid into the cgroup in every hierarchy. */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct err *e);

/* A child that places itself: the parent opens these before the clone (cgroup_join_open),
 * the child joins as its first step (cgroup_join_self), before it runs anything else.
 * Why not the parent writing the child's pid to cgroup.procs: that migration takes the
 * kernel's cgroup_threadgroup_rwsem for writing, whose first writer after a quiet spell
 * waits for an RCU grace period (3-20 ms). A single-threaded process writing "0" to a v1
 * hierarchy's `tasks` file moves only itself, which recent kernels do without that lock;
 * on cgroup v2 clone3's CLONE_INTO_CGROUP starts the child in its cgroup, no migration at
 * all. Where neither applies the child writes "0" to cgroup.procs: slower, still correct. */
struct cgroup_join {
	int dir2;        /* the container's cgroup2 directory (v2, or a hybrid host's unified
			  * mount), for CLONE_INTO_CGROUP; -1 when there is none */
	int procs2;      /* its cgroup.procs (O_WRONLY): the fallback when clone3 refused it */
	int *tasks;      /* each v1 hierarchy's `tasks` file of the container (O_WRONLY) */
	size_t n_tasks;
	bool cloned_into;  /* set by the caller: the clone used CLONE_INTO_CGROUP with dir2 */
};
#define CGROUP_JOIN_INIT { .dir2 = -1, .procs2 = -1 }
/* After cgroup_create. Every fd O_CLOEXEC. */
int cgroup_join_open(struct cgroup *cg, struct cgroup_join *j, struct err *e);
/* In the (single-threaded) child: join every hierarchy, then close the fds. */
int cgroup_join_self(struct cgroup_join *j, struct err *e);
/* Close what is left (the parent's copy, or after a failure). */
void cgroup_join_close(struct cgroup_join *j);
/* How the child joined, for --debug logs and tests: "CLONE_INTO_CGROUP", "tasks", ... */
const char *cgroup_join_method(const struct cgroup_join *j);
/* Write linux.resources; errors name the resource and value. Only what r sets is written;
 * r->devices, when there are any, replace the device rules (deny all, then each in order).
 * This is what `update` needs. */
int cgroup_apply(struct cgroup *cg, const struct oci_resources *r, struct err *e);
/* What `create` needs, as runc does it: linux.resources when present, and always the device
 * rules of cgroup_device_rules(), so that a container without resources.devices still gets
 * deny-all plus the defaults. l may be NULL (no "linux" object). */
int cgroup_apply_linux(struct cgroup *cg, const struct oci_linux *l, struct err *e);
/* linux.resources.devices followed by runc's default rules (mknod of any device; null, zero,
 * full, random, urandom, tty, ptmx, /dev/pts/N and /dev/net/tun read-write), less the defaults
 * whose path linux.devices redefines. *rules is malloc'd; its strings belong to l or are
 * static: free only the array. */
int cgroup_device_rules(const struct oci_linux *l, struct oci_device_cgroup **rules, size_t *n,
			struct err *e);
/* All pids in the cgroup (and its descendants). *pids malloc'd. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct err *e);
/* Send sig to every process in the cgroup (cgroup.kill on v2 for SIGKILL where it exists). */
int cgroup_kill_all(struct cgroup *cg, int sig, struct err *e);
int cgroup_freeze(struct cgroup *cg, bool frozen, struct err *e);
/* 1 frozen, 0 not, -1 error. */
int cgroup_is_frozen(struct cgroup *cg, struct err *e);
/* The directory whose freezing stops the container (v1 freezer, or the cgroup2 directory),
 * malloc'd; NULL when there is none. CRIU freezes it during a dump. */
char *cgroup_freezer_dir(struct cgroup *cg);
/* Each hierarchy with its v1 controller list ("cpu,cpuacct", "name=systemd"; NULL for
 * cgroup2) and the container's path in it as /proc/<pid>/cgroup shows it. For CRIU's
 * cgroup roots on restore. */
typedef int (*cgroup_path_fn)(void *arg, const char *controllers, const char *path,
			      struct err *e);
int cgroup_foreach_path(struct cgroup *cg, cgroup_path_fn fn, void *arg, struct err *e);
/* The container's statistics (see cgroups/stats.h), each controller from its hierarchy.
 * Free with cgroup_stats_clear(). */
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *s, struct err *e);

/* OOM notifications of the container's memory cgroup (v1 eventfd, v2 memory.events). Poll the
 * fd that cgroup_oom_watch_pollfd() fills in; after it wakes, cgroup_oom_watch_check() says
 * how many OOMs happened since the last check (0 for a wake-up without one) and returns 1
 * once the v1 cgroup is gone. ENOTSUP when there is no memory controller to watch. */
struct cgroup_oom_watch;
struct pollfd;
int cgroup_oom_watch_open(struct cgroup *cg, struct cgroup_oom_watch **w, struct err *e);
void cgroup_oom_watch_pollfd(const struct cgroup_oom_watch *w, struct pollfd *p);
int cgroup_oom_watch_check(struct cgroup_oom_watch *w, uint64_t *n, struct err *e);
void cgroup_oom_watch_free(struct cgroup_oom_watch *w);
/* How many processes of the container's memory cgroup the OOM killer has killed so far (0
 * without a memory controller). */
int cgroup_oom_kills(struct cgroup *cg, uint64_t *n, struct err *e);

/* rmdir in every hierarchy (deepest first, sub-cgroups included), waiting up to ~1 s while it
 * empties (EBUSY). The leaf always goes; parents only if this handle's cgroup_create made
 * them (a handle from cgroup_open removes the leaf alone). Missing directories are fine. */
int cgroup_destroy(struct cgroup *cg, struct err *e);
