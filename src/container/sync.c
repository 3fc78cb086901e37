#include "container/sync.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "util/cleanup.h"
#include "util/sendfd.h"

static const char *type_name(uint32_t t)
{
	static const char *names[] = {
		[SYNC_USERNS_REQ] = "userns-request", [SYNC_USERNS_DONE] = "userns-done",
		[SYNC_PID] = "pid", [SYNC_GO] = "go", [SYNC_HOOKS_REQ] = "hooks-request",
		[SYNC_HOOKS_DONE] = "hooks-done", [SYNC_PTY] = "pty", [SYNC_READY] = "ready",
		[SYNC_ERROR] = "error", [SYNC_SECCOMP] = "seccomp",
		[SYNC_SECCOMP_DONE] = "seccomp-done",
	};
	return t > 0 && t < SYNC_TYPE_MAX ? names[t] : "unknown";
}

int sync_send(int sock, enum sync_type type, int32_t value, const char *data, int fd,
	      struct err *e)
{
	/* The header and the text as they are: a whole struct sync_msg would zero-fill 4 KiB
	 * of the init's stack, pages charged to the container's memory limit. */
	struct sync_msg_head { uint32_t type; int32_t value; uint32_t len; } h = { type, value, 0 };
	_Static_assert(sizeof h == offsetof(struct sync_msg, data), "sync_msg header layout");
	const char *text = data ? data : "";
	h.len = (uint32_t)strnlen(text, SYNC_DATA_MAX - 1);
	const char nul = '\0';
	struct iovec iov[3] = { { &h, sizeof h }, { (void *)text, h.len }, { (void *)&nul, 1 } };
	ssize_t r = send_iov_with_fd(sock, iov, 3, fd);
	if (r < 0)
		return err_sys(e, "send %s message", type_name(type));
	return 0;
}

void sync_send_error(int sock, const struct err *err)
{
	struct err ignored;
	sync_send(sock, SYNC_ERROR, err->code, err->msg, -1, &ignored);
}

int sync_recv(int sock, struct sync_msg *m, int *fd, struct err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof *m };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	if (fd)
		*fd = -1;
	ssize_t r;
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_sys(e, "receive from container init");
	if (r == 0)
		return err_set(e, EPIPE, "container init exited unexpectedly");
	/* Any passed fd is taken first so that it is closed if the message is rejected. */
	_cleanup_close_ int passed = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&passed, CMSG_DATA(c), sizeof passed);
	if ((size_t)r < offsetof(struct sync_msg, data) + 1 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return err_set(e, EPROTO, "malformed message from container init");
	if (m->type == 0 || m->type >= SYNC_TYPE_MAX || m->len >= SYNC_DATA_MAX ||
	    (size_t)r != offsetof(struct sync_msg, data) + m->len + 1 || m->data[m->len] != '\0')
		return err_set(e, EPROTO, "malformed message from container init");
	if (fd)
		*fd = steal_fd(&passed);
	return 0;
}

int sync_expect(int sock, enum sync_type type, struct sync_msg *m, int *fd, struct err *e)
{
	if (sync_recv(sock, m, fd, e) < 0)
		return -1;
	if (m->type == SYNC_ERROR) {
		/* The peer's text already carries its strerror. */
		err_set(e, 0, "%s", m->data);
		e->code = m->value;
		return -1;
	}
	if (m->type != (uint32_t)type) {
		if (fd && *fd >= 0) {
			close(*fd);
			*fd = -1;
		}
		return err_set(e, EPROTO, "protocol error: expected %s message, got %s",
			       type_name(type), type_name(m->type));
	}
	return 0;
}
