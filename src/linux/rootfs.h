/* The container's filesystem view, built in the child inside its new mount namespace.
 * All work inside the rootfs is fd-relative and never follows a symlink out of it. */
#pragma once
#include <stdbool.h>

#include "oci/config.h"
#include "util/error.h"

struct rootfs_ctx {
	const struct oci_config *config;
	const char *rootfs;      /* absolute host path of the rootfs (bundle-relative resolved) */
	const char *bundle;      /* absolute bundle path: relative bind sources are relative to it */
	int console_fd;          /* pty slave to bind on /dev/console, or -1 */
	bool no_pivot;
	bool userns;             /* in a new user namespace: devices are bind-mounted, not mknod'ed */
	const int *idmap_fds;    /* per mount: the parent's idmapped tree or -1; or NULL */
};

/* Before pivot: rootfsPropagation, bind the rootfs onto itself, every mount of the config in
 * order, default devices and linux.devices, /dev symlinks, /dev/pts/ptmx, /dev/console. */
int rootfs_prepare(const struct rootfs_ctx *ctx, struct err *e);
/* pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot); cwd is "/" afterwards. */
int rootfs_pivot(const struct rootfs_ctx *ctx, struct err *e);
/* After pivot: maskedPaths, readonlyPaths, root.readonly, final propagation. */
int rootfs_finalize(const struct rootfs_ctx *ctx, struct err *e);
/* After pivot: bind console_fd (the pty slave) on /dev/console of the new root, for a
 * terminal created inside the container. Needs no /proc (open_tree + move_mount). */
int rootfs_mount_console(int console_fd, struct err *e);
/* rootfs_finalize in the two halves runc has, for sysctl to be written in between (runc:
 * finalizeRootfs, then sysctl, then readonlyPaths/maskedPaths; /proc/sys is usually in
 * readonlyPaths). finalize_mounts: final propagation, ro of tmpfs and /dev, root.readonly.
 * protect_paths: readonlyPaths, then maskedPaths. */
int rootfs_finalize_mounts(const struct rootfs_ctx *ctx, struct err *e);
int rootfs_protect_paths(const struct rootfs_ctx *ctx, struct err *e);
