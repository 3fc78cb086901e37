/* events: statistics on demand or on a timer, and OOM notifications, until the init exits.
 * One poll() waits for all three: the timer, the cgroup's OOM notifier and a pidfd of the
 * init (readable once it has exited). */
#include "container/events.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/store.h"
#include "util/cleanup.h"
#include "util/log.h"

static int load_live(const struct runtime_opts *rt, const char *id, struct container_state *st,
		     struct err *e)
{
	if (container_load(rt, id, st, e) < 0)
		return -1;
	if (st->status != STATUS_STOPPED)
		return 0;
	state_clear(st);
	return err_plain(e, ESRCH, "container with id %s is not running", id);
}

int container_stats(const struct runtime_opts *rt, const char *id, struct cgroup_stats *s,
		    struct err *e)
{
	struct container_state st;
	if (load_live(rt, id, &st, e) < 0)
		return -1;
	struct cgroup *cg = NULL;
	int r = cgroup_open(st.cgroup_path, &cg, e);
	if (r == 0)
		r = cgroup_stats(cg, s, e);
	cgroup_free(cg);
	state_clear(&st);
	return r;
}

struct watch {
	int pidfd;
	struct cgroup *cg;
	struct cgroup_oom_watch *oom;   /* NULL: no OOM notifications here */
	container_event_fn fn;
	void *ctx;
};

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void drop_oom(struct watch *w)
{
	cgroup_oom_watch_free(w->oom);
	w->oom = NULL;
}

static int emit_oom(struct watch *w, struct err *e)
{
	uint64_t n;
	struct err tmp;
	int r = cgroup_oom_watch_check(w->oom, &n, &tmp);
	if (r != 0) {
		if (r < 0)
			log_warn("OOM notifications stop: %s", tmp.msg);
		drop_oom(w);   /* an error, or the cgroup is gone */
		return 0;
	}
	return n ? w->fn(CONTAINER_EVENT_OOM, NULL, w->ctx, e) : 0;
}

static int emit_stats(struct watch *w, struct err *e)
{
	struct cgroup_stats s;
	struct err tmp;
	if (cgroup_stats(w->cg, &s, &tmp) < 0) {
		log_error("%s", tmp.msg);
		return 0;
	}
	int r = w->fn(CONTAINER_EVENT_STATS, &s, w->ctx, e);
	cgroup_stats_clear(&s);
	return r;
}

static int event_loop(struct watch *w, uint64_t interval_ms, struct err *e)
{
	uint64_t next = now_ms() + interval_ms;
	for (;;) {
		struct pollfd p[2] = { { .fd = w->pidfd, .events = POLLIN } };
		nfds_t n = 1;
		if (w->oom)
			cgroup_oom_watch_pollfd(w->oom, &p[n++]);
		uint64_t now = now_ms();
		uint64_t wait = next > now ? next - now : 0;
		if (poll(p, n, wait > INT_MAX ? INT_MAX : (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, "poll");
		}
		if (n == 2 && p[1].revents && emit_oom(w, e) < 0)
			return -1;
		if (p[0].revents) {
			/* The init is gone; an OOM kill that took it has been counted by now. */
			return w->oom ? emit_oom(w, e) : 0;
		}
		now = now_ms();
		if (now < next)
			continue;
		if (emit_stats(w, e) < 0)
			return -1;
		/* after a stall, no burst of late events: the next one is an interval away */
		next = next + interval_ms > now ? next + interval_ms : now + interval_ms;
	}
}

static int watch_open(const struct container_state *st, struct watch *w, struct err *e)
{
	/* The pidfd pins the process; the start time proves it is still the container's init. */
	w->pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (w->pidfd < 0 || proc_start_time(st->pid) != st->start_time)
		return err_plain(e, ESRCH, "container with id %s is not running", st->id);
	if (cgroup_open(st->cgroup_path, &w->cg, e) < 0)
		return -1;
	struct err tmp;
	if (cgroup_oom_watch_open(w->cg, &w->oom, &tmp) < 0)
		log_warn("events %s: no OOM events: %s", st->id, tmp.msg);
	return 0;
}

int container_events(const struct runtime_opts *rt, const char *id, int64_t interval_ns,
		     container_event_fn fn, void *ctx, struct err *e)
{
	struct container_state st;
	if (container_load(rt, id, &st, e) < 0)
		return -1;
	struct watch w = { .pidfd = -1, .fn = fn, .ctx = ctx };
	int r;
	/* runc's order of checks */
	if (interval_ns <= 0)
		r = err_plain(e, EINVAL, "duration interval must be greater than 0");
	else if (st.status == STATUS_STOPPED)
		r = err_plain(e, ESRCH, "container with id %s is not running", id);
	else
		r = watch_open(&st, &w, e);
	if (r == 0) {
		uint64_t ms = ((uint64_t)interval_ns + 999999) / 1000000;
		r = event_loop(&w, ms, e);
	}
	cgroup_oom_watch_free(w.oom);
	cgroup_free(w.cg);
	if (w.pidfd >= 0)
		close(w.pidfd);
	state_clear(&st);
	return r;
}
