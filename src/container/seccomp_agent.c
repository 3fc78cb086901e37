#include "container/seccomp_agent.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "container/sync.h"
#include "linux/seccomp.h"
#include "util/cleanup.h"

int seccomp_load_forward(int sync_fd, const struct oci_seccomp *s, struct err *e)
{
	int listener = -1;
	if (seccomp_filter_load(s, &listener, e) < 0)
		return -1;
	if (listener < 0)
		return 0;
	/* From here every syscall passes the filter: sendmsg cannot be a notify rule
	 * (seccomp_filter_check refuses it), so the fd always reaches the parent. */
	int r = sync_send(sync_fd, SYNC_SECCOMP, 0, NULL, listener, e);
	close(listener);
	if (r < 0)
		return err_wrap(e, "linux.seccomp: hand the listener fd to the runtime");
	struct sync_msg m;
	return sync_expect(sync_fd, SYNC_SECCOMP_DONE, &m, NULL, e);
}

int seccomp_agent_forward(int sync_fd, const struct oci_seccomp *s, int listener_fd,
			  pid_t pid, const char *state_json, struct err *e)
{
	if (listener_fd < 0)
		return err_set(e, EPROTO, "seccomp message without a listener fd");
	_cleanup_free_ char *doc = NULL;
	if (seccomp_process_state(state_json, pid, s->listener_metadata, &doc, e) < 0 ||
	    seccomp_send_notify(s->listener_path, listener_fd, doc, e) < 0)
		return err_wrap(e, "linux.seccomp.listenerPath");
	return sync_send(sync_fd, SYNC_SECCOMP_DONE, 0, NULL, -1, e);
}
