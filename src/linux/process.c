/* Attributes of the container process, applied by the process to itself: hostname, sysctl,
 * oom_score_adj, rlimits, personality/scheduler/ioprio/mempolicy, user and capabilities, and
 * the lookup of the executable. Each step is one function, called by container/init.c (and
 * exec) in the order of process.h, single-threaded, after pivot_root. */
#include "linux/process.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "util/cleanup.h"
#include "util/log.h"

/* ---------------------------------------------------------------- namespaces, procfs */

/* Does the config give the container a namespace of type t (new or joined)? */
static bool config_has_ns(const struct oci_config *c, enum oci_ns_type t)
{
	if (!c->has_linux)
		return false;
	for (size_t i = 0; i < c->linux_.n_namespaces; i++)
		if (c->linux_.namespaces[i].type == t)
			return true;
	return false;
}

/* One write(2): sysctl and oom_score_adj parse the whole value from a single write. */
static int write_all_once(int fd, const char *data, size_t len)
{
	ssize_t w;
	do
		w = write(fd, data, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if ((size_t)w != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- hostname */

int process_set_hostname(const struct oci_config *c, struct err *e)
{
	bool has_uts = config_has_ns(c, OCI_NS_UTS);
	/* Without a private uts namespace this would rename the host (runc refuses too). */
	if (c->hostname && *c->hostname) {
		if (!has_uts)
			return err_plain(e, EINVAL, "hostname: unable to set hostname without a private UTS namespace");
		if (sethostname(c->hostname, strlen(c->hostname)) < 0)
			return err_sys(e, "hostname: sethostname \"%s\"", c->hostname);
	}
	if (c->domainname && *c->domainname) {
		if (!has_uts)
			return err_plain(e, EINVAL, "domainname: unable to set domainname without a private UTS namespace");
		if (setdomainname(c->domainname, strlen(c->domainname)) < 0)
			return err_sys(e, "domainname: setdomainname \"%s\"", c->domainname);
	}
	return 0;
}

/* ---------------------------------------------------------------- sysctl */

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Keys may use '.' or '/' as separator (runc accepts both): out gets the dotted form.
 * Components must be non-empty, so no key can name anything outside /proc/sys. */
static int sysctl_normalize(const char *key, char *out, size_t cap, struct err *e)
{
	size_t n = strlen(key);
	if (n == 0 || n >= cap)
		return err_plain(e, EINVAL, "sysctl \"%s\": invalid name", key);
	for (size_t i = 0; i < n; i++) {
		char ch = key[i] == '/' ? '.' : key[i];
		if (ch == '.' && (i == 0 || i == n - 1 || out[i - 1] == '.'))
			return err_plain(e, EINVAL, "sysctl \"%s\": invalid name", key);
		out[i] = ch;
	}
	out[n] = '\0';
	return 0;
}

int process_sysctl_check(const char *key, const struct sysctl_ns *ns, struct err *e)
{
	char k[256];
	if (sysctl_normalize(key, k, sizeof k, e) < 0)
		return -1;
	/* The IPC sysctls (SysV msg/sem/shm and POSIX mqueue) belong to the ipc namespace. */
	if (has_prefix(k, "kernel.msg") || has_prefix(k, "kernel.sem") ||
	    has_prefix(k, "kernel.shm") || has_prefix(k, "fs.mqueue.")) {
		if (!ns->ipc)
			return err_plain(e, EPERM, "sysctl \"%s\" is not allowed in the hosts ipc namespace", key);
		return 0;
	}
	if (has_prefix(k, "net.")) {
		if (!ns->net)
			return err_plain(e, EPERM, "sysctl \"%s\" not allowed in host network namespace", key);
		return 0;
	}
	if (ns->uts && strcmp(k, "kernel.domainname") == 0)
		return 0;
	/* Namespaced, but process.hostname owns it: two sources for one value is a config error. */
	if (ns->uts && strcmp(k, "kernel.hostname") == 0)
		return err_plain(e, EINVAL, "sysctl \"%s\" is not allowed as it conflicts with the OCI \"hostname\" field", key);
	return err_plain(e, EPERM, "sysctl \"%s\" is not in a separate kernel namespace", key);
}

int process_sysctl_validate(const struct oci_config *c, struct err *e)
{
	if (!c->has_linux || c->linux_.n_sysctl == 0)
		return 0;
	struct sysctl_ns ns = {
		.ipc = config_has_ns(c, OCI_NS_IPC),
		.net = config_has_ns(c, OCI_NS_NETWORK),
		.uts = config_has_ns(c, OCI_NS_UTS),
	};
	for (size_t i = 0; i < c->linux_.n_sysctl; i++)
		if (process_sysctl_check(c->linux_.sysctl[i].key, &ns, e) < 0)
			return err_wrap(e, "linux.sysctl");
	return 0;
}

static int sysctl_write(int proc_fd, const struct oci_kv *kv, struct err *e)
{
	char path[300];
	int n = snprintf(path, sizeof path, "sys/%s", kv->key);
	if (n < 0 || (size_t)n >= sizeof path)
		return err_plain(e, ENAMETOOLONG, "linux.sysctl: \"%s\": name too long", kv->key);
	for (char *p = path; *p; p++)
		if (*p == '.')
			*p = '/';
	_cleanup_close_ int fd = procfs_open_beneath(proc_fd, path, O_WRONLY);
	/* runc writes sysctls before it applies readonlyPaths, which usually hold /proc/sys:
	 * a bind mount there is either that ordering mistake or an attack. */
	if (fd < 0 && errno == EXDEV)
		return err_sys(e, "linux.sysctl: \"%s\": /proc/%s is under a mount point (sysctls must be "
			       "written before readonlyPaths are applied)", kv->key, path);
	if (fd < 0)
		return err_sys(e, "linux.sysctl: \"%s\": open /proc/%s", kv->key, path);
	const char *v = kv->value ? kv->value : "";
	if (write_all_once(fd, v, strlen(v)) < 0)
		return err_sys(e, "linux.sysctl: \"%s\": write \"%s\" to /proc/%s", kv->key, v, path);
	return 0;
}

int process_apply_sysctl(const struct oci_config *c, int proc_fd, struct err *e)
{
	/* Validated again here: the check is cheap and the write is irreversible. */
	if (process_sysctl_validate(c, e) < 0)
		return -1;
	for (size_t i = 0; c->has_linux && i < c->linux_.n_sysctl; i++)
		if (sysctl_write(proc_fd, &c->linux_.sysctl[i], e) < 0)
			return -1;
	return 0;
}

/* ---------------------------------------------------------------- oom_score_adj, rlimits */

int process_set_oom_score_adj(int proc_fd, int value, struct err *e)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%d", value);
	/* "self" is an ordinary (not magic) link to our pid in this procfs: allowed beneath. */
	_cleanup_close_ int fd = procfs_open_beneath(proc_fd, "self/oom_score_adj", O_WRONLY);
	if (fd < 0)
		return err_sys(e, "process.oomScoreAdj: open /proc/self/oom_score_adj");
	if (write_all_once(fd, buf, (size_t)n) < 0)
		return err_sys(e, "process.oomScoreAdj: write %d to /proc/self/oom_score_adj", value);
	return 0;
}

static const char *rlim_text(uint64_t v, char *buf, size_t cap)
{
	if (v == (uint64_t)RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, cap, "%llu", (unsigned long long)v);
	return buf;
}

int process_set_rlimits(const struct oci_process *p, struct err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *r = &p->rlimits[i];
		const char *name = r->type ? r->type : "?";
		if (r->resource < 0 || r->resource >= RLIM_NLIMITS)
			return err_plain(e, EINVAL, "process.rlimits[%zu]: unknown rlimit %s", i, name);
		struct rlimit lim = { .rlim_cur = (rlim_t)r->soft, .rlim_max = (rlim_t)r->hard };
		if (setrlimit((__rlimit_resource_t)r->resource, &lim) < 0) {
			char s[24], h[24];
			return err_sys(e, "process.rlimits[%zu]: setrlimit %s %s/%s", i, name,
				       rlim_text(r->soft, s, sizeof s), rlim_text(r->hard, h, sizeof h));
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- personality, scheduler */

static int set_personality(const struct oci_personality *pers, struct err *e)
{
	unsigned long domain;
	if (pers->domain && strcmp(pers->domain, "LINUX") == 0)
		domain = PER_LINUX;
	else if (pers->domain && strcmp(pers->domain, "LINUX32") == 0)
		domain = PER_LINUX32;
	else
		return err_plain(e, EINVAL, "linux.personality.domain: unsupported \"%s\"",
				    pers->domain ? pers->domain : "");
	/* The spec defines no flag values yet; runc warns and ignores them too. */
	for (size_t i = 0; i < pers->n_flags; i++)
		log_warn("linux.personality.flags[%zu]: ignoring unsupported flag \"%s\"", i, pers->flags[i]);
	if (personality(domain) < 0)
		return err_sys(e, "linux.personality: personality %s", pers->domain);
	return 0;
}

/* struct sched_attr, SCHED_ATTR_SIZE_VER1 (56 bytes): defined here because glibc has no
 * wrapper and <linux/sched/types.h> clashes with <sched.h> on older headers. A kernel
 * older than VER1 accepts the larger size as long as the tail is zero, which it is. */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static const char *sched_policy_name(int policy)
{
	static const char *const names[] = {
		"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
		"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
	};
	if (policy >= 0 && (size_t)policy < sizeof names / sizeof names[0])
		return names[policy];
	return "?";
}

static int set_scheduler(const struct oci_config *c, const struct oci_scheduler *s, struct err *e)
{
	struct sched_attr_v1 attr = {
		.size = sizeof attr,
		.sched_policy = (uint32_t)s->policy,
		.sched_flags = s->flags,
		.sched_nice = s->nice,
		.sched_priority = (uint32_t)s->priority,
		.sched_runtime = s->runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
	};
	if (syscall(SYS_sched_setattr, 0, &attr, 0) == 0)
		return 0;
	/* SCHED_DEADLINE needs the task's affinity to span its root domain; a cpuset
	 * restriction makes the kernel answer EPERM (runc gives the same hint). */
	const struct oci_cpu *cpu = c->has_linux && c->linux_.has_resources &&
		c->linux_.resources.has_cpu ? &c->linux_.resources.cpu : NULL;
	if (errno == EPERM && s->policy == SCHED_DEADLINE && cpu && cpu->cpus && *cpu->cpus)
		return err_sys(e, "process.scheduler: %s can't be used together with linux.resources.cpu.cpus",
			       sched_policy_name(s->policy));
	/* With RT group scheduling (cgroup v1 cpu controller) a new cgroup has no realtime
	 * budget: the kernel refuses SCHED_FIFO/SCHED_RR until the config grants one. */
	if (errno == EPERM && (s->policy == SCHED_FIFO || s->policy == SCHED_RR) &&
	    !(cpu && cpu->has_realtime_runtime))
		return err_sys(e, "process.scheduler: %s priority %d (the container's cgroup may need "
			       "linux.resources.cpu.realtimeRuntime)", sched_policy_name(s->policy),
			       (int)s->priority);
	return err_sys(e, "process.scheduler: sched_setattr %s nice %d priority %d flags %#llx",
		       sched_policy_name(s->policy), (int)s->nice, (int)s->priority,
		       (unsigned long long)s->flags);
}

#define IOPRIO_CLASS_SHIFT_ 13
#define IOPRIO_WHO_PROCESS_ 1

static int set_io_priority(const struct oci_io_priority *io, struct err *e)
{
	if (io->class_ < 1 || io->class_ > 3 || io->priority < 0 || io->priority > 7)
		return err_plain(e, EINVAL, "process.ioPriority: invalid class %d priority %d",
				    io->class_, io->priority);
	int value = (io->class_ << IOPRIO_CLASS_SHIFT_) | io->priority;
	/* The spec speaks of the process group; runc passes IOPRIO_WHO_PGRP after making the
	 * init a session leader, where the group is the init alone. WHO_PROCESS on ourselves
	 * is the same then, cannot touch the runtime's group if setsid was skipped, and every
	 * later process of the container inherits it across fork. */
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, value) < 0)
		return err_sys(e, "process.ioPriority: ioprio_set class %d priority %d", io->class_, io->priority);
	return 0;
}

/* ---------------------------------------------------------------- memory policy */

int process_parse_id_list(const char *list, unsigned long *mask, size_t nbits, struct err *e)
{
	const size_t word = 8 * sizeof(unsigned long);
	memset(mask, 0, (nbits + word - 1) / word * sizeof(unsigned long));
	const char *p = list;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return err_plain(e, EINVAL, "\"%s\": expected a number at \"%s\"", list, p);
		errno = 0;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				return err_plain(e, EINVAL, "\"%s\": expected a number at \"%s\"", list, p);
			hi = strtoul(p, &end, 10);
		}
		if (errno || hi < lo)
			return err_plain(e, EINVAL, "\"%s\": invalid range at \"%s\"", list, p);
		if (hi >= nbits)
			return err_plain(e, ERANGE, "\"%s\": %lu is above the maximum %zu", list, hi, nbits - 1);
		for (unsigned long b = lo; b <= hi; b++)
			mask[b / word] |= 1UL << (b % word);
		if (*end == ',' && end[1] != '\0')
			end++;
		else if (*end != '\0')
			return err_plain(e, EINVAL, "\"%s\": unexpected \"%s\"", list, end);
		p = end;
	}
	return 0;
}

struct name_value {
	const char *name;
	int value;
};

/* Values of the kernel's uapi (linux/mempolicy.h); listed here because older headers lack
 * MPOL_PREFERRED_MANY and MPOL_WEIGHTED_INTERLEAVE. */
static const struct name_value mpol_modes[] = {
	{ "MPOL_DEFAULT", 0 }, { "MPOL_PREFERRED", 1 }, { "MPOL_BIND", 2 },
	{ "MPOL_INTERLEAVE", 3 }, { "MPOL_LOCAL", 4 }, { "MPOL_PREFERRED_MANY", 5 },
	{ "MPOL_WEIGHTED_INTERLEAVE", 6 }, { NULL, 0 },
};
static const struct name_value mpol_flags[] = {
	{ "MPOL_F_NUMA_BALANCING", 1 << 13 }, { "MPOL_F_RELATIVE_NODES", 1 << 14 },
	{ "MPOL_F_STATIC_NODES", 1 << 15 }, { NULL, 0 },
};

static int name_lookup(const struct name_value *table, const char *name)
{
	for (; name && table->name; table++)
		if (strcmp(table->name, name) == 0)
			return table->value;
	return -1;
}

static const char *const *table_names(const struct name_value *table, const char **names,
				     size_t cap)
{
	size_t n = 0;
	for (; table->name && n + 1 < cap; table++)
		names[n++] = table->name;
	names[n] = NULL;
	return names;
}

const char *const *process_mempolicy_names(bool flags)
{
	static const char *modes[16], *flag_names[16];
	return flags ? table_names(mpol_flags, flag_names, 16) : table_names(mpol_modes, modes, 16);
}

/* Enough for any kernel: MAX_NUMNODES is at most 1 << CONFIG_NODES_SHIFT(10). */
#define MPOL_MAX_NODES 1024

static int set_memory_policy(const struct oci_memory_policy *mp, struct err *e)
{
	int mode = name_lookup(mpol_modes, mp->mode);
	if (mode < 0)
		return err_plain(e, EINVAL, "linux.memoryPolicy.mode: unsupported \"%s\"", mp->mode ? mp->mode : "");
	for (size_t i = 0; i < mp->n_flags; i++) {
		int f = name_lookup(mpol_flags, mp->flags[i]);
		if (f < 0)
			return err_plain(e, EINVAL, "linux.memoryPolicy.flags[%zu]: unsupported \"%s\"", i, mp->flags[i]);
		mode |= f;
	}
	unsigned long mask[MPOL_MAX_NODES / (8 * sizeof(unsigned long))];
	unsigned long maxnode = 0;
	const unsigned long *maskp = NULL;
	if (mp->nodes && *mp->nodes) {
		if (process_parse_id_list(mp->nodes, mask, MPOL_MAX_NODES, e) < 0)
			return err_wrap(e, "linux.memoryPolicy.nodes");
		maskp = mask;
		/* The kernel reads maxnode - 1 bits (a historical off-by-one kept for ABI). */
		maxnode = MPOL_MAX_NODES + 1;
	}
	if (syscall(SYS_set_mempolicy, mode, maskp, maxnode) < 0)
		return err_sys(e, "linux.memoryPolicy: set_mempolicy %s nodes \"%s\"", mp->mode,
			       mp->nodes ? mp->nodes : "");
	return 0;
}

int process_set_cpu_affinity(const char *cpus, const char *field, struct err *e)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (!cpus || !*cpus) {
		/* Every CPU: the kernel narrows it to what the cpuset allows. */
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	} else if (process_parse_id_list(cpus, (unsigned long *)(void *)&set, CPU_SETSIZE, e) < 0) {
		return err_wrap(e, "%s", field);
	}
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		return err_sys(e, "%s: sched_setaffinity \"%s\"", field, cpus && *cpus ? cpus : "all");
	return 0;
}

int process_set_sched_attrs(const struct oci_config *c, const struct oci_process *p, struct err *e)
{
	if (c->has_linux && c->linux_.has_personality && set_personality(&c->linux_.personality, e) < 0)
		return -1;
	if (p->has_scheduler && set_scheduler(c, &p->scheduler, e) < 0)
		return -1;
	if (p->has_io_priority && set_io_priority(&p->io_priority, e) < 0)
		return -1;
	if (c->has_linux && c->linux_.has_memory_policy && set_memory_policy(&c->linux_.memory_policy, e) < 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- capabilities */

int process_cap_last(void)
{
	/* Probed once: PR_CAPBSET_READ answers EINVAL past the kernel's last capability, and
	 * unlike /proc/sys/kernel/cap_last_cap it does not depend on what /proc is now. */
	static int last = -1;
	if (last < 0) {
		int cap = 0;
		while (cap < 64 && (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) >= 0 || errno != EINVAL))
			cap++;
		last = cap - 1;
	}
	return last;
}

static uint64_t cap_mask_all(void)
{
	int last = process_cap_last();
	return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

/* "CAP_NET_ADMIN CAP_SYS_TIME" for the bits of m, into buf. */
static const char *cap_names(uint64_t m, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < 64 && o < cap; i++) {
		if (!(m & (1ULL << i)))
			continue;
		char *name = cap_to_name(i);
		int n = snprintf(buf + o, cap - o, "%s%s", o ? " " : "", name ? name : "?");
		if (name)
			cap_free(name);
		/* libcap spells them "cap_chown"; the config spells them "CAP_CHOWN". */
		for (size_t k = o; k < cap && buf[k]; k++)
			buf[k] = (char)toupper((unsigned char)buf[k]);
		o = n < 0 ? o : o + (size_t)n;
	}
	return buf;
}

/* The sets to apply: the config's masked to what this kernel knows, with a warning for the
 * rest (the spec: log unknown or ungrantable capabilities, do not fail). No capabilities
 * object at all means no capabilities (runc 1.1 clears every set in that case). */
static struct oci_capabilities wanted_caps(const struct oci_process *p)
{
	struct oci_capabilities w = { 0 };
	if (!p->has_capabilities)
		return w;
	const struct oci_capabilities *c = &p->capabilities;
	uint64_t all = cap_mask_all(), any = c->bounding | c->effective | c->inheritable |
					      c->permitted | c->ambient;
	char names[1024];
	if (any & ~all)
		log_warn("ignoring capabilities unknown to this kernel: %s", cap_names(any & ~all, names, sizeof names));
	for (char **u = c->unknown; u && *u; u++)
		log_warn("ignoring unknown capability %s", *u);
	w.bounding = c->bounding & all;
	w.effective = c->effective & all;
	w.inheritable = c->inheritable & all;
	w.permitted = c->permitted & all;
	w.ambient = c->ambient & all;
	return w;
}

static int drop_bounding(uint64_t keep, struct err *e)
{
	int last = process_cap_last();
	for (int cap = 0; cap <= last; cap++) {
		if (keep & (1ULL << cap))
			continue;
		/* Reading first lets a process without CAP_SETPCAP pass when nothing changes. */
		if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0) {
			char n[64];
			return err_sys(e, "process.capabilities.bounding: drop %s", cap_names(1ULL << cap, n, sizeof n));
		}
	}
	return 0;
}

/* The bounding set as it is now (after drop_bounding). */
static uint64_t bounding_now(void)
{
	uint64_t m = 0;
	for (int cap = 0; cap <= process_cap_last(); cap++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1)
			m |= 1ULL << cap;
	return m;
}

static int caps_get(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	if (capget(&h, d) < 0)
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
	};
	return capset(&h, d);
}

/* Effective, permitted, inheritable in one capset. The kernel (cap_capset) only lets
 * permitted shrink, and inheritable grow within old inheritable|permitted (CAP_SETPCAP is
 * no longer effective after a switch away from uid 0) and within old inheritable|bounding.
 * What cannot be granted is warned about and left out, as the spec asks: the process never
 * gets more than configured, and a config asking for too much still runs. */
static int apply_caps(const struct oci_capabilities *w, struct err *e)
{
	uint64_t cur_eff, cur_perm, cur_inh;
	if (caps_get(&cur_eff, &cur_perm, &cur_inh) < 0)
		return err_sys(e, "process.capabilities: capget");
	uint64_t perm = w->permitted & cur_perm;
	uint64_t inh = w->inheritable & (cur_inh | cur_perm) & (cur_inh | bounding_now());
	uint64_t eff = w->effective & perm;
	char names[1024];
	uint64_t lost = (w->permitted & ~perm) | (w->inheritable & ~inh) | (w->effective & ~eff);
	if (lost)
		log_warn("cannot grant capabilities: %s", cap_names(lost, names, sizeof names));
	if (caps_set(eff, perm, inh) < 0)
		return err_sys(e, "process.capabilities: capset effective %#llx permitted %#llx inheritable %#llx",
			       (unsigned long long)eff, (unsigned long long)perm, (unsigned long long)inh);
	return 0;
}

/* Ambient caps need to be permitted and inheritable; runc warns instead of failing when a
 * raise is refused, and so do we. EINVAL from CLEAR_ALL means a kernel without ambient
 * capabilities (< 4.3), where there is nothing to clear. */
static int apply_ambient(uint64_t ambient, struct err *e)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		if (errno == EINVAL)
			return 0;
		return err_sys(e, "process.capabilities.ambient: clear");
	}
	for (int cap = 0; cap < 64; cap++) {
		if (!(ambient & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0) {
			/* runc's own default spec lists ambient caps without inheritable ones;
			 * it stays silent about them, so this is only a debug message. */
			char n[64];
			log_debug("process.capabilities.ambient: cannot raise %s: %s",
				 cap_names(1ULL << cap, n, sizeof n), strerror(errno));
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- user */

/* Is setgroups(2) denied for this user namespace (/proc/self/setgroups says "deny")? Only
 * consulted after setgroups failed, so a forged file cannot make us skip a working call. */
static bool setgroups_denied(void)
{
	char buf[16] = { 0 };
	_cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

static int set_groups(const struct oci_user *u, struct err *e)
{
	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
	if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) == 0)
		return 0;
	if (errno == EPERM && setgroups_denied()) {
		/* A user namespace whose gid map was written without privilege (rootless):
		 * runc skips setgroups there, and refuses groups that were asked for. */
		if (u->n_additional_gids == 0)
			return 0;
		return err_plain(e, EPERM, "process.user.additionalGids: cannot set additional groups: "
				    "setgroups is denied in this user namespace");
	}
	return err_sys(e, "process.user.additionalGids: setgroups (%zu groups)", u->n_additional_gids);
}

static int set_ids(const struct oci_user *u, struct err *e)
{
	/* EINVAL: the id has no mapping in our user namespace (runc's wording). */
	if (setresgid(u->gid, u->gid, u->gid) < 0) {
		if (errno == EINVAL)
			return err_plain(e, EINVAL, "process.user.gid: cannot setgid to unmapped gid %u in user namespace", u->gid);
		return err_sys(e, "process.user.gid: setresgid %u", u->gid);
	}
	if (setresuid(u->uid, u->uid, u->uid) < 0) {
		if (errno == EINVAL)
			return err_plain(e, EINVAL, "process.user.uid: cannot setuid to unmapped uid %u in user namespace", u->uid);
		return err_sys(e, "process.user.uid: setresuid %u", u->uid);
	}
	return 0;
}

int process_set_identity(const struct oci_process *p, struct err *e)
{
	struct oci_capabilities w = wanted_caps(p);
	/* While we still have CAP_SETPCAP: the bounding set can only be dropped with it. */
	if (drop_bounding(w.bounding, e) < 0)
		return -1;
	/* Keep the permitted set across the switch away from uid 0. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(e, "process.user: prctl PR_SET_KEEPCAPS");
	if (set_groups(&p->user, e) < 0 || set_ids(&p->user, e) < 0)
		return -1;
	if (apply_caps(&w, e) < 0 || apply_ambient(w.ambient, e) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_sys(e, "process.user: prctl PR_SET_KEEPCAPS 0");
	/* runc sets 0022 when user.umask is absent, not the caller's umask (checked with
	 * runc 1.1.5 started under umask 0077). */
	umask(p->user.has_umask ? (mode_t)p->user.umask : PROCESS_DEFAULT_UMASK);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
	return 0;
}

/* ---------------------------------------------------------------- executable lookup */

/* Error text in Go's words, as runc prints it: "no such file or directory". */
static const char *errno_text(int code, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", strerror(code));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

enum exec_check { EXEC_OK, EXEC_STAT_FAILED, EXEC_DENIED };

/* Go's exec.LookPath test (runc's lookup): the file must exist, be a regular file and be
 * executable for our effective ids (after the user switch). */
static enum exec_check exec_check(const char *path, int *code)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*code = errno;
		return EXEC_STAT_FAILED;
	}
	*code = EACCES;
	if (!S_ISREG(st.st_mode))
		return EXEC_DENIED;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return EXEC_OK;
	/* ENOSYS or a seccomp EPERM: fall back to the mode bits, as Go does. */
	if (errno == ENOSYS || errno == EPERM)
		return (st.st_mode & 0111) ? EXEC_OK : EXEC_DENIED;
	*code = errno;
	return EXEC_DENIED;
}

static int exec_error(struct err *e, const char *file, enum exec_check r, int code, const char *path)
{
	char t[128];
	if (r == EXEC_STAT_FAILED)
		return err_plain(e, code, "exec: \"%s\": stat %s: %s", file, path, errno_text(code, t, sizeof t));
	return err_plain(e, code, "exec: \"%s\": %s", file, errno_text(code, t, sizeof t));
}

/* The last PATH= of the environment wins, as with runc's setenv of each entry in order. */
static const char *env_path(const struct oci_process *p)
{
	const char *path = NULL;
	for (char **v = p->env; v && *v; v++)
		if (strncmp(*v, "PATH=", 5) == 0)
			path = *v + 5;
	return path;
}

static int search_path(const char *file, const char *path, char **out, struct err *e)
{
	/* runc 1.1.5 finds nothing without PATH (no execvp-style default); checked. */
	for (const char *dir = path; dir && *dir != '\0';) {
		const char *colon = strchrnul(dir, ':');
		int dlen = (int)(colon - dir);
		_cleanup_free_ char *cand = NULL;
		/* An empty element means the current directory (POSIX). */
		if (asprintf(&cand, "%.*s/%s", dlen ? dlen : 1, dlen ? dir : ".", file) < 0)
			return err_set(e, ENOMEM, "exec: \"%s\"", file);
		int code;
		if (exec_check(cand, &code) == EXEC_OK) {
			/* Go >= 1.19 refuses a match through a relative PATH entry. */
			if (cand[0] != '/')
				return err_plain(e, EACCES, "exec: \"%s\": cannot run executable found relative to current directory", file);
			*out = steal_ptr(&cand);
			return 0;
		}
		dir = *colon ? colon + 1 : colon;
		/* A trailing ':' is one more (empty) element. */
		if (*colon && *dir == '\0')
			dir = ".";
	}
	return err_plain(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

int process_find_executable(const struct oci_process *p, char **out, struct err *e)
{
	const char *file = p->n_args > 0 && p->args ? p->args[0] : NULL;
	*out = NULL;
	if (!file || !*file)
		return err_plain(e, EINVAL, "process.args: no executable given");
	if (strchr(file, '/')) {
		int code;
		enum exec_check r = exec_check(file, &code);
		if (r != EXEC_OK)
			return exec_error(e, file, r, code, file);
		*out = strdup(file);
		return *out ? 0 : err_set(e, ENOMEM, "exec: \"%s\"", file);
	}
	return search_path(file, env_path(p), out, e);
}

static char *passwd_home(uint32_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return NULL;
	char line[1024], *home = NULL;
	while (!home && fgets(line, sizeof line, f)) {
		char *fields[7] = { 0 }, *p = line;
		int n = 0;
		/* strsep keeps empty fields (strtok would merge "::"). */
		while (n < 7 && (fields[n] = strsep(&p, ":\n")))
			n++;
		if (n < 6 || !fields[2] || !*fields[2])
			continue;
		char *end;
		unsigned long v = strtoul(fields[2], &end, 10);
		if (*end == '\0' && v == uid && fields[5] && *fields[5])
			home = strdup(fields[5]);
	}
	fclose(f);
	return home;
}

int process_env_with_home(const struct oci_process *p, char ***out, struct err *e)
{
	size_t n = 0;
	*out = NULL;
	for (; p->env && p->env[n]; n++)
		if (!strncmp(p->env[n], "HOME=", 5))
			return 0;
	char **env = calloc(n + 2, sizeof *env);
	char *home = passwd_home(p->user.uid);
	size_t len = strlen(home ? home : "/") + 6;
	char *entry = malloc(len);
	if (!env || !entry) {
		free(env);
		free(entry);
		free(home);
		return err_set(e, ENOMEM, "HOME");
	}
	snprintf(entry, len, "HOME=%s", home ? home : "/");
	free(home);
	for (size_t i = 0; i < n; i++)
		env[i] = p->env[i];
	env[n] = entry;
	*out = env;
	return 0;
}
