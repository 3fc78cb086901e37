/* Idmapped mounts (config.md "mounts": uidMappings/gidMappings, options idmap and ridmap).
 * Made by the parent, on the host, before the init is cloned: mount_setattr(MOUNT_ATTR_IDMAP)
 * needs CAP_SYS_ADMIN over the source's filesystem, which an init born in a new user
 * namespace does not have. The init inherits the detached trees (it is a clone of this
 * process) and attaches each one in its place (linux/mounts.c). */
#pragma once
#include <stddef.h>

#include "linux/namespaces.h"
#include "oci/config.h"
#include "util/error.h"

/* The config's idmapped mounts are valid: bind mounts only, and mappings of their own or a
 * user namespace of the container's to borrow them from. Errors name the field. */
int idmap_mounts_check(const struct oci_config *c, struct err *e);

/* For each mount i of the config, fds[i] is a detached, idmapped clone of its source, or -1
 * when it is not idmapped. *fds is NULL when no mount is. idmap_mounts_close releases them. */
int idmap_mounts_open(const struct oci_config *c, const char *bundle, const struct ns_plan *plan,
		      int **fds, struct err *e);
void idmap_mounts_close(int *fds, size_t n);

/* A user namespace with these mappings, held by an fd: a short-lived child unshares it, this
 * process writes its maps through a verified procfs handle, then the child exits. */
int idmap_userns_open(const struct oci_id_mapping *uid, size_t n_uid,
		      const struct oci_id_mapping *gid, size_t n_gid, struct err *e);
