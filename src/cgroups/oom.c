/* OOM notifications of a container's memory cgroup, for `events`. v1: an eventfd registered
 * for memory.oom_control through cgroup.event_control; the kernel signals it on every OOM of
 * the cgroup, and once more when the cgroup is removed. v2: memory.events, whose changes wake
 * pollers (POLLPRI); its oom_kill counter says whether an OOM kill was among them. */
#include "cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/cleanup.h"

struct cgroup_oom_watch {
	bool v2;
	int dirfd;       /* the container's memory cgroup */
	int fd;          /* v1: the eventfd; v2: memory.events */
	int control_fd;  /* v1: memory.oom_control, kept open while registered */
	uint64_t kills;  /* v2: oom_kill as last read */
};

/* The oom_kill counter of memory.events (v2) or memory.oom_control (v1), read through the
 * watched fd: reading it is also what re-arms POLLPRI. */
static int read_oom_kill(int fd, uint64_t *out, struct err *e)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		return err_sys(e, "read the oom_kill counter");
	buf[n] = '\0';
	const char *p = strstr(buf, "oom_kill ");
	*out = p ? strtoull(p + 9, NULL, 10) : 0;
	return 0;
}

static int open_v1(struct cgroup_oom_watch *w, struct err *e)
{
	w->control_fd = openat(w->dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
	if (w->control_fd < 0)
		return err_sys(e, "open memory.oom_control");
	w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->fd < 0)
		return err_sys(e, "eventfd");
	return cg_writef(w->dirfd, "cgroup.event_control", NULL, e, "%d %d", w->fd, w->control_fd);
}

static int open_v2(struct cgroup_oom_watch *w, struct err *e)
{
	w->fd = openat(w->dirfd, "memory.events", O_RDONLY | O_CLOEXEC);
	if (w->fd < 0) {
		if (errno == ENOENT)
			return err_set(e, ENOTSUP, "the memory controller is not enabled in this cgroup");
		return err_sys(e, "open memory.events");
	}
	return read_oom_kill(w->fd, &w->kills, e);
}

int cgroup_oom_watch_open(struct cgroup *cg, struct cgroup_oom_watch **out, struct err *e)
{
	struct cg_hier *h = cg_find2(cg, "memory", "memory");
	if (!h)
		return err_set(e, ENOTSUP, "OOM notifications: no memory cgroup controller");
	struct cgroup_oom_watch *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(e, ENOMEM, "OOM notifications");
	*w = (struct cgroup_oom_watch){ .v2 = h->v2, .dirfd = -1, .fd = -1, .control_fd = -1 };
	w->dirfd = cg_open_dir(cg, h, e);
	if (w->dirfd < 0 || (h->v2 ? open_v2(w, e) : open_v1(w, e)) < 0) {
		cgroup_oom_watch_free(w);
		return err_wrap(e, "OOM notifications of cgroup %s", h->path);
	}
	*out = w;
	return 0;
}

void cgroup_oom_watch_pollfd(const struct cgroup_oom_watch *w, struct pollfd *p)
{
	p->fd = w->fd;
	p->events = w->v2 ? POLLPRI : POLLIN;
	p->revents = 0;
}

int cgroup_oom_watch_check(struct cgroup_oom_watch *w, uint64_t *n, struct err *e)
{
	*n = 0;
	if (w->v2) {
		uint64_t kills;
		if (read_oom_kill(w->fd, &kills, e) < 0)
			return -1;
		*n = kills > w->kills ? kills - w->kills : 0;
		w->kills = kills;
		return 0;
	}
	uint64_t count;
	if (read(w->fd, &count, sizeof count) != (ssize_t)sizeof count)
		return errno == EAGAIN ? 0 : err_sys(e, "read OOM eventfd");
	/* The last signal of a v1 eventfd comes from the cgroup's removal, not from an OOM. */
	if (!cg_file_exists(w->dirfd, "cgroup.event_control"))
		return 1;
	*n = count;
	return 0;
}

void cgroup_oom_watch_free(struct cgroup_oom_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->control_fd >= 0)
		close(w->control_fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w);
}

int cgroup_oom_kills(struct cgroup *cg, uint64_t *n, struct err *e)
{
	*n = 0;
	struct cg_hier *h = cg_find2(cg, "memory", "memory");
	if (!h)
		return 0;
	_cleanup_close_ int dir = cg_open_dir(cg, h, e);
	if (dir < 0)
		return -1;
	const char *file = h->v2 ? "memory.events" : "memory.oom_control";
	_cleanup_close_ int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", file);
	return read_oom_kill(fd, n, e);
}
