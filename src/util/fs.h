/* Small file helpers. All open with O_CLOEXEC. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Read a whole file (NUL-terminated; len excludes the NUL). dirfd may be AT_FDCWD. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct err *e);
/* Write data to an existing file (cgroup and proc files): no O_CREAT, one write. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct err *e);
/* Create or replace path atomically: write a temp file in the same directory, fsync-free rename. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, struct err *e);
/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, struct err *e);
/* Read a small decimal integer from a file. */
int read_int_at(int dirfd, const char *path, long long *out, struct err *e);
