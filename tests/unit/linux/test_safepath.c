/* safepath on a temp tree full of hostile symlinks: absolute links, "../../..", links to the
 * host's paths, loops, dangling links to create through. Both the openat2 path and the
 * fallback walker get the same checks. No privileges needed. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/safepath.h"
#include "tmpdir.h"
#include "unit.h"

static char top[64];      /* the temp dir */
static char rootp[128];   /* top/root: the "container rootfs" */
static char outside[128]; /* top/outside: host files that must stay out of reach */
static int root_fd = -1;

typedef int (*open_fn)(int, const char *, int, mode_t, struct err *);

static void mk(const char *rel, bool dir)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", rootp, rel);
	if (dir)
		mkdir(p, 0755);
	else
		write_text(p, rel);
}

static void ln(const char *target, const char *rel)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", rootp, rel);
	symlink(target, p);
}

static void setup(void)
{
	snprintf(top, sizeof top, "/tmp/ocirun-safepath-XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(rootp, sizeof rootp, "%s/root", top);
	snprintf(outside, sizeof outside, "%s/outside", top);
	mkdir(rootp, 0755);
	mkdir(outside, 0755);
	char secret[160];
	snprintf(secret, sizeof secret, "%s/secret", outside);
	write_text(secret, "host");
	mk("etc", true);
	mk("etc/passwd", false);
	mk("dir", true);
	mk("dir/sub", true);
	ln("/", "abs");                 /* absolute: must mean the rootfs */
	ln(outside, "abs_out");         /* a host path: inside the rootfs it does not exist */
	ln("../../../../../..", "rel"); /* climbs: clamped at the rootfs */
	ln("../..", "dir/up");
	ln("loop2", "loop1");
	ln("loop1", "loop2");
	ln("/newdir/sub", "dangling");  /* dangling: creation goes inside the rootfs */
	ln("/made_by_creat", "dangle_file");
	ln("etc/passwd", "file_link");
	ln("/proc/self/root", "magic"); /* would be the host's / if followed for real */
	root_fd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Inode of rel below the rootfs, or of the host path when rel starts with '/'. */
static ino_t ino_of(const char *rel)
{
	struct stat st;
	int r = rel[0] == '/' ? stat(rel, &st) : fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW);
	return r < 0 ? 0 : st.st_ino;
}

static ino_t ino_fd(int fd)
{
	struct stat st;
	return fstat(fd, &st) < 0 ? 0 : st.st_ino;
}

/* Open path through fn; expect the inode of `want` (rootfs-relative) or errno `err`. */
static void expect(open_fn fn, const char *path, int flags, const char *want, int err)
{
	struct err e = { 0 };
	int fd = fn(root_fd, path, flags, 0, &e);
	if (want) {
		if (fd < 0)
			fprintf(stderr, "  %s: %s\n", path, e.msg);
		CHECK(fd >= 0);
		CHECK(fd >= 0 && ino_fd(fd) == ino_of(want));
	} else {
		if (fd >= 0)
			fprintf(stderr, "  %s: opened, expected errno %d\n", path, err);
		CHECK(fd < 0);
		CHECK(e.code == err);
	}
	if (fd >= 0) {
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
}

static void resolution_checks(open_fn fn)
{
	expect(fn, "/etc/passwd", O_PATH, "etc/passwd", 0);
	expect(fn, "abs/etc/passwd", O_RDONLY, "etc/passwd", 0);
	expect(fn, "/abs/abs/abs/etc/passwd", O_PATH, "etc/passwd", 0);
	expect(fn, "rel/etc/passwd", O_PATH, "etc/passwd", 0);
	expect(fn, "../../../etc/passwd", O_PATH, "etc/passwd", 0);
	expect(fn, "dir/up/../../etc/passwd", O_PATH, "etc/passwd", 0);
	expect(fn, "dir/sub/../../dir/./sub", O_PATH | O_DIRECTORY, "dir/sub", 0);
	expect(fn, "file_link", O_RDONLY, "etc/passwd", 0);
	expect(fn, "/", O_PATH, ".", 0);
	expect(fn, "", O_PATH, ".", 0);
	expect(fn, "rel", O_PATH | O_DIRECTORY, ".", 0);
	expect(fn, "abs_out/secret", O_PATH, NULL, ENOENT);
	expect(fn, "loop1", O_PATH, NULL, ELOOP);
	expect(fn, "loop1/x", O_PATH, NULL, ELOOP);
	expect(fn, "etc/passwd/x", O_PATH, NULL, ENOTDIR);
	expect(fn, "etc/passwd", O_PATH | O_DIRECTORY, NULL, ENOTDIR);
	expect(fn, "missing/x", O_PATH, NULL, ENOENT);
	/* O_NOFOLLOW: the link itself. */
	expect(fn, "abs", O_PATH | O_NOFOLLOW, "abs", 0);
}

static void test_openat2(void)
{
	resolution_checks(safe_openat);
	/* Magic links are refused by openat2; the walker would read them as plain links. */
	struct err e = { 0 };
	int fd = safe_openat(root_fd, "magic/etc", O_PATH, 0, &e);
	CHECK(fd < 0);
	if (fd >= 0)
		close(fd);
}

static void test_walker(void)
{
	resolution_checks(safe_openat_walk);
	/* Read as a plain symlink, /proc/self/root only names a missing path in the rootfs. */
	expect(safe_openat_walk, "magic/etc", O_PATH, NULL, ENOENT);
}

static void test_mkdir_p(void)
{
	struct err e = { 0 };
	int fd = safe_mkdir_p(root_fd, "dangling/a/b", 0755, &e);
	CHECK(fd >= 0);
	CHECK(fd >= 0 && ino_fd(fd) == ino_of("newdir/sub/a/b"));
	CHECK(access("/newdir", F_OK) < 0);
	if (fd >= 0)
		close(fd);

	fd = safe_mkdir_p(root_fd, "abs_out/x", 0700, &e);
	CHECK(fd >= 0);
	char host_x[200], in_root[200];
	snprintf(host_x, sizeof host_x, "%s/x", outside);
	snprintf(in_root, sizeof in_root, "%s%s/x", rootp, outside);
	CHECK(access(host_x, F_OK) < 0);
	struct stat st;
	CHECK(stat(in_root, &st) == 0 && S_ISDIR(st.st_mode));
	if (fd >= 0)
		close(fd);

	fd = safe_mkdir_p(root_fd, "rel/dir/sub", 0755, &e); /* exists already */
	CHECK(fd >= 0 && ino_fd(fd) == ino_of("dir/sub"));
	if (fd >= 0)
		close(fd);
	fd = safe_mkdir_p(root_fd, "etc/passwd/x", 0755, &e);
	CHECK(fd < 0 && e.code == ENOTDIR);
	fd = safe_mkdir_p(root_fd, "loop1/x", 0755, &e);
	CHECK(fd < 0 && e.code == ELOOP);
}

static void test_mkfile(void)
{
	struct err e = { 0 };
	int fd = safe_mkfile(root_fd, "/dir/newfile", 0644, &e);
	CHECK(fd >= 0);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(fd >= 0 && ino_fd(fd) == ino_of("dir/newfile"));
	if (fd >= 0)
		close(fd);
	fd = safe_mkfile(root_fd, "abs_out/deep/f", 0644, &e);
	CHECK(fd >= 0);
	char host_f[200];
	snprintf(host_f, sizeof host_f, "%s/deep", outside);
	CHECK(access(host_f, F_OK) < 0);
	if (fd >= 0)
		close(fd);
	fd = safe_mkfile(root_fd, "file_link", 0644, &e); /* existing, through a link */
	CHECK(fd >= 0 && ino_fd(fd) == ino_of("etc/passwd"));
	if (fd >= 0)
		close(fd);
}

/* O_CREAT through a dangling link creates its target inside the rootfs. */
static void test_creat_through_link(void)
{
	open_fn fns[] = { safe_openat, safe_openat_walk };
	for (int i = 0; i < 2; i++) {
		struct err e = { 0 };
		int fd = fns[i](root_fd, "dangle_file", O_CREAT | O_WRONLY, 0600, &e);
		CHECK(fd >= 0);
		CHECK(fd >= 0 && ino_fd(fd) == ino_of("made_by_creat"));
		CHECK(access("/made_by_creat", F_OK) < 0);
		if (fd >= 0)
			close(fd);
		unlinkat(root_fd, "made_by_creat", 0);
	}
}

/* safe_mkdir_p and safe_mkfile where openat2 is missing (a seccomp profile answering
 * ENOSYS): the walker opens what exists and creates what is missing, inside the rootfs. */
static void without_openat2(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	CHECK(ctx && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) == 0 &&
	      seccomp_load(ctx) == 0);
	seccomp_release(ctx);
	CHECK(syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0) < 0 && errno == ENOSYS);
	ln("/walkdir/sub", "dangling_w");
	struct err e = { 0 };
	int fd = safe_mkdir_p(root_fd, "dangling_w/a", 0755, &e);
	CHECK(fd >= 0 && ino_fd(fd) == ino_of("walkdir/sub/a"));
	CHECK(access("/walkdir", F_OK) < 0);
	if (fd >= 0)
		close(fd);
	fd = safe_mkdir_p(root_fd, "rel/dir/sub", 0755, &e); /* exists already */
	CHECK(fd >= 0 && ino_fd(fd) == ino_of("dir/sub"));
	if (fd >= 0)
		close(fd);
	fd = safe_mkdir_p(root_fd, "etc/passwd/x", 0755, &e);
	CHECK(fd < 0 && e.code == ENOTDIR);
	fd = safe_mkfile(root_fd, "abs_out/walkdeep/f", 0644, &e);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	char host_f[200];
	snprintf(host_f, sizeof host_f, "%s/walkdeep", outside);
	CHECK(access(host_f, F_OK) < 0);
	if (fd >= 0)
		close(fd);
	fd = safe_mkfile(root_fd, "file_link", 0644, &e); /* existing, through a link */
	CHECK(fd >= 0 && ino_fd(fd) == ino_of("etc/passwd"));
	if (fd >= 0)
		close(fd);
}

static void test_mkdir_p_without_openat2(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		without_openat2();
		_exit(unit_failed_checks ? 1 : 0);
	}
	int status = -1;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	setup();
	RUN_TEST(test_openat2);
	RUN_TEST(test_walker);
	RUN_TEST(test_mkdir_p);
	RUN_TEST(test_mkfile);
	RUN_TEST(test_creat_through_link);
	RUN_TEST(test_mkdir_p_without_openat2);
	close(root_fd);
	tmpdir_remove(top);
	UNIT_DONE();
}
