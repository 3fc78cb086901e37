/* checkpoint: dump a container's processes with CRIU (linux/criu.h), and what restore.c
 * shares with it: runc's flags as CRIU options, and the description of the container's
 * mounts and namespaces that CRIU cannot find out by itself. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/criu_shared.h"
#include "container/internal.h"
#include "container/store.h"
#include "linux/mounts.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

int criu_flags_apply(const struct criu_flags *f, struct criu_opts *o, struct err *e)
{
	CriuOpts *c = &o->o;
	c->has_log_level = true;
	c->log_level = 4;   /* criu's debug level: its log is what a failure points to */
	c->has_manage_cgroups = c->manage_cgroups = true;
	if (f->manage_cgroups_mode) {
		static const struct { const char *name; CriuCgMode mode; } modes[] = {
			{ "soft", CRIU_CG_MODE__SOFT }, { "full", CRIU_CG_MODE__FULL },
			{ "strict", CRIU_CG_MODE__STRICT }, { "ignore", CRIU_CG_MODE__IGNORE },
		};
		size_t i = 0;
		while (i < sizeof modes / sizeof *modes && strcmp(modes[i].name, f->manage_cgroups_mode))
			i++;
		if (i == sizeof modes / sizeof *modes)
			return err_set(e, EINVAL, "--manage-cgroups-mode: invalid value %s (soft, "
				       "full, strict or ignore)", f->manage_cgroups_mode);
		c->has_manage_cgroups_mode = true;
		c->manage_cgroups_mode = modes[i].mode;
	}
	if (f->empty_ns) {
		if (strcmp(f->empty_ns, "network"))
			return err_set(e, EINVAL, "--empty-ns: namespace %s is not supported (only "
				       "network)", f->empty_ns);
		c->has_empty_ns = true;
		c->empty_ns = CLONE_NEWNET;
	}
	c->has_tcp_established = c->tcp_established = f->tcp_established;
	c->has_ext_unix_sk = c->ext_unix_sk = f->ext_unix_sk;
	c->has_shell_job = c->shell_job = f->shell_job;
	c->has_file_locks = c->file_locks = f->file_locks;
	c->has_auto_dedup = c->auto_dedup = f->auto_dedup;
	if (f->status_fd >= 0) {
		if (fcntl(f->status_fd, F_GETFD) < 0)
			return err_sys(e, "--status-fd %d", f->status_fd);
		c->has_status_fd = true;
		c->status_fd = f->status_fd;
	}
	if (f->lazy_pages) {
		struct criu_features want = { .lazy_pages = true };
		if (criu_rpc(f->criu, CRIU_REQ_TYPE__FEATURE_CHECK, NULL, &want, NULL, NULL, e) < 0)
			return err_wrap(e, "--lazy-pages");
		if (!want.lazy_pages)
			return err_set(e, ENOTSUP, "--lazy-pages: criu cannot restore lazily on this "
				       "kernel (userfaultfd)");
		c->has_lazy_pages = c->lazy_pages = true;
	}
	return 0;
}

int criu_dir_open(const char *path, const char *dflt, bool create, char *out, size_t len,
		  struct err *e)
{
	if (!path || !*path) {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return err_sys(e, "getcwd");
		snprintf(out, len, "%s/%s", cwd, dflt);
	} else {
		snprintf(out, len, "%s", path);
	}
	if (create && mkdir_p(out, 0700, e) < 0)
		return -1;
	int fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s", out);
	return fd;
}

/* A masked path that is a file has /dev/null bound over it: a mount from outside, seen
 * through the init's root (the host's view of the rootfs has no /proc). */
static bool masked_is_file(pid_t pid, const char *path)
{
	char p[PATH_MAX + 64];
	struct stat st;
	snprintf(p, sizeof p, "/proc/%d/root/%s", (int)pid, path);
	return stat(p, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* The devices a container gets without asking (linux/devices.c), bound from the host when
 * they cannot be made (user namespaces). */
static const char *const default_devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/random", "/dev/urandom",
};

int criu_describe_mounts(struct criu_opts *o, const struct oci_config *c, const char *bundle,
			 pid_t pid, struct err *e)
{
	/* CRIU dumps what the container's mount namespace holds, but a bind mount from the
	 * host is "external": the dump names it by its destination, the restore maps that
	 * name to the source to bind again. pid: the init when dumping, 0 when restoring. */
	bool restore = pid == 0;
	bool cgroupns = oci_config_namespace(c, OCI_NS_CGROUP);
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		struct mount_opts mo;
		if (mount_opts_parse(m->options, m->n_options, &mo, e) < 0)
			return err_wrap(e, "config.json: mounts[%zu]", i);
		bool bind = mount_opts_bind(m, &mo);
		mount_opts_free(&mo);
		const char *src = NULL;
		char abs[PATH_MAX * 2];
		if (bind && m->source) {
			if (m->source[0] != '/')
				snprintf(abs, sizeof abs, "%s/%s", bundle, m->source);
			src = m->source[0] == '/' ? m->source : abs;
		} else if (m->type && !strcmp(m->type, "cgroup") && !cgroupns &&
			   cgroup_host_layout() == CGROUP_LAYOUT_V2) {
			src = "/sys/fs/cgroup";   /* a bind of the host's, see linux/mounts.c */
		}
		if (src && criu_opts_add_ext_mount(o, m->destination, restore ? src : m->destination,
						   e) < 0)
			return -1;
	}
	/* Masked files go in the image under the name /dev/null, which the restore maps to
	 * the host's /dev/null with the default devices below. */
	for (size_t i = 0; !restore && c->has_linux && i < c->linux_.n_masked_paths; i++) {
		const char *p = c->linux_.masked_paths[i];
		if (masked_is_file(pid, p) && criu_opts_add_ext_mount(o, p, "/dev/null", e) < 0)
			return -1;
	}
	for (size_t i = 0; c->has_linux && i < c->linux_.n_devices; i++)
		if (criu_opts_add_ext_mount(o, c->linux_.devices[i].path, c->linux_.devices[i].path,
					    e) < 0)
			return -1;
	for (size_t i = 0; i < sizeof default_devices / sizeof *default_devices; i++)
		if (criu_opts_add_ext_mount(o, default_devices[i], default_devices[i], e) < 0)
			return -1;
	return 0;
}

int criu_netns_key(const struct oci_config *c, char *key, size_t len, struct err *e)
{
	const struct oci_namespace *ns = oci_config_namespace(c, OCI_NS_NETWORK);
	key[0] = 0;
	if (!ns || !ns->path)
		return 0;
	struct stat st;
	if (stat(ns->path, &st) < 0)
		return err_sys(e, "linux.namespaces: network %s", ns->path);
	snprintf(key, len, "net[%lu]:" CRIU_NETNS_KEY, (unsigned long)st.st_ino);
	return 1;
}

int criu_fail(struct err *e, const char *work, const char *log)
{
	char path[PATH_MAX * 2], lines[1024], why[ERR_MSG_MAX];
	int code = e->code;
	snprintf(path, sizeof path, "%s/%s", work, log);
	snprintf(why, sizeof why, "%s", e->msg);
	/* criu's own message is among the last errors of its log. */
	if (criu_log_errors(path, lines, sizeof lines, 3) > 0)
		return err_plain(e, code, "criu failed (log %s): %s", path, lines);
	return err_plain(e, code, "%s (log %s)", why, path);
}

static void free3(char *(*v)[3])
{
	for (int i = 0; i < 3; i++)
		free((*v)[i]);
}

/* runc's descriptors.json: what the init's stdio were, for restore to hand criu the pipes. */
static int write_descriptors(const char *img, pid_t pid, struct err *e)
{
	_cleanup_(free3) char *fds[3] = { 0 };
	for (int i = 0; i < 3; i++) {
		char link[64], target[PATH_MAX];
		snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)pid, i);
		ssize_t n = readlink(link, target, sizeof target - 1);
		target[n > 0 ? n : 0] = 0;
		if (!(fds[i] = strdup(target)))
			return err_set(e, ENOMEM, CRIU_DESCRIPTORS);
	}
	_cleanup_free_ char *json = NULL;
	if (state_descriptors_to_json(fds, &json, e) < 0)
		return -1;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", img, CRIU_DESCRIPTORS);
	return write_file_atomic(path, json, strlen(json), 0600, e);
}

static int page_server(struct criu_opts *o, const char *spec, struct err *e)
{
	const char *colon = strrchr(spec, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == spec || !colon[1] || *end || port <= 0 || port > 65535)
		return err_set(e, EINVAL, "--page-server: %s: expected ADDRESS:PORT", spec);
	o->ps.address = strndup(spec, (size_t)(colon - spec));
	if (!o->ps.address)
		return err_set(e, ENOMEM, "--page-server");
	o->ps.has_port = true;
	o->ps.port = (int32_t)port;
	return 0;
}

struct ckpt {
	const struct runtime_opts *rt;
	const struct checkpoint_opts *o;
	struct container_state st;
	struct oci_config *config;
	struct cgroup *cg;
	struct criu_opts co;
	int img, work;
	char img_path[PATH_MAX], work_path[PATH_MAX];
};

static int ckpt_options(struct ckpt *k, struct err *e)
{
	const struct checkpoint_opts *o = k->o;
	CriuOpts *c = &k->co.o;
	criu_opts_init(&k->co);
	if (criu_flags_apply(&o->c, &k->co, e) < 0)
		return -1;
	c->images_dir_fd = k->img;
	c->has_work_dir_fd = true;
	c->work_dir_fd = k->work;
	c->has_pid = true;
	c->pid = k->st.pid;
	c->has_leave_running = true;
	c->leave_running = o->leave_running || o->pre_dump;
	/* The terminal's master stays with whoever holds it (console socket or run): criu
	 * dumps the slave side alone, restore gets a new master. */
	c->has_orphan_pts_master = c->orphan_pts_master = true;
	if (criu_opts_set_str(&c->log_file, CRIU_DUMP_LOG, e) < 0 ||
	    criu_opts_set_str(&c->root, k->st.rootfs, e) < 0)
		return -1;
	/* criu links <image>/parent to it: a path relative to the image directory. */
	if (o->parent_path && o->parent_path[0] == '/')
		return err_set(e, EINVAL, "--parent-path %s: must be relative to the image path",
			       o->parent_path);
	if (o->parent_path && criu_opts_set_str(&c->parent_img, o->parent_path, e) < 0)
		return -1;
	if (o->pre_dump) {
		struct criu_features want = { .mem_track = true };
		if (criu_rpc(o->c.criu, CRIU_REQ_TYPE__FEATURE_CHECK, NULL, &want, NULL, NULL, e) < 0)
			return err_wrap(e, "--pre-dump");
		if (!want.mem_track)
			return err_set(e, ENOTSUP, "--pre-dump: criu cannot track memory changes on "
				       "this kernel (soft-dirty bits)");
		c->has_track_mem = c->track_mem = true;
	}
	if (o->page_server && page_server(&k->co, o->page_server, e) < 0)
		return -1;
	/* Frozen as a whole by its cgroup: no process escapes the dump by forking. */
	_cleanup_free_ char *freezer = cgroup_freezer_dir(k->cg);
	if (freezer && criu_opts_set_str(&c->freeze_cgroup, freezer, e) < 0)
		return -1;
	char key[128];
	int r = criu_netns_key(k->config, key, sizeof key, e);
	if (r < 0 || (r > 0 && criu_opts_add_external(&k->co, key, e) < 0))
		return -1;
	return criu_describe_mounts(&k->co, k->config, k->st.bundle, k->st.pid, e);
}

static int do_checkpoint(struct ckpt *k, struct err *e)
{
	const struct checkpoint_opts *o = k->o;
	if (container_load(k->rt, o->id, &k->st, e) < 0)
		return -1;
	if (k->st.status != STATUS_RUNNING && k->st.status != STATUS_PAUSED)
		return err_set(e, EINVAL, "Container cannot be checkpointed in %s state",
			       container_status_name(k->st.status));
	char cfg[PATH_MAX];
	if (store_path(cfg, sizeof cfg, k->rt->root, o->id, CONFIG_COPY, e) < 0 ||
	    oci_config_load(cfg, &k->config, e) < 0 ||
	    cgroup_open(k->st.cgroup_path, &k->cg, e) < 0)
		return -1;
	if ((k->img = criu_dir_open(o->c.image_path, "checkpoint", true, k->img_path,
				    sizeof k->img_path, e)) < 0)
		return err_wrap(e, "--image-path");
	if ((k->work = criu_dir_open(o->c.work_path ? o->c.work_path : k->img_path, "", true,
				     k->work_path, sizeof k->work_path, e)) < 0)
		return err_wrap(e, "--work-path");
	if (ckpt_options(k, e) < 0 || write_descriptors(k->img_path, k->st.pid, e) < 0)
		return -1;
	if (criu_rpc(o->c.criu, o->pre_dump ? CRIU_REQ_TYPE__PRE_DUMP : CRIU_REQ_TYPE__DUMP,
		     &k->co, NULL, NULL, NULL, e) < 0)
		return criu_fail(e, k->work_path, CRIU_DUMP_LOG);
	return 0;
}

int container_checkpoint(const struct runtime_opts *rt, const struct checkpoint_opts *o,
			 struct err *e)
{
	struct ckpt k = { .rt = rt, .o = o, .img = -1, .work = -1 };
	int r = do_checkpoint(&k, e);
	if (r == 0 && !o->leave_running && !o->pre_dump) {
		/* criu killed the processes; the container goes as runc's checkpoint removes it. */
		struct err de;
		if (container_delete(rt, o->id, true, &de) < 0)
			log_warn("%s", de.msg);
	}
	if (r < 0)
		err_wrap(e, "checkpoint '%s'", o->id);
	closep(&k.img);
	closep(&k.work);
	criu_opts_free(&k.co);
	cgroup_free(k.cg);
	oci_config_free(k.config);
	state_clear(&k.st);
	return r;
}
