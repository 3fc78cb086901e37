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
	/* The container's cgroup here: absolute, normalised, relative to the mount. Differs
	 * between hierarchies when the caller's own cgroup does (relative and default paths). */
	char *path;
	bool v2;
	/* How many trailing path components cgroup_create made here (0: all pre-existed or
	 * unknown, as after cgroup_open). destroy removes those parents and never others. */
	unsigned created;
};

struct cgroup {
	enum cgroup_layout layout;
	char *path;           /* the serialised form of the h[i].path, see cgroup_path() */
	struct cg_hier *h;
	size_t n;
};

/* ---- pure helpers (cgroup.c) ---- */

/* Normalise a cgroup path: collapse "//" and ".", resolve "..". A ".." that would climb above
 * the start is refused (EINVAL). An absolute input yields "/..." ("/" for the root); a relative
 * one yields a relative path without a leading slash ("" for the start itself). */
int cg_clean_path(const char *in, char **out, struct err *e);
/* linux.cgroupsPath -> the resolved path in one hierarchy. own is the caller's cgroup there,
 * already relative to the mount. cgroups_path NULL or "": "<own>/<id>", or "/<id>" when own is
 * NULL. Relative: joined to own ("/" when NULL). Absolute: own does not matter. */
int cg_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
		    struct err *e);
/* The caller's cgroup in h, relative to h's mount, from /proc/self/cgroup text. */
int cg_hier_own(const struct cg_hier *h, const char *proc_cgroup, char **out, struct err *e);
/* Set h[i].path for every hierarchy, as runc's cgroupfs driver does: relative and default
 * paths are resolved against the caller's own cgroup in each hierarchy, taken from
 * proc_cgroup (/proc/self/cgroup text; may be NULL when the path is absolute). On a v2 layout
 * the default stays "/<id>". */
int cg_resolve_hiers(const char *cgroups_path, const char *id, const char *proc_cgroup,
		     enum cgroup_layout layout, struct cg_hier *h, size_t n, struct err *e);
/* h[i].path -> the serialised form documented at cgroup_path(), and back. Parsing sets the
 * path of every hierarchy: the listed one, or the default. Keys naming no hierarchy of h
 * (no longer mounted) are ignored. */
int cg_format_paths(const struct cg_hier *h, size_t n, char **out, struct err *e);
int cg_parse_paths(const char *s, struct cg_hier *h, size_t n, struct err *e);
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
/* The directory of path in h (malloc'd), NULL on ENOMEM. The container's is
 * cg_hier_dir(h, h->path). */
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
/* O_RDONLY directory fd of the container's cgroup in h (h->path). */
int cg_open_dir(const struct cgroup *cg, const struct cg_hier *h, struct err *e);
/* The hierarchy that holds controller (v1 mount, or in hybrid the v2 mount when it lists the
 * controller), NULL if none. */
struct cg_hier *cg_find(struct cgroup *cg, const char *controller);
/* The same, for a controller named differently in v2 ("blkio" is "io"); a NULL name skips
 * that version's hierarchies. */
struct cg_hier *cg_find2(struct cgroup *cg, const char *v1_name, const char *v2_name);
/* Pids listed in cgroup.procs under dirfd and every descendant, appended to *v. */
int cg_collect_pids(int dirfd, pid_t **v, size_t *n, size_t *cap, struct err *e);

/* ---- v1 (v1.c) ---- */
int cg_v1_cpuset_seed(const struct cg_hier *h, const char *path, struct err *e);
int cg_v1_freeze(int dirfd, bool frozen, struct err *e);
int cg_v1_is_frozen(int dirfd, struct err *e);

/* linux.resources.memory, .cpu (without cpus/mems) and .blockIO in v1 files. */
int cg_v1_memory(int dirfd, const struct oci_memory *m, struct err *e);
int cg_v1_cpu(int dirfd, const struct oci_cpu *c, struct err *e);
int cg_v1_blkio(int dirfd, const struct oci_blkio *b, struct err *e);

/* ---- v2 (v2.c) ---- */
/* Enable in cgroup.subtree_control of every ancestor of path the controllers listed, or with
 * controllers NULL, every available one (pure v2, as runc does on create). */
int cg_v2_enable(const struct cg_hier *h, const char *path, const char *controllers,
		 struct err *e);
int cg_v2_freeze(int dirfd, bool frozen, struct err *e);
int cg_v2_is_frozen(int dirfd, struct err *e);
/* 1 if cgroup.kill exists and was written, 0 if the kernel lacks it. */
int cg_v2_kill(int dirfd, struct err *e);
/* The same resources in v2 files. */
int cg_v2_memory(int dirfd, const struct oci_memory *m, struct err *e);
int cg_v2_cpu(int dirfd, const struct oci_cpu *c, struct err *e);
int cg_v2_io(int dirfd, const struct oci_blkio *b, struct err *e);

/* ---- devices (devices.c) ---- */

#define CG_DEV_MKNOD 1u   /* the BPF_DEVCG_ACC_* bits */
#define CG_DEV_READ 2u
#define CG_DEV_WRITE 4u

/* The kernel's v1 device-cgroup model: a default and a list of exceptions to it. */
struct cg_dev_exception {
	char type;            /* 'c' or 'b' */
	int64_t major, minor; /* -1: any */
	unsigned access;      /* CG_DEV_* */
};

struct cg_dev_state {
	bool default_allow;
	struct cg_dev_exception *ex;
	size_t n;
};

/* Access string ("rwm", NULL = all) -> CG_DEV_* bits; -1 when invalid or empty. */
int cg_dev_access(const char *access);
/* The v1 devices.allow/deny line of a rule: "c 1:3 rwm", "a *:* rwm". */
int cg_dev_rule_string(const struct oci_device_cgroup *r, char *buf, size_t size, struct err *e);
/* Apply rules in order to a deny-all start, with the kernel's v1 semantics. */
int cg_dev_emulate(const struct oci_device_cgroup *rules, size_t n, struct cg_dev_state *st,
		   struct err *e);
void cg_dev_state_free(struct cg_dev_state *st);
/* A v1 devices.list ("c 1:3 rwm" lines, or "a *:* rwm" for allow-all) as a state. */
int cg_dev_parse_list(const char *text, struct cg_dev_state *st, struct err *e);
bool cg_dev_state_equal(const struct cg_dev_state *a, const struct cg_dev_state *b);
/* The BPF_PROG_TYPE_CGROUP_DEVICE program that decides as st does (struct bpf_insn array). */
int cg_dev_program(const struct cg_dev_state *st, void **insns, size_t *n, struct err *e);
int cg_v1_devices(int dirfd, const struct oci_device_cgroup *rules, size_t n, struct err *e);
int cg_v2_devices(int dirfd, const struct oci_device_cgroup *rules, size_t n, struct err *e);
