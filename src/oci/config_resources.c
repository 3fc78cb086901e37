/* linux.resources (and update --resources): the cgroup settings, typed. */
#include "oci/config_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

/* ---------------------------------------------------------------- devices */

/* Element i of linux.resources.devices: a device cgroup rule. */
static int parse_device_rule(const json_t *v, const char *path, void *array, size_t i,
			     struct err *e)
{
	struct oci_device_cgroup *d = (struct oci_device_cgroup *)array + i;
	char p[CJ_PATH_MAX];
	bool has_allow = false;
	_cleanup_free_ char *type = NULL;
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_bool(v, path, "allow", &d->allow, &has_allow, e) < 0 ||
	    cj_string(v, path, "type", CJ_OPTIONAL, &type, e) < 0 ||
	    cj_int(v, path, "major", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &d->major, &d->has_major, e) < 0 ||
	    cj_int(v, path, "minor", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &d->minor, &d->has_minor, e) < 0 ||
	    cj_string(v, path, "access", CJ_OPTIONAL, &d->access, e) < 0)
		return -1;
	if (!has_allow) {
		cj_key(p, path, "allow");
		return cj_fail(e, p, "required");
	}
	if (!d->has_major)
		d->major = -1;
	if (!d->has_minor)
		d->minor = -1;
	d->type = 'a';
	if (type && *type) {
		if (strlen(type) != 1 || !strchr("acb", type[0])) {
			cj_key(p, path, "type");
			return cj_fail(e, p, "must be \"a\", \"c\" or \"b\", got \"%s\"", type);
		}
		d->type = type[0];
	}
	/* runc: "device access at N field cannot be empty". */
	if (d->access && !*d->access) {
		cj_key(p, path, "access");
		return cj_fail(e, p, "must not be empty");
	}
	if (d->access && d->access[strspn(d->access, "rwm")] != '\0') {
		cj_key(p, path, "access");
		return cj_fail(e, p, "may only contain the characters \"rwm\", got \"%s\"", d->access);
	}
	return 0;
}

static int parse_device_rules(const json_t *o, const char *parent, struct oci_resources *r,
			      struct err *e)
{
	void *arr;
	int rc = cj_array_of(o, parent, "devices", sizeof *r->devices, parse_device_rule, &arr,
			     &r->n_devices, e);
	r->devices = arr;
	return rc;
}

/* ---------------------------------------------------------------- memory, cpu, pids */

static int parse_memory(const json_t *o, const char *parent, struct oci_resources *r,
			struct err *e)
{
	char p[CJ_PATH_MAX];
	json_t *m;
	struct oci_memory *mem = &r->memory;
	if (cj_object(o, parent, "memory", &m, e) < 0)
		return -1;
	if (!m)
		return 0;
	r->has_memory = true;
	cj_key(p, parent, "memory");
	if (cj_int(m, p, "limit", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &mem->limit, &mem->has_limit, e) < 0 ||
	    cj_int(m, p, "reservation", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &mem->reservation,
		   &mem->has_reservation, e) < 0 ||
	    cj_int(m, p, "swap", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &mem->swap, &mem->has_swap, e) < 0 ||
	    cj_int(m, p, "kernel", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &mem->kernel, &mem->has_kernel, e) < 0 ||
	    cj_int(m, p, "kernelTCP", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &mem->kernel_tcp,
		   &mem->has_kernel_tcp, e) < 0 ||
	    cj_uint(m, p, "swappiness", CJ_OPTIONAL, UINT64_MAX, &mem->swappiness,
		    &mem->has_swappiness, e) < 0 ||
	    cj_bool(m, p, "disableOOMKiller", &mem->disable_oom_killer, &mem->has_disable_oom_killer, e) < 0 ||
	    cj_bool(m, p, "useHierarchy", &mem->use_hierarchy, &mem->has_use_hierarchy, e) < 0 ||
	    cj_bool(m, p, "checkBeforeUpdate", &mem->check_before_update,
		    &mem->has_check_before_update, e) < 0)
		return -1;
	return 0;
}

static int parse_cpu(const json_t *o, const char *parent, struct oci_resources *r, struct err *e)
{
	char p[CJ_PATH_MAX];
	json_t *c;
	struct oci_cpu *cpu = &r->cpu;
	if (cj_object(o, parent, "cpu", &c, e) < 0)
		return -1;
	if (!c)
		return 0;
	r->has_cpu = true;
	cj_key(p, parent, "cpu");
	if (cj_uint(c, p, "shares", CJ_OPTIONAL, UINT64_MAX, &cpu->shares, &cpu->has_shares, e) < 0 ||
	    cj_int(c, p, "quota", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &cpu->quota, &cpu->has_quota, e) < 0 ||
	    cj_uint(c, p, "burst", CJ_OPTIONAL, UINT64_MAX, &cpu->burst, &cpu->has_burst, e) < 0 ||
	    cj_uint(c, p, "period", CJ_OPTIONAL, UINT64_MAX, &cpu->period, &cpu->has_period, e) < 0 ||
	    cj_int(c, p, "realtimeRuntime", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &cpu->realtime_runtime,
		   &cpu->has_realtime_runtime, e) < 0 ||
	    cj_uint(c, p, "realtimePeriod", CJ_OPTIONAL, UINT64_MAX, &cpu->realtime_period,
		    &cpu->has_realtime_period, e) < 0 ||
	    cj_int(c, p, "idle", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &cpu->idle, &cpu->has_idle, e) < 0 ||
	    cj_string(c, p, "cpus", CJ_OPTIONAL, &cpu->cpus, e) < 0 ||
	    cj_string(c, p, "mems", CJ_OPTIONAL, &cpu->mems, e) < 0)
		return -1;
	return 0;
}

static int parse_pids(const json_t *o, const char *parent, struct oci_resources *r, struct err *e)
{
	char p[CJ_PATH_MAX];
	json_t *pids;
	if (cj_object(o, parent, "pids", &pids, e) < 0)
		return -1;
	if (!pids)
		return 0;
	cj_key(p, parent, "pids");
	return cj_int(pids, p, "limit", CJ_REQUIRED, INT64_MIN, INT64_MAX, &r->pids_limit,
		      &r->has_pids_limit, e);
}

/* ---------------------------------------------------------------- blockIO */

static int parse_major_minor(const json_t *v, const char *path, int64_t *major, int64_t *minor,
			     struct err *e)
{
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_int(v, path, "major", CJ_REQUIRED, INT64_MIN, INT64_MAX, major, NULL, e) < 0 ||
	    cj_int(v, path, "minor", CJ_REQUIRED, INT64_MIN, INT64_MAX, minor, NULL, e) < 0)
		return -1;
	return 0;
}

/* Element i of linux.resources.blockIO.weightDevice. */
static int parse_weight_device(const json_t *v, const char *path, void *array, size_t i,
			       struct err *e)
{
	struct oci_weight_device *w = (struct oci_weight_device *)array + i;
	if (parse_major_minor(v, path, &w->major, &w->minor, e) < 0 ||
	    cj_u16(v, path, "weight", CJ_OPTIONAL, &w->weight, &w->has_weight, e) < 0 ||
	    cj_u16(v, path, "leafWeight", CJ_OPTIONAL, &w->leaf_weight, &w->has_leaf_weight, e) < 0)
		return -1;
	return 0;
}

static int parse_weight_devices(const json_t *o, const char *parent, struct oci_blkio *b,
				struct err *e)
{
	void *arr;
	int r = cj_array_of(o, parent, "weightDevice", sizeof *b->weight_device, parse_weight_device,
			    &arr, &b->n_weight_device, e);
	b->weight_device = arr;
	return r;
}

/* Element i of one of the linux.resources.blockIO.throttle*Device lists. */
static int parse_throttle_device(const json_t *v, const char *path, void *array, size_t i,
				 struct err *e)
{
	struct oci_throttle_device *t = (struct oci_throttle_device *)array + i;
	/* rate is REQUIRED in the spec's prose but not its schema; runc takes 0. */
	if (parse_major_minor(v, path, &t->major, &t->minor, e) < 0 ||
	    cj_uint(v, path, "rate", CJ_OPTIONAL, UINT64_MAX, &t->rate, NULL, e) < 0)
		return -1;
	return 0;
}

static int parse_throttle(const json_t *o, const char *parent, const char *key,
			  struct oci_throttle_device **out, size_t *count, struct err *e)
{
	void *arr;
	int r = cj_array_of(o, parent, key, sizeof **out, parse_throttle_device, &arr, count, e);
	*out = arr;
	return r;
}

static int parse_block_io(const json_t *o, const char *parent, struct oci_resources *r,
			  struct err *e)
{
	char p[CJ_PATH_MAX];
	json_t *v;
	struct oci_blkio *b = &r->block_io;
	if (cj_object(o, parent, "blockIO", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	r->has_block_io = true;
	cj_key(p, parent, "blockIO");
	if (cj_u16(v, p, "weight", CJ_OPTIONAL, &b->weight, &b->has_weight, e) < 0 ||
	    cj_u16(v, p, "leafWeight", CJ_OPTIONAL, &b->leaf_weight, &b->has_leaf_weight, e) < 0 ||
	    parse_weight_devices(v, p, b, e) < 0 ||
	    parse_throttle(v, p, "throttleReadBpsDevice", &b->throttle_read_bps,
			   &b->n_throttle_read_bps, e) < 0 ||
	    parse_throttle(v, p, "throttleWriteBpsDevice", &b->throttle_write_bps,
			   &b->n_throttle_write_bps, e) < 0 ||
	    parse_throttle(v, p, "throttleReadIOPSDevice", &b->throttle_read_iops,
			   &b->n_throttle_read_iops, e) < 0 ||
	    parse_throttle(v, p, "throttleWriteIOPSDevice", &b->throttle_write_iops,
			   &b->n_throttle_write_iops, e) < 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- hugetlb, network, rdma */

/* "<size><unit>B" with a size that does not start with 0 (the schema's ^[1-9][0-9]*[KMG]B$). */
static bool valid_page_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");
	return digits > 0 && s[0] != '0' && s[digits] && strchr("KMG", s[digits]) &&
	       strcmp(s + digits + 1, "B") == 0;
}

/* Element i of linux.resources.hugepageLimits. */
static int parse_hugepage_limit(const json_t *v, const char *path, void *array, size_t i,
				struct err *e)
{
	struct oci_hugepage_limit *h = (struct oci_hugepage_limit *)array + i;
	char p[CJ_PATH_MAX];
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "pageSize", CJ_REQUIRED, &h->page_size, e) < 0 ||
	    cj_uint(v, path, "limit", CJ_REQUIRED, UINT64_MAX, &h->limit, NULL, e) < 0)
		return -1;
	if (!valid_page_size(h->page_size)) {
		cj_key(p, path, "pageSize");
		return cj_fail(e, p, "must be a size such as \"2MB\" or \"1GB\", got \"%s\"",
			       h->page_size);
	}
	return 0;
}

static int parse_hugepages(const json_t *o, const char *parent, struct oci_resources *r,
			   struct err *e)
{
	void *arr;
	int rc = cj_array_of(o, parent, "hugepageLimits", sizeof *r->hugepage_limits,
			     parse_hugepage_limit, &arr, &r->n_hugepage_limits, e);
	r->hugepage_limits = arr;
	return rc;
}

/* Element i of linux.resources.network.priorities. */
static int parse_net_priority(const json_t *v, const char *path, void *array, size_t i,
			      struct err *e)
{
	struct oci_net_priority *np = (struct oci_net_priority *)array + i;
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "name", CJ_REQUIRED, &np->name, e) < 0 ||
	    cj_u32(v, path, "priority", CJ_REQUIRED, &np->priority, NULL, e) < 0)
		return -1;
	return 0;
}

static int parse_net_priorities(const json_t *o, const char *parent, struct oci_resources *r,
				struct err *e)
{
	void *arr;
	int rc = cj_array_of(o, parent, "priorities", sizeof *r->net_priorities, parse_net_priority,
			     &arr, &r->n_net_priorities, e);
	r->net_priorities = arr;
	return rc;
}

static int parse_network(const json_t *o, const char *parent, struct oci_resources *r,
			 struct err *e)
{
	char p[CJ_PATH_MAX];
	json_t *v;
	if (cj_object(o, parent, "network", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	r->has_network = true;
	cj_key(p, parent, "network");
	if (cj_u32(v, p, "classID", CJ_OPTIONAL, &r->class_id, &r->has_class_id, e) < 0 ||
	    parse_net_priorities(v, p, r, e) < 0)
		return -1;
	return 0;
}

/* Member i of linux.resources.rdma, named by its device. */
static int parse_rdma_device(const char *dev, const json_t *v, const char *path, void *array,
			     size_t i, struct err *e)
{
	struct oci_rdma *rd = (struct oci_rdma *)array + i;
	if (!(rd->device = strdup(dev)))
		return cj_oom(e);
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_u32(v, path, "hcaHandles", CJ_OPTIONAL, &rd->hca_handles, &rd->has_hca_handles, e) < 0 ||
	    cj_u32(v, path, "hcaObjects", CJ_OPTIONAL, &rd->hca_objects, &rd->has_hca_objects, e) < 0)
		return -1;
	return 0;
}

static int parse_rdma(const json_t *o, const char *parent, struct oci_resources *r,
		      struct err *e)
{
	void *arr;
	int rc = cj_map_of(o, parent, "rdma", sizeof *r->rdma, parse_rdma_device, &arr, &r->n_rdma,
			   e);
	r->rdma = arr;
	return rc;
}

/* ---------------------------------------------------------------- the resources object */

int config_resources_from_json(const json_t *v, const char *path, struct oci_resources *r,
			       struct err *e)
{
	if (cj_expect_object(v, path, e) < 0 ||
	    parse_device_rules(v, path, r, e) < 0 ||
	    parse_memory(v, path, r, e) < 0 ||
	    parse_cpu(v, path, r, e) < 0 ||
	    parse_pids(v, path, r, e) < 0 ||
	    parse_block_io(v, path, r, e) < 0 ||
	    parse_hugepages(v, path, r, e) < 0 ||
	    parse_network(v, path, r, e) < 0 ||
	    parse_rdma(v, path, r, e) < 0 ||
	    cj_kv(v, path, "unified", &r->unified, &r->n_unified, e) < 0)
		return -1;
	return 0;
}

void config_resources_clear(struct oci_resources *r)
{
	for (size_t i = 0; i < r->n_devices; i++)
		free(r->devices[i].access);
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_device);
	free(r->block_io.throttle_read_bps);
	free(r->block_io.throttle_write_bps);
	free(r->block_io.throttle_read_iops);
	free(r->block_io.throttle_write_iops);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; i < r->n_net_priorities; i++)
		free(r->net_priorities[i].name);
	free(r->net_priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	cj_kv_free(r->unified, r->n_unified);
	memset(r, 0, sizeof *r);
}

int oci_resources_parse(const char *json_text, size_t len, struct oci_resources **out,
			struct err *e)
{
	json_t *root;
	if (cj_load(json_text, len, &root, e) < 0)
		return -1;
	struct oci_resources *r = calloc(1, sizeof *r);
	if (!r) {
		json_decref(root);
		return cj_oom(e);
	}
	int rc = config_resources_from_json(root, "", r, e);
	json_decref(root);
	if (rc < 0) {
		oci_resources_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void oci_resources_free(struct oci_resources *r)
{
	if (!r)
		return;
	config_resources_clear(r);
	free(r);
}
