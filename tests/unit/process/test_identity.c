/* process_set_identity in forked children: the user switch, the five capability sets,
 * no_new_privs and umask, read back from /proc/self/status. Needs root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/process.h"
#include "tests/unit/unit.h"
#include "tests/unit/process/child.h"

#define BIT(n) (1ULL << (n))

static void apply_and_report(FILE *out, const struct oci_process *p)
{
	struct err e = { 0 };
	report_rc(out, process_set_identity(p, &e), &e);
	report_file(out, "/proc/self/status");
}

static void child_user_with_caps(FILE *out)
{
	uint32_t gids[] = { 2000, 3000 };
	struct oci_process p = { .has_capabilities = true, .no_new_privileges = true };
	p.user = (struct oci_user){ .uid = 1000, .gid = 1001, .has_umask = true, .umask = 027,
				    .additional_gids = gids, .n_additional_gids = 2 };
	p.capabilities.bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
	p.capabilities.permitted = BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
	p.capabilities.effective = BIT(CAP_KILL);
	p.capabilities.inheritable = BIT(CAP_NET_BIND_SERVICE);
	p.capabilities.ambient = BIT(CAP_NET_BIND_SERVICE);
	apply_and_report(out, &p);
	/* keepcaps must be cleared again: a later setuid would otherwise keep permitted. */
	fprintf(out, "keepcaps=%d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
}

static void test_user_with_caps(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_user_with_caps);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "Uid:\t1000\t1000\t1000\t1000");
	CHECK_LINE(r, "Gid:\t1001\t1001\t1001\t1001");
	CHECK_LINE(r, "Groups:\t2000 3000 ");
	CHECK_LINE(r, "Umask:\t0027");
	CHECK_LINE(r, "CapBnd:\t0000000000000421");
	CHECK_LINE(r, "CapPrm:\t0000000000000420");
	CHECK_LINE(r, "CapEff:\t0000000000000020");
	CHECK_LINE(r, "CapInh:\t0000000000000400");
	CHECK_LINE(r, "CapAmb:\t0000000000000400");
	CHECK_LINE(r, "NoNewPrivs:\t1");
	CHECK_LINE(r, "keepcaps=0");
	free(r);
}

/* No capabilities object: every set empty, as runc 1.1 does; umask defaults to 0022. */
static void child_no_caps(FILE *out)
{
	umask(077);
	struct oci_process p = { 0 };
	apply_and_report(out, &p);
}

static void test_no_caps_object(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_no_caps);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "Uid:\t0\t0\t0\t0");
	CHECK_LINE(r, "Groups:\t ");
	CHECK_LINE(r, "Umask:\t0022");
	CHECK_LINE(r, "CapBnd:\t0000000000000000");
	CHECK_LINE(r, "CapPrm:\t0000000000000000");
	CHECK_LINE(r, "CapEff:\t0000000000000000");
	CHECK_LINE(r, "CapInh:\t0000000000000000");
	CHECK_LINE(r, "CapAmb:\t0000000000000000");
	CHECK_LINE(r, "NoNewPrivs:\t0");
	free(r);
}

/* Root keeping a set: unknown bits are skipped, an ambient cap that is not inheritable
 * only warns (runc), nothing fails. */
static void child_root_caps(FILE *out)
{
	struct oci_process p = { .has_capabilities = true };
	uint64_t set = BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_SETPCAP);
	p.capabilities.bounding = set | BIT(63);
	p.capabilities.permitted = set | BIT(63);
	p.capabilities.effective = set;
	p.capabilities.inheritable = 0;
	p.capabilities.ambient = BIT(CAP_NET_RAW);
	char *unknown[] = { "CAP_FOO", NULL };
	p.capabilities.unknown = unknown;
	apply_and_report(out, &p);
}

static void test_root_caps_lenient(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_root_caps);
	char want[64];
	snprintf(want, sizeof want, "CapBnd:\t%016llx",
		 (unsigned long long)(BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_SETPCAP)));
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, want);
	want[3] = 'E', want[4] = 'f', want[5] = 'f';
	CHECK_LINE(r, want);
	CHECK_LINE(r, "CapAmb:\t0000000000000000");
	free(r);
}

/* Inheritable outside the bounding set cannot be granted: left out with a warning. */
static void child_inheritable_outside_bounding(FILE *out)
{
	struct oci_process p = { .has_capabilities = true };
	p.capabilities.bounding = BIT(CAP_KILL);
	p.capabilities.permitted = BIT(CAP_KILL) | BIT(CAP_CHOWN);
	p.capabilities.effective = BIT(CAP_KILL) | BIT(CAP_CHOWN);
	p.capabilities.inheritable = BIT(CAP_KILL) | BIT(CAP_CHOWN);
	apply_and_report(out, &p);
}

static void test_inheritable_outside_bounding(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_inheritable_outside_bounding);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "CapBnd:\t0000000000000020");
	CHECK_LINE(r, "CapPrm:\t0000000000000021");
	CHECK_LINE(r, "CapInh:\t0000000000000020");
	free(r);
}

/* Asking for more than the process has: what cannot be granted is left out (warning). */
static void child_more_than_held(FILE *out)
{
	/* First become a process holding only CAP_KILL (+ SETPCAP to drop bounding later). */
	struct oci_process first = { .has_capabilities = true };
	first.capabilities.bounding = ~0ULL >> 1;
	first.capabilities.permitted = BIT(CAP_KILL) | BIT(CAP_SETPCAP) | BIT(CAP_SETUID) | BIT(CAP_SETGID);
	first.capabilities.effective = first.capabilities.permitted;
	struct err e = { 0 };
	if (process_set_identity(&first, &e) < 0) {
		report_rc(out, -1, &e);
		return;
	}
	struct oci_process p = { .has_capabilities = true };
	p.capabilities.bounding = BIT(CAP_KILL) | BIT(CAP_SYS_ADMIN);
	p.capabilities.permitted = BIT(CAP_KILL) | BIT(CAP_SYS_ADMIN);
	p.capabilities.effective = BIT(CAP_KILL) | BIT(CAP_SYS_ADMIN);
	apply_and_report(out, &p);
}

static void test_more_than_held(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_more_than_held);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "CapPrm:\t0000000000000020");
	CHECK_LINE(r, "CapEff:\t0000000000000020");
	free(r);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* A user namespace without a gid map: setgroups is refused outright (no map yet) and the
 * error says so; with setgroups denied and only a uid map, setgid hits the unmapped gid. */
static void child_unmapped(FILE *out)
{
	if (unshare(CLONE_NEWUSER) < 0) {
		fprintf(out, "unshare failed: %s\n", strerror(errno));
		return;
	}
	struct oci_process p = { 0 };
	struct err e = { 0 };
	report_rc(out, process_set_identity(&p, &e), &e);
	if (write_str("/proc/self/setgroups", "deny") < 0 || write_str("/proc/self/uid_map", "0 0 1") < 0) {
		fprintf(out, "userns setup failed: %s\n", strerror(errno));
		return;
	}
	p.has_capabilities = true;
	p.capabilities.bounding = p.capabilities.permitted = p.capabilities.effective = ~0ULL >> 1;
	report_rc(out, process_set_identity(&p, &e), &e);
}

/* setgroups denied in the user namespace: skipped when no groups are asked for, an error
 * naming the field when some are. */
static void child_setgroups_denied(FILE *out)
{
	if (unshare(CLONE_NEWUSER) < 0 || write_str("/proc/self/setgroups", "deny") < 0 ||
	    write_str("/proc/self/uid_map", "0 0 1") < 0 || write_str("/proc/self/gid_map", "0 0 1") < 0) {
		fprintf(out, "userns setup failed: %s\n", strerror(errno));
		return;
	}
	struct oci_process p = { .has_capabilities = true };
	p.capabilities.bounding = p.capabilities.permitted = p.capabilities.effective = ~0ULL >> 1;
	struct err e = { 0 };
	report_rc(out, process_set_identity(&p, &e), &e);
	uint32_t gid = 0;
	p.user.additional_gids = &gid;
	p.user.n_additional_gids = 1;
	report_rc(out, process_set_identity(&p, &e), &e);
}

static void test_userns(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_unmapped);
	CHECK_LINE(r, "err=process.user.additionalGids: setgroups (0 groups): Operation not permitted");
	CHECK_LINE(r, "err=process.user.gid: cannot setgid to unmapped gid 0 in user namespace");
	free(r);
	r = run_in_child(child_setgroups_denied);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "err=process.user.additionalGids: cannot set additional groups: "
		      "setgroups is denied in this user namespace");
	free(r);
}

int main(void)
{
	RUN_TEST(test_user_with_caps);
	RUN_TEST(test_no_caps_object);
	RUN_TEST(test_root_caps_lenient);
	RUN_TEST(test_more_than_held);
	RUN_TEST(test_inheritable_outside_bounding);
	RUN_TEST(test_userns);
	UNIT_DONE();
}
