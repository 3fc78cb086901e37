/* The container's root: the steps of runc's prepareRootfs / pivotRoot / finalizeRootfs, one
 * function each, in order. Runs in the init, inside its new mount namespace. */
#include "linux/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/devices.h"
#include "linux/mounts.h"
#include "linux/safepath.h"
#include "util/cleanup.h"
#include "util/log.h"

/* A detached clone of the host's /dev/null, made before pivot_root for maskedPaths: after
 * the pivot the host's mounts are gone, and the container's /dev/null may have been replaced
 * by something else (CVE-2025-31133). The init is one process: module state is enough. */
static int host_null_tree = -1;

static unsigned long root_propagation(const struct oci_config *c, struct err *e, int *failed)
{
	unsigned long flags = MS_SLAVE | MS_REC;  /* runc's default when unset */
	*failed = 0;
	if (c->has_linux && c->linux_.rootfs_propagation && *c->linux_.rootfs_propagation &&
	    mount_propagation_parse(c->linux_.rootfs_propagation, &flags, e) < 0)
		*failed = -1;
	return flags;
}

static bool has_cgroupns(const struct oci_config *c)
{
	if (!c->has_linux)
		return false;
	for (size_t i = 0; i < c->linux_.n_namespaces; i++)
		if (c->linux_.namespaces[i].type == OCI_NS_CGROUP)
			return true;
	return false;
}

struct parent_mount {
	int id;
	int done;
};

static int private_if_shared(const struct mountinfo_entry *me, void *arg, struct err *e)
{
	struct parent_mount *p = arg;
	if (me->id != p->id)
		return 0;
	p->done = 1;
	if (me->shared && mount(NULL, me->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
		return err_sys(e, "make %s private", me->mountpoint);
	return 1;
}

/* pivot_root refuses a new root whose parent mount is shared, and the bind of the rootfs
 * would propagate to the host through it. Only possible when / is not rslave/rprivate. */
static int make_parent_private(const char *rootfs, struct err *e)
{
	struct statx stx;
	if (statx(AT_FDCWD, rootfs, 0, STATX_MNT_ID, &stx) < 0)
		return err_sys(e, "statx %s", rootfs);
	struct parent_mount p = { .id = (int)stx.stx_mnt_id };
	return mountinfo_foreach(private_if_shared, &p, e);
}

static int open_null_tree(struct err *e)
{
	if (host_null_tree >= 0)
		return 0;
	int fd = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	/* No new mount API, or a seccomp profile refusing it: finalize falls back to the
	 * container's own /dev/null, verified. */
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		return 0;
	if (fd < 0)
		return err_sys(e, "clone host /dev/null");
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return err_set(e, EINVAL, "host /dev/null is not the null device (char 1:3)");
	}
	host_null_tree = fd;
	return 0;
}

static int setup_root_mount(const struct rootfs_ctx *ctx, struct err *e)
{
	int failed;
	unsigned long prop = root_propagation(ctx->config, e, &failed);
	if (failed)
		return -1;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_sys(e, "set propagation of /");
	if ((!(prop & MS_REC) || !(prop & (MS_SLAVE | MS_PRIVATE))) &&
	    make_parent_private(ctx->rootfs, e) < 0)
		return -1;
	/* The rootfs must be a mount point of its own for pivot_root. */
	if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "bind rootfs %s onto itself", ctx->rootfs);
	return 0;
}

static int setup_dev(const struct rootfs_ctx *ctx, int root_fd, struct err *e)
{
	/* runc makes the device nodes unless /dev is a bind mount, even with no /dev mount. */
	if (!mount_config_binds_dev(ctx->config)) {
		if (devices_create(root_fd, ctx->config, ctx->userns, e) < 0 ||
		    devices_setup_ptmx(root_fd, e) < 0 || devices_setup_symlinks(root_fd, e) < 0)
			return -1;
	}
	if (ctx->console_fd >= 0 && devices_mount_console(root_fd, ctx->console_fd, e) < 0)
		return -1;
	return 0;
}

int rootfs_prepare(const struct rootfs_ctx *ctx, struct err *e)
{
	const struct oci_config *c = ctx->config;
	if (setup_root_mount(ctx, e) < 0)
		return err_wrap(e, "rootfs");
	char real[PATH_MAX];
	if (!realpath(ctx->rootfs, real))
		return err_sys(e, "rootfs: resolve %s", ctx->rootfs);
	_cleanup_close_ int root_fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return err_sys(e, "rootfs: open %s", real);
	struct mount_env env = { .root_fd = root_fd, .rootfs = real, .bundle = ctx->bundle,
				 .userns = ctx->userns, .cgroupns = has_cgroupns(c),
				 .idmap_fds = ctx->idmap_fds };
	for (size_t i = 0; i < c->n_mounts; i++)
		if (mount_entry(&env, i, &c->mounts[i], e) < 0)
			return -1;
	if (setup_dev(ctx, root_fd, e) < 0)
		return -1;
	if (c->has_linux && c->linux_.n_masked_paths && open_null_tree(e) < 0)
		return err_wrap(e, "maskedPaths");
	return 0;
}

/* ---- pivot ---- */

struct host_fs {
	const char *rootfs;
	int err;
};

/* --no-pivot: the host's procfs and sysfs would stay reachable in this mount namespace, and
 * the kernel's checks for new proc/sys mounts look at all of them: take them away first, as
 * runc's msMoveRoot does. */
static int hide_host_fs(const struct mountinfo_entry *me, void *arg, struct err *e)
{
	const struct host_fs *h = arg;
	size_t rl = strlen(h->rootfs);
	if (strcmp(me->root, "/") != 0 ||
	    (strcmp(me->type, "proc") != 0 && strcmp(me->type, "sysfs") != 0) ||
	    (strncmp(me->mountpoint, h->rootfs, rl) == 0 &&
	     (me->mountpoint[rl] == '/' || me->mountpoint[rl] == '\0')))
		return 0;
	if (mount(NULL, me->mountpoint, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "make %s rslave", me->mountpoint);
	}
	if (umount2(me->mountpoint, MNT_DETACH) == 0)
		return 0;
	if ((errno == EINVAL || errno == EPERM) &&
	    mount("tmpfs", me->mountpoint, "tmpfs", 0, NULL) == 0)
		return 0;
	return err_sys(e, "hide host %s", me->mountpoint);
}

static int move_root(const char *rootfs, struct err *e)
{
	char real[PATH_MAX];
	if (!realpath(rootfs, real))
		return err_sys(e, "resolve %s", rootfs);
	struct host_fs h = { .rootfs = real };
	if (mountinfo_foreach(hide_host_fs, &h, e) < 0)
		return -1;
	if (mount(real, "/", NULL, MS_MOVE, NULL) < 0)
		return err_sys(e, "move rootfs onto /");
	if (chroot(".") < 0)
		return err_sys(e, "chroot");
	return 0;
}

/* pivot_root(".", "."): the old root ends up stacked on the new one and is unmounted from
 * there, so no directory is needed in the rootfs (the trick from LXC that runc uses). */
static int pivot(struct err *e)
{
	_cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return err_sys(e, "open /");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_sys(e, "pivot_root");
	if (fchdir(oldroot) < 0)
		return err_sys(e, "fchdir to the old root");
	/* rslave first, so the unmount cannot propagate to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return err_sys(e, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(e, "unmount the old root");
	return 0;
}

int rootfs_pivot(const struct rootfs_ctx *ctx, struct err *e)
{
	_cleanup_close_ int newroot = open(ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (newroot < 0)
		return err_sys(e, "open rootfs %s", ctx->rootfs);
	if (fchdir(newroot) < 0)
		return err_sys(e, "chdir to rootfs %s", ctx->rootfs);
	if ((ctx->no_pivot ? move_root(ctx->rootfs, e) : pivot(e)) < 0)
		return err_wrap(e, "jail into rootfs %s", ctx->rootfs);
	if (chdir("/") < 0)
		return err_sys(e, "chdir /");
	return 0;
}

/* ---- after pivot ---- */

/* An fd of a null device to bind over a masked file: a fresh clone of the host's, or the
 * container's own /dev/null when the new mount API is missing, after checking it is 1:3. */
static int null_source(int root_fd, bool *owned_tree, struct err *e)
{
	*owned_tree = false;
	if (host_null_tree >= 0) {
		int c = open_tree(host_null_tree, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				  AT_EMPTY_PATH);
		if (c >= 0) {
			*owned_tree = true;
			return c;
		}
		/* Kernels that cannot clone a detached tree: attach the tree itself once;
		 * it is then in our namespace and later clones work. */
		if (errno == EINVAL) {
			*owned_tree = true;
			int t = host_null_tree;
			host_null_tree = -1;
			return t;
		}
		return err_sys(e, "clone /dev/null");
	}
	int fd = safe_openat(root_fd, "/dev/null", O_PATH | O_NOFOLLOW, 0, e);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return err_set(e, EINVAL, "/dev/null is not the null device (char 1:3)");
	}
	return fd;
}

static int mask_path(int root_fd, const char *path, struct err *e)
{
	_cleanup_close_ int fd = safe_openat(root_fd, path, O_PATH, 0, e);
	if (fd < 0)
		return e->code == ENOENT ? 0 : -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat");
	if (S_ISDIR(st.st_mode))
		return mount_tmpfs_ro_fd(fd, e);
	bool tree;
	_cleanup_close_ int src = null_source(root_fd, &tree, e);
	if (src < 0)
		return -1;
	if (!tree)
		return mount_bind_fd(src, fd, false, e);
	if (move_mount(src, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, "attach /dev/null (move_mount)");
	if (host_null_tree < 0)
		host_null_tree = steal_fd(&src);
	return 0;
}

/* runc's readonlyPath: a recursive bind on itself, then ro on the top mount only; the other
 * flags of the mount stay as they are. The ro goes through the new mount's own fd: a second
 * lookup of path could be redirected by a process sharing the rootfs. */
static int readonly_path(int root_fd, const char *path, struct err *e)
{
	_cleanup_close_ int fd = safe_openat(root_fd, path, O_PATH, 0, e);
	if (fd < 0)
		return e->code == ENOENT ? 0 : -1;
	_cleanup_close_ int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree >= 0) {
		if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
			       MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return err_sys(e, "attach mount (move_mount)");
		return mount_setattr_fd(tree, MOUNT_ATTR_RDONLY, 0, false, e);
	}
	if (errno != ENOSYS)
		return err_sys(e, "clone mount (open_tree)");
	if (mount_bind_fd(fd, fd, true, e) < 0)
		return -1;
	_cleanup_close_ int top = safe_openat(root_fd, path, O_PATH, 0, e);
	if (top < 0)
		return -1;
	return mount_setattr_fd(top, MOUNT_ATTR_RDONLY, 0, false, e);
}

static int late_readonly(const struct oci_config *c, int root_fd, struct err *e)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		if (!mount_wants_late_readonly(m))
			continue;
		_cleanup_close_ int fd = safe_openat(root_fd, m->destination, O_PATH, 0, e);
		if (fd < 0 || mount_setattr_fd(fd, MOUNT_ATTR_RDONLY, 0, false, e) < 0)
			return err_wrap(e, "mounts[%zu]: remount %s read-only", i, m->destination);
	}
	return 0;
}

static int masked_and_readonly(const struct oci_linux *l, int root_fd, struct err *e)
{
	for (size_t i = 0; i < l->n_readonly_paths; i++)
		if (readonly_path(root_fd, l->readonly_paths[i], e) < 0)
			return err_wrap(e, "readonlyPaths[%zu]: %s", i, l->readonly_paths[i]);
	for (size_t i = 0; i < l->n_masked_paths; i++)
		if (mask_path(root_fd, l->masked_paths[i], e) < 0)
			return err_wrap(e, "maskedPaths[%zu]: mask %s", i, l->masked_paths[i]);
	return 0;
}

static int finalize_mounts(const struct oci_config *c, int root_fd, struct err *e)
{
	int failed;
	unsigned long prop = root_propagation(c, e, &failed);
	if (failed)
		return -1;
	/* An explicit shared or slave is applied again on the new root: before the pivot it
	 * went to the namespace's old /. private is already in place (runc skips it too). */
	bool explicit = c->has_linux && c->linux_.rootfs_propagation &&
			*c->linux_.rootfs_propagation;
	if (explicit && !(prop & MS_PRIVATE) && mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_sys(e, "set propagation of /");
	if (late_readonly(c, root_fd, e) < 0)
		return -1;
	if (c->root_readonly && mount_setattr_fd(root_fd, MOUNT_ATTR_RDONLY, 0, false, e) < 0)
		return err_wrap(e, "root.readonly");
	return 0;
}

static void drop_null_tree(void)
{
	if (host_null_tree >= 0) {
		close(host_null_tree);
		host_null_tree = -1;
	}
}

int rootfs_finalize_mounts(const struct rootfs_ctx *ctx, struct err *e)
{
	_cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return err_sys(e, "open /");
	return finalize_mounts(ctx->config, root_fd, e);
}

int rootfs_protect_paths(const struct rootfs_ctx *ctx, struct err *e)
{
	const struct oci_config *c = ctx->config;
	_cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = root_fd < 0 ? err_sys(e, "open /") : 0;
	if (r == 0 && c->has_linux)
		r = masked_and_readonly(&c->linux_, root_fd, e);
	drop_null_tree();
	return r;
}

int rootfs_finalize(const struct rootfs_ctx *ctx, struct err *e)
{
	if (rootfs_finalize_mounts(ctx, e) < 0) {
		drop_null_tree();
		return -1;
	}
	return rootfs_protect_paths(ctx, e);
}

int rootfs_mount_console(int console_fd, struct err *e)
{
	_cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return err_sys(e, "open /");
	return devices_mount_console(root_fd, console_fd, e);
}
