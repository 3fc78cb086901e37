/* Terminals: the pty of a container with process.terminal, the console socket protocol
 * (the master sent with SCM_RIGHTS, as containerd and conmon expect), and the relay of the
 * caller's terminal for `run` in the foreground. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* In the init, after pivot_root: open the container's /dev/pts/ptmx, get the slave from the
 * master (TIOCGPTPEER: never by a path the container could redirect), bind it on
 * /dev/console, make it stdio and the controlling terminal. *master gets the master fd. */
int terminal_setup_container(unsigned rows, unsigned cols, int *master, struct err *e);
/* The same for a process joining a running container (exec): no /dev/console binding. */
int terminal_setup_exec(unsigned rows, unsigned cols, int *master, struct err *e);
/* Connect to the console socket and send fd. */
int terminal_send_console(const char *socket_path, int fd, struct err *e);
/* A pty master that the container's process sent us: with a console socket, sent on there
 * and closed; without one, kept in *keep for us to relay. Takes fd in either case. */
int terminal_take_master(const char *console_socket, int fd, int *keep, struct err *e);
/* Validate that a console socket path is a unix socket we can connect to (before create). */
int terminal_check_console_socket(const char *socket_path, struct err *e);
/* The window size of the caller's terminal (stdin, else stdout); -1 when there is none. */
int terminal_caller_size(unsigned *rows, unsigned *cols);
/* Give master the caller's window size, before the process runs (no-op without a tty). */
void terminal_inherit_size(int master);
/* One signal read from signal_fd: SIGWINCH resizes master (when >= 0, else it is dropped,
 * as runc does without a tty), SIGCHLD reaps every child of ours, anything else goes to
 * pid. true once pid has exited, with its wait status in *status. */
bool terminal_handle_signal(int signal_fd, int master, pid_t pid, int *status);
/* Relay the caller's stdin/stdout to master in raw mode, forward signals in `sigs` to pid,
 * propagate window size; returns when pid has exited, with its wait status in *status. */
int terminal_relay(int master, int signal_fd, pid_t pid, int *status, struct err *e);
