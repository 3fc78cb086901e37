/* The mounts of config.json, made in the container's init before pivot_root, and the
 * fd-based mount primitives the rest of the rootfs code shares. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/config.h"
#include "util/error.h"

/* One mount's options split the way mount(2) and mount_setattr(2) take them. */
struct mount_opts {
	unsigned long flags;         /* MS_* for mount(2), MS_BIND and MS_REC included */
	unsigned long *propagation;  /* MS_SHARED... applied one by one after the mount */
	size_t n_propagation;
	uint64_t rec_set, rec_clr;   /* MOUNT_ATTR_* applied with AT_RECURSIVE */
	bool tmpcopyup;
	bool idmap, ridmap;
	char *data;                  /* options mount(2) flags do not cover, comma-joined */
};

int mount_opts_parse(char *const *options, size_t n, struct mount_opts *o, struct err *e);
void mount_opts_free(struct mount_opts *o);
/* linux.rootfsPropagation ("rslave", "private", ...) to MS_* flags. */
int mount_propagation_parse(const char *name, unsigned long *flags, struct err *e);

/* What the mounts need to know about the container being built. */
struct mount_env {
	int root_fd;             /* the rootfs, opened after its bind onto itself */
	const char *rootfs;      /* its host path, symlinks resolved */
	const char *bundle;      /* relative bind sources are relative to it */
	bool userns;
	bool cgroupns;
	const int *idmap_fds;    /* per mount: its idmapped tree (linux/idmap.h) or -1; or NULL */
};

/* Mount config entry m (mounts[idx] in messages) inside the rootfs. The destination is
 * resolved with safepath and the mount made on an fd of it. ro of tmpfs and /dev mounts is
 * left to mount_late_readonly, after the devices are made. */
int mount_entry(const struct mount_env *env, size_t idx, const struct oci_mount *m, struct err *e);
/* True when m asked for ro that mount_entry left for later (tmpfs, or /dev not a bind). */
bool mount_wants_late_readonly(const struct oci_mount *m);
/* Lexical equality of two absolute paths ("/dev/" == "//dev"). */
bool mount_path_equal(const char *a, const char *b);
/* True when m is a bind mount (type "bind", or option bind/rbind). */
bool mount_opts_bind(const struct oci_mount *m, const struct mount_opts *o);
/* True when the config binds something on /dev: runc then makes no device nodes. */
bool mount_config_binds_dev(const struct oci_config *c);

/* Primitives on fds, so that no path inside the rootfs is looked up twice. */
/* Bind the file or tree of src_fd onto dst_fd (open_tree + move_mount, which need no /proc;
 * mount(2) through /proc/self/fd where the new mount API is missing). */
int mount_bind_fd(int src_fd, int dst_fd, bool recursive, struct err *e);
/* Change attributes of the mount whose root dst_fd is (mount_setattr, or a bind remount
 * keeping the other flags where it is missing). */
int mount_setattr_fd(int fd, uint64_t set, uint64_t clr, bool recursive, struct err *e);
/* A read-only, empty tmpfs on dst_fd (maskedPaths directories). */
int mount_tmpfs_ro_fd(int dst_fd, struct err *e);

/* One line of /proc/self/mountinfo, split in place (valid during the callback only). */
struct mountinfo_entry {
	int id;
	char *root, *mountpoint, *type, *source, *super;
	bool shared;             /* a "shared:N" optional field */
};
/* Call fn for each mount of this namespace until it returns non-zero (<0: error). */
int mountinfo_foreach(int (*fn)(const struct mountinfo_entry *me, void *arg, struct err *e),
		      void *arg, struct err *e);
