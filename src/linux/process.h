/* Attributes of the container process, applied by the init (and exec) to itself.
 * Each step is one function; container/init.c calls them in the spec's order. */
#pragma once
#include <stdbool.h>

#include "oci/config.h"
#include "util/error.h"

/* hostname / domainname (needs the uts namespace). */
int process_set_hostname(const struct oci_config *c, struct err *e);
/* linux.sysctl through proc_fd (a verified procfs of the container, see procfs.h). */
int process_apply_sysctl(const struct oci_config *c, int proc_fd, struct err *e);
/* Writes through proc_fd (a verified procfs handle), never through a container path. */
int process_set_oom_score_adj(int proc_fd, int value, struct err *e);
int process_set_rlimits(const struct oci_process *p, struct err *e);
/* personality, scheduler, ioPriority, memoryPolicy: whichever the config sets. */
int process_set_sched_attrs(const struct oci_config *c, const struct oci_process *p, struct err *e);
/* Switch to process.user (additional gids, gid, uid, umask) keeping the capabilities the
 * config asks for, then set all five capability sets and no_new_privs. The last privileged
 * step before seccomp and execve. */
int process_set_identity(const struct oci_process *p, struct err *e);
/* Resolve args[0] against PATH from the process env (as execvp would, inside the current
 * root). Returns malloc'd path in *out; error names args[0] when not found/not executable. */
int process_find_executable(const struct oci_process *p, char **out, struct err *e);
