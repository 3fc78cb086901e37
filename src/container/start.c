/* start and run. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/internal.h"
#include "container/notify.h"
#include "container/store.h"
#include "linux/hooks.h"
#include "linux/stdio.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

int exec_fifo_release(const char *root, const char *id, struct err *e)
{
	char path[PATH_MAX];
	if (store_path(path, sizeof path, root, id, FIFO_FILE, e) < 0)
		return -1;
	/* Non-blocking: with no reader (the init died) this fails with ENXIO at once. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)
			return err_set(e, ESRCH, "container init is not running");
		return err_sys(e, "open exec fifo");
	}
	if (write(fd, "0", 1) != 1)
		return err_sys(e, "write exec fifo");
	unlink(path);
	return 0;
}

/* Read the start fifo to EOF: the init's execve closed its write end (success), or the
 * init wrote why it did not get there and exited. Blocks for as long as the
 * startContainer hooks take (their timeouts bound them). */
static int await_exec(int fd, struct err *e)
{
	char msg[ERR_MSG_MAX];
	size_t len = 0;
	if (fcntl(fd, F_SETFL, 0) < 0)
		return err_sys(e, "start fifo");
	for (;;) {
		ssize_t n = read(fd, msg + len, sizeof msg - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "read start fifo");
		if (n == 0 || (len += (size_t)n) == sizeof msg - 1)
			break;
	}
	if (len == 0)
		return 0;
	msg[len] = '\0';
	return err_set(e, 0, "%s", msg);
}

/* poststart runs in the runtime namespace once the user program runs (status "running").
 * A failure is an error that stops the container (the spec's lifecycle step 9; runc 1.1
 * also fails and kills it, though it runs poststart during create). */
static int run_poststart(const struct runtime_opts *rt, const struct container_state *st,
			 const struct oci_config *parsed, struct err *e)
{
	char path[PATH_MAX];
	struct oci_config *loaded = NULL;
	if (!parsed && (store_path(path, sizeof path, rt->root, st->id, CONFIG_COPY, e) < 0 ||
			oci_config_load(path, &loaded, e) < 0))
		return err_wrap(e, "poststart hooks");
	const struct oci_config *c = parsed ? parsed : loaded;
	int r = 0;
	if (c->hooks.poststart.n) {
		_cleanup_free_ char *state = NULL;
		r = state_render_hook(st, STATUS_RUNNING, &state, e);
		if (r == 0)
			r = hooks_run(&c->hooks.poststart, "poststart", state, e);
	}
	oci_config_free(loaded);
	if (r < 0) {
		struct err ke;
		if (container_kill(rt, st->id, SIGKILL, true, &ke) < 0)
			log_warn("stop after poststart failure: %s", ke.msg);
		wait_pid_gone(st->pid, st->start_time, 10000);
	}
	return r;
}

/* config: the parsed config if the caller has it (run), else NULL: the stored copy. */
static int start_locked(const struct runtime_opts *rt, const struct container_state *st,
			const struct oci_config *config, struct err *e)
{
	switch (st->status) {
	case STATUS_CREATED:
		break;
	case STATUS_STOPPED:
		return err_set(e, EINVAL, "cannot start a container that has stopped");
	case STATUS_PAUSED:
		return err_set(e, EINVAL, "cannot start a container in the paused state");
	default:
		return err_set(e, EINVAL, "cannot start an already %s container",
			       container_status_name(st->status));
	}
	/* Opened before the exec fifo is released: from then on only the init's write end
	 * decides when we see EOF. A container created before the start fifo existed has
	 * none, and nothing to wait for. */
	char path[PATH_MAX];
	if (store_path(path, sizeof path, rt->root, st->id, START_FIFO_FILE, e) < 0)
		return -1;
	_cleanup_close_ int status_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (status_fd < 0 && errno != ENOENT)
		return err_sys(e, "open start fifo");
	if (exec_fifo_release(rt->root, st->id, e) < 0)
		return -1;
	if (status_fd >= 0) {
		int r = await_exec(status_fd, e);
		unlink(path);
		if (r < 0)
			return -1;
	}
	return run_poststart(rt, st, config, e);
}

/* NOTIFY_SOCKET: bind the container's socket before its process can run. *sock stays -1
 * when there is nothing to proxy: no NOTIFY_SOCKET here, or none at create. */
static int notify_open(const struct runtime_opts *rt, const char *id, int *sock,
		       struct err *e)
{
	char dir[PATH_MAX];
	*sock = -1;
	if (!notify_host_socket())
		return 0;
	if (store_path(dir, sizeof dir, rt->root, id, NOTIFY_DIR, e) < 0)
		return -1;
	if (access(dir, F_OK) < 0)
		return 0;
	*sock = notify_bind(rt->root, id, e);
	return *sock < 0 ? -1 : 0;
}

/* Pass the container's READY= on once it comes, unless its init exits first. */
static int notify_wait(int sock, pid_t init, pid_t mainpid, int *async, struct err *e)
{
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, init, 0);
	if (pfd < 0)
		return 0;
	if (async) {
		*async = notify_forward_async(sock, notify_host_socket(), mainpid, pfd, e);
		return *async < 0 ? -1 : 0;
	}
	return notify_forward(sock, notify_host_socket(), mainpid, pfd, e);
}

int container_start(const struct runtime_opts *rt, const char *id, struct err *e)
{
	if (container_validate_id(id, e) < 0)
		return -1;
	_cleanup_close_ int lock = store_lock(rt->root, id, e);
	if (lock < 0)
		return -1;
	struct container_state st;
	if (store_load(rt->root, id, &st, e) < 0)
		return -1;
	_cleanup_close_ int nsock = -1;
	int r = st.status == STATUS_CREATED ? notify_open(rt, id, &nsock, e) : 0;
	if (r == 0)
		r = start_locked(rt, &st, NULL, e);
	/* The wait for READY may be long: other commands need the state meanwhile. */
	closep(&lock);
	lock = -1;
	if (r == 0 && nsock >= 0)
		r = notify_wait(nsock, st.pid, st.pid, NULL, e);
	state_clear(&st);
	return r;
}

int container_wait_exit(int sfd, pid_t pid, int *status, struct err *e)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof si);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof si)
			return err_sys(e, "read signalfd");
		if (si.ssi_signo != SIGCHLD) {
			kill(pid, (int)si.ssi_signo);
			continue;
		}
		pid_t w;
		while ((w = waitpid(-1, status, WNOHANG)) > 0)
			if (w == pid)
				return 0;
	}
}

int pid_file_write(const char *path, pid_t pid, struct err *e)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%d", (int)pid);
	if (write_file_atomic(path, buf, (size_t)n, 0644, e) < 0)
		return err_wrap(e, "--pid-file");
	return 0;
}

void relay_signals_block(sigset_t *all, sigset_t *old)
{
	sigfillset(all);
	sigdelset(all, SIGSEGV);
	sigdelset(all, SIGBUS);
	sigdelset(all, SIGFPE);
	sigdelset(all, SIGILL);
	sigprocmask(SIG_BLOCK, all, old);
}

int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* run: READY= goes on with the init as MAINPID when detached (once it comes, as runc
 * waits for it), with our pid in the foreground, where we are what systemd watches. */
static void notify_run(int nsock, const struct created *cr, bool detach, int *helper)
{
	struct err ne;
	if (nsock >= 0 && notify_wait(nsock, cr->pid, detach ? cr->pid : getpid(),
				      detach ? NULL : helper, &ne) < 0)
		log_warn("%s", ne.msg);
}

/* The helper may have been reaped by the wait for the init: its pidfd is still safe. */
static void notify_run_end(int helper)
{
	if (helper >= 0) {
		syscall(SYS_pidfd_send_signal, helper, SIGKILL, NULL, 0);
		siginfo_t si;
		waitid(P_PIDFD, (id_t)helper, &si, WEXITED);
		close(helper);
	}
}

int container_run(const struct runtime_opts *rt, const struct create_opts *o, bool detach,
		  bool keep, int *exit_status, struct err *e)
{
	struct create_opts co = *o;
	co.foreground = !detach;
	/* The init is our child (the slow path forks it with CLONE_PARENT); as subreaper we
	 * also reap what it leaves behind when it dies before its children. */
	if (!detach && !o->no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct created cr;
	if (container_create(rt, &co, &cr, e) < 0)
		return -1;
	_cleanup_close_ int pty = cr.pty_master, nsock = -1;
	struct stdio_pipes pipes = STDIO_PIPES_INIT;
	memcpy(pipes.parent, cr.stdio, sizeof pipes.parent);
	sigset_t all, old;
	relay_signals_block(&all, &old);
	_cleanup_close_ int sfd = detach ? -1 : signalfd(-1, &all, SFD_CLOEXEC);
	int helper = -1;
	int r = notify_open(rt, cr.st.id, &nsock, e);
	/* The caller's window size before the process runs, which may ask for it at once. */
	if (pty >= 0)
		terminal_inherit_size(pty);
	if (r == 0)
		r = start_locked(rt, &cr.st, cr.config, e);
	log_phase("started");
	if (r == 0)
		notify_run(nsock, &cr, detach, &helper);
	if (r == 0 && !detach) {
		int status = 0;
		if (pty >= 0)
			r = terminal_relay(pty, sfd, cr.pid, &status, e);
		else if (pipes.parent[1] >= 0)
			r = stdio_relay(&pipes, sfd, cr.pid, false, &status, e);
		else
			r = container_wait_exit(sfd, cr.pid, &status, e);
		*exit_status = exit_code_of(status);
		log_phase("exited");
	} else {
		*exit_status = 0;
	}
	notify_run_end(helper);
	sigprocmask(SIG_SETMASK, &old, NULL);
	struct err de;
	if ((r < 0 || !detach) && !keep &&
	    container_delete_parsed(rt, cr.st.id, true, cr.config, &de) < 0)
		log_warn("%s", de.msg);
	log_phase("deleted");
	/* Output still in the pipes; the container is gone (unless --keep: then anything
	 * still writing is left behind after a second of silence). */
	stdio_drain(&pipes, 1000);
	stdio_pipes_close(&pipes);
	if (r < 0)
		err_wrap(e, "run '%s'", o->id);
	state_clear(&cr.st);
	oci_config_free(cr.config);
	return r;
}
