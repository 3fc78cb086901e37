/* Writing JSON with unsigned 64-bit integers: jansson holds integers in an int64, but runc's
 * documents carry values up to 2^64-1 (a v2 "max" limit in stats, an rlimit of
 * RLIM_INFINITY in config.json). Such a value travels as the string that config_json.c's
 * loader makes of a big literal (a NUL byte, then the digits), and oci_json_dump writes it
 * back as a bare number. Only src/oci/ uses this. */
#pragma once
#include <jansson.h>
#include <stdint.h>

#include "util/error.h"

/* A JSON integer for v; a marked string when v is beyond int64. NULL on ENOMEM. */
json_t *oci_json_u64(uint64_t v);
/* json_dumps(root, flags) with marked strings turned back into numbers. */
int oci_json_dump(const json_t *root, size_t flags, char **out, struct err *e);
