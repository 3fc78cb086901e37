/* kill, pause/resume, ps, state and list: the commands that act on a container's live
 * processes through its recorded init and its cgroup. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/internal.h"
#include "container/store.h"
#include "util/cleanup.h"
#include "util/log.h"

int container_load(const struct runtime_opts *rt, const char *id, struct container_state *st,
		   struct err *e)
{
	if (container_validate_id(id, e) < 0)
		return -1;
	return store_load(rt->root, id, st, e);
}

static int signal_init(const struct container_state *st, int sig, struct err *e)
{
	/* The pidfd pins the process; the start time proves it is still our init. */
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pfd < 0 || proc_start_time(st->pid) != st->start_time)
		return err_set(e, ESRCH, "container not running");
	if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		return err_sys(e, "signal init %d", (int)st->pid);
	return 0;
}

static void thaw(const struct container_state *st)
{
	struct cgroup *cg = NULL;
	struct err e;
	if (cgroup_open(st->cgroup_path, &cg, &e) < 0 || cgroup_freeze(cg, false, &e) < 0)
		log_warn("thaw %s: %s", st->id, e.msg);
	cgroup_free(cg);
}

int container_kill(const struct runtime_opts *rt, const char *id, int sig, bool all,
		   struct err *e)
{
	struct container_state st;
	if (container_load(rt, id, &st, e) < 0)
		return -1;
	int r;
	if (st.status == STATUS_STOPPED) {
		r = err_set(e, ESRCH, "container not running");
	} else if (all) {
		struct cgroup *cg = NULL;
		r = cgroup_open(st.cgroup_path, &cg, e);
		if (r == 0)
			r = cgroup_kill_all(cg, sig, e);
		cgroup_free(cg);
	} else {
		r = signal_init(&st, sig, e);
		/* v1 delivers SIGKILL to a frozen task only once it is thawed: thaw a paused
		 * container for it, as runc does (the container is going away anyway). */
		if (r == 0 && sig == SIGKILL && st.status == STATUS_PAUSED)
			thaw(&st);
	}
	state_clear(&st);
	return r;
}

int container_pause(const struct runtime_opts *rt, const char *id, bool pause, struct err *e)
{
	_cleanup_close_ int lock = -1;
	struct container_state st;
	if (container_validate_id(id, e) < 0)
		return -1;
	lock = store_lock(rt->root, id, e);
	if (lock < 0 || store_load(rt->root, id, &st, e) < 0)
		return -1;
	struct cgroup *cg = NULL;
	int r = cgroup_open(st.cgroup_path, &cg, e);
	if (r == 0) {
		bool paused = st.status == STATUS_PAUSED;
		/* runc's words, without an errno text */
		if (pause && (st.status == STATUS_STOPPED || paused))
			r = err_set(e, 0, "container not running");
		else if (!pause && !paused)
			r = err_set(e, 0, "container not paused");
		else
			r = cgroup_freeze(cg, pause, e);
	}
	cgroup_free(cg);
	state_clear(&st);
	return r;
}

int container_pids(const struct runtime_opts *rt, const char *id, pid_t **pids, size_t *n,
		   struct err *e)
{
	struct container_state st;
	if (container_load(rt, id, &st, e) < 0)
		return -1;
	struct cgroup *cg = NULL;
	int r = cgroup_open(st.cgroup_path, &cg, e);
	if (r == 0)
		r = cgroup_pids(cg, pids, n, e);
	cgroup_free(cg);
	state_clear(&st);
	return r;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct container_state *)a)->id,
		      ((const struct container_state *)b)->id);
}

int container_list(const struct runtime_opts *rt, struct container_state **out, size_t *n,
		   struct err *e)
{
	*out = NULL;
	*n = 0;
	_cleanup_closedir_ DIR *d = opendir(rt->root);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "open %s", rt->root);
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct container_state st;
		struct err ignored;
		if (store_load(rt->root, de->d_name, &st, &ignored) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct container_state *nv = realloc(*out, cap * sizeof *nv);
			if (!nv) {
				state_clear(&st);
				return err_set(e, ENOMEM, "list");
			}
			*out = nv;
		}
		(*out)[(*n)++] = st;
	}
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_id);
	return 0;
}
