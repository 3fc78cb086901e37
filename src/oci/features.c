/* The features document: the config parser's half of the facts, and the JSON. */
#include "oci/features.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"
#include "oci/config_internal.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

/* The hooks config.c parses, all of which run (linux/hooks.c), in lifecycle order. */
static const char *const hook_names[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
	"poststop", NULL,
};

static const char *ns_names[OCI_NS_COUNT + 1];

void oci_features_init(struct oci_features *f)
{
	memset(f, 0, sizeof *f);
	/* Every config from the first release on is read; nothing newer than ours. */
	f->oci_version_min = "1.0.0";
	f->oci_version_max = OCI_SPEC_VERSION;
	f->hooks = hook_names;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		ns_names[t] = oci_ns_type_name((enum oci_ns_type)t);
	f->namespaces = ns_names;
	size_t n = 0;
	for (int cap = 0; cap <= oci_capability_last() && n + 1 < OCI_FEATURES_MAX_NAMES; cap++)
		if (oci_capability_name(cap))
			f->capabilities[n++] = oci_capability_name(cap);
	f->seccomp.actions = config_seccomp_names(SECCOMP_NAMES_ACTIONS);
	f->seccomp.operators = config_seccomp_names(SECCOMP_NAMES_OPERATORS);
	f->seccomp.archs = config_seccomp_names(SECCOMP_NAMES_ARCHS);
	f->seccomp.known_flags = config_seccomp_names(SECCOMP_NAMES_FLAGS);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A NULL list is absent from the document (the spec: absent means unknown). */
static int add_list(json_t *obj, const char *key, const char *const *v, bool sorted)
{
	if (!v)
		return 0;
	size_t n = 0;
	while (v[n])
		n++;
	_cleanup_free_ const char **copy = malloc((n + 1) * sizeof *copy);
	json_t *arr = json_array();
	if (!copy || !arr) {
		json_decref(arr);
		return -1;
	}
	memcpy(copy, v, n * sizeof *copy);
	if (sorted)
		qsort(copy, n, sizeof *copy, cmp_str);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(copy[i])) < 0) {
			json_decref(arr);
			return -1;
		}
	return json_object_set_new(obj, key, arr);
}

static json_t *seccomp_json(const struct oci_features *f)
{
	json_t *s = json_object();
	if (!s || json_object_set_new(s, "enabled", json_boolean(f->seccomp.enabled)) < 0 ||
	    add_list(s, "actions", f->seccomp.actions, true) < 0 ||
	    add_list(s, "operators", f->seccomp.operators, true) < 0 ||
	    add_list(s, "archs", f->seccomp.archs, true) < 0 ||
	    add_list(s, "knownFlags", f->seccomp.known_flags, false) < 0 ||
	    add_list(s, "supportedFlags", f->seccomp.supported_flags, false) < 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static json_t *linux_json(const struct oci_features *f)
{
	json_t *mpol = json_object();
	if (!mpol || add_list(mpol, "modes", f->mpol_modes, false) < 0 ||
	    add_list(mpol, "flags", f->mpol_flags, false) < 0) {
		json_decref(mpol);
		return NULL;
	}
	json_t *l = json_pack("{s:{s:b, s:b, s:b, s:b, s:b}, s:o*, s:{s:b}, s:{s:b}, s:o,"
			      " s:{s:b, s:b, s:b}, s:{s:{s:b}}, s:{s:b}}",
		"cgroup", "v1", f->cgroup.v1, "v2", f->cgroup.v2, "systemd", f->cgroup.systemd,
			"systemdUser", f->cgroup.systemd_user, "rdma", f->cgroup.rdma,
		"seccomp", seccomp_json(f),
		"apparmor", "enabled", f->apparmor,
		"selinux", "enabled", f->selinux,
		"memoryPolicy", mpol,
		"intelRdt", "enabled", f->intel_rdt.enabled, "schemata", f->intel_rdt.schemata,
			"monitoring", f->intel_rdt.monitoring,
		"mountExtensions", "idmap", "enabled", f->idmap_mounts,
		"netDevices", "enabled", f->net_devices);
	if (!l)
		return NULL;
	/* The two name lists go first, as in the spec's example. */
	_cleanup_json_ json_t *head = json_object();
	if (!head || add_list(head, "namespaces", f->namespaces, true) < 0 ||
	    add_list(head, "capabilities", f->capabilities, false) < 0 ||
	    json_object_update(head, l) < 0) {
		json_decref(l);
		return NULL;
	}
	json_decref(l);
	return json_incref(head);
}

static json_t *annotations_json(const struct oci_features *f)
{
	json_t *a = json_object();
	for (size_t i = 0; a && i < f->n_annotations; i++)
		if (json_object_set_new(a, f->annotations[i].key,
					json_string(f->annotations[i].value)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int oci_features_render(const struct oci_features *f, char **out, struct err *e)
{
	*out = NULL;
	_cleanup_json_ json_t *j = json_pack("{s:s, s:s}", "ociVersionMin", f->oci_version_min,
					     "ociVersionMax", f->oci_version_max);
	if (!j || add_list(j, "hooks", f->hooks, false) < 0 ||
	    add_list(j, "mountOptions", f->mount_options, true) < 0 ||
	    json_object_set_new(j, "linux", linux_json(f)) < 0 ||
	    json_object_set_new(j, "annotations", annotations_json(f)) < 0 ||
	    add_list(j, "potentiallyUnsafeConfigAnnotations", f->unsafe_annotations, true) < 0)
		return err_set(e, ENOMEM, "features");
	*out = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	return *out ? 0 : err_set(e, ENOMEM, "features");
}
