/* exec: a new process joins every namespace of a running container and its cgroup, and
 * gets the same security setup as the container's own process. Like create, no re-exec:
 * the runtime forks, the child joins the namespaces through the init's pidfd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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
#include "container/seccomp_agent.h"
#include "container/store.h"
#include "container/sync.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/seccomp_cache.h"
#include "linux/stdio.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/env.h"
#include "util/fs.h"
#include "util/log.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ---------------------------------------------------------------- the process */

/* An id of --user as runc reads it (Go's Atoi: optional sign, decimal), then its range
 * check, which runc only makes later ("unable to setup user"). Values past 2^31-1 are
 * refused rather than wrapped (runc would wrap 4294967296 to root). */
static int parse_id(const char *s, size_t len, const char *what, uint32_t *out, struct err *e)
{
	char buf[32];
	if (len == 0 || len >= sizeof buf)
		return err_set(e, 0, "--user: parsing \"%.*s\" as int for %s failed: invalid syntax",
			       (int)len, s, what);
	memcpy(buf, s, len);
	buf[len] = '\0';
	const char *digits = buf + (buf[0] == '-' || buf[0] == '+');
	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return err_set(e, 0, "--user: parsing \"%s\" as int for %s failed: invalid syntax",
			       buf, what);
	errno = 0;
	long long v = strtoll(buf, NULL, 10);
	if (errno || v < 0 || v > INT32_MAX)
		return err_set(e, 0, "--user: uids and gids must be in range 0-2147483647");
	*out = (uint32_t)v;
	return 0;
}

/* "uid[:gid]": a gid left out keeps the config's (runc). */
static int apply_user(struct oci_process *p, const char *user, struct err *e)
{
	const char *colon = strchr(user, ':');
	size_t ulen = colon ? (size_t)(colon - user) : strlen(user);
	if (colon && parse_id(colon + 1, strlen(colon + 1), "gid", &p->user.gid, e) < 0)
		return -1;
	return parse_id(user, ulen, "uid", &p->user.uid, e);
}

/* --additional-gids are added to the config's (runc appends). */
static int add_gids(struct oci_process *p, char **gids, struct err *e)
{
	size_t n = 0, have = p->user.n_additional_gids;
	while (gids[n])
		n++;
	uint32_t *g = realloc(p->user.additional_gids, (have + n + 1) * sizeof *g);
	if (!g)
		return err_set(e, ENOMEM, "--additional-gids");
	p->user.additional_gids = g;
	for (size_t i = 0; i < n; i++) {
		char *end;
		errno = 0;
		long long v = strtoll(gids[i], &end, 10);
		if (errno || *end || end == gids[i] || v < 0 || v > INT32_MAX)
			return err_set(e, 0, "--additional-gids: invalid gid \"%s\"", gids[i]);
		g[p->user.n_additional_gids++] = (uint32_t)v;
	}
	return 0;
}

/* --cap goes to the bounding, effective and permitted sets; never to the inheritable one
 * (CVE-2022-29162), so not to the ambient one either. Unknown names are warned about by
 * process_set_identity, as for the config. */
static int add_caps(struct oci_process *p, char **caps, struct err *e)
{
	struct oci_capabilities *c = &p->capabilities;
	for (size_t i = 0; caps[i]; i++) {
		p->has_capabilities = true;
		int cap = oci_capability_from_name(caps[i]);
		if (cap >= 0) {
			uint64_t bit = 1ULL << cap;
			c->bounding |= bit;
			c->effective |= bit;
			c->permitted |= bit;
			c->has_bounding = c->has_effective = c->has_permitted = true;
			continue;
		}
		size_t n = 0;
		while (c->unknown && c->unknown[n])
			n++;
		char **v = realloc(c->unknown, (n + 2) * sizeof *v);
		if (!v || !(v[n] = strdup(caps[i])))
			return err_set(e, ENOMEM, "--cap");
		v[n + 1] = NULL;
		c->unknown = v;
	}
	return 0;
}

/* The process's environment: its own entries, then the extra ones, folded as runc does
 * (a repeated key keeps its first place and its last value). */
static int merge_env(struct oci_process *p, char **extra, struct err *e)
{
	for (size_t i = 0; extra && extra[i]; i++)
		if (env_check(extra[i], "--env", e) < 0)
			return -1;
	return env_fold(&p->env, &p->n_env, extra, e);
}

/* Apply the exec flags to the container's process (which the config owns and frees). */
static int override_process(struct oci_process *p, const struct exec_opts *o, struct err *e)
{
	size_t n = 0;
	while (o->args[n])
		n++;
	char **args = calloc(n + 1, sizeof *args);
	if (!args)
		return err_set(e, ENOMEM, "exec");
	for (size_t i = 0; i < p->n_args; i++)
		free(p->args[i]);
	free(p->args);
	p->args = args;
	p->n_args = 0;
	for (size_t i = 0; i < n; i++, p->n_args++)
		if (!(args[i] = strdup(o->args[i])))
			return err_set(e, ENOMEM, "exec");
	/* runc: the tty is -t alone; consoleSize stays the config's. */
	p->terminal = o->tty;
	if (o->cwd) {
		free(p->cwd);
		if (!(p->cwd = strdup(o->cwd)))
			return err_set(e, ENOMEM, "exec");
	}
	if ((o->user && apply_user(p, o->user, e) < 0) ||
	    (o->additional_gids && add_gids(p, o->additional_gids, e) < 0) ||
	    (o->caps && add_caps(p, o->caps, e) < 0))
		return -1;
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
	if ((o->apparmor && !p->apparmor_profile) || (o->process_label && !p->selinux_label))
		return err_set(e, ENOMEM, "exec");
	return merge_env(p, o->env, e);
}

struct exec_ctx {
	const struct exec_opts *o;
	struct oci_config *config;
	struct oci_process *process;   /* config->process or one from --process */
	struct oci_process *own;       /* parsed from --process, freed by us */
	struct container_state st;
	int pidfd;                     /* the container's init */
	int join_flags;                /* namespaces the child joins itself */
	int sock;
	int sfd;                       /* signalfd: every signal is blocked from before fork */
	struct stdio_pipes pipes;      /* foreground without a tty: the process's stdio */
	bool use_pipes;
	pid_t child;
};

/* The config as it was at create (the state dir's copy), and the process to run: the
 * --process document as is, or the config's process with the exec flags applied. */
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
		return merge_env(x->process, NULL, e);
	}
	if (!x->o->args || !x->o->args[0])
		return err_set(e, 0, "process args cannot be empty");
	x->process = &x->config->process;
	return override_process(x->process, x->o, e);
}

/* ---------------------------------------------------------------- the child */

/* The pty, sized as the caller's terminal when we relay it (the process may ask for its
 * size at once), else as consoleSize says. */
static int child_terminal(const struct exec_ctx *x, int sock, struct err *e)
{
	const struct oci_process *p = x->process;
	_cleanup_close_ int master = -1;
	unsigned rows = p->has_console_size ? p->console_height : 0;
	unsigned cols = p->has_console_size ? p->console_width : 0;
	if (!x->o->console_socket)
		terminal_caller_size(&rows, &cols);
	if (terminal_setup_exec(rows, cols, &master, e) < 0)
		return -1;
	return sync_send(sock, SYNC_PTY, 0, NULL, master, e);
}

/* Nothing of the runtime but stdio and the --preserve-fds ones may reach the process
 * (CVE-2024-21626): the rest is closed by the execve. */
static int seal_fds(int preserve, struct err *e)
{
	int keep = 3 + preserve;
	for (int fd = 3; fd < keep; fd++)
		if (fcntl(fd, F_SETFD, 0) < 0)
			return err_sys(e, "--preserve-fds: fd %d", fd);
	if (syscall(SYS_close_range, (unsigned)keep, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return err_sys(e, "close_range");
	return 0;
}

/* In the container's namespaces and cgroup: the init's setup steps that apply to a
 * process joining it, in the same order, up to the last one before execve. */
static int child_setup(struct exec_ctx *x, int sock, char **exe, char ***env, struct err *e)
{
	const struct oci_process *p = x->process;
	if (x->join_flags && setns(x->pidfd, x->join_flags) < 0)
		return err_sys(e, "join the namespaces of container %s", x->o->id);
	if (setsid() < 0)
		return err_sys(e, "setsid");
	/* In the cgroup now: execCPUAffinity.final, or every CPU the cgroup allows. */
	if (process_set_cpu_affinity(p->exec_cpu_affinity_final, "process.execCPUAffinity.final",
				     e) < 0)
		return -1;
	if (p->terminal && child_terminal(x, sock, e) < 0)
		return -1;
	if (process_set_rlimits(p, e) < 0 || process_set_sched_attrs(x->config, p, e) < 0)
		return -1;
	if (chdir(p->cwd) < 0)
		return err_sys(e, "chdir to cwd (\"%s\") set in config.json failed", p->cwd);
	if (process_find_executable(p, exe, e) < 0 || process_env_with_home(p, env, e) < 0)
		return -1;
	const struct oci_linux *l = &x->config->linux_;
	/* Without no_new_privs the filter must go in while CAP_SYS_ADMIN is still held. */
	if (l->has_seccomp && !p->no_new_privileges &&
	    seccomp_load_forward(sock, &l->seccomp, e) < 0)
		return -1;
	if (lsm_apply(p, e) < 0 || process_set_identity(p, e) < 0)
		return -1;
	return seal_fds(x->o->preserve_fds, e);
}

static _Noreturn void exec_child(struct exec_ctx *x, int sock)
{
	struct err e = { 0 };
	struct sync_msg m;
	_cleanup_free_ char *exe = NULL;
	char **env = NULL;
	const struct oci_process *p = x->process;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* CVE-2019-5736: until execve this is the runtime's image; keep /proc/<pid>/exe
	 * out of reach of the container. */
	prctl(PR_SET_DUMPABLE, 0);
	if (x->use_pipes && stdio_pipes_install(&x->pipes, &e) < 0)
		goto fail;
	/* runc >= 1.2: execCPUAffinity.initial applies before the cgroup transition. */
	if (p->exec_cpu_affinity_initial &&
	    process_set_cpu_affinity(p->exec_cpu_affinity_initial,
				     "process.execCPUAffinity.initial", &e) < 0)
		goto fail;
	if (sync_expect(sock, SYNC_GO, &m, NULL, &e) < 0 || child_setup(x, sock, &exe, &env, &e) < 0)
		goto fail;
	const struct oci_linux *l = &x->config->linux_;
	if (l->has_seccomp && p->no_new_privileges && seccomp_load_forward(sock, &l->seccomp, &e) < 0)
		goto fail;
	execve(exe, p->args, env ? env : p->env);
	err_sys(&e, "exec %s", exe);
fail:
	sync_send_error(sock, &e);
	_exit(255);
}

/* ---------------------------------------------------------------- the parent */

/* The child is born in the container's pid and time namespaces (this process's
 * pid_for_children and time_for_children are set first), then joins the rest itself. */
static int spawn_exec(struct exec_ctx *x, struct err *e)
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
	stdio_pipes_close_child(&x->pipes);
	x->child = pid;
	return 0;
}

/* SCMP_ACT_NOTIFY: the state runc gives the agent for an exec: the container running
 * with its init's pid, and the exec process's own pid beside it. */
static int forward_listener(struct exec_ctx *x, int fd, struct err *e)
{
	_cleanup_free_ char *state = NULL;
	if (container_hook_state(x->o->id, x->st.pid, x->st.bundle, x->st.rootfs, x->config,
				 STATUS_RUNNING, &state, e) < 0)
		return -1;
	return seccomp_agent_forward(x->sock, &x->config->linux_.seccomp, fd, x->child, state,
				     e);
}

/* Serve the child until its execve closes the socket (success) or it reports an error. */
static int serve_exec(struct exec_ctx *x, int *pty, struct err *e)
{
	for (;;) {
		struct sync_msg m;
		int fd = -1;
		if (sync_recv(x->sock, &m, &fd, e) < 0)
			return e->code == EPIPE ? 0 : -1;
		if (m.type == SYNC_ERROR) {
			return err_plain(e, m.value, "unable to start container process: %s", m.data);
		}
		if (m.type == SYNC_SECCOMP) {
			int r = forward_listener(x, fd, e);
			closep(&fd);
			if (r < 0)
				return -1;
			continue;
		}
		if (m.type != SYNC_PTY || fd < 0 || *pty >= 0) {
			if (fd >= 0)
				close(fd);
			return err_set(e, EPROTO, "unexpected message from the exec process");
		}
		if (terminal_take_master(x->o->console_socket, fd, pty, e) < 0)
			return -1;
	}
}

static int check_state(struct exec_ctx *x, struct err *e)
{
	switch (x->st.status) {
	case STATUS_STOPPED:
		return err_set(e, 0, "cannot exec in a stopped container");
	case STATUS_PAUSED:
		if (!x->o->ignore_paused)
			return err_set(e, 0, "cannot exec in a paused container (use --ignore-paused to override)");
		break;
	default:
		break;
	}
	/* The pidfd pins the init; its start time proves it is still the container's. */
	x->pidfd = (int)syscall(SYS_pidfd_open, x->st.pid, 0);
	if (x->pidfd < 0 || proc_start_time(x->st.pid) != x->st.start_time)
		return err_set(e, 0, "cannot exec in a stopped container");
	return 0;
}

/* runc's rules: a tty needs us in the foreground or a console socket to hand it to; a
 * console socket needs both a tty and --detach. */
static int check_terminal(const struct exec_opts *o, const struct oci_process *p, struct err *e)
{
	if (o->detach && p->terminal && !o->console_socket)
		return err_set(e, 0, "cannot allocate tty if ocirun will detach without setting console socket");
	if ((!o->detach || !p->terminal) && o->console_socket)
		return err_set(e, 0, "cannot use console socket if ocirun will not detach or allocate tty");
	if (o->console_socket && terminal_check_console_socket(o->console_socket, e) < 0)
		return -1;
	return 0;
}

/* Every signal is blocked before the fork, so none is lost between it and the wait (the
 * child unblocks them); the synchronous ones stay deliverable to this process. */
static int block_signals(struct exec_ctx *x, struct err *e)
{
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		return err_sys(e, "block signals");
	x->sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (x->sfd < 0)
		return err_sys(e, "signalfd");
	return 0;
}

/* The container's oomScoreAdj applies to its exec processes too (runc). Written through
 * the host's /proc while the child still waits, before it runs anything. */
static int set_oom_score_adj(const struct exec_ctx *x, struct err *e)
{
	const struct oci_process *cp = &x->config->process;
	if (!cp->has_oom_score_adj)
		return 0;
	char path[64], val[16];
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)x->child);
	int n = snprintf(val, sizeof val, "%d", cp->oom_score_adj);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, (size_t)n) != n)
		return err_sys(e, "process.oomScoreAdj: write %s", path);
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* --cgroup, runc's [<controllers>:]<path>: a sub-cgroup of the container's, which must
 * exist. Only the form for every hierarchy is taken: <path> is appended to each entry of
 * the serialised cgroup path (cgroup_path(): "/a" or "*=/a;memory=/b", '\'-escaped). */
static int sub_cgroup(const char *resolved, const char *sub, char **out, struct err *e)
{
	if (strchr(sub, ':'))
		return err_set(e, 0, "--cgroup %s: a <controller>: prefix is not supported, "
			       "only a sub-cgroup for every hierarchy", sub);
	const char *rel = sub + strspn(sub, "/");
	if (!*rel || strpbrk(rel, ";\\") || has_dotdot(rel))
		return err_set(e, 0, "--cgroup %s: not a sub-cgroup of the container's", sub);
	size_t n = strlen(resolved), rl = strlen(rel), entries = 1;
	for (size_t i = 0; i < n; i++)
		entries += resolved[i] == ';';
	char *buf = malloc(n + entries * (rl + 1) + 1), *w = buf;
	if (!buf)
		return err_set(e, ENOMEM, "--cgroup");
	bool keyed = resolved[0] != '/';
	for (size_t i = 0; i <= n; i++) {
		if (keyed && resolved[i] == '\\' && i + 1 < n) {
			*w++ = resolved[i++];
			*w++ = resolved[i];
			continue;
		}
		if (resolved[i] == '\0' || (keyed && resolved[i] == ';'))
			w += sprintf(w, "/%s", rel);
		*w++ = resolved[i];
	}
	*out = buf;
	return 0;
}

/* Start the child in the container; on success *pty holds the master to relay, if any. */
static int start_child(struct exec_ctx *x, int *pty, struct err *e)
{
	_cleanup_free_ char *sub = NULL;
	if (x->o->cgroup && sub_cgroup(x->st.cgroup_path, x->o->cgroup, &sub, e) < 0)
		return -1;
	struct cgroup *cg = NULL;
	int r = cgroup_open(sub ? sub : x->st.cgroup_path, &cg, e);
	if (r == 0)
		r = spawn_exec(x, e);
	if (r == 0 && (r = cgroup_enter(cg, x->child, e)) < 0 && sub)
		err_wrap(e, "--cgroup %s", x->o->cgroup);
	cgroup_free(cg);
	if (r == 0)
		r = set_oom_score_adj(x, e);
	if (r == 0)
		r = sync_send(x->sock, SYNC_GO, 0, NULL, -1, e);
	if (r == 0)
		r = serve_exec(x, pty, e);
	if (r == 0 && x->o->pid_file)
		r = pid_file_write(x->o->pid_file, x->child, e);
	if (r < 0 && x->child > 0) {
		kill(x->child, SIGKILL);
		waitpid(x->child, NULL, 0);
		x->child = 0;
	}
	return r;
}

static int do_exec(const struct runtime_opts *rt, struct exec_ctx *x, int *exit_status,
		   struct err *e)
{
	const struct exec_opts *o = x->o;
	if (container_load(rt, o->id, &x->st, e) < 0 || check_state(x, e) < 0 ||
	    load_process(x, rt->root, e) < 0 || check_terminal(o, x->process, e) < 0 ||
	    lsm_validate(x->process, e) < 0)
		return -1;
	/* Compiled (or read from the cache) here, on the host: the child only loads it. */
	if (x->config->linux_.has_seccomp &&
	    seccomp_filter_prepare(&x->config->linux_.seccomp, e) < 0)
		return -1;
	_cleanup_close_ int pty = -1;
	/* Detached, the process gets our stdio itself; in the foreground, pipes (runc). */
	x->use_pipes = !o->detach && !x->process->terminal;
	if (x->use_pipes && stdio_pipes_open(&x->pipes, x->config, e) < 0)
		return -1;
	if (block_signals(x, e) < 0 || start_child(x, &pty, e) < 0)
		return -1;
	*exit_status = 0;
	if (o->detach)
		return 0;
	int status = 0;
	/* Until its output ends, as runc: a background child holding it keeps us here. */
	int r = pty >= 0 ? terminal_relay(pty, x->sfd, x->child, &status, e)
			 : stdio_relay(&x->pipes, x->sfd, x->child, true, &status, e);
	*exit_status = exit_code_of(status);
	return r;
}

int container_exec(const struct runtime_opts *rt, const struct exec_opts *o, int *exit_status,
		   struct err *e)
{
	struct exec_ctx x = { .o = o, .pidfd = -1, .sock = -1, .sfd = -1,
			      .pipes = STDIO_PIPES_INIT };
	int r = do_exec(rt, &x, exit_status, e);
	closep(&x.pidfd);
	closep(&x.sock);
	closep(&x.sfd);
	stdio_pipes_close(&x.pipes);
	oci_process_free(x.own);
	oci_config_free(x.config);
	state_clear(&x.st);
	return r;
}
