/* seccomp filters from linux.seccomp, built with libseccomp. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

/* Everything seccomp_filter_load checks (actions, errnoRet, architectures, flags, argument
 * conditions, libseccomp accepting every rule), without loading anything: the runtime calls
 * it before the container process exists, so that a bad profile fails `create` early. */
int seccomp_filter_check(const struct oci_seccomp *s, struct err *e);

/* Build and load the filter in the calling thread. Must be the last step before execve.
 * Privileges: the kernel accepts a filter only from a thread that has no_new_privs set or
 * holds CAP_SYS_ADMIN in its user namespace. This function never sets no_new_privs itself
 * (SCMP_FLTATR_CTL_NNP is 0): the caller sets it when process.noNewPrivileges asks for it,
 * and otherwise loads the filter before dropping CAP_SYS_ADMIN.
 * If a SCMP_ACT_NOTIFY rule made it into the filter, *notify_fd receives the listener fd
 * (O_CLOEXEC, owned by the caller), else -1. notify_fd may be NULL only for profiles without
 * SCMP_ACT_NOTIFY rules. */
int seccomp_filter_load(const struct oci_seccomp *s, int *notify_fd, struct err *e);

/* True when some rule uses SCMP_ACT_NOTIFY: the caller must then forward the listener fd
 * (seccomp_filter_load's *notify_fd) to linux.seccomp.listenerPath. */
bool seccomp_filter_uses_notify(const struct oci_seccomp *s);

/* The spec's "container process state" (config-linux.md), compact JSON, keys in the order
 * runc writes them: {"ociVersion","fds":["seccompFd"],"pid","metadata","state"}.
 * state_json is the container's state document (status "creating"), embedded verbatim;
 * metadata is linux.seccomp.listenerMetadata, omitted when NULL or empty (as runc does).
 * *out is malloc'd. */
int seccomp_process_state(const char *state_json, pid_t pid, const char *metadata, char **out,
			  struct err *e);

/* Connect to the unix stream socket at listener_path and send state_json (the document from
 * seccomp_process_state) with notify_fd as SCM_RIGHTS in the first sendmsg, then close the
 * connection (the spec allows one state per connection). notify_fd stays the caller's. */
int seccomp_send_notify(const char *listener_path, int notify_fd, const char *state_json,
			struct err *e);

/* A compiled filter: the BPF program libseccomp generated for a linux.seccomp, and how to
 * load it. Building one costs milliseconds for a large profile; a compiled one loads with
 * one seccomp(2) and can be cached (linux/seccomp_cache.h). */
#define SECCOMP_PROG_TSYNC         (1u << 0)
#define SECCOMP_PROG_LOG           (1u << 1)
#define SECCOMP_PROG_SPEC_ALLOW    (1u << 2)
#define SECCOMP_PROG_WAIT_KILLABLE (1u << 3)
#define SECCOMP_PROG_NOTIFY        (1u << 4)   /* a SCMP_ACT_NOTIFY rule is in the program */
#define SECCOMP_PROG_FLAGS_ALL     0x1fu
#define SECCOMP_PROG_MAX_INSNS     4096        /* the kernel's BPF_MAXINSNS */
struct sock_filter;
struct seccomp_prog {
	struct sock_filter *insns;   /* malloc'd */
	size_t len;                  /* instructions, 1..SECCOMP_PROG_MAX_INSNS */
	unsigned flags;              /* SECCOMP_PROG_* */
};
/* Everything seccomp_filter_check checks, and the program that seccomp_filter_load would
 * load. Free with seccomp_prog_free. */
int seccomp_filter_compile(const struct oci_seccomp *s, struct seccomp_prog *out, struct err *e);
/* Load a compiled program in the calling thread with seccomp(2), flags as libseccomp would
 * pass them; same contract as seccomp_filter_load (privileges, *notify_fd). */
int seccomp_prog_load(const struct seccomp_prog *p, int *notify_fd, struct err *e);
void seccomp_prog_free(struct seccomp_prog *p);
