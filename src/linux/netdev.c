/* linux.netDevices over rtnetlink (see netdev.h). Two sockets: one in the runtime's network
 * namespace (where the device is found, its addresses read and the move asked for), one
 * created inside the container's (where the moved device is found, readdressed and set
 * up). A netlink socket stays bound to the namespace it was created in, so a moment in the
 * container's namespace is enough to make the second one. */
#include "linux/netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/cleanup.h"

#define NL_BUF 16384
#define MAX_ADDRS 64

struct nl_req {
	struct nlmsghdr h;
	char body[1024];
};

/* An address to carry over: the attributes the kernel needs to recreate it. */
struct saved_addr {
	struct ifaddrmsg ifa;
	uint32_t flags;
	unsigned char local[16], address[16], broadcast[16];
	size_t len;   /* 4 or 16 */
	bool has_local, has_address, has_broadcast;
};

static void nl_init(struct nl_req *r, uint16_t type, uint16_t flags, const void *hdr, size_t len)
{
	memset(r, 0, sizeof *r);
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	memcpy(NLMSG_DATA(&r->h), hdr, len);
}

static void nl_attr(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&r->h + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len));
}

static int nl_socket(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* The socket bound to the network namespace netns_fd; ours is restored before returning. */
static int nl_socket_in(int netns_fd, struct err *e)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_sys(e, "linux.netDevices: open our network namespace");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return err_sys(e, "linux.netDevices: enter the container's network namespace");
	int fd = nl_socket();
	int saved = errno;
	/* Failing to come back would leave the runtime in the container's namespace. */
	if (setns(self, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, "linux.netDevices: return to the runtime's network namespace");
	}
	if (fd < 0) {
		errno = saved;
		return err_sys(e, "linux.netDevices: netlink socket");
	}
	return fd;
}

/* Send a request with NLM_F_ACK and return the kernel's verdict (0 or -errno). */
static int nl_call(int fd, struct nl_req *r)
{
	static uint32_t seq;
	r->h.nlmsg_seq = ++seq;
	r->h.nlmsg_flags |= NLM_F_ACK;
	if (send(fd, r, r->h.nlmsg_len, 0) < 0)
		return -errno;
	char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			if (h->nlmsg_seq == r->h.nlmsg_seq && h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
}

/* Dump (RTM_GETLINK or RTM_GETADDR) and hand every reply message to fn. */
static int nl_dump(int fd, uint16_t type, const void *hdr, size_t len,
		   void (*fn)(const struct nlmsghdr *h, void *arg), void *arg)
{
	struct nl_req r;
	static uint32_t seq = 1u << 30;
	nl_init(&r, type, NLM_F_DUMP, hdr, len);
	r.h.nlmsg_seq = ++seq;
	if (send(fd, &r, r.h.nlmsg_len, 0) < 0)
		return -errno;
	char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r.h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			fn(h, arg);
		}
	}
}

struct addr_dump {
	int ifindex;
	struct saved_addr *out;
	size_t n;
};

static void copy_addr(unsigned char *dst, bool *has, size_t *len, const struct rtattr *a)
{
	size_t l = RTA_PAYLOAD(a);
	if (l != 4 && l != 16)
		return;
	memcpy(dst, RTA_DATA(a), l);
	*len = l;
	*has = true;
}

/* The spec's selection: permanent addresses of global scope, of any family. */
static void collect_addr(const struct nlmsghdr *h, void *arg)
{
	struct addr_dump *d = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != d->ifindex ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE || d->n >= MAX_ADDRS)
		return;
	struct saved_addr s = { .ifa = *ifa, .flags = ifa->ifa_flags };
	int len = (int)IFA_PAYLOAD(h);
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_LOCAL)
			copy_addr(s.local, &s.has_local, &s.len, a);
		else if (a->rta_type == IFA_ADDRESS)
			copy_addr(s.address, &s.has_address, &s.len, a);
		else if (a->rta_type == IFA_BROADCAST)
			copy_addr(s.broadcast, &s.has_broadcast, &s.len, a);
		else if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) == sizeof(uint32_t))
			memcpy(&s.flags, RTA_DATA(a), sizeof s.flags);
	}
	if ((s.flags & IFA_F_PERMANENT) && (s.has_local || s.has_address))
		d->out[d->n++] = s;
}

struct link_dump {
	int *index;
	size_t n, cap;
};

static void collect_link(const struct nlmsghdr *h, void *arg)
{
	struct link_dump *d = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		int *p = realloc(d->index, cap * sizeof *p);
		if (!p)
			return;
		d->index = p;
		d->cap = cap;
	}
	d->index[d->n++] = ifi->ifi_index;
}

static bool link_listed(const struct link_dump *d, int index)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->index[i] == index)
			return true;
	return false;
}

static int list_links(int fd, struct link_dump *d)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	d->n = 0;
	return nl_dump(fd, RTM_GETLINK, &ifi, sizeof ifi, collect_link, d);
}

static int add_addr(int fd, int ifindex, const struct saved_addr *s)
{
	struct nl_req r;
	struct ifaddrmsg ifa = s->ifa;
	ifa.ifa_index = (uint32_t)ifindex;
	/* The kernel sets these itself; the permanent flag comes from having no lifetime. */
	ifa.ifa_flags = (unsigned char)(s->flags & 0xff & ~IFA_F_PERMANENT);
	uint32_t flags = s->flags & ~(uint32_t)IFA_F_PERMANENT;
	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	if (s->has_local)
		nl_attr(&r, IFA_LOCAL, s->local, s->len);
	if (s->has_address)
		nl_attr(&r, IFA_ADDRESS, s->address, s->len);
	if (s->has_broadcast)
		nl_attr(&r, IFA_BROADCAST, s->broadcast, s->len);
	nl_attr(&r, IFA_FLAGS, &flags, sizeof flags);
	int rc = nl_call(fd, &r);
	return rc == -EEXIST ? 0 : rc;
}

static int link_up(int fd, int ifindex)
{
	struct nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
	nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
	return nl_call(fd, &r);
}

static int move_link(int fd, int ifindex, int netns_fd, const char *name)
{
	struct nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	uint32_t ns = (uint32_t)netns_fd;
	nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
	nl_attr(&r, IFLA_NET_NS_FD, &ns, sizeof ns);
	nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_call(fd, &r);
}

/* The device the move created in the container's namespace: the one index that was not
 * there before (its index may change, and a "%d" name is the kernel's choice). */
static int moved_index(int tgt, struct link_dump *before)
{
	struct link_dump after = { 0 };
	int rc = list_links(tgt, &after);
	int found = -ENODEV;
	for (size_t i = 0; rc == 0 && i < after.n; i++)
		if (!link_listed(before, after.index[i]))
			found = after.index[i];
	free(after.index);
	return rc < 0 ? rc : found;
}

/* err_sys for a netlink verdict (-errno). */
static int nl_fail(struct err *e, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int nl_fail(struct err *e, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, -rc, fmt, ap);
	va_end(ap);
	return -1;
}

static int move_one(int src, int tgt, int netns_fd, const struct oci_net_device *d,
		    struct err *e)
{
	const char *host = d->host_name, *name = d->name ? d->name : d->host_name;
	int ifindex = (int)if_nametoindex(host);
	if (ifindex == 0)
		return err_sys(e, "linux.netDevices[\"%s\"]: no such network device", host);
	struct saved_addr addrs[MAX_ADDRS];
	struct addr_dump ad = { .ifindex = ifindex, .out = addrs };
	struct ifaddrmsg any = { .ifa_family = AF_UNSPEC };
	int rc = nl_dump(src, RTM_GETADDR, &any, sizeof any, collect_addr, &ad);
	if (rc < 0)
		return nl_fail(e, rc, "linux.netDevices[\"%s\"]: read its addresses", host);
	struct link_dump before = { 0 };
	rc = list_links(tgt, &before);
	if (rc == 0 && (rc = move_link(src, ifindex, netns_fd, name)) < 0) {
		free(before.index);
		return nl_fail(e, rc, "linux.netDevices[\"%s\"]: move into the container's network "
			       "namespace as \"%s\"", host, name);
	}
	int newindex = rc < 0 ? rc : moved_index(tgt, &before);
	free(before.index);
	if (newindex < 0)
		return nl_fail(e, newindex, "linux.netDevices[\"%s\"]: find \"%s\" in the container",
			       host, name);
	for (size_t i = 0; i < ad.n; i++)
		if ((rc = add_addr(tgt, newindex, &addrs[i])) < 0)
			return nl_fail(e, rc, "linux.netDevices[\"%s\"]: restore address #%zu on \"%s\"",
				       host, i, name);
	if ((rc = link_up(tgt, newindex)) < 0)
		return nl_fail(e, rc, "linux.netDevices[\"%s\"]: set \"%s\" up", host, name);
	return 0;
}

int netdev_check(const struct oci_linux *l, struct err *e)
{
	for (size_t i = 0; i < l->n_net_devices; i++)
		if (if_nametoindex(l->net_devices[i].host_name) == 0)
			return err_sys(e, "linux.netDevices[\"%s\"]: no such network device in the "
				       "runtime's network namespace", l->net_devices[i].host_name);
	return 0;
}

int netdev_move_all(const struct oci_linux *l, int netns_fd, struct err *e)
{
	if (!l->n_net_devices)
		return 0;
	_cleanup_close_ int src = nl_socket();
	if (src < 0)
		return err_sys(e, "linux.netDevices: netlink socket");
	_cleanup_close_ int tgt = nl_socket_in(netns_fd, e);
	if (tgt < 0)
		return -1;
	for (size_t i = 0; i < l->n_net_devices; i++)
		if (move_one(src, tgt, netns_fd, &l->net_devices[i], e) < 0)
			return -1;
	return 0;
}

int netdev_loopback_up(struct err *e)
{
	/* An ioctl, not netlink: the init runs this inside its memory cgroup, where a netlink
	 * reply buffer on the stack would be charged to the container. */
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { .ifr_name = "lo" };
	if (fd < 0)
		return err_sys(e, "bring lo up: socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return err_sys(e, "bring lo up: get flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return err_sys(e, "bring lo up");
	return 0;
}
