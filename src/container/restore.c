/* restore: a new container from a checkpoint. The state directory and the cgroup are made
 * as create makes them; CRIU then recreates the processes, their namespaces and mounts, and
 * puts them in the container's cgroup. On failure nothing is left. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/criu_shared.h"
#include "container/internal.h"
#include "container/store.h"
#include "linux/hooks.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

/* Where criu finds the rootfs: a mount point (criu wants one), bound in criu's own mount
 * namespace only, inside the state directory. */
#define CRIU_ROOT "criu-root"

struct rst {
	const struct runtime_opts *rt;
	const struct restore_opts *o;
	struct oci_config *config;
	char bundle[PATH_MAX], rootfs[PATH_MAX];
	char img_path[PATH_MAX], work_path[PATH_MAX], criu_root[PATH_MAX];
	struct cgroup *cg;
	bool cgroup_shared, state_dir;
	bool criu_makes_cgroup;   /* --manage-cgroups-mode strict */
	int img, work, netns;
	struct criu_opts co;
	pid_t pid;          /* the restored init */
	int pty_master;     /* foreground with a terminal */
};

/* criu needs the rootfs as a mount point, and it resolves the image and work directory fds
 * through /proc/<our pid>/fd: it must share our mount namespace, and mount in it. So this
 * process moves to a mount namespace of its own (slave: nothing propagates to the host),
 * before it opens those directories. */
static int private_mount_ns(struct err *e)
{
	if (unshare(CLONE_NEWNS) < 0)
		return err_sys(e, "unshare mount namespace for criu");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err_sys(e, "make the mounts for criu slaves");
	return 0;
}

/* In criu's child, before the exec: the container's cgroups, so that what criu restores
 * starts inside them (with --manage-cgroups-mode ignore too). */
static int criu_child_setup(void *arg, struct err *e)
{
	struct rst *x = arg;
	return x->criu_makes_cgroup ? 0 : cgroup_enter(x->cg, getpid(), e);
}

static int hooks_for_restore(struct rst *x, pid_t pid, struct err *e)
{
	_cleanup_free_ char *state = NULL;
	if (container_hook_state(x->o->id, pid, x->bundle, x->rootfs, x->config, STATUS_CREATING,
				 &state, e) < 0 ||
	    hooks_run(&x->config->hooks.prestart, "prestart", state, e) < 0)
		return -1;
	return hooks_run(&x->config->hooks.create_runtime, "createRuntime", state, e);
}

static int criu_notify(void *arg, const char *script, pid_t pid, int fd, struct err *e)
{
	struct rst *x = arg;
	_cleanup_close_ int master = fd;
	/* The namespaces exist, nothing runs yet: where runc runs the prestart hooks (a
	 * network plugin configures the new network namespace). */
	if (!strcmp(script, "setup-namespaces"))
		return hooks_for_restore(x, pid, e);
	if (!strcmp(script, "orphan-pts-master")) {
		if (master < 0)
			return err_set(e, EPROTO, "criu sent no terminal");
		if (x->o->console_socket)
			return terminal_send_console(x->o->console_socket, master, e);
		x->pty_master = steal_fd(&master);
		return 0;
	}
	if (!strcmp(script, "post-restore"))
		x->pid = pid;
	return 0;
}

static int add_cg_root(void *arg, const char *controllers, const char *path, struct err *e)
{
	return criu_opts_add_cg_root(arg, controllers, path, e);
}

/* The init's pipes as they were at the dump: criu reconnects them to ours (runc too). */
static int inherit_stdio(struct rst *x, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	char *fds[3];
	if (read_file_at(x->img, CRIU_DESCRIPTORS, &text, &len, e) < 0 ||
	    state_descriptors_from_json(text, len, fds, e) < 0)
		return err_wrap(e, "image path %s", x->img_path);
	int r = 0;
	for (int i = 0; i < 3; i++) {
		if (r == 0 && !strncmp(fds[i], "pipe:", 5))
			r = criu_opts_add_inherit_fd(&x->co, fds[i], i, e);
		free(fds[i]);
	}
	return r;
}

static int restore_options(struct rst *x, struct err *e)
{
	const struct restore_opts *o = x->o;
	CriuOpts *c = &x->co.o;
	criu_opts_init(&x->co);
	if (criu_flags_apply(&o->c, &x->co, e) < 0)
		return -1;
	c->images_dir_fd = x->img;
	c->has_work_dir_fd = true;
	c->work_dir_fd = x->work;
	/* The restored init becomes our child, as the init of create is. */
	c->has_rst_sibling = c->rst_sibling = true;
	c->has_notify_scripts = c->notify_scripts = true;
	c->has_orphan_pts_master = c->orphan_pts_master = x->config->process.terminal;
	if (criu_opts_set_str(&c->log_file, CRIU_RESTORE_LOG, e) < 0 ||
	    criu_opts_set_str(&c->root, x->criu_root, e) < 0 ||
	    inherit_stdio(x, e) < 0 ||
	    cgroup_foreach_path(x->cg, add_cg_root, &x->co, e) < 0)
		return -1;
	char key[128];
	int r = criu_netns_key(x->config, key, sizeof key, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		const struct oci_namespace *ns = oci_config_namespace(x->config, OCI_NS_NETWORK);
		if ((x->netns = open(ns->path, O_RDONLY | O_CLOEXEC)) < 0)
			return err_sys(e, "linux.namespaces: network %s", ns->path);
		if (criu_opts_add_inherit_fd(&x->co, CRIU_NETNS_KEY, x->netns, e) < 0)
			return -1;
	}
	return criu_describe_mounts(&x->co, x->config, x->bundle, 0, e);
}

static int record(struct rst *x, struct err *e)
{
	struct container_state st = { 0 };
	char created[64];
	state_now_rfc3339(created, sizeof created);
	st.id = (char *)x->o->id;
	st.bundle = x->bundle;
	st.rootfs = x->rootfs;
	st.created = created;
	st.cgroup_path = (char *)cgroup_path(x->cg);
	st.cgroup_shared = x->cgroup_shared;
	st.pid = x->pid;
	st.owner = geteuid();
	st.start_time = proc_start_time(x->pid);
	st.started = true;
	st.annotations = x->config->annotations;
	st.n_annotations = x->config->n_annotations;
	if (st.start_time == 0)
		return err_set(e, ESRCH, "the restored process exited at once");
	if (store_save(x->rt->root, &st, e) < 0)
		return -1;
	return x->o->pid_file ? pid_file_write(x->o->pid_file, x->pid, e) : 0;
}

static int check_terminal(const struct restore_opts *o, const struct oci_config *c,
			  struct err *e)
{
	/* run's rules (runc applies them to restore as well). */
	if (c->process.terminal && o->detach && !o->console_socket)
		return err_plain(e, 0, "cannot allocate tty if ocirun will detach without setting console socket");
	if (o->console_socket && (!c->process.terminal || !o->detach))
		return err_plain(e, 0, "cannot use console socket if ocirun will not detach or allocate tty");
	if (o->console_socket && terminal_check_console_socket(o->console_socket, e) < 0)
		return -1;
	return 0;
}

static int do_restore(struct rst *x, struct err *e)
{
	const struct restore_opts *o = x->o;
	if (container_validate_id(o->id, e) < 0 ||
	    container_bundle_open(o->bundle, x->bundle, x->rootfs, &x->config, e) < 0 ||
	    check_terminal(o, x->config, e) < 0)
		return -1;
	char dir[PATH_MAX];
	if (store_path(dir, sizeof dir, x->rt->root, o->id, NULL, e) < 0)
		return -1;
	/* Before the image's checks: an id in use is the first thing to say. */
	if (access(dir, F_OK) == 0)
		return err_plain(e, EEXIST, "container with given ID already exists: %s", o->id);
	if (private_mount_ns(e) < 0)
		return -1;
	/* A bad image path fails here, before anything exists. */
	if ((x->img = criu_dir_open(o->c.image_path, "checkpoint", false, x->img_path,
				    sizeof x->img_path, e)) < 0)
		return err_wrap(e, "--image-path");
	if (faccessat(x->img, CRIU_DESCRIPTORS, R_OK, 0) < 0)
		return err_sys(e, "--image-path %s: not a checkpoint (%s)", x->img_path,
			       CRIU_DESCRIPTORS);
	if ((x->work = criu_dir_open(o->c.work_path ? o->c.work_path : x->img_path, "", true,
				     x->work_path, sizeof x->work_path, e)) < 0)
		return err_wrap(e, "--work-path");
	int dfd = store_create(x->rt->root, o->id, e);
	if (dfd < 0)
		return -1;
	close(dfd);
	x->state_dir = true;
	if (store_copy_config(x->rt->root, x->o->id, x->bundle, e) < 0 ||
	    store_path(x->criu_root, sizeof x->criu_root, x->rt->root, o->id, CRIU_ROOT, e) < 0)
		return -1;
	if (mkdir(x->criu_root, 0755) < 0)
		return err_sys(e, "mkdir %s", x->criu_root);
	if (mount(x->rootfs, x->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "bind %s on %s", x->rootfs, x->criu_root);
	/* criu binds the container's root from this mount, flags included: root.readonly
	 * would otherwise come back writable. */
	if (x->config->root_readonly &&
	    mount(NULL, x->criu_root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return err_sys(e, "make %s read-only", x->criu_root);
	const struct oci_linux *l = &x->config->linux_;
	/* --manage-cgroups-mode strict: criu makes the cgroups and refuses existing ones; the
	 * config's resources then go on top. Otherwise the cgroup exists first, with its
	 * resources, and criu starts in it. */
	x->criu_makes_cgroup = o->c.manage_cgroups_mode &&
			       !strcmp(o->c.manage_cgroups_mode, "strict");
	if (cgroup_new(l->cgroups_path, o->id, &x->cg, e) < 0)
		return -1;
	if (!x->criu_makes_cgroup &&
	    (cgroup_create(x->cg, e) < 0 || cgroup_check_reuse(x->cg, &x->cgroup_shared, e) < 0 ||
	     cgroup_apply_linux(x->cg, x->config->has_linux ? l : NULL, e) < 0))
		return -1;
	if (restore_options(x, e) < 0)
		return -1;
	int keep[] = { x->netns };
	struct criu_hooks h = { .arg = x, .child_setup = criu_child_setup, .notify = criu_notify,
				.keep_fds = keep, .n_keep_fds = x->netns >= 0 };
	pid_t pid = 0;
	if (criu_rpc(o->c.criu, CRIU_REQ_TYPE__RESTORE, &x->co, NULL, &h, &pid, e) < 0)
		return criu_fail(e, x->work_path, CRIU_RESTORE_LOG);
	if (pid > 0)
		x->pid = pid;
	if (x->pid <= 0)
		return err_set(e, EPROTO, "criu restored no process");
	if (x->criu_makes_cgroup &&
	    (cgroup_create(x->cg, e) < 0 ||
	     cgroup_apply_linux(x->cg, x->config->has_linux ? l : NULL, e) < 0))
		return -1;
	/* The mount point only mattered to criu. */
	umount2(x->criu_root, MNT_DETACH);
	rmdir(x->criu_root);
	return record(x, e);
}

/* In the foreground, as run: wait for the restored init, relaying its terminal. */
static int foreground(struct rst *x, int *exit_status, struct err *e)
{
	sigset_t all, old;
	relay_signals_block(&all, &old);
	_cleanup_close_ int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	int status = 0, r;
	if (sfd < 0)
		r = err_sys(e, "signalfd");
	else if (x->pty_master >= 0)
		r = terminal_relay(x->pty_master, sfd, x->pid, &status, e);
	else
		r = container_wait_exit(sfd, x->pid, &status, e);
	sigprocmask(SIG_SETMASK, &old, NULL);
	*exit_status = exit_code_of(status);
	struct err de;
	if (container_delete(x->rt, x->o->id, true, &de) < 0)
		log_warn("%s", de.msg);
	return r;
}

int container_restore(const struct runtime_opts *rt, const struct restore_opts *o,
		      int *exit_status, struct err *e)
{
	struct rst x = { .rt = rt, .o = o, .img = -1, .work = -1, .netns = -1, .pty_master = -1 };
	*exit_status = 0;
	/* The restored init is our child; as subreaper we also reap what it leaves. */
	if (!o->detach && !o->no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	int r = do_restore(&x, e);
	if (r < 0) {
		if (x.pid > 0) {
			kill(x.pid, SIGKILL);
			waitpid(x.pid, NULL, 0);
		}
		if (x.criu_root[0])
			umount2(x.criu_root, MNT_DETACH);
		if (x.state_dir)
			container_teardown(rt->root, o->id, 0, x.cg, !x.cgroup_shared);
	} else if (!o->detach) {
		r = foreground(&x, exit_status, e);
	}
	if (r < 0)
		err_wrap(e, "restore '%s'", o->id ? o->id : "");
	closep(&x.img);
	closep(&x.work);
	closep(&x.netns);
	closep(&x.pty_master);
	criu_opts_free(&x.co);
	cgroup_free(x.cg);
	oci_config_free(x.config);
	return r;
}
