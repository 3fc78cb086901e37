/* The typed message protocol between the runtime (parent) and the container init (child),
 * over a SOCK_SEQPACKET socketpair: one message per datagram, length-checked on receipt. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

enum sync_type {
	SYNC_USERNS_REQ = 1, /* child -> parent: new user ns exists, write the id maps */
	SYNC_USERNS_DONE,    /* parent -> child */
	SYNC_PID,            /* child -> parent: value = host pid of the init (double-fork case) */
	SYNC_GO,             /* parent -> child: cgroup joined, resources applied; set up */
	SYNC_HOOKS_REQ,      /* child -> parent: mounts done; run prestart/createRuntime hooks */
	SYNC_HOOKS_DONE,     /* parent -> child */
	SYNC_PTY,            /* child -> parent: the pty master rides along as SCM_RIGHTS */
	SYNC_READY,          /* child -> parent: set up; now waiting on the exec fifo */
	SYNC_ERROR,          /* either way: value = errno, data = message */
	SYNC_SECCOMP,        /* child -> parent: the seccomp listener fd as SCM_RIGHTS */
	SYNC_SECCOMP_DONE,   /* parent -> child: the agent has the fd */
	SYNC_TYPE_MAX
};

#define SYNC_DATA_MAX 4096

struct sync_msg {
	uint32_t type;
	int32_t value;
	uint32_t len;        /* bytes used in data, < SYNC_DATA_MAX; data is NUL-terminated */
	char data[SYNC_DATA_MAX];
};

int sync_send(int sock, enum sync_type type, int32_t value, const char *data, int fd,
	      struct err *e);
/* Send an error (from the child): the message text travels to the parent. */
void sync_send_error(int sock, const struct err *err);
/* Receive one message. *fd gets a passed fd (or -1) when fd is non-NULL. EOF is an error
 * ("init exited unexpectedly"). */
int sync_recv(int sock, struct sync_msg *m, int *fd, struct err *e);
/* Receive and demand a type; a SYNC_ERROR from the peer becomes *e with the peer's text. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *m, int *fd, struct err *e);
