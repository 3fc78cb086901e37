/* The features document of the spec (features.md, features-linux.md): what this build of
 * the runtime recognizes and implements, printed by `ocirun features`. Two halves fill
 * it: oci_features_init() what the config parser knows (versions, hooks, namespaces,
 * capabilities, seccomp names), linux/features.c what the Linux side implements (mount
 * options, cgroup managers, LSMs, memory policies, seccomp flags that work here). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "oci/config.h"
#include "util/error.h"

#define OCI_FEATURES_MAX_NAMES 128

/* Every list is NULL-terminated; a NULL list is left out of the document. */
struct oci_features {
	const char *oci_version_min, *oci_version_max;
	const char *const *hooks;
	const char *const *mount_options;
	const char *const *namespaces;
	const char *capabilities[OCI_FEATURES_MAX_NAMES];
	struct {
		bool v1, v2, systemd, systemd_user, rdma;
	} cgroup;
	struct {
		bool enabled;
		const char *const *actions, *const *operators, *const *archs, *const *known_flags;
		const char *supported_flags[OCI_FEATURES_MAX_NAMES];
	} seccomp;
	bool apparmor, selinux;
	const char *const *mpol_modes, *const *mpol_flags;
	struct {
		bool enabled, schemata, monitoring;
	} intel_rdt;
	bool idmap_mounts;
	bool net_devices;
	struct oci_kv annotations[8];
	size_t n_annotations;
	const char *const *unsafe_annotations;
};

/* Zero f and fill the config parser's half. */
void oci_features_init(struct oci_features *f);
/* The document as runc prints it: 4-space indent, lists sorted where runc sorts them
 * (capabilities stay in kernel order, hooks in lifecycle order). */
int oci_features_render(const struct oci_features *f, char **out, struct err *e);
