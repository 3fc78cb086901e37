/* linux.resources.devices. v1 has a devices controller that takes the rules one by one; v2 has
 * none and asks for an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) that answers each access.
 * To give both the same meaning, the rules are run through a model of the v1 kernel logic
 * (security/device_cgroup.c) and the program is generated from the model's final state. */
#include "cgroups/internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

/* ---------------------------------------------------------------- rules and the model */

int cg_dev_access(const char *access)
{
	if (!access)
		return (int)(CG_DEV_MKNOD | CG_DEV_READ | CG_DEV_WRITE);
	unsigned bits = 0;
	for (const char *p = access; *p; p++) {
		switch (*p) {
		case 'm': bits |= CG_DEV_MKNOD; break;
		case 'r': bits |= CG_DEV_READ; break;
		case 'w': bits |= CG_DEV_WRITE; break;
		default: return -1;
		}
	}
	return bits ? (int)bits : -1;
}

/* Major and minor of a rule: -1 for "any" (absent, or given as -1). */
static int64_t rule_major(const struct oci_device_cgroup *r)
{
	return r->has_major ? r->major : -1;
}

static int64_t rule_minor(const struct oci_device_cgroup *r)
{
	return r->has_minor ? r->minor : -1;
}

static int check_rule(const struct oci_device_cgroup *r, size_t i, struct err *e)
{
	char t = r->type ? r->type : 'a';
	if (t != 'a' && t != 'c' && t != 'b')
		return err_set(e, EINVAL, "[%zu]: type \"%c\" is not a, b or c", i, t);
	if (cg_dev_access(r->access) < 0)
		return err_set(e, EINVAL, "[%zu]: access \"%s\" is not a non-empty combination of r, w, m",
			       i, r->access);
	int64_t ma = rule_major(r), mi = rule_minor(r);
	/* The BPF program compares against 32-bit immediates. */
	if (ma < -1 || ma > INT32_MAX || mi < -1 || mi > INT32_MAX)
		return err_set(e, EINVAL, "[%zu]: major/minor out of range", i);
	return 0;
}

int cg_dev_rule_string(const struct oci_device_cgroup *r, char *buf, size_t size, struct err *e)
{
	char ma[24] = "*", mi[24] = "*";
	if (rule_major(r) >= 0)
		snprintf(ma, sizeof ma, "%lld", (long long)r->major);
	if (rule_minor(r) >= 0)
		snprintf(mi, sizeof mi, "%lld", (long long)r->minor);
	int n = snprintf(buf, size, "%c %s:%s %s", r->type ? r->type : 'a', ma, mi,
			 r->access ? r->access : "rwm");
	if (n < 0 || (size_t)n >= size)
		return err_set(e, EINVAL, "device rule too long");
	return 0;
}

static int add_exception(struct cg_dev_state *st, char type, int64_t ma, int64_t mi, unsigned acc)
{
	for (size_t i = 0; i < st->n; i++) {
		struct cg_dev_exception *x = &st->ex[i];
		if (x->type == type && x->major == ma && x->minor == mi) {
			x->access |= acc;
			return 0;
		}
	}
	struct cg_dev_exception *nv = realloc(st->ex, (st->n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	st->ex = nv;
	st->ex[st->n++] = (struct cg_dev_exception){ type, ma, mi, acc };
	return 0;
}

/* Like the kernel, removal only touches exceptions with exactly the same type and numbers. */
static void remove_exception(struct cg_dev_state *st, char type, int64_t ma, int64_t mi,
			     unsigned acc)
{
	size_t o = 0;
	for (size_t i = 0; i < st->n; i++) {
		struct cg_dev_exception x = st->ex[i];
		if (x.type == type && x.major == ma && x.minor == mi)
			x.access &= ~acc;
		if (x.access)
			st->ex[o++] = x;
	}
	st->n = o;
}

int cg_dev_emulate(const struct oci_device_cgroup *rules, size_t n, struct cg_dev_state *st,
		   struct err *e)
{
	*st = (struct cg_dev_state){ .default_allow = false };
	for (size_t i = 0; i < n; i++) {
		const struct oci_device_cgroup *r = &rules[i];
		if (check_rule(r, i, e) < 0) {
			cg_dev_state_free(st);
			return -1;
		}
		char t = r->type ? r->type : 'a';
		unsigned acc = (unsigned)cg_dev_access(r->access);
		if (t == 'a') {
			/* "a" resets: the numbers and access of the rule play no part. */
			st->n = 0;
			st->default_allow = r->allow;
		} else if (r->allow != st->default_allow) {
			if (add_exception(st, t, rule_major(r), rule_minor(r), acc) < 0) {
				cg_dev_state_free(st);
				return err_set(e, ENOMEM, "device rules");
			}
		} else {
			remove_exception(st, t, rule_major(r), rule_minor(r), acc);
		}
	}
	return 0;
}

void cg_dev_state_free(struct cg_dev_state *st)
{
	free(st->ex);
	st->ex = NULL;
	st->n = 0;
}

/* ---------------------------------------------------------------- v1 */

int cg_dev_parse_list(const char *text, struct cg_dev_state *st, struct err *e)
{
	*st = (struct cg_dev_state){ .default_allow = false };
	for (const char *line = text; line && *line;) {
		char type, ma[16], mi[16], acc[8];
		if (sscanf(line, "%c %15[^:]:%15s %7s", &type, ma, mi, acc) != 4 ||
		    cg_dev_access(acc) < 0) {
			cg_dev_state_free(st);
			return err_set(e, EINVAL, "devices.list: cannot parse \"%.40s\"", line);
		}
		if (type == 'a') {
			/* Allow-all: the kernel lists no exceptions then. */
			st->default_allow = true;
			st->n = 0;
			return 0;
		}
		if (add_exception(st, type, ma[0] == '*' ? -1 : atoll(ma), mi[0] == '*' ? -1 : atoll(mi),
				  (unsigned)cg_dev_access(acc)) < 0) {
			cg_dev_state_free(st);
			return err_set(e, ENOMEM, "devices.list");
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return 0;
}

bool cg_dev_state_equal(const struct cg_dev_state *a, const struct cg_dev_state *b)
{
	if (a->default_allow != b->default_allow || a->n != b->n)
		return false;
	/* Exceptions are unique per type and numbers, so equal sizes and inclusion suffice. */
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n && !found; j++)
			found = a->ex[i].type == b->ex[j].type && a->ex[i].major == b->ex[j].major &&
				a->ex[i].minor == b->ex[j].minor && a->ex[i].access == b->ex[j].access;
		if (!found)
			return false;
	}
	return true;
}

/* Whether the cgroup already enforces exactly these rules (an update that leaves the devices
 * alone): rewriting them would need "deny a", which v1 refuses once the container has made
 * sub-cgroups, and which would cut its access for a moment. */
static bool v1_devices_unchanged(int dirfd, const struct oci_device_cgroup *rules, size_t n)
{
	struct err ignored;
	_cleanup_free_ char *text = NULL;
	struct cg_dev_state want, have;
	if (cg_read(dirfd, "devices.list", &text, &ignored) < 0 ||
	    cg_dev_emulate(rules, n, &want, &ignored) < 0)
		return false;
	bool same = false;
	if (cg_dev_parse_list(text, &have, &ignored) == 0) {
		/* The listing cannot show the exceptions of an allow-all cgroup. */
		same = !want.default_allow && cg_dev_state_equal(&want, &have);
		cg_dev_state_free(&have);
	}
	cg_dev_state_free(&want);
	return same;
}

int cg_v1_devices(int dirfd, const struct oci_device_cgroup *rules, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++)
		if (check_rule(&rules[i], i, e) < 0)
			return err_wrap(e, "linux.resources.devices");
	if (v1_devices_unchanged(dirfd, rules, n))
		return 0;
	/* Start from deny-all, as runc's rule lists assume (its spec's first rule is a deny of
	 * everything anyway); at create the cgroup is new, so nothing loses access midway. */
	if (cg_write(dirfd, "devices.deny", "a", "linux.resources.devices", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char line[96], what[64];
		if (cg_dev_rule_string(&rules[i], line, sizeof line, e) < 0)
			return err_wrap(e, "linux.resources.devices[%zu]", i);
		snprintf(what, sizeof what, "linux.resources.devices[%zu]", i);
		if (cg_write(dirfd, rules[i].allow ? "devices.allow" : "devices.deny", line, what, e) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- v2: the program */

/* Instruction encoding (linux/bpf.h, struct bpf_insn). Registers: r1 the context on entry,
 * r2 device type, r3 access, r4 major, r5 minor, r0 the verdict (1 allow, 0 deny). */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define ALU32_IMM(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm, off) insn(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5 };

/* One exception: the checks jump to its end (patched once its length is known) when the
 * access does not match it; otherwise the verdict is the opposite of the default. */
static size_t emit_exception(struct bpf_insn *p, size_t k, const struct cg_dev_exception *x,
			     bool default_allow)
{
	size_t jumps[5], nj = 0;
	jumps[nj++] = k;
	p[k++] = JMP_IMM(BPF_JNE, R2, x->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
	unsigned all = CG_DEV_MKNOD | CG_DEV_READ | CG_DEV_WRITE;
	if (default_allow) {
		/* A deny exception applies if it shares any access bit (match_exception_partial). */
		p[k++] = MOV32_REG(R1, R3);
		p[k++] = ALU32_IMM(BPF_AND, R1, (int32_t)x->access);
		jumps[nj++] = k;
		p[k++] = JMP_IMM(BPF_JEQ, R1, 0, 0);
	} else if (x->access != all) {
		/* An allow exception must cover every requested bit (match_exception). */
		p[k++] = MOV32_REG(R1, R3);
		p[k++] = ALU32_IMM(BPF_AND, R1, (int32_t)(~x->access & all));
		jumps[nj++] = k;
		p[k++] = JMP_IMM(BPF_JNE, R1, 0, 0);
	}
	if (x->major >= 0) {
		jumps[nj++] = k;
		p[k++] = JMP_IMM(BPF_JNE, R4, (int32_t)x->major, 0);
	}
	if (x->minor >= 0) {
		jumps[nj++] = k;
		p[k++] = JMP_IMM(BPF_JNE, R5, (int32_t)x->minor, 0);
	}
	p[k++] = MOV64_IMM(R0, default_allow ? 0 : 1);
	p[k++] = EXIT();
	for (size_t j = 0; j < nj; j++)
		p[jumps[j]].off = (int16_t)(k - jumps[j] - 1);
	return k;
}

int cg_dev_program(const struct cg_dev_state *st, void **insns, size_t *n, struct err *e)
{
	/* 6 to load the context, at most 10 per exception, 2 to finish. */
	size_t cap = 6 + st->n * 10 + 2;
	if (cap > BPF_MAXINSNS)
		return err_set(e, E2BIG, "too many device rules");
	struct bpf_insn *p = calloc(cap, sizeof *p);
	if (!p)
		return err_set(e, ENOMEM, "device program");
	size_t k = 0;
	p[k++] = LDX_W(R2, R1, (int16_t)offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[k++] = MOV32_REG(R3, R2);
	p[k++] = ALU32_IMM(BPF_AND, R2, 0xffff);   /* BPF_DEVCG_DEV_* */
	p[k++] = ALU32_IMM(BPF_RSH, R3, 16);       /* BPF_DEVCG_ACC_* */
	p[k++] = LDX_W(R4, R1, (int16_t)offsetof(struct bpf_cgroup_dev_ctx, major));
	p[k++] = LDX_W(R5, R1, (int16_t)offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < st->n; i++)
		k = emit_exception(p, k, &st->ex[i], st->default_allow);
	p[k++] = MOV64_IMM(R0, st->default_allow ? 1 : 0);
	p[k++] = EXIT();
	*insns = p;
	*n = k;
	return 0;
}

/* ---------------------------------------------------------------- v2: load and attach */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int load_program(const struct bpf_insn *p, size_t n, struct err *e)
{
	static char log[8192];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)p;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t)"Apache";   /* no GPL-only helpers are called */
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);   /* bpf fds are O_CLOEXEC */
	if (fd >= 0)
		return fd;
	int saved = errno;
	/* Ask again with the verifier's log, which says what it disliked. */
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	log[0] = '\0';
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	errno = saved;
	return err_sys(e, "load the device program%s%.200s", log[0] ? " (verifier: " : "",
		       log[0] ? log : "");
}

/* The ids of the device programs already attached to the cgroup (a previous apply). */
static int attached_programs(int dirfd, uint32_t *ids, uint32_t *n, struct err *e)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.query.target_fd = (uint32_t)dirfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return err_sys(e, "query the cgroup's device programs");
	*n = a.query.prog_cnt;
	return 0;
}

static void detach_program(int dirfd, uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_id = id;
	_cleanup_close_ int fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0)
		return;
	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)dirfd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	sys_bpf(BPF_PROG_DETACH, &a);
}

int cg_v2_devices(int dirfd, const struct oci_device_cgroup *rules, size_t n, struct err *e)
{
	struct cg_dev_state st;
	if (cg_dev_emulate(rules, n, &st, e) < 0)
		return -1;
	_cleanup_free_ void *prog = NULL;
	size_t len = 0;
	int r = cg_dev_program(&st, &prog, &len, e);
	cg_dev_state_free(&st);
	if (r < 0)
		return -1;
	_cleanup_close_ int pfd = load_program(prog, len, e);
	if (pfd < 0)
		return -1;
	uint32_t old[64], n_old = 64;
	if (attached_programs(dirfd, old, &n_old, e) < 0)
		return -1;
	/* Attach the new program next to the old ones, then drop those: with ALLOW_MULTI every
	 * program must allow, so there is no moment without a filter. */
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)dirfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return err_sys(e, "attach the device program");
	for (uint32_t i = 0; i < n_old && i < 64; i++)
		detach_program(dirfd, old[i]);
	return 0;
}
