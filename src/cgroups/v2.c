/* cgroup v2: one hierarchy. What only v2 needs for the lifecycle: delegating controllers down
 * the path, cgroup.freeze with its asynchronous completion, and cgroup.kill. */
#include "cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Enable in one cgroup's subtree_control the wanted controllers (NULL: all available) that are
 * not on yet. */
static int enable_at(int fd, const char *want, struct err *e)
{
	_cleanup_free_ char *avail = NULL, *active = NULL;
	if (cg_read(fd, "cgroup.controllers", &avail, e) < 0 ||
	    cg_read(fd, "cgroup.subtree_control", &active, e) < 0)
		return -1;
	const char *from = want ? want : avail;
	char buf[512] = "";
	size_t o = 0;
	for (const char *p = from; *p;) {
		size_t n = strcspn(p, ", \n");
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)n, p);
		p += n;
		p += strspn(p, ", \n");
		if (!name[0] || cg_list_has(active, name))
			continue;
		if (!cg_list_has(avail, name))
			return err_set(e, ENOTSUP, "controller %s is not available", name);
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s+%s", o ? " " : "", name);
		if (o >= sizeof buf)
			return err_set(e, E2BIG, "too many controllers");
	}
	if (!o || cg_write(fd, "cgroup.subtree_control", buf, NULL, e) == 0)
		return 0;
	if (want)
		return -1;
	/* As runc: what cannot be enabled here (a threaded subtree, or processes in this
	 * cgroup) is left off; a resource that needs it then fails naming its file. */
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		struct err ignored;
		cg_write(fd, "cgroup.subtree_control", t, NULL, &ignored);
	}
	return 0;
}

int cg_v2_enable(const struct cg_hier *h, const char *path, const char *controllers,
		 struct err *e)
{
	_cleanup_close_ int fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", h->mount);
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return err_set(e, ENOMEM, "cgroup");
	char *save = NULL;
	char *c = strtok_r(copy, "/", &save);
	while (c) {
		char *next = strtok_r(NULL, "/", &save);
		if (enable_at(fd, controllers, e) < 0)
			return err_wrap(e, "enable controllers for %s", path);
		int sub = openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			return err_sys(e, "open %s", c);
		close(fd);
		fd = sub;
		c = next;
	}
	return 0;
}

/* The "frozen" key of cgroup.events: 1, 0, or -1 on error. */
static int events_frozen(int fd, struct err *e)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		return err_sys(e, "read cgroup.events");
	buf[n] = '\0';
	const char *p = strstr(buf, "frozen ");
	if (!p)
		return err_set(e, ENOTSUP, "cgroup.events has no frozen key");
	return p[7] == '1';
}

int cg_v2_freeze(int dirfd, bool frozen, struct err *e)
{
	if (!cg_file_exists(dirfd, "cgroup.freeze"))
		return err_set(e, ENOTSUP, "the kernel has no cgroup.freeze (Linux 5.2+)");
	if (cg_write(dirfd, "cgroup.freeze", frozen ? "1" : "0", NULL, e) < 0)
		return -1;
	/* The write only starts the transition; cgroup.events says when it is done and
	 * notifies pollers (POLLPRI) when it changes. */
	_cleanup_close_ int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open cgroup.events");
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int r = events_frozen(fd, e);
		if (r < 0)
			return -1;
		if (r == frozen)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 10)
			break;
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		poll(&p, 1, 50);
	}
	if (frozen) {
		struct err ignored;
		cg_write(dirfd, "cgroup.freeze", "0", NULL, &ignored);
	}
	return err_set(e, ETIMEDOUT, "cgroup did not become %s", frozen ? "frozen" : "thawed");
}

int cg_v2_is_frozen(int dirfd, struct err *e)
{
	_cleanup_free_ char *want = NULL;
	if (!cg_file_exists(dirfd, "cgroup.freeze"))
		return 0;
	if (cg_read(dirfd, "cgroup.freeze", &want, e) < 0)
		return -1;
	if (strcmp(want, "1"))
		return 0;
	/* Asked to freeze but still freezing counts as running, as runc reports it. */
	_cleanup_close_ int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open cgroup.events");
	return events_frozen(fd, e);
}

int cg_v2_kill(int dirfd, struct err *e)
{
	_cleanup_close_ int fd = openat(dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open cgroup.kill");
	if (write(fd, "1", 1) != 1)
		return err_sys(e, "write cgroup.kill");
	return 1;
}
