/* SCMP_ACT_NOTIFY: the listener fd goes from the process that loads the filter (the init or
 * an exec child) to the runtime over the sync socket, and from there to the seccomp agent
 * at linux.seccomp.listenerPath with the spec's container process state. */
#pragma once
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

/* Child side: load linux.seccomp in the calling thread (seccomp_filter_load's rules apply).
 * With SCMP_ACT_NOTIFY rules, send the listener to the parent (SYNC_SECCOMP), close our
 * copy and wait for SYNC_SECCOMP_DONE: the agent holds the fd before anything else runs. */
int seccomp_load_forward(int sync_fd, const struct oci_seccomp *s, struct err *e);

/* Parent side, on SYNC_SECCOMP: send listener_fd and the container process state (pid:
 * the process that loaded the filter; state_json: the container's state document) to the
 * agent, then release the child with SYNC_SECCOMP_DONE. The caller keeps listener_fd. */
int seccomp_agent_forward(int sync_fd, const struct oci_seccomp *s, int listener_fd,
			  pid_t pid, const char *state_json, struct err *e);
