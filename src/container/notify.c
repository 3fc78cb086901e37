#include "container/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "container/store.h"
#include "util/cleanup.h"
#include "util/sendfd.h"
#include "util/env.h"
#include "util/log.h"

/* runc waits this long for systemd to acknowledge the barrier. */
#define BARRIER_TIMEOUT_MS 30000

const char *notify_host_socket(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	return s && *s ? s : NULL;
}

static int add_mount(struct oci_config *c, const char *source, struct err *e)
{
	static const char *const opts[] = { "bind", "nosuid", "noexec", "nodev", "ro" };
	const size_t nopts = sizeof opts / sizeof *opts;
	struct oci_mount *v = realloc(c->mounts, (c->n_mounts + 1) * sizeof *v);
	if (!v)
		return err_set(e, ENOMEM, "NOTIFY_SOCKET");
	c->mounts = v;
	struct oci_mount *m = &v[c->n_mounts];
	memset(m, 0, sizeof *m);
	c->n_mounts++;
	m->destination = strdup(NOTIFY_CONTAINER_DIR);
	m->type = strdup("bind");
	m->source = strdup(source);
	m->options = calloc(nopts + 1, sizeof *m->options);
	if (!m->destination || !m->type || !m->source || !m->options)
		return err_set(e, ENOMEM, "NOTIFY_SOCKET");
	for (size_t i = 0; i < nopts; i++, m->n_options++)
		if (!(m->options[i] = strdup(opts[i])))
			return err_set(e, ENOMEM, "NOTIFY_SOCKET");
	return 0;
}

int notify_prepare(struct oci_config *c, const char *root, const char *id, struct err *e)
{
	char dir[PATH_MAX];
	if (store_path(dir, sizeof dir, root, id, NOTIFY_DIR, e) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(e, "NOTIFY_SOCKET: create %s", dir);
	/* Last of the mounts, as runc appends it; the env entry replaces one the config has. */
	if (add_mount(c, dir, e) < 0)
		return -1;
	return env_set(&c->process.env, &c->process.n_env,
		       "NOTIFY_SOCKET=" NOTIFY_CONTAINER_DIR "/" NOTIFY_SOCKET_NAME, e);
}

int notify_bind(const char *root, const char *id, struct err *e)
{
	char dir[PATH_MAX];
	if (store_path(dir, sizeof dir, root, id, NOTIFY_DIR, e) < 0)
		return -1;
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, "NOTIFY_SOCKET: open %s", dir);
	/* Through the directory's fd: the state root may be too long for sun_path. */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dfd, NOTIFY_SOCKET_NAME);
	unlinkat(dfd, NOTIFY_SOCKET_NAME, 0);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_sys(e, "NOTIFY_SOCKET: socket");
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return err_sys(e, "NOTIFY_SOCKET: bind %s/%s", dir, NOTIFY_SOCKET_NAME);
	/* Any user of the container may notify (runc: 0777). */
	if (fchmodat(dfd, NOTIFY_SOCKET_NAME, 0777, 0) < 0)
		return err_sys(e, "NOTIFY_SOCKET: chmod %s/%s", dir, NOTIFY_SOCKET_NAME);
	return steal_fd(&s);
}

/* The host's socket; a leading '@' names an abstract one, as sd_notify reads it. */
static int connect_host(const char *host, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(host);
	if (len >= sizeof sa.sun_path)
		return err_set(e, ENAMETOOLONG, "NOTIFY_SOCKET %s", host);
	memcpy(sa.sun_path, host, len);
	if (host[0] == '@')
		sa.sun_path[0] = '\0';
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_sys(e, "NOTIFY_SOCKET: socket");
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (host[0] != '@'));
	if (connect(s, (struct sockaddr *)&sa, salen) < 0) {
		err_sys(e, "NOTIFY_SOCKET: connect %s", host);
		close(s);
		return -1;
	}
	return s;
}

/* sd_notify_barrier: BARRIER=1 with a pipe's write end; the manager closes it once it has
 * handled everything before. runc gives up (with a warning) after 30 s. */
static int barrier(int s, struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "NOTIFY_SOCKET: pipe");
	_cleanup_close_ int rd = p[0];
	static const char msg[] = "BARRIER=1";
	ssize_t r = send_with_fd(s, msg, sizeof msg - 1, p[1]);
	close(p[1]);
	if (r < 0)
		return err_sys(e, "NOTIFY_SOCKET: send BARRIER=1");
	struct pollfd pfd = { .fd = rd, .events = POLLIN };
	int n;
	while ((n = poll(&pfd, 1, BARRIER_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	if (n == 0) {
		log_warn("Timeout after waiting 30s for barrier. Ignored.");
		return 0;
	}
	char byte;
	if (n > 0 && read(rd, &byte, 1) != 0)
		return err_set(e, 0, "NOTIFY_SOCKET: unexpected read from synchronization pipe");
	return 0;
}

/* READY= as the container sent it (its first line), then MAINPID, then the barrier. */
static int notify_host(const char *host, const char *ready, size_t len, pid_t mainpid,
		       struct err *e)
{
	_cleanup_close_ int s = connect_host(host, e);
	if (s < 0)
		return -1;
	char buf[4200];
	int n = snprintf(buf, sizeof buf, "%.*s\n", (int)len, ready);
	if (send(s, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		return err_sys(e, "NOTIFY_SOCKET: send READY");
	n = snprintf(buf, sizeof buf, "MAINPID=%d\n", (int)mainpid);
	if (send(s, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		return err_sys(e, "NOTIFY_SOCKET: send MAINPID");
	return barrier(s, e);
}

int notify_forward(int sock, const char *host, pid_t mainpid, int watch_pidfd, struct err *e)
{
	for (;;) {
		struct pollfd p[2] = { { sock, POLLIN, 0 }, { watch_pidfd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, "NOTIFY_SOCKET: poll");
		}
		if (p[0].revents & POLLIN) {
			char buf[4096];
			ssize_t n = recv(sock, buf, sizeof buf, MSG_DONTWAIT);
			/* Only READY= matters to runc; anything else is dropped. */
			if (n >= 6 && !memcmp(buf, "READY=", 6)) {
				char *nl = memchr(buf, '\n', (size_t)n);
				return notify_host(host, buf, nl ? (size_t)(nl - buf) : (size_t)n,
						   mainpid, e);
			}
			continue;
		}
		if (p[1].revents)
			return 0;
	}
}

int notify_forward_async(int sock, const char *host, pid_t mainpid, int watch_pidfd,
			 struct err *e)
{
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, "NOTIFY_SOCKET: fork");
	if (pid > 0) {
		/* Not reaped yet, so the pid is still this child's. */
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pfd < 0) {
			kill(pid, SIGKILL);
			return err_sys(e, "NOTIFY_SOCKET: pidfd_open");
		}
		return pfd;
	}
	struct err ce = { 0 };
	/* The parent blocks every signal for its own loop; this child may just die. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (notify_forward(sock, host, mainpid, watch_pidfd, &ce) < 0) {
		log_warn("%s", ce.msg);
		_exit(1);
	}
	_exit(0);
}
