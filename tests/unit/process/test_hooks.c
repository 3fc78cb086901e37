/* linux/hooks.c with shell-script hooks: stdin, argv, env, exit status and stderr in the
 * error, timeout, hooks that ignore stdin, fds that must not leak. No root needed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "linux/hooks.h"
#include "tests/unit/unit.h"
#include "tests/unit/process/child.h"

static char dir[] = "/tmp/ocirun-hooks-XXXXXX";

static char *path_in(const char *name)
{
	static char buf[4][300];
	static int i;
	char *p = buf[i++ % 4];
	snprintf(p, 300, "%s/%s", dir, name);
	return p;
}

static void write_script(const char *name, const char *body)
{
	char *p = path_in(name);
	FILE *f = fopen(p, "we");
	if (!f)
		return;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(p, 0755);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return strdup("");
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_stdin_args_env(void)
{
	write_script("dump", "cat > \"$1\"; env > \"$2\"; echo \"$#|$3\" > \"$1.argv\"");
	char out[300], envf[300], argvf[320];
	snprintf(out, sizeof out, "%s", path_in("state.out"));
	snprintf(envf, sizeof envf, "%s", path_in("env.out"));
	snprintf(argvf, sizeof argvf, "%s.argv", out);
	char *args[] = { "dump", out, envf, "third arg", NULL };
	char *env[] = { "FOO=bar", "EMPTY=", "PATH=/usr/bin:/bin", NULL };
	struct oci_hook h = { .path = path_in("dump"), .args = args, .n_args = 4, .env = env, .n_env = 3 };
	struct oci_hook_list l = { &h, 1 };
	const char *state = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\"}";
	struct err e = { 0 };
	CHECK(hooks_run(&l, "createRuntime", state, &e) == 0);
	char *got = slurp(out);
	CHECK_STR(got, state);
	free(got);
	got = slurp(argvf);
	CHECK_STR(got, "3|third arg\n");
	free(got);
	/* Exactly the hook's env: ours (HOME, ...) does not leak in. sh may add PWD. */
	got = slurp(envf);
	CHECK(strstr(got, "FOO=bar\n") != NULL);
	CHECK(strstr(got, "EMPTY=\n") != NULL);
	CHECK(strstr(got, "PATH=/usr/bin:/bin\n") != NULL);
	CHECK(strstr(got, "HOME=") == NULL);
	free(got);
}

/* args[0] is argv[0], not the path: a script loses it to the #! line, so run the shell
 * binary itself and read its own command line. */
static void test_argv0(void)
{
	char script[400];
	snprintf(script, sizeof script, "tr '\\0' ' ' < /proc/$$/cmdline > %s", path_in("argv0.out"));
	char *args[] = { "custom-argv0", "-c", script, NULL };
	char *env[] = { "PATH=/usr/bin:/bin", NULL };
	struct oci_hook h = { .path = "/bin/sh", .args = args, .n_args = 3, .env = env, .n_env = 1 };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	CHECK(hooks_run(&l, "createRuntime", "{}", &e) == 0);
	char *got = slurp(path_in("argv0.out"));
	CHECK(strncmp(got, "custom-argv0 -c ", 16) == 0);
	free(got);
}

/* No args: argv[0] is the path; no env: empty environment. */
static void test_defaults(void)
{
	char body[600];
	snprintf(body, sizeof body, "echo \"$0 $#\" > %s; /usr/bin/env > %s",
		 path_in("defaults.out"), path_in("defaults.env"));
	write_script("defaults", body);
	struct oci_hook h = { .path = path_in("defaults") };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	CHECK(hooks_run(&l, "poststart", NULL, &e) == 0);
	char want[400];
	snprintf(want, sizeof want, "%s 0\n", path_in("defaults"));
	char *got = slurp(path_in("defaults.out"));
	CHECK_STR(got, want);
	free(got);
	got = slurp(path_in("defaults.env"));
	CHECK(strstr(got, "HOME=") == NULL && strstr(got, "USER=") == NULL);
	free(got);
}

static void test_exit_status_quotes_stderr(void)
{
	write_script("ok", "exit 0");
	write_script("fail", "echo some stdout; echo 'first line' >&2; echo 'bad thing happened' >&2; exit 3");
	struct oci_hook hs[2] = { { .path = path_in("ok") }, { .path = path_in("fail") } };
	struct oci_hook_list l = { hs, 2 };
	struct err e = { 0 };
	CHECK(hooks_run(&l, "createRuntime", "{}", &e) < 0);
	char want[600];
	snprintf(want, sizeof want, "createRuntime hook #1 (%s): exit status 3: first line\nbad thing happened",
		 path_in("fail"));
	CHECK_STR(e.msg, want);

	/* Stops at the first failure: the third hook must not run. */
	write_script("marker", "touch \"$0.ran\"");
	struct oci_hook hs3[3] = { { .path = path_in("ok") }, { .path = path_in("fail") }, { .path = path_in("marker") } };
	struct oci_hook_list l3 = { hs3, 3 };
	CHECK(hooks_run(&l3, "poststop", "{}", &e) < 0);
	CHECK(access(path_in("marker.ran"), F_OK) < 0);

	/* No stderr: nothing after the status. */
	write_script("quiet", "exit 7");
	struct oci_hook q = { .path = path_in("quiet") };
	struct oci_hook_list lq = { &q, 1 };
	CHECK(hooks_run(&lq, "startContainer", "{}", &e) < 0);
	snprintf(want, sizeof want, "startContainer hook #0 (%s): exit status 7", path_in("quiet"));
	CHECK_STR(e.msg, want);
}

/* Only the tail of a long stderr is quoted, from a line start. */
static void test_long_stderr_tail(void)
{
	write_script("noisy", "i=0; while [ $i -lt 2000 ]; do echo \"line $i\" >&2; i=$((i+1)); done; exit 1");
	struct oci_hook h = { .path = path_in("noisy") };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	CHECK(hooks_run(&l, "prestart", "{}", &e) < 0);
	CHECK(strstr(e.msg, ": exit status 1: line ") != NULL);
	size_t n = strlen(e.msg);
	CHECK(n > 9 && strcmp(e.msg + n - 9, "line 1999") == 0);
	CHECK(strstr(e.msg, "line 1000\n") == NULL);
	CHECK(n < 1400);
}

static void test_signal(void)
{
	write_script("selfkill", "echo dying >&2; kill -SEGV $$");
	struct oci_hook h = { .path = path_in("selfkill") };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	CHECK(hooks_run(&l, "poststart", "{}", &e) < 0);
	char want[600];
	snprintf(want, sizeof want, "poststart hook #0 (%s): killed by signal 11 (SIGSEGV): dying", path_in("selfkill"));
	CHECK_STR(e.msg, want);
}

static void test_timeout(void)
{
	/* Not exec'd: sleep is a grandchild that keeps our stdout/stderr pipes open after the
	 * hook is killed; that must not hold us either. */
	write_script("slow", "echo started >&2; sleep 30; echo never");
	struct oci_hook h = { .path = path_in("slow"), .has_timeout = true, .timeout = 1 };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	double t0 = now_s();
	CHECK(hooks_run(&l, "createContainer", "{}", &e) < 0);
	double dt = now_s() - t0;
	CHECK(dt >= 0.9 && dt < 5);
	char want[600];
	snprintf(want, sizeof want, "createContainer hook #0 (%s): timed out after 1 s: started", path_in("slow"));
	CHECK_STR(e.msg, want);
	CHECK(e.code == ETIMEDOUT);
}

/* A hook that never reads stdin, given a state much larger than a pipe buffer: neither a
 * SIGPIPE (hook already gone) nor a blocked write (hook still running) may hurt us. */
static void test_ignores_large_stdin(void)
{
	size_t big = 4 << 20;
	char *state = malloc(big + 1);
	memset(state, 'x', big);
	state[big] = '\0';
	write_script("quick", "exit 0");
	write_script("sleeper", "sleep 1; exit 0");
	write_script("closer", "exec 0<&-; sleep 0.3; exit 0");
	write_script("partial", "head -c 10 > /dev/null; exit 0");
	const char *names[] = { "quick", "sleeper", "closer", "partial" };
	for (size_t i = 0; i < 4; i++) {
		struct oci_hook h = { .path = path_in(names[i]), .has_timeout = true, .timeout = 10 };
		struct oci_hook_list l = { &h, 1 };
		struct err e = { 0 };
		double t0 = now_s();
		int rc = hooks_run(&l, "createRuntime", state, &e);
		CHECK(rc == 0);
		if (rc < 0)
			fprintf(stderr, "  %s: %s\n", names[i], e.msg);
		CHECK(now_s() - t0 < 8);
	}
	/* And SIGPIPE is neither pending nor blocked afterwards. */
	sigset_t s;
	sigpending(&s);
	CHECK(!sigismember(&s, SIGPIPE));
	sigprocmask(SIG_BLOCK, NULL, &s);
	CHECK(!sigismember(&s, SIGPIPE));
	free(state);
}

/* A hook that reads everything gets everything, even when large. */
static void test_large_stdin_read(void)
{
	size_t big = 1 << 20;
	char *state = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		state[i] = (char)('a' + i % 26);
	state[big] = '\0';
	char body[400];
	snprintf(body, sizeof body, "cat > %s", path_in("big.out"));
	write_script("reader", body);
	struct oci_hook h = { .path = path_in("reader") };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	CHECK(hooks_run(&l, "createRuntime", state, &e) == 0);
	char *got = slurp(path_in("big.out"));
	CHECK(strlen(got) == big && memcmp(got, state, big) == 0);
	free(got);
	free(state);
}

/* A descriptor we leak by mistake (no O_CLOEXEC) must not reach the hook. */
static void test_no_fd_leak(void)
{
	int leaked = open("/dev/null", O_RDONLY);  /* deliberately without O_CLOEXEC */
	int high = fcntl(leaked, F_DUPFD, 100);
	char n1[16], n2[16];
	snprintf(n1, sizeof n1, "%d", leaked);
	snprintf(n2, sizeof n2, "%d", high);
	write_script("fds", "for n in \"$1\" \"$2\"; do [ -e /proc/$$/fd/$n ] && { echo \"fd $n leaked\" >&2; exit 5; }; done; exit 0");
	char *args[] = { "fds", n1, n2, NULL };
	struct oci_hook h = { .path = path_in("fds"), .args = args, .n_args = 3 };
	struct oci_hook_list l = { &h, 1 };
	struct err e = { 0 };
	int rc = hooks_run(&l, "createRuntime", "{}", &e);
	CHECK(rc == 0);
	if (rc < 0)
		fprintf(stderr, "  %s\n", e.msg);
	close(leaked);
	close(high);
}

static void test_exec_failures(void)
{
	struct err e = { 0 };
	char want[600];
	struct oci_hook missing = { .path = path_in("does-not-exist") };
	struct oci_hook_list l = { &missing, 1 };
	CHECK(hooks_run(&l, "createRuntime", "{}", &e) < 0);
	snprintf(want, sizeof want, "createRuntime hook #0 (%s): exec: No such file or directory", missing.path);
	CHECK_STR(e.msg, want);
	CHECK(e.code == ENOENT);

	char *p = path_in("not-exec");
	FILE *f = fopen(p, "we");
	if (f) {
		fputs("#!/bin/sh\nexit 0\n", f);
		fclose(f);
	}
	chmod(p, 0644);
	struct oci_hook noexec = { .path = p };
	l.hooks = &noexec;
	CHECK(hooks_run(&l, "poststop", "{}", &e) < 0);
	snprintf(want, sizeof want, "poststop hook #0 (%s): exec: Permission denied", p);
	CHECK_STR(e.msg, want);

	struct oci_hook rel = { .path = "relative/hook" };
	l.hooks = &rel;
	CHECK(hooks_run(&l, "poststop", "{}", &e) < 0);
	CHECK_STR(e.msg, "poststop hook #0: path \"relative/hook\" is not absolute");
}

/* Kernels before 5.3 have no pidfd_open: the loop then looks at the child every 10 ms.
 * Simulated with a seccomp filter answering ENOSYS, in a child. */
static void child_no_pidfd(FILE *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(pidfd_open), 0) < 0 ||
	    seccomp_load(ctx) < 0) {
		fprintf(out, "seccomp setup failed\n");
		return;
	}
	seccomp_release(ctx);
	struct err e = { 0 };
	struct oci_hook ok = { .path = path_in("ok") };
	struct oci_hook_list l = { &ok, 1 };
	report_rc(out, hooks_run(&l, "createRuntime", "{}", &e), &e);
	struct oci_hook fail = { .path = path_in("quiet") };
	l.hooks = &fail;
	report_rc(out, hooks_run(&l, "createRuntime", "{}", &e), &e);
	struct oci_hook slow = { .path = path_in("slow"), .has_timeout = true, .timeout = 1 };
	l.hooks = &slow;
	double t0 = now_s();
	report_rc(out, hooks_run(&l, "createRuntime", "{}", &e), &e);
	fprintf(out, "fast=%d\n", now_s() - t0 < 5);
}

static void test_without_pidfd(void)
{
	char *r = run_in_child(child_no_pidfd);
	char want[600];
	CHECK_LINE(r, "rc=0");
	snprintf(want, sizeof want, "err=createRuntime hook #0 (%s): exit status 7", path_in("quiet"));
	CHECK_LINE(r, want);
	snprintf(want, sizeof want, "err=createRuntime hook #0 (%s): timed out after 1 s: started", path_in("slow"));
	CHECK_LINE(r, want);
	CHECK_LINE(r, "fast=1");
	free(r);
}

static void test_empty_lists(void)
{
	struct err e = { 0 };
	struct oci_hook_list empty = { NULL, 0 };
	CHECK(hooks_run(&empty, "prestart", "{}", &e) == 0);
	CHECK(hooks_run(NULL, "prestart", "{}", &e) == 0);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN_TEST(test_stdin_args_env);
	RUN_TEST(test_argv0);
	RUN_TEST(test_defaults);
	RUN_TEST(test_exit_status_quotes_stderr);
	RUN_TEST(test_long_stderr_tail);
	RUN_TEST(test_signal);
	RUN_TEST(test_timeout);
	RUN_TEST(test_ignores_large_stdin);
	RUN_TEST(test_large_stdin_read);
	RUN_TEST(test_no_fd_leak);
	RUN_TEST(test_exec_failures);
	RUN_TEST(test_without_pidfd);
	RUN_TEST(test_empty_lists);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
	UNIT_DONE();
}
