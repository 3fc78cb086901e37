/* Container lifecycle: the library API that the CLI calls. Every function leaves nothing
 * behind on failure (state dir, cgroup, mounts, processes). */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "oci/state.h"
#include "util/error.h"

struct runtime_opts {
	const char *root;           /* state root, e.g. /run/ocirun */
};

struct create_opts {
	const char *id;
	const char *bundle;         /* NULL: cwd */
	const char *pid_file;
	const char *console_socket;
	const char *pidfd_socket;   /* receives a pidfd of the init (runc >= 1.2) */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	/* Set by `run` in the foreground with process.terminal and no console socket: the
	 * parent keeps the pty master and relays the caller's terminal. */
	bool foreground;
	/* run: do not become a child subreaper (the init is our child anyway). */
	bool no_subreaper;
};

/* A container created by this process (create or run), still under its control. */
struct created {
	struct container_state st;
	int pty_master;             /* foreground terminal relay, or -1 */
	/* Foreground without a terminal: our ends of the process's stdin, stdout and stderr
	 * pipes (see linux/stdio.h), else -1. */
	int stdio[3];
	pid_t pid;
	/* The parsed config: `run` hands it to start and delete for their hooks instead of
	 * parsing the stored copy twice more. The caller frees it. */
	struct oci_config *config;
};

int container_create(const struct runtime_opts *rt, const struct create_opts *o,
		     struct created *out, struct err *e);
int container_start(const struct runtime_opts *rt, const char *id, struct err *e);
/* run = create + start + wait; returns the exit status the CLI must exit with. */
int container_run(const struct runtime_opts *rt, const struct create_opts *o, bool detach,
		  bool keep, int *exit_status, struct err *e);
int container_kill(const struct runtime_opts *rt, const char *id, int sig, bool all,
		   struct err *e);
int container_delete(const struct runtime_opts *rt, const char *id, bool force, struct err *e);
/* Load the state of one container with its status derived from the live process. */
int container_load(const struct runtime_opts *rt, const char *id, struct container_state *st,
		   struct err *e);
/* All containers under the root (unreadable entries skipped). */
int container_list(const struct runtime_opts *rt, struct container_state **out, size_t *n,
		   struct err *e);
int container_pause(const struct runtime_opts *rt, const char *id, bool pause, struct err *e);
/* The pids of the container's cgroup. */
int container_pids(const struct runtime_opts *rt, const char *id, pid_t **pids, size_t *n,
		   struct err *e);

/* runc's rule: ^[\w+-\.]+$ and not "." or "..". */
int container_validate_id(const char *id, struct err *e);

/* exec: a new process in a running container. Fields mirror runc's exec flags; unset ones
 * come from the container's config.json as it was at create. */
struct exec_opts {
	const char *id;
	const char *process_file;   /* --process: an OCI process JSON replaces all below */
	char **args;                /* the command, NULL-terminated */
	bool tty;
	const char *console_socket;
	const char *cwd;
	char **env;                 /* NULL-terminated, added to the config's env */
	const char *user;           /* "uid[:gid]" */
	char **additional_gids;
	char **caps;                /* added to every capability set but inheritable */
	bool no_new_privs;
	const char *apparmor;
	const char *process_label;
	bool detach;
	const char *pid_file;
	int preserve_fds;
	const char *cgroup;
	bool ignore_paused;
};

int container_exec(const struct runtime_opts *rt, const struct exec_opts *o, int *exit_status,
		   struct err *e);

/* checkpoint and restore through CRIU (linux/criu.h): runc's flags. */
struct criu_flags {
	const char *criu;                 /* the criu binary (global --criu), NULL: "criu" */
	const char *image_path;           /* NULL: ./checkpoint */
	const char *work_path;            /* criu's logs; NULL: the image path */
	const char *manage_cgroups_mode;  /* soft, full, strict, ignore; NULL: criu's default */
	const char *empty_ns;             /* "network" or NULL */
	bool tcp_established, ext_unix_sk, shell_job, file_locks, auto_dedup, lazy_pages;
	int status_fd;                    /* -1: none */
};

struct checkpoint_opts {
	const char *id;
	struct criu_flags c;
	const char *parent_path;          /* relative to the image path, as criu takes it */
	const char *page_server;          /* "address:port" */
	bool leave_running, pre_dump;
};
/* Dump the container; afterwards it is deleted unless leave_running or pre_dump. */
int container_checkpoint(const struct runtime_opts *rt, const struct checkpoint_opts *o,
			 struct err *e);

struct restore_opts {
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	struct criu_flags c;
	bool detach, no_subreaper, no_pivot;
};
/* Restore a checkpoint into a new container; in the foreground wait for it as run does,
 * *exit_status being its exit status. */
int container_restore(const struct runtime_opts *rt, const struct restore_opts *o,
		      int *exit_status, struct err *e);
