/* The Linux side of `ocirun features` (see oci/features.h). */
#pragma once
#include "oci/features.h"

/* Add what the Linux side implements to f (after oci_features_init). */
void linux_features_fill(struct oci_features *f);
/* The mount options listed as recognized, NULL-terminated (for tests). */
const char *const *linux_features_mount_options(void);
