/* update: new resources for a live container. The request is narrowed to what runc's update
 * changes, merged into the stored config.json (oci_config_patch_resources), and the merged
 * resources are written to the cgroup: limits that depend on each other (quota and period,
 * memory and swap) are then written together, as runc does. */
#include "container/update.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/store.h"
#include "oci/update.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

static void oci_resources_freep(struct oci_resources **r)
{
	oci_resources_free(*r);
}

static void oci_config_freep(struct oci_config **c)
{
	oci_config_free(*c);
}

static void cgroup_freep(struct cgroup **cg)
{
	cgroup_free(*cg);
}

/* All of fd 0: stdin may be a pipe or a socket, which cannot be reopened by path. */
static int read_stdin(char **out, size_t *len, struct err *e)
{
	size_t cap = 4096, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return err_set(e, ENOMEM, "read stdin");
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				return err_set(e, ENOMEM, "read stdin");
			buf = nb;
		}
		ssize_t r = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, "read stdin");
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	*out = steal_ptr(&buf);
	return 0;
}

static int read_resources(const char *file, struct oci_resources **out, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = strcmp(file, "-") ? read_file_at(AT_FDCWD, file, &text, &len, e)
				  : read_stdin(&text, &len, e);
	if (r < 0 || oci_resources_parse(text, len, out, e) < 0)
		return err_wrap(e, "--resources %s", file);
	return 0;
}

/* What runc's update takes from a request; its strings stay the request's. */
static void select_changes(const struct oci_resources *in, struct oci_resources *d)
{
	const struct oci_memory *m = &in->memory;
	const struct oci_cpu *c = &in->cpu;
	*d = (struct oci_resources){ 0 };
#define TAKE_NONZERO(dst, src, field)                                   \
	do {                                                            \
		(dst)->has_##field = (src)->has_##field && (src)->field != 0; \
		(dst)->field = (src)->field;                            \
	} while (0)
	TAKE_NONZERO(&d->memory, m, limit);
	TAKE_NONZERO(&d->memory, m, reservation);
	TAKE_NONZERO(&d->memory, m, swap);
	d->memory.has_check_before_update = m->has_check_before_update;
	d->memory.check_before_update = m->check_before_update;
	/* "unlimited memory" without a word on swap means unlimited memory+swap too */
	if (d->memory.has_limit && d->memory.limit == -1 && !d->memory.has_swap) {
		d->memory.has_swap = true;
		d->memory.swap = -1;
	}
	TAKE_NONZERO(&d->cpu, c, shares);
	TAKE_NONZERO(&d->cpu, c, quota);
	TAKE_NONZERO(&d->cpu, c, period);
	TAKE_NONZERO(&d->cpu, c, realtime_period);
	TAKE_NONZERO(&d->cpu, c, realtime_runtime);
	TAKE_NONZERO(d, in, pids_limit);
	TAKE_NONZERO(&d->block_io, &in->block_io, weight);
#undef TAKE_NONZERO
	/* 0 is a real value for these two: no burst, not SCHED_IDLE */
	d->cpu.has_burst = c->has_burst;
	d->cpu.burst = c->burst;
	d->cpu.has_idle = c->has_idle;
	d->cpu.idle = c->idle;
	d->cpu.cpus = c->cpus && c->cpus[0] ? c->cpus : NULL;
	d->cpu.mems = c->mems && c->mems[0] ? c->mems : NULL;
	d->has_block_io = d->block_io.has_weight;
	d->unified = in->unified;
	d->n_unified = in->n_unified;
}

/* The part of a config's resources that update writes. Borrowed from c. */
static void update_subset(const struct oci_config *c, struct oci_resources *sub)
{
	*sub = (struct oci_resources){ 0 };
	if (!c->has_linux || !c->linux_.has_resources)
		return;
	const struct oci_resources *r = &c->linux_.resources;
	sub->has_memory = r->has_memory;
	sub->memory = r->memory;
	sub->has_cpu = r->has_cpu;
	sub->cpu = r->cpu;
	sub->has_pids_limit = r->has_pids_limit;
	sub->pids_limit = r->pids_limit;
	sub->has_block_io = r->has_block_io && r->block_io.has_weight;
	sub->block_io.has_weight = sub->has_block_io;
	sub->block_io.weight = r->block_io.weight;
	sub->unified = r->unified;
	sub->n_unified = r->n_unified;
}

/* runc's messages when the hardware (or resctrl) lacks the feature; with it, ocirun still has
 * no Intel RDT support to update. */
static int check_rdt(const struct update_opts *o, struct err *e)
{
	if (o->l3_cache_schema && o->l3_cache_schema[0]) {
		if (access("/sys/fs/resctrl/info/L3", F_OK) < 0)
			return err_plain(e, ENOTSUP, "Intel RDT/CAT: l3 cache schema is not enabled");
		return err_plain(e, ENOTSUP,
				 "Intel RDT/CAT: l3 cache schema: ocirun does not support Intel RDT");
	}
	if (o->mem_bw_schema && o->mem_bw_schema[0]) {
		if (access("/sys/fs/resctrl/info/MB", F_OK) < 0)
			return err_plain(e, ENOTSUP, "Intel RDT/MBA: memory bandwidth schema is not enabled");
		return err_plain(e, ENOTSUP,
				 "Intel RDT/MBA: memory bandwidth schema: ocirun does not support Intel RDT");
	}
	return 0;
}

/* Write the new resources; if that fails, the old ones go back (the cgroup may otherwise keep
 * half of the update), and the error is the update's. */
static int apply_or_restore(struct cgroup *cg, const struct oci_config *old,
			    const struct oci_config *new, struct err *e)
{
	struct oci_resources sub;
	update_subset(new, &sub);
	if (cgroup_apply(cg, &sub, e) == 0)
		return 0;
	struct err back;
	update_subset(old, &sub);
	if (cgroup_apply(cg, &sub, &back) < 0)
		log_warn("setting back the previous resources failed, the cgroup and the stored "
			 "config may differ: %s", back.msg);
	return -1;
}

static int update_config(const struct runtime_opts *rt, const struct update_opts *o,
			 const struct container_state *st, const struct oci_resources *d,
			 struct err *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL, *patched = NULL;
	size_t len;
	_cleanup_(oci_config_freep) struct oci_config *old = NULL, *new = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	if (store_path(path, sizeof path, rt->root, o->id, CONFIG_COPY, e) < 0 ||
	    read_file_at(AT_FDCWD, path, &text, &len, e) < 0 ||
	    oci_config_parse(text, len, &old, e) < 0 ||
	    oci_config_patch_resources(text, len, d, &patched, e) < 0)
		return err_wrap(e, "stored config of %s", o->id);
	/* The merged document is validated as create validates one. */
	if (oci_config_parse(patched, strlen(patched), &new, e) < 0)
		return -1;
	if (cgroup_open(st->cgroup_path, &cg, e) < 0 || apply_or_restore(cg, old, new, e) < 0)
		return -1;
	return write_file_atomic(path, patched, strlen(patched), 0600, e);
}

static int update_locked(const struct runtime_opts *rt, const struct update_opts *o,
			 const struct container_state *st, struct err *e)
{
	if (st->status == STATUS_STOPPED)
		return err_plain(e, ESRCH, "container not running");
	static const struct oci_resources none;
	const struct oci_resources *req = o->r ? o->r : &none;
	_cleanup_(oci_resources_freep) struct oci_resources *from_file = NULL;
	if (o->resources_file) {
		if (read_resources(o->resources_file, &from_file, e) < 0)
			return -1;
		req = from_file;
	}
	if (o->kernel_memory || req->memory.has_kernel || req->memory.has_kernel_tcp)
		log_warn("Kernel memory settings are ignored and will be removed");
	if (check_rdt(o, e) < 0)
		return -1;
	struct oci_resources d;
	select_changes(req, &d);
	return update_config(rt, o, st, &d, e);
}

int container_update(const struct runtime_opts *rt, const struct update_opts *o, struct err *e)
{
	if (container_validate_id(o->id, e) < 0)
		return -1;
	/* Held until the new config is stored: concurrent updates must not lose each other's
	 * changes. */
	_cleanup_close_ int lock = store_lock(rt->root, o->id, e);
	struct container_state st;
	if (lock < 0 || store_load(rt->root, o->id, &st, e) < 0)
		return -1;
	int r = update_locked(rt, o, &st, e);
	state_clear(&st);
	return r;
}
