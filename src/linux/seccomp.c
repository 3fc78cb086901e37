/* linux.seccomp: build the filter with libseccomp and load it; hand the SCMP_ACT_NOTIFY
 * listener fd to the seccomp agent. Semantics follow runc (libcontainer/seccomp) where the
 * spec leaves room, and the spec where runc is laxer (errnoRet on other actions). */
#include "linux/seccomp.h"

#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "build_config.h"
#include "linux/seccomp_cache.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/sendfd.h"

/* Older kernel headers; the values are ABI. */
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The kernel clamps SECCOMP_RET_ERRNO data to MAX_ERRNO and libseccomp refuses more. */
#define SECCOMP_MAX_ERRNO 4095
/* Above this many syscalls runc asks libseccomp for a binary tree (libseccomp <= 2.5.4
 * misbehaves with the tree and no rules at all). runc counts one per name. */
#define SECCOMP_TREE_MIN_RULES 32
#define SECCOMP_MAX_ARGS 6
/* libseccomp 2.6 knows SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (SCMP_FLTATR_CTL_WAITKILL). */
#define HAVE_SCMP_WAITKILL (SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6))

struct filter {
	scmp_filter_ctx ctx;
	uint32_t default_action;
	bool tsync, log, spec_allow, wait_killable;
	bool notify;    /* a SCMP_ACT_NOTIFY rule made it into the filter */
};

static void filter_release(struct filter *f)
{
	if (f->ctx)
		seccomp_release(f->ctx);
	f->ctx = NULL;
}

static const struct {
	const char *name;
	uint32_t arch;
} arch_table[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
	{ "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
	{ "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
	{ "SCMP_ARCH_SH", SCMP_ARCH_SH },
	{ "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

/* An action as libseccomp's value. errnoRet only means something for ERRNO and TRACE; the
 * spec requires an error for the others (runc ignores it). Without errnoRet both default to
 * EPERM, as in runc. SCMP_ACT_KILL is KILL_THREAD, as libseccomp and runc define it. */
static int resolve_action(enum oci_seccomp_action a, bool has_ret, uint32_t ret,
			  const char *field, const char *ret_field, uint32_t *out, struct err *e)
{
	if (has_ret && a != OCI_SCMP_ERRNO && a != OCI_SCMP_TRACE)
		return err_set(e, EINVAL, "%s: only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
			       ret_field);
	uint32_t data = has_ret ? ret : EPERM;
	switch (a) {
	case OCI_SCMP_KILL:
	case OCI_SCMP_KILL_THREAD: *out = SCMP_ACT_KILL_THREAD; return 0;
	case OCI_SCMP_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; return 0;
	case OCI_SCMP_TRAP: *out = SCMP_ACT_TRAP; return 0;
	case OCI_SCMP_ALLOW: *out = SCMP_ACT_ALLOW; return 0;
	case OCI_SCMP_LOG: *out = SCMP_ACT_LOG; return 0;
	case OCI_SCMP_NOTIFY: *out = SCMP_ACT_NOTIFY; return 0;
	case OCI_SCMP_ERRNO:
		if (data > SECCOMP_MAX_ERRNO)
			return err_set(e, EINVAL, "%s: %u is not an errno (at most %d)",
				       ret_field, data, SECCOMP_MAX_ERRNO);
		*out = SCMP_ACT_ERRNO(data);
		return 0;
	case OCI_SCMP_TRACE:
		if (data > 0xffff)
			return err_set(e, EINVAL, "%s: %u does not fit in 16 bits", ret_field,
				       data);
		*out = SCMP_ACT_TRACE(data);
		return 0;
	}
	return err_set(e, EINVAL, "%s: unknown action %d", field, (int)a);
}

static int parse_flags(const struct oci_seccomp *s, struct filter *f, struct err *e)
{
	for (size_t i = 0; i < s->n_flags; i++) {
		const char *name = s->flags[i];
		if (strcmp(name, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
			f->tsync = true;
		else if (strcmp(name, "SECCOMP_FILTER_FLAG_LOG") == 0)
			f->log = true;
		else if (strcmp(name, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			f->spec_allow = true;
		else if (strcmp(name, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
			f->wait_killable = true;
		else
			return err_set(e, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"",
				       i, name);
	}
	return 0;
}

static int add_architectures(const struct oci_seccomp *s, struct filter *f, struct err *e)
{
	for (size_t i = 0; i < s->n_architectures; i++) {
		const char *name = s->architectures[i];
		size_t k = 0;
		while (k < sizeof arch_table / sizeof arch_table[0] &&
		       strcmp(arch_table[k].name, name) != 0)
			k++;
		if (k == sizeof arch_table / sizeof arch_table[0])
			return err_set(e, EINVAL, "linux.seccomp.architectures[%zu]: unknown or "
				       "unsupported architecture \"%s\"", i, name);
		/* The native architecture is already in the filter: EEXIST is fine. */
		int r = seccomp_arch_add(f->ctx, arch_table[k].arch);
		if (r < 0 && r != -EEXIST)
			return err_set(e, -r, "linux.seccomp.architectures[%zu]: add \"%s\"", i,
				       name);
	}
	return 0;
}

static int set_flag_attr(struct filter *f, enum scmp_filter_attr attr, const char *flag,
			 struct err *e)
{
	int r = seccomp_attr_set(f->ctx, attr, 1);
	if (r < 0)
		return err_set(e, -r, "linux.seccomp.flags: %s (libseccomp or kernel lacks it)",
			       flag);
	return 0;
}

static int set_attributes(const struct oci_seccomp *s, struct filter *f, struct err *e)
{
	/* no_new_privs is the caller's decision (process.noNewPrivileges); libseccomp would
	 * otherwise set it on every load. */
	int r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return err_set(e, -r, "linux.seccomp: clear libseccomp's no_new_privs attribute");
	/* Without it a failed load reports ECANCELED instead of the kernel's errno. */
	if (seccomp_attr_set(f->ctx, SCMP_FLTATR_API_SYSRAWRC, 1) < 0)
		log_debug("seccomp: libseccomp cannot report raw errnos");
	if (f->tsync && set_flag_attr(f, SCMP_FLTATR_CTL_TSYNC, "SECCOMP_FILTER_FLAG_TSYNC", e) < 0)
		return -1;
	if (f->log && set_flag_attr(f, SCMP_FLTATR_CTL_LOG, "SECCOMP_FILTER_FLAG_LOG", e) < 0)
		return -1;
	if (f->spec_allow &&
	    set_flag_attr(f, SCMP_FLTATR_CTL_SSB, "SECCOMP_FILTER_FLAG_SPEC_ALLOW", e) < 0)
		return -1;
	size_t n_names = 0;
	for (size_t i = 0; i < s->n_syscalls; i++)
		n_names += s->syscalls[i].n_names;
	if (n_names > SECCOMP_TREE_MIN_RULES &&
	    seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		log_debug("seccomp: binary tree optimization not available");
	return 0;
}

static int make_condition(const struct oci_seccomp_arg *a, const char *field, size_t j,
			  struct scmp_arg_cmp *c, struct err *e)
{
	static const enum scmp_compare ops[] = {
		[OCI_OP_NE] = SCMP_CMP_NE, [OCI_OP_LT] = SCMP_CMP_LT, [OCI_OP_LE] = SCMP_CMP_LE,
		[OCI_OP_EQ] = SCMP_CMP_EQ, [OCI_OP_GE] = SCMP_CMP_GE, [OCI_OP_GT] = SCMP_CMP_GT,
		[OCI_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};
	if (a->index >= SECCOMP_MAX_ARGS)
		return err_set(e, EINVAL, "%s.args[%zu].index: syscalls have at most %d "
			       "arguments (index %u)", field, j, SECCOMP_MAX_ARGS, a->index);
	if ((unsigned)a->op >= sizeof ops / sizeof ops[0])
		return err_set(e, EINVAL, "%s.args[%zu].op: unknown operator %d", field, j,
			       (int)a->op);
	/* For MASKED_EQ, value is the mask and valueTwo the value compared, as in libseccomp
	 * (datum_a, datum_b); the other operators ignore valueTwo. */
	*c = (struct scmp_arg_cmp){ .arg = a->index, .op = ops[a->op], .datum_a = a->value,
				    .datum_b = a->value_two };
	return 0;
}

/* One rule per name. Names libseccomp does not know (newer than it, or from another
 * architecture's table) are skipped, as runc does, so that one profile fits all hosts. */
static int add_name(struct filter *f, const char *field, const char *name, uint32_t act,
		    const struct scmp_arg_cmp *conds, size_t n, bool split, struct err *e)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		log_debug("seccomp: unknown syscall \"%s\" ignored", name);
		return 0;
	}
	int r = 0;
	if (!split) {
		r = seccomp_rule_add_array(f->ctx, act, nr, (unsigned)n, conds);
	} else {
		for (size_t k = 0; k < n && r >= 0; k++)
			r = seccomp_rule_add_array(f->ctx, act, nr, 1, &conds[k]);
	}
	if (r < 0)
		return err_set(e, -r, "%s: add rule for \"%s\"", field, name);
	if (act == SCMP_ACT_NOTIFY)
		f->notify = true;
	return 0;
}

/* write(2) is how runc's init reports the listener fd to its parent, sendmsg(2) is ours:
 * if either went to the agent, the agent would wait for an fd that never comes. */
static int check_notify_names(const struct oci_seccomp_syscall *sc, const char *field,
			      struct err *e)
{
	for (size_t k = 0; k < sc->n_names; k++)
		if (strcmp(sc->names[k], "write") == 0 || strcmp(sc->names[k], "sendmsg") == 0)
			return err_set(e, EINVAL, "%s: SCMP_ACT_NOTIFY cannot be used for the "
				       "%s syscall", field, sc->names[k]);
	return 0;
}

static int add_syscall(struct filter *f, const struct oci_seccomp_syscall *sc, size_t i,
		       struct err *e)
{
	char field[64];
	snprintf(field, sizeof field, "linux.seccomp.syscalls[%zu]", i);
	if (sc->n_names == 0)
		return err_set(e, EINVAL, "%s.names: must contain at least one entry", field);
	for (size_t k = 0; k < sc->n_names; k++)
		if (!sc->names[k] || !*sc->names[k])
			return err_set(e, EINVAL, "%s.names[%zu]: empty string is not a valid "
				       "syscall", field, k);
	char ret_field[80];
	snprintf(ret_field, sizeof ret_field, "%s.errnoRet", field);
	uint32_t act;
	if (resolve_action(sc->action, sc->has_errno_ret, sc->errno_ret, field, ret_field, &act,
			   e) < 0)
		return -1;
	if (act == SCMP_ACT_NOTIFY && check_notify_names(sc, field, e) < 0)
		return -1;
	_cleanup_free_ struct scmp_arg_cmp *conds = NULL;
	unsigned per_index[SECCOMP_MAX_ARGS] = { 0 };
	bool split = false;
	if (sc->n_args) {
		conds = calloc(sc->n_args, sizeof *conds);
		if (!conds)
			return err_set(e, ENOMEM, "%s.args", field);
	}
	for (size_t j = 0; j < sc->n_args; j++) {
		if (make_condition(&sc->args[j], field, j, &conds[j], e) < 0)
			return -1;
		/* libseccomp refuses two conditions on one argument in a rule; runc then
		 * adds one rule per condition (which ORs them), and so do we. */
		if (++per_index[sc->args[j].index] > 1)
			split = true;
	}
	/* libseccomp refuses a rule whose action is the default one; it would be a no-op. */
	if (act == f->default_action)
		return 0;
	for (size_t k = 0; k < sc->n_names; k++)
		if (add_name(f, field, sc->names[k], act, conds, sc->n_args, split, e) < 0)
			return -1;
	return 0;
}

/* Syscalls newer than most profiles whose libc callers fall back to an older syscall only on
 * ENOSYS (glibc's clone3 -> clone for threads and posix_spawn, openat2, close_range...).
 * runc answers ENOSYS for every syscall newer than the profile; this list covers the ones
 * libc actually probes. A profile that names a syscall keeps its own rule. */
static const char *const enosys_syscalls[] = {
	"clone3", "openat2", "close_range", "faccessat2", "epoll_pwait2", "pidfd_open",
	"pidfd_send_signal", "pidfd_getfd", "process_madvise", "mount_setattr",
	"futex_waitv", "set_mempolicy_home_node", "cachestat", "fchmodat2", "map_shadow_stack",
	"futex_wake", "futex_wait", "futex_requeue", "statmount", "listmount",
	"lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal",
};

static bool profile_names(const struct oci_seccomp *s, const char *name)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t k = 0; k < s->syscalls[i].n_names; k++)
			if (!strcmp(s->syscalls[i].names[k], name))
				return true;
	return false;
}

static int add_enosys_rules(const struct oci_seccomp *s, struct filter *f, struct err *e)
{
	/* Only a default that refuses needs it: under a default allow they just work. */
	if (f->default_action == SCMP_ACT_ALLOW || f->default_action == SCMP_ACT_LOG)
		return 0;
	(void)e;
	for (size_t i = 0; i < sizeof enosys_syscalls / sizeof *enosys_syscalls; i++) {
		const char *name = enosys_syscalls[i];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR || profile_names(s, name))
			continue;
		/* Best effort: libseccomp refuses some of these on a profile's secondary
		 * architectures (EACCES); the profile stands as written there. */
		int r = seccomp_rule_add(f->ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
		if (r < 0)
			log_debug("seccomp: no ENOSYS rule for %s: %s", name, strerror(-r));
	}
	return 0;
}

bool seccomp_filter_uses_notify(const struct oci_seccomp *s)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (s->syscalls[i].action == OCI_SCMP_NOTIFY)
			return true;
	return false;
}

static int filter_build(const struct oci_seccomp *s, struct filter *f, struct err *e)
{
	if (resolve_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
			   "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet",
			   &f->default_action, e) < 0)
		return -1;
	/* The agent could only get the fd through syscalls that would themselves wait for
	 * the agent (runc refuses it for the same reason). */
	if (f->default_action == SCMP_ACT_NOTIFY)
		return err_set(e, EINVAL, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot "
			       "be the default action");
	if (seccomp_filter_uses_notify(s) && (!s->listener_path || !*s->listener_path))
		return err_set(e, EINVAL, "linux.seccomp.listenerPath: required with "
			       "SCMP_ACT_NOTIFY");
	if (parse_flags(s, f, e) < 0)
		return -1;
	f->ctx = seccomp_init(f->default_action);
	if (!f->ctx)
		return err_set(e, EINVAL, "linux.seccomp.defaultAction: libseccomp refused it "
			       "(unsupported by this kernel?)");
	if (add_architectures(s, f, e) < 0 || set_attributes(s, f, e) < 0)
		return -1;
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (add_syscall(f, &s->syscalls[i], i, e) < 0)
			return -1;
	return add_enosys_rules(s, f, e);
}

int seccomp_filter_check(const struct oci_seccomp *s, struct err *e)
{
	_cleanup_(filter_release) struct filter f = { 0 };
	return filter_build(s, &f, e);
}

static int load_error(struct err *e, int code)
{
	/* The kernel's answer to a thread with neither no_new_privs nor CAP_SYS_ADMIN. */
	if (code == EACCES)
		return err_set(e, code, "linux.seccomp: load the filter (needs no_new_privs or "
			       "CAP_SYS_ADMIN)");
	return err_set(e, code, "linux.seccomp: load the filter");
}

#if !HAVE_SCMP_WAITKILL
/* libseccomp 2.5 has no attribute for SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: export the
 * program it generated and install it with seccomp(2), passing the flags ourselves. */
static int load_exported(struct filter *f, int *listener, struct err *e)
{
	_cleanup_close_ int mfd = memfd_create("ocirun-seccomp", MFD_CLOEXEC);
	if (mfd < 0)
		return err_sys(e, "linux.seccomp: memfd for the exported filter");
	int r = seccomp_export_bpf(f->ctx, mfd);
	if (r < 0)
		return err_set(e, -r, "linux.seccomp: export the filter");
	off_t len = lseek(mfd, 0, SEEK_END);
	if (len <= 0 || len % (off_t)sizeof(struct sock_filter) != 0 ||
	    len / (off_t)sizeof(struct sock_filter) > UINT16_MAX)
		return err_set(e, EINVAL, "linux.seccomp: exported filter has %lld bytes",
			       (long long)len);
	_cleanup_free_ struct sock_filter *insns = malloc((size_t)len);
	if (!insns)
		return err_set(e, ENOMEM, "linux.seccomp: exported filter");
	if (pread(mfd, insns, (size_t)len, 0) != len)
		return err_sys(e, "linux.seccomp: read the exported filter");
	struct sock_fprog prog = { .len = (unsigned short)(len / (off_t)sizeof *insns),
				   .filter = insns };
	unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER |
			      SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	/* TSYNC alone reports a thread that failed to sync through the return value, which
	 * NEW_LISTENER needs for the fd; TSYNC_ESRCH makes that failure an ESRCH instead. */
	if (f->tsync)
		flags |= SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	if (f->log)
		flags |= SECCOMP_FILTER_FLAG_LOG;
	if (f->spec_allow)
		flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (fd < 0)
		return load_error(e, errno);
	*listener = (int)fd;
	return 0;
}
#endif

static int load_libseccomp(struct filter *f, int *listener, struct err *e)
{
	int r = seccomp_load(f->ctx);
	if (r < 0)
		return load_error(e, -r);
	if (f->notify) {
		*listener = seccomp_notify_fd(f->ctx);
		if (*listener < 0)
			return err_set(e, EIO, "linux.seccomp: no listener fd after loading");
	}
	return 0;
}

int seccomp_filter_load(const struct oci_seccomp *s, int *notify_fd, struct err *e)
{
	/* Compiled (or read from the cache) by the runtime before it cloned us. */
	const struct seccomp_prog *prepared = seccomp_prepared(s);
	if (prepared)
		return seccomp_prog_load(prepared, notify_fd, e);
	if (notify_fd)
		*notify_fd = -1;
	_cleanup_(filter_release) struct filter f = { 0 };
	if (filter_build(s, &f, e) < 0)
		return -1;
	if (f.notify && !notify_fd)
		return err_set(e, EINVAL, "linux.seccomp: SCMP_ACT_NOTIFY needs a caller that "
			       "forwards the listener fd");
	/* The kernel refuses WAIT_KILLABLE_RECV without a listener; it only changes how
	 * notified syscalls wait, so without notify rules it has nothing to do. */
	if (f.wait_killable && !f.notify) {
		log_debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without a "
			  "SCMP_ACT_NOTIFY rule ignored");
		f.wait_killable = false;
	}
	int listener = -1;
#if HAVE_SCMP_WAITKILL
	if (f.wait_killable && set_flag_attr(&f, SCMP_FLTATR_CTL_WAITKILL,
					     "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", e) < 0)
		return -1;
	int r = load_libseccomp(&f, &listener, e);
#else
	int r = f.wait_killable ? load_exported(&f, &listener, e)
				: load_libseccomp(&f, &listener, e);
#endif
	if (r < 0)
		return -1;
	/* The kernel creates the listener O_CLOEXEC (kernel/seccomp.c, init_listener), so it
	 * cannot reach the container's program. No fcntl to make sure: every syscall from here
	 * on is subject to the filter, which may well deny fcntl. */
	if (notify_fd)
		*notify_fd = listener;
	return 0;
}

/* ---------------------------------------------------------------- compiled programs */

/* The program libseccomp generated, as seccomp_load would install it. */
static int export_insns(struct filter *f, struct seccomp_prog *out, struct err *e)
{
	_cleanup_close_ int mfd = memfd_create("ocirun-seccomp", MFD_CLOEXEC);
	if (mfd < 0)
		return err_sys(e, "linux.seccomp: memfd for the compiled filter");
	int r = seccomp_export_bpf(f->ctx, mfd);
	if (r < 0)
		return err_set(e, -r, "linux.seccomp: export the filter");
	off_t len = lseek(mfd, 0, SEEK_END);
	if (len <= 0 || len % (off_t)sizeof(struct sock_filter) != 0 ||
	    len / (off_t)sizeof(struct sock_filter) > SECCOMP_PROG_MAX_INSNS)
		return err_set(e, EINVAL, "linux.seccomp: the compiled filter has %lld bytes "
			       "(at most %d instructions)", (long long)len, SECCOMP_PROG_MAX_INSNS);
	out->insns = malloc((size_t)len);
	if (!out->insns)
		return err_set(e, ENOMEM, "linux.seccomp: compiled filter");
	if (pread(mfd, out->insns, (size_t)len, 0) != len)
		return err_sys(e, "linux.seccomp: read the compiled filter");
	out->len = (size_t)len / sizeof(struct sock_filter);
	return 0;
}

int seccomp_filter_compile(const struct oci_seccomp *s, struct seccomp_prog *out, struct err *e)
{
	*out = (struct seccomp_prog){ 0 };
	_cleanup_(filter_release) struct filter f = { 0 };
	if (filter_build(s, &f, e) < 0 || export_insns(&f, out, e) < 0) {
		seccomp_prog_free(out);
		return -1;
	}
	out->flags = (f.tsync ? SECCOMP_PROG_TSYNC : 0) | (f.log ? SECCOMP_PROG_LOG : 0) |
		     (f.spec_allow ? SECCOMP_PROG_SPEC_ALLOW : 0) |
		     (f.wait_killable ? SECCOMP_PROG_WAIT_KILLABLE : 0) |
		     (f.notify ? SECCOMP_PROG_NOTIFY : 0);
	return 0;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
	free(p->insns);
	*p = (struct seccomp_prog){ 0 };
}

int seccomp_prog_load(const struct seccomp_prog *p, int *notify_fd, struct err *e)
{
	if (notify_fd)
		*notify_fd = -1;
	bool notify = p->flags & SECCOMP_PROG_NOTIFY;
	if (notify && !notify_fd)
		return err_set(e, EINVAL, "linux.seccomp: SCMP_ACT_NOTIFY needs a caller that "
			       "forwards the listener fd");
	unsigned long flags = 0;
	if (notify)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	/* As seccomp_filter_load: without a listener the kernel refuses it, and it would
	 * change nothing. */
	if ((p->flags & SECCOMP_PROG_WAIT_KILLABLE) && notify)
		flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	/* TSYNC_ESRCH with a listener: the return value is the fd, not a failed thread. */
	if (p->flags & SECCOMP_PROG_TSYNC)
		flags |= SECCOMP_FILTER_FLAG_TSYNC | (notify ? SECCOMP_FILTER_FLAG_TSYNC_ESRCH : 0);
	if (p->flags & SECCOMP_PROG_LOG)
		flags |= SECCOMP_FILTER_FLAG_LOG;
	if (p->flags & SECCOMP_PROG_SPEC_ALLOW)
		flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	struct sock_fprog prog = { .len = (unsigned short)p->len, .filter = p->insns };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0)
		return load_error(e, errno);
	if (!notify && r > 0)
		return err_set(e, ESRCH, "linux.seccomp: thread %ld could not be synchronised", r);
	if (notify_fd && notify)
		*notify_fd = (int)r;
	return 0;
}

int seccomp_process_state(const char *state_json, pid_t pid, const char *metadata, char **out,
			  struct err *e)
{
	*out = NULL;
	if (!state_json || !*state_json)
		return err_set(e, EINVAL, "container process state: empty state");
	_cleanup_free_ char *meta = NULL;
	if (metadata && *metadata) {
		json_t *j = json_string(metadata);
		meta = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		json_decref(j);
		if (!meta)
			return err_set(e, EINVAL, "linux.seccomp.listenerMetadata: not valid "
				       "UTF-8 or out of memory");
	}
	int n = asprintf(out, "{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,%s%s%s"
			 "\"state\":%s}", OCI_SPEC_VERSION, (int)pid, meta ? "\"metadata\":" : "",
			 meta ? meta : "", meta ? "," : "", state_json);
	if (n < 0) {
		*out = NULL;
		return err_set(e, ENOMEM, "container process state");
	}
	return 0;
}

/* The fd goes with the first sendmsg only (spec); the rest of a partial send follows. */
static int send_state(int sk, const char *data, size_t len, int fd, struct err *e)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send_with_fd(sk, data + off, len - off, off == 0 ? fd : -1);
		if (n <= 0)
			return err_sys(e, "send the container process state");
		off += (size_t)n;
	}
	return 0;
}

int seccomp_send_notify(const char *listener_path, int notify_fd, const char *state_json,
			struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!listener_path || !*listener_path)
		return err_set(e, EINVAL, "linux.seccomp.listenerPath: empty");
	size_t len = strlen(listener_path);
	if (len >= sizeof sa.sun_path)
		return err_set(e, ENAMETOOLONG, "linux.seccomp.listenerPath: %s", listener_path);
	memcpy(sa.sun_path, listener_path, len + 1);
	socklen_t sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	/* runc dials with Go's net package, where a leading '@' names an abstract socket. */
	if (listener_path[0] == '@') {
		sa.sun_path[0] = '\0';
		sa_len--;
	}
	_cleanup_close_ int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return err_sys(e, "seccomp agent socket");
	if (connect(sk, (struct sockaddr *)&sa, sa_len) < 0)
		return err_sys(e, "connect to the seccomp agent at %s", listener_path);
	if (send_state(sk, state_json, strlen(state_json), notify_fd, e) < 0)
		return err_wrap(e, "seccomp agent at %s", listener_path);
	return 0;
}
