/* Environment lists (NULL-terminated arrays of malloc'd "KEY=VALUE" strings) built the way
 * runc builds a process's environment: each entry is set in order, so a key given twice keeps
 * its first position and takes its last value. */
#pragma once
#include <stddef.h>

#include "util/error.h"

/* runc's rules for one entry: it has a '=' and the name before it is not empty. what names
 * the entry's origin in the message ("--env"). */
int env_check(const char *entry, const char *what, struct err *e);
/* Set entry in *env (*n entries, kept NULL-terminated): a key already present gets the new
 * value in place, a new key is appended. entry is copied. */
int env_set(char ***env, size_t *n, const char *entry, struct err *e);
/* A new list: every entry of a, then of b (either may be NULL), set in order. */
int env_merge(char *const *a, char *const *b, char ***out, size_t *n, struct err *e);
/* Replace *env (*n entries) by env_merge(*env, extra), freeing the old list; on failure
 * *env is left as it was. */
int env_fold(char ***env, size_t *n, char *const *extra, struct err *e);
