#include "linux/stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "linux/terminal.h"
#include "util/cleanup.h"

#define RELAY_BUF 65536

/* The host id that uid/gid 0 of the container maps to (0 without a user namespace). */
static uint32_t host_root(const struct oci_id_mapping *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0 && m[i].size > 0)
			return m[i].host_id;
	return 0;
}

int stdio_pipes_open(struct stdio_pipes *p, const struct oci_config *c, struct err *e)
{
	const struct oci_linux *l = &c->linux_;
	uid_t uid = c->has_linux ? host_root(l->uid_mappings, l->n_uid_mappings) : 0;
	gid_t gid = c->has_linux ? host_root(l->gid_mappings, l->n_gid_mappings) : 0;
	for (int i = 0; i < 3; i++) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			return err_sys(e, "stdio pipe");
		/* stdin: the process reads; stdout, stderr: it writes. */
		p->child[i] = fds[i == 0 ? 0 : 1];
		p->parent[i] = fds[i == 0 ? 1 : 0];
		if ((uid || gid) && fchown(p->child[i], uid, gid) < 0)
			return err_sys(e, "stdio pipe: chown to %u:%u", (unsigned)uid, (unsigned)gid);
	}
	/* A process that does not read its stdin must not stall the relay. */
	if (fcntl(p->parent[0], F_SETFL, O_NONBLOCK) < 0)
		return err_sys(e, "stdio pipe");
	return 0;
}

int stdio_pipes_install(const struct stdio_pipes *p, struct err *e)
{
	for (int i = 0; i < 3; i++)
		if (dup2(p->child[i], i) < 0)
			return err_sys(e, "stdio pipe to fd %d", i);
	return 0;
}

static void close_fd(int *fd)
{
	closep(fd);
	*fd = -1;
}

void stdio_pipes_close_child(struct stdio_pipes *p)
{
	for (int i = 0; i < 3; i++)
		close_fd(&p->child[i]);
}

void stdio_pipes_close(struct stdio_pipes *p)
{
	stdio_pipes_close_child(p);
	for (int i = 0; i < 3; i++)
		close_fd(&p->parent[i]);
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		buf += w;
		len -= (size_t)w;
	}
	return true;
}

/* Copy one read of the process's stdout or stderr; at EOF (or error) its end is closed. */
static void copy_out(int *from, int to)
{
	char buf[RELAY_BUF];
	ssize_t n = read(*from, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	/* A caller that stopped reading does not stop the process: drop what it can't take. */
	if (n > 0)
		write_all(to, buf, (size_t)n);
	else
		close_fd(from);
}

/* Our stdin, into the process's. Kept in a buffer while the pipe is full. */
struct in_copy {
	char buf[RELAY_BUF];
	size_t off, len;
	bool eof;
};

static void copy_in(struct in_copy *c, int *to, bool readable)
{
	if (readable && c->len == 0) {
		ssize_t n = read(STDIN_FILENO, c->buf, sizeof c->buf);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n <= 0) {
			c->eof = true;
		} else {
			c->off = 0;
			c->len = (size_t)n;
		}
	}
	while (c->len) {
		ssize_t w = write(*to, c->buf + c->off, c->len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w < 0) {
			/* The process closed its stdin: nothing more to give it. */
			c->len = 0;
			c->eof = true;
			break;
		}
		c->off += (size_t)w;
		c->len -= (size_t)w;
	}
	if (c->eof && c->len == 0)
		close_fd(to);
}

int stdio_relay(struct stdio_pipes *p, int signal_fd, pid_t pid, bool wait_eof, int *status,
		struct err *e)
{
	struct in_copy in = { .len = 0 };
	bool exited = false;
	while (!exited || (wait_eof && (p->parent[1] >= 0 || p->parent[2] >= 0))) {
		bool stdin_on = !exited && p->parent[0] >= 0 && !in.eof && in.len == 0;
		struct pollfd f[5] = {
			{ exited ? -1 : signal_fd, POLLIN, 0 },
			{ stdin_on ? STDIN_FILENO : -1, POLLIN, 0 },
			{ !exited && in.len ? p->parent[0] : -1, POLLOUT, 0 },
			{ p->parent[1], POLLIN, 0 },
			{ p->parent[2], POLLIN, 0 },
		};
		if (poll(f, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, "poll");
		}
		if (f[1].revents || f[2].revents)
			copy_in(&in, &p->parent[0], f[1].revents != 0);
		if (f[3].revents)
			copy_out(&p->parent[1], STDOUT_FILENO);
		if (f[4].revents)
			copy_out(&p->parent[2], STDERR_FILENO);
		if (f[0].revents & POLLIN)
			exited = terminal_handle_signal(signal_fd, -1, pid, status);
	}
	if (!wait_eof)
		stdio_drain(p, 0);
	return 0;
}

void stdio_drain(struct stdio_pipes *p, int timeout_ms)
{
	while (p->parent[1] >= 0 || p->parent[2] >= 0) {
		struct pollfd f[2] = { { p->parent[1], POLLIN, 0 }, { p->parent[2], POLLIN, 0 } };
		if (poll(f, 2, timeout_ms) <= 0)
			return;
		if (f[0].revents)
			copy_out(&p->parent[1], STDOUT_FILENO);
		if (f[1].revents)
			copy_out(&p->parent[2], STDERR_FILENO);
	}
}
