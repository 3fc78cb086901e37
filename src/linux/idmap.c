/* Idmapped mounts, the parent's half. Kernel facts that shape it (mount_setattr(2)):
 * MOUNT_ATTR_IDMAP takes an fd of a user namespace holding the mapping and is accepted only
 * on a mount not yet attached (an open_tree(OPEN_TREE_CLONE) clone), by a caller privileged
 * over the source's superblock and over that user namespace. The mapping reads a file's
 * on-disk id as an id inside the namespace (containerID) and shows the id it maps to
 * outside (hostID). */
#include "linux/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/mounts.h"
#include "linux/procfs.h"
#include "util/cleanup.h"

struct idmap_kind {
	bool idmapped;   /* idmap, ridmap or mappings of its own */
	bool recursive;  /* ridmap: every mount of the tree gets the mapping, not only the top */
	bool bind;
	bool rbind;      /* the tree is cloned with its submounts */
};

static int classify(const struct oci_mount *m, struct idmap_kind *k, struct err *e)
{
	struct mount_opts o;
	if (mount_opts_parse(m->options, m->n_options, &o, e) < 0)
		return -1;
	/* Mappings without either option: a plain idmap, as runc >= 1.2 reads them. */
	k->idmapped = o.idmap || o.ridmap || m->n_uid_mappings;
	k->recursive = o.ridmap;
	k->bind = mount_opts_bind(m, &o);
	k->rbind = (o.flags & MS_REC) != 0;
	mount_opts_free(&o);
	return 0;
}

int idmap_mounts_check(const struct oci_config *c, struct err *e)
{
	bool userns = oci_config_namespace(c, OCI_NS_USER) != NULL;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		struct idmap_kind k;
		if (classify(m, &k, e) < 0)
			return err_wrap(e, "config.json: mounts[%zu]", i);
		if (!k.idmapped)
			continue;
		if (!k.bind)
			return err_set(e, EINVAL, "config.json: mounts[%zu]: idmapped mounts (idmap, "
				       "ridmap, uidMappings) are only supported for bind mounts", i);
		/* The spec: without mappings of its own the mount MAY take the container's, and
		 * without a user namespace there are none to take. */
		if (!m->n_uid_mappings && !userns)
			return err_set(e, EINVAL, "config.json: mounts[%zu].uidMappings: required for "
				       "an idmapped mount when the container has no user namespace", i);
	}
	return 0;
}

/* The kernel takes a whole map in one write. */
static int write_map(int proc, pid_t pid, const char *file, const struct oci_id_mapping *m,
		     size_t n, struct err *e)
{
	char buf[12288], rel[64];
	ssize_t off = ns_format_id_map(buf, sizeof buf, m, n);
	if (off < 0)
		return err_set(e, E2BIG, "too many mappings");
	snprintf(rel, sizeof rel, "%d/%s", (int)pid, file);
	_cleanup_close_ int fd = procfs_openat(proc, rel, O_WRONLY, e);
	if (fd < 0)
		return -1;
	if (write(fd, buf, (size_t)off) != off)
		return err_sys(e, "write /proc/%s", rel);
	return 0;
}

static int map_and_open(pid_t pid, const struct oci_id_mapping *uid, size_t n_uid,
			const struct oci_id_mapping *gid, size_t n_gid, struct err *e)
{
	_cleanup_close_ int proc = procfs_open("/proc", e);
	if (proc < 0)
		return -1;
	if (write_map(proc, pid, "uid_map", uid, n_uid, e) < 0)
		return err_wrap(e, "uidMappings");
	if (write_map(proc, pid, "gid_map", gid, n_gid, e) < 0)
		return err_wrap(e, "gidMappings");
	char rel[64];
	snprintf(rel, sizeof rel, "%d/ns/user", (int)pid);
	/* A magic link of proc's own: followed, then checked to be what it claims. */
	_cleanup_close_ int ns = openat(proc, rel, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return err_sys(e, "open /proc/%s", rel);
	if (ioctl(ns, NS_GET_NSTYPE) != CLONE_NEWUSER)
		return err_set(e, EINVAL, "/proc/%s is not a user namespace", rel);
	return steal_fd(&ns);
}

int idmap_userns_open(const struct oci_id_mapping *uid, size_t n_uid,
		      const struct oci_id_mapping *gid, size_t n_gid, struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0) {
		/* Hold the namespace until the parent has its fd (EOF), whatever becomes of it. */
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return err_sys(e, "create a user namespace");
	}
	int ns = map_and_open(pid, uid, n_uid, gid, n_gid, e);
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return ns;
}

/* The container's own mappings: the namespace it joins, or one made with its mappings (its
 * own does not exist before the clone). Made once, for every mount that borrows it. */
static int container_userns(const struct oci_config *c, const struct ns_plan *plan, int *cache,
			    struct err *e)
{
	if (*cache >= 0)
		return *cache;
	for (int i = 0; i < plan->n_join; i++) {
		if (plan->join[i].type != OCI_NS_USER)
			continue;
		if ((*cache = fcntl(plan->join[i].fd, F_DUPFD_CLOEXEC, 0)) < 0)
			return err_sys(e, "user namespace");
		return *cache;
	}
	const struct oci_linux *l = &c->linux_;
	*cache = idmap_userns_open(l->uid_mappings, l->n_uid_mappings, l->gid_mappings,
				   l->n_gid_mappings, e);
	if (*cache < 0)
		return err_wrap(e, "the container's user namespace mappings (linux.uidMappings)");
	return *cache;
}

static int open_tree_idmapped(const struct oci_mount *m, const struct idmap_kind *k,
			      const char *bundle, int userns, struct err *e)
{
	char src[PATH_MAX];
	if (!m->source || !*m->source)
		return err_set(e, EINVAL, "a bind mount needs a source");
	if (m->source[0] == '/')
		snprintf(src, sizeof src, "%s", m->source);
	else if (snprintf(src, sizeof src, "%s/%s", bundle, m->source) >= (int)sizeof src)
		return err_set(e, ENAMETOOLONG, "source");
	_cleanup_close_ int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     (k->rbind ? AT_RECURSIVE : 0));
	if (tree < 0)
		return err_sys(e, "clone %s (open_tree)", src);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (k->recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof attr) == 0)
		return steal_fd(&tree);
	if (errno == ENOSYS)
		return err_set(e, ENOSYS, "idmapped mounts need Linux 5.12 (mount_setattr)");
	if (errno == EINVAL)
		return err_sys(e, "idmap %s: its filesystem (or a submount's) does not support "
			       "idmapped mounts", src);
	return err_sys(e, "idmap %s (mount_setattr)", src);
}

void idmap_mounts_close(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		closep(&fds[i]);
	free(fds);
}

int idmap_mounts_open(const struct oci_config *c, const char *bundle, const struct ns_plan *plan,
		      int **fds, struct err *e)
{
	_cleanup_close_ int borrowed = -1;
	int *v = NULL;
	*fds = NULL;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		struct idmap_kind k;
		if (classify(m, &k, e) < 0)
			goto fail;
		if (!k.idmapped)
			continue;
		if (!v) {
			if (!(v = malloc(c->n_mounts * sizeof *v))) {
				err_set(e, ENOMEM, "idmapped mounts");
				goto fail;
			}
			for (size_t x = 0; x < c->n_mounts; x++)
				v[x] = -1;
		}
		_cleanup_close_ int own = -1;
		int userns = m->n_uid_mappings
			     ? (own = idmap_userns_open(m->uid_mappings, m->n_uid_mappings,
							m->gid_mappings, m->n_gid_mappings, e))
			     : container_userns(c, plan, &borrowed, e);
		if (userns < 0 || (v[i] = open_tree_idmapped(m, &k, bundle, userns, e)) < 0) {
			err_wrap(e, "mounts[%zu]: idmapped bind %s on %s", i,
				 m->source ? m->source : "", m->destination);
			goto fail;
		}
	}
	*fds = v;
	return 0;
fail:
	idmap_mounts_close(v, c->n_mounts);
	return -1;
}
