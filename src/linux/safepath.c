/* Path resolution inside a container rootfs. The rootfs is untrusted: any component may be a
 * symlink planted to point at the host ("/etc" -> "/", "a" -> "../../.."). Every lookup is
 * done as if the rootfs were "/": absolute symlinks restart at the rootfs, ".." stops there.
 * openat2(RESOLVE_IN_ROOT) does this in the kernel (Linux 5.6); where it is missing or a
 * seccomp profile blocks it, a walker does the same one component at a time with O_NOFOLLOW
 * and reads every symlink itself. */
#include "linux/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Linux's own limit (MAXSYMLINKS) for the symlinks of one lookup. */
#define WALK_MAX_LINKS 40

enum walk_create { CREATE_NONE, CREATE_DIRS, CREATE_FILE };

struct walk {
	int root_fd;
	int cur;                 /* O_PATH fd of the directory reached so far */
	char *done;              /* path of cur below the root, "" at the root, no symlinks;
				  * PATH_MAX bytes on the heap (the init's stack is charged to
				  * the container's memory limit) */
	size_t done_len;
	char *todo;              /* what is left to resolve (owned) */
	size_t pos;              /* read offset in todo */
	int links;
};

static bool openat2_missing;

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)flags,
		/* openat2 rejects a mode without O_CREAT/O_TMPFILE, unlike openat. */
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
		.resolve = resolve,
	};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static void walk_free(struct walk *w)
{
	if (w->cur >= 0)
		close(w->cur);
	free(w->todo);
	free(w->done);
}

/* Next component of todo into name; false at the end of the path. */
static bool next_component(struct walk *w, char name[NAME_MAX + 1], bool *last, struct err *e,
			   int *failed)
{
	const char *s = w->todo + w->pos;
	while (*s == '/')
		s++;
	if (*s == '\0') {
		w->pos = (size_t)(s - w->todo);
		return false;
	}
	size_t n = strcspn(s, "/");
	if (n > NAME_MAX) {
		*failed = err_set(e, ENAMETOOLONG, "path component too long");
		return false;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	s += n;
	w->pos = (size_t)(s - w->todo);
	while (*s == '/')
		s++;
	*last = *s == '\0';
	return true;
}

/* Re-open the directory `done` from the root, one real directory at a time. Used for "..":
 * opening ".." of a directory that was renamed out of the rootfs would leave it. */
static int reopen_done(struct walk *w, struct err *e)
{
	int fd = openat(w->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open rootfs");
	_cleanup_free_ char *buf = strndup(w->done, w->done_len);
	if (!buf) {
		close(fd);
		return err_set(e, ENOMEM, "reopen /%s", w->done);
	}
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return err_sys(e, "reopen /%s", w->done);
		fd = next;
	}
	close(w->cur);
	w->cur = fd;
	return 0;
}

static int go_up(struct walk *w, struct err *e)
{
	if (w->done_len == 0)
		return 0;       /* ".." of the root is the root */
	char *slash = strrchr(w->done, '/');
	w->done_len = slash ? (size_t)(slash - w->done) : 0;
	w->done[w->done_len] = '\0';
	return reopen_done(w, e);
}

static int go_down(struct walk *w, const char *name, int fd, struct err *e)
{
	size_t n = strlen(name);
	if (w->done_len + n + 2 > PATH_MAX) {
		close(fd);
		return err_set(e, ENAMETOOLONG, "path too long");
	}
	if (w->done_len)
		w->done[w->done_len++] = '/';
	memcpy(w->done + w->done_len, name, n + 1);
	w->done_len += n;
	close(w->cur);
	w->cur = fd;
	return 0;
}

/* Replace the symlink just read by its target: todo = target + "/" + rest. */
static int follow_link(struct walk *w, int link_fd, struct err *e)
{
	if (++w->links > WALK_MAX_LINKS)
		return err_set(e, ELOOP, "too many levels of symbolic links");
	_cleanup_free_ char *target = malloc(PATH_MAX);
	if (!target)
		return err_set(e, ENOMEM, "resolve symlink");
	ssize_t n = readlinkat(link_fd, "", target, PATH_MAX);
	if (n < 0)
		return err_sys(e, "readlink");
	if ((size_t)n >= PATH_MAX)
		return err_set(e, ENAMETOOLONG, "symlink target too long");
	target[n] = '\0';
	const char *rest = w->todo + w->pos;
	size_t len = (size_t)n + strlen(rest) + 2;
	char *todo = malloc(len);
	if (!todo)
		return err_set(e, ENOMEM, "resolve symlink");
	snprintf(todo, len, "%s/%s", target, rest);
	free(w->todo);
	w->todo = todo;
	w->pos = 0;
	if (target[0] == '/') {
		w->done_len = 0;
		w->done[0] = '\0';
		return reopen_done(w, e);
	}
	return 0;
}

/* Make the missing component `name` below cur as the walk asks. */
static int create_missing(struct walk *w, const char *name, bool last, int flags, mode_t mode,
			  enum walk_create create, mode_t dir_mode, struct err *e)
{
	if (create == CREATE_NONE || (last && create == CREATE_FILE && (flags & O_DIRECTORY)))
		return err_set(e, ENOENT, "%s", name);
	if (!last || create == CREATE_DIRS) {
		if (mkdirat(w->cur, name, last ? mode : dir_mode) < 0 && errno != EEXIST)
			return err_sys(e, "mkdir %s", name);
		return 0;
	}
	int fd = openat(w->cur, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, mode);
	if (fd < 0 && errno != EEXIST)
		return err_sys(e, "create %s", name);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* The last component, not a symlink to follow: open it with the caller's flags. */
static int open_last(struct walk *w, const char *name, int fd, const struct stat *st, int flags,
		     mode_t mode, struct err *e)
{
	if ((flags & O_DIRECTORY) && !S_ISDIR(st->st_mode)) {
		close(fd);
		return err_set(e, ENOTDIR, "%s", name);
	}
	if ((flags & ~(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == 0 && (flags & O_PATH))
		return fd;
	close(fd);
	int r = openat(w->cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (r < 0)
		return err_sys(e, "open %s", name);
	return r;
}

static int open_dot(struct walk *w, int flags, struct err *e)
{
	int fd = openat(w->cur, ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open /%s", w->done);
	return fd;
}

struct walk_req {
	int flags;
	mode_t mode;
	enum walk_create create;
	mode_t dir_mode;
};

/* One component below cur. Returns 0 to go on, 1 when *out is the result, -1 on error. */
static int walk_step(struct walk *w, const char *name, bool last, const struct walk_req *q,
		     int *out, struct err *e)
{
	int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && last && (q->flags & O_CREAT) && q->create == CREATE_NONE) {
		*out = openat(w->cur, name, q->flags | O_NOFOLLOW | O_CLOEXEC, q->mode);
		return *out < 0 ? err_sys(e, "create %s", name) : 1;
	}
	if (fd < 0 && errno == ENOENT) {
		if (create_missing(w, name, last, q->flags, q->mode, q->create, q->dir_mode, e) < 0)
			return -1;
		fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return err_sys(e, "open %s", name);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_sys(e, "stat %s", name);
	}
	if (S_ISLNK(st.st_mode) && (!last || !(q->flags & O_NOFOLLOW))) {
		int r = follow_link(w, fd, e);
		close(fd);
		return r;
	}
	if (last) {
		*out = open_last(w, name, fd, &st, q->flags, q->mode, e);
		return *out < 0 ? -1 : 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, ENOTDIR, "%s", name);
	}
	return go_down(w, name, fd, e);
}

static int walk_loop(struct walk *w, const struct walk_req *q, struct err *e)
{
	for (;;) {
		char name[NAME_MAX + 1];
		bool last = false;
		int failed = 0, out = -1;
		if (!next_component(w, name, &last, e, &failed))
			return failed ? -1 : open_dot(w, q->flags, e);
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			if (name[1] == '.' && go_up(w, e) < 0)
				return -1;
			if (last)
				return open_dot(w, q->flags, e);
			continue;
		}
		int r = walk_step(w, name, last, q, &out, e);
		if (r < 0)
			return -1;
		if (r > 0)
			return out;
	}
}

static int walk(int root_fd, const char *path, int flags, mode_t mode, enum walk_create create,
		mode_t dir_mode, struct err *e)
{
	struct walk w = { .root_fd = root_fd, .cur = -1, .done = malloc(PATH_MAX),
			  .todo = strdup(path) };
	struct walk_req q = { flags, mode, create, dir_mode };
	int r = -1;
	if (!w.done || !w.todo) {
		r = err_set(e, ENOMEM, "out of memory");
	} else if ((w.cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = err_sys(e, "open rootfs");
	} else {
		w.done[0] = '\0';
		r = walk_loop(&w, &q, e);
	}
	walk_free(&w);
	if (r < 0)
		err_wrap(e, "resolve %s", path);
	return r;
}

int safe_openat_walk(int root_fd, const char *path, int flags, mode_t mode, struct err *e)
{
	return walk(root_fd, path, flags, mode, CREATE_NONE, 0, e);
}

#define USE_WALK (-2)

/* openat2 RESOLVE_IN_ROOT: an fd, -1 with errno, or USE_WALK when the walker must do it.
 * No error text here: safe_mkdir_p's usual ENOENT then costs no formatting. */
static int open_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
	if (openat2_missing)
		return USE_WALK;
	for (int tries = 0; tries < 32; tries++) {
		int fd = sys_openat2(root_fd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (fd >= 0)
			return fd;
		/* EAGAIN: a rename raced with "..", the kernel asks for a retry. */
		if (errno == EAGAIN)
			continue;
		/* ENOSYS: before Linux 5.6; EPERM: a seccomp profile of an outer container
		 * that does not know the syscall. */
		if (errno == ENOSYS || errno == EPERM) {
			openat2_missing = true;
			return USE_WALK;
		}
		return -1;
	}
	return USE_WALK;
}

int safe_openat(int root_fd, const char *path, int flags, mode_t mode, struct err *e)
{
	const char *p = *path ? path : ".";
	flags |= O_CLOEXEC;
	int fd = open_in_root(root_fd, p, flags, mode);
	if (fd == USE_WALK)
		return walk(root_fd, p, flags, mode, CREATE_NONE, 0, e);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	return fd;
}

/* Open path O_PATH with flags, or make what is missing of it as create says. */
static int open_or_create(int root_fd, const char *path, int flags, mode_t mode,
			  enum walk_create create, mode_t dir_mode, struct err *e)
{
	const char *p = *path ? path : ".";
	int fd = open_in_root(root_fd, p, flags | O_CLOEXEC, 0);
	if (fd == USE_WALK) {
		fd = walk(root_fd, p, flags | O_CLOEXEC, 0, CREATE_NONE, 0, e);
		if (fd >= 0 || e->code != ENOENT)
			return fd;
	} else if (fd >= 0) {
		return fd;
	} else if (errno != ENOENT) {
		return err_sys(e, "open %s", path);
	}
	return walk(root_fd, p, flags, mode, create, dir_mode, e);
}

int safe_mkdir_p(int root_fd, const char *path, mode_t mode, struct err *e)
{
	return open_or_create(root_fd, path, O_PATH | O_DIRECTORY, mode, CREATE_DIRS, mode, e);
}

int safe_mkfile(int root_fd, const char *path, mode_t mode, struct err *e)
{
	/* Parents get 0755 like runc's MkdirAll of a bind target's directory. */
	return open_or_create(root_fd, path, O_PATH, mode, CREATE_FILE, 0755, e);
}
