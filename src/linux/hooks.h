/* OCI hooks: each runs with the container state JSON on stdin, its path/args/env, and its
 * timeout enforced by SIGKILL. */
#pragma once
#include "oci/config.h"
#include "util/error.h"

/* Run every hook of the list in order; stop at the first failure. The error names the hook
 * (its path and index) and quotes the tail of its stderr. */
int hooks_run(const struct oci_hook_list *list, const char *kind, const char *state_json,
	      struct err *e);
/* For hooks whose failure the spec makes a warning (poststop): every hook of the list runs,
 * each failure is logged as a warning. */
void hooks_run_warn(const struct oci_hook_list *list, const char *kind, const char *state_json);
