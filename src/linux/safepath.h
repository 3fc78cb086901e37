/* Path resolution inside a container rootfs that cannot escape it: openat2 RESOLVE_IN_ROOT,
 * with a component-by-component fallback where openat2 is missing or blocked. */
#pragma once
#include <sys/types.h>

#include "util/error.h"

/* Open path (absolute or relative, interpreted inside root_fd) with flags (O_CLOEXEC added). */
int safe_openat(int root_fd, const char *path, int flags, mode_t mode, struct err *e);
/* mkdir -p inside root_fd, then open the final directory O_PATH|O_DIRECTORY. */
int safe_mkdir_p(int root_fd, const char *path, mode_t mode, struct err *e);
/* Create (if missing) a regular file as a mount target; return an O_PATH fd on it. */
int safe_mkfile(int root_fd, const char *path, mode_t mode, struct err *e);
/* The component-by-component resolver safe_openat falls back to (no openat2): every step
 * O_NOFOLLOW, symlinks read and resolved relative to root_fd, ".." clamped at root_fd.
 * Exposed so that tests exercise it on kernels that have openat2. */
int safe_openat_walk(int root_fd, const char *path, int flags, mode_t mode, struct err *e);
