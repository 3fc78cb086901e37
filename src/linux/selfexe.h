/* CVE-2019-5736: a container process must never be able to open the runtime binary for
 * writing through /proc/<pid>/exe of a runtime process that entered the container. */
#pragma once
#include "util/error.h"

/* When /proc/self/exe is on a writable mount, re-exec ourselves once from a read-only,
 * detached bind mount of the binary (open_tree + mount_setattr + execveat): afterwards every
 * path to our exe is on a read-only mount. No copy of the binary is made. Returns 0 when
 * already safe; on success of the re-exec it does not return. */
int selfexe_ensure_readonly(char **argv, struct err *e);
