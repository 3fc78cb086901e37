/* --pidfd-socket (runc >= 1.2): a pidfd of the container process handed to the caller over
 * an AF_UNIX socket (SCM_RIGHTS), so that it can signal and wait for that very process. */
#pragma once
#include <sys/types.h>

#include "util/error.h"

/* Connect to the caller's socket (before anything is created, so that a wrong path changes
 * nothing). Returns the connected socket (close-on-exec). */
int pidfd_socket_connect(const char *path, struct err *e);
/* Open a pidfd of pid and send it over sock with name as the message data (runc sends
 * "standard" for a container's init). */
int pidfd_socket_send(int sock, pid_t pid, const char *name, struct err *e);
