/* OCI hooks: each one a child process with the state JSON on its stdin, its stdout and
 * stderr read by us (stderr's tail quoted in errors), and its timeout enforced by SIGKILL.
 * No signal handler is installed and no SIGCHLD is needed: a pidfd tells when it exits. */
#include "linux/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/log.h"

#define HOOK_STDERR_TAIL 4096  /* kept from stderr */
#define HOOK_ERROR_TAIL 1024   /* of that, quoted in an error */

/* What one run of one hook needs, and what it collected. */
struct hook_run {
	const char *kind;
	size_t index;
	const struct oci_hook *hook;
	pid_t pid;
	int pidfd;           /* -1 when pidfd_open is unavailable (< 5.3): then we poll */
	int in_fd;           /* write end of the hook's stdin, -1 once closed */
	int out_fd, err_fd;  /* read ends of its stdout and stderr, -1 at EOF */
	const char *state;
	size_t state_len, state_off;
	char tail[HOOK_STDERR_TAIL + 1];  /* + NUL */
	size_t tail_len;
	bool spawned;
};

/* Move fd above 2 so that dup2 onto 0..2 in the child cannot clobber another of the pipe
 * ends (the runtime may run with stdio closed). */
static int fd_above_stdio(int fd)
{
	if (fd > 2)
		return fd;
	int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int saved = errno;
	close(fd);
	errno = saved;
	return n;
}

static int make_pipe(int p[2], struct err *e)
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	p[0] = fd_above_stdio(p[0]);
	p[1] = fd_above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		err_sys(e, "dup pipe");
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return -1;
	}
	return 0;
}

static void close_pipe(int p[2])
{
	closep(&p[0]);
	closep(&p[1]);
	p[0] = p[1] = -1;
}

/* posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), exec errors returned to us) with the
 * three pipes as stdio, every other fd closed, a clean signal mask and default handlers. */
static int spawn_hook(struct hook_run *r, int child_in, int child_out, int child_err, struct err *e)
{
	const struct oci_hook *h = r->hook;
	char *argv_path[] = { h->path, NULL };
	char *envp_empty[] = { NULL };
	char **argv = h->n_args > 0 && h->args ? h->args : argv_path;
	char **envp = h->env ? h->env : envp_empty;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0) {
		errno = rc;
		return err_sys(e, "posix_spawn init");
	}
	rc = posix_spawnattr_init(&attr);
	if (rc != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = rc;
		return err_sys(e, "posix_spawn init");
	}
	rc = posix_spawn_file_actions_adddup2(&fa, child_in, 0);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, child_out, 1);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, child_err, 2);
	/* Belt and braces: every runtime fd is O_CLOEXEC already. */
	rc = rc ? rc : posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = rc ? rc : posix_spawnattr_setsigmask(&attr, &none);
	rc = rc ? rc : posix_spawnattr_setsigdefault(&attr, &all);
	rc = rc ? rc : posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = rc ? rc : posix_spawn(&r->pid, h->path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		errno = rc;
		return err_sys(e, "exec");
	}
	r->spawned = true;
	return 0;
}

static void tail_append(struct hook_run *r, const char *buf, size_t n)
{
	if (n >= HOOK_STDERR_TAIL) {
		memcpy(r->tail, buf + n - HOOK_STDERR_TAIL, HOOK_STDERR_TAIL);
		r->tail_len = HOOK_STDERR_TAIL;
		return;
	}
	if (r->tail_len + n > HOOK_STDERR_TAIL) {
		size_t drop = r->tail_len + n - HOOK_STDERR_TAIL;
		memmove(r->tail, r->tail + drop, r->tail_len - drop);
		r->tail_len -= drop;
	}
	memcpy(r->tail + r->tail_len, buf, n);
	r->tail_len += n;
}

/* Read what is there from stdout or stderr; closes the fd at EOF. */
static void read_output(struct hook_run *r, int *fd, const char *stream)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(*fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			closep(fd);
			*fd = -1;
			return;
		}
		log_debug("%s hook #%zu (%s) %s: %.*s", r->kind, r->index, r->hook->path, stream,
			  (int)(n > 0 && buf[n - 1] == '\n' ? n - 1 : n), buf);
		if (fd == &r->err_fd)
			tail_append(r, buf, (size_t)n);
	}
}

/* Feed stdin. SIGPIPE is blocked by the caller: a hook that closed its stdin early gives
 * EPIPE, which only means that it did not want the rest. */
static void write_state(struct hook_run *r)
{
	while (r->state_off < r->state_len) {
		ssize_t n = write(r->in_fd, r->state + r->state_off, r->state_len - r->state_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break;
		r->state_off += (size_t)n;
	}
	closep(&r->in_fd);
	r->in_fd = -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is the hook done? Reaps it into *status when it is. */
static bool hook_exited(struct hook_run *r, int *status)
{
	pid_t w;
	do
		w = waitpid(r->pid, status, WNOHANG);
	while (w < 0 && errno == EINTR);
	return w == r->pid || (w < 0 && errno == ECHILD);
}

/* Pump stdin/stdout/stderr until the hook exits or the deadline passes (deadline < 0: none).
 * Returns 1 when it exited (status filled), 0 on timeout, -1 when poll fails (errno). */
static int pump(struct hook_run *r, int64_t deadline, int *status)
{
	for (;;) {
		struct pollfd pfd[4];
		nfds_t n = 0;
		if (r->in_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->in_fd, .events = POLLOUT };
		if (r->out_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->out_fd, .events = POLLIN };
		if (r->err_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
		if (r->pidfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		/* Without a pidfd, look at the child every 10 ms. */
		if (r->pidfd < 0 && (timeout < 0 || timeout > 10))
			timeout = 10;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			return -1;
		if (r->in_fd >= 0)
			write_state(r);
		if (r->out_fd >= 0)
			read_output(r, &r->out_fd, "stdout");
		if (r->err_fd >= 0)
			read_output(r, &r->err_fd, "stderr");
		if (hook_exited(r, status))
			return 1;
		if (deadline >= 0 && now_ms() >= deadline)
			return 0;
	}
}

/* The tail of stderr for the error: without trailing blank lines, at most the last 1 KiB
 * (starting at a line boundary when there is one), so that the message stays readable. */
static const char *stderr_tail(struct hook_run *r)
{
	size_t n = r->tail_len;
	while (n > 0 && (r->tail[n - 1] == '\n' || r->tail[n - 1] == '\r' || r->tail[n - 1] == ' '))
		n--;
	r->tail[n] = '\0';
	char *s = r->tail;
	if (n > HOOK_ERROR_TAIL) {
		s = r->tail + n - HOOK_ERROR_TAIL;
		char *nl = strchr(s, '\n');
		if (nl && nl[1])
			s = nl + 1;
	}
	return s;
}

static int status_error(struct hook_run *r, int status, struct err *e)
{
	const char *tail = stderr_tail(r);
	const char *sep = *tail ? ": " : "";
	if (WIFEXITED(status))
		return err_set(e, 0, "%s hook #%zu (%s): exit status %d%s%s", r->kind, r->index,
			       r->hook->path, WEXITSTATUS(status), sep, tail);
	int sig = WTERMSIG(status);
	const char *abbrev = sigabbrev_np(sig);
	return err_set(e, 0, "%s hook #%zu (%s): killed by signal %d (SIG%s)%s%s", r->kind, r->index,
		       r->hook->path, sig, abbrev ? abbrev : "?", sep, tail);
}

/* Run the started hook to its end; SIGPIPE blocked around it (see write_state). */
static int supervise(struct hook_run *r, struct err *e)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);

	int64_t deadline = r->hook->has_timeout ? now_ms() + (int64_t)r->hook->timeout * 1000 : -1;
	int status = 0;
	int pumped = pump(r, deadline, &status);
	int poll_errno = errno;
	if (pumped <= 0) {
		/* Timed out, or we can no longer watch it: it must not outlive this call. */
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	/* The hook is gone: what it wrote is in the pipes. Take it without blocking, since a
	 * grandchild may still hold the write ends open. */
	if (r->out_fd >= 0)
		read_output(r, &r->out_fd, "stdout");
	if (r->err_fd >= 0)
		read_output(r, &r->err_fd, "stderr");

	/* Consume a SIGPIPE that our writes raised, so that unblocking does not deliver it. */
	const struct timespec zero = { 0, 0 };
	if (!was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);

	if (pumped < 0) {
		errno = poll_errno;
		return err_sys(e, "%s hook #%zu (%s): poll", r->kind, r->index, r->hook->path);
	}
	if (pumped == 0) {
		const char *tail = stderr_tail(r);
		return err_plain(e, ETIMEDOUT, "%s hook #%zu (%s): timed out after %d s%s%s", r->kind,
				    r->index, r->hook->path, r->hook->timeout, *tail ? ": " : "", tail);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return status_error(r, status, e);
}

static int run_one(const struct oci_hook *h, const char *kind, size_t index, const char *state,
		   struct err *e)
{
	struct hook_run r = {
		.kind = kind, .index = index, .hook = h, .pid = -1, .pidfd = -1,
		.in_fd = -1, .out_fd = -1, .err_fd = -1,
		.state = state ? state : "", .state_len = state ? strlen(state) : 0,
	};
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int rc = -1;
	if (!h->path || h->path[0] != '/') {
		err_plain(e, EINVAL, "%s hook #%zu: path \"%s\" is not absolute", kind, index, h->path ? h->path : "");
		return -1;
	}
	if (make_pipe(in, e) < 0 || make_pipe(out, e) < 0 || make_pipe(errp, e) < 0)
		goto out;
	if (spawn_hook(&r, in[0], out[1], errp[1], e) < 0)
		goto out;
	r.in_fd = steal_fd(&in[1]);
	r.out_fd = steal_fd(&out[0]);
	r.err_fd = steal_fd(&errp[0]);
	/* Our copies of the child's ends must go, or we would never see EOF. */
	close_pipe(in);
	close_pipe(out);
	close_pipe(errp);
	/* Non-blocking: a hook that neither reads its stdin nor exits must not stall us
	 * past its timeout, nor one that floods stdout while we write stdin. */
	fcntl(r.in_fd, F_SETFL, O_NONBLOCK);
	fcntl(r.out_fd, F_SETFL, O_NONBLOCK);
	fcntl(r.err_fd, F_SETFL, O_NONBLOCK);
	/* The child is unreaped, so its pid cannot have been reused. pidfds are CLOEXEC. */
	r.pidfd = (int)syscall(SYS_pidfd_open, r.pid, 0);
	rc = supervise(&r, e);
out:
	close_pipe(in);
	close_pipe(out);
	close_pipe(errp);
	closep(&r.in_fd);
	closep(&r.out_fd);
	closep(&r.err_fd);
	closep(&r.pidfd);
	if (rc < 0 && !r.spawned)
		err_wrap(e, "%s hook #%zu (%s)", kind, index, h->path);
	return rc;
}

int hooks_run(const struct oci_hook_list *list, const char *kind, const char *state_json,
	      struct err *e)
{
	for (size_t i = 0; list && i < list->n; i++) {
		log_debug("running %s hook #%zu (%s)", kind, i, list->hooks[i].path);
		if (run_one(&list->hooks[i], kind, i, state_json, e) < 0)
			return -1;
	}
	return 0;
}

void hooks_run_warn(const struct oci_hook_list *list, const char *kind, const char *state_json)
{
	for (size_t i = 0; list && i < list->n; i++) {
		struct err e;
		log_debug("running %s hook #%zu (%s)", kind, i, list->hooks[i].path);
		if (run_one(&list->hooks[i], kind, i, state_json, &e) < 0)
			log_warn("%s", e.msg);
	}
}
