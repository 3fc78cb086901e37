#include "linux/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int ns_clone_flag(enum oci_ns_type t)
{
	switch (t) {
	case OCI_NS_PID: return CLONE_NEWPID;
	case OCI_NS_NETWORK: return CLONE_NEWNET;
	case OCI_NS_MOUNT: return CLONE_NEWNS;
	case OCI_NS_IPC: return CLONE_NEWIPC;
	case OCI_NS_UTS: return CLONE_NEWUTS;
	case OCI_NS_USER: return CLONE_NEWUSER;
	case OCI_NS_CGROUP: return CLONE_NEWCGROUP;
	case OCI_NS_TIME: return CLONE_NEWTIME;
	default: return 0;
	}
}

static int open_ns_path(const struct oci_namespace *ns, size_t idx, struct err *e)
{
	_cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "linux.namespaces[%zu].path: open %s", idx, ns->path);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return err_sys(e, "linux.namespaces[%zu].path: statfs %s", idx, ns->path);
	if (sfs.f_type != NSFS_MAGIC && sfs.f_type != PROC_SUPER_MAGIC)
		return err_set(e, EINVAL, "linux.namespaces[%zu].path: %s is not a namespace", idx,
			       ns->path);
	int type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0)
		return err_set(e, EINVAL, "linux.namespaces[%zu].path: %s is not a namespace", idx,
			       ns->path);
	if (type != ns_clone_flag(ns->type))
		return err_set(e, EINVAL, "linux.namespaces[%zu].path: %s is not a %s namespace",
			       idx, ns->path, oci_ns_type_name(ns->type));
	return steal_fd(&fd);
}

int ns_plan_open(const struct oci_config *c, struct ns_plan *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	if (!c->has_linux)
		return 0;
	for (size_t i = 0; i < c->linux_.n_namespaces; i++) {
		const struct oci_namespace *ns = &c->linux_.namespaces[i];
		if (!ns->path || !*ns->path) {
			p->new_flags |= (unsigned long)ns_clone_flag(ns->type);
			if (ns->type == OCI_NS_USER)
				p->new_user = true;
			continue;
		}
		int fd = open_ns_path(ns, i, e);
		if (fd < 0) {
			ns_plan_close(p);
			return -1;
		}
		/* The user namespace goes first: the others are joined with its privileges. */
		if (ns->type == OCI_NS_USER && p->n_join > 0) {
			p->join[p->n_join] = p->join[0];
			p->join[0] = (struct ns_join){ ns->type, fd };
		} else {
			p->join[p->n_join] = (struct ns_join){ ns->type, fd };
		}
		p->n_join++;
	}
	return 0;
}

void ns_plan_close(struct ns_plan *p)
{
	for (int i = 0; i < p->n_join; i++)
		if (p->join[i].fd >= 0)
			close(p->join[i].fd);
	p->n_join = 0;
}

int ns_plan_join(const struct ns_plan *p, struct err *e)
{
	for (int i = 0; i < p->n_join; i++)
		if (setns(p->join[i].fd, ns_clone_flag(p->join[i].type)) < 0)
			return err_sys(e, "join %s namespace", oci_ns_type_name(p->join[i].type));
	return 0;
}

ssize_t ns_format_id_map(char *buf, size_t size, const struct oci_id_mapping *m, size_t n)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, size - off, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= size - off)
			return -1;
		off += (size_t)w;
	}
	return (ssize_t)off;
}

/* Through a verified procfs handle like every write to /proc (SECURITY.md, class 4): the
 * runtime's own /proc is the host's, but nothing is taken on trust from a path. */
static int write_map(int proc, pid_t pid, const char *file, const struct oci_id_mapping *m,
		     size_t n, struct err *e)
{
	char buf[4096], rel[64];
	ssize_t len = ns_format_id_map(buf, sizeof buf, m, n);
	if (len < 0)
		return err_set(e, E2BIG, "linux.%s: too many mappings", file);
	if (!len)
		return 0;
	const char *what = file[0] == 'u' ? "linux.uidMappings" : "linux.gidMappings";
	snprintf(rel, sizeof rel, "%d/%s", (int)pid, file);
	_cleanup_close_ int fd = procfs_openat(proc, rel, O_WRONLY, e);
	if (fd < 0)
		return err_wrap(e, "%s", what);
	/* The kernel takes a whole map in one write. */
	if (write(fd, buf, (size_t)len) != len)
		return err_sys(e, "%s: write /proc/%s", what, rel);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct oci_config *c, struct err *e)
{
	_cleanup_close_ int proc = procfs_open("/proc", e);
	if (proc < 0)
		return err_wrap(e, "linux.uidMappings");
	if (write_map(proc, pid, "uid_map", c->linux_.uid_mappings, c->linux_.n_uid_mappings, e) < 0)
		return -1;
	return write_map(proc, pid, "gid_map", c->linux_.gid_mappings, c->linux_.n_gid_mappings, e);
}

int ns_write_time_offsets(const struct oci_config *c, struct err *e)
{
	char buf[128];
	int n = 0;
	const struct oci_time_offset *mono = &c->linux_.time_monotonic, *boot = &c->linux_.time_boottime;
	if (mono->present)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "monotonic %lld %u\n",
			      (long long)mono->secs, mono->nanosecs);
	if (boot->present)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "boottime %lld %u\n",
			      (long long)boot->secs, boot->nanosecs);
	if (n <= 0)
		return 0;
	_cleanup_close_ int proc = procfs_open("/proc", e);
	if (proc < 0)
		return err_wrap(e, "linux.timeOffsets");
	/* The kernel takes one clock per write. */
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = (size_t)(nl - line + 1);
		_cleanup_close_ int fd = procfs_openat(proc, "self/timens_offsets", O_WRONLY, e);
		if (fd < 0)
			return err_wrap(e, "linux.timeOffsets");
		if (write(fd, line, len) != (ssize_t)len)
			return err_sys(e, "linux.timeOffsets: write \"%.*s\" to /proc/self/timens_offsets",
				       (int)len - 1, line);
		line = nl + 1;
	}
	return 0;
}
