/* exec: a new process joins every namespace of a running container and its cgroup, and
 * gets the same security setup as the container's own process. Like create, no re-exec:
 * the runtime clones, the clone joins the namespaces through the init's pidfd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/internal.h"
#include "container/store.h"
#include "container/sync.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/seccomp.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static char **strv_concat(char **a, char **b)
{
	size_t na = 0, nb = 0;
	while (a && a[na])
		na++;
	while (b && b[nb])
		nb++;
	char **v = calloc(na + nb + 1, sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < na; i++)
		v[i] = strdup(a[i]);
	for (size_t i = 0; i < nb; i++)
		v[na + i] = strdup(b[i]);
	return v;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int parse_id(const char *s, uint32_t *out, const char *what, struct err *e)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':') || v > UINT32_MAX || *s == '-')
		return err_set(e, EINVAL, "--%s: invalid id \"%s\"", what, s);
	*out = (uint32_t)v;
	return 0;
}

/* Apply the exec flags to the container's process (which the config owns and frees). */
static int override_process(struct oci_process *p, const struct exec_opts *o, struct err *e)
{
	char **args = strv_concat(o->args, NULL), **env = strv_concat(p->env, o->env);
	if (!args || !env) {
		strv_free(args);
		strv_free(env);
		return err_set(e, ENOMEM, "exec");
	}
	strv_free(p->args);
	strv_free(p->env);
	p->args = args;
	p->env = env;
	p->terminal = o->tty;
	p->has_console_size = false;
	if (o->cwd) {
		free(p->cwd);
		p->cwd = strdup(o->cwd);
	}
	if (o->user) {
		if (parse_id(o->user, &p->user.uid, "user", e) < 0)
			return -1;
		const char *colon = strchr(o->user, ':');
		if (colon && parse_id(colon + 1, &p->user.gid, "user", e) < 0)
			return -1;
	}
	if (o->additional_gids) {
		size_t n = 0;
		while (o->additional_gids[n])
			n++;
		uint32_t *g = calloc(n + 1, sizeof *g);
		if (!g)
			return err_set(e, ENOMEM, "exec");
		free(p->user.additional_gids);
		p->user.additional_gids = g;
		p->user.n_additional_gids = n;
		for (size_t i = 0; i < n; i++)
			if (parse_id(o->additional_gids[i], &g[i], "additional-gids", e) < 0)
				return -1;
	}
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		int cap = oci_capability_from_name(o->caps[i]);
		if (cap < 0)
			return err_set(e, EINVAL, "--cap: unknown capability \"%s\"", o->caps[i]);
		uint64_t bit = 1ULL << cap;
		p->has_capabilities = true;
		p->capabilities.bounding |= bit;
		p->capabilities.effective |= bit;
		p->capabilities.permitted |= bit;
		p->capabilities.has_bounding = p->capabilities.has_effective =
			p->capabilities.has_permitted = true;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (o->apparmor) {
		free(p->apparmor_profile);
		p->apparmor_profile = strdup(o->apparmor);
	}
	if (o->process_label) {
		free(p->selinux_label);
		p->selinux_label = strdup(o->process_label);
	}
	return 0;
}

struct exec_ctx {
	const struct exec_opts *o;
	struct oci_config *config;
	struct oci_process *process;   /* config->process or one from --process */
	struct oci_process *own;       /* parsed from --process, freed by us */
	struct container_state st;
	int pidfd;
	int join_flags;                /* namespaces the clone joins itself */
	int sock;
};

static int load_process(struct exec_ctx *x, const char *root, struct err *e)
{
	char path[PATH_MAX];
	if (store_path(path, sizeof path, root, x->o->id, CONFIG_COPY, e) < 0 ||
	    oci_config_load(path, &x->config, e) < 0)
		return -1;
	if (x->o->process_file) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (read_file_at(AT_FDCWD, x->o->process_file, &text, &len, e) < 0 ||
		    oci_process_parse(text, len, &x->own, e) < 0)
			return err_wrap(e, "--process %s", x->o->process_file);
		x->process = x->own;
		return 0;
	}
	if (!x->o->args || !x->o->args[0])
		return err_set(e, EINVAL, "exec: process args cannot be empty");
	x->process = &x->config->process;
	return override_process(x->process, x->o, e);
}

static void exec_child(struct exec_ctx *x, int sock)
{
	struct err e = { 0 };
	struct sync_msg m;
	_cleanup_free_ char *exe = NULL;
	const struct oci_process *p = x->process;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* CVE-2019-5736: until execve this is the runtime's image; keep /proc/<pid>/exe
	 * out of reach of the container. */
	prctl(PR_SET_DUMPABLE, 0);
	if (sync_expect(sock, SYNC_GO, &m, NULL, &e) < 0)
		goto fail;
	if (x->join_flags && setns(x->pidfd, x->join_flags) < 0) {
		err_sys(&e, "join the namespaces of container %s", x->o->id);
		goto fail;
	}
	if (setsid() < 0) {
		err_sys(&e, "setsid");
		goto fail;
	}
	if (p->terminal) {
		int master = -1;
		if (terminal_setup_exec(p->has_console_size ? p->console_height : 0,
					p->has_console_size ? p->console_width : 0, &master, &e) < 0 ||
		    sync_send(sock, SYNC_PTY, 0, NULL, master, &e) < 0)
			goto fail;
		close(master);
	}
	if (process_set_rlimits(p, &e) < 0 || process_set_sched_attrs(x->config, p, &e) < 0)
		goto fail;
	if (chdir(p->cwd) < 0) {
		err_sys(&e, "chdir to cwd (\"%s\")", p->cwd);
		goto fail;
	}
	char **env = NULL;
	if (process_find_executable(p, &exe, &e) < 0 || process_env_with_home(p, &env, &e) < 0)
		goto fail;
	const struct oci_linux *l = &x->config->linux_;
	if (l->has_seccomp && !p->no_new_privileges && seccomp_filter_load(&l->seccomp, NULL, &e) < 0)
		goto fail;
	if (lsm_validate(p, &e) < 0 || lsm_apply(p, &e) < 0 || process_set_identity(p, &e) < 0)
		goto fail;
	int keep = 3 + x->o->preserve_fds;
	for (int fd = 3; fd < keep; fd++)
		fcntl(fd, F_SETFD, 0);
	syscall(SYS_close_range, (unsigned)keep, ~0U, CLOSE_RANGE_CLOEXEC);
	if (l->has_seccomp && p->no_new_privileges && seccomp_filter_load(&l->seccomp, NULL, &e) < 0)
		goto fail;
	execve(exe, p->args, env ? env : p->env);
	err_sys(&e, "exec %s", exe);
fail:
	sync_send_error(sock, &e);
	_exit(255);
}

/* The clone is born in the container's pid and time namespaces (pid_for_children of this
 * process is set first), then joins the rest itself. */
static int spawn_exec(struct exec_ctx *x, const char *root, pid_t *child, struct err *e)
{
	int for_children = 0;
	for (size_t i = 0; i < x->config->linux_.n_namespaces; i++) {
		int f = ns_clone_flag(x->config->linux_.namespaces[i].type);
		if (f == CLONE_NEWPID || f == CLONE_NEWTIME)
			for_children |= f;
		else
			x->join_flags |= f;
	}
	if (for_children && setns(x->pidfd, for_children) < 0)
		return err_sys(e, "join the pid namespace of container %s", x->o->id);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, "socketpair");
	x->sock = sv[0];
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[1]);
		return err_sys(e, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		exec_child(x, sv[1]);
	}
	close(sv[1]);
	*child = pid;
	(void)root;
	return 0;
}

/* Serve the clone until its execve closes the socket (success) or it reports an error. */
static int serve_exec(struct exec_ctx *x, int *pty, struct err *e)
{
	for (;;) {
		struct sync_msg m;
		int fd = -1;
		if (sync_recv(x->sock, &m, &fd, e) < 0)
			return e->code == EPIPE ? 0 : -1;
		if (m.type == SYNC_ERROR) {
			err_set(e, 0, "%s", m.data);
			e->code = m.value;
			return -1;
		}
		if (m.type != SYNC_PTY || fd < 0)
			return err_set(e, EPROTO, "unexpected message from exec process");
		if (x->o->console_socket) {
			int r = terminal_send_console(x->o->console_socket, fd, e);
			close(fd);
			if (r < 0)
				return -1;
		} else {
			*pty = fd;
		}
	}
}

static int check_state(struct exec_ctx *x, struct err *e)
{
	switch (x->st.status) {
	case STATUS_STOPPED:
		return err_set(e, EINVAL, "cannot exec in a stopped container");
	case STATUS_PAUSED:
		if (!x->o->ignore_paused)
			return err_set(e, EINVAL, "cannot exec in a paused container (use --ignore-paused to override)");
		break;
	default:
		break;
	}
	x->pidfd = (int)syscall(SYS_pidfd_open, x->st.pid, 0);
	if (x->pidfd < 0 || proc_start_time(x->st.pid) != x->st.start_time)
		return err_set(e, ESRCH, "cannot exec in a stopped container");
	return 0;
}

static int wait_child(pid_t pid, int pty, int *exit_status, struct err *e)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	_cleanup_close_ int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	int status = 0;
	if (pty >= 0) {
		if (terminal_relay(pty, sfd, pid, &status, e) < 0)
			return -1;
	} else {
		for (;;) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo != SIGCHLD) {
				kill(pid, (int)si.ssi_signo);
				continue;
			}
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
		}
	}
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

static int do_exec(const struct runtime_opts *rt, struct exec_ctx *x, int *exit_status,
		   struct err *e)
{
	const struct exec_opts *o = x->o;
	if (container_load(rt, o->id, &x->st, e) < 0 || check_state(x, e) < 0 ||
	    load_process(x, rt->root, e) < 0)
		return -1;
	if (o->cgroup)
		return err_set(e, ENOTSUP, "--cgroup: sub-cgroups for exec are not supported yet");
	if (x->process->terminal && !o->console_socket && o->detach)
		return err_set(e, EINVAL, "cannot allocate tty if ocirun will detach without setting console socket");
	if (!x->process->terminal && o->console_socket)
		return err_set(e, EINVAL, "cannot use console socket if ocirun will not detach or allocate tty");
	struct cgroup *cg = NULL;
	pid_t child = 0;
	_cleanup_close_ int pty = -1;
	int r = cgroup_open(x->st.cgroup_path, &cg, e);
	if (r == 0)
		r = spawn_exec(x, rt->root, &child, e);
	if (r == 0)
		r = cgroup_enter(cg, child, e);
	cgroup_free(cg);
	if (r == 0)
		r = sync_send(x->sock, SYNC_GO, 0, NULL, -1, e);
	if (r == 0)
		r = serve_exec(x, &pty, e);
	if (r == 0 && o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d", (int)child);
		r = write_file_atomic(o->pid_file, buf, (size_t)n, 0644, e);
	}
	if (r < 0) {
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return -1;
	}
	*exit_status = 0;
	return o->detach ? 0 : wait_child(child, pty, exit_status, e);
}

int container_exec(const struct runtime_opts *rt, const struct exec_opts *o, int *exit_status,
		   struct err *e)
{
	struct exec_ctx x = { .o = o, .pidfd = -1, .sock = -1 };
	int r = do_exec(rt, &x, exit_status, e);
	if (x.pidfd >= 0)
		close(x.pidfd);
	if (x.sock >= 0)
		close(x.sock);
	oci_process_free(x.own);
	oci_config_free(x.config);
	state_clear(&x.st);
	return r;
}
