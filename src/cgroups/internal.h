/* Shared between the cgroup drivers: the hierarchies a cgroup lives in, the pure helpers
 * (path resolution, /proc parsing, value conversions, the device-rule emulator) that the unit
 * tests call directly, and the per-version operations that cgroup.c dispatches to. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"

#define CG_MOUNT_ROOT "/sys/fs/cgroup"

/* One mounted hierarchy and the container's directory in it. */
struct cg_hier {
	char *mount;          /* mount point, e.g. "/sys/fs/cgroup/memory" */
	char *root;           /* the hierarchy's directory shown at the mount, usually "/" */
	char *controllers;    /* v1: "cpu,cpuacct", "name=systemd"; v2: NULL */
	bool v2;
	/* How many trailing path components cgroup_create made here (0: all pre-existed or
	 * unknown, as after cgroup_open). destroy removes those parents and never others. */
	unsigned created;
};

struct cgroup {
	enum cgroup_layout layout;
	char *path;           /* resolved, absolute, normalised: "/a/b" */
	struct cg_hier *h;
	size_t n;
};

/* ---- pure helpers (cgroup.c) ---- */

/* Normalise a cgroup path: collapse "//" and ".", resolve "..". A ".." that would climb above
 * the start is refused (EINVAL). An absolute input yields "/..." ("/" for the root); a relative
 * one yields a relative path without a leading slash ("" for the start itself). */
int cg_clean_path(const char *in, char **out, struct err *e);
/* linux.cgroupsPath -> the resolved path. cgroups_path NULL or "": "/<id>". Relative: joined to
 * own (the caller's cgroup in the reference hierarchy, already relative to its mount). */
int cg_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
		    struct err *e);
/* The path of the hierarchy that has `controller` in /proc/<pid>/cgroup text. controller ""
 * selects the cgroup v2 line ("0::/..."); "name=systemd" a named v1 hierarchy. */
int cg_parse_proc_cgroup(const char *text, const char *controller, char **out, struct err *e);
/* The cgroup (v1 "cgroup") mounts of a mountinfo text, one per distinct hierarchy. With
 * unified_at set, also the cgroup2 mount at that mount point (hybrid). */
int cg_parse_mountinfo(const char *text, const char *unified_at, struct cg_hier **out,
		       size_t *n, struct err *e);
/* True when the comma-separated list contains the item. */
bool cg_list_has(const char *list, const char *item);
void cg_hiers_free(struct cg_hier *h, size_t n);
/* The directory of path in h (malloc'd), NULL on ENOMEM. */
char *cg_hier_dir(const struct cg_hier *h, const char *path);

/* runc's conversions. */
uint64_t cg_shares_to_weight(uint64_t shares);      /* cpu.shares -> cpu.weight, 0 stays 0 */
uint64_t cg_blkio_to_io_weight(uint64_t weight);    /* blkio.weight -> io.weight, 0 stays 0 */
/* OCI memory.swap (memory+swap) -> memory.swap.max (swap only); -1 is max, 0 unset. */
int cg_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct err *e);

/* ---- filesystem helpers (cgroup.c) ---- */

/* Write value to file in dirfd; the error reads "<what>: set <value> in <file>: <errno>". */
int cg_write(int dirfd, const char *file, const char *value, const char *what, struct err *e);
int cg_writef(int dirfd, const char *file, const char *what, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Read a small file, trailing whitespace stripped. */
int cg_read(int dirfd, const char *file, char **out, struct err *e);
bool cg_file_exists(int dirfd, const char *file);
/* O_PATH directory fd of the cgroup in h. */
int cg_open_dir(const struct cgroup *cg, const struct cg_hier *h, struct err *e);
/* The hierarchy that holds controller (v1 mount, or in hybrid the v2 mount when it lists the
 * controller), NULL if none. */
struct cg_hier *cg_find(struct cgroup *cg, const char *controller);
/* Pids listed in cgroup.procs under dirfd and every descendant, appended to *v. */
int cg_collect_pids(int dirfd, pid_t **v, size_t *n, size_t *cap, struct err *e);

/* ---- v1 (v1.c) ---- */
int cg_v1_cpuset_seed(const struct cg_hier *h, const char *path, struct err *e);
int cg_v1_freeze(int dirfd, bool frozen, struct err *e);
int cg_v1_is_frozen(int dirfd, struct err *e);

/* ---- v2 (v2.c) ---- */
/* Enable in cgroup.subtree_control of every ancestor of path the controllers listed, or with
 * controllers NULL, every available one (pure v2, as runc does on create). */
int cg_v2_enable(const struct cg_hier *h, const char *path, const char *controllers,
		 struct err *e);
int cg_v2_freeze(int dirfd, bool frozen, struct err *e);
int cg_v2_is_frozen(int dirfd, struct err *e);
/* 1 if cgroup.kill exists and was written, 0 if the kernel lacks it. */
int cg_v2_kill(int dirfd, struct err *e);
