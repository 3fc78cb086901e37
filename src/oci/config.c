/* config.json: the top level (root, mounts, hooks, annotations), loading and freeing. The
 * process, linux, resources and seccomp objects live in config_*.c. */
#include "oci/config_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"

/* ---------------------------------------------------------------- root, mounts */

static int parse_root(const json_t *o, struct oci_config *c, struct err *e)
{
	json_t *root;
	if (cj_object(o, "", "root", &root, e) < 0)
		return -1;
	if (!root)
		return 0;
	if (cj_string(root, "root", "path", CJ_REQUIRED, &c->root_path, e) < 0 ||
	    cj_bool(root, "root", "readonly", &c->root_readonly, NULL, e) < 0)
		return -1;
	if (!*c->root_path)
		return cj_fail(e, "root.path", "must not be empty");
	return 0;
}

/* The spec allows a relative destination "for compatibility with old tools" and reads it
 * relative to "/"; making it absolute here spares every consumer that rule. */
static int absolute_destination(struct oci_mount *m, struct err *e)
{
	if (m->destination[0] == '/')
		return 0;
	size_t n = strlen(m->destination);
	char *abs = malloc(n + 2);
	if (!abs)
		return cj_oom(e);
	abs[0] = '/';
	memcpy(abs + 1, m->destination, n + 1);
	free(m->destination);
	m->destination = abs;
	return 0;
}

/* Element i of mounts. */
static int parse_mount(const json_t *v, const char *path, void *array, size_t i, struct err *e)
{
	struct oci_mount *m = (struct oci_mount *)array + i;
	char p[CJ_PATH_MAX];
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "destination", CJ_REQUIRED, &m->destination, e) < 0 ||
	    cj_string(v, path, "type", CJ_OPTIONAL, &m->type, e) < 0 ||
	    cj_string(v, path, "source", CJ_OPTIONAL, &m->source, e) < 0 ||
	    cj_strv(v, path, "options", &m->options, &m->n_options, e) < 0 ||
	    cj_id_mappings(v, path, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, e) < 0 ||
	    cj_id_mappings(v, path, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, e) < 0)
		return -1;
	if (!*m->destination) {
		cj_key(p, path, "destination");
		return cj_fail(e, p, "must not be empty");
	}
	/* The spec: "If specified, it MUST be specified along with gidMappings" (and back). */
	if (!m->n_uid_mappings != !m->n_gid_mappings) {
		cj_key(p, path, m->n_uid_mappings ? "gidMappings" : "uidMappings");
		return cj_fail(e, p, "required with %s", m->n_uid_mappings ? "uidMappings" : "gidMappings");
	}
	return absolute_destination(m, e);
}

static int parse_mounts(const json_t *o, struct oci_config *c, struct err *e)
{
	void *arr;
	int r = cj_array_of(o, "", "mounts", sizeof *c->mounts, parse_mount, &arr, &c->n_mounts, e);
	c->mounts = arr;
	return r;
}

/* ---------------------------------------------------------------- hooks */

/* Element i of one of the hooks lists. */
static int parse_hook(const json_t *v, const char *path, void *array, size_t i, struct err *e)
{
	struct oci_hook *h = (struct oci_hook *)array + i;
	char p[CJ_PATH_MAX];
	int64_t timeout;
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "path", CJ_REQUIRED, &h->path, e) < 0 ||
	    cj_strv(v, path, "args", &h->args, &h->n_args, e) < 0 ||
	    cj_strv(v, path, "env", &h->env, &h->n_env, e) < 0 ||
	    cj_int(v, path, "timeout", CJ_OPTIONAL, 1, INT_MAX, &timeout, &h->has_timeout, e) < 0)
		return -1;
	if (h->has_timeout)
		h->timeout = (int)timeout;
	if (h->path[0] != '/') {
		cj_key(p, path, "path");
		return cj_fail(e, p, "must be an absolute path, got \"%s\"", h->path);
	}
	return 0;
}

static int parse_hook_list(const json_t *o, const char *key, struct oci_hook_list *l,
			   struct err *e)
{
	void *arr;
	int r = cj_array_of(o, "hooks", key, sizeof *l->hooks, parse_hook, &arr, &l->n, e);
	l->hooks = arr;
	return r;
}

static int parse_hooks(const json_t *o, struct oci_hooks *h, struct err *e)
{
	json_t *v;
	if (cj_object(o, "", "hooks", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	if (parse_hook_list(v, "prestart", &h->prestart, e) < 0 ||
	    parse_hook_list(v, "createRuntime", &h->create_runtime, e) < 0 ||
	    parse_hook_list(v, "createContainer", &h->create_container, e) < 0 ||
	    parse_hook_list(v, "startContainer", &h->start_container, e) < 0 ||
	    parse_hook_list(v, "poststart", &h->poststart, e) < 0 ||
	    parse_hook_list(v, "poststop", &h->poststop, e) < 0)
		return -1;
	return 0;
}

static void hook_list_clear(struct oci_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->hooks[i].path);
		cj_strv_free(l->hooks[i].args, l->hooks[i].n_args);
		cj_strv_free(l->hooks[i].env, l->hooks[i].n_env);
	}
	free(l->hooks);
}

/* ---------------------------------------------------------------- the document */

static int parse_annotations(const json_t *o, struct oci_config *c, struct err *e)
{
	if (cj_kv(o, "", "annotations", &c->annotations, &c->n_annotations, e) < 0)
		return -1;
	for (size_t i = 0; i < c->n_annotations; i++)
		if (!*c->annotations[i].key)
			return cj_fail(e, "annotations", "keys must not be empty");
	return 0;
}

static int config_from_json(const json_t *o, struct oci_config *c, struct err *e)
{
	json_t *v;
	if (cj_string(o, "", "ociVersion", CJ_REQUIRED, &c->oci_version, e) < 0 ||
	    parse_root(o, c, e) < 0 ||
	    parse_mounts(o, c, e) < 0)
		return -1;
	if ((v = cj_get(o, "process"))) {
		c->has_process = true;
		if (config_process_from_json(v, "process", &c->process, e) < 0)
			return -1;
	}
	if (cj_string(o, "", "hostname", CJ_OPTIONAL, &c->hostname, e) < 0 ||
	    cj_string(o, "", "domainname", CJ_OPTIONAL, &c->domainname, e) < 0 ||
	    parse_hooks(o, &c->hooks, e) < 0 ||
	    parse_annotations(o, c, e) < 0)
		return -1;
	if ((v = cj_get(o, "linux"))) {
		c->has_linux = true;
		if (config_linux_from_json(v, "linux", &c->linux_, e) < 0)
			return -1;
	}
	return config_check(c, e);
}

int oci_config_parse(const char *json_text, size_t len, struct oci_config **out, struct err *e)
{
	json_t *root;
	if (cj_load(json_text, len, &root, e) < 0)
		return -1;
	struct oci_config *c = calloc(1, sizeof *c);
	if (!c) {
		json_decref(root);
		return cj_oom(e);
	}
	int r = config_from_json(root, c, e);
	json_decref(root);
	if (r < 0) {
		oci_config_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int oci_config_load(const char *path, struct oci_config **out, struct err *e)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, &text, &len, e) < 0 ||
	    oci_config_parse(text, len, out, e) < 0)
		return err_wrap(e, "%s", base);
	return 0;
}

void oci_config_free(struct oci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root_path);
	for (size_t i = 0; i < c->n_mounts; i++) {
		struct oci_mount *m = &c->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		cj_strv_free(m->options, m->n_options);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(c->mounts);
	config_process_clear(&c->process);
	free(c->hostname);
	free(c->domainname);
	hook_list_clear(&c->hooks.prestart);
	hook_list_clear(&c->hooks.create_runtime);
	hook_list_clear(&c->hooks.create_container);
	hook_list_clear(&c->hooks.start_container);
	hook_list_clear(&c->hooks.poststart);
	hook_list_clear(&c->hooks.poststop);
	cj_kv_free(c->annotations, c->n_annotations);
	config_linux_clear(&c->linux_);
	free(c);
}

const struct oci_namespace *oci_config_namespace(const struct oci_config *c, enum oci_ns_type t)
{
	if (!c || !c->has_linux)
		return NULL;
	for (size_t i = 0; i < c->linux_.n_namespaces; i++)
		if (c->linux_.namespaces[i].type == t)
			return &c->linux_.namespaces[i];
	return NULL;
}
