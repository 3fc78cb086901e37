/* linux/seccomp: every case loads a filter in a forked child (no_new_privs set first, so no
 * privilege is needed) and records what its syscalls returned in a shared page: memory
 * writes need no syscall, so the filter cannot get in the way of the report. Children
 * leave with a raw exit_group, which every profile here allows (_exit is intercepted by
 * ASan, whose leak check would need syscalls the filter denies). */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <grp.h>
#include <sched.h>
#include <stddef.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_config.h"
#include "engine_profiles.h"
#include "linux/seccomp.h"
#include "linux/seccomp_cache.h"
#include "util/sha256.h"
#include "unit.h"

#define NAMES(...) ((char *[]){ __VA_ARGS__, NULL })
#define COUNT(...) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define RULE(act, ...) { .names = NAMES(__VA_ARGS__), .n_names = COUNT(__VA_ARGS__), \
			 .action = (act) }
#define ERRNO_RULE(ret, ...) { .names = NAMES(__VA_ARGS__), .n_names = COUNT(__VA_ARGS__), \
			       .action = OCI_SCMP_ERRNO, .has_errno_ret = true, \
			       .errno_ret = (ret) }
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* An errno nothing else returns, to tell the filter's answer from the kernel's. */
#define MARK_ERRNO EXFULL

struct shared {
	long r[16];           /* syscall results, -errno on failure */
	int loaded;
	int trap_code, trap_nr;
	char msg[1024];
};
static struct shared *sh;

#define RECORD(i, expr)                                   \
	do {                                              \
		long _r = (expr);                         \
		sh->r[i] = _r < 0 ? -(long)errno : _r;    \
	} while (0)

/* Deliberately not noreturn: ASan calls sigaltstack before every noreturn call, and the
 * minimal allow lists here deny it. */
static void child_exit(int code)
{
	syscall(SYS_exit_group, code);
}

/* The rounds with it set run every case through seccomp_filter_prepare in the parent (as
 * the runtime does before its clone): compiled and cached, then read from the cache. */
static bool prepare_first;

static void maybe_prepare(const struct oci_seccomp *s)
{
	struct err e = { 0 };
	if (prepare_first && seccomp_filter_prepare(s, &e) < 0)
		fprintf(stderr, "prepare: %s\n", e.msg);
}

/* Fork, set no_new_privs, load s, run body; returns the wait status. */
static int run_child(const struct oci_seccomp *s, void (*body)(void))
{
	maybe_prepare(s);
	memset(sh, 0, sizeof *sh);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct err e = { 0 };
		/* KILL cases end in SIGSYS, which would dump core. */
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_filter_load(s, NULL, &e) < 0) {
			snprintf(sh->msg, sizeof sh->msg, "load: %s", e.msg);
			child_exit(100);
		} else {
			sh->loaded = 1;
			body();
			child_exit(0);
		}
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return st;
}

static bool exited_ok(int st)
{
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && sh->loaded;
	if (!ok)
		fprintf(stderr, "child status 0x%x: %s\n", st, sh->msg);
	return ok;
}

static bool killed_by_sigsys(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS && sh->loaded;
}

/* --- actions ------------------------------------------------------------------------ */

static void body_errno(void)
{
	char buf[256];
	RECORD(0, syscall(SYS_mkdir, "/nonexistent-ocirun/x", 0700));
	RECORD(1, syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent-ocirun/x", 0700));
	RECORD(2, syscall(SYS_getcwd, buf, sizeof buf));
	RECORD(3, syscall(SYS_getpid));
}

static void test_errno_rule(void)
{
	struct oci_seccomp_syscall rules[] = {
		ERRNO_RULE(MARK_ERRNO, "mkdir", "mkdirat"),
		RULE(OCI_SCMP_ERRNO, "getcwd"),   /* no errnoRet: EPERM */
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = ARRAY_LEN(rules) };
	CHECK(exited_ok(run_child(&s, body_errno)));
	CHECK(sh->r[0] == -MARK_ERRNO);
	CHECK(sh->r[1] == -MARK_ERRNO);
	CHECK(sh->r[2] == -EPERM);
	CHECK(sh->r[3] > 0);
}

static void body_getppid(void)
{
	RECORD(0, syscall(SYS_getppid));
}

static void test_kill_process(void)
{
	struct oci_seccomp_syscall rules[] = { RULE(OCI_SCMP_KILL_PROCESS, "getppid") };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1 };
	CHECK(killed_by_sigsys(run_child(&s, body_getppid)));
}

static void test_kill_thread(void)
{
	/* SCMP_ACT_KILL is KILL_THREAD; the only thread dying ends the process with SIGSYS. */
	struct oci_seccomp_syscall rules[] = { RULE(OCI_SCMP_KILL, "getppid"),
					       RULE(OCI_SCMP_KILL_THREAD, "getcwd") };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 2 };
	CHECK(killed_by_sigsys(run_child(&s, body_getppid)));
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sh->trap_code = si->si_code;
	sh->trap_nr = si->si_syscall;
}

static void body_trap(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigaction(SIGSYS, &sa, NULL);
	syscall(SYS_getppid);
}

static void test_trap(void)
{
	struct oci_seccomp_syscall rules[] = { RULE(OCI_SCMP_TRAP, "getppid") };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1 };
	CHECK(exited_ok(run_child(&s, body_trap)));
	CHECK(sh->trap_code == 1 /* SYS_SECCOMP */);
	CHECK(sh->trap_nr == SYS_getppid);
}

static void test_log_allows(void)
{
	struct oci_seccomp_syscall rules[] = { RULE(OCI_SCMP_LOG, "getppid") };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1 };
	CHECK(exited_ok(run_child(&s, body_getppid)));
	CHECK(sh->r[0] == getpid());
}

static void test_trace_without_tracer(void)
{
	/* With no tracer attached the kernel fails a SECCOMP_RET_TRACE syscall with ENOSYS. */
	struct oci_seccomp_syscall rules[] = {
		{ .names = NAMES("getppid"), .n_names = 1, .action = OCI_SCMP_TRACE,
		  .has_errno_ret = true, .errno_ret = 7 },
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1 };
	CHECK(exited_ok(run_child(&s, body_getppid)));
	CHECK(sh->r[0] == -ENOSYS);
}

static void body_getcwd(void)
{
	char buf[256];
	RECORD(0, syscall(SYS_getcwd, buf, sizeof buf));
	RECORD(1, syscall(SYS_getpid));
}

static void test_unknown_name_skipped(void)
{
	struct oci_seccomp_syscall rules[] = {
		ERRNO_RULE(MARK_ERRNO, "ocirun_no_such_syscall", "getcwd"),
		RULE(OCI_SCMP_ALLOW, "getpid"),   /* same as the default: skipped */
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 2 };
	CHECK(exited_ok(run_child(&s, body_getcwd)));
	CHECK(sh->r[0] == -MARK_ERRNO);
	CHECK(sh->r[1] > 0);
}

/* --- argument conditions ----------------------------------------------------------- */

static long probe_fds[3];

static void body_close_probes(void)
{
	for (int i = 0; i < 3; i++)
		RECORD(i, syscall(SYS_close, probe_fds[i]));
}

/* close() on fds that are not open: EBADF when the rule does not match, the mark when it
 * does. expect[i] tells whether probe_fds[i] should match. */
static void check_close_rule(struct oci_seccomp_arg *args, size_t n_args, const long fds[3],
			     const bool expect[3], const char *what)
{
	struct oci_seccomp_syscall rules[] = { ERRNO_RULE(MARK_ERRNO, "close") };
	rules[0].args = args;
	rules[0].n_args = n_args;
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1 };
	memcpy(probe_fds, fds, sizeof probe_fds);
	CHECK(exited_ok(run_child(&s, body_close_probes)));
	for (int i = 0; i < 3; i++) {
		long want = expect[i] ? -MARK_ERRNO : -EBADF;
		if (sh->r[i] != want) {
			fprintf(stderr, "%s: close(%ld) = %ld, want %ld\n", what, fds[i],
				sh->r[i], want);
			CHECK(!"condition");
		}
	}
}

static void test_arg_ops(void)
{
	static const struct {
		enum oci_seccomp_op op;
		const char *name;
		bool expect[3];       /* for 999, 1000, 1001 against value 1000 */
	} cases[] = {
		{ OCI_OP_NE, "NE", { true, false, true } },
		{ OCI_OP_LT, "LT", { true, false, false } },
		{ OCI_OP_LE, "LE", { true, true, false } },
		{ OCI_OP_EQ, "EQ", { false, true, false } },
		{ OCI_OP_GE, "GE", { false, true, true } },
		{ OCI_OP_GT, "GT", { false, false, true } },
	};
	static const long fds[3] = { 999, 1000, 1001 };
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct oci_seccomp_arg a = { .index = 0, .value = 1000, .op = cases[i].op };
		check_close_rule(&a, 1, fds, cases[i].expect, cases[i].name);
	}
	/* value is the mask, valueTwo the value compared after masking. */
	struct oci_seccomp_arg m = { .index = 0, .value = 0xf0, .value_two = 0x30,
				     .op = OCI_OP_MASKED_EQ };
	check_close_rule(&m, 1, (const long[3]){ 0x1030, 0x1040, 0x1131 },
			 (const bool[3]){ true, false, true }, "MASKED_EQ");
}

static void test_same_index_ors(void)
{
	/* Two conditions on one argument: one rule each, so either matches (runc). */
	struct oci_seccomp_arg a[] = {
		{ .index = 0, .value = 500, .op = OCI_OP_EQ },
		{ .index = 0, .value = 501, .op = OCI_OP_EQ },
	};
	check_close_rule(a, 2, (const long[3]){ 500, 501, 502 },
			 (const bool[3]){ true, true, false }, "same index");
}

static void body_dup3(void)
{
	RECORD(0, syscall(SYS_dup3, 900, 901, 0));
	RECORD(1, syscall(SYS_dup3, 900, 902, 0));
	RECORD(2, syscall(SYS_dup3, 899, 901, 0));
}

static void test_args_and(void)
{
	/* Conditions on different arguments all have to match. */
	struct oci_seccomp_arg a[] = {
		{ .index = 0, .value = 900, .op = OCI_OP_EQ },
		{ .index = 1, .value = 901, .op = OCI_OP_EQ },
	};
	struct oci_seccomp_syscall rules[] = { ERRNO_RULE(MARK_ERRNO, "dup3") };
	rules[0].args = a;
	rules[0].n_args = 2;
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1 };
	CHECK(exited_ok(run_child(&s, body_dup3)));
	CHECK(sh->r[0] == -MARK_ERRNO);
	CHECK(sh->r[1] == -EBADF);
	CHECK(sh->r[2] == -EBADF);
}

/* --- default errno with allow lists ------------------------------------------------ */

static void body_pids(void)
{
	RECORD(0, syscall(SYS_getpid));
	RECORD(1, syscall(SYS_getppid));
}

static void test_default_errno_allow_list(void)
{
	struct oci_seccomp_syscall rules[] = {
		RULE(OCI_SCMP_ALLOW, "exit_group", "exit", "rt_sigreturn", "getpid"),
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ERRNO, .syscalls = rules,
				 .n_syscalls = 1 };
	CHECK(exited_ok(run_child(&s, body_pids)));
	CHECK(sh->r[0] > 0);
	CHECK(sh->r[1] == -EPERM);

	s.has_default_errno_ret = true;
	s.default_errno_ret = MARK_ERRNO;
	CHECK(exited_ok(run_child(&s, body_pids)));
	CHECK(sh->r[0] > 0);
	CHECK(sh->r[1] == -MARK_ERRNO);
}

static void body_docker(void)
{
	RECORD(0, syscall(SYS_getpid));
	RECORD(1, syscall(SYS_unshare, CLONE_NEWNS));
	RECORD(2, syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, NULL));
	RECORD(3, syscall(SYS_personality, 0xffffffffUL));
	RECORD(4, syscall(SYS_personality, ADDR_NO_RANDOMIZE));
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		child_exit(0);
	RECORD(5, r);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	/* A plain fork passes the clone flags mask. */
	pid_t pid = fork();
	if (pid == 0)
		child_exit(7);
	int st = 0;
	RECORD(6, waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	RECORD(7, syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
}

static void body_clone3(void)
{
	RECORD(0, syscall(SYS_getpid));
	/* A NULL clone_args pointer: the filter answers before the kernel looks at it. */
	RECORD(1, syscall(SYS_clone3, NULL, 0));
	RECORD(2, syscall(SYS_getppid));
}

/* A profile older than clone3 under a refusing default: libc only falls back to clone on
 * ENOSYS, so clone3 must answer ENOSYS, not the default errno. */
static void test_newer_syscalls_enosys(void)
{
	struct oci_seccomp_syscall rules[] = {
		RULE(OCI_SCMP_ALLOW, "exit_group", "exit", "rt_sigreturn", "getpid"),
	};
	struct oci_seccomp s = { .default_action = OCI_SCMP_ERRNO, .syscalls = rules,
				 .n_syscalls = 1 };
	CHECK(exited_ok(run_child(&s, body_clone3)));
	CHECK(sh->r[0] > 0);
	CHECK(sh->r[1] == -ENOSYS);
	CHECK(sh->r[2] == -EPERM);
	/* A profile that names clone3 keeps its own rule. */
	struct oci_seccomp_syscall rules2[] = {
		RULE(OCI_SCMP_ALLOW, "exit_group", "exit", "rt_sigreturn", "getpid"),
		RULE(OCI_SCMP_ERRNO, "clone3"),
	};
	rules2[1].has_errno_ret = true;
	rules2[1].errno_ret = MARK_ERRNO;
	s.syscalls = rules2;
	s.n_syscalls = 2;
	s.has_default_errno_ret = true;
	s.default_errno_ret = EPERM + 100;
	CHECK(exited_ok(run_child(&s, body_clone3)));
	CHECK(sh->r[1] == -MARK_ERRNO);
}

static void test_docker_profile(void)
{
	struct oci_seccomp s;
	docker_profile(&s);
	CHECK(exited_ok(run_child(&s, body_docker)));
	CHECK(sh->r[0] > 0);
	CHECK(sh->r[1] == -EPERM);
	CHECK(sh->r[2] == -EPERM);
	CHECK(sh->r[3] >= 0);
	CHECK(sh->r[4] == -EPERM);
	CHECK(sh->r[5] == -EPERM);
	CHECK(sh->r[6] == 7);
	CHECK(sh->r[7] == -EACCES);
}

static void body_podman(void)
{
	RECORD(0, syscall(SYS_getpid));
	/* Not in the profile: the default, ENOSYS. Unfiltered, these answer with the size of
	 * the kernel log buffer (or EPERM) and EINVAL (no reboot magic). */
	RECORD(1, syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0));
	RECORD(2, syscall(SYS_reboot, 0, 0, 0, NULL));
	/* Listed denials, EPERM. Unfiltered: the number of filesystem types, and 0. */
	RECORD(3, syscall(SYS_sysfs, 3));
	RECORD(4, syscall(SYS_move_pages, 0, 0UL, NULL, NULL, NULL, 0));
	RECORD(5, syscall(SYS_clone3, NULL, 0));
	RECORD(6, syscall(SYS_unshare, CLONE_NEWNS));
	pid_t pid = fork();
	if (pid == 0)
		child_exit(7);
	int st = 0;
	RECORD(7, waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Podman's shape: defaultErrnoRet ENOSYS for what the profile does not name, EPERM for its
 * explicit denials. */
static void test_podman_profile(void)
{
	struct oci_seccomp s;
	podman_profile(&s);
	CHECK(exited_ok(run_child(&s, body_podman)));
	CHECK(sh->r[0] > 0);
	CHECK(sh->r[1] == -ENOSYS);
	CHECK(sh->r[2] == -ENOSYS);
	CHECK(sh->r[3] == -EPERM);
	CHECK(sh->r[4] == -EPERM);
	CHECK(sh->r[5] == -ENOSYS);
	CHECK(sh->r[6] == -EPERM);
	CHECK(sh->r[7] == 7);
}

/* --- flags ------------------------------------------------------------------------- */

static void test_flags(void)
{
	struct oci_seccomp_syscall rules[] = { ERRNO_RULE(MARK_ERRNO, "getcwd") };
	struct oci_seccomp s = {
		.default_action = OCI_SCMP_ALLOW, .syscalls = rules, .n_syscalls = 1,
		.flags = NAMES("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
			       "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			       "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
		.n_flags = 4,
		.architectures = NAMES("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
		.n_architectures = 3,
	};
	/* WAIT_KILLABLE_RECV without notify rules is dropped, not refused by the kernel. */
	CHECK(exited_ok(run_child(&s, body_getcwd)));
	CHECK(sh->r[0] == -MARK_ERRNO);
}

/* --- notify ------------------------------------------------------------------------ */

#define TEST_STATE "{\"ociVersion\":\"" OCI_SPEC_VERSION "\",\"id\":\"t\",\"status\":\"creating\"," \
		   "\"pid\":1,\"bundle\":\"/b\"}"
#define AGENT_ANSWER 4242

static char agent_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* The container side: load, hand the listener to the agent, then make a notified call. */
static void notify_child(const struct oci_seccomp *s)
{
	struct err e = { 0 };
	int fd = -1;
	char *doc = NULL;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_filter_load(s, &fd, &e) < 0) {
		snprintf(sh->msg, sizeof sh->msg, "load: %s", e.msg);
		child_exit(100);
		return;
	}
	sh->loaded = 1;
	RECORD(1, fd);
	RECORD(2, fcntl(fd, F_GETFD));
	if (seccomp_process_state(TEST_STATE, getpid(), "meta", &doc, &e) < 0 ||
	    seccomp_send_notify(agent_path, fd, doc, &e) < 0) {
		snprintf(sh->msg, sizeof sh->msg, "send: %s", e.msg);
		child_exit(101);
		return;
	}
	free(doc);
	RECORD(0, syscall(SYS_getppid));   /* answered by the agent */
	child_exit(0);
}

/* Wait for fd to be readable while the child lives; false on timeout or child exit. */
static bool wait_readable(int fd, pid_t child)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) == 1)
			return true;
		if (child > 0 && waitpid(child, NULL, WNOHANG) == child)
			return false;
	}
	return false;
}

/* The agent side: one connection carries the state document and the listener fd. */
static int agent_receive(int lsk, pid_t child, char *doc, size_t cap)
{
	if (!wait_readable(lsk, child))
		return -1;
	int c = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = doc, .iov_len = cap - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof ctl.buf };
	ssize_t n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
	int fd = -1;
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	size_t len = n > 0 ? (size_t)n : 0;
	while (n > 0 && len < cap - 1 && (n = read(c, doc + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	doc[len] = '\0';
	close(c);
	return fd;
}

static bool agent_answer(int fd, pid_t child)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	bool ok = false;
	if (seccomp_notify_alloc(&req, &resp) < 0)
		return false;
	if (wait_readable(fd, child) && seccomp_notify_receive(fd, req) == 0) {
		ok = req->pid == (uint32_t)child && req->data.nr == SYS_getppid;
		resp->id = req->id;
		resp->val = AGENT_ANSWER;
		resp->error = 0;
		resp->flags = 0;
		ok = seccomp_notify_respond(fd, resp) == 0 && ok;
	}
	seccomp_notify_free(req, resp);
	return ok;
}

static void run_notify(char **flags, size_t n_flags)
{
	char dir[] = "/tmp/ocirun-seccomp-XXXXXX", doc[4096], want[4096];
	struct oci_seccomp_syscall rules[] = { RULE(OCI_SCMP_NOTIFY, "getppid") };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1, .flags = flags, .n_flags = n_flags,
				 .listener_path = agent_path, .listener_metadata = "meta" };
	CHECK(mkdtemp(dir) != NULL);
	snprintf(agent_path, sizeof agent_path, "%s/agent.sock", dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, agent_path, sizeof agent_path);
	int lsk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(bind(lsk, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lsk, 1) == 0);
	maybe_prepare(&s);
	memset(sh, 0, sizeof *sh);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		notify_child(&s);
	int fd = agent_receive(lsk, pid, doc, sizeof doc);
	CHECK(fd >= 0);
	snprintf(want, sizeof want, "{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
		 "\"metadata\":\"meta\",\"state\":%s}", OCI_SPEC_VERSION, (int)pid, TEST_STATE);
	CHECK_STR(doc, want);
	CHECK(fd >= 0 && agent_answer(fd, pid));
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(exited_ok(st));
	CHECK(sh->r[0] == AGENT_ANSWER);
	CHECK(sh->r[1] >= 0);
	CHECK(sh->r[2] == FD_CLOEXEC);
	if (fd >= 0)
		close(fd);
	close(lsk);
	unlink(agent_path);
	rmdir(dir);
}

static void test_notify(void)
{
	run_notify(NULL, 0);
}

static void test_notify_wait_killable(void)
{
	/* libseccomp 2.5 lacks this flag: the filter goes in through our own seccomp(2). */
	run_notify(NAMES("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC",
			 "SECCOMP_FILTER_FLAG_LOG"), 3);
}

static void test_process_state(void)
{
	struct err e = { 0 };
	char *doc = NULL;
	CHECK(seccomp_process_state("{\"id\":\"x\"}", 42, NULL, &doc, &e) == 0);
	CHECK_STR(doc, "{\"ociVersion\":\"" OCI_SPEC_VERSION "\",\"fds\":[\"seccompFd\"],"
		  "\"pid\":42,\"state\":{\"id\":\"x\"}}");
	free(doc);
	CHECK(seccomp_process_state("{}", 7, "a\"b\\c\n", &doc, &e) == 0);
	CHECK_STR(doc, "{\"ociVersion\":\"" OCI_SPEC_VERSION "\",\"fds\":[\"seccompFd\"],"
		  "\"pid\":7,\"metadata\":\"a\\\"b\\\\c\\n\",\"state\":{}}");
	free(doc);
	CHECK(seccomp_process_state("", 7, NULL, &doc, &e) < 0);
}

static void test_send_notify_no_agent(void)
{
	struct err e = { 0 };
	CHECK(seccomp_send_notify("/nonexistent-ocirun/agent.sock", 0, "{}", &e) < 0);
	CHECK(e.code == ENOENT);
	CHECK(strstr(e.msg, "/nonexistent-ocirun/agent.sock") != NULL);
}

static void test_send_notify_abstract(void)
{
	/* "@name" is an abstract socket, as Go's net.Dial (runc) reads it. */
	char name[64], doc[256];
	snprintf(name, sizeof name, "@ocirun-seccomp-test-%d", (int)getpid());
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path + 1, name + 1, strlen(name));
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	int lsk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(bind(lsk, (struct sockaddr *)&sa, len) == 0 && listen(lsk, 1) == 0);
	int sent = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct err e = { 0 };
	CHECK(seccomp_send_notify(name, sent, "{\"x\":1}", &e) == 0);
	int got = agent_receive(lsk, 0, doc, sizeof doc);
	CHECK_STR(doc, "{\"x\":1}");
	struct stat a, b;
	CHECK(got >= 0 && fstat(got, &a) == 0 && fstat(sent, &b) == 0 &&
	      a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	CHECK(got < 0 || fcntl(got, F_GETFD) == FD_CLOEXEC);
	if (got >= 0)
		close(got);
	close(sent);
	close(lsk);
}

static void test_load_needs_privilege(void)
{
	/* Neither no_new_privs nor CAP_SYS_ADMIN: the kernel says EACCES, and we say why. */
	struct oci_seccomp_syscall rules[] = { ERRNO_RULE(MARK_ERRNO, "getcwd") };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1 };
	memset(sh, 0, sizeof *sh);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct err e = { 0 };
		if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
				       setuid(65534) < 0))
			child_exit(2);
		else if (seccomp_filter_load(&s, NULL, &e) == 0)
			child_exit(1);
		else {
			sh->r[0] = e.code;
			snprintf(sh->msg, sizeof sh->msg, "%s", e.msg);
			child_exit(0);
		}
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(sh->r[0] == EACCES);
	CHECK(strstr(sh->msg, "needs no_new_privs or CAP_SYS_ADMIN") != NULL);
}

/* --- validation -------------------------------------------------------------------- */

struct bad_case {
	const char *want;     /* substring of the error */
	void (*mutate)(struct oci_seccomp *s);
};

static struct oci_seccomp_syscall check_rules[2];
static struct oci_seccomp_arg check_arg;

static char *check_names0[] = { "getcwd", NULL }, *check_names1[] = { "getpid", NULL };

static void base_profile(struct oci_seccomp *s)
{
	check_rules[0] = (struct oci_seccomp_syscall){ .names = check_names0, .n_names = 1,
						       .action = OCI_SCMP_ERRNO };
	check_rules[1] = (struct oci_seccomp_syscall){ .names = check_names1, .n_names = 1,
						       .action = OCI_SCMP_ALLOW };
	*s = (struct oci_seccomp){ .default_action = OCI_SCMP_ALLOW, .syscalls = check_rules,
				   .n_syscalls = 2 };
}

static void m_ret_on_allow(struct oci_seccomp *s)
{
	s->syscalls[1].has_errno_ret = true;
}
static void m_default_ret_on_allow(struct oci_seccomp *s)
{
	s->has_default_errno_ret = true;
	s->default_errno_ret = 1;
}
static void m_errno_too_big(struct oci_seccomp *s)
{
	s->syscalls[0].has_errno_ret = true;
	s->syscalls[0].errno_ret = 5000;
}
static void m_notify_default(struct oci_seccomp *s)
{
	s->default_action = OCI_SCMP_NOTIFY;
	s->listener_path = "/x";
}
static void m_notify_no_listener(struct oci_seccomp *s)
{
	s->syscalls[0].action = OCI_SCMP_NOTIFY;
}
static void m_notify_write(struct oci_seccomp *s)
{
	static char *names[] = { "read", "write", NULL };
	s->syscalls[0] = (struct oci_seccomp_syscall){ .names = names, .n_names = 2,
						       .action = OCI_SCMP_NOTIFY };
	s->listener_path = "/x";
}
static void m_bad_arch(struct oci_seccomp *s)
{
	static char *archs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_FOO", NULL };
	s->architectures = archs;
	s->n_architectures = 2;
}
static void m_bad_flag(struct oci_seccomp *s)
{
	static char *flags[] = { "SECCOMP_FILTER_FLAG_FOO", NULL };
	s->flags = flags;
	s->n_flags = 1;
}
static void m_bad_index(struct oci_seccomp *s)
{
	check_arg = (struct oci_seccomp_arg){ .index = 6, .value = 1, .op = OCI_OP_EQ };
	s->syscalls[0].args = &check_arg;
	s->syscalls[0].n_args = 1;
}
static void m_empty_name(struct oci_seccomp *s)
{
	static char *names[] = { "getppid", "", NULL };
	s->syscalls[1] = (struct oci_seccomp_syscall){ .names = names, .n_names = 2,
						       .action = OCI_SCMP_ERRNO };
}
static void m_no_names(struct oci_seccomp *s)
{
	s->syscalls[1].n_names = 0;
}

static void test_check_errors(void)
{
	static const struct bad_case cases[] = {
		{ "linux.seccomp.syscalls[1].errnoRet: only valid with SCMP_ACT_ERRNO",
		  m_ret_on_allow },
		{ "linux.seccomp.defaultErrnoRet: only valid with", m_default_ret_on_allow },
		{ "linux.seccomp.syscalls[0].errnoRet: 5000 is not an errno", m_errno_too_big },
		{ "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot", m_notify_default },
		{ "linux.seccomp.listenerPath: required", m_notify_no_listener },
		{ "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for the write",
		  m_notify_write },
		{ "linux.seccomp.architectures[1]: unknown", m_bad_arch },
		{ "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"", m_bad_flag },
		{ "linux.seccomp.syscalls[0].args[0].index", m_bad_index },
		{ "linux.seccomp.syscalls[1].names[1]: empty string", m_empty_name },
		{ "linux.seccomp.syscalls[1].names: must contain", m_no_names },
	};
	struct oci_seccomp s;
	struct err e = { 0 };
	base_profile(&s);
	CHECK(seccomp_filter_check(&s, &e) == 0);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		base_profile(&s);
		cases[i].mutate(&s);
		err_clear(&e);
		int r = seccomp_filter_check(&s, &e);
		if (r == 0 || !strstr(e.msg, cases[i].want)) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, e.msg,
				cases[i].want);
			CHECK(!"error message");
		}
	}
}

static void test_load_notify_needs_fd(void)
{
	/* init.c-style callers that pass no notify_fd get an error, not a hang. */
	struct oci_seccomp_syscall rules[] = { RULE(OCI_SCMP_NOTIFY, "getppid") };
	struct oci_seccomp s = { .default_action = OCI_SCMP_ALLOW, .syscalls = rules,
				 .n_syscalls = 1, .listener_path = "/x" };
	int st = run_child(&s, body_getppid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100);
	CHECK(strstr(sh->msg, "forwards the listener fd") != NULL);
}

/* --- compiled programs and their cache ----------------------------------------------- */

static void test_sha256(void)
{
	static const struct { const char *in; const char *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		uint8_t d[SHA256_LEN];
		char hex[65];
		sha256_of(v[i].in, strlen(v[i].in), d);
		for (int k = 0; k < SHA256_LEN; k++)
			snprintf(hex + 2 * k, 3, "%02x", d[k]);
		CHECK_STR(hex, v[i].hex);
	}
	/* a million 'a', fed unevenly */
	struct sha256 c;
	char a[1001];
	memset(a, 'a', sizeof a);
	sha256_begin(&c);
	for (int i = 0; i < 1000; i++)
		sha256_add(&c, a, i % 2 ? 999 : 1001);
	uint8_t d[SHA256_LEN];
	sha256_end(&c, d);
	CHECK(d[0] == 0xcd && d[1] == 0xc7 && d[31] == 0xd0);
}

static char cache_dir_path[64];

static void cache_file(const struct oci_seccomp *s, char *path, size_t cap)
{
	char hex[65];
	CHECK(seccomp_cache_key(s, hex) == 0);
	snprintf(path, cap, "%s/%s.bpf", cache_dir_path, hex);
}

static struct oci_seccomp_syscall cache_rules[] = { ERRNO_RULE(MARK_ERRNO, "mkdir", "mkdirat") };
static const struct oci_seccomp cache_profile = { .default_action = OCI_SCMP_ALLOW,
						  .syscalls = cache_rules, .n_syscalls = 1 };

static void check_cache_profile_enforced(void)
{
	CHECK(exited_ok(run_child(&cache_profile, body_errno)));
	CHECK(sh->r[0] == -MARK_ERRNO && sh->r[1] == -MARK_ERRNO);
}

/* An entry changed on disk (a flipped bit in the program, a truncation) is a miss: the
 * filter is compiled again and the entry replaced, never loaded weakened. */
static void test_cache_corrupt_entry(void)
{
	char path[256];
	cache_file(&cache_profile, path, sizeof path);
	check_cache_profile_enforced();
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size > 100);
	int fd = open(path, O_RDWR);
	unsigned char b = 0;
	CHECK(pread(fd, &b, 1, 80) == 1);
	b ^= 0x10;
	CHECK(pwrite(fd, &b, 1, 80) == 1);
	close(fd);
	check_cache_profile_enforced();
	struct stat st2;
	CHECK(stat(path, &st2) == 0 && st2.st_ino != st.st_ino);   /* replaced */
	CHECK(truncate(path, st.st_size - 8) == 0);
	check_cache_profile_enforced();
	CHECK(stat(path, &st2) == 0 && st2.st_size == st.st_size);
}

/* A symlink in place of an entry is not followed (O_NOFOLLOW); a cache directory others
 * can write to is not used at all. */
static void test_cache_untrusted(void)
{
	char path[256], decoy[300];
	cache_file(&cache_profile, path, sizeof path);
	snprintf(decoy, sizeof decoy, "%s.decoy", path);
	check_cache_profile_enforced();
	CHECK(rename(path, decoy) == 0 && symlink(decoy, path) == 0);
	check_cache_profile_enforced();
	struct stat st;
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));   /* replaced by a real entry */
	unlink(decoy);
	CHECK(unlink(path) == 0);
	CHECK(chmod(cache_dir_path, 0777) == 0);
	check_cache_profile_enforced();
	CHECK(access(path, F_OK) < 0);   /* nothing stored there */
	CHECK(chmod(cache_dir_path, 0700) == 0);
}

/* What a prepared program carries besides its instructions: the load flags. */
static void test_prepared_flags(void)
{
	struct oci_seccomp_syscall rules[] = { ERRNO_RULE(MARK_ERRNO, "getcwd") };
	struct oci_seccomp s = {
		.default_action = OCI_SCMP_ALLOW, .syscalls = rules, .n_syscalls = 1,
		.flags = NAMES("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"), .n_flags = 2,
	};
	struct err e = { 0 };
	struct seccomp_prog p;
	CHECK(seccomp_filter_compile(&s, &p, &e) == 0);
	CHECK(p.len > 0 && p.flags == (SECCOMP_PROG_TSYNC | SECCOMP_PROG_LOG));
	seccomp_prog_free(&p);
	/* a profile of other content never gets the prepared program */
	CHECK(seccomp_filter_prepare(&s, &e) == 0);
	CHECK(seccomp_prepared(&s) != NULL);
	rules[0].errno_ret = EPERM;
	CHECK(seccomp_prepared(&s) == NULL);
}

static void run_behaviour_tests(void)
{
	RUN_TEST(test_errno_rule);
	RUN_TEST(test_kill_process);
	RUN_TEST(test_kill_thread);
	RUN_TEST(test_trap);
	RUN_TEST(test_log_allows);
	RUN_TEST(test_trace_without_tracer);
	RUN_TEST(test_unknown_name_skipped);
	RUN_TEST(test_arg_ops);
	RUN_TEST(test_same_index_ors);
	RUN_TEST(test_args_and);
	RUN_TEST(test_default_errno_allow_list);
	RUN_TEST(test_docker_profile);
	RUN_TEST(test_podman_profile);
	RUN_TEST(test_newer_syscalls_enosys);
	RUN_TEST(test_flags);
	RUN_TEST(test_notify);
	RUN_TEST(test_notify_wait_killable);
}

int main(void)
{
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	run_behaviour_tests();
	RUN_TEST(test_process_state);
	RUN_TEST(test_send_notify_no_agent);
	RUN_TEST(test_send_notify_abstract);
	RUN_TEST(test_load_needs_privilege);
	RUN_TEST(test_check_errors);
	RUN_TEST(test_load_notify_needs_fd);
	RUN_TEST(test_sha256);
	/* Every behaviour again, through prepared programs: compiled (cache misses), then
	 * read from the cache (hits). */
	snprintf(cache_dir_path, sizeof cache_dir_path, "/tmp/ocirun-seccomp-cache-XXXXXX");
	CHECK(mkdtemp(cache_dir_path) != NULL);
	setenv("OCIRUN_SECCOMP_CACHE", cache_dir_path, 1);
	prepare_first = true;
	run_behaviour_tests();
	run_behaviour_tests();
	RUN_TEST(test_cache_corrupt_entry);
	RUN_TEST(test_cache_untrusted);
	RUN_TEST(test_prepared_flags);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", cache_dir_path);
	CHECK(system(cmd) == 0);
	UNIT_DONE();
}
