/* seccomp filters from linux.seccomp, built with libseccomp. */
#pragma once
#include <stddef.h>

#include "oci/config.h"
#include "util/error.h"

/* Build and load the filter in the calling thread. Must be the last step before execve.
 * If the config asks for SCMP_ACT_NOTIFY, *notify_fd receives the listener fd (else -1). */
int seccomp_filter_load(const struct oci_seccomp *s, int *notify_fd, struct err *e);
/* Send the notify fd and the container state (with listenerMetadata) over the unix socket at
 * listener_path, as runc does. */
int seccomp_send_notify(const char *listener_path, int notify_fd, const char *state_json,
			struct err *e);
