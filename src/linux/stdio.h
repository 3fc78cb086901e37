/* stdio of a process that run or exec keep in the foreground without a terminal, as runc's
 * setupProcessPipes: the process gets three pipes and the runtime copies between them and
 * its own stdio. The container never holds the caller's files or terminal, isatty() inside
 * is false as with runc, and the pipes belong to the container's root (host id of uid 0 in
 * a user namespace), so that /dev/stdout can be reopened in there. Detached processes get
 * the caller's stdio itself instead. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

struct stdio_pipes {
	int child[3];    /* the process's 0, 1, 2 */
	int parent[3];   /* ours: the write end of its stdin, the read ends of its stdout/err */
};

#define STDIO_PIPES_INIT { { -1, -1, -1 }, { -1, -1, -1 } }

/* Three pipes (close-on-exec), owned by the container's root as c maps it. */
int stdio_pipes_open(struct stdio_pipes *p, const struct oci_config *c, struct err *e);
/* In the process: its ends become 0, 1, 2 (the originals stay close-on-exec). */
int stdio_pipes_install(const struct stdio_pipes *p, struct err *e);
/* In the runtime once the process holds its ends. */
void stdio_pipes_close_child(struct stdio_pipes *p);
void stdio_pipes_close(struct stdio_pipes *p);
/* Copy our stdin into the process and its output to our stdout and stderr, forwarding the
 * signals of signal_fd (but SIGCHLD and SIGWINCH) to pid, until pid exits; *status gets its
 * wait status. Then, with wait_eof, go on until every writer of its stdout and stderr is
 * gone (exec, as runc: a background child holding them keeps it waiting); without, copy
 * only what is already there (run drains the rest with stdio_drain once the container is
 * gone). */
int stdio_relay(struct stdio_pipes *p, int signal_fd, pid_t pid, bool wait_eof, int *status,
		struct err *e);
/* Copy what is left of the process's output, up to EOF or timeout_ms of silence. */
void stdio_drain(struct stdio_pipes *p, int timeout_ms);
