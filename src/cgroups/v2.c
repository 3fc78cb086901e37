/* cgroup v2: one hierarchy. What only v2 needs: delegating controllers down the path,
 * cgroup.freeze with its asynchronous completion, cgroup.kill, and the v2 files of memory, cpu
 * and io. */
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
#include "util/fs.h"
#include "util/log.h"

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

/* ---------------------------------------------------------------- resources */

/* v2 spells "unlimited" max; as runc, 0 means unset. */
static void num_or_max(int64_t v, char *buf, size_t size)
{
	if (v == -1)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%lld", (long long)v);
}

static int v2_swap(int fd, int64_t swap, int64_t limit, struct err *e)
{
	const char *what = "linux.resources.memory.swap";
	int64_t v;
	if (cg_swap_to_v2(swap, limit, &v, e) < 0)
		return err_wrap(e, "%s", what);
	char buf[32];
	if (v == 0 && swap <= 0)
		return 0;   /* unset; an empty write would mean 0 */
	num_or_max(v, buf, sizeof buf);
	if (cg_write(fd, "memory.swap.max", buf, what, e) == 0)
		return 0;
	/* Without swap accounting there is nothing to lift or to turn off. */
	if (e->code == ENOENT && (v == -1 || v == 0))
		return 0;
	return -1;
}

int cg_v2_memory(int fd, const struct oci_memory *m, struct err *e)
{
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	if (v2_swap(fd, swap, limit, e) < 0)
		return -1;
	if (limit != 0) {
		const char *what = "linux.resources.memory.limit";
		/* v2 reclaims (or OOM-kills) instead of refusing a limit below the usage. */
		if (m->has_check_before_update && m->check_before_update && limit > 0) {
			long long cur;
			if (read_int_at(fd, "memory.current", &cur, e) < 0)
				return err_wrap(e, "%s", what);
			if (cur > limit)
				return err_set(e, EBUSY, "%s: %lld is below the current usage %lld", what,
					       (long long)limit, cur);
		}
		char buf[32];
		num_or_max(limit, buf, sizeof buf);
		if (cg_write(fd, "memory.max", buf, what, e) < 0)
			return -1;
	}
	if (m->has_reservation && m->reservation != 0) {
		char buf[32];
		num_or_max(m->reservation, buf, sizeof buf);
		if (cg_write(fd, "memory.low", buf, "linux.resources.memory.reservation", e) < 0)
			return -1;
	}
	/* kernel, kernelTCP, swappiness, disableOOMKiller and useHierarchy have no v2 file;
	 * runc ignores them there too. */
	if ((m->has_swappiness && m->swappiness != UINT64_MAX) ||
	    (m->has_disable_oom_killer && m->disable_oom_killer))
		log_debug("linux.resources.memory: swappiness and disableOOMKiller are ignored on cgroup v2");
	return 0;
}

int cg_v2_cpu(int fd, const struct oci_cpu *c, struct err *e)
{
	if ((c->has_realtime_runtime && c->realtime_runtime != 0) ||
	    (c->has_realtime_period && c->realtime_period != 0))
		return err_set(e, ENOTSUP, "linux.resources.cpu.realtime%s: cgroup v2 has no realtime bandwidth",
			       c->has_realtime_runtime ? "Runtime" : "Period");
	/* An idle group has the minimum weight and the kernel refuses a weight for it (EINVAL):
	 * idle goes first, and the weight only to a group that is not idle. */
	if (c->has_idle && cg_writef(fd, "cpu.idle", "linux.resources.cpu.idle", e, "%lld",
				     (long long)c->idle) < 0)
		return -1;
	/* v1's kernel refuses shares outside its range (by clamping, which v1.c reports); the
	 * conversion would clamp them silently. */
	if (c->has_shares && c->shares != 0 && (c->shares < 2 || c->shares > 262144))
		return err_set(e, EINVAL, "linux.resources.cpu.shares: %llu is out of range 2-262144",
			       (unsigned long long)c->shares);
	if (c->has_shares && c->shares != 0 && !(c->has_idle && c->idle != 0) &&
	    cg_writef(fd, "cpu.weight", "linux.resources.cpu.shares", e, "%llu",
		      (unsigned long long)cg_shares_to_weight(c->shares)) < 0)
		return -1;
	bool quota = c->has_quota && c->quota != 0;
	bool period = c->has_period && c->period != 0;
	char burst[32];
	snprintf(burst, sizeof burst, "%llu", (unsigned long long)c->burst);
	bool burst_later = false;
	if (c->has_burst && cg_write(fd, "cpu.max.burst", burst, "linux.resources.cpu.burst", e) < 0) {
		/* A larger burst can be refused against the old quota: retry after it. */
		if (e->code != EINVAL || !quota)
			return -1;
		burst_later = true;
	}
	if (!quota && !period)
		return 0;
	char max[64];
	int n = quota && c->quota > 0 ? snprintf(max, sizeof max, "%lld", (long long)c->quota)
				      : snprintf(max, sizeof max, "max");
	if (period)
		snprintf(max + n, sizeof max - (size_t)n, " %llu", (unsigned long long)c->period);
	if (cg_write(fd, "cpu.max", max, quota ? "linux.resources.cpu.quota" : "linux.resources.cpu.period", e) < 0)
		return -1;
	if (burst_later && cg_write(fd, "cpu.max.burst", burst, "linux.resources.cpu.burst", e) < 0)
		return -1;
	return 0;
}

static int v2_throttle(int fd, const char *key, const char *what,
		       const struct oci_throttle_device *t, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		char w[96], rate[32];
		snprintf(w, sizeof w, "linux.resources.blockIO.%s[%zu]", what, i);
		/* In v1 a rate of 0 removes the limit; io.max says that with "max". */
		if (t[i].rate == 0)
			snprintf(rate, sizeof rate, "max");
		else
			snprintf(rate, sizeof rate, "%llu", (unsigned long long)t[i].rate);
		if (cg_writef(fd, "io.max", w, e, "%lld:%lld %s=%s", (long long)t[i].major,
			      (long long)t[i].minor, key, rate) < 0)
			return -1;
	}
	return 0;
}

int cg_v2_io(int fd, const struct oci_blkio *b, struct err *e)
{
	/* BFQ takes v1's weights as they are; io.weight has another range. */
	bool bfq = cg_file_exists(fd, "io.bfq.weight");
	if (b->has_weight && b->weight != 0) {
		const char *what = "linux.resources.blockIO.weight";
		/* The range of v1's blkio.weight, which io.weight's conversion would clamp. */
		if (!bfq && (b->weight < 10 || b->weight > 1000))
			return err_set(e, EINVAL, "%s: %u is out of range 10-1000", what, b->weight);
		int r = bfq ? cg_writef(fd, "io.bfq.weight", what, e, "%u", b->weight)
			    : cg_writef(fd, "io.weight", what, e, "%llu",
					(unsigned long long)cg_blkio_to_io_weight(b->weight));
		if (r < 0)
			return -1;
	}
	if (b->has_leaf_weight && b->leaf_weight != 0)
		log_debug("linux.resources.blockIO.leafWeight is ignored on cgroup v2");
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct oci_weight_device *d = &b->weight_device[i];
		if (!d->has_weight || d->weight == 0)
			continue;
		if (!bfq) {
			/* runc skips these without BFQ too; say so at least. */
			log_warn("linux.resources.blockIO.weightDevice[%zu]: ignored, the BFQ I/O scheduler is not in use", i);
			continue;
		}
		char w[96];
		snprintf(w, sizeof w, "linux.resources.blockIO.weightDevice[%zu]", i);
		if (cg_writef(fd, "io.bfq.weight", w, e, "%lld:%lld %u", (long long)d->major,
			      (long long)d->minor, d->weight) < 0)
			return -1;
	}
	if (v2_throttle(fd, "rbps", "throttleReadBpsDevice", b->throttle_read_bps,
			b->n_throttle_read_bps, e) < 0 ||
	    v2_throttle(fd, "wbps", "throttleWriteBpsDevice", b->throttle_write_bps,
			b->n_throttle_write_bps, e) < 0 ||
	    v2_throttle(fd, "riops", "throttleReadIOPSDevice", b->throttle_read_iops,
			b->n_throttle_read_iops, e) < 0 ||
	    v2_throttle(fd, "wiops", "throttleWriteIOPSDevice", b->throttle_write_iops,
			b->n_throttle_write_iops, e) < 0)
		return -1;
	return 0;
}
