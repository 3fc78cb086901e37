#pragma once
#include <stdbool.h>

/* The default config.json that `spec` writes: the same document runc writes (pretty-printed,
 * tab-indented as runc does). Returns malloc'd text, NULL on ENOMEM. */
char *oci_default_spec(bool rootless);
