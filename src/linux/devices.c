/* Device nodes of a container. A node is made with mknod, or, in a user namespace where
 * mknod is not allowed, the host's node is bind-mounted on an empty file (runc's way). The
 * parent directory is resolved inside the rootfs; the node itself is never looked up through
 * a symlink, so a /dev/null planted as a link cannot turn a mknod or a bind into a write
 * somewhere else. */
#include "linux/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/mounts.h"
#include "linux/safepath.h"
#include "util/cleanup.h"

/* The spec's default devices, in runc's order, all 0666 root:root. */
static const struct oci_device default_devices[] = {
	{ 'c', "/dev/null", true, 1, 3, true, 0666 },
	{ 'c', "/dev/random", true, 1, 8, true, 0666 },
	{ 'c', "/dev/full", true, 1, 7, true, 0666 },
	{ 'c', "/dev/tty", true, 5, 0, true, 0666 },
	{ 'c', "/dev/zero", true, 1, 5, true, 0666 },
	{ 'c', "/dev/urandom", true, 1, 9, true, 0666 },
};

/* Split a clean absolute path into its directory and last name. */
static int split_path(const char *path, char *dir, size_t dsize, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1] || strcmp(slash + 1, "..") == 0 || strcmp(slash + 1, ".") == 0)
		return -1;
	size_t n = (size_t)(slash - path);
	if (n + 1 > dsize)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (n == 0)
		strcpy(dir, "/");
	*base = slash + 1;
	return 0;
}

static int node_type(char t, mode_t *type)
{
	switch (t) {
	case 'c':
	case 'u':
		*type = S_IFCHR;
		return 0;
	case 'b':
		*type = S_IFBLK;
		return 0;
	case 'p':
		*type = S_IFIFO;
		return 0;
	default:
		return -1;
	}
}

/* An O_PATH fd on an empty regular file at name, made if missing; never a symlink. */
static int bind_target(int dir, const char *name, struct err *e)
{
	/* O_PATH first: opening an existing device node for real could act on the device. */
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		int c = openat(dir, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
		if (c < 0)
			return err_sys(e, "create %s", name);
		close(c);
		fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return err_sys(e, "open %s", name);
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, EEXIST, "%s exists and is not a file", name);
	}
	return fd;
}

static int bind_host_node(int dir, const char *name, const char *host_path, struct err *e)
{
	_cleanup_close_ int src = open(host_path, O_PATH | O_CLOEXEC);
	if (src < 0)
		return err_sys(e, "open host %s", host_path);
	_cleanup_close_ int dst = bind_target(dir, name, e);
	if (dst < 0)
		return -1;
	if (mount_bind_fd(src, dst, false, e) < 0)
		return err_wrap(e, "bind host %s", host_path);
	return 0;
}

/* The spec: a file already at the path that is not the requested device is an error. */
static int check_existing(int dir, const char *name, mode_t type, dev_t dev, struct err *e)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "stat");
	if ((st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != dev))
		return err_set(e, EEXIST, "a different file exists at the path");
	return 0;
}

static int make_node(int dir, const char *name, const struct oci_device *d, bool bind,
		     struct err *e)
{
	mode_t type;
	if (node_type(d->type, &type) < 0)
		return err_set(e, EINVAL, "invalid device type '%c'", d->type);
	if (bind)
		return bind_host_node(dir, name, d->path, e);
	dev_t dev = type == S_IFIFO ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
	mode_t perm = d->has_file_mode ? (mode_t)(d->file_mode & 07777) : 0666;
	/* The umask would narrow fileMode; the init is single-threaded here. */
	mode_t old = umask(0);
	int r = mknodat(dir, name, type | perm, dev);
	umask(old);
	if (r < 0 && errno == EEXIST)
		return check_existing(dir, name, type, dev, e);
	if (r < 0 && errno == EPERM)
		return bind_host_node(dir, name, d->path, e);
	if (r < 0)
		return err_sys(e, "mknod");
	if (fchownat(dir, name, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "chown");
	return 0;
}

static int create_device(int root_fd, const struct oci_device *d, bool bind, const char *label,
			 struct err *e)
{
	if (!d->path || !*d->path)
		return 0;
	if (mount_path_equal(d->path, "/dev/ptmx"))
		return 0;
	char dirpath[PATH_MAX];
	const char *base;
	if (d->path[0] != '/' || split_path(d->path, dirpath, sizeof dirpath, &base) < 0)
		return err_set(e, EINVAL, "%s: invalid device path %s", label, d->path);
	_cleanup_close_ int dir = safe_mkdir_p(root_fd, dirpath, 0755, e);
	if (dir < 0 || make_node(dir, base, d, bind, e) < 0)
		return err_wrap(e, "%s: %s", label, d->path);
	return 0;
}

static bool config_has_path(const struct oci_config *c, const char *path)
{
	if (!c->has_linux)
		return false;
	for (size_t i = 0; i < c->linux_.n_devices; i++)
		if (c->linux_.devices[i].path && mount_path_equal(c->linux_.devices[i].path, path))
			return true;
	return false;
}

int devices_create(int root_fd, const struct oci_config *c, bool bind, struct err *e)
{
	for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
		const struct oci_device *d = &default_devices[i];
		if (!config_has_path(c, d->path) &&
		    create_device(root_fd, d, bind, "default device", e) < 0)
			return -1;
	}
	if (!c->has_linux)
		return 0;
	for (size_t i = 0; i < c->linux_.n_devices; i++) {
		char label[64];
		snprintf(label, sizeof label, "linux.devices[%zu]", i);
		if (create_device(root_fd, &c->linux_.devices[i], bind, label, e) < 0)
			return -1;
	}
	return 0;
}

int devices_setup_ptmx(int root_fd, struct err *e)
{
	_cleanup_close_ int dev = safe_mkdir_p(root_fd, "/dev", 0755, e);
	if (dev < 0)
		return err_wrap(e, "/dev/ptmx");
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return err_sys(e, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		return err_sys(e, "symlink /dev/ptmx");
	return 0;
}

int devices_setup_symlinks(int root_fd, struct err *e)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "/proc/kcore", "core" },
	};
	_cleanup_close_ int dev = safe_mkdir_p(root_fd, "/dev", 0755, e);
	if (dev < 0)
		return err_wrap(e, "/dev symlinks");
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		/* kcore exists only with CONFIG_PROC_KCORE. */
		if (strcmp(links[i][1], "core") == 0 && access("/proc/kcore", F_OK) < 0)
			continue;
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return err_sys(e, "symlink /dev/%s", links[i][1]);
	}
	return 0;
}

int devices_mount_console(int root_fd, int console_fd, struct err *e)
{
	_cleanup_close_ int dev = safe_mkdir_p(root_fd, "/dev", 0755, e);
	if (dev < 0)
		return err_wrap(e, "/dev/console");
	_cleanup_close_ int dst = bind_target(dev, "console", e);
	if (dst < 0 || mount_bind_fd(console_fd, dst, false, e) < 0)
		return err_wrap(e, "/dev/console");
	return 0;
}
