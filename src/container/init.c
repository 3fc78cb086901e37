/* The container's init: runs in the cloned child, inside the new namespaces, and turns
 * itself into the container process step by step, in the spec's order, ending in execve.
 * Until SYNC_READY every error goes back to the parent with its text. */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/internal.h"
#include "container/seccomp_agent.h"
#include "container/sync.h"
#include "linux/hooks.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/netdev.h"
#include "linux/procfs.h"
#include "linux/process.h"
#include "linux/rootfs.h"
#include "linux/safepath.h"
#include "linux/seccomp.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/log.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
}

/* Slow path: join namespaces by path, unshare the new ones, fork once more when a pid or
 * time namespace only applies to children. The intermediate reports the init's pid and
 * exits; the init is a sibling of it. */
static int enter_namespaces(const struct init_args *a, struct err *e)
{
	if (ns_plan_join(a->plan, e) < 0)
		return -1;
	if (a->unshare_flags && unshare((int)a->unshare_flags) < 0)
		return err_sys(e, "unshare namespaces");
	if (a->plan->new_user) {
		struct sync_msg m;
		if (sync_send(a->sync_fd, SYNC_USERNS_REQ, 0, NULL, -1, e) < 0 ||
		    sync_expect(a->sync_fd, SYNC_USERNS_DONE, &m, NULL, e) < 0)
			return -1;
	}
	if (!a->fork_init)
		return 0;
	if ((a->unshare_flags & CLONE_NEWTIME) && ns_write_time_offsets(a->config, e) < 0)
		return -1;
	/* CLONE_PARENT: the init is the runtime's child, as in the fast path, so `run` can
	 * wait for it without being a subreaper (--no-subreaper; runc's nsexec does the same). */
	struct clone_args ca = { .flags = CLONE_PARENT };
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
	if (pid < 0)
		return err_sys(e, "fork container init");
	if (pid > 0) {
		struct err ignored;
		sync_send(a->sync_fd, SYNC_PID, pid, NULL, -1, &ignored);
		_exit(0);
	}
	return 0;
}

static int join_session_keyring(const char *id, struct err *e)
{
	char name[512];
	snprintf(name, sizeof name, "_ses.%s", id);
	/* Kernels or seccomp profiles without keyrings are fine: runc ignores ENOSYS too. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS)
		return err_sys(e, "join session keyring");
	return 0;
}

/* Hooks run by the init see its pid in the container's pid namespace (the spec: "as seen
 * by the container"; runc gives the same). */
static int run_create_hooks(const struct init_args *a, struct err *e)
{
	const struct oci_hooks *h = &a->config->hooks;
	/* The parent's part: linux.netDevices too, before those hooks. */
	bool net_devices = a->config->has_linux && a->config->linux_.n_net_devices;
	if (h->prestart.n || h->create_runtime.n || net_devices) {
		struct sync_msg m;
		if (sync_send(a->sync_fd, SYNC_HOOKS_REQ, 0, NULL, -1, e) < 0 ||
		    sync_expect(a->sync_fd, SYNC_HOOKS_DONE, &m, NULL, e) < 0)
			return -1;
	}
	if (!h->create_container.n)
		return 0;
	_cleanup_free_ char *state = NULL;
	if (container_hook_state(a->opts->id, getpid(), a->bundle, a->rootfs, a->config,
				 STATUS_CREATING, &state, e) < 0)
		return -1;
	return hooks_run(&h->create_container, "createContainer", state, e);
}

static int setup_terminal(const struct init_args *a, struct err *e)
{
	const struct oci_process *p = &a->config->process;
	int master = -1;
	if (terminal_setup_container(p->has_console_size ? p->console_height : 0,
				     p->has_console_size ? p->console_width : 0, &master, e) < 0)
		return -1;
	int r = sync_send(a->sync_fd, SYNC_PTY, 0, NULL, master, e);
	close(master);
	return r;
}

/* runc creates a missing cwd; inside the new root, without following symlinks out. */
static int make_cwd(const char *cwd, struct err *e)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(e, "open /");
	_cleanup_close_ int dir = safe_mkdir_p(root, cwd, 0755, e);
	if (dir < 0)
		return err_wrap(e, "create cwd %s", cwd);
	return 0;
}

/* sysctl and oom_score_adj go through a verified procfs handle, and before readonlyPaths
 * (runc's defaults make /proc/sys read-only). */
static int setup_proc_writes(const struct init_args *a, struct err *e)
{
	const struct oci_config *c = a->config;
	const struct oci_process *p = &c->process;
	if (!(c->has_linux && c->linux_.n_sysctl) && !p->has_oom_score_adj)
		return 0;
	_cleanup_close_ int proc_fd = procfs_open("/proc", e);
	if (proc_fd < 0)
		return err_wrap(e, "sysctl and oomScoreAdj need /proc");
	if (process_apply_sysctl(c, proc_fd, e) < 0)
		return -1;
	if (p->has_oom_score_adj && process_set_oom_score_adj(proc_fd, p->oom_score_adj, e) < 0)
		return -1;
	return 0;
}

static int setup_process(const struct init_args *a, struct err *e)
{
	const struct oci_process *p = &a->config->process;
	/* In its cgroup now: drop the affinity inherited from the caller (e.g. taskset), as
	 * runc >= 1.2 does; before the scheduler, which SCHED_DEADLINE cares about. The
	 * spec's execCPUAffinity does not apply to the init. */
	if (process_set_cpu_affinity(NULL, "CPU affinity", e) < 0)
		return -1;
	if (process_set_rlimits(p, e) < 0 || process_set_sched_attrs(a->config, p, e) < 0)
		return -1;
	if (chdir(p->cwd) < 0)
		return err_sys(e, "chdir to cwd (\"%s\") set in config.json", p->cwd);
	return 0;
}

/* CVE-2024-21626: nothing of the runtime but the fds asked for may reach the container. */
static int seal_fds(const struct init_args *a, struct err *e)
{
	int keep = 3 + a->listen_fds + a->opts->preserve_fds;
	for (int fd = 3; fd < keep; fd++)
		if (fcntl(fd, F_SETFD, 0) < 0)
			return err_sys(e, "--preserve-fds: fd %d", fd);
	if (syscall(SYS_close_range, (unsigned)keep, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return err_sys(e, "close_range");
	return 0;
}

/* The pages the init touched while it set up wait in this CPU's batch for the LRU, which
 * holds a reference to each: freed by the execve they would stay charged to the
 * container's memory limit, beside its process's first pages, until whatever runs next on
 * this CPU flushes the batch, and the init may well wake up on another one. MADV_COLD
 * flushes it (lru_add_drain) whatever the range; ours is a page of the stack, discarded
 * at the execve anyway. Before Linux 5.4 (no MADV_COLD) it changes nothing. */
static void flush_lru_batch(void)
{
	char here;
	uintptr_t page = (uintptr_t)&here & ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
	madvise((void *)page, 1, MADV_COLD);
}

/* Block until `start` writes to the exec fifo. poll() does not report a FIFO without writers
 * as readable until a writer has connected, so this sleeps until start. */
static int wait_exec_fifo(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;
	for (;;) {
		int r = poll(&pfd, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		ssize_t n = read(fd, &c, 1);
		if (n == 1)
			break;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return -1;
	}
	close(fd);
	return 0;
}

static bool notify_before_start(const struct oci_config *c)
{
	return c->has_linux && c->linux_.has_seccomp && c->process.no_new_privileges &&
	       seccomp_filter_uses_notify(&c->linux_.seccomp);
}

/* Whether prepare() loaded the container's seccomp filter: from then on the init makes no
 * call the filter may not allow but those it must (its default action may kill). */
static bool filter_loaded(const struct oci_config *c)
{
	return c->has_linux && c->linux_.has_seccomp &&
	       (!c->process.no_new_privileges || notify_before_start(c));
}

static int prepare(const struct init_args *a, char **exe, char ***env, struct err *e)
{
	const struct oci_config *c = a->config;
	/* New or joined by path: the process runs as the namespace's root from here on, as
	 * runc's init, so that its ids are mapped ones (creating files under an unmapped
	 * owner fails with EOVERFLOW). */
	if (oci_config_namespace(c, OCI_NS_USER) &&
	    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return err_sys(e, "become root in the user namespace");
	if (setsid() < 0)
		return err_sys(e, "setsid");
	if (!a->opts->no_new_keyring && join_session_keyring(a->opts->id, e) < 0)
		return -1;
	if (process_set_hostname(c, e) < 0)
		return -1;
	const struct oci_namespace *net = oci_config_namespace(c, OCI_NS_NETWORK);
	if (net && !net->path && netdev_loopback_up(e) < 0)
		return -1;
	struct rootfs_ctx rc = { .config = c, .rootfs = a->rootfs, .bundle = a->bundle,
				 .console_fd = -1, .no_pivot = a->opts->no_pivot,
				 .userns = oci_config_namespace(c, OCI_NS_USER) != NULL,
				 .idmap_fds = a->idmap_fds };
	if (rootfs_prepare(&rc, e) < 0)
		return -1;
	log_phase("init: mounts");
	if (run_create_hooks(a, e) < 0 || rootfs_pivot(&rc, e) < 0)
		return -1;
	log_phase("init: pivot");
	if (c->process.terminal && setup_terminal(a, e) < 0)
		return -1;
	if (make_cwd(c->process.cwd, e) < 0)
		return -1;
	if (setup_proc_writes(a, e) < 0 || rootfs_finalize(&rc, e) < 0 || setup_process(a, e) < 0)
		return -1;
	if (process_find_executable(&c->process, exe, e) < 0 ||
	    process_env_with_home(&c->process, env, e) < 0)
		return -1;
	bool nnp = c->process.no_new_privileges;
	/* Without no_new_privs the filter must go in while CAP_SYS_ADMIN is still held. */
	if (c->has_linux && c->linux_.has_seccomp && !nnp &&
	    seccomp_load_forward(a->sync_fd, &c->linux_.seccomp, e) < 0)
		return -1;
	log_phase("init: seccomp");
	if (lsm_apply(&c->process, e) < 0 || process_set_identity(&c->process, e) < 0)
		return -1;
	log_phase("init: identity");
	if (seal_fds(a, e) < 0)
		return -1;
	/* With no_new_privs the filter waits for start (start_container), but not when the
	 * agent needs its listener fd: that goes to create's process over the sync socket,
	 * closed at READY. runc loads it here with no_new_privs in any case. */
	if (notify_before_start(c) && seccomp_load_forward(a->sync_fd, &c->linux_.seccomp, e) < 0)
		return -1;
	return 0;
}

/* After the fifo: startContainer hooks (status "created": the user program has not run
 * yet, as in runc), then seccomp when no_new_privs lets it wait until here. */
static int start_container(const struct init_args *a, struct err *e)
{
	const struct oci_config *c = a->config;
	if (c->hooks.start_container.n) {
		_cleanup_free_ char *state = NULL;
		if (container_hook_state(a->opts->id, getpid(), a->bundle, a->rootfs, c,
					 STATUS_CREATED, &state, e) < 0 ||
		    hooks_run(&c->hooks.start_container, "startContainer", state, e) < 0)
			return -1;
	}
	if (c->has_linux && c->linux_.has_seccomp && c->process.no_new_privileges &&
	    !notify_before_start(c) && seccomp_filter_load(&c->linux_.seccomp, NULL, e) < 0)
		return -1;
	return 0;
}

/* The sync socket is gone once start may run: the error goes to the start fifo, where
 * `start` reads it (one write, far below PIPE_BUF, so it arrives whole). */
static void report_start_error(const struct init_args *a, const struct err *e)
{
	size_t len = strnlen(e->msg, sizeof e->msg);
	if (a->status_fd < 0 || write(a->status_fd, e->msg, len) != (ssize_t)len)
		log_error("%s", e->msg);
}

int init_main(const struct init_args *a)
{
	struct err e;  /* err_clear, not "= { 0 }": that would zero-fill 2 KiB of stack */
	struct sync_msg m;
	_cleanup_free_ char *exe = NULL;
	char **env = NULL;   /* the config's env plus HOME; freed by execve or exit */
	err_clear(&e);
	/* Before anything else, so that everything the init does is the container's (and
	 * charged to it); in the double-fork case the init inherits it from here. */
	if (cgroup_join_self(a->cgroup, &e) < 0)
		goto fail;
	reset_signals();
	/* First: hooks the init runs see the same stdio as the process. */
	for (int i = 0; a->stdio && i < 3; i++)
		if (dup2(a->stdio[i], i) < 0) {
			err_sys(&e, "stdio pipe to fd %d", i);
			goto fail;
		}
	if (a->slow_path && enter_namespaces(a, &e) < 0)
		goto fail;
	if (!a->slow_path && a->plan->new_user &&
	    (sync_send(a->sync_fd, SYNC_USERNS_REQ, 0, NULL, -1, &e) < 0 ||
	     sync_expect(a->sync_fd, SYNC_USERNS_DONE, &m, NULL, &e) < 0))
		goto fail;
	if (sync_expect(a->sync_fd, SYNC_GO, &m, NULL, &e) < 0)
		goto fail;
	if ((a->plan->new_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
		err_sys(&e, "unshare cgroup namespace");
		goto fail;
	}
	if (prepare(a, &exe, &env, &e) < 0)
		goto fail;
	if (sync_send(a->sync_fd, SYNC_READY, 0, NULL, -1, &e) < 0)
		return 1;
	close(a->sync_fd);
	if (!filter_loaded(a->config))
		flush_lru_batch();
	if (wait_exec_fifo(a->fifo_fd) < 0)
		return 1;
	if (start_container(a, &e) < 0) {
		report_start_error(a, &e);
		return 1;
	}
	execve(exe, a->config->process.args, env ? env : a->config->process.env);
	err_sys(&e, "exec %s", exe);
	report_start_error(a, &e);
	return 127;
fail:
	sync_send_error(a->sync_fd, &e);
	return 1;
}
