/* --pidfd-socket: see pidfd.h. */
#include "linux/pidfd.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/sendfd.h"

int pidfd_socket_connect(const char *path, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return err_set(e, ENAMETOOLONG, "--pidfd-socket %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_sys(e, "--pidfd-socket: socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		err_sys(e, "--pidfd-socket: connect to %s", path);
		close(s);
		return -1;
	}
	return s;
}

int pidfd_socket_send(int sock, pid_t pid, const char *name, struct err *e)
{
	/* The caller knows pid is alive and ours to describe (an unreaped child or a process
	 * checked by start time): the pidfd pins it from here on. */
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return err_sys(e, "--pidfd-socket: pidfd_open %d", (int)pid);
	if (send_with_fd(sock, name, strlen(name), pidfd) < 0)
		return err_sys(e, "--pidfd-socket: send the pidfd");
	return 0;
}
