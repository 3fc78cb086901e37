/* cgroups: the pure parts. Path cleaning and resolution, /proc/self/cgroup and mountinfo
 * parsing, runc's value conversions, the device-rule model, and the generated BPF device
 * program, which a small interpreter here runs against the model for many accesses. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/internal.h"
#include "tests/unit/unit.h"

/* ---------------------------------------------------------------- paths */

static const char *clean(const char *in)
{
	static char buf[256];
	struct err e;
	char *out = NULL;
	if (cg_clean_path(in, &out, &e) < 0)
		return "ERR";
	snprintf(buf, sizeof buf, "%s", out);
	free(out);
	return buf;
}

static void test_clean_path(void)
{
	CHECK_STR(clean("/a//b/./c/"), "/a/b/c");
	CHECK_STR(clean("/"), "/");
	CHECK_STR(clean("//"), "/");
	CHECK_STR(clean("/a/.."), "/");
	CHECK_STR(clean("/a/b/../c"), "/a/c");
	CHECK_STR(clean("/.."), "ERR");
	CHECK_STR(clean("/a/../.."), "ERR");
	CHECK_STR(clean("a/../b"), "b");
	CHECK_STR(clean("a/.."), "");
	CHECK_STR(clean("./a/./b"), "a/b");
	CHECK_STR(clean("../a"), "ERR");
	CHECK_STR(clean("a/../../b"), "ERR");
	CHECK_STR(clean("/a/...b/..c"), "/a/...b/..c");
}

static const char *resolve(const char *path, const char *id, const char *own)
{
	static char buf[256];
	struct err e;
	char *out = NULL;
	if (cg_resolve_path(path, id, own, &out, &e) < 0) {
		CHECK(e.code == EINVAL);
		return "ERR";
	}
	snprintf(buf, sizeof buf, "%s", out);
	free(out);
	return buf;
}

static void test_resolve_path(void)
{
	CHECK_STR(resolve(NULL, "web", NULL), "/web");
	CHECK_STR(resolve("", "web", NULL), "/web");
	/* With the caller's cgroup, the default is the id below it (runc's cgroupfs on v1). */
	CHECK_STR(resolve(NULL, "web", "/o/me"), "/o/me/web");
	CHECK_STR(resolve("", "web", "/"), "/web");
	CHECK_STR(resolve(NULL, "..", "/o/me"), "ERR");
	CHECK_STR(resolve(NULL, "a/b", NULL), "ERR");
	CHECK_STR(resolve(NULL, "..", NULL), "ERR");
	CHECK_STR(resolve(NULL, "", NULL), "ERR");
	CHECK_STR(resolve("/x/y", "web", "/own"), "/x/y");
	CHECK_STR(resolve("/x/../y", "web", NULL), "/y");
	CHECK_STR(resolve("/x/../../y", "web", NULL), "ERR");
	CHECK_STR(resolve("rel/x", "web", "/user.slice/s.scope"), "/user.slice/s.scope/rel/x");
	CHECK_STR(resolve("rel/x", "web", "/"), "/rel/x");
	CHECK_STR(resolve("rel/../x", "web", "/o"), "/o/x");
	/* A relative path may not climb out of the caller's cgroup. */
	CHECK_STR(resolve("../sibling", "web", "/o/me"), "ERR");
	CHECK_STR(resolve("a/../../b", "web", "/o/me"), "ERR");
}

static const char proc_cgroup_hybrid[] =
	"9:name=systemd:/user.slice/session-1.scope\n"
	"8:pids:/\n"
	"4:memory:/process_api/af9d\n"
	"2:cpu,cpuacct:/cg\n"
	"1:net_cls,net_prio:/n\n"
	"0::/user.slice/session-1.scope\n";

static const char *own(const char *text, const char *ctrl)
{
	static char buf[256];
	struct err e;
	char *out = NULL;
	if (cg_parse_proc_cgroup(text, ctrl, &out, &e) < 0)
		return e.code == ENOENT ? "ENOENT" : "ERR";
	snprintf(buf, sizeof buf, "%s", out);
	free(out);
	return buf;
}

static void test_proc_cgroup(void)
{
	CHECK_STR(own(proc_cgroup_hybrid, "name=systemd"), "/user.slice/session-1.scope");
	CHECK_STR(own(proc_cgroup_hybrid, "memory"), "/process_api/af9d");
	CHECK_STR(own(proc_cgroup_hybrid, "cpuacct"), "/cg");
	CHECK_STR(own(proc_cgroup_hybrid, "cpu"), "/cg");
	CHECK_STR(own(proc_cgroup_hybrid, "net_prio"), "/n");
	CHECK_STR(own(proc_cgroup_hybrid, "net"), "ENOENT");
	CHECK_STR(own(proc_cgroup_hybrid, ""), "/user.slice/session-1.scope");
	CHECK_STR(own(proc_cgroup_hybrid, "rdma"), "ENOENT");
	CHECK_STR(own("0::/a:b\n", ""), "/a:b");
	CHECK_STR(own("0::/\n", ""), "/");
	CHECK_STR(own("8:pids:/\n", ""), "ENOENT");
	CHECK(cg_list_has("cpu,cpuacct", "cpuacct"));
	CHECK(cg_list_has("cpuset cpu io", "io"));
	CHECK(!cg_list_has("cpuset cpu io", "cp"));
	CHECK(!cg_list_has("", "cpu"));
}

static const char mountinfo[] =
	"22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"25 22 0:23 / /sys/fs/cgroup rw shared:9 - tmpfs tmpfs rw,mode=755\n"
	"26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
	"27 25 0:25 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
	"30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw shared:14 - cgroup cgroup rw,cpu,cpuacct\n"
	"31 25 0:29 /docker/x /sys/fs/cgroup/mem\\040ory rw - cgroup cgroup rw,memory\n"
	"32 25 0:28 / /mnt/again rw - cgroup cgroup rw,cpu,cpuacct\n"
	"33 25 0:30 / /sys/fs/cgroup/none rw - cgroup cgroup rw,release_agent=/x\n"
	"34 25 0:31 / /other/cg2 rw - cgroup2 cgroup2 rw\n";

static void test_mountinfo(void)
{
	struct err e;
	struct cg_hier *h = NULL;
	size_t n = 0;
	CHECK(cg_parse_mountinfo(mountinfo, "/sys/fs/cgroup/unified", &h, &n, &e) == 0);
	CHECK(n == 4);
	if (n == 4) {
		CHECK(h[0].v2);
		CHECK_STR(h[0].mount, "/sys/fs/cgroup/unified");
		CHECK(h[0].controllers == NULL);
		CHECK_STR(h[1].controllers, "name=systemd");
		CHECK_STR(h[2].controllers, "cpu,cpuacct");
		CHECK_STR(h[2].mount, "/sys/fs/cgroup/cpu,cpuacct");
		CHECK_STR(h[3].mount, "/sys/fs/cgroup/mem ory");
		CHECK_STR(h[3].root, "/docker/x");
		char *dir = cg_hier_dir(&h[2], "/a/b");
		CHECK_STR(dir, "/sys/fs/cgroup/cpu,cpuacct/a/b");
		free(dir);
		dir = cg_hier_dir(&h[2], "/");
		CHECK_STR(dir, "/sys/fs/cgroup/cpu,cpuacct");
		free(dir);
	}
	cg_hiers_free(h, n);
	CHECK(cg_parse_mountinfo(mountinfo, NULL, &h, &n, &e) == 0);
	CHECK(n == 3);
	for (size_t i = 0; i < n; i++)
		CHECK(!h[i].v2);
	cg_hiers_free(h, n);
}

/* ---------------------------------------------------------------- per-hierarchy paths */

/* This host's kind of hybrid layout: one controller per v1 mount, memory's caller cgroup
 * apart from the others, and a memory mount that shows a sub-tree (nested). */
static const char mountinfo_host[] =
	"32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
	"35 31 0:32 /docker/x /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

static const char proc_host[] =
	"9:name=systemd:/\n"
	"6:net_cls,net_prio:/n;x\n"
	"4:memory:/docker/x/process_api/af9d\n"
	"2:cpuacct:/\n"
	"1:cpu:/\n"
	"0::/u\n";

static struct cg_hier *host_hiers(size_t *n)
{
	struct err e;
	struct cg_hier *h = NULL;
	*n = 0;
	CHECK(cg_parse_mountinfo(mountinfo_host, "/sys/fs/cgroup/unified", &h, n, &e) == 0);
	CHECK(*n == 6);
	return h;
}

/* The paths of h joined with '|', in mount order, or "ERR". */
static const char *paths(const struct cg_hier *h, size_t n)
{
	static char buf[512];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "|" : "",
				      h[i].path ? h[i].path : "(null)");
	return buf;
}

static const char *resolve_all(const char *cgroups_path, const char *id, const char *proc,
			       enum cgroup_layout layout, char **serialised)
{
	static char buf[512];
	struct err e;
	size_t n;
	struct cg_hier *h = host_hiers(&n);
	*serialised = NULL;
	if (cg_resolve_hiers(cgroups_path, id, proc, layout, h, n, &e) < 0) {
		snprintf(buf, sizeof buf, "ERR %d", e.code);
	} else {
		snprintf(buf, sizeof buf, "%s", paths(h, n));
		CHECK(cg_format_paths(h, n, serialised, &e) == 0);
	}
	cg_hiers_free(h, n);
	return buf;
}

static void test_resolve_hiers(void)
{
	char *ser = NULL;
	/* Default: <own>/<id> in each hierarchy; memory's own is seen below its mount root. */
	CHECK_STR(resolve_all(NULL, "web", proc_host, CGROUP_LAYOUT_HYBRID, &ser),
		  "/web|/web|/process_api/af9d/web|/n;x/web|/web|/u/web");
	CHECK_STR(ser, "*=/web;memory=/process_api/af9d/web;net_cls,net_prio=/n\\;x/web;unified=/u/web");
	free(ser);
	CHECK_STR(resolve_all("a/b", "web", proc_host, CGROUP_LAYOUT_V1, &ser),
		  "/a/b|/a/b|/process_api/af9d/a/b|/n;x/a/b|/a/b|/u/a/b");
	free(ser);
	/* Absolute: the same everywhere, the plain form, and /proc/self/cgroup is not needed. */
	CHECK_STR(resolve_all("/x/../web", "id", NULL, CGROUP_LAYOUT_HYBRID, &ser),
		  "/web|/web|/web|/web|/web|/web");
	CHECK_STR(ser, "/web");
	free(ser);
	/* The same own cgroup everywhere: plain as well. */
	CHECK_STR(resolve_all(NULL, "web", "1:cpu:/s\n2:cpuacct:/s\n3:memory:/docker/x/s\n"
				"4:net_cls,net_prio:/s\n5:name=systemd:/s\n0::/s\n",
			      CGROUP_LAYOUT_HYBRID, &ser), "/s/web|/s/web|/s/web|/s/web|/s/web|/s/web");
	CHECK_STR(ser, "/s/web");
	free(ser);
	/* v2 keeps "/<id>" as its default. */
	CHECK_STR(resolve_all(NULL, "web", proc_host, CGROUP_LAYOUT_V2, &ser),
		  "/web|/web|/web|/web|/web|/web");
	free(ser);
	CHECK_STR(resolve_all("../up", "web", proc_host, CGROUP_LAYOUT_HYBRID, &ser), "ERR 22");
	CHECK_STR(resolve_all(NULL, "a/b", proc_host, CGROUP_LAYOUT_HYBRID, &ser), "ERR 22");
	/* A hierarchy the caller's /proc/self/cgroup does not list. */
	CHECK_STR(resolve_all("rel", "web", "1:cpu:/\n0::/\n", CGROUP_LAYOUT_HYBRID, &ser),
		  "ERR 2");
	CHECK_STR(resolve_all("rel", "web", NULL, CGROUP_LAYOUT_HYBRID, &ser), "ERR 2");

	struct err e;
	size_t n;
	struct cg_hier *h = host_hiers(&n);
	char *own = NULL;
	CHECK(n == 6 && cg_hier_own(&h[2], proc_host, &own, &e) == 0);
	CHECK_STR(own, "/process_api/af9d");
	free(own);
	CHECK(n == 6 && cg_hier_own(&h[5], proc_host, &own, &e) == 0);
	CHECK_STR(own, "/u");
	free(own);
	cg_hiers_free(h, n);
}

static const char *parse(const char *s)
{
	static char buf[512];
	struct err e;
	size_t n;
	struct cg_hier *h = host_hiers(&n);
	if (cg_parse_paths(s, h, n, &e) < 0) {
		CHECK(e.code == EINVAL);
		snprintf(buf, sizeof buf, "ERR");
	} else {
		snprintf(buf, sizeof buf, "%s", paths(h, n));
		/* Formatting what was parsed gives it back, or its normal form. */
		char *again = NULL;
		CHECK(cg_format_paths(h, n, &again, &e) == 0);
		struct cg_hier *h2 = host_hiers(&n);
		CHECK(again && cg_parse_paths(again, h2, n, &e) == 0);
		CHECK_STR(paths(h2, n), buf);
		cg_hiers_free(h2, n);
		free(again);
	}
	cg_hiers_free(h, n);
	return buf;
}

static void test_parse_paths(void)
{
	/* State files written before per-hierarchy paths. */
	CHECK_STR(parse("/web"), "/web|/web|/web|/web|/web|/web");
	CHECK_STR(parse("/a;b//c/"), "/a;b/c|/a;b/c|/a;b/c|/a;b/c|/a;b/c|/a;b/c");
	CHECK_STR(parse("*=/web;memory=/p/web;unified=/u/web"),
		  "/web|/web|/p/web|/web|/web|/u/web");
	CHECK_STR(parse("memory=/p/web;*=/web"), "/web|/web|/p/web|/web|/web|/web");
	CHECK_STR(parse("*=/w\\;x;name=systemd=/s=/t;net_cls,net_prio=/a\\\\b"),
		  "/w;x|/w;x|/w;x|/a\\b|/s=/t|/w;x");
	/* A hierarchy since unmounted, and a controller list that names none of ours. */
	CHECK_STR(parse("*=/web;hugetlb=/h/web;net_cls=/n"), "/web|/web|/web|/web|/web|/web");
	CHECK_STR(parse("memory=/p/web"), "ERR");        /* no default */
	CHECK_STR(parse("web"), "ERR");
	CHECK_STR(parse("*=web"), "ERR");
	CHECK_STR(parse("=/web"), "ERR");
	CHECK_STR(parse("*=/web;;memory=/m"), "ERR");
	CHECK_STR(parse("*=/.."), "ERR");
	CHECK_STR(parse(""), "ERR");
}

/* ---------------------------------------------------------------- conversions */

static void test_conversions(void)
{
	CHECK(cg_shares_to_weight(0) == 0);
	CHECK(cg_shares_to_weight(2) == 1);
	CHECK(cg_shares_to_weight(1) == 1);
	CHECK(cg_shares_to_weight(1024) == 39);
	CHECK(cg_shares_to_weight(262144) == 10000);
	CHECK(cg_shares_to_weight(1000000) == 10000);
	CHECK(cg_blkio_to_io_weight(0) == 0);
	CHECK(cg_blkio_to_io_weight(10) == 1);
	CHECK(cg_blkio_to_io_weight(500) == 4950);
	CHECK(cg_blkio_to_io_weight(1000) == 10000);
	CHECK(cg_blkio_to_io_weight(5) == 1);

	struct err e;
	int64_t v = 42;
	CHECK(cg_swap_to_v2(0, 100, &v, &e) == 0 && v == 0);
	CHECK(cg_swap_to_v2(0, -1, &v, &e) == 0 && v == -1);
	CHECK(cg_swap_to_v2(-1, 100, &v, &e) == 0 && v == -1);
	CHECK(cg_swap_to_v2(300, 100, &v, &e) == 0 && v == 200);
	CHECK(cg_swap_to_v2(100, 100, &v, &e) == 0 && v == 0);
	CHECK(cg_swap_to_v2(50, 100, &v, &e) < 0 && e.code == EINVAL);
	CHECK(cg_swap_to_v2(100, 0, &v, &e) < 0);
	CHECK(cg_swap_to_v2(100, -1, &v, &e) < 0);
}

/* ---------------------------------------------------------------- devices */

#define RULE(al, t, ma, mi, acc) \
	{ .allow = al, .type = t, .has_major = true, .major = ma, .has_minor = true, .minor = mi, .access = (char *)acc }

static void test_rule_strings(void)
{
	struct err e;
	char buf[64];
	struct oci_device_cgroup r1 = RULE(true, 'c', 1, 3, "rwm");
	CHECK(cg_dev_rule_string(&r1, buf, sizeof buf, &e) == 0);
	CHECK_STR(buf, "c 1:3 rwm");
	struct oci_device_cgroup r2 = { .allow = false, .type = 'a' };
	CHECK(cg_dev_rule_string(&r2, buf, sizeof buf, &e) == 0);
	CHECK_STR(buf, "a *:* rwm");
	struct oci_device_cgroup r3 = RULE(true, 'b', 8, -1, "r");
	CHECK(cg_dev_rule_string(&r3, buf, sizeof buf, &e) == 0);
	CHECK_STR(buf, "b 8:* r");
	CHECK(cg_dev_access("rwm") == 7);
	CHECK(cg_dev_access(NULL) == 7);
	CHECK(cg_dev_access("m") == 1);
	CHECK(cg_dev_access("") < 0);
	CHECK(cg_dev_access("rx") < 0);
}

static void test_emulator(void)
{
	struct err e;
	struct cg_dev_state st;
	struct oci_device_cgroup a[] = {
		{ .allow = false, .type = 'a', .access = (char *)"rwm" },
		RULE(true, 'c', 1, 3, "rw"),
		RULE(true, 'c', 1, 3, "m"),      /* merges into the same exception */
		RULE(true, 'c', -1, -1, "m"),
		RULE(false, 'c', 1, 3, "w"),     /* removes w from the exact match only */
		RULE(false, 'c', 1, 5, "rwm"),   /* no exact match: nothing to remove */
	};
	CHECK(cg_dev_emulate(a, 6, &st, &e) == 0);
	CHECK(!st.default_allow);
	CHECK(st.n == 2);
	if (st.n == 2) {
		CHECK(st.ex[0].type == 'c' && st.ex[0].major == 1 && st.ex[0].minor == 3);
		CHECK(st.ex[0].access == (CG_DEV_READ | CG_DEV_MKNOD));
		CHECK(st.ex[1].major == -1 && st.ex[1].access == CG_DEV_MKNOD);
	}
	cg_dev_state_free(&st);

	struct oci_device_cgroup b[] = {
		RULE(true, 'c', 1, 3, "rwm"),
		{ .allow = true, .type = 'a', .access = (char *)"rwm" },   /* resets */
		RULE(false, 'b', 8, 0, "w"),
	};
	CHECK(cg_dev_emulate(b, 3, &st, &e) == 0);
	CHECK(st.default_allow);
	CHECK(st.n == 1 && st.ex[0].type == 'b' && st.ex[0].access == CG_DEV_WRITE);
	cg_dev_state_free(&st);

	struct oci_device_cgroup bad[] = { RULE(true, 'x', 1, 3, "rwm") };
	CHECK(cg_dev_emulate(bad, 1, &st, &e) < 0 && e.code == EINVAL);
	struct oci_device_cgroup bad2[] = { RULE(true, 'c', 1, 3, "rwq") };
	CHECK(cg_dev_emulate(bad2, 1, &st, &e) < 0 && e.code == EINVAL);
}

static void test_devices_list(void)
{
	struct err e;
	struct cg_dev_state have, want;
	CHECK(cg_dev_parse_list("c 1:3 rwm\nc *:* m\nb 8:* r\n", &have, &e) == 0);
	CHECK(!have.default_allow && have.n == 3);
	if (have.n == 3)
		CHECK(have.ex[1].major == -1 && have.ex[1].minor == -1 && have.ex[1].access == CG_DEV_MKNOD);
	struct oci_device_cgroup rules[] = {
		{ .allow = false, .type = 'a', .access = (char *)"rwm" },
		RULE(true, 'b', 8, -1, "r"),
		RULE(true, 'c', 1, 3, "rwm"),
		RULE(true, 'c', -1, -1, "m"),
	};
	CHECK(cg_dev_emulate(rules, 4, &want, &e) == 0);
	CHECK(cg_dev_state_equal(&want, &have));
	want.ex[0].access = CG_DEV_WRITE;
	CHECK(!cg_dev_state_equal(&want, &have));
	cg_dev_state_free(&want);
	CHECK(cg_dev_emulate(rules, 3, &want, &e) == 0);
	CHECK(!cg_dev_state_equal(&want, &have));
	cg_dev_state_free(&want);
	cg_dev_state_free(&have);
	CHECK(cg_dev_parse_list("a *:* rwm\n", &have, &e) == 0);
	CHECK(have.default_allow && have.n == 0);
	cg_dev_state_free(&have);
	CHECK(cg_dev_parse_list("", &have, &e) == 0);   /* deny-all lists nothing */
	CHECK(!have.default_allow && have.n == 0);
	CHECK(cg_dev_parse_list("garbage\n", &have, &e) < 0);
}

/* The kernel's decision for one access, from the model (security/device_cgroup.c). */
static int model_allows(const struct cg_dev_state *st, char type, int64_t ma, int64_t mi,
			unsigned acc)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct cg_dev_exception *x = &st->ex[i];
		if (x->type != type || (x->major >= 0 && x->major != ma) ||
		    (x->minor >= 0 && x->minor != mi))
			continue;
		if (st->default_allow && (acc & x->access))
			return 0;
		if (!st->default_allow && !(acc & ~x->access))
			return 1;
	}
	return st->default_allow;
}

/* Just enough of an eBPF interpreter for the instructions cg_dev_program emits. */
static int64_t run_program(const struct bpf_insn *p, size_t n, uint32_t access_type,
			   uint32_t major, uint32_t minor)
{
	struct bpf_cgroup_dev_ctx ctx = { access_type, major, minor };
	uint64_t r[11] = { 0 };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
		if (i->code == (BPF_LDX | BPF_MEM | BPF_W)) {
			CHECK(i->src_reg == 1 && i->off >= 0 && i->off <= 8);
			uint32_t v;
			memcpy(&v, (const char *)&ctx + i->off, 4);
			r[i->dst_reg] = v;
		} else if (cls == BPF_ALU || cls == BPF_ALU64) {
			uint64_t src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg] : (uint64_t)(int64_t)i->imm;
			uint64_t d = r[i->dst_reg];
			switch (op) {
			case BPF_MOV: d = src; break;
			case BPF_AND: d &= src; break;
			case BPF_RSH: d >>= src; break;
			default: CHECK(!"unexpected alu op"); return -1;
			}
			r[i->dst_reg] = cls == BPF_ALU ? (uint32_t)d : d;
		} else if (cls == BPF_JMP && op == BPF_EXIT) {
			return (int64_t)r[0];
		} else if (cls == BPF_JMP && (op == BPF_JNE || op == BPF_JEQ)) {
			bool eq = r[i->dst_reg] == (uint64_t)(int64_t)i->imm;
			if ((op == BPF_JEQ) == eq)
				pc += (size_t)i->off;
		} else {
			CHECK(!"unexpected instruction");
			return -1;
		}
	}
	CHECK(!"fell off the end");
	return -1;
}

static void check_program_matches(const struct oci_device_cgroup *rules, size_t n)
{
	struct err e;
	struct cg_dev_state st;
	void *prog = NULL;
	size_t len = 0;
	CHECK(cg_dev_emulate(rules, n, &st, &e) == 0);
	CHECK(cg_dev_program(&st, &prog, &len, &e) == 0);
	static const char types[] = { 'c', 'b' };
	for (size_t t = 0; t < 2; t++)
		for (uint32_t ma = 0; ma < 12; ma++)
			for (uint32_t mi = 0; mi < 12; mi++)
				for (unsigned acc = 1; acc < 8; acc++) {
					uint32_t at = (acc << 16) | (types[t] == 'b' ? BPF_DEVCG_DEV_BLOCK
										     : BPF_DEVCG_DEV_CHAR);
					int want = model_allows(&st, types[t], ma, mi, acc);
					int64_t got = run_program(prog, len, at, ma, mi);
					if (got != want) {
						fprintf(stderr, "%c %u:%u acc %u: program %lld, model %d\n",
							types[t], ma, mi, acc, (long long)got, want);
						CHECK(got == want);
						goto out;
					}
				}
out:
	free(prog);
	cg_dev_state_free(&st);
}

static void test_program(void)
{
	struct oci_device_cgroup deny_base[] = {
		{ .allow = false, .type = 'a', .access = (char *)"rwm" },
		RULE(true, 'c', -1, -1, "m"),
		RULE(true, 'b', -1, -1, "m"),
		RULE(true, 'c', 1, 3, "rwm"),
		RULE(true, 'c', 1, 5, "r"),
		RULE(true, 'c', 5, -1, "rw"),
		RULE(true, 'b', 8, 1, "w"),
	};
	check_program_matches(deny_base, sizeof deny_base / sizeof deny_base[0]);
	struct oci_device_cgroup allow_base[] = {
		{ .allow = true, .type = 'a', .access = (char *)"rwm" },
		RULE(false, 'c', 1, 3, "w"),
		RULE(false, 'b', -1, 2, "rm"),
		RULE(false, 'c', 7, -1, "rwm"),
	};
	check_program_matches(allow_base, sizeof allow_base / sizeof allow_base[0]);
	check_program_matches(NULL, 0);   /* deny everything */
}

static void test_default_rules(void)
{
	struct err e;
	struct oci_device_cgroup *v = NULL;
	size_t n = 0;
	CHECK(cgroup_device_rules(NULL, &v, &n, &e) == 0);
	CHECK(n == 11);
	if (n == 11) {
		CHECK(v[0].allow && v[0].type == 'c' && v[0].major == -1 && !strcmp(v[0].access, "m"));
		CHECK(v[2].major == 1 && v[2].minor == 3);
	}
	free(v);

	struct oci_device_cgroup own[] = { { .allow = false, .type = 'a', .access = (char *)"rwm" } };
	struct oci_device devs[] = { { .type = 'c', .path = (char *)"/dev/null" } };
	struct oci_linux l = { .has_resources = true, .devices = devs, .n_devices = 1 };
	l.resources.devices = own;
	l.resources.n_devices = 1;
	CHECK(cgroup_device_rules(&l, &v, &n, &e) == 0);
	CHECK(n == 11);   /* own deny-all first, /dev/null's default dropped */
	if (n == 11) {
		CHECK(!v[0].allow && v[0].type == 'a');
		for (size_t i = 0; i < n; i++)
			CHECK(!(v[i].major == 1 && v[i].minor == 3));
	}
	free(v);
}

int main(void)
{
	RUN_TEST(test_clean_path);
	RUN_TEST(test_resolve_path);
	RUN_TEST(test_proc_cgroup);
	RUN_TEST(test_mountinfo);
	RUN_TEST(test_resolve_hiers);
	RUN_TEST(test_parse_paths);
	RUN_TEST(test_conversions);
	RUN_TEST(test_rule_strings);
	RUN_TEST(test_emulator);
	RUN_TEST(test_devices_list);
	RUN_TEST(test_program);
	RUN_TEST(test_default_rules);
	UNIT_DONE();
}
