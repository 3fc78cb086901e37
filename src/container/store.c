#include "container/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* runc's wording, without a strerror suffix; the code stays ENOENT for callers. */
static int not_exist(struct err *e)
{
	return err_plain(e, ENOENT, "container does not exist");
}

int store_path(char *buf, size_t len, const char *root, const char *id, const char *name,
	       struct err *e)
{
	int n = name ? snprintf(buf, len, "%s/%s/%s", root, id, name)
		     : snprintf(buf, len, "%s/%s", root, id);
	if (n < 0 || (size_t)n >= len)
		return err_set(e, ENAMETOOLONG, "state path for %s", id);
	return 0;
}

int store_create(const char *root, const char *id, struct err *e)
{
	char dir[4096];
	if (mkdir(root, 0711) < 0 && errno != EEXIST && mkdir_p(root, 0711, e) < 0)
		return err_wrap(e, "create state root");
	if (store_path(dir, sizeof dir, root, id, NULL, e) < 0)
		return -1;
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST) {
			return err_plain(e, EEXIST, "container with given ID already exists: %s", id);
		}
		return err_sys(e, "create state directory %s", dir);
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, "open %s", dir);
		rmdir(dir);
	}
	return fd;
}

int store_lock(const char *root, const char *id, struct err *e)
{
	char dir[4096];
	if (store_path(dir, sizeof dir, root, id, NULL, e) < 0)
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return not_exist(e);
		return err_sys(e, "open %s", dir);
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			err_sys(e, "lock %s", dir);
			close(fd);
			return -1;
		}
	}
	return fd;
}

int store_save(const char *root, const struct container_state *st, struct err *e)
{
	char path[4096];
	_cleanup_free_ char *json = NULL;
	if (store_path(path, sizeof path, root, st->id, STATE_FILE, e) < 0 ||
	    state_to_json(st, &json, e) < 0)
		return -1;
	return write_file_atomic(path, json, strlen(json), 0600, e);
}

unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return 0;
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

bool state_init_alive(const struct container_state *st)
{
	return st->pid > 0 && st->start_time != 0 && proc_start_time(st->pid) == st->start_time;
}

static enum container_status derive_status(const char *root, struct container_state *st)
{
	if (!state_init_alive(st))
		return STATUS_STOPPED;
	struct err e;
	/* The freezer first: a created container can be paused too, and runc then says
	 * "paused" (its exec fifo still exists). */
	if (st->cgroup_path && *st->cgroup_path) {
		struct cgroup *cg = NULL;
		if (cgroup_open(st->cgroup_path, &cg, &e) == 0) {
			int frozen = cgroup_is_frozen(cg, &e);
			cgroup_free(cg);
			if (frozen == 1)
				return STATUS_PAUSED;
		}
	}
	char fifo[4096];
	if (store_path(fifo, sizeof fifo, root, st->id, FIFO_FILE, &e) == 0 &&
	    access(fifo, F_OK) == 0)
		return STATUS_CREATED;
	return STATUS_RUNNING;
}

int store_load(const char *root, const char *id, struct container_state *st, struct err *e)
{
	char path[4096];
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (store_path(path, sizeof path, root, id, STATE_FILE, e) < 0)
		return -1;
	if (read_file_at(AT_FDCWD, path, &text, &len, e) < 0) {
		if (e->code == ENOENT) {
			/* A state dir without state.json is a create still in progress. */
			return not_exist(e);
		}
		return -1;
	}
	if (state_from_json(text, len, st, e) < 0)
		return -1;
	st->status = derive_status(root, st);
	return 0;
}

/* A directory of the state dir (the notify socket's): its entries, then itself. */
static void remove_subdir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

int store_remove(const char *root, const char *id)
{
	char dir[4096];
	struct err e;
	if (store_path(dir, sizeof dir, root, id, NULL, &e) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	_cleanup_closedir_ DIR *d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 0));
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			    unlinkat(dfd, de->d_name, 0) < 0 && errno == EISDIR)
				remove_subdir(dfd, de->d_name);
	}
	return rmdir(dir);
}

int store_copy_config(const char *root, const char *id, const char *bundle, struct err *e)
{
	char src[PATH_MAX + 16], dst[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	snprintf(src, sizeof src, "%s/config.json", bundle);
	if (store_path(dst, sizeof dst, root, id, CONFIG_COPY, e) < 0 ||
	    read_file_at(AT_FDCWD, src, &text, &len, e) < 0)
		return -1;
	return write_file_atomic(dst, text, len, 0600, e);
}
