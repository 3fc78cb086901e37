/* cgroup v1: one hierarchy per controller group. What only v1 needs for the lifecycle: seeding
 * cpuset directories and the freezer's state machine. */
#include "cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

/* A new v1 cpuset starts with empty cpus and mems, and a task cannot join it until they are
 * set: copy the parent's where a level is still empty. */
static int seed_one(int parent, int child, const char *file, struct err *e)
{
	_cleanup_free_ char *cur = NULL, *up = NULL;
	if (cg_read(child, file, &cur, e) < 0)
		return -1;
	if (cur[0])
		return 0;
	if (cg_read(parent, file, &up, e) < 0)
		return -1;
	return cg_write(child, file, up, NULL, e);
}

int cg_v1_cpuset_seed(const struct cg_hier *h, const char *path, struct err *e)
{
	_cleanup_close_ int parent = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return err_sys(e, "open %s", h->mount);
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return err_set(e, ENOMEM, "cpuset");
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int fd = openat(parent, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, "open %s/%s", h->mount, c);
		int r = seed_one(parent, fd, "cpuset.cpus", e);
		if (r == 0)
			r = seed_one(parent, fd, "cpuset.mems", e);
		close(parent);
		parent = fd;
		if (r < 0)
			return err_wrap(e, "seed cpuset %s", path);
	}
	return 0;
}

int cg_v1_is_frozen(int dirfd, struct err *e)
{
	_cleanup_free_ char *st = NULL;
	if (cg_read(dirfd, "freezer.state", &st, e) < 0)
		return -1;
	return strcmp(st, "FROZEN") == 0;
}

int cg_v1_freeze(int dirfd, bool frozen, struct err *e)
{
	if (!frozen)
		return cg_write(dirfd, "freezer.state", "THAWED", NULL, e);
	/* v1 can stay FREEZING while tasks keep forking or joining: writing FROZEN again, and
	 * now and then thawing for a moment, is what makes it settle (runc learnt the same;
	 * v2 does not have the problem). Give up after about two seconds, thawed. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	useconds_t pause = 100;
	for (unsigned i = 1;; i++) {
		if (cg_write(dirfd, "freezer.state", "FROZEN", NULL, e) < 0)
			return -1;
		_cleanup_free_ char *st = NULL;
		if (cg_read(dirfd, "freezer.state", &st, e) < 0)
			return -1;
		if (!strcmp(st, "FROZEN"))
			return 0;
		if (strcmp(st, "FREEZING"))
			return err_set(e, EIO, "unexpected freezer state %s", st);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 2)
			break;
		if (i % 20 == 0) {
			struct err ignored;
			cg_write(dirfd, "freezer.state", "THAWED", NULL, &ignored);
		}
		usleep(pause);
		if (pause < 10000)
			pause *= 2;
	}
	struct err ignored;
	cg_write(dirfd, "freezer.state", "THAWED", NULL, &ignored);
	return err_set(e, EBUSY, "the cgroup stayed FREEZING");
}
