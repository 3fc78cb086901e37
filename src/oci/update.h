/* `update` writes the resources it changed into the container's stored config.json, so that
 * a later update, exec or delete sees them. */
#pragma once
#include <stddef.h>

#include "oci/config.h"
#include "util/error.h"

/* config.json text with linux.resources set from d: memory limit, reservation, swap and
 * checkBeforeUpdate; every cpu field; pids.limit; blockIO.weight; each unified entry. A field
 * is written when d has it (has_ flag; cpus/mems when non-NULL); everything else in the
 * document stays as it was. The other resources in d (devices, hugepages, network, rdma,
 * the rest of memory and blockIO) are not written: update does not change them, as in runc.
 * *out is malloc'd. */
int oci_config_patch_resources(const char *text, size_t len, const struct oci_resources *d,
			       char **out, struct err *e);
