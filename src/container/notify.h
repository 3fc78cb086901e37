/* sd_notify through the container, as runc does it. When the runtime runs with
 * NOTIFY_SOCKET set (systemd's Type=notify), create gives the container a socket of its own:
 * <state dir>/notify/notify.sock, its directory bound read-only on /run/notify, and
 * NOTIFY_SOCKET=/run/notify/notify.sock in the process's environment. The process that
 * starts the container (run, start) binds that socket, waits for the container's READY=,
 * and passes it on to the host's NOTIFY_SOCKET with MAINPID and a BARRIER=1. */
#pragma once
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

#define NOTIFY_DIR "notify"
#define NOTIFY_SOCKET_NAME "notify.sock"
#define NOTIFY_CONTAINER_DIR "/run/notify"

/* The caller's NOTIFY_SOCKET, or NULL when unset or empty. */
const char *notify_host_socket(void);
/* create: the socket directory in the state dir, the mount and the env entry in c (after
 * the config copy is saved, which must not have them: exec does not get NOTIFY_SOCKET). */
int notify_prepare(struct oci_config *c, const char *root, const char *id, struct err *e);
/* Bind the container's socket (run and start). Returns it, close-on-exec. */
int notify_bind(const char *root, const char *id, struct err *e);
/* Wait until the container sends READY= (forwarded to host with MAINPID=mainpid and a
 * barrier) or until the process behind watch_pidfd exits (nothing sent). */
int notify_forward(int sock, const char *host, pid_t mainpid, int watch_pidfd, struct err *e);
/* notify_forward in a child process, for `run` in the foreground, whose own loop waits for
 * the container (and may reap that child). Returns a pidfd of the child. */
int notify_forward_async(int sock, const char *host, pid_t mainpid, int watch_pidfd,
			 struct err *e);
