/* create, the parent side: validate everything, then clone the init into its namespaces,
 * place it in its cgroup, answer its requests, and record the state. On any failure the
 * cleanup removes every trace (process, cgroup, state dir). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/internal.h"
#include "container/notify.h"
#include "container/seccomp_agent.h"
#include "container/store.h"
#include "container/sync.h"
#include "linux/hooks.h"
#include "linux/idmap.h"
#include "linux/netdev.h"
#include "linux/pidfd.h"
#include "linux/lsm.h"
#include "linux/process.h"
#include "linux/seccomp_cache.h"
#include "linux/stdio.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/env.h"
#include "util/log.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int container_validate_id(const char *id, struct err *e)
{
	if (!id || !*id)
		return err_set(e, EINVAL, "container id cannot be empty");
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return err_set(e, EINVAL, "invalid container ID format: %s", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '+' || c == '-' || c == '.';
		if (!ok)
			return err_set(e, EINVAL, "invalid container ID format: %s", id);
	}
	if (strlen(id) > 1024)
		return err_set(e, EINVAL, "invalid container ID format: %s", id);
	return 0;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* Into its cgroup2 directory from the start where the kernel can (5.7); a kernel that
 * refuses the flag or the cgroup (E2BIG, EINVAL: older; EOPNOTSUPP: not a domain cgroup it
 * could start in) gets a plain clone, and the child writes cgroup.procs itself. */
static pid_t clone_init(unsigned long flags, struct cgroup_join *join)
{
	struct clone_args ca = { .flags = flags, .exit_signal = SIGCHLD };
	if (join->dir2 >= 0) {
		join->cloned_into = true;
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (__u64)join->dir2;
		pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
		if (pid >= 0 || (errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP))
			return pid;
		log_debug("clone3 with CLONE_INTO_CGROUP: %s; the init joins by cgroup.procs",
			  strerror(errno));
		join->cloned_into = false;
		ca.flags = flags;
		ca.cgroup = 0;
	}
	return (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
}

int container_hook_state(const char *id, pid_t pid, const char *bundle, const char *rootfs,
			 const struct oci_config *c, enum container_status status, char **out,
			 struct err *e)
{
	struct container_state st = { .id = (char *)id, .pid = pid, .bundle = (char *)bundle,
				      .rootfs = (char *)rootfs, .created = (char *)"",
				      .annotations = c->annotations,
				      .n_annotations = c->n_annotations };
	return state_render_hook(&st, status, out, e);
}

/* Everything a create holds until it either hands the container over or tears it down. */
struct create_ctx {
	const struct runtime_opts *rt;
	const struct create_opts *o;
	struct oci_config *config;
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	struct ns_plan plan;
	struct cgroup *cg;
	bool cgroup_shared;     /* other processes were in it: teardown spares them */
	bool state_dir;
	int sock;
	int fifo_rd;
	int status_wr;  /* the start fifo's write end, for the init only */
	pid_t child;    /* the clone (intermediate in the double-fork case) */
	pid_t pid;      /* the init */
	int pty_master;
	struct stdio_pipes pipes;  /* run in the foreground without a terminal */
	int pidfd_sock;  /* --pidfd-socket, connected before anything is created */
	int listen_fds;  /* LISTEN_FDS of systemd socket activation meant for us */
	int *idmap_fds;  /* per mount: its idmapped tree, made here for the init to attach */
};

/* Fields the parser understands but the runtime does not implement yet: refused, never
 * silently ignored (`features` reports them as not enabled). */
static int refuse_unimplemented(const struct oci_config *c, struct err *e)
{
	if (!c->has_linux)
		return 0;
	if (c->linux_.has_intel_rdt)
		return err_set(e, ENOTSUP, "config.json: linux.intelRdt: Intel RDT is not supported");
	return 0;
}

/* The environment as runc builds it: a key given twice keeps its first place and its last
 * value (what getenv in the container then sees). */
static int fold_env(struct oci_process *p, struct err *e)
{
	if (env_fold(&p->env, &p->n_env, NULL, e) < 0)
		return err_wrap(e, "process.env");
	return 0;
}

/* systemd socket activation, as runc does it: when LISTEN_PID is us, the LISTEN_FDS fds
 * from 3 on go to the container before the --preserve-fds ones, and the process is told
 * with LISTEN_FDS=N and LISTEN_PID=1 in its environment. */
static int take_listen_fds(struct create_ctx *x, struct err *e)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	if (!pid || !fds || strtol(pid, &end, 10) != (long)getpid() || *end)
		return 0;
	long n = strtol(fds, &end, 10);
	if (*end || n <= 0 || n > 1024)
		return 0;
	struct oci_process *p = &x->config->process;
	char entry[64];
	snprintf(entry, sizeof entry, "LISTEN_FDS=%ld", n);
	if (env_set(&p->env, &p->n_env, entry, e) < 0 ||
	    env_set(&p->env, &p->n_env, "LISTEN_PID=1", e) < 0)
		return err_wrap(e, "LISTEN_FDS");
	x->listen_fds = (int)n;
	return 0;
}

int container_bundle_open(const char *bundle_arg, char bundle[PATH_MAX], char rootfs[PATH_MAX],
			  struct oci_config **out, struct err *e)
{
	const char *b = bundle_arg && *bundle_arg ? bundle_arg : ".";
	if (!realpath(b, bundle))
		return err_sys(e, "bundle %s", b);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/config.json", bundle);
	if (oci_config_load(path, out, e) < 0)
		return -1;
	const struct oci_config *c = *out;
	if (!c->has_process)
		return err_set(e, EINVAL, "config.json: process: required to create a container");
	if (!c->root_path)
		return err_set(e, EINVAL, "config.json: root.path: required");
	char root[PATH_MAX * 2];
	if (c->root_path[0] == '/')
		snprintf(root, sizeof root, "%s", c->root_path);
	else
		snprintf(root, sizeof root, "%s/%s", bundle, c->root_path);
	struct stat st;
	if (!realpath(root, rootfs) || stat(rootfs, &st) < 0)
		return err_sys(e, "rootfs (%s)", root);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "rootfs (%s) is not a directory", root);
	return 0;
}

static int load_bundle(struct create_ctx *x, struct err *e)
{
	if (container_bundle_open(x->o->bundle, x->bundle, x->rootfs, &x->config, e) < 0)
		return -1;
	const struct oci_config *c = x->config;
	if (process_sysctl_validate(c, e) < 0 || lsm_validate(&c->process, e) < 0)
		return err_wrap(e, "config.json");
	if (c->has_linux && c->linux_.has_seccomp && seccomp_filter_prepare(&c->linux_.seccomp, e) < 0)
		return err_wrap(e, "config.json");
	if (!oci_config_namespace(c, OCI_NS_MOUNT))
		return err_set(e, EINVAL, "config.json: linux.namespaces: a mount namespace is required");
	/* Moving a device into the runtime's own namespace would do nothing, silently. */
	if (c->has_linux && c->linux_.n_net_devices && !oci_config_namespace(c, OCI_NS_NETWORK))
		return err_set(e, EINVAL, "config.json: linux.netDevices: requires a network "
			       "namespace in linux.namespaces");
	if (c->has_linux && netdev_check(&c->linux_, e) < 0)
		return err_wrap(e, "config.json");
	if (idmap_mounts_check(c, e) < 0)
		return -1;
	return refuse_unimplemented(c, e);
}

static int check_terminal_opts(const struct create_opts *o, const struct oci_config *c,
			       struct err *e)
{
	/* runc's rules: a console socket needs both a terminal and a detached runtime (run in
	 * the foreground relays the terminal itself). */
	if (c->process.terminal && !o->console_socket && !o->foreground)
		return err_set(e, 0, "cannot allocate tty if ocirun will detach without setting console socket");
	if ((!c->process.terminal || o->foreground) && o->console_socket)
		return err_set(e, 0, "cannot use console socket if ocirun will not detach or allocate tty");
	if (o->console_socket && terminal_check_console_socket(o->console_socket, e) < 0)
		return -1;
	return 0;
}

static int make_fifo(struct create_ctx *x, struct err *e)
{
	char path[PATH_MAX];
	if (store_path(path, sizeof path, x->rt->root, x->o->id, FIFO_FILE, e) < 0)
		return -1;
	if (mkfifo(path, 0600) < 0)
		return err_sys(e, "create exec fifo %s", path);
	/* The init holds the read end from the start, so `start` can tell a live init (open
	 * for writing succeeds) from a dead one (ENXIO) without blocking. */
	x->fifo_rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (x->fifo_rd < 0)
		return err_sys(e, "open exec fifo %s", path);
	if (store_path(path, sizeof path, x->rt->root, x->o->id, START_FIFO_FILE, e) < 0)
		return -1;
	if (mkfifo(path, 0600) < 0)
		return err_sys(e, "create start fifo %s", path);
	/* O_RDWR: a write-only open would block (or fail non-blocking) without a reader. */
	x->status_wr = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (x->status_wr < 0)
		return err_sys(e, "open start fifo %s", path);
	return 0;
}

/* A time namespace can only get its offsets before any process is in it, and one given by
 * path must be joined before any other: those go the slow way, unshare in the child. */
static bool slow_path(const struct create_ctx *x)
{
	return x->plan.n_join > 0 || (x->plan.new_flags & CLONE_NEWTIME);
}

/* The slow way forks the init once more when a pid or time namespace only applies to
 * children; the intermediate process joins the cgroup and exits. */
static bool init_forks(const struct create_ctx *x)
{
	return slow_path(x) && (x->plan.new_flags & (CLONE_NEWPID | CLONE_NEWTIME) ||
				oci_config_namespace(x->config, OCI_NS_PID) ||
				oci_config_namespace(x->config, OCI_NS_TIME));
}

static int spawn(struct create_ctx *x, struct err *e)
{
	_cleanup_(cgroup_join_close) struct cgroup_join join = CGROUP_JOIN_INIT;
	if (cgroup_join_open(x->cg, &join, e) < 0)
		return -1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, "socketpair");
	x->sock = sv[0];
	bool slow = slow_path(x);
	struct init_args a = {
		.config = x->config, .opts = x->o, .rootfs = x->rootfs, .bundle = x->bundle,
		.sync_fd = sv[1], .fifo_fd = x->fifo_rd, .status_fd = x->status_wr,
		.listen_fds = x->listen_fds, .stdio = x->pipes.child[0] >= 0 ? x->pipes.child : NULL,
		.plan = &x->plan, .slow_path = slow, .cgroup = &join, .idmap_fds = x->idmap_fds,
		.unshare_flags = slow ? x->plan.new_flags & ~(unsigned long)CLONE_NEWCGROUP : 0,
		.fork_init = init_forks(x),
	};
	/* The cgroup namespace is unshared by the init once it sits in its cgroup, so that its
	 * root is the container's cgroup, not ours. */
	pid_t pid = clone_init(slow ? 0 : x->plan.new_flags & ~(unsigned long)CLONE_NEWCGROUP,
			       &join);
	if (pid < 0) {
		int saved = errno;
		close(sv[1]);
		errno = saved;
		return err_sys(e, "clone container init");
	}
	if (pid == 0) {
		close(sv[0]);
		_exit(init_main(&a));
	}
	close(sv[1]);
	log_debug("cgroup: the init joins by %s", cgroup_join_method(&join));
	stdio_pipes_close_child(&x->pipes);
	/* The init holds its own copies of the idmapped trees now. */
	idmap_mounts_close(steal_ptr(&x->idmap_fds), x->config->n_mounts);
	/* Only the init may hold a writer, or `start` would never see EOF (run starts from
	 * this very process). */
	close(steal_fd(&x->status_wr));
	x->child = pid;
	x->pid = a.fork_init ? 0 : pid;
	struct sync_msg m;
	if (x->plan.new_user) {
		if (sync_expect(x->sock, SYNC_USERNS_REQ, &m, NULL, e) < 0 ||
		    ns_write_id_maps(pid, x->config, e) < 0 ||
		    sync_send(x->sock, SYNC_USERNS_DONE, 0, NULL, -1, e) < 0)
			return -1;
	}
	if (a.fork_init) {
		if (sync_expect(x->sock, SYNC_PID, &m, NULL, e) < 0)
			return -1;
		x->pid = m.value;
		waitpid(x->child, NULL, 0);
		x->child = 0;
	}
	return 0;
}

/* linux.netDevices, on the init's request (HOOKS_REQ): its network namespace exists by
 * then in every path (a second fork or a late unshare included), and the prestart and
 * createRuntime hooks that follow see the devices in place. */
static int move_net_devices(struct create_ctx *x, struct err *e)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)x->pid);
	_cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return err_sys(e, "linux.netDevices: open %s", path);
	return netdev_move_all(&x->config->linux_, ns, e);
}

static int run_runtime_hooks(struct create_ctx *x, struct err *e)
{
	_cleanup_free_ char *state = NULL;
	if (x->config->has_linux && x->config->linux_.n_net_devices && move_net_devices(x, e) < 0)
		return -1;
	if (container_hook_state(x->o->id, x->pid, x->bundle, x->rootfs, x->config,
				 STATUS_CREATING, &state, e) < 0)
		return -1;
	if (hooks_run(&x->config->hooks.prestart, "prestart", state, e) < 0)
		return -1;
	return hooks_run(&x->config->hooks.create_runtime, "createRuntime", state, e);
}

/* SCMP_ACT_NOTIFY: the agent gets the listener while the container is created, with the
 * state as runc gives it (status creating, the init's pid). */
static int forward_listener(struct create_ctx *x, int fd, struct err *e)
{
	_cleanup_free_ char *state = NULL;
	if (container_hook_state(x->o->id, x->pid, x->bundle, x->rootfs, x->config,
				 STATUS_CREATING, &state, e) < 0)
		return -1;
	return seccomp_agent_forward(x->sock, &x->config->linux_.seccomp, fd, x->pid, state, e);
}

/* Serve the init until it reports ready (or fails). */
static int serve_init(struct create_ctx *x, struct err *e)
{
	for (;;) {
		struct sync_msg m;
		int fd = -1;
		if (sync_recv(x->sock, &m, &fd, e) < 0)
			return -1;
		switch (m.type) {
		case SYNC_READY:
			return 0;
		case SYNC_ERROR:
			return err_plain(e, m.value, "%s", m.data);
		case SYNC_HOOKS_REQ:
			if (run_runtime_hooks(x, e) < 0 ||
			    sync_send(x->sock, SYNC_HOOKS_DONE, 0, NULL, -1, e) < 0)
				return -1;
			break;
		case SYNC_SECCOMP: {
			int r = forward_listener(x, fd, e);
			closep(&fd);
			if (r < 0)
				return -1;
			break;
		}
		case SYNC_PTY:
			if (fd < 0)
				return err_set(e, EPROTO, "pty message without a pty");
			if (terminal_take_master(x->o->console_socket, fd, &x->pty_master, e) < 0)
				return -1;
			break;
		default:
			if (fd >= 0)
				close(fd);
			return err_set(e, EPROTO, "unexpected message %u from container init", m.type);
		}
	}
}

static int record_state(struct create_ctx *x, struct created *out, struct err *e)
{
	struct container_state *st = &out->st;
	char created[64];
	state_now_rfc3339(created, sizeof created);
	st->id = strdup(x->o->id);
	st->bundle = strdup(x->bundle);
	st->rootfs = strdup(x->rootfs);
	st->created = strdup(created);
	st->cgroup_path = strdup(cgroup_path(x->cg));
	st->cgroup_shared = x->cgroup_shared;
	st->pid = x->pid;
	st->owner = geteuid();
	st->start_time = proc_start_time(x->pid);
	st->status = STATUS_CREATED;
	if (x->config->n_annotations) {
		st->annotations = calloc(x->config->n_annotations, sizeof *st->annotations);
		for (size_t i = 0; st->annotations && i < x->config->n_annotations; i++) {
			st->annotations[i].key = strdup(x->config->annotations[i].key);
			st->annotations[i].value = strdup(x->config->annotations[i].value);
			st->n_annotations++;
		}
	}
	if (!st->id || !st->bundle || !st->rootfs || !st->created || !st->cgroup_path)
		return err_set(e, ENOMEM, "record state");
	if (st->start_time == 0)
		return err_set(e, ESRCH, "container init exited during create");
	if (store_save(x->rt->root, st, e) < 0)
		return -1;
	return x->o->pid_file ? pid_file_write(x->o->pid_file, x->pid, e) : 0;
}

/* Always: the device rules apply even without linux.resources, as runc does. */
static int apply_resources(struct create_ctx *x, struct err *e)
{
	if (cgroup_apply_linux(x->cg, x->config->has_linux ? &x->config->linux_ : NULL, e) < 0)
		return -1;
	log_phase("resources");
	return 0;
}

/* An init gone during create without a word: when the OOM killer took it (a memory limit
 * too small for the container's setup), say so rather than "exited unexpectedly". Only in
 * a cgroup of its own, whose OOM kills are the init's. Returns -1. */
static int explain_oom_kill(struct create_ctx *x, struct err *e)
{
	uint64_t kills = 0;
	struct err ignored;
	if (e->code != EPIPE || x->cgroup_shared || cgroup_oom_kills(x->cg, &kills, &ignored) < 0 ||
	    kills == 0)
		return -1;
	const struct oci_resources *r = &x->config->linux_.resources;
	if (x->config->has_linux && x->config->linux_.has_resources && r->has_memory &&
	    r->memory.has_limit && r->memory.limit > 0)
		return err_set(e, ENOMEM, "linux.resources.memory.limit: %lld is too small: the OOM "
			       "killer killed the container's init while it set the container up",
			       (long long)r->memory.limit);
	return err_set(e, ENOMEM, "the OOM killer killed the container's init while it set the "
		       "container up");
}

static int do_create(struct create_ctx *x, struct created *out, struct err *e)
{
	if (container_validate_id(x->o->id, e) < 0 || load_bundle(x, e) < 0 ||
	    fold_env(&x->config->process, e) < 0 || take_listen_fds(x, e) < 0 ||
	    check_terminal_opts(x->o, x->config, e) < 0 ||
	    ns_plan_open(x->config, &x->plan, e) < 0)
		return -1;
	if (x->o->pidfd_socket && (x->pidfd_sock = pidfd_socket_connect(x->o->pidfd_socket, e)) < 0)
		return -1;
	log_phase("parse");
	int dfd = store_create(x->rt->root, x->o->id, e);
	if (dfd < 0)
		return -1;
	close(dfd);
	x->state_dir = true;
	if (store_copy_config(x->rt->root, x->o->id, x->bundle, e) < 0 || make_fifo(x, e) < 0)
		return -1;
	/* After the copy: exec gets the config's env, without NOTIFY_SOCKET (runc too). */
	if (notify_host_socket() && notify_prepare(x->config, x->rt->root, x->o->id, e) < 0)
		return -1;
	const struct oci_linux *l = &x->config->linux_;
	if (cgroup_new(l->cgroups_path, x->o->id, &x->cg, e) < 0 || cgroup_create(x->cg, e) < 0)
		return -1;
	if (cgroup_check_reuse(x->cg, &x->cgroup_shared, e) < 0)
		return -1;
	log_phase("cgroup");
	/* run in the foreground without a terminal: the process's stdio are pipes (runc). */
	if (x->o->foreground && !x->config->process.terminal &&
	    stdio_pipes_open(&x->pipes, x->config, e) < 0)
		return -1;
	if (idmap_mounts_open(x->config, x->bundle, &x->plan, &x->idmap_fds, e) < 0)
		return err_wrap(e, "config.json");
	/* The resources go in before the init joins its cgroup. Its first charge there would
	 * otherwise take a per-CPU batch of 64 pages (256 KiB) into the cgroup's usage, and a
	 * smaller memory limit written after it fails (v1: EBUSY) or OOM-kills the init (v2)
	 * unless the kernel's drain of that batch, asynchronous when the init ran on another
	 * CPU, wins the race. Nor does the init then spend a moment in its cgroup without its
	 * limits and device rules. Except when the init forks once more: the intermediate
	 * counts against pids.limit while it forks, so there they follow the clone. */
	bool before = !init_forks(x);
	if (before && apply_resources(x, e) < 0)
		return -1;
	if (spawn(x, e) < 0)
		return -1;
	log_phase("clone");
	if (!before && apply_resources(x, e) < 0)
		return -1;
	if (sync_send(x->sock, SYNC_GO, x->pid, NULL, -1, e) < 0) {
		/* An init that failed early has sent why before it exited. */
		struct err why;
		struct sync_msg m;
		if (sync_expect(x->sock, SYNC_READY, &m, NULL, &why) < 0 && why.msg[0])
			*e = why;
		return explain_oom_kill(x, e);
	}
	if (serve_init(x, e) < 0)
		return explain_oom_kill(x, e);
	log_phase("init-ready");
	/* The init is set up and waits for start, as when runc sends it. */
	if (x->pidfd_sock >= 0 && pidfd_socket_send(x->pidfd_sock, x->pid, "standard", e) < 0)
		return -1;
	return record_state(x, out, e);
}

/* A create that fails once the container exists goes on with delete and the poststop hooks
 * (the spec's lifecycle steps 12-13; runc 1.1 does the same). Their failures only warn. */
static void poststop_after_failure(struct create_ctx *x)
{
	if (!x->state_dir || !x->config->hooks.poststop.n)
		return;
	struct err e;
	_cleanup_free_ char *state = NULL;
	if (container_hook_state(x->o->id, 0, x->bundle, x->rootfs, x->config, STATUS_STOPPED,
				 &state, &e) < 0)
		log_warn("poststop hooks: %s", e.msg);
	else
		hooks_run_warn(&x->config->hooks.poststop, "poststop", state);
}

int container_create(const struct runtime_opts *rt, const struct create_opts *o,
		     struct created *out, struct err *e)
{
	struct create_ctx x = { .rt = rt, .o = o, .sock = -1, .fifo_rd = -1, .status_wr = -1,
				.pty_master = -1, .pidfd_sock = -1, .pipes = STDIO_PIPES_INIT };
	memset(out, 0, sizeof *out);
	out->pty_master = -1;
	for (int i = 0; i < 3; i++)
		out->stdio[i] = -1;
	int r = do_create(&x, out, e);
	if (r < 0) {
		if (x.child > 0) {
			kill(x.child, SIGKILL);
			waitpid(x.child, NULL, 0);
		}
		if (x.pid > 0 && x.pid != x.child)
			kill(x.pid, SIGKILL);
		if (x.pty_master >= 0)
			close(x.pty_master);
		if (x.state_dir)
			container_teardown(rt->root, o->id, 0, x.cg, !x.cgroup_shared);
		poststop_after_failure(&x);
		cgroup_free(x.cg);
		state_clear(&out->st);
		err_wrap(e, "create '%s'", o->id ? o->id : "");
	} else {
		out->pid = x.pid;
		out->pty_master = x.pty_master;
		for (int i = 0; i < 3; i++)
			out->stdio[i] = steal_fd(&x.pipes.parent[i]);
		out->config = x.config;
		x.config = NULL;
		cgroup_free(x.cg);
	}
	ns_plan_close(&x.plan);
	idmap_mounts_close(x.idmap_fds, x.config ? x.config->n_mounts : 0);
	if (x.sock >= 0)
		close(x.sock);
	if (x.fifo_rd >= 0)
		close(x.fifo_rd);
	closep(&x.status_wr);
	closep(&x.pidfd_sock);
	stdio_pipes_close(&x.pipes);
	oci_config_free(x.config);
	return r;
}
