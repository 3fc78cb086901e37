#include "linux/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "linux/devices.h"
#include "linux/safepath.h"
#include "util/cleanup.h"
#include "util/sendfd.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The pty itself, by fd, on /dev/console (devices_mount_console): never a /dev/console
 * that the rootfs planted as a symlink, which would send the bind elsewhere. */
static int bind_console(int slave, struct err *e)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(e, "open /");
	return devices_mount_console(root, slave, e);
}

static int setup_pty(unsigned rows, unsigned cols, bool console, int *master, struct err *e)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(e, "open /");
	_cleanup_close_ int m = safe_openat(root, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0, e);
	if (m < 0)
		return err_wrap(e, "create terminal");
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return err_sys(e, "unlock pty");
	_cleanup_close_ int slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_sys(e, "open pty peer");
	if (rows || cols) {
		struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return err_sys(e, "set consoleSize");
	}
	if (console && bind_console(slave, e) < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_sys(e, "dup pty to fd %d", fd);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return err_sys(e, "set controlling terminal");
	*master = steal_fd(&m);
	return 0;
}

int terminal_setup_container(unsigned rows, unsigned cols, int *master, struct err *e)
{
	return setup_pty(rows, cols, true, master, e);
}

int terminal_setup_exec(unsigned rows, unsigned cols, int *master, struct err *e)
{
	return setup_pty(rows, cols, false, master, e);
}

static int connect_unix(const char *path, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return err_set(e, ENAMETOOLONG, "console socket %s", path);
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return err_sys(e, "socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		err_sys(e, "connect to console socket %s", path);
		close(s);
		return -1;
	}
	return s;
}

int terminal_check_console_socket(const char *socket_path, struct err *e)
{
	struct stat st;
	if (stat(socket_path, &st) < 0)
		return err_sys(e, "--console-socket %s", socket_path);
	if (!S_ISSOCK(st.st_mode))
		return err_set(e, ENOTSOCK, "--console-socket %s: not a unix socket", socket_path);
	return 0;
}

int terminal_send_console(const char *socket_path, int fd, struct err *e)
{
	_cleanup_close_ int s = connect_unix(socket_path, e);
	if (s < 0)
		return -1;
	/* runc sends the pty's name as data; receivers only look at the fd. */
	static const char name[] = "/dev/ptmx";
	if (send_with_fd(s, name, sizeof name - 1, fd) < 0)
		return err_sys(e, "send pty to console socket %s", socket_path);
	return 0;
}

int terminal_take_master(const char *console_socket, int fd, int *keep, struct err *e)
{
	if (!console_socket) {
		*keep = fd;
		return 0;
	}
	int r = terminal_send_console(console_socket, fd, e);
	close(fd);
	return r;
}

/* The caller's terminal: stdin, else stdout (`run ... </dev/null` on a terminal). */
static int caller_tty(void)
{
	if (isatty(STDIN_FILENO))
		return STDIN_FILENO;
	return isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (from >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

int terminal_caller_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;
	int tty = caller_tty();
	if (tty < 0 || ioctl(tty, TIOCGWINSZ, &ws) < 0 || (!ws.ws_row && !ws.ws_col))
		return -1;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}

void terminal_inherit_size(int master)
{
	copy_winsize(caller_tty(), master);
}

/* Copy what is readable now; false at EOF or on an error (EIO once every slave is closed). */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		off += w;
	}
	return true;
}

bool terminal_handle_signal(int signal_fd, int master, pid_t pid, int *status)
{
	struct signalfd_siginfo si;
	if (read(signal_fd, &si, sizeof si) != sizeof si)
		return false;
	/* Our own SIGPIPE (a relayed write to a closed reader) is not the process's business. */
	if (si.ssi_signo == SIGPIPE && si.ssi_code == SI_USER && si.ssi_pid == (uint32_t)getpid())
		return false;
	if (si.ssi_signo == SIGWINCH) {
		if (master >= 0)
			copy_winsize(caller_tty(), master);
	}
	else if (si.ssi_signo != SIGCHLD)
		kill(pid, (int)si.ssi_signo);
	/* Reap whatever is ours (run is a subreaper); only pid ends the relay. */
	bool exited = false;
	int st;
	pid_t w;
	while ((w = waitpid(-1, &st, WNOHANG)) > 0)
		if (w == pid) {
			*status = st;
			exited = true;
		}
	return exited;
}

int terminal_relay(int master, int signal_fd, pid_t pid, int *status, struct err *e)
{
	struct termios saved;
	int tty = caller_tty();
	bool raw = tty >= 0 && tcgetattr(tty, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(tty, TCSANOW, &t);
	}
	copy_winsize(tty, master);
	/* The process may be gone already: its SIGCHLD is pending on signal_fd. */
	int m = master, r = 0;
	bool in_open = true, exited = false;
	while (!exited) {
		struct pollfd p[3] = { { signal_fd, POLLIN, 0 }, { m, POLLIN, 0 },
				       { in_open && m >= 0 ? STDIN_FILENO : -1, POLLIN, 0 } };
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = err_sys(e, "poll");
			break;
		}
		/* Every slave closed: nothing more to copy, but the process may live on. */
		if (p[1].revents && !pump(m, STDOUT_FILENO))
			m = -1;
		if (p[2].revents && !pump(STDIN_FILENO, m))
			in_open = false;
		if (p[0].revents & POLLIN)
			exited = terminal_handle_signal(signal_fd, master, pid, status);
	}
	/* Whatever the process wrote last is still in the pty. */
	if (m >= 0) {
		struct pollfd p = { m, POLLIN, 0 };
		while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) && pump(m, STDOUT_FILENO))
			;
	}
	if (raw)
		tcsetattr(tty, TCSANOW, &saved);
	return r;
}
