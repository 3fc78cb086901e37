/* linux.resources changes written into a config.json document (see oci/update.h). */
#include "oci/update.h"

#include "oci/config_internal.h"
#include "oci/json_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The object at parent[key], created (or replacing a null) when absent. */
static json_t *child(json_t *parent, const char *key)
{
	if (!parent)
		return NULL;
	json_t *v = json_object_get(parent, key);
	if (json_is_object(v))
		return v;
	v = json_object();
	if (!v || json_object_set_new(parent, key, v) < 0)
		return NULL;
	return v;
}

/* Each setter returns 0 or -1 (ENOMEM); the caller checks them all at once. */
static int set_i64(json_t *o, const char *key, int64_t v)
{
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

static int set_u64(json_t *o, const char *key, uint64_t v)
{
	return json_object_set_new(o, key, oci_json_u64(v));
}

static int patch_memory(json_t *res, const struct oci_memory *m)
{
	if (!(m->has_limit || m->has_reservation || m->has_swap || m->has_check_before_update))
		return 0;
	json_t *o = child(res, "memory");
	if (!o)
		return -1;
	int r = 0;
	if (m->has_limit)
		r |= set_i64(o, "limit", m->limit);
	if (m->has_reservation)
		r |= set_i64(o, "reservation", m->reservation);
	if (m->has_swap)
		r |= set_i64(o, "swap", m->swap);
	if (m->has_check_before_update)
		r |= json_object_set_new(o, "checkBeforeUpdate", json_boolean(m->check_before_update));
	return r;
}

static int patch_cpu(json_t *res, const struct oci_cpu *c)
{
	if (!(c->has_shares || c->has_quota || c->has_burst || c->has_period ||
	      c->has_realtime_runtime || c->has_realtime_period || c->has_idle || c->cpus || c->mems))
		return 0;
	json_t *o = child(res, "cpu");
	if (!o)
		return -1;
	int r = 0;
	if (c->has_shares)
		r |= set_u64(o, "shares", c->shares);
	if (c->has_quota)
		r |= set_i64(o, "quota", c->quota);
	if (c->has_burst)
		r |= set_u64(o, "burst", c->burst);
	if (c->has_period)
		r |= set_u64(o, "period", c->period);
	if (c->has_realtime_runtime)
		r |= set_i64(o, "realtimeRuntime", c->realtime_runtime);
	if (c->has_realtime_period)
		r |= set_u64(o, "realtimePeriod", c->realtime_period);
	if (c->has_idle)
		r |= set_i64(o, "idle", c->idle);
	if (c->cpus)
		r |= json_object_set_new(o, "cpus", json_string(c->cpus));
	if (c->mems)
		r |= json_object_set_new(o, "mems", json_string(c->mems));
	return r;
}

static int patch_rest(json_t *res, const struct oci_resources *d)
{
	int r = 0;
	if (d->has_pids_limit) {
		json_t *o = child(res, "pids");
		r |= o ? set_i64(o, "limit", d->pids_limit) : -1;
	}
	if (d->has_block_io && d->block_io.has_weight) {
		json_t *o = child(res, "blockIO");
		r |= o ? set_u64(o, "weight", d->block_io.weight) : -1;
	}
	if (d->n_unified) {
		json_t *o = child(res, "unified");
		for (size_t i = 0; o && i < d->n_unified; i++)
			r |= json_object_set_new(o, d->unified[i].key,
						 json_string(d->unified[i].value ? d->unified[i].value : ""));
		r |= o ? 0 : -1;
	}
	return r;
}

int oci_config_patch_resources(const char *text, size_t len, const struct oci_resources *d,
			       char **out, struct err *e)
{
	json_t *root;
	if (cj_load(text, len, &root, e) < 0)
		return err_wrap(e, "config.json");
	json_t *res = child(child(root, "linux"), "resources");
	int r = -1;
	if (!res || patch_memory(res, &d->memory) < 0 || patch_cpu(res, &d->cpu) < 0 ||
	    patch_rest(res, d) < 0)
		err_set(e, ENOMEM, "config.json: linux.resources");
	else
		r = oci_json_dump(root, JSON_INDENT(2), out, e);
	json_decref(root);
	return r;
}
