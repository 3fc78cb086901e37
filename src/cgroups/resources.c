/* linux.resources -> cgroup files. Each resource goes to the hierarchy that holds its
 * controller, which on a hybrid host may be the v2 mount (hugetlb here): the file format
 * follows the hierarchy, not the host's layout. Only what the config sets is written. */
#include "cgroups/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/log.h"

/* Open the container's directory in the hierarchy of a controller. In hybrid, a controller of
 * the v2 mount is first delegated down the path: cgroup_create leaves that mount untouched. */
static int open_controller(struct cgroup *cg, const char *v1_name, const char *v2_name,
			   const char *what, bool *v2, struct err *e)
{
	struct cg_hier *h = cg_find2(cg, v1_name, v2_name);
	if (!h) {
		if (cg->layout == CGROUP_LAYOUT_V2)
			return err_set(e, ENOTSUP, "%s: cgroup v2 has no %s controller", what, v1_name);
		return err_set(e, ENOTSUP, "%s: the %s cgroup controller is not mounted", what, v1_name);
	}
	if (h->v2 && cg->layout == CGROUP_LAYOUT_HYBRID && cg_v2_enable(h, h->path, v2_name, e) < 0)
		return err_wrap(e, "%s", what);
	*v2 = h->v2;
	int fd = cg_open_dir(cg, h, e);
	return fd < 0 ? err_wrap(e, "%s", what) : fd;
}

static bool memory_set(const struct oci_memory *m)
{
	return m->has_limit || m->has_reservation || m->has_swap || m->has_kernel ||
	       m->has_kernel_tcp || m->has_swappiness || m->has_disable_oom_killer ||
	       m->has_use_hierarchy;
}

static int apply_memory(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	if (!r->has_memory || !memory_set(&r->memory))
		return 0;
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "memory", "memory", "linux.resources.memory",
						 &v2, e);
	if (fd < 0)
		return -1;
	return v2 ? cg_v2_memory(fd, &r->memory, e) : cg_v1_memory(fd, &r->memory, e);
}

static int apply_cpuset(struct cgroup *cg, const struct oci_cpu *c, struct err *e)
{
	bool cpus = c->cpus && c->cpus[0], mems = c->mems && c->mems[0];
	if (!cpus && !mems)
		return 0;
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "cpuset", "cpuset", "linux.resources.cpu",
						 &v2, e);
	if (fd < 0)
		return -1;
	if (cpus && cg_write(fd, "cpuset.cpus", c->cpus, "linux.resources.cpu.cpus", e) < 0)
		return -1;
	if (mems && cg_write(fd, "cpuset.mems", c->mems, "linux.resources.cpu.mems", e) < 0)
		return -1;
	return 0;
}

static int apply_cpu(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	const struct oci_cpu *c = &r->cpu;
	if (!r->has_cpu)
		return 0;
	if (apply_cpuset(cg, c, e) < 0)
		return -1;
	if (!(c->has_shares || c->has_quota || c->has_burst || c->has_period ||
	      c->has_realtime_runtime || c->has_realtime_period || c->has_idle))
		return 0;
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "cpu", "cpu", "linux.resources.cpu", &v2, e);
	if (fd < 0)
		return -1;
	return v2 ? cg_v2_cpu(fd, c, e) : cg_v1_cpu(fd, c, e);
}

static int apply_pids(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	if (!r->has_pids_limit)
		return 0;
	const char *what = "linux.resources.pids.limit";
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "pids", "pids", what, &v2, e);
	if (fd < 0)
		return -1;
	/* 0 and negative both mean no limit (runc normalises 0 the same way). */
	if (r->pids_limit <= 0)
		return cg_write(fd, "pids.max", "max", what, e);
	return cg_writef(fd, "pids.max", what, e, "%lld", (long long)r->pids_limit);
}

static int apply_blkio(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	const struct oci_blkio *b = &r->block_io;
	if (!r->has_block_io ||
	    !(b->has_weight || b->has_leaf_weight || b->n_weight_device || b->n_throttle_read_bps ||
	      b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops))
		return 0;
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "blkio", "io", "linux.resources.blockIO", &v2, e);
	if (fd < 0)
		return -1;
	return v2 ? cg_v2_io(fd, b, e) : cg_v1_blkio(fd, b, e);
}

/* A page size is one word such as "2MB": it becomes part of a file name. */
static bool page_size_ok(const char *s)
{
	if (!s || !s[0])
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

static int apply_hugetlb(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	if (!r->n_hugepage_limits)
		return 0;
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "hugetlb", "hugetlb",
						 "linux.resources.hugepageLimits", &v2, e);
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *l = &r->hugepage_limits[i];
		char what[64], file[96], rsvd[96];
		snprintf(what, sizeof what, "linux.resources.hugepageLimits[%zu]", i);
		if (!page_size_ok(l->page_size))
			return err_set(e, EINVAL, "%s: invalid pageSize \"%s\"", what,
				       l->page_size ? l->page_size : "");
		snprintf(file, sizeof file, v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
			 l->page_size);
		if (!cg_file_exists(fd, file))
			return err_set(e, ENOTSUP, "%s: the kernel has no %s pages (no %s)", what,
				       l->page_size, file);
		if (cg_writef(fd, file, what, e, "%llu", (unsigned long long)l->limit) < 0)
			return -1;
		/* Reservations (Linux 5.7+) are limited alike, or a task could reserve past
		 * the limit and fault later. */
		snprintf(rsvd, sizeof rsvd, v2 ? "hugetlb.%s.rsvd.max" : "hugetlb.%s.rsvd.limit_in_bytes",
			 l->page_size);
		if (cg_file_exists(fd, rsvd) &&
		    cg_writef(fd, rsvd, what, e, "%llu", (unsigned long long)l->limit) < 0)
			return -1;
	}
	return 0;
}

static int apply_network(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	if (!r->has_network || (!r->has_class_id && !r->n_net_priorities))
		return 0;
	/* v2 has no net_cls or net_prio (eBPF took their place); runc ignores them there. */
	if (cg->layout == CGROUP_LAYOUT_V2) {
		log_warn("linux.resources.network: ignored, cgroup v2 has no net_cls or net_prio controller");
		return 0;
	}
	bool v2;
	if (r->has_class_id) {
		const char *what = "linux.resources.network.classID";
		_cleanup_close_ int fd = open_controller(cg, "net_cls", NULL, what, &v2, e);
		if (fd < 0 || cg_writef(fd, "net_cls.classid", what, e, "%u", r->class_id) < 0)
			return -1;
	}
	if (!r->n_net_priorities)
		return 0;
	_cleanup_close_ int fd = open_controller(cg, "net_prio", NULL, "linux.resources.network.priorities",
						 &v2, e);
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < r->n_net_priorities; i++) {
		const struct oci_net_priority *p = &r->net_priorities[i];
		char what[80];
		snprintf(what, sizeof what, "linux.resources.network.priorities[%zu]", i);
		if (cg_writef(fd, "net_prio.ifpriomap", what, e, "%s %u", p->name, p->priority) < 0)
			return -1;
	}
	return 0;
}

static int apply_rdma(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	if (!r->n_rdma)
		return 0;
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "rdma", "rdma", "linux.resources.rdma", &v2, e);
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct oci_rdma *d = &r->rdma[i];
		char what[96], line[256];
		snprintf(what, sizeof what, "linux.resources.rdma[\"%s\"]", d->device ? d->device : "");
		if (!d->device || !d->device[0] || strpbrk(d->device, " \n"))
			return err_set(e, EINVAL, "%s: invalid device name", what);
		int n = snprintf(line, sizeof line, "%s", d->device);
		if (d->has_hca_handles)
			n += snprintf(line + n, sizeof line - (size_t)n, " hca_handle=%u", d->hca_handles);
		if (d->has_hca_objects)
			snprintf(line + n, sizeof line - (size_t)n, " hca_object=%u", d->hca_objects);
		if ((d->has_hca_handles || d->has_hca_objects) &&
		    cg_write(fd, "rdma.max", line, what, e) < 0)
			return -1;
	}
	return 0;
}

static int apply_devices(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	if (!r->n_devices)
		return 0;
	if (cg->layout == CGROUP_LAYOUT_V2) {
		_cleanup_close_ int fd = cg_open_dir(cg, &cg->h[0], e);
		if (fd < 0 || cg_v2_devices(fd, r->devices, r->n_devices, e) < 0)
			return err_wrap(e, "linux.resources.devices");
		return 0;
	}
	bool v2;
	_cleanup_close_ int fd = open_controller(cg, "devices", NULL, "linux.resources.devices", &v2, e);
	if (fd < 0)
		return -1;
	return cg_v1_devices(fd, r->devices, r->n_devices, e);
}

/* One unified entry, multi-line values a line at a time as the kernel parses one per write
 * (io.max with several devices). */
static int write_unified(int fd, const struct oci_kv *kv, const char *what, struct err *e)
{
	_cleanup_free_ char *copy = strdup(kv->value ? kv->value : "");
	if (!copy)
		return err_set(e, ENOMEM, "%s", what);
	char *save = NULL;
	bool any = false;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		any = true;
		if (cg_write(fd, kv->key, l, what, e) < 0)
			return -1;
	}
	return any ? 0 : cg_write(fd, kv->key, "", what, e);
}

static int unified_one(struct cgroup *cg, struct cg_hier *h, const struct oci_kv *kv,
		       struct err *e)
{
	char what[160];
	snprintf(what, sizeof what, "linux.resources.unified[\"%s\"]", kv->key);
	const char *dot = strchr(kv->key, '.');
	if (!dot || dot == kv->key || strchr(kv->key, '/'))
		return err_set(e, EINVAL, "%s: must be a file name of the form CONTROLLER.PARAMETER",
			       what);
	char ctrl[64];
	snprintf(ctrl, sizeof ctrl, "%.*s", (int)(dot - kv->key), kv->key);
	bool core = !strcmp(ctrl, "cgroup");
	if (cg->layout == CGROUP_LAYOUT_HYBRID && !core) {
		struct cg_hier *found = cg_find2(cg, NULL, ctrl);
		if (found != h)
			return err_set(e, ENOTSUP, "%s: controller %s is not in this hybrid host's cgroup v2 hierarchy",
				       what, ctrl);
		if (cg_v2_enable(h, h->path, ctrl, e) < 0)
			return err_wrap(e, "%s", what);
	}
	_cleanup_close_ int fd = cg_open_dir(cg, h, e);
	if (fd < 0)
		return err_wrap(e, "%s", what);
	if (write_unified(fd, kv, what, e) == 0)
		return 0;
	if ((e->code == ENOENT || e->code == EACCES || e->code == EPERM) && !core) {
		_cleanup_free_ char *avail = NULL;
		struct err ignored;
		if (cg_read(fd, "cgroup.controllers", &avail, &ignored) == 0 && !cg_list_has(avail, ctrl))
			return err_set(e, ENOTSUP, "%s: controller %s is not available in this cgroup",
				       what, ctrl);
	}
	return -1;
}

static int apply_unified(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	if (!r->n_unified)
		return 0;
	struct cg_hier *h = NULL;
	for (size_t i = 0; i < cg->n && !h; i++)
		if (cg->h[i].v2)
			h = &cg->h[i];
	if (!h)
		return err_set(e, ENOTSUP, "linux.resources.unified: needs cgroup v2, and this host has only cgroup v1");
	for (size_t i = 0; i < r->n_unified; i++)
		if (unified_one(cg, h, &r->unified[i], e) < 0)
			return -1;
	return 0;
}

int cgroup_apply(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	/* cpuset first: a v1 cpuset must have cpus before anything else matters to it; the
	 * unified map last, so that it overrides the named settings, as in runc. */
	if (apply_cpu(cg, r, e) < 0 || apply_devices(cg, r, e) < 0 || apply_memory(cg, r, e) < 0 ||
	    apply_pids(cg, r, e) < 0 || apply_blkio(cg, r, e) < 0 || apply_hugetlb(cg, r, e) < 0 ||
	    apply_network(cg, r, e) < 0 || apply_rdma(cg, r, e) < 0 || apply_unified(cg, r, e) < 0)
		return -1;
	return 0;
}

/* runc's default device rules (libcontainer/specconv AllowedDevices): mknod of anything, the
 * standard character devices, ptys, and /dev/net/tun, which engines came to rely on. */
static const struct {
	char type;
	int64_t major, minor;
	const char *access;
	const char *path;   /* dropped when linux.devices defines the same path */
} default_rules[] = {
	{ 'c', -1, -1, "m", NULL },
	{ 'b', -1, -1, "m", NULL },
	{ 'c', 1, 3, "rwm", "/dev/null" },
	{ 'c', 1, 8, "rwm", "/dev/random" },
	{ 'c', 1, 7, "rwm", "/dev/full" },
	{ 'c', 5, 0, "rwm", "/dev/tty" },
	{ 'c', 1, 5, "rwm", "/dev/zero" },
	{ 'c', 1, 9, "rwm", "/dev/urandom" },
	{ 'c', 136, -1, "rwm", NULL },   /* /dev/pts/N */
	{ 'c', 5, 2, "rwm", NULL },      /* /dev/ptmx */
	{ 'c', 10, 200, "rwm", NULL },   /* /dev/net/tun */
};

static bool path_in_devices(const struct oci_linux *l, const char *path)
{
	for (size_t i = 0; l && i < l->n_devices; i++)
		if (l->devices[i].path && !strcmp(l->devices[i].path, path))
			return true;
	return false;
}

int cgroup_device_rules(const struct oci_linux *l, struct oci_device_cgroup **out, size_t *n,
			struct err *e)
{
	const struct oci_resources *r = l && l->has_resources ? &l->resources : NULL;
	size_t own = r ? r->n_devices : 0;
	size_t ndef = sizeof default_rules / sizeof default_rules[0];
	struct oci_device_cgroup *v = calloc(own + ndef, sizeof *v);
	if (!v)
		return err_set(e, ENOMEM, "device rules");
	size_t k = 0;
	for (size_t i = 0; i < own; i++)
		v[k++] = r->devices[i];
	for (size_t i = 0; i < ndef; i++) {
		if (default_rules[i].path && path_in_devices(l, default_rules[i].path))
			continue;
		v[k++] = (struct oci_device_cgroup){
			.allow = true, .type = default_rules[i].type,
			.has_major = true, .major = default_rules[i].major,
			.has_minor = true, .minor = default_rules[i].minor,
			.access = (char *)default_rules[i].access,
		};
	}
	*out = v;
	*n = k;
	return 0;
}

int cgroup_apply_linux(struct cgroup *cg, const struct oci_linux *l, struct err *e)
{
	struct oci_resources r = { 0 };
	if (l && l->has_resources)
		r = l->resources;
	_cleanup_free_ struct oci_device_cgroup *rules = NULL;
	if (cgroup_device_rules(l, &rules, &r.n_devices, e) < 0)
		return -1;
	r.devices = rules;
	return cgroup_apply(cg, &r, e);
}
