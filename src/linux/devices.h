/* Device nodes and the /dev links of a container rootfs, made before pivot_root. */
#pragma once
#include <stdbool.h>

#include "oci/config.h"
#include "util/error.h"

/* The default devices (null, zero, full, random, urandom, tty; a linux.devices entry of the
 * same path replaces one) and linux.devices, inside root_fd. bind: bind the host's node of
 * the same path instead of mknod (user namespaces); mknod failing with EPERM does so too.
 * /dev/ptmx entries are skipped: devices_setup_ptmx makes it, as runc does. */
int devices_create(int root_fd, const struct oci_config *c, bool bind, struct err *e);
/* /dev/ptmx -> pts/ptmx, replacing what the image has there. */
int devices_setup_ptmx(int root_fd, struct err *e);
/* /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, and /dev/core when /proc/kcore exists on
 * the host (checked on the current /proc: call before pivot_root). */
int devices_setup_symlinks(int root_fd, struct err *e);
/* Bind console_fd (a pty slave) on /dev/console inside root_fd. Needs no /proc. */
int devices_mount_console(int root_fd, int console_fd, struct err *e);
