/* delete and the teardown shared with failed creates. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/internal.h"
#include "container/store.h"
#include "linux/hooks.h"
#include "util/cleanup.h"
#include "util/log.h"

int wait_pid_gone(pid_t pid, unsigned long long start_time, int timeout_ms)
{
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return 0;
	/* The pidfd pins this pid; if its start time differs it is another process. */
	if (start_time && proc_start_time(pid) != start_time)
		return 0;
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	/* Our own child (run) must be reaped to disappear. */
	waitpid(pid, NULL, WNOHANG);
	return r == 1 ? 0 : -1;
}

void container_teardown(const char *root, const char *id, pid_t pid, struct cgroup *cg,
			bool kill_cgroup)
{
	struct err e;
	if (pid > 0)
		kill(pid, SIGKILL);
	if (cg) {
		/* A cgroup shared with processes that were there before the container is not
		 * ours to empty or thaw: only the init goes (with it, its pid namespace), as in
		 * runc; thawed, as v1 delivers SIGKILL only to thawed tasks. */
		if (kill_cgroup || pid > 0)
			cgroup_freeze(cg, false, &e);
		if (kill_cgroup && cgroup_kill_all(cg, SIGKILL, &e) < 0)
			log_debug("teardown %s: %s", id, e.msg);
		if (cgroup_destroy(cg, &e) < 0)
			log_warn("delete %s: %s", id, e.msg);
	}
	store_remove(root, id);
}

static struct oci_config *load_config_copy(const char *root, const char *id)
{
	char path[PATH_MAX];
	struct err e;
	struct oci_config *c = NULL;
	if (store_path(path, sizeof path, root, id, CONFIG_COPY, &e) < 0 ||
	    oci_config_load(path, &c, &e) < 0)
		return NULL;
	return c;
}

static void run_poststop(const struct container_state *st, const struct oci_config *c)
{
	if (!c || !c->hooks.poststop.n)
		return;
	struct err e;
	_cleanup_free_ char *state = NULL;
	if (state_render_hook(st, STATUS_STOPPED, &state, &e) < 0)
		log_warn("poststop hooks: %s", e.msg);
	else
		hooks_run_warn(&c->hooks.poststop, "poststop", state);
}

int container_delete(const struct runtime_opts *rt, const char *id, bool force, struct err *e)
{
	return container_delete_parsed(rt, id, force, NULL, e);
}

int container_delete_parsed(const struct runtime_opts *rt, const char *id, bool force,
			    const struct oci_config *parsed, struct err *e)
{
	if (container_validate_id(id, e) < 0)
		return -1;
	_cleanup_close_ int lock = store_lock(rt->root, id, e);
	if (lock < 0) {
		if (e->code == ENOENT && force)
			return 0;
		return -1;
	}
	struct container_state st;
	if (store_load(rt->root, id, &st, e) < 0) {
		/* A state dir without state is a create that died; force clears it. */
		if (force) {
			store_remove(rt->root, id);
			return 0;
		}
		return -1;
	}
	if ((st.status == STATUS_RUNNING || st.status == STATUS_PAUSED) && !force) {
		err_set(e, EBUSY, "cannot delete container %s that is not stopped: %s", id,
			container_status_name(st.status));
		state_clear(&st);
		return -1;
	}
	struct oci_config *loaded = parsed ? NULL : load_config_copy(rt->root, id);
	const struct oci_config *c = parsed ? parsed : loaded;
	struct cgroup *cg = NULL;
	if (cgroup_open(st.cgroup_path, &cg, e) < 0)
		log_warn("delete %s: %s", id, e->msg);
	bool alive = st.status != STATUS_STOPPED;
	container_teardown(rt->root, id, alive ? st.pid : 0, cg, !st.cgroup_shared);
	if (alive && wait_pid_gone(st.pid, st.start_time, 10000) < 0)
		log_warn("delete %s: init %d did not exit", id, (int)st.pid);
	cgroup_free(cg);
	run_poststop(&st, c);
	oci_config_free(loaded);
	state_clear(&st);
	return 0;
}
