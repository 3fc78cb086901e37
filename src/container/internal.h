/* Shared between the parent side (create.c) and the init (init.c). The init is a clone of
 * the runtime process, not a re-exec: it reads these args from its copy of our memory. */
#pragma once
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "container/container.h"
#include "linux/namespaces.h"

struct cgroup;
struct cgroup_join;

struct init_args {
	const struct oci_config *config;
	const struct create_opts *opts;
	const char *rootfs;           /* absolute */
	const char *bundle;           /* absolute */
	int sync_fd;                  /* the child's end of the socketpair */
	int fifo_fd;                  /* read end of the exec fifo */
	int status_fd;                /* write end of the start fifo (START_FIFO_FILE) */
	int listen_fds;               /* systemd socket activation fds after stdio */
	const int *stdio;             /* the init's stdio pipes (run in the foreground without
				       * a terminal), NULL: the runtime's own stdio */
	const struct ns_plan *plan;
	struct cgroup_join *cgroup;   /* joined by the init (or the intermediate) first of all */
	bool slow_path;               /* join/unshare in the child instead of clone flags */
	unsigned long unshare_flags;  /* slow path: namespaces to unshare in the child */
	bool fork_init;               /* slow path: a pid/time ns needs one more fork */
	const int *idmap_fds;         /* per mount: an idmapped tree to attach, or -1; or NULL */
};

/* Beside the exec fifo in the state dir. Only the init holds a write end, close-on-exec,
 * so `start` reads from it either the init's error (a startContainer hook or the execve
 * failed) or EOF once the user process runs: start can fail honestly, and poststart runs
 * after the execve as the spec asks. */
#define START_FIFO_FILE "start.fifo"

/* Resolve the bundle (NULL: cwd), load its config.json and resolve root.path (must be a
 * directory). The checks every command that builds a container from a bundle needs. */
int container_bundle_open(const char *bundle_arg, char bundle[PATH_MAX], char rootfs[PATH_MAX],
			  struct oci_config **out, struct err *e);
/* The foreground wait of run and restore: signals from the signalfd (all blocked) go to pid,
 * until pid exits (*status from waitpid). */
int container_wait_exit(int sfd, pid_t pid, int *status, struct err *e);
/* Block every signal but the synchronous faults, for that wait's signalfd (*all) to read;
 * *old gets the previous mask. */
void relay_signals_block(sigset_t *all, sigset_t *old);

/* Runs in the cloned child; returns only on failure, with the exit code. */
int init_main(const struct init_args *a);
/* Hook state for a container being created, with the given status. */
int container_hook_state(const char *id, pid_t pid, const char *bundle, const char *rootfs,
			 const struct oci_config *c, enum container_status status, char **out,
			 struct err *e);
/* Destroy what a (failed or deleted) container leaves: processes, cgroup, state dir. */
void container_teardown(const char *root, const char *id, pid_t pid, struct cgroup *cg,
			bool kill_cgroup);
/* Wait until pid is gone (not our child: pidfd poll), up to timeout_ms. */
int wait_pid_gone(pid_t pid, unsigned long long start_time, int timeout_ms);
/* delete with the config already parsed (run), or NULL to load the stored copy. */
int container_delete_parsed(const struct runtime_opts *rt, const char *id, bool force,
			    const struct oci_config *parsed, struct err *e);
/* --pid-file: the pid in decimal, without a newline (as runc), written atomically. */
int pid_file_write(const char *path, pid_t pid, struct err *e);
/* A wait status as a shell reports it: the exit code, 128 + the signal, else 255. */
int exit_code_of(int status);
/* Release the exec fifo: the init execs the user process. */
int exec_fifo_release(const char *root, const char *id, struct err *e);
