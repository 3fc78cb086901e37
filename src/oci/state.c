#include "oci/state.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build_config.h"
#include "util/cleanup.h"

/* jansson's own scope-bound reference (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

const char *container_status_name(enum container_status s)
{
	switch (s) {
	case STATUS_CREATING: return "creating";
	case STATUS_CREATED: return "created";
	case STATUS_RUNNING: return "running";
	case STATUS_PAUSED: return "paused";
	default: return "stopped";
	}
}

/* Go's RFC3339Nano, which runc prints: fraction with trailing zeros trimmed. */
void state_now_rfc3339(char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (now.tv_nsec) {
		char frac[16];
		int fl = snprintf(frac, sizeof frac, ".%09ld", now.tv_nsec);
		while (fl > 1 && frac[fl - 1] == '0')
			fl--;
		n += (size_t)snprintf(buf + n, len - n, "%.*s", fl, frac);
	}
	snprintf(buf + n, len - n, "Z");
}

static json_t *annotations_json(const struct container_state *st)
{
	json_t *a = json_object();
	for (size_t i = 0; i < st->n_annotations; i++)
		json_object_set_new(a, st->annotations[i].key, json_string(st->annotations[i].value));
	return a;
}

int state_to_json(const struct container_state *st, char **out, struct err *e)
{
	_cleanup_json_ json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:b, s:b}",
		"id", st->id, "pid", (json_int_t)st->pid, "initStartTime", (json_int_t)st->start_time,
		"bundle", st->bundle, "rootfs", st->rootfs, "created", st->created,
		"owner", (json_int_t)st->owner, "cgroupPath", st->cgroup_path ? st->cgroup_path : "",
		"started", st->started, "cgroupShared", st->cgroup_shared);
	if (!j)
		return err_set(e, ENOMEM, "encode state");
	json_object_set_new(j, "annotations", annotations_json(st));
	*out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return *out ? 0 : err_set(e, ENOMEM, "encode state");
}

static int dup_str(json_t *j, const char *key, char **dst, struct err *e)
{
	const char *s = json_string_value(json_object_get(j, key));
	if (!s)
		return err_set(e, EINVAL, "state.json: %s: missing", key);
	*dst = strdup(s);
	return *dst ? 0 : err_set(e, ENOMEM, "state.json");
}

int state_from_json(const char *text, size_t len, struct container_state *st, struct err *e)
{
	json_error_t je;
	memset(st, 0, sizeof *st);
	_cleanup_json_ json_t *j = json_loadb(text, len, 0, &je);
	if (!j || !json_is_object(j))
		return err_set(e, EINVAL, "state.json: %s", j ? "not an object" : je.text);
	if (dup_str(j, "id", &st->id, e) < 0 || dup_str(j, "bundle", &st->bundle, e) < 0 ||
	    dup_str(j, "rootfs", &st->rootfs, e) < 0 || dup_str(j, "created", &st->created, e) < 0 ||
	    dup_str(j, "cgroupPath", &st->cgroup_path, e) < 0) {
		state_clear(st);
		return -1;
	}
	st->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	st->start_time = (unsigned long long)json_integer_value(json_object_get(j, "initStartTime"));
	st->owner = (uid_t)json_integer_value(json_object_get(j, "owner"));
	st->started = json_is_true(json_object_get(j, "started"));
	st->cgroup_shared = json_is_true(json_object_get(j, "cgroupShared"));
	json_t *a = json_object_get(j, "annotations");
	if (json_is_object(a) && json_object_size(a)) {
		st->annotations = calloc(json_object_size(a), sizeof *st->annotations);
		if (!st->annotations) {
			state_clear(st);
			return err_set(e, ENOMEM, "state.json");
		}
		const char *k;
		json_t *v;
		json_object_foreach(a, k, v) {
			struct oci_kv *kv = &st->annotations[st->n_annotations++];
			kv->key = strdup(k);
			kv->value = strdup(json_string_value(v) ? json_string_value(v) : "");
		}
	}
	return 0;
}

void state_clear(struct container_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	memset(st, 0, sizeof *st);
}

static const char *owner_name(uid_t uid, char *buf, size_t len)
{
	/* runc shows the owner's user name; root is the common case and needs no NSS. */
	if (uid == 0)
		return "root";
	snprintf(buf, len, "#%u", (unsigned)uid);
	return buf;
}

/* The spec's state as runc orders it; annotations omitted when empty. */
static json_t *spec_state(const struct container_state *st, enum container_status status,
			  const char *owner)
{
	bool stopped = status == STATUS_STOPPED;
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}",
		"ociVersion", OCI_SPEC_VERSION, "id", st->id,
		"pid", (json_int_t)(stopped ? 0 : st->pid), "status", container_status_name(status),
		"bundle", st->bundle, "rootfs", st->rootfs);
	if (!j)
		return NULL;
	/* Hooks of a container still being created see no creation time yet. */
	if (st->created && *st->created)
		json_object_set_new(j, "created", json_string(st->created));
	if (st->n_annotations)
		json_object_set_new(j, "annotations", annotations_json(st));
	if (owner)
		json_object_set_new(j, "owner", json_string(owner));
	return j;
}

int state_render(const struct container_state *st, char **out, struct err *e)
{
	/* runc's `state` prints owner "" (it fills it only for `list`). */
	_cleanup_json_ json_t *j = spec_state(st, st->status, "");
	*out = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	return *out ? 0 : err_set(e, ENOMEM, "encode state");
}

int state_render_hook(const struct container_state *st, enum container_status status,
		      char **out, struct err *e)
{
	_cleanup_json_ json_t *j = spec_state(st, status, NULL);
	*out = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	return *out ? 0 : err_set(e, ENOMEM, "encode state");
}

int state_render_list_json(const struct container_state *sts, size_t n, char **out, struct err *e)
{
	_cleanup_json_ json_t *arr = json_array();
	char buf[32];
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, spec_state(&sts[i], sts[i].status,
						      owner_name(sts[i].owner, buf, sizeof buf)));
	*out = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return *out ? 0 : err_set(e, ENOMEM, "encode list");
}

int state_descriptors_to_json(char *const fds[3], char **out, struct err *e)
{
	_cleanup_json_ json_t *arr = json_array();
	for (int i = 0; arr && i < 3; i++)
		if (json_array_append_new(arr, json_string(fds[i] ? fds[i] : "")) < 0)
			return err_set(e, ENOMEM, "descriptors.json");
	*out = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	return *out ? 0 : err_set(e, ENOMEM, "descriptors.json");
}

int state_descriptors_from_json(const char *text, size_t len, char *fds[3], struct err *e)
{
	json_error_t je;
	_cleanup_json_ json_t *arr = json_loadb(text, len, 0, &je);
	if (!arr)
		return err_set(e, EINVAL, "descriptors.json: %s", je.text);
	if (!json_is_array(arr) || json_array_size(arr) < 3)
		return err_set(e, EINVAL, "descriptors.json: must be an array of 3 strings");
	for (int i = 0; i < 3; i++) {
		const char *s = json_string_value(json_array_get(arr, (size_t)i));
		if (!s)
			return err_set(e, EINVAL, "descriptors.json: [%d]: must be a string", i);
		if (!(fds[i] = strdup(s))) {
			for (int k = 0; k < i; k++)
				free(fds[k]);
			return err_set(e, ENOMEM, "descriptors.json");
		}
	}
	return 0;
}
