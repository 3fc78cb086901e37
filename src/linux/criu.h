/* CRIU's RPC (`criu swrk`), with the protobuf message code of Debian's libcriu.a linked in;
 * only checkpoint and restore need the criu binary.
 *
 * Why not libcriu's criu_local_* calls: its options object is opaque and lacks setters for
 * what runc's flags need (empty_ns, lazy_pages, status_fd), its notification callback takes
 * no argument, and it forks criu itself, so the caller cannot place criu in the container's
 * cgroups nor prepare criu's mount namespace. Speaking the protocol ourselves is what runc
 * does too: one CriuReq over a SOCK_SEQPACKET socket, NOTIFY round trips, one CriuResp. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include <criu/rpc.pb-c.h>

#include "util/error.h"

/* Whether checkpoint and restore can work: the criu binary (NULL: "criu" on PATH) exists.
 * what: "/usr/sbin/criu" or "unavailable: <why>", for --version. Runs nothing. */
bool criu_available(const char *criu_path, char *what, size_t len);

/* Options under construction: the message plus the arrays and strings it points to, all
 * ours (freed by criu_opts_free, never by protobuf's free_unpacked). */
struct criu_opts {
	CriuOpts o;
	CriuPageServerInfo ps;
};
void criu_opts_init(struct criu_opts *o);
void criu_opts_free(struct criu_opts *o);
int criu_opts_set_str(char **field, const char *value, struct err *e);
int criu_opts_add_ext_mount(struct criu_opts *o, const char *key, const char *val, struct err *e);
int criu_opts_add_cg_root(struct criu_opts *o, const char *ctrl, const char *path, struct err *e);
int criu_opts_add_inherit_fd(struct criu_opts *o, const char *key, int fd, struct err *e);
int criu_opts_add_external(struct criu_opts *o, const char *key, struct err *e);

/* What the caller does around criu. Every callback may be NULL. */
struct criu_hooks {
	void *arg;
	/* In the forked child before it execs criu (criu's pid is getpid()): join cgroups,
	 * prepare a mount namespace. A failure is reported back and criu does not run. */
	int (*child_setup)(void *arg, struct err *e);
	/* fds that criu must inherit (inherit_fd, status_fd): their close-on-exec flag is
	 * cleared in the child only. */
	const int *keep_fds;
	size_t n_keep_fds;
	/* A notification ("setup-namespaces", "post-restore", "orphan-pts-master", ...): pid
	 * as criu sends it, fd when one came with it (the callee owns it, else -1). Failing
	 * makes criu abort. */
	int (*notify)(void *arg, const char *script, pid_t pid, int fd, struct err *e);
};

/* Run one request (CRIU_REQ_TYPE__DUMP, __PRE_DUMP, __RESTORE, __FEATURE_CHECK, ...) through
 * `<criu_path> swrk`, answering notifications until the response. *restored gets the pid of
 * a restored tree's root (RESTORE), may be NULL. features: for FEATURE_CHECK, what to ask (true) in,
 * what criu has out. On a
 * failed request e reads "criu failed: <criu's message>" (errno: criu's, else EIO). */
struct criu_features {
	bool mem_track;    /* soft-dirty memory tracking: pre-dump */
	bool lazy_pages;   /* userfaultfd: lazy restore */
};
int criu_rpc(const char *criu_path, CriuReqType type, struct criu_opts *o,
	     struct criu_features *features, const struct criu_hooks *h, pid_t *restored,
	     struct err *e);
/* criu's version as major*10000 + minor*100 + sublevel, or -1. */
int criu_version(const char *criu_path, struct err *e);

/* The last lines of a criu log that report errors ("Error (...)"), at most max, joined by
 * "; " into out. 0 if none found. */
int criu_log_errors(const char *log_path, char *out, size_t len, int max);
