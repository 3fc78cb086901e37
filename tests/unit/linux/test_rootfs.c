/* rootfs_prepare / rootfs_pivot / rootfs_finalize on a busybox rootfs, in a child with its
 * own mount and pid namespaces (the host's mounts are never touched). The child checks
 * the result from inside and reports each failed check as a line on a pipe. Needs root:
 * skipped (passing) otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/rootfs.h"
#include "tmpdir.h"
#include "unit.h"

/* ipc/mqueue.c; not in the uapi headers. */
#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

static char top[64];
static char bundle[128], rootfs[160], hostdir[128], hostdir2[128], hostfile[128];
static char outside[128];   /* where the rootfs's /escape link points on the host */
static int report_fd = -1;  /* the child's end of the report pipe */

/* ---- the fixture ---- */

static void path_in(char *buf, size_t n, const char *base, const char *rel)
{
	snprintf(buf, n, "%s/%s", base, rel);
}

static void make_rootfs(void)
{
	char p[512];
	snprintf(top, sizeof top, "/tmp/ocirun-rootfs-XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(bundle, sizeof bundle, "%s/bundle", top);
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
	snprintf(hostdir, sizeof hostdir, "%s/hostdir", top);
	snprintf(hostdir2, sizeof hostdir2, "%s/hostdir2", top);
	snprintf(hostfile, sizeof hostfile, "%s/hostfile", top);
	snprintf(outside, sizeof outside, "%s/outside", top);
	mkdir(bundle, 0755);
	mkdir(rootfs, 0755);
	mkdir(hostdir, 0755);
	mkdir(hostdir2, 0755);
	mkdir(outside, 0755);
	path_in(p, sizeof p, hostdir, "data.txt");
	write_text(p, "data");
	path_in(p, sizeof p, hostdir2, "marker");
	write_text(p, "two");
	write_text(hostfile, "hostfile");
	path_in(p, sizeof p, bundle, "relsrc");
	mkdir(p, 0755);
	const char *dirs[] = { "bin", "etc", "proc", "sys", "tmpcopy", "tmpcopy/sub", "tmp" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		path_in(p, sizeof p, rootfs, dirs[i]);
		mkdir(p, 0755);
	}
	path_in(p, sizeof p, rootfs, "tmpcopy/sub/keep");
	write_text(p, "kept");
	/* A link to a host path: a mount destination through it must stay in the rootfs. */
	path_in(p, sizeof p, rootfs, "escape");
	symlink(outside, p);
	path_in(p, sizeof p, rootfs, "bin/busybox");
	char cmd[700];
	snprintf(cmd, sizeof cmd, "cp /bin/busybox %s", p);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: no /bin/busybox\n");
	const char *applets[] = { "sh", "cat", "ls", "test" };
	for (size_t i = 0; i < sizeof applets / sizeof applets[0]; i++) {
		snprintf(p, sizeof p, "%s/bin/%s", rootfs, applets[i]);
		symlink("busybox", p);
	}
}

/* ---- the config, by hand ---- */

#define OPTS(...) ((char *[]){ __VA_ARGS__, NULL })
#define NOPTS(...) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define MNT(d, t, s, ...) { .destination = d, .type = t, .source = s, \
	.options = OPTS(__VA_ARGS__), .n_options = NOPTS(__VA_ARGS__) }

static struct oci_mount full_mounts[] = {
	MNT("/proc", "proc", "proc", "nosuid"),
	MNT("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
	MNT("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
	    "mode=0620"),
	MNT("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
	MNT("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
	MNT("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
	MNT("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro"),
	MNT("/data", "none", NULL /* hostdir */, "rbind", "ro"),
	MNT("/etc/hostfile", "bind", NULL /* hostfile */, "bind"),
	MNT("/escape/sub", NULL, NULL /* hostdir2 */, "bind", "nodev"),
	MNT("/tmpcopy", "tmpfs", "tmpfs", "tmpcopyup", "mode=0750"),
	MNT("/rotmp", "tmpfs", "tmpfs", "ro", "nosuid"),
	MNT("/rel", "bind", "relsrc", "rbind", "rro", "rnosuid"),
};

static char *masked[] = { "/proc/kcore", "/proc/keys", "/sys/firmware", "/nonexistent" };
static char *readonly[] = { "/proc/sys", "/proc/sysrq-trigger", "/nonexistent2" };
static struct oci_device devices[] = {
	{ .type = 'c', .path = "/dev/custom0", .has_major_minor = true, .major = 1, .minor = 3,
	  .has_file_mode = true, .file_mode = 0600, .has_uid = true, .uid = 1000,
	  .has_gid = true, .gid = 1001 },
	{ .type = 'p', .path = "/dev/myfifo" },
	{ .type = 'c', .path = "/dev/ptmx", .has_major_minor = true, .major = 5, .minor = 2 },
};

static void full_config(struct oci_config *c)
{
	full_mounts[7].source = hostdir;
	full_mounts[8].source = hostfile;
	full_mounts[9].source = hostdir2;
	*c = (struct oci_config){ .root_path = rootfs, .root_readonly = true,
				  .mounts = full_mounts,
				  .n_mounts = sizeof full_mounts / sizeof full_mounts[0],
				  .has_linux = true };
	c->linux_.masked_paths = masked;
	c->linux_.n_masked_paths = sizeof masked / sizeof masked[0];
	c->linux_.readonly_paths = readonly;
	c->linux_.n_readonly_paths = sizeof readonly / sizeof readonly[0];
	c->linux_.devices = devices;
	c->linux_.n_devices = sizeof devices / sizeof devices[0];
}

/* ---- running in a child ---- */

#define CCHECK(cond) creport((cond), #cond, __LINE__)

static void creport(bool ok, const char *what, int line)
{
	if (ok)
		return;
	char buf[512];
	int n = snprintf(buf, sizeof buf, "test_rootfs.c:%d: CHECK failed in container: %s\n",
			 line, what);
	if (write(report_fd, buf, (size_t)n) < 0)
		_exit(3);
}

static void creport_err(const char *step, const struct err *e)
{
	char buf[2200];
	int n = snprintf(buf, sizeof buf, "%s failed: %s\n", step, e->msg);
	if (write(report_fd, buf, (size_t)n) < 0)
		_exit(3);
}

/* Fork a child in new mount and pid namespaces that runs fn as pid 1 of the new pid
 * namespace; collect its report lines. Returns the number of lines (failures). */
static bool with_userns;   /* in_container: a user namespace too (root mapped to root) */

/* Only the own uid can be mapped from inside without a helper: 0 -> 0, enough for root. */
static int enter_userns(void)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	int fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return -1;
	close(fd);
	const char *maps[] = { "/proc/self/uid_map", "/proc/self/gid_map" };
	for (int i = 0; i < 2; i++) {
		fd = open(maps[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0 0 1\n", 6) != 6)
			return -1;
		close(fd);
	}
	return 0;
}

static int in_container(void (*fn)(void *), void *arg, char *out, size_t out_size)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		if ((with_userns && enter_userns() < 0) ||
		    unshare(CLONE_NEWNS | CLONE_NEWPID | (with_userns ? CLONE_NEWIPC : 0)) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			creport(false, "unshare and make / rprivate", __LINE__);
			_exit(1);
		}
		pid_t inner = fork();
		if (inner == 0) {
			fn(arg);
			_exit(0);
		}
		int st;
		waitpid(inner, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 2);
	}
	close(p[1]);
	size_t len = 0;
	ssize_t n;
	while (len + 1 < out_size && (n = read(p[0], out + len, out_size - len - 1)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	int lines = 0;
	for (char *s = out; *s; s++)
		lines += *s == '\n';
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		lines++;
	return lines;
}

static bool fs_is(const char *path, long magic)
{
	struct statfs s;
	return statfs(path, &s) == 0 && s.f_type == magic;
}

static bool is_ro(const char *path)
{
	struct statvfs s;
	return statvfs(path, &s) == 0 && (s.f_flag & ST_RDONLY);
}

static bool has_flag(const char *path, unsigned long f)
{
	struct statvfs s;
	return statvfs(path, &s) == 0 && (s.f_flag & f);
}

static bool content_is(const char *path, const char *want)
{
	char buf[256] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n >= 0 && strcmp(buf, want) == 0;
}

static bool link_is(const char *path, const char *want)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

static bool chr_is(const char *path, unsigned maj, unsigned min, mode_t perm)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj &&
	       minor(st.st_rdev) == min && (st.st_mode & 07777) == perm;
}

/* After the pivot the old root is gone: one mount on "/", and none below the host path
 * of the bundle. (A mount point under our temp dir is fine: /escape resolves there.) */
static bool mountinfo_clean(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[1024];
	int roots = 0;
	bool clean = true;
	while (fgets(line, sizeof line, f)) {
		char mp[512];
		if (sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1)
			continue;
		roots += strcmp(mp, "/") == 0;
		if (strstr(mp, bundle))
			clean = false;
	}
	fclose(f);
	return clean && roots == 1;
}

static void check_devices(void)
{
	CCHECK(fs_is("/dev", TMPFS_MAGIC));
	CCHECK(chr_is("/dev/null", 1, 3, 0666));
	CCHECK(chr_is("/dev/zero", 1, 5, 0666));
	CCHECK(chr_is("/dev/full", 1, 7, 0666));
	CCHECK(chr_is("/dev/random", 1, 8, 0666));
	CCHECK(chr_is("/dev/urandom", 1, 9, 0666));
	CCHECK(chr_is("/dev/tty", 5, 0, 0666));
	CCHECK(chr_is("/dev/custom0", 1, 3, 0600));
	struct stat st;
	CCHECK(lstat("/dev/custom0", &st) == 0 && st.st_uid == 1000 && st.st_gid == 1001);
	CCHECK(lstat("/dev/myfifo", &st) == 0 && S_ISFIFO(st.st_mode));
	CCHECK(link_is("/dev/ptmx", "pts/ptmx"));
	CCHECK(link_is("/dev/fd", "/proc/self/fd"));
	CCHECK(link_is("/dev/stdin", "/proc/self/fd/0"));
	CCHECK(link_is("/dev/stdout", "/proc/self/fd/1"));
	CCHECK(link_is("/dev/stderr", "/proc/self/fd/2"));
	CCHECK(access("/dev/core", F_OK) == 0 || access("/proc/kcore", F_OK) < 0);
	CCHECK(fs_is("/dev/pts", DEVPTS_SUPER_MAGIC));
	CCHECK(stat("/dev/pts/ptmx", &st) == 0 && S_ISCHR(st.st_mode));
	CCHECK(fs_is("/dev/shm", TMPFS_MAGIC));
	CCHECK(stat("/dev/shm", &st) == 0 && (st.st_mode & 07777) == 01777);
	CCHECK(fs_is("/dev/mqueue", MQUEUE_MAGIC));
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CCHECK(fd >= 0 && write(fd, "x", 1) == 1);
	if (fd >= 0)
		close(fd);
}

static void check_mounts(void)
{
	CCHECK(fs_is("/proc", PROC_SUPER_MAGIC));
	CCHECK(getpid() == 1 && link_is("/proc/self", "1"));
	CCHECK(fs_is("/sys", SYSFS_MAGIC) && is_ro("/sys") && has_flag("/sys", ST_NOEXEC));
	CCHECK(fs_is("/sys/fs/cgroup", TMPFS_MAGIC) || fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC));
	if (fs_is("/sys/fs/cgroup", TMPFS_MAGIC)) {
		CCHECK(fs_is("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC));
		CCHECK(is_ro("/sys/fs/cgroup/memory"));
	}
	CCHECK(content_is("/data/data.txt", "data"));
	CCHECK(is_ro("/data"));
	CCHECK(open("/data/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 && errno == EROFS);
	CCHECK(content_is("/etc/hostfile", "hostfile"));
	CCHECK(content_is("/escape/sub/marker", "two"));
	CCHECK(has_flag("/escape/sub", ST_NODEV));
	CCHECK(fs_is("/tmpcopy", TMPFS_MAGIC));
	CCHECK(content_is("/tmpcopy/sub/keep", "kept"));
	struct stat st;
	CCHECK(stat("/tmpcopy", &st) == 0 && (st.st_mode & 07777) == 0750);
	CCHECK(fs_is("/rotmp", TMPFS_MAGIC) && is_ro("/rotmp") && has_flag("/rotmp", ST_NOSUID));
	CCHECK(is_ro("/rel") && has_flag("/rel", ST_NOSUID));
}

static void check_finalize(void)
{
	CCHECK(is_ro("/"));
	CCHECK(is_ro("/proc/sys"));
	CCHECK(open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS);
	CCHECK(access("/proc/sysrq-trigger", F_OK) < 0 || is_ro("/proc/sysrq-trigger"));
	CCHECK(chr_is("/proc/keys", 1, 3, 0666));
	CCHECK(content_is("/proc/keys", ""));
	CCHECK(fs_is("/sys/firmware", TMPFS_MAGIC) && is_ro("/sys/firmware"));
	CCHECK(mountinfo_clean());
	if (!mountinfo_clean())
		system("cat /proc/self/mountinfo >&2");
	char cwd[64];
	CCHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
}

static void run_busybox(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c",
		      "test -c /dev/null && cat /etc/hostfile >/dev/null && ls /proc/self/fd >/dev/null",
		      (char *)NULL);
		_exit(127);
	}
	int st;
	CCHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void full_child(void *arg)
{
	const struct oci_config *c = arg;
	struct rootfs_ctx ctx = { .config = c, .rootfs = rootfs, .bundle = bundle,
				  .console_fd = -1 };
	struct err e = { 0 };
	if (rootfs_prepare(&ctx, &e) < 0)
		return creport_err("rootfs_prepare", &e);
	if (rootfs_pivot(&ctx, &e) < 0)
		return creport_err("rootfs_pivot", &e);
	if (rootfs_finalize(&ctx, &e) < 0)
		return creport_err("rootfs_finalize", &e);
	check_devices();
	check_mounts();
	check_finalize();
	run_busybox();
}

static bool skip_unless_root(void)
{
	if (geteuid() == 0)
		return false;
	printf("skip: needs root\n");
	return true;
}

static void test_full(void)
{
	if (skip_unless_root())
		return;
	struct oci_config c;
	full_config(&c);
	char out[8192];
	int fails = in_container(full_child, &c, out, sizeof out);
	if (fails)
		fprintf(stderr, "%s", out);
	CHECK(fails == 0);
	/* Nothing leaked to the host through the /escape link. */
	char p[256];
	path_in(p, sizeof p, outside, "sub");
	CHECK(access(p, F_OK) < 0);
}

/* ---- failures and variants ---- */

struct prepare_case {
	struct oci_mount *mounts;
	size_t n;
	const char *want;   /* substring of the error, NULL: must succeed */
};

static void prepare_child(void *arg)
{
	const struct prepare_case *pc = arg;
	struct oci_config c = { .root_path = rootfs, .mounts = pc->mounts, .n_mounts = pc->n };
	struct rootfs_ctx ctx = { .config = &c, .rootfs = rootfs, .bundle = bundle,
				  .console_fd = -1 };
	struct err e = { 0 };
	int r = rootfs_prepare(&ctx, &e);
	if (pc->want) {
		CCHECK(r < 0);
		if (r < 0 && !strstr(e.msg, pc->want))
			creport_err("unexpected message", &e);
	} else if (r < 0) {
		creport_err("rootfs_prepare", &e);
	}
}

static void expect_prepare(struct oci_mount *m, size_t n, const char *want)
{
	struct prepare_case pc = { m, n, want };
	char out[4096];
	int fails = in_container(prepare_child, &pc, out, sizeof out);
	if (fails)
		fprintf(stderr, "%s", out);
	CHECK(fails == 0);
}

static void test_errors(void)
{
	if (skip_unless_root())
		return;
	struct oci_mount m1[] = { MNT("/data", "bind", "/nonexistent", "rbind") };
	expect_prepare(m1, 1, "mounts[0]: bind /nonexistent on /data: No such file or directory");
	/* runc's /proc protection, also through a link that leads into /proc. */
	struct oci_mount m2[] = { MNT("/proc", "proc", "proc", "nosuid"),
				  MNT("/proc/sys/kernel", "bind", "/tmp", "bind") };
	expect_prepare(m2, 2, "mounts[1]: bind /tmp on /proc/sys/kernel: /proc/sys/kernel cannot "
			      "be mounted because it is inside /proc");
	struct oci_mount m3[] = { MNT("/proc", "tmpfs", "tmpfs", "nosuid"),
				  MNT("/p", "tmpfs", "tmpfs", "nosuid"),
				  MNT("/p/link", "none", "/tmp", "bind") };
	expect_prepare(m3, 2, NULL);
	struct oci_mount m4[] = { MNT("/data", "none", "/tmp", "rbind", "idmap") };
	expect_prepare(m4, 1, "mounts[0]: bind /tmp on /data: idmapped mount not prepared");
	/* proc on a file: refused before anything is mounted. */
	char p[256];
	path_in(p, sizeof p, rootfs, "procfile");
	write_text(p, "x");
	struct oci_mount m5[] = { MNT("/procfile", "proc", "proc", "nosuid") };
	expect_prepare(m5, 1, "must be mounted on an ordinary directory");
	unlink(p);
}

static void no_pivot_child(void *arg)
{
	(void)arg;
	struct oci_mount m[] = { MNT("/proc", "proc", "proc", "nosuid"),
				 MNT("/dev", "tmpfs", "tmpfs", "nosuid", "mode=755") };
	struct oci_config c = { .root_path = rootfs, .mounts = m, .n_mounts = 2 };
	struct rootfs_ctx ctx = { .config = &c, .rootfs = rootfs, .bundle = bundle,
				  .console_fd = -1, .no_pivot = true };
	struct err e = { 0 };
	if (rootfs_prepare(&ctx, &e) < 0 || rootfs_pivot(&ctx, &e) < 0 ||
	    rootfs_finalize(&ctx, &e) < 0)
		return creport_err("no_pivot", &e);
	char cwd[64];
	CCHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
	CCHECK(access("/bin/busybox", X_OK) == 0);
	CCHECK(chr_is("/dev/null", 1, 3, 0666));
	CCHECK(fs_is("/proc", PROC_SUPER_MAGIC));
}

static void test_no_pivot(void)
{
	if (skip_unless_root())
		return;
	char out[4096];
	int fails = in_container(no_pivot_child, NULL, out, sizeof out);
	if (fails)
		fprintf(stderr, "%s", out);
	CHECK(fails == 0);
}

/* rootfsPropagation "shared": / of the container is shared afterwards, and the parent
 * mount of the rootfs was made private so that pivot_root works. */
static void shared_child(void *arg)
{
	(void)arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
		return creport(false, "make / rshared", __LINE__);
	struct oci_mount m[] = { MNT("/proc", "proc", "proc", "nosuid") };
	struct oci_config c = { .root_path = rootfs, .mounts = m, .n_mounts = 1,
				.has_linux = true };
	c.linux_.rootfs_propagation = "rshared";
	struct rootfs_ctx ctx = { .config = &c, .rootfs = rootfs, .bundle = bundle,
				  .console_fd = -1 };
	struct err e = { 0 };
	if (rootfs_prepare(&ctx, &e) < 0 || rootfs_pivot(&ctx, &e) < 0 ||
	    rootfs_finalize(&ctx, &e) < 0)
		return creport_err("rshared", &e);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	bool shared = false;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, " / rw,") && strstr(line, "shared:"))
			shared = true;
	if (f)
		fclose(f);
	CCHECK(shared);
	if (!shared)
		system("cat /proc/self/mountinfo >&2");
}

static void test_shared(void)
{
	if (skip_unless_root())
		return;
	char out[4096];
	int fails = in_container(shared_child, NULL, out, sizeof out);
	if (fails)
		fprintf(stderr, "%s", out);
	CHECK(fails == 0);
}

/* No mount of ours is left in the host's table (other tests may mount meanwhile: only
 * our temp dir is looked for). */
static bool host_clean(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool clean = true;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, top))
			clean = false;
	if (f)
		fclose(f);
	return clean;
}

/* In a user namespace: mknod is refused and devices are host binds, sysfs of a network
 * namespace we do not own is a bind of /sys, flags of host mounts are locked. */
static void userns_child(void *arg)
{
	(void)arg;
	static struct oci_device devs[] = {
		{ .type = 'c', .path = "/dev/full", .has_major_minor = true, .major = 1, .minor = 7,
		  .has_file_mode = true, .file_mode = 0600 },
	};
	struct oci_config c;
	full_config(&c);
	c.n_mounts = 10;        /* through /escape/sub: no tmpfs copy-up (owners unmapped) */
	c.linux_.devices = devs;
	c.linux_.n_devices = 1;
	int ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int pts = ptm >= 0 && unlockpt(ptm) == 0 ? ioctl(ptm, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	struct rootfs_ctx ctx = { .config = &c, .rootfs = rootfs, .bundle = bundle,
				  .console_fd = pts, .userns = true };
	struct err e = { 0 };
	if (rootfs_prepare(&ctx, &e) < 0)
		return creport_err("rootfs_prepare (userns)", &e);
	/* The two halves, as an init that writes sysctls in between calls them. */
	if (rootfs_pivot(&ctx, &e) < 0 || rootfs_finalize_mounts(&ctx, &e) < 0 ||
	    rootfs_protect_paths(&ctx, &e) < 0)
		return creport_err("pivot/finalize (userns)", &e);
	CCHECK(chr_is("/dev/null", 1, 3, 0666));
	struct stat st, dev;
	/* The host's node, bound: another filesystem than the container's /dev. */
	CCHECK(stat("/dev/null", &st) == 0 && stat("/dev", &dev) == 0 && st.st_dev != dev.st_dev);
	CCHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode) && minor(st.st_rdev) == 7);
	CCHECK(stat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136);
	CCHECK(fs_is("/sys", SYSFS_MAGIC) && is_ro("/sys"));
	CCHECK(fs_is("/proc", PROC_SUPER_MAGIC));
	CCHECK(is_ro("/data") && content_is("/data/data.txt", "data"));
	CCHECK(is_ro("/") && is_ro("/proc/sys"));
	CCHECK(chr_is("/proc/keys", 1, 3, 0666));
	CCHECK(mountinfo_clean());
}

static void test_userns(void)
{
	if (skip_unless_root())
		return;
	char out[8192];
	with_userns = true;
	int fails = in_container(userns_child, NULL, out, sizeof out);
	with_userns = false;
	if (fails)
		fprintf(stderr, "%s", out);
	CHECK(fails == 0);
}

int main(void)
{
	if (geteuid() == 0)
		make_rootfs();
	RUN_TEST(test_full);
	RUN_TEST(test_errors);
	RUN_TEST(test_no_pivot);
	RUN_TEST(test_shared);
	RUN_TEST(test_userns);
	if (geteuid() == 0) {
		CHECK(host_clean());
		tmpdir_remove(top);
	}
	UNIT_DONE();
}
