/* A procfs handle verified to be procfs (fstatfs), so that writes to /proc cannot be
 * redirected by a container that replaced or over-mounted /proc (CVE-2019-16884 class). */
#pragma once
#include "util/error.h"

/* Open path (normally "/proc") as O_PATH|O_DIRECTORY and check it is the root of a procfs. */
int procfs_open(const char *path, struct err *e);
/* Open rel below a verified procfs fd with openat2 RESOLVE_BENEATH | RESOLVE_NO_XDEV |
 * RESOLVE_NO_MAGICLINKS: no symlink out of it, no magic link, and no mount point on the way,
 * so a file over-mounted by another procfs file (CVE-2025-52881 class) fails with EXDEV.
 * "self" and "thread-self" are plain links within proc and are followed. Where openat2 is
 * missing or filtered: openat with O_NOFOLLOW, checked to land on a procfs. Returns the fd,
 * or -1 with errno. */
int procfs_open_beneath(int proc_fd, const char *rel, int flags);
/* procfs_open_beneath with an error naming /proc/<rel>. */
int procfs_openat(int proc_fd, const char *rel, int flags, struct err *e);
