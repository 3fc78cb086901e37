#pragma once
#include <stddef.h>
#include <sys/types.h>

/* One sendmsg of data with fd attached as SCM_RIGHTS (none when fd < 0), MSG_NOSIGNAL.
 * Returns what sendmsg returns, errno set on failure. */
ssize_t send_with_fd(int sock, const void *data, size_t len, int fd);
struct iovec;
/* The same for a message gathered from n pieces (one datagram on a SOCK_SEQPACKET). */
ssize_t send_iov_with_fd(int sock, const struct iovec *iov, size_t n, int fd);
