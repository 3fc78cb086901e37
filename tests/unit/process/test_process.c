/* linux/process.c: sysctl rules, id lists, executable lookup, and (in children) hostname,
 * sysctl writes, oom_score_adj, rlimits, personality/scheduler/ioprio/mempolicy. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <seccomp.h>

#include "linux/lsm.h"
#include "linux/process.h"
#include "tests/unit/unit.h"
#include "tests/unit/process/child.h"

/* ---------------------------------------------------------------- sysctl rules */

static void test_sysctl_check_table(void)
{
	static const struct {
		const char *key;
		bool ipc, net, uts;
		const char *err;  /* NULL: allowed */
	} cases[] = {
		{ "kernel.msgmax", 1, 0, 0, NULL },
		{ "kernel.msgmnb", 1, 0, 0, NULL },
		{ "kernel.sem", 1, 0, 0, NULL },
		{ "kernel.shmmax", 1, 0, 0, NULL },
		{ "kernel.shm_rmid_forced", 1, 0, 0, NULL },
		{ "fs.mqueue.queues_max", 1, 0, 0, NULL },
		{ "kernel/shmall", 1, 0, 0, NULL },
		{ "kernel.shmmax", 0, 1, 1, "sysctl \"kernel.shmmax\" is not allowed in the hosts ipc namespace" },
		{ "fs.mqueue.msg_max", 0, 0, 0, "sysctl \"fs.mqueue.msg_max\" is not allowed in the hosts ipc namespace" },
		{ "net.ipv4.ip_forward", 0, 1, 0, NULL },
		{ "net/ipv4/conf/all/forwarding", 0, 1, 0, NULL },
		{ "net.core.somaxconn", 1, 0, 1, "sysctl \"net.core.somaxconn\" not allowed in host network namespace" },
		{ "kernel.domainname", 0, 0, 1, NULL },
		{ "kernel.domainname", 1, 1, 0, "sysctl \"kernel.domainname\" is not in a separate kernel namespace" },
		{ "kernel.hostname", 0, 0, 1, "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field" },
		{ "kernel.hostname", 0, 0, 0, "sysctl \"kernel.hostname\" is not in a separate kernel namespace" },
		{ "vm.swappiness", 1, 1, 1, "sysctl \"vm.swappiness\" is not in a separate kernel namespace" },
		{ "kernel.pid_max", 1, 1, 1, "sysctl \"kernel.pid_max\" is not in a separate kernel namespace" },
		{ "fs.mqueue", 1, 1, 1, "sysctl \"fs.mqueue\" is not in a separate kernel namespace" },
		{ "netfoo.x", 1, 1, 1, "sysctl \"netfoo.x\" is not in a separate kernel namespace" },
		{ "", 1, 1, 1, "sysctl \"\": invalid name" },
		{ "net..ipv4", 1, 1, 1, "sysctl \"net..ipv4\": invalid name" },
		{ ".net.ipv4", 1, 1, 1, "sysctl \".net.ipv4\": invalid name" },
		{ "net.ipv4.", 1, 1, 1, "sysctl \"net.ipv4.\": invalid name" },
		{ "net/../../x", 1, 1, 1, "sysctl \"net/../../x\": invalid name" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sysctl_ns ns = { cases[i].ipc, cases[i].net, cases[i].uts };
		struct err e = { 0 };
		int rc = process_sysctl_check(cases[i].key, &ns, &e);
		if (cases[i].err) {
			CHECK(rc < 0);
			CHECK_STR(e.msg, cases[i].err);
		} else {
			CHECK(rc == 0);
			if (rc < 0)
				fprintf(stderr, "  case %zu: %s\n", i, e.msg);
		}
	}
}

static void test_sysctl_validate_config(void)
{
	struct oci_namespace nss[] = { { OCI_NS_NETWORK, NULL }, { OCI_NS_IPC, "/proc/1/ns/ipc" } };
	struct oci_kv kv[] = { { "net.ipv4.ip_forward", "1" }, { "kernel.sem", "1 2 3 4" },
			       { "kernel.domainname", "x" } };
	struct oci_config c = { .has_linux = true };
	c.linux_.namespaces = nss;
	c.linux_.n_namespaces = 2;
	c.linux_.sysctl = kv;
	c.linux_.n_sysctl = 2;
	struct err e = { 0 };
	CHECK(process_sysctl_validate(&c, &e) == 0);
	c.linux_.n_sysctl = 3;  /* kernel.domainname without a uts namespace */
	CHECK(process_sysctl_validate(&c, &e) < 0);
	CHECK_STR(e.msg, "linux.sysctl: sysctl \"kernel.domainname\" is not in a separate kernel namespace");
	/* No linux object: nothing to check. */
	struct oci_config empty = { 0 };
	CHECK(process_sysctl_validate(&empty, &e) == 0);
}

/* ---------------------------------------------------------------- id lists */

static void test_parse_id_list(void)
{
	unsigned long m[2];
	struct err e = { 0 };
	CHECK(process_parse_id_list("0-3,7", m, 128, &e) == 0);
	CHECK(m[0] == 0x8f && m[1] == 0);
	CHECK(process_parse_id_list("", m, 128, &e) == 0);
	CHECK(m[0] == 0 && m[1] == 0);
	CHECK(process_parse_id_list("5", m, 128, &e) == 0);
	CHECK(m[0] == 0x20);
	CHECK(process_parse_id_list("64,127,1-1", m, 128, &e) == 0);
	CHECK(m[0] == 0x2 && m[1] == (1UL | 1UL << 63));
	CHECK(process_parse_id_list("3-1", m, 128, &e) < 0);
	CHECK_STR(e.msg, "\"3-1\": invalid range at \"1\"");
	CHECK(process_parse_id_list("128", m, 128, &e) < 0);
	CHECK_STR(e.msg, "\"128\": 128 is above the maximum 127");
	CHECK(process_parse_id_list("1,,2", m, 128, &e) < 0);
	CHECK(process_parse_id_list("1,", m, 128, &e) < 0);
	CHECK(process_parse_id_list("a", m, 128, &e) < 0);
	CHECK_STR(e.msg, "\"a\": expected a number at \"a\"");
	CHECK(process_parse_id_list("1-", m, 128, &e) < 0);
	CHECK(process_parse_id_list(" 1", m, 128, &e) < 0);
	CHECK(process_parse_id_list("-1", m, 128, &e) < 0);
	CHECK(process_parse_id_list("99999999999999999999999", m, 128, &e) < 0);
}

/* ---------------------------------------------------------------- executable lookup */

static char tree[] = "/tmp/ocirun-proc-XXXXXX";

static void make_file(const char *rel, mode_t mode)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", tree, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0) {
		if (write(fd, "#!/bin/sh\n", 10) != 10)
			perror("write");
		fchmod(fd, mode);
		close(fd);
	}
}

static void make_tree(void)
{
	char p[256];
	if (!mkdtemp(tree))
		perror("mkdtemp");
	const char *dirs[] = { "bin1", "bin2", "bin1/adir", "bin2/noexec.d" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", tree, dirs[i]);
		mkdir(p, 0755);
	}
	make_file("bin1/prog", 0755);
	make_file("bin1/noexec", 0644);
	make_file("bin2/noexec", 0755);
	make_file("bin2/prog2", 0700);
	snprintf(p, sizeof p, "%s/bin1/prog", tree);
	char l[256];
	snprintf(l, sizeof l, "%s/bin2/link", tree);
	if (symlink(p, l) < 0)
		perror("symlink");
}

/* Look args0 up with the given env; returns the found path or the error text. */
static char *lookup(const char *args0, char **env)
{
	char *args[] = { (char *)args0, NULL };
	struct oci_process p = { .args = args, .n_args = 1, .env = env };
	struct err e = { 0 };
	char *out = NULL;
	if (process_find_executable(&p, &out, &e) < 0)
		return strdup(e.msg);
	return out;
}

#define CHECK_LOOKUP(args0, env, want)                 \
	do {                                           \
		char *_got = lookup((args0), (env));   \
		CHECK_STR(_got, (want));               \
		free(_got);                            \
	} while (0)

static void test_find_executable(void)
{
	char path1[300], path12[600], want[700], envpath[300];
	snprintf(path1, sizeof path1, "PATH=/nonexistent:%s/bin1", tree);
	snprintf(path12, sizeof path12, "PATH=%s/bin1:%s/bin2", tree, tree);
	char *env1[] = { "TERM=xterm", path1, NULL };
	char *env12[] = { path12, "HOME=/", NULL };

	snprintf(want, sizeof want, "%s/bin1/prog", tree);
	CHECK_LOOKUP("prog", env1, want);
	CHECK_LOOKUP("prog", env12, want);
	/* Not executable in bin1: skipped; bin2 has an executable one. */
	CHECK_LOOKUP("noexec", env1, "exec: \"noexec\": executable file not found in $PATH");
	snprintf(want, sizeof want, "%s/bin2/noexec", tree);
	CHECK_LOOKUP("noexec", env12, want);
	/* A directory is never a match. */
	CHECK_LOOKUP("adir", env12, "exec: \"adir\": executable file not found in $PATH");
	CHECK_LOOKUP("missing", env12, "exec: \"missing\": executable file not found in $PATH");
	/* Symlinks are followed. */
	snprintf(want, sizeof want, "%s/bin2/link", tree);
	CHECK_LOOKUP("link", env12, want);
	/* No PATH at all: nothing is found (runc 1.1.5 has no default). */
	char *noenv[] = { "TERM=xterm", NULL };
	CHECK_LOOKUP("sh", noenv, "exec: \"sh\": executable file not found in $PATH");
	CHECK_LOOKUP("sh", NULL, "exec: \"sh\": executable file not found in $PATH");
	char *emptypath[] = { "PATH=", NULL };
	CHECK_LOOKUP("sh", emptypath, "exec: \"sh\": executable file not found in $PATH");
	/* The last PATH wins. */
	snprintf(envpath, sizeof envpath, "PATH=%s/bin2", tree);
	char *twice[] = { path1, envpath, NULL };
	CHECK_LOOKUP("prog", twice, "exec: \"prog\": executable file not found in $PATH");
	snprintf(want, sizeof want, "%s/bin2/prog2", tree);
	CHECK_LOOKUP("prog2", twice, want);

	/* With a slash: used as is, checked. */
	snprintf(want, sizeof want, "%s/bin1/prog", tree);
	CHECK_LOOKUP(want, NULL, want);
	char arg[300], msg[800];
	snprintf(arg, sizeof arg, "%s/bin1/noexec", tree);
	snprintf(msg, sizeof msg, "exec: \"%s\": permission denied", arg);
	CHECK_LOOKUP(arg, env12, msg);
	snprintf(arg, sizeof arg, "%s/bin1/adir", tree);
	snprintf(msg, sizeof msg, "exec: \"%s\": permission denied", arg);
	CHECK_LOOKUP(arg, env12, msg);
	snprintf(arg, sizeof arg, "%s/bin1/missing", tree);
	snprintf(msg, sizeof msg, "exec: \"%s\": stat %s: no such file or directory", arg, arg);
	CHECK_LOOKUP(arg, env12, msg);
	snprintf(arg, sizeof arg, "%s/bin1/prog/x", tree);
	snprintf(msg, sizeof msg, "exec: \"%s\": stat %s: not a directory", arg, arg);
	CHECK_LOOKUP(arg, env12, msg);

	/* Empty arguments. */
	struct oci_process none = { 0 };
	struct err e = { 0 };
	char *out = (char *)"x";
	CHECK(process_find_executable(&none, &out, &e) < 0);
	CHECK(out == NULL);
	CHECK_STR(e.msg, "process.args: no executable given");
}

static void test_find_executable_relative(void)
{
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir(tree) < 0)
		perror("chdir");
	char *rel[] = { "PATH=bin1", NULL };
	CHECK_LOOKUP("prog", rel, "exec: \"prog\": cannot run executable found relative to current directory");
	/* An empty element is the current directory. */
	if (chdir("bin1") < 0)
		perror("chdir");
	char *lead[] = { "PATH=:/nonexistent", NULL };
	CHECK_LOOKUP("prog", lead, "exec: \"prog\": cannot run executable found relative to current directory");
	char *trail[] = { "PATH=/nonexistent:", NULL };
	CHECK_LOOKUP("prog", trail, "exec: \"prog\": cannot run executable found relative to current directory");
	char *mid[] = { "PATH=/nonexistent::/x", NULL };
	CHECK_LOOKUP("prog", mid, "exec: \"prog\": cannot run executable found relative to current directory");
	char *absfirst[] = { "PATH=/bin::", NULL };
	CHECK_LOOKUP("sh", absfirst, "/bin/sh");
	/* "./prog" has a slash: used as is, like runc. */
	CHECK_LOOKUP("./prog", NULL, "./prog");
	if (fchdir(here) < 0)
		perror("fchdir");
	close(here);
}

/* ---------------------------------------------------------------- hostname, sysctl, oom */

static void child_hostname(FILE *out)
{
	struct err e = { 0 };
	struct oci_namespace uts = { OCI_NS_UTS, NULL };
	struct oci_config c = { .hostname = "ocirun-test", .domainname = "example.org", .has_linux = true };
	/* Refused without a uts namespace in the config (else the host would be renamed). */
	report_rc(out, process_set_hostname(&c, &e), &e);
	if (unshare(CLONE_NEWUTS) < 0) {
		fprintf(out, "unshare failed\n");
		return;
	}
	c.linux_.namespaces = &uts;
	c.linux_.n_namespaces = 1;
	report_rc(out, process_set_hostname(&c, &e), &e);
	char h[128] = "", d[128] = "";
	gethostname(h, sizeof h);
	getdomainname(d, sizeof d);
	fprintf(out, "host=%s\ndomain=%s\n", h, d);
}

static void test_hostname(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_hostname);
	CHECK_LINE(r, "err=hostname: unable to set hostname without a private UTS namespace");
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "host=ocirun-test");
	CHECK_LINE(r, "domain=example.org");
	free(r);
}

static void child_sysctl(FILE *out)
{
	struct err e = { 0 };
	if (unshare(CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS) < 0) {
		fprintf(out, "unshare failed\n");
		return;
	}
	int proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct oci_namespace nss[] = { { OCI_NS_IPC, NULL }, { OCI_NS_NETWORK, NULL }, { OCI_NS_UTS, NULL } };
	struct oci_kv good[] = { { "kernel.shmmni", "1234" }, { "net.ipv4.ip_forward", "1" },
				 { "net/ipv4/conf/lo/forwarding", "1" }, { "kernel.domainname", "dom.test" } };
	struct oci_config c = { .has_linux = true };
	c.linux_.namespaces = nss;
	c.linux_.n_namespaces = 3;
	c.linux_.sysctl = good;
	c.linux_.n_sysctl = 4;
	report_rc(out, process_apply_sysctl(&c, proc_fd, &e), &e);
	fprintf(out, "shmmni=");
	report_file(out, "/proc/sys/kernel/shmmni");
	fprintf(out, "ip_forward=");
	report_file(out, "/proc/sys/net/ipv4/ip_forward");
	fprintf(out, "lo_forwarding=");
	report_file(out, "/proc/sys/net/ipv4/conf/lo/forwarding");
	fprintf(out, "domainname=");
	report_file(out, "/proc/sys/kernel/domainname");

	struct oci_kv missing[] = { { "net.ipv4.nonexistent", "1" } };
	c.linux_.sysctl = missing;
	c.linux_.n_sysctl = 1;
	report_rc(out, process_apply_sysctl(&c, proc_fd, &e), &e);
	struct oci_kv bad_value[] = { { "net.ipv4.ip_forward", "abc" } };
	c.linux_.sysctl = bad_value;
	report_rc(out, process_apply_sysctl(&c, proc_fd, &e), &e);
	/* A key outside the rules stops everything before the first write. */
	struct oci_kv mixed[] = { { "kernel.shmmni", "999" }, { "vm.swappiness", "1" } };
	c.linux_.sysctl = mixed;
	c.linux_.n_sysctl = 2;
	report_rc(out, process_apply_sysctl(&c, proc_fd, &e), &e);
	fprintf(out, "shmmni_after=");
	report_file(out, "/proc/sys/kernel/shmmni");
	close(proc_fd);
}

static void test_sysctl_apply(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_sysctl);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "shmmni=1234");
	CHECK_LINE(r, "ip_forward=1");
	CHECK_LINE(r, "lo_forwarding=1");
	CHECK_LINE(r, "domainname=dom.test");
	CHECK_LINE(r, "err=linux.sysctl: \"net.ipv4.nonexistent\": open /proc/sys/net/ipv4/nonexistent: No such file or directory");
	CHECK_LINE(r, "err=linux.sysctl: \"net.ipv4.ip_forward\": write \"abc\" to /proc/sys/net/ipv4/ip_forward: Invalid argument");
	CHECK_LINE(r, "err=linux.sysctl: sysctl \"vm.swappiness\" is not in a separate kernel namespace");
	CHECK_LINE(r, "shmmni_after=1234");
	free(r);
}

/* A bind mount over /proc/sys (readonlyPaths applied first, or a redirect) is refused with
 * a message that says what is wrong, not written through. */
static void child_sysctl_overmount(FILE *out)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("/proc/sys", "/proc/sys", NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
		fprintf(out, "setup failed: %s\n", strerror(errno));
		return;
	}
	int proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct oci_namespace net = { OCI_NS_NETWORK, NULL };
	struct oci_kv kv = { "net.ipv4.ip_forward", "1" };
	struct oci_config c = { .has_linux = true };
	c.linux_.namespaces = &net;
	c.linux_.n_namespaces = 1;
	c.linux_.sysctl = &kv;
	c.linux_.n_sysctl = 1;
	struct err e = { 0 };
	report_rc(out, process_apply_sysctl(&c, proc_fd, &e), &e);
	close(proc_fd);
}

static void test_sysctl_overmount(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_sysctl_overmount);
	CHECK_LINE(r, "err=linux.sysctl: \"net.ipv4.ip_forward\": /proc/sys/net/ipv4/ip_forward is under a "
		      "mount point (sysctls must be written before readonlyPaths are applied): "
		      "Invalid cross-device link");
	free(r);
}

/* The LSM attribute files (linux/lsm.c) go through the same verified open: another procfs
 * file (a writable sysctl here) bound over /proc/thread-self/attr/exec would pass an
 * "is it procfs" check and swallow the label, leaving the process unconfined
 * (CVE-2019-16884, CVE-2025-52881 class). The open must fail with EXDEV instead. */
static void child_lsm_overmount(FILE *out)
{
	static const char *attrs[] = { "/proc/thread-self/attr/apparmor/exec",
				       "/proc/thread-self/attr/exec" };
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    setdomainname("before", 6) < 0) {
		fprintf(out, "setup failed: %s\n", strerror(errno));
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		if (access(attrs[i], F_OK) < 0)
			continue;   /* no AppArmor directory on this kernel */
		if (mount("/proc/sys/kernel/domainname", attrs[i], NULL, MS_BIND, NULL) < 0) {
			fprintf(out, "bind over %s failed: %s\n", attrs[i], strerror(errno));
			return;
		}
	}
	struct oci_process p = { .apparmor_profile = "ocirun-test" };
	struct err e = { 0 };
	report_rc(out, lsm_apply(&p, &e), &e);
	struct oci_process q = { .selinux_label = "system_u:system_r:ocirun_t:s0" };
	report_rc(out, lsm_apply(&q, &e), &e);
	fprintf(out, "domainname=");
	report_file(out, "/proc/sys/kernel/domainname");
}

static void test_lsm_overmount(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_lsm_overmount);
	CHECK_LINE(r, "err=process.apparmorProfile: open /proc/thread-self/attr/exec: a mount point "
		      "is on the way (an over-mounted procfs file is refused): Invalid cross-device link");
	CHECK_LINE(r, "err=process.selinuxLabel: open /proc/thread-self/attr/exec: a mount point "
		      "is on the way (an over-mounted procfs file is refused): Invalid cross-device link");
	CHECK(!has_line(r, "rc=0"));
	CHECK_LINE(r, "domainname=before");
	free(r);
}

/* Without openat2 (< 5.6, or a seccomp profile answering ENOSYS): plain openat, still
 * checked to land on a procfs. */
static void child_sysctl_no_openat2(FILE *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 || !ctx ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) < 0 ||
	    seccomp_load(ctx) < 0) {
		fprintf(out, "setup failed\n");
		return;
	}
	seccomp_release(ctx);
	int proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct oci_namespace net = { OCI_NS_NETWORK, NULL };
	struct oci_kv kv = { "net.ipv4.ip_forward", "1" };
	struct oci_config c = { .has_linux = true };
	c.linux_.namespaces = &net;
	c.linux_.n_namespaces = 1;
	c.linux_.sysctl = &kv;
	c.linux_.n_sysctl = 1;
	struct err e = { 0 };
	report_rc(out, process_apply_sysctl(&c, proc_fd, &e), &e);
	fprintf(out, "ip_forward=");
	report_file(out, "/proc/sys/net/ipv4/ip_forward");
	/* A tmpfs over /proc/sys is not a procfs: refused. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/proc/sys", "tmpfs", 0, NULL) < 0 ||
	    mkdir("/proc/sys/net", 0755) < 0 || mkdir("/proc/sys/net/ipv4", 0755) < 0 ||
	    close(open("/proc/sys/net/ipv4/ip_forward", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0) {
		fprintf(out, "tmpfs setup failed: %s\n", strerror(errno));
		return;
	}
	report_rc(out, process_apply_sysctl(&c, proc_fd, &e), &e);
	close(proc_fd);
}

static void test_sysctl_no_openat2(void)
{
	SKIP_UNLESS_ROOT();
	char *r = run_in_child(child_sysctl_no_openat2);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "ip_forward=1");
	CHECK_LINE(r, "err=linux.sysctl: \"net.ipv4.ip_forward\": /proc/sys/net/ipv4/ip_forward is under a "
		      "mount point (sysctls must be written before readonlyPaths are applied): "
		      "Invalid cross-device link");
	free(r);
}

static void child_oom(FILE *out)
{
	struct err e = { 0 };
	int proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* Raising needs no privilege; lowering would need CAP_SYS_RESOURCE. */
	report_rc(out, process_set_oom_score_adj(proc_fd, 345, &e), &e);
	fprintf(out, "oom=");
	report_file(out, "/proc/self/oom_score_adj");
	report_rc(out, process_set_oom_score_adj(proc_fd, 5000, &e), &e);
	close(proc_fd);
}

static void test_oom_score_adj(void)
{
	char *r = run_in_child(child_oom);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "oom=345");
	CHECK_LINE(r, "err=process.oomScoreAdj: write 5000 to /proc/self/oom_score_adj: Invalid argument");
	free(r);
}

/* ---------------------------------------------------------------- rlimits */

static void child_rlimits(FILE *out)
{
	struct err e = { 0 };
	struct oci_rlimit ok[] = {
		{ RLIMIT_NOFILE, "RLIMIT_NOFILE", 512, 1024 },
		{ RLIMIT_CORE, "RLIMIT_CORE", 0, 0 },
	};
	struct oci_process p = { .rlimits = ok, .n_rlimits = 2 };
	report_rc(out, process_set_rlimits(&p, &e), &e);
	struct rlimit l;
	getrlimit(RLIMIT_NOFILE, &l);
	fprintf(out, "nofile=%llu/%llu\n", (unsigned long long)l.rlim_cur, (unsigned long long)l.rlim_max);
	getrlimit(RLIMIT_CORE, &l);
	fprintf(out, "core=%llu/%llu\n", (unsigned long long)l.rlim_cur, (unsigned long long)l.rlim_max);
	/* Above fs.nr_open: refused even with CAP_SYS_RESOURCE. */
	struct oci_rlimit too_high[] = {
		{ RLIMIT_CPU, "RLIMIT_CPU", RLIM_INFINITY, RLIM_INFINITY },
		{ RLIMIT_NOFILE, "RLIMIT_NOFILE", 1ULL << 40, 1ULL << 40 },
	};
	p.rlimits = too_high;
	report_rc(out, process_set_rlimits(&p, &e), &e);
	/* Raising a hard limit back up needs CAP_SYS_RESOURCE. */
	struct oci_rlimit raise[] = { { RLIMIT_CORE, "RLIMIT_CORE", 0, RLIM_INFINITY } };
	p.rlimits = raise;
	p.n_rlimits = 1;
	report_rc(out, process_set_rlimits(&p, &e), &e);
	struct oci_rlimit unknown[] = { { -1, "RLIMIT_FOO", 0, 0 } };
	p.rlimits = unknown;
	report_rc(out, process_set_rlimits(&p, &e), &e);
}

static void test_rlimits(void)
{
	char *r = run_in_child(child_rlimits);
	CHECK_LINE(r, "rc=0");
	CHECK_LINE(r, "nofile=512/1024");
	CHECK_LINE(r, "core=0/0");
	CHECK_LINE(r, "err=process.rlimits[1]: setrlimit RLIMIT_NOFILE 1099511627776/1099511627776: Operation not permitted");
	/* Passes where the test runs with CAP_SYS_RESOURCE; the text is pinned otherwise. */
	if (!has_line(r, "err=process.rlimits[0]: setrlimit RLIMIT_CORE 0/unlimited: Operation not permitted"))
		printf("note: RLIMIT_CORE raise allowed here (CAP_SYS_RESOURCE)\n");
	CHECK_LINE(r, "err=process.rlimits[0]: unknown rlimit RLIMIT_FOO");
	free(r);
}

/* ---------------------------------------------------------------- sched attrs */

static void child_sched(FILE *out)
{
	struct err e = { 0 };
	struct oci_config c = { .has_linux = true };
	c.linux_.has_personality = true;
	c.linux_.personality.domain = "LINUX32";
	c.linux_.has_memory_policy = true;
	c.linux_.memory_policy.mode = "MPOL_BIND";
	c.linux_.memory_policy.nodes = "0";
	struct oci_process p = { .has_scheduler = true, .has_io_priority = true };
	p.scheduler.policy = SCHED_BATCH;
	p.scheduler.nice = 5;
	p.io_priority.class_ = 2;
	p.io_priority.priority = 6;
	report_rc(out, process_set_sched_attrs(&c, &p, &e), &e);
	struct utsname u;
	uname(&u);
	fprintf(out, "machine=%s\n", u.machine);
	fprintf(out, "policy=%d\n", sched_getscheduler(0));
	errno = 0;
	fprintf(out, "nice=%d\n", getpriority(PRIO_PROCESS, 0));
	fprintf(out, "ioprio=%ld\n", syscall(SYS_ioprio_get, 1, 0));
	int mode = -1;
	unsigned long mask[16] = { 0 };
	syscall(SYS_get_mempolicy, &mode, mask, 1025UL, NULL, 0UL);
	fprintf(out, "mempolicy=%d mask=%lx\n", mode, mask[0]);
	/* Errors name the field and the value. */
	struct oci_config none = { 0 };
	struct oci_process bad = { .has_scheduler = true };
	bad.scheduler.policy = SCHED_FIFO;
	bad.scheduler.priority = 200;
	report_rc(out, process_set_sched_attrs(&none, &bad, &e), &e);
	c.linux_.has_personality = false;
	c.linux_.memory_policy.nodes = "63";
	struct oci_process plain = { 0 };
	report_rc(out, process_set_sched_attrs(&c, &plain, &e), &e);
	c.linux_.memory_policy.mode = "MPOL_FOO";
	report_rc(out, process_set_sched_attrs(&c, &plain, &e), &e);
	c.linux_.memory_policy.mode = "MPOL_INTERLEAVE";
	c.linux_.memory_policy.nodes = "0-x";
	report_rc(out, process_set_sched_attrs(&c, &plain, &e), &e);
	c.linux_.has_memory_policy = false;
	c.linux_.has_personality = true;
	c.linux_.personality.domain = "LINUX64";
	report_rc(out, process_set_sched_attrs(&c, &plain, &e), &e);
	struct oci_process badio = { .has_io_priority = true };
	badio.io_priority.class_ = 2;
	badio.io_priority.priority = 8;
	report_rc(out, process_set_sched_attrs(&none, &badio, &e), &e);
}

static void test_sched_attrs(void)
{
	char *r = run_in_child(child_sched);
	CHECK_LINE(r, "rc=0");
#if defined(__x86_64__)
	CHECK_LINE(r, "machine=i686");
#endif
	CHECK_LINE(r, "policy=3");
	CHECK_LINE(r, "nice=5");
	CHECK_LINE(r, "ioprio=16390");
	CHECK_LINE(r, "mempolicy=2 mask=1");
	CHECK_LINE(r, "err=process.scheduler: sched_setattr SCHED_FIFO nice 0 priority 200 flags 0: Invalid argument");
	CHECK_LINE(r, "err=linux.memoryPolicy: set_mempolicy MPOL_BIND nodes \"63\": Invalid argument");
	CHECK_LINE(r, "err=linux.memoryPolicy.mode: unsupported \"MPOL_FOO\"");
	CHECK_LINE(r, "err=linux.memoryPolicy.nodes: \"0-x\": expected a number at \"x\"");
	CHECK_LINE(r, "err=linux.personality.domain: unsupported \"LINUX64\"");
	CHECK_LINE(r, "err=process.ioPriority: invalid class 2 priority 8");
	free(r);
}

static void test_cap_last(void)
{
	/* Must agree with the kernel's own answer. */
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = -1;
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	CHECK(last > 0);
	CHECK(process_cap_last() == last);
}

int main(void)
{
	make_tree();
	RUN_TEST(test_sysctl_check_table);
	RUN_TEST(test_sysctl_validate_config);
	RUN_TEST(test_parse_id_list);
	RUN_TEST(test_find_executable);
	RUN_TEST(test_find_executable_relative);
	RUN_TEST(test_hostname);
	RUN_TEST(test_sysctl_apply);
	RUN_TEST(test_sysctl_overmount);
	RUN_TEST(test_sysctl_no_openat2);
	RUN_TEST(test_lsm_overmount);
	RUN_TEST(test_oom_score_adj);
	RUN_TEST(test_rlimits);
	RUN_TEST(test_sched_attrs);
	RUN_TEST(test_cap_last);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tree);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", tree);
	UNIT_DONE();
}
