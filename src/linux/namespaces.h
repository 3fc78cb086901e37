/* Namespaces: clone flags, joining by path (verified to be a namespace of the right type),
 * user namespace id maps, time namespace offsets. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

int ns_clone_flag(enum oci_ns_type t);

/* Namespaces of the config to join, opened in the parent while on the host. */
struct ns_join {
	enum oci_ns_type type;
	int fd;
};

struct ns_plan {
	unsigned long new_flags;     /* CLONE_NEW* to create */
	struct ns_join join[OCI_NS_COUNT];
	int n_join;
	bool new_user;
};

/* Open and verify every namespace path (nsfs, and of the type the config says); compute the
 * flags of the new ones. Errors name the field: linux.namespaces[2].path. */
int ns_plan_open(const struct oci_config *c, struct ns_plan *p, struct err *e);
void ns_plan_close(struct ns_plan *p);
/* setns into every joined namespace, user namespace first. */
int ns_plan_join(const struct ns_plan *p, struct err *e);
/* The text of a uid_map or gid_map, one "container host size" line per mapping, in buf:
 * its length, or -1 when it does not fit in size bytes. */
ssize_t ns_format_id_map(char *buf, size_t size, const struct oci_id_mapping *m, size_t n);
/* Write uid_map/gid_map of pid (from the parent, on the host). */
int ns_write_id_maps(pid_t pid, const struct oci_config *c, struct err *e);
/* Write /proc/self/timens_offsets (after unshare(CLONE_NEWTIME), before any child). */
int ns_write_time_offsets(const struct oci_config *c, struct err *e);
