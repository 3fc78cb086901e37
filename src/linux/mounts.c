/* The mounts of config.json. Each destination is resolved inside the rootfs with safepath and
 * mounted on an fd of it (/proc/self/fd/N), so a symlink planted in the image cannot send a
 * mount to the host. Behaviour follows runc: flags table, bind remounts, /proc protection,
 * delayed ro for tmpfs and /dev, cgroup v1 as a tmpfs of per-controller mounts. */
#include "linux/mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/safepath.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define PROPAGATION_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
/* What runc gives the cgroup v1 tmpfs and the per-controller mounts under cgroupns. */
#define CGROUP_DEFAULT_FLAGS (MS_NOEXEC | MS_NOSUID | MS_NODEV)

struct flag_opt {
	const char *name;
	bool clear;
	unsigned long flag;
};

/* The mount(8) filesystem-independent options of the spec's table. */
static const struct flag_opt mount_flags[] = {
	{ "acl", false, MS_POSIXACL },          { "async", true, MS_SYNCHRONOUS },
	{ "atime", true, MS_NOATIME },          { "bind", false, MS_BIND },
	{ "defaults", false, 0 },               { "dev", true, MS_NODEV },
	{ "diratime", true, MS_NODIRATIME },    { "dirsync", false, MS_DIRSYNC },
	{ "exec", true, MS_NOEXEC },            { "iversion", false, MS_I_VERSION },
	{ "lazytime", false, MS_LAZYTIME },     { "loud", true, MS_SILENT },
	{ "mand", false, MS_MANDLOCK },         { "noacl", true, MS_POSIXACL },
	{ "noatime", false, MS_NOATIME },       { "nodev", false, MS_NODEV },
	{ "nodiratime", false, MS_NODIRATIME }, { "noexec", false, MS_NOEXEC },
	{ "noiversion", true, MS_I_VERSION },   { "nolazytime", true, MS_LAZYTIME },
	{ "nomand", true, MS_MANDLOCK },        { "norelatime", true, MS_RELATIME },
	{ "nostrictatime", true, MS_STRICTATIME }, { "nosuid", false, MS_NOSUID },
	{ "nosymfollow", false, MS_NOSYMFOLLOW }, { "rbind", false, MS_BIND | MS_REC },
	{ "relatime", false, MS_RELATIME },     { "remount", false, MS_REMOUNT },
	{ "ro", false, MS_RDONLY },             { "rw", true, MS_RDONLY },
	{ "silent", false, MS_SILENT },         { "strictatime", false, MS_STRICTATIME },
	{ "suid", true, MS_NOSUID },            { "symfollow", true, MS_NOSYMFOLLOW },
	{ "sync", false, MS_SYNCHRONOUS },
};

static const struct flag_opt propagation_flags[] = {
	{ "private", false, MS_PRIVATE },       { "rprivate", false, MS_PRIVATE | MS_REC },
	{ "shared", false, MS_SHARED },         { "rshared", false, MS_SHARED | MS_REC },
	{ "slave", false, MS_SLAVE },           { "rslave", false, MS_SLAVE | MS_REC },
	{ "unbindable", false, MS_UNBINDABLE }, { "runbindable", false, MS_UNBINDABLE | MS_REC },
};

/* Recursive options for mount_setattr(AT_RECURSIVE). The atime ones are a field, not flags:
 * the kernel wants all of MOUNT_ATTR__ATIME in attr_clr and the value in attr_set. */
static const struct flag_opt rec_flags[] = {
	{ "rro", false, MOUNT_ATTR_RDONLY },         { "rrw", true, MOUNT_ATTR_RDONLY },
	{ "rnosuid", false, MOUNT_ATTR_NOSUID },     { "rsuid", true, MOUNT_ATTR_NOSUID },
	{ "rnodev", false, MOUNT_ATTR_NODEV },       { "rdev", true, MOUNT_ATTR_NODEV },
	{ "rnoexec", false, MOUNT_ATTR_NOEXEC },     { "rexec", true, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", false, MOUNT_ATTR_NODIRATIME }, { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW }, { "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
};

static const struct flag_opt rec_atime[] = {
	{ "rnoatime", false, MOUNT_ATTR_NOATIME },   { "ratime", false, MOUNT_ATTR_RELATIME },
	{ "rrelatime", false, MOUNT_ATTR_RELATIME }, { "rnorelatime", false, MOUNT_ATTR_STRICTATIME },
	{ "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", false, MOUNT_ATTR_RELATIME },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct flag_opt *find_opt(const struct flag_opt *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static int append_data(char **data, const char *opt)
{
	size_t old = *data ? strlen(*data) : 0, add = strlen(opt);
	char *d = realloc(*data, old + add + 2);
	if (!d)
		return -1;
	if (old)
		d[old++] = ',';
	memcpy(d + old, opt, add + 1);
	*data = d;
	return 0;
}

static int parse_one(const char *opt, struct mount_opts *o)
{
	const struct flag_opt *f;
	if ((f = find_opt(mount_flags, N_OF(mount_flags), opt))) {
		if (f->clear)
			o->flags &= ~f->flag;
		else
			o->flags |= f->flag;
	} else if ((f = find_opt(propagation_flags, N_OF(propagation_flags), opt))) {
		unsigned long *p = realloc(o->propagation, (o->n_propagation + 1) * sizeof *p);
		if (!p)
			return -1;
		p[o->n_propagation++] = f->flag;
		o->propagation = p;
	} else if ((f = find_opt(rec_flags, N_OF(rec_flags), opt))) {
		if (f->clear) {
			o->rec_clr |= f->flag;
			o->rec_set &= ~(uint64_t)f->flag;
		} else {
			o->rec_set |= f->flag;
			o->rec_clr &= ~(uint64_t)f->flag;
		}
	} else if ((f = find_opt(rec_atime, N_OF(rec_atime), opt))) {
		o->rec_clr |= MOUNT_ATTR__ATIME;
		o->rec_set = (o->rec_set & ~(uint64_t)MOUNT_ATTR__ATIME) | f->flag;
	} else if (strcmp(opt, "tmpcopyup") == 0) {
		o->tmpcopyup = true;
	} else if (strcmp(opt, "idmap") == 0) {
		o->idmap = true;
	} else if (strcmp(opt, "ridmap") == 0) {
		o->ridmap = true;
	} else if (append_data(&o->data, opt) < 0) {
		return -1;
	}
	return 0;
}

int mount_opts_parse(char *const *options, size_t n, struct mount_opts *o, struct err *e)
{
	memset(o, 0, sizeof *o);
	for (size_t i = 0; i < n && options && options[i]; i++) {
		if (parse_one(options[i], o) < 0) {
			mount_opts_free(o);
			return err_set(e, ENOMEM, "options");
		}
	}
	return 0;
}

void mount_opts_free(struct mount_opts *o)
{
	free(o->propagation);
	free(o->data);
	o->propagation = NULL;
	o->data = NULL;
	o->n_propagation = 0;
}

int mount_propagation_parse(const char *name, unsigned long *flags, struct err *e)
{
	const struct flag_opt *f = find_opt(propagation_flags, N_OF(propagation_flags), name);
	if (!f)
		return err_set(e, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", name);
	*flags = f->flag;
	return 0;
}

/* Lexical clean of an absolute path: no "//", ".", trailing "/"; ".." pops. */
static void clean_path(const char *in, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *s = in; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n == 0)
			break;
		if (n == 1 && s[0] == '.') {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = strrchr(out, '/');
			len = slash ? (size_t)(slash - out) : 0;
			out[len] = '\0';
		} else if (len + n + 2 < size) {
			out[len++] = '/';
			memcpy(out + len, s, n);
			len += n;
			out[len] = '\0';
		}
		s += n;
	}
	if (len == 0 && size > 1)
		strcpy(out, "/");
}

bool mount_path_equal(const char *a, const char *b)
{
	char ca[PATH_MAX], cb[PATH_MAX];
	clean_path(a, ca, sizeof ca);
	clean_path(b, cb, sizeof cb);
	return strcmp(ca, cb) == 0;
}

static bool is_bind(const struct oci_mount *m, const struct mount_opts *o)
{
	return (o->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

bool mount_opts_bind(const struct oci_mount *m, const struct mount_opts *o)
{
	return is_bind(m, o);
}

bool mount_config_binds_dev(const struct oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		struct mount_opts o;
		struct err e;
		if (!mount_path_equal(m->destination, "/dev") ||
		    mount_opts_parse(m->options, m->n_options, &o, &e) < 0)
			continue;
		bool bind = is_bind(m, &o);
		mount_opts_free(&o);
		if (bind)
			return true;
	}
	return false;
}

bool mount_wants_late_readonly(const struct oci_mount *m)
{
	struct mount_opts o;
	struct err e;
	if (mount_opts_parse(m->options, m->n_options, &o, &e) < 0)
		return false;
	bool r = (o.flags & MS_RDONLY) && !is_bind(m, &o) &&
		 ((m->type && strcmp(m->type, "tmpfs") == 0) ||
		  mount_path_equal(m->destination, "/dev"));
	mount_opts_free(&o);
	return r;
}

/* ---- primitives on fds ---- */

static int mount_on_fd(const char *src, int dst_fd, const char *type, unsigned long flags,
		       const char *data)
{
	char target[64];
	snprintf(target, sizeof target, "/proc/self/fd/%d", dst_fd);
	return mount(src, target, type, flags, data);
}

int mount_bind_fd(int src_fd, int dst_fd, bool recursive, struct err *e)
{
	_cleanup_close_ int tree = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0));
	if (tree < 0 && errno == ENOSYS) {
		char src[64];
		snprintf(src, sizeof src, "/proc/self/fd/%d", src_fd);
		if (mount_on_fd(src, dst_fd, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
			return err_sys(e, "bind mount");
		return 0;
	}
	if (tree < 0)
		return err_sys(e, "clone mount (open_tree)");
	if (move_mount(tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, "attach mount (move_mount)");
	return 0;
}

static unsigned long statvfs_to_ms(unsigned long f)
{
	static const struct { unsigned long st, ms; } map[] = {
		{ ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },
		{ ST_NODEV, MS_NODEV },       { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	unsigned long ms = 0;
	for (size_t i = 0; i < N_OF(map); i++)
		if (f & map[i].st)
			ms |= map[i].ms;
	return ms;
}

/* Before Linux 5.12: a bind remount with the mount's current flags plus/minus ours. */
static int setattr_by_remount(int fd, uint64_t set, uint64_t clr, struct err *e)
{
	static const struct { uint64_t attr; unsigned long ms; } map[] = {
		{ MOUNT_ATTR_RDONLY, MS_RDONLY }, { MOUNT_ATTR_NOSUID, MS_NOSUID },
		{ MOUNT_ATTR_NODEV, MS_NODEV },   { MOUNT_ATTR_NOEXEC, MS_NOEXEC },
		{ MOUNT_ATTR_NODIRATIME, MS_NODIRATIME },
	};
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return err_sys(e, "statvfs");
	unsigned long ms = statvfs_to_ms(sv.f_flag);
	for (size_t i = 0; i < N_OF(map); i++) {
		if (clr & map[i].attr)
			ms &= ~map[i].ms;
		if (set & map[i].attr)
			ms |= map[i].ms;
	}
	if (mount_on_fd(NULL, fd, NULL, MS_REMOUNT | MS_BIND | ms, NULL) < 0)
		return err_sys(e, "remount");
	return 0;
}

int mount_setattr_fd(int fd, uint64_t set, uint64_t clr, bool recursive, struct err *e)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return err_sys(e, "mount_setattr");
	if (recursive)
		return err_set(e, ENOSYS, "recursive mount options need Linux 5.12");
	return setattr_by_remount(fd, set, clr, e);
}

int mount_tmpfs_ro_fd(int dst_fd, struct err *e)
{
	_cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 && errno == ENOSYS) {
		if (mount_on_fd("tmpfs", dst_fd, "tmpfs", MS_RDONLY, NULL) < 0)
			return err_sys(e, "mount tmpfs");
		return 0;
	}
	if (fs < 0)
		return err_sys(e, "fsopen tmpfs");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_sys(e, "create tmpfs");
	_cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	if (mnt < 0)
		return err_sys(e, "fsmount tmpfs");
	if (move_mount(mnt, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, "attach tmpfs (move_mount)");
	return 0;
}

/* ---- the mounts of config.json ---- */

struct job {
	const struct mount_env *env;
	const struct oci_mount *m;
	struct mount_opts o;
	int tree_fd;               /* an idmapped mount made by the parent, or -1 */
	/* "mounts[3]: bind /src on /dst", the prefix of errors. On the heap, as every path
	 * buffer of this file: the init runs this charged to the container's memory limit,
	 * and PATH_MAX arrays in these frames spread its stack over more pages. */
	const char *what;
	int *mnt;                  /* if set: receives an fd of the bind just attached */
};

static const char *job_dest(const struct job *j)
{
	return j->m->destination;
}

static int reopen_dest(const struct job *j, int flags, struct err *e)
{
	int fd = safe_openat(j->env->root_fd, job_dest(j), flags, 0, e);
	if (fd < 0)
		return err_wrap(e, "%s", j->what);
	return fd;
}

/* runc's checkProcMount: nothing may cover /proc or a file in it, except a procfs on /proc
 * and the files lxcfs emulates. Checked on the resolved path, after symlinks. */
static int check_proc_dest(const struct job *j, int fd, bool procfs_source, struct err *e)
{
	static const char *const allowed[] = {
		"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
		"/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/sys/kernel/ns_last_pid",
		"/proc/sys/crypto/fips_enabled",
	};
	char link[64];
	_cleanup_free_ char *host = malloc(PATH_MAX);
	if (!host)
		return err_set(e, ENOMEM, "%s", j->what);
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, host, PATH_MAX - 1);
	if (n < 0)
		return err_sys(e, "%s: readlink %s", j->what, link);
	host[n] = '\0';
	size_t rl = strlen(j->env->rootfs);
	const char *in = host;
	if (strcmp(j->env->rootfs, "/") != 0 && strncmp(host, j->env->rootfs, rl) == 0 &&
	    (host[rl] == '/' || host[rl] == '\0'))
		in = host[rl] ? host + rl : "/";
	if (strcmp(in, "/proc") == 0) {
		if (procfs_source)
			return 0;
		return err_set(e, EINVAL, "%s: /proc cannot be mounted because it is not of type proc",
			       j->what);
	}
	if (strncmp(in, "/proc/", 6) != 0)
		return 0;
	for (size_t i = 0; i < N_OF(allowed); i++)
		if (strcmp(in, allowed[i]) == 0)
			return 0;
	return err_set(e, EINVAL, "%s: %s cannot be mounted because it is inside /proc", j->what, in);
}

/* A bind does not apply flags: they need a remount of the new mount, through its own fd
 * (mnt) where there is one. Looking the destination up again would let a process sharing
 * the rootfs swap it in between and send the flags (ro) to another mount. */
static int bind_remount(const struct job *j, const char *src, int mnt, unsigned long flags,
			struct err *e)
{
	_cleanup_close_ int reopened = mnt >= 0 ? -1 : reopen_dest(j, O_PATH, e);
	int fd = mnt >= 0 ? mnt : reopened;
	if (fd < 0)
		return -1;
	flags |= MS_REMOUNT | MS_BIND;
	if (mount_on_fd(NULL, fd, NULL, flags, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return err_sys(e, "%s: remount", j->what);
	/* In a user namespace the flags of the source mount are locked (MNT_LOCK_*) and
	 * dropping one is EPERM: keep them, as runc does. */
	struct statvfs sv;
	if (statvfs(src, &sv) < 0)
		return err_sys(e, "%s: statvfs %s", j->what, src);
	unsigned long locked = statvfs_to_ms(sv.f_flag);
	if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME))
		locked &= ~(MS_NOATIME | MS_RELATIME | MS_NODIRATIME);
	if (mount_on_fd(NULL, fd, NULL, flags | locked, NULL) < 0)
		return err_sys(e, "%s: remount", j->what);
	return 0;
}

/* Bind src onto dst_fd as a detached clone attached by fd (open_tree + move_mount); *mnt
 * is then an fd of the new mount, for what follows. mount(2) through /proc/self/fd where
 * the new mount API is missing (*mnt stays -1). */
static int attach_bind(const char *src, int dst_fd, unsigned long rec, int *mnt)
{
	_cleanup_close_ int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     (rec ? AT_RECURSIVE : 0));
	if (tree < 0 && errno == ENOSYS)
		return mount_on_fd(src, dst_fd, NULL, MS_BIND | rec, NULL);
	if (tree < 0 ||
	    move_mount(tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -1;
	*mnt = steal_fd(&tree);
	return 0;
}

static int bind_source(const struct job *j, const char *src, unsigned long flags, struct err *e)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return err_sys(e, "%s", j->what);
	int root = j->env->root_fd;
	_cleanup_close_ int fd = S_ISDIR(st.st_mode) ? safe_mkdir_p(root, job_dest(j), 0755, e)
						     : safe_mkfile(root, job_dest(j), 0755, e);
	if (fd < 0)
		return err_wrap(e, "%s", j->what);
	struct statfs sfs;
	bool procfs = statfs(src, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
	if (check_proc_dest(j, fd, procfs, e) < 0)
		return -1;
	_cleanup_close_ int mnt = -1;
	if (attach_bind(src, fd, flags & MS_REC, &mnt) < 0)
		return err_sys(e, "%s", j->what);
	if ((flags & ~(MS_REC | MS_REMOUNT | MS_BIND)) && bind_remount(j, src, mnt, flags, e) < 0)
		return -1;
	if (j->mnt && mnt >= 0) {
		closep(j->mnt);
		*j->mnt = steal_fd(&mnt);
	}
	return 0;
}

static int do_bind(const struct job *j, struct err *e)
{
	const struct oci_mount *m = j->m;
	if (!m->source || !*m->source)
		return err_set(e, EINVAL, "%s: a bind mount needs a source", j->what);
	if (m->source[0] == '/')
		return bind_source(j, m->source, j->o.flags | MS_BIND, e);
	_cleanup_free_ char *src = NULL;
	if (asprintf(&src, "%s/%s", j->env->bundle, m->source) < 0)
		return err_set(e, ENOMEM, "%s", j->what);
	if (strlen(src) >= PATH_MAX)
		return err_set(e, ENAMETOOLONG, "%s", j->what);
	return bind_source(j, src, j->o.flags | MS_BIND, e);
}

/* An idmapped bind: the parent cloned and idmapped the source (linux/idmap.c), as this init
 * may lack the privilege over the source's filesystem. Attached here like a bind, then the
 * same remount for its flags. */
static int do_idmapped(const struct job *j, struct err *e)
{
	struct stat st;
	if (fstat(j->tree_fd, &st) < 0)
		return err_sys(e, "%s: stat the idmapped source", j->what);
	int root = j->env->root_fd;
	_cleanup_close_ int fd = S_ISDIR(st.st_mode) ? safe_mkdir_p(root, job_dest(j), 0755, e)
						     : safe_mkfile(root, job_dest(j), 0755, e);
	if (fd < 0)
		return err_wrap(e, "%s", j->what);
	if (check_proc_dest(j, fd, false, e) < 0)
		return -1;
	if (move_mount(j->tree_fd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, "%s: attach the idmapped mount (move_mount)", j->what);
	/* What follows goes through the mount's own fd, never the path (see bind_source). */
	if (j->mnt) {
		closep(j->mnt);
		*j->mnt = fcntl(j->tree_fd, F_DUPFD_CLOEXEC, 3);
	}
	if (!(j->o.flags & ~(MS_REC | MS_REMOUNT | MS_BIND)))
		return 0;
	char src[64];
	snprintf(src, sizeof src, "/proc/self/fd/%d", j->tree_fd);
	return bind_remount(j, src, j->tree_fd, j->o.flags | MS_BIND, e);
}

/* ro of tmpfs and /dev waits for finalize: devices and files are made in them first. */
static unsigned long flags_now(const struct job *j)
{
	unsigned long f = j->o.flags;
	if ((j->m->type && strcmp(j->m->type, "tmpfs") == 0) ||
	    mount_path_equal(job_dest(j), "/dev"))
		f &= ~MS_RDONLY;
	return f;
}

static const char *fs_source(const struct job *j)
{
	return j->m->source ? j->m->source : j->m->type;
}

static int do_other(const struct job *j, struct err *e)
{
	_cleanup_close_ int fd = safe_mkdir_p(j->env->root_fd, job_dest(j), 0755, e);
	if (fd < 0)
		return err_wrap(e, "%s", j->what);
	if (check_proc_dest(j, fd, false, e) < 0)
		return -1;
	if (mount_on_fd(fs_source(j), fd, j->m->type, flags_now(j), j->o.data) == 0)
		return 0;
	/* An mqueue belongs to the IPC namespace: without one of our own, a user namespace
	 * may not mount it. Bind the host's, as runc does. */
	if (errno == EPERM && j->env->userns && j->m->type && strcmp(j->m->type, "mqueue") == 0) {
		log_debug("%s: EPERM, binding /dev/mqueue instead", j->what);
		return bind_source(j, "/dev/mqueue", j->o.flags | MS_BIND | MS_REC, e);
	}
	return err_sys(e, "%s", j->what);
}

/* proc and sysfs only on a real directory: mounting through a file or a symlink planted in
 * the image has been an attack path (CVE-2019-19921 class). */
static int do_procfs(struct job *j, struct err *e)
{
	int root = j->env->root_fd;
	_cleanup_close_ int cur = safe_openat(root, job_dest(j), O_PATH | O_NOFOLLOW, 0, e);
	struct stat st;
	if (cur >= 0 && fstat(cur, &st) == 0 && !S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "%s: %s must be mounted on an ordinary directory",
			       j->what, j->m->type);
	_cleanup_close_ int fd = safe_mkdir_p(root, job_dest(j), 0755, e);
	if (fd < 0)
		return err_wrap(e, "%s", j->what);
	if (mount_on_fd(fs_source(j), fd, j->m->type, flags_now(j), j->o.data) == 0)
		return 0;
	/* A sysfs belongs to the network namespace: a user namespace that does not own it
	 * may not mount a new one. Bind the host's, as crun does. */
	if (errno == EPERM && j->env->userns && strcmp(j->m->type, "sysfs") == 0) {
		log_debug("%s: EPERM, binding /sys instead", j->what);
		return bind_source(j, "/sys", j->o.flags | MS_BIND | MS_REC, e);
	}
	return err_sys(e, "%s", j->what);
}

/* ---- tmpfs and tmpcopyup ---- */

#define COPY_MAX_DEPTH 128

static int copy_tree(int src, int dst, int depth, struct err *e);

static int copy_file(int src, int dst, const char *name, const struct stat *st, struct err *e)
{
	_cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return err_sys(e, "open %s", name);
	_cleanup_close_ int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					 O_CLOEXEC, st->st_mode & 07777);
	if (out < 0)
		return err_sys(e, "create %s", name);
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "read %s", name);
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return err_sys(e, "write %s", name);
			off += w;
		}
	}
}

static int copy_entry(int src, int dst, const char *name, const struct stat *st, int depth,
		      struct err *e)
{
	if (S_ISDIR(st->st_mode)) {
		if (mkdirat(dst, name, 0700) < 0)
			return err_sys(e, "mkdir %s", name);
		_cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return err_sys(e, "open %s", name);
		if (copy_tree(s, d, depth + 1, e) < 0)
			return err_wrap(e, "%s", name);
	} else if (S_ISREG(st->st_mode)) {
		if (copy_file(src, dst, name, st, e) < 0)
			return -1;
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src, name, target, sizeof target - 1);
		if (n < 0)
			return err_sys(e, "readlink %s", name);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return err_sys(e, "symlink %s", name);
	} else if (mknodat(dst, name, st->st_mode, st->st_rdev) < 0) {
		return err_sys(e, "mknod %s", name);
	}
	if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "chown %s", name);
	/* Only what was just created in our own fresh tmpfs: nothing can swap it for a link. */
	if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
		return err_sys(e, "chmod %s", name);
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int copy_tree(int src, int dst, int depth, struct err *e)
{
	if (depth > COPY_MAX_DEPTH)
		return err_set(e, ELOOP, "directory tree too deep");
	int dfd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, "open directory");
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return err_sys(e, "open directory");
	}
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, "stat %s", de->d_name);
		if (copy_entry(src, dst, de->d_name, &st, depth, e) < 0)
			return -1;
	}
	if (errno)
		return err_sys(e, "read directory");
	return 0;
}

static int do_tmpfs(const struct job *j, struct err *e)
{
	int root = j->env->root_fd;
	_cleanup_close_ int fd = safe_openat(root, job_dest(j), O_PATH | O_DIRECTORY, 0, e);
	_cleanup_free_ char *data = NULL;
	if (fd >= 0) {
		/* The tmpfs root takes the mode of the directory it covers unless mode= says
		 * otherwise (later options win), as runc does. */
		struct stat st;
		if (fstat(fd, &st) < 0)
			return err_sys(e, "%s: stat", j->what);
		const char *d = j->o.data;
		if (asprintf(&data, "mode=%04o%s%s", st.st_mode & 07777, d ? "," : "", d ? d : "") < 0)
			return err_set(e, ENOMEM, "%s", j->what);
	} else {
		if (e->code != ENOENT)
			return err_wrap(e, "%s", j->what);
		fd = safe_mkdir_p(root, job_dest(j), 0755, e);
		if (fd < 0)
			return err_wrap(e, "%s", j->what);
	}
	/* tmpcopyup: the covered directory stays readable through an fd opened before. */
	_cleanup_close_ int under = -1;
	if (j->o.tmpcopyup && (under = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(e, "%s: open", j->what);
	if (mount_on_fd(fs_source(j), fd, "tmpfs", flags_now(j), data ? data : j->o.data) < 0)
		return err_sys(e, "%s", j->what);
	if (under < 0)
		return 0;
	_cleanup_close_ int top = reopen_dest(j, O_RDONLY | O_DIRECTORY, e);
	if (top < 0)
		return -1;
	if (copy_tree(under, top, 0, e) < 0) {
		char p[64];
		snprintf(p, sizeof p, "/proc/self/fd/%d", top);
		umount2(p, MNT_DETACH);
		return err_wrap(e, "%s: tmpcopyup", j->what);
	}
	return 0;
}

static int finish(const struct job *j, struct err *e);

/* ---- cgroup ---- */

/* One v1 hierarchy's mount, pointing into a cg_mounts buffer. */
struct cg_mount {
	const char *root, *mountpoint;
	const char *super;  /* ",rw,memory," */
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Split one mountinfo line in place. */
static bool parse_mountinfo_line(char *line, struct mountinfo_entry *me)
{
	char *save = NULL, *f[6];
	for (int i = 0; i < 6; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " \n", &save)))
			return false;
	char *t;
	me->shared = false;
	while ((t = strtok_r(NULL, " \n", &save)) && strcmp(t, "-") != 0)
		if (strncmp(t, "shared:", 7) == 0)
			me->shared = true;
	if (!t || !(me->type = strtok_r(NULL, " \n", &save)) ||
	    !(me->source = strtok_r(NULL, " \n", &save)) ||
	    !(me->super = strtok_r(NULL, " \n", &save)))
		return false;
	me->id = atoi(f[0]);
	me->root = f[3];
	me->mountpoint = f[4];
	unescape(me->root);
	unescape(me->mountpoint);
	unescape(me->source);
	return true;
}

int mountinfo_foreach(int (*fn)(const struct mountinfo_entry *me, void *arg, struct err *e),
		      void *arg, struct err *e)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return err_sys(e, "open /proc/self/mountinfo");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		struct mountinfo_entry me;
		if (!parse_mountinfo_line(line, &me))
			continue;
		int r = fn(&me, arg, e);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return 0;
}

/* The cgroup mounts of mountinfo, packed as "root\0mountpoint\0,super,\0" each: the init
 * runs this charged to the container's memory limit, and a dozen short strings take a
 * page where fixed PATH_MAX records took some thirty. */
struct cg_mounts {
	char *buf;
	size_t len, cap, n;
};

static int cg_append(struct cg_mounts *l, const char *a, const char *b, const char *c)
{
	size_t need = l->len + strlen(a) + strlen(b) + strlen(c) + 3;
	if (need > l->cap) {
		size_t cap = l->cap ? l->cap : 1024;
		while (cap < need)
			cap *= 2;
		char *nb = realloc(l->buf, cap);
		if (!nb)
			return -1;
		l->buf = nb;
		l->cap = cap;
	}
	l->len += (size_t)sprintf(l->buf + l->len, "%s%c%s%c%s", a, 0, b, 0, c) + 1;
	return 0;
}

static int add_cgroup_mount(const struct mountinfo_entry *me, void *arg, struct err *e)
{
	struct cg_mounts *l = arg;
	if (strcmp(me->type, "cgroup") != 0)
		return 0;
	char super[512];
	snprintf(super, sizeof super, ",%s,", me->super);
	if (cg_append(l, me->root, me->mountpoint, super) < 0)
		return err_set(e, ENOMEM, "cgroup mounts");
	l->n++;
	return 0;
}

/* The next packed mount at *pos. */
static struct cg_mount cg_next(const char **pos)
{
	struct cg_mount m = { .root = *pos };
	m.mountpoint = m.root + strlen(m.root) + 1;
	m.super = m.mountpoint + strlen(m.mountpoint) + 1;
	*pos = m.super + strlen(m.super) + 1;
	return m;
}

/* True when the super options of a v1 mount name every controller of ctrls. */
static bool mount_has_controllers(const struct cg_mount *m, const char *ctrls)
{
	char buf[256], *save = NULL;
	snprintf(buf, sizeof buf, "%s", ctrls);
	for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		char want[300];
		snprintf(want, sizeof want, ",%s,", c);
		if (!strstr(m->super, want))
			return false;
	}
	return true;
}

/* *dest and *what are the caller's to free, also on failure. */
static int cg_sub_job(const struct job *j, const char *name, struct oci_mount *sm,
		      struct job *sub, char **dest, char **what, struct err *e)
{
	if (asprintf(dest, "%s/%s", job_dest(j), name) < 0)
		*dest = NULL;
	if (asprintf(what, "%s: %s", j->what, name) < 0)
		*what = NULL;
	if (!*dest || !*what)
		return err_set(e, ENOMEM, "%s: %s", j->what, name);
	*sm = (struct oci_mount){ .destination = *dest, .type = "bind" };
	*sub = (struct job){ .env = j->env, .m = sm, .o = j->o, .tree_fd = -1, .what = *what };
	return 0;
}

/* One v1 hierarchy below the tmpfs: a new cgroup mount with a cgroup namespace, otherwise a
 * bind of the host's directory of this process, like runc. */
static int cg_v1_one(const struct job *j, const char *name, const char *src, struct err *e)
{
	_cleanup_free_ char *dest = NULL, *what = NULL;
	struct oci_mount sm;
	struct job sub;
	if (cg_sub_job(j, name, &sm, &sub, &dest, &what, e) < 0)
		return -1;
	if (!j->env->cgroupns) {
		sub.o.rec_set = sub.o.rec_clr = 0;
		if (bind_source(&sub, src, MS_BIND | MS_REC | j->o.flags, e) < 0)
			return -1;
		return finish(&sub, e);
	}
	_cleanup_close_ int fd = safe_mkdir_p(j->env->root_fd, dest, 0755, e);
	if (fd < 0)
		return err_wrap(e, "%s", sub.what);
	bool systemd = strcmp(name, "systemd") == 0;
	unsigned long flags = CGROUP_DEFAULT_FLAGS | (j->o.flags & MS_RDONLY);
	if (mount_on_fd(systemd ? "systemd" : "cgroup", fd, "cgroup", flags,
			systemd ? "name=systemd" : name) < 0)
		return err_sys(e, "%s", sub.what);
	return 0;
}

static int cg_v1_symlinks(const struct job *j, const char *name, struct err *e)
{
	if (!strchr(name, ','))
		return 0;
	_cleanup_close_ int dir = reopen_dest(j, O_PATH | O_DIRECTORY, e);
	if (dir < 0)
		return -1;
	char buf[256], *save = NULL;
	snprintf(buf, sizeof buf, "%s", name);
	for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save))
		if (symlinkat(name, dir, c) < 0 && errno != EEXIST)
			return err_sys(e, "%s: symlink %s", j->what, c);
	return 0;
}

struct cg_own {
	const char *ctrls, *path;  /* into the file's text */
	bool used;
};

/* The v1 lines of /proc/self/cgroup: "id:controllers:path", split in place in *text. */
static int read_own_cgroups(char **text, struct cg_own **out, size_t *n, struct err *e)
{
	if (read_file_at(AT_FDCWD, "/proc/self/cgroup", text, NULL, e) < 0)
		return -1;
	size_t lines = 0;
	for (const char *p = *text; *p; p++)
		lines += *p == '\n';
	*out = calloc(lines + 1, sizeof **out);
	if (!*out)
		return err_set(e, ENOMEM, "/proc/self/cgroup");
	char *save = NULL;
	for (char *line = strtok_r(*text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrls = strchr(line, ':'), *path;
		if (!ctrls || !(path = strchr(++ctrls, ':')) || path == ctrls)
			continue;
		*path++ = '\0';
		(*out)[(*n)++] = (struct cg_own){ .ctrls = ctrls, .path = path };
	}
	return 0;
}

/* In mountinfo order, like runc; a hierarchy mounted twice on the host only once. */
static int cg_v1_hierarchies(const struct job *j, const struct cg_mounts *ms, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct cg_own *own = NULL;
	size_t n_own = 0;
	if (read_own_cgroups(&text, &own, &n_own, e) < 0)
		return err_wrap(e, "%s", j->what);
	const char *pos = ms->buf;
	for (size_t i = 0; i < ms->n; i++) {
		const struct cg_mount cm = cg_next(&pos);
		struct cg_own *o = NULL;
		for (size_t k = 0; k < n_own && !o; k++)
			if (!own[k].used && mount_has_controllers(&cm, own[k].ctrls))
				o = &own[k];
		if (!o)
			continue;
		o->used = true;
		const char *slash = strrchr(cm.mountpoint, '/');
		const char *name = slash ? slash + 1 : cm.mountpoint;
		size_t rl = strlen(cm.root);
		const char *rel = o->path;
		if (strcmp(cm.root, "/") != 0 && strncmp(o->path, cm.root, rl) == 0)
			rel = o->path + rl;
		_cleanup_free_ char *src = NULL;
		if (asprintf(&src, "%s%s%s", cm.mountpoint, *rel == '/' ? "" : "/", rel) < 0) {
			src = NULL;
			return err_set(e, ENOMEM, "%s", j->what);
		}
		if (cg_v1_one(j, name, src, e) < 0 || cg_v1_symlinks(j, name, e) < 0)
			return -1;
	}
	return 0;
}

static int do_cgroup_v1(const struct job *j, struct err *e)
{
	struct cg_mounts ms = { 0 };
	if (mountinfo_foreach(add_cgroup_mount, &ms, e) < 0) {
		free(ms.buf);
		return err_wrap(e, "%s", j->what);
	}
	_cleanup_free_ char *buf = ms.buf;
	struct oci_mount tm = { .destination = j->m->destination, .type = "tmpfs", .source = "tmpfs" };
	struct job t = { .env = j->env, .m = &tm, .tree_fd = -1 };
	t.o.flags = CGROUP_DEFAULT_FLAGS;
	t.o.data = "mode=755";
	t.what = j->what;
	if (do_tmpfs(&t, e) < 0)
		return -1;
	return cg_v1_hierarchies(j, &ms, e);
}

static int do_cgroup(const struct job *j, struct err *e)
{
	struct statfs sfs;
	if (statfs("/sys/fs/cgroup", &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return do_cgroup_v1(j, e);
	_cleanup_close_ int fd = safe_mkdir_p(j->env->root_fd, job_dest(j), 0755, e);
	if (fd < 0)
		return err_wrap(e, "%s", j->what);
	if (mount_on_fd(j->m->source ? j->m->source : "cgroup2", fd, "cgroup2", j->o.flags,
			j->o.data) == 0)
		return 0;
	if (errno != EPERM && errno != EBUSY)
		return err_sys(e, "%s", j->what);
	/* A user namespace without its own cgroup namespace may not mount cgroup2 (runc
	 * #2158): bind the host's hierarchy instead. */
	return bind_source(j, "/sys/fs/cgroup", j->o.flags | MS_BIND, e);
}

/* ---- one entry ---- */

/* Propagation and recursive attributes, on the mount just made. */
static int finish(const struct job *j, struct err *e)
{
	if (!j->o.n_propagation && !j->o.rec_set && !j->o.rec_clr)
		return 0;
	/* A bind's own fd where there is one (see bind_remount). */
	bool own = j->mnt && *j->mnt >= 0;
	_cleanup_close_ int reopened = own ? -1 : reopen_dest(j, O_PATH, e);
	int fd = own ? *j->mnt : reopened;
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < j->o.n_propagation; i++)
		if (mount_on_fd(NULL, fd, NULL, j->o.propagation[i], NULL) < 0)
			return err_sys(e, "%s: set propagation", j->what);
	if ((j->o.rec_set || j->o.rec_clr) &&
	    mount_setattr_fd(fd, j->o.rec_set, j->o.rec_clr, true, e) < 0)
		return err_wrap(e, "%s", j->what);
	return 0;
}

static int dispatch(struct job *j, struct err *e)
{
	const char *type = j->m->type ? j->m->type : "";
	if (j->tree_fd >= 0)
		return do_idmapped(j, e);
	if (j->o.idmap || j->o.ridmap || j->m->n_uid_mappings)
		return err_set(e, EINVAL, "%s: idmapped mount not prepared", j->what);
	if (is_bind(j->m, &j->o))
		return do_bind(j, e);
	if (strcmp(type, "tmpfs") == 0)
		return do_tmpfs(j, e);
	if (strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0)
		return do_procfs(j, e);
	if (strcmp(type, "cgroup") == 0)
		return do_cgroup(j, e);
	return do_other(j, e);
}

int mount_entry(const struct mount_env *env, size_t idx, const struct oci_mount *m, struct err *e)
{
	_cleanup_close_ int mnt = -1;
	struct job j = { .env = env, .m = m, .mnt = &mnt,
			 .tree_fd = env->idmap_fds ? env->idmap_fds[idx] : -1 };
	if (!m->destination || !*m->destination)
		return err_set(e, EINVAL, "mounts[%zu]: no destination", idx);
	if (mount_opts_parse(m->options, m->n_options, &j.o, e) < 0)
		return err_wrap(e, "mounts[%zu]", idx);
	_cleanup_free_ char *what = NULL;
	int n = is_bind(m, &j.o) ? asprintf(&what, "mounts[%zu]: bind %s on %s", idx,
					    m->source ? m->source : "", m->destination)
				 : asprintf(&what, "mounts[%zu]: mount %s on %s", idx,
					    m->type ? m->type : "(no type)", m->destination);
	if (n < 0) {
		what = NULL;
		mount_opts_free(&j.o);
		return err_set(e, ENOMEM, "mounts[%zu]", idx);
	}
	j.what = what;
	int r = dispatch(&j, e);
	if (r == 0)
		r = finish(&j, e);
	mount_opts_free(&j.o);
	return r;
}
