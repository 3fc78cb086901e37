/* What checkpoint.c and restore.c share: runc's CRIU flags as options, and the description
 * of a container's mounts and namespaces that CRIU cannot find out by itself. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "container/container.h"
#include "linux/criu.h"

#define CRIU_DUMP_LOG "dump.log"
#define CRIU_RESTORE_LOG "restore.log"
/* runc's name, in the image directory. */
#define CRIU_DESCRIPTORS "descriptors.json"
/* The key criu uses for a network namespace joined by path (external to the dump). */
#define CRIU_NETNS_KEY "extRootNetNS"

/* The flags both commands take (cgroup mode, empty-ns, tcp, lazy pages, ...). */
int criu_flags_apply(const struct criu_flags *f, struct criu_opts *o, struct err *e);
/* Open (and with create make, 0700) path, or <cwd>/<dflt> when path is NULL or empty; its
 * path into out. Returns the fd. */
int criu_dir_open(const char *path, const char *dflt, bool create, char *out, size_t len,
		  struct err *e);
/* Bind mounts from the host (config binds, masked files, devices) as external mounts: keyed
 * by destination when dumping (pid: the init), mapped to their sources when restoring
 * (pid 0). */
int criu_describe_mounts(struct criu_opts *o, const struct oci_config *c, const char *bundle,
			 pid_t pid, struct err *e);
/* "net[<inode>]:extRootNetNS" for a network namespace given by path: 1 and the key, 0 when
 * the container has its own. */
int criu_netns_key(const struct oci_config *c, char *key, size_t len, struct err *e);
/* Add criu's log (path and its last errors) to the error of a failed request; returns -1. */
int criu_fail(struct err *e, const char *work, const char *log);
