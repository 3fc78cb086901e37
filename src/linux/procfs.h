/* A procfs handle verified to be procfs (fstatfs), so that writes to /proc cannot be
 * redirected by a container that replaced or over-mounted /proc (CVE-2019-16884 class). */
#pragma once
#include "util/error.h"

/* Open path (normally "/proc") as O_PATH|O_DIRECTORY and check it is the root of a procfs. */
int procfs_open(const char *path, struct err *e);
/* Open a file below a verified procfs fd, refusing symlinks other than proc's own magic. */
int procfs_openat(int proc_fd, const char *rel, int flags, struct err *e);
