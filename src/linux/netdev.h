/* linux.netDevices: existing network devices of the runtime's network namespace moved into
 * the container's, as the spec asks: renamed (a "%d" template lets the kernel pick), with
 * their permanent addresses of global scope, and up. Never moved back: when the namespace
 * goes, the kernel returns physical devices to the initial namespace and destroys virtual
 * ones. */
#pragma once
#include "oci/config.h"
#include "util/error.h"

/* Before anything is created: does every host device exist (in our namespace)? */
int netdev_check(const struct oci_linux *l, struct err *e);
/* Move every device of l->net_devices into the network namespace netns_fd. */
int netdev_move_all(const struct oci_linux *l, int netns_fd, struct err *e);
/* In a network namespace the container gets new: loopback up, as runc's init does. */
int netdev_loopback_up(struct err *e);
