/* Attributes of the container process, applied by the init (and exec) to itself.
 * Each step is one function; container/init.c calls them in the spec's order. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "oci/config.h"
#include "util/error.h"

/* hostname / domainname (needs the uts namespace). */
int process_set_hostname(const struct oci_config *c, struct err *e);
/* linux.sysctl through proc_fd (a verified procfs of the container, see procfs.h). Keys are
 * checked with process_sysctl_validate first. Must run before readonlyPaths are applied
 * (they usually hold /proc/sys, as in runc): files under a mount point are refused. */
int process_apply_sysctl(const struct oci_config *c, int proc_fd, struct err *e);
/* Writes through proc_fd (a verified procfs handle), never through a container path. */
int process_set_oom_score_adj(int proc_fd, int value, struct err *e);
int process_set_rlimits(const struct oci_process *p, struct err *e);
/* CPU affinity of the calling process: the list ("0-3,7"), or every CPU the cpuset allows
 * when cpus is NULL or "". The init resets its affinity after joining its cgroup, so it
 * does not inherit the caller's (runc >= 1.2 too; execCPUAffinity is for exec only:
 * `initial` before the cgroup transition, `final` after it). field names the config field
 * in errors. */
int process_set_cpu_affinity(const char *cpus, const char *field, struct err *e);
/* The linux.memoryPolicy modes (or flags) set_mempolicy is given, NULL-terminated. */
const char *const *process_mempolicy_names(bool flags);
/* personality, scheduler, ioPriority, memoryPolicy: whichever the config sets. */
int process_set_sched_attrs(const struct oci_config *c, const struct oci_process *p, struct err *e);
/* Switch to process.user (additional gids, gid, uid, umask) keeping the capabilities the
 * config asks for, then set all five capability sets and no_new_privs. The last privileged
 * step before seccomp and execve. Needs CAP_SETPCAP, CAP_SETUID, CAP_SETGID (in the user
 * namespace). No capabilities object means every set empty (runc 1.1); capabilities that
 * cannot be granted are left out with a warning; umask is 0022 unless user.umask is set. */
int process_set_identity(const struct oci_process *p, struct err *e);
/* Resolve args[0] against PATH from the process env (as runc's exec.LookPath does, inside
 * the current root): args[0] with a '/' is used as is; no PATH means not found. Executable
 * means a regular file passing faccessat(X_OK, AT_EACCESS) for the current effective ids.
 * Returns malloc'd path in *out; errors in runc's words, e.g.
 * exec: "foo": executable file not found in $PATH / exec: "/bin/x": permission denied. */
int process_find_executable(const struct oci_process *p, char **out, struct err *e);

/* umask of the process when process.user.umask is absent (runc's value, not the caller's). */
#define PROCESS_DEFAULT_UMASK 0022

/* The namespaces a container has (new or joined), as far as sysctl keys care. */
struct sysctl_ns {
	bool ipc, net, uts;
};
/* Pure check of one linux.sysctl key, runc's rules: kernel.msg*, kernel.sem*, kernel.shm*
 * and fs.mqueue.* need ipc; net.* needs net; kernel.domainname needs uts; kernel.hostname
 * conflicts with the hostname field; anything else is not namespaced. '/' may separate. */
int process_sysctl_check(const char *key, const struct sysctl_ns *ns, struct err *e);
/* process_sysctl_check for every key of c->linux_.sysctl with c's namespaces; usable at
 * config validation time, before anything is created. */
int process_sysctl_validate(const struct oci_config *c, struct err *e);
/* Parse a list like "0-3,7" into a bitmask of nbits bits (mask zeroed first). */
int process_parse_id_list(const char *list, unsigned long *mask, size_t nbits, struct err *e);
/* The kernel's highest capability number (probed once with PR_CAPBSET_READ). */
int process_cap_last(void);

/* runc sets HOME from the container's /etc/passwd entry of user.uid ("/" when there is
 * none) unless the env has HOME already. Call inside the container's root. Returns a new
 * malloc'd env (strings shared with p->env except the HOME entry) in *out, or NULL in *out
 * when p->env already has HOME. */
int process_env_with_home(const struct oci_process *p, char ***out, struct err *e);
