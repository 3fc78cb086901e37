/* cgroup v1: one hierarchy per controller group. What only v1 needs: seeding cpuset
 * directories, the freezer's state machine, and the v1 files of memory, cpu and blkio. */
#include "cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

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

/* ---------------------------------------------------------------- resources */

static int set_memsw(int fd, int64_t v, struct err *e)
{
	if (v == 0)
		return 0;
	return cg_writef(fd, "memory.memsw.limit_in_bytes", "linux.resources.memory.swap", e,
			 "%lld", (long long)v);
}

static int set_limit(int fd, int64_t v, struct err *e)
{
	if (v == 0)
		return 0;
	return cg_writef(fd, "memory.limit_in_bytes", "linux.resources.memory.limit", e, "%lld",
			 (long long)v);
}

/* As runc, 0 means unset for limit, swap and reservation. */
static int v1_memory_limits(int fd, const struct oci_memory *m, struct err *e)
{
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	/* Unlimited memory with no word on swap means unlimited memory+swap, or the old
	 * memsw value would keep capping it. */
	if (limit == -1 && swap == 0 && cg_file_exists(fd, "memory.memsw.limit_in_bytes"))
		swap = -1;
	/* The kernel insists on memory <= memory+swap at every step, so the order of the
	 * two writes depends on whether the limits grow or shrink. */
	bool swap_first = false;
	if (limit != 0 && swap != 0) {
		long long cur;
		if (read_int_at(fd, "memory.limit_in_bytes", &cur, e) < 0)
			return err_wrap(e, "linux.resources.memory");
		swap_first = swap == -1 || (unsigned long long)cur < (unsigned long long)swap;
	}
	if (swap_first)
		return set_memsw(fd, swap, e) < 0 ? -1 : set_limit(fd, limit, e);
	return set_limit(fd, limit, e) < 0 ? -1 : set_memsw(fd, swap, e);
}

int cg_v1_memory(int fd, const struct oci_memory *m, struct err *e)
{
	if (v1_memory_limits(fd, m, e) < 0)
		return -1;
	if (m->has_reservation && m->reservation != 0 &&
	    cg_writef(fd, "memory.soft_limit_in_bytes", "linux.resources.memory.reservation", e,
		      "%lld", (long long)m->reservation) < 0)
		return -1;
	if (m->has_kernel && m->kernel != 0)
		log_warn("linux.resources.memory.kernel is deprecated and ignored");
	if (m->has_kernel_tcp && m->kernel_tcp != 0 &&
	    cg_writef(fd, "memory.kmem.tcp.limit_in_bytes", "linux.resources.memory.kernelTCP", e,
		      "%lld", (long long)m->kernel_tcp) < 0)
		return -1;
	if (m->has_disable_oom_killer && m->disable_oom_killer &&
	    cg_write(fd, "memory.oom_control", "1", "linux.resources.memory.disableOOMKiller", e) < 0)
		return -1;
	/* (uint64)-1 is how a swappiness of -1 ("leave it") arrives. */
	if (m->has_swappiness && m->swappiness != UINT64_MAX) {
		if (m->swappiness > 100)
			return err_set(e, EINVAL, "linux.resources.memory.swappiness: %llu is not in 0-100",
				       (unsigned long long)m->swappiness);
		if (cg_writef(fd, "memory.swappiness", "linux.resources.memory.swappiness", e, "%llu",
			      (unsigned long long)m->swappiness) < 0)
			return -1;
	}
	if (m->has_use_hierarchy &&
	    cg_write(fd, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0",
		     "linux.resources.memory.useHierarchy", e) < 0)
		return -1;
	return 0;
}

static int v1_cpu_shares(int fd, uint64_t shares, struct err *e)
{
	const char *what = "linux.resources.cpu.shares";
	if (cg_writef(fd, "cpu.shares", what, e, "%llu", (unsigned long long)shares) < 0)
		return -1;
	/* The kernel clamps out-of-range shares silently; say so instead. */
	long long got;
	if (read_int_at(fd, "cpu.shares", &got, e) < 0)
		return err_wrap(e, "%s", what);
	if ((unsigned long long)got != shares)
		return err_set(e, EINVAL, "%s: %llu is out of range, the kernel allows %s %lld", what,
			       (unsigned long long)shares,
			       (unsigned long long)got > shares ? "at least" : "at most", got);
	return 0;
}

/* Write a value that may be refused (EINVAL) only because the quota written next is still the
 * old one; *deferred says it must be written again after the quota. */
static int write_or_defer(int fd, const char *file, const char *what, const char *value,
			  bool quota_follows, bool *deferred, struct err *e)
{
	*deferred = false;
	if (cg_write(fd, file, value, what, e) == 0)
		return 0;
	if (e->code == EINVAL && quota_follows) {
		*deferred = true;
		return 0;
	}
	return -1;
}

int cg_v1_cpu(int fd, const struct oci_cpu *c, struct err *e)
{
	/* The runtime may never exceed the period: period first. */
	if (c->has_realtime_period && c->realtime_period != 0 &&
	    cg_writef(fd, "cpu.rt_period_us", "linux.resources.cpu.realtimePeriod", e, "%llu",
		      (unsigned long long)c->realtime_period) < 0)
		return -1;
	if (c->has_realtime_runtime && c->realtime_runtime != 0 &&
	    cg_writef(fd, "cpu.rt_runtime_us", "linux.resources.cpu.realtimeRuntime", e, "%lld",
		      (long long)c->realtime_runtime) < 0)
		return -1;
	/* An idle group has the minimum weight and the kernel refuses shares for it (EINVAL):
	 * idle goes first, and shares only to a group that is not idle. */
	if (c->has_idle && cg_writef(fd, "cpu.idle", "linux.resources.cpu.idle", e, "%lld",
				     (long long)c->idle) < 0)
		return -1;
	if (c->has_shares && c->shares != 0 && !(c->has_idle && c->idle != 0) &&
	    v1_cpu_shares(fd, c->shares, e) < 0)
		return -1;
	bool quota = c->has_quota && c->quota != 0;
	bool period_later = false, burst_later = false;
	char period[32], burst[32], q[32];
	snprintf(period, sizeof period, "%llu", (unsigned long long)c->period);
	snprintf(burst, sizeof burst, "%llu", (unsigned long long)c->burst);
	snprintf(q, sizeof q, "%lld", (long long)c->quota);
	/* A shorter period or a larger burst can be refused against the old quota. */
	if (c->has_period && c->period != 0 &&
	    write_or_defer(fd, "cpu.cfs_period_us", "linux.resources.cpu.period", period, quota,
			   &period_later, e) < 0)
		return -1;
	if (c->has_burst && cg_file_exists(fd, "cpu.cfs_burst_us") &&
	    write_or_defer(fd, "cpu.cfs_burst_us", "linux.resources.cpu.burst", burst, quota,
			   &burst_later, e) < 0)
		return -1;
	if (quota) {
		if (cg_write(fd, "cpu.cfs_quota_us", q, "linux.resources.cpu.quota", e) < 0)
			return -1;
		if (period_later &&
		    cg_write(fd, "cpu.cfs_period_us", period, "linux.resources.cpu.period", e) < 0)
			return -1;
		if (burst_later &&
		    cg_write(fd, "cpu.cfs_burst_us", burst, "linux.resources.cpu.burst", e) < 0)
			return -1;
	}
	return 0;
}

static int v1_throttle(int fd, const char *file, const char *what,
		       const struct oci_throttle_device *t, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		char w[96];
		snprintf(w, sizeof w, "linux.resources.blockIO.%s[%zu]", what, i);
		if (cg_writef(fd, file, w, e, "%lld:%lld %llu", (long long)t[i].major,
			      (long long)t[i].minor, (unsigned long long)t[i].rate) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_blkio(int fd, const struct oci_blkio *b, struct err *e)
{
	/* With the BFQ scheduler (CFQ is gone since Linux 5.0) the weights have bfq names. */
	bool bfq = cg_file_exists(fd, "blkio.bfq.weight");
	const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *weight_dev = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
	if (b->has_weight && b->weight != 0 &&
	    cg_writef(fd, weight, "linux.resources.blockIO.weight", e, "%u", b->weight) < 0)
		return -1;
	if (b->has_leaf_weight && b->leaf_weight != 0 &&
	    cg_writef(fd, "blkio.leaf_weight", "linux.resources.blockIO.leafWeight", e, "%u",
		      b->leaf_weight) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct oci_weight_device *d = &b->weight_device[i];
		char w[96];
		snprintf(w, sizeof w, "linux.resources.blockIO.weightDevice[%zu]", i);
		if (d->has_weight && d->weight != 0 &&
		    cg_writef(fd, weight_dev, w, e, "%lld:%lld %u", (long long)d->major,
			      (long long)d->minor, d->weight) < 0)
			return -1;
		if (d->has_leaf_weight && d->leaf_weight != 0 &&
		    cg_writef(fd, "blkio.leaf_weight_device", w, e, "%lld:%lld %u",
			      (long long)d->major, (long long)d->minor, d->leaf_weight) < 0)
			return -1;
	}
	if (v1_throttle(fd, "blkio.throttle.read_bps_device", "throttleReadBpsDevice",
			b->throttle_read_bps, b->n_throttle_read_bps, e) < 0 ||
	    v1_throttle(fd, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice",
			b->throttle_write_bps, b->n_throttle_write_bps, e) < 0 ||
	    v1_throttle(fd, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice",
			b->throttle_read_iops, b->n_throttle_read_iops, e) < 0 ||
	    v1_throttle(fd, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice",
			b->throttle_write_iops, b->n_throttle_write_iops, e) < 0)
		return -1;
	return 0;
}
