/* Compact versions of the engines' default profiles.
 *
 * Docker's (moby profiles/seccomp/default.json): deny by default with EPERM, a long allow list that includes names from other architectures'
 * tables and a name libseccomp does not know, personality allowed for a few personas,
 * clone allowed without namespace flags, clone3 answered ENOSYS so libc falls back to clone.
 * Added for the test: unshare and mount denied with the default's own errno (the rule is
 * redundant and skipped), and ptrace denied with a different errno. */
#include "engine_profiles.h"

#include <errno.h>
#include <stddef.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char *allowed[] = {
	"accept", "accept4", "access", "alarm", "bind", "brk", "capget", "capset", "chdir",
	"chmod", "chown", "clock_getres", "clock_gettime", "clock_nanosleep", "close",
	"connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fallocate", "fchdir", "fchmod", "fchmodat", "fchown", "fchownat", "fcntl", "fdatasync",
	"fgetxattr", "flock", "fork", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
	"getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups",
	"getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
	"getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage",
	"getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getxattr",
	"ioctl", "kill", "lchown", "lgetxattr", "link", "linkat", "listen", "lseek", "lstat",
	"madvise", "memfd_create", "mkdir", "mkdirat", "mmap", "mprotect", "mremap", "munmap",
	"nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pipe", "pipe2", "poll",
	"ppoll", "prctl", "pread64", "preadv", "prlimit64", "pselect6", "pwrite64", "pwritev",
	"read", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "rename",
	"renameat", "renameat2", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"sched_getaffinity", "sched_yield", "select", "sendfile", "sendmmsg", "sendmsg", "sendto",
	"setgid", "setgroups", "setitimer", "setpgid", "setresgid", "setresuid", "setsid",
	"setsockopt", "set_robust_list", "set_tid_address", "setuid", "shutdown", "sigaltstack",
	"socket", "socketpair", "stat", "statfs", "statx", "symlink", "symlinkat", "sysinfo",
	"tgkill", "time", "timer_create", "timer_delete", "timer_settime", "timerfd_create",
	"timerfd_settime", "tkill", "truncate", "umask", "uname", "unlink", "unlinkat", "utime",
	"utimensat", "utimes", "vfork", "wait4", "waitid", "write", "writev",
	/* Other architectures' syscalls, and one newer than any libseccomp: skipped or
	 * mapped per architecture, never an error. */
	"socketcall", "_llseek", "ugetrlimit", "stat64", "fstat64", "mmap2", "send", "recv",
	"arm_fadvise64_64", "waitpid", "sigreturn", "ocirun_future_syscall",
	NULL,
};

static struct oci_seccomp_arg persona[] = {
	{ .index = 0, .value = 0x0, .op = OCI_OP_EQ },
	{ .index = 0, .value = 0x8, .op = OCI_OP_EQ },
	{ .index = 0, .value = 0x20000, .op = OCI_OP_EQ },
	{ .index = 0, .value = 0x20008, .op = OCI_OP_EQ },
	{ .index = 0, .value = 0xffffffff, .op = OCI_OP_EQ },
};

/* CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
 * | CLONE_NEWCGROUP must all be clear. */
static struct oci_seccomp_arg clone_no_ns = {
	.index = 0, .value = 0x7e020000, .value_two = 0, .op = OCI_OP_MASKED_EQ,
};

static char *personality_name[] = { "personality", NULL };
static char *clone_name[] = { "clone", NULL };
static char *clone3_name[] = { "clone3", NULL };
static char *denied[] = { "unshare", "mount", NULL };
static char *ptrace_name[] = { "ptrace", NULL };
static char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };

static struct oci_seccomp_syscall rules[] = {
	{ .names = allowed, .n_names = ARRAY_LEN(allowed) - 1, .action = OCI_SCMP_ALLOW },
	/* Several values for one argument: one rule per value (see seccomp.c). */
	{ .names = personality_name, .n_names = 1, .action = OCI_SCMP_ALLOW, .args = persona,
	  .n_args = ARRAY_LEN(persona) },
	{ .names = clone_name, .n_names = 1, .action = OCI_SCMP_ALLOW, .args = &clone_no_ns,
	  .n_args = 1 },
	{ .names = clone3_name, .n_names = 1, .action = OCI_SCMP_ERRNO, .has_errno_ret = true,
	  .errno_ret = ENOSYS },
	{ .names = denied, .n_names = 2, .action = OCI_SCMP_ERRNO, .has_errno_ret = true,
	  .errno_ret = EPERM },
	{ .names = ptrace_name, .n_names = 1, .action = OCI_SCMP_ERRNO, .has_errno_ret = true,
	  .errno_ret = EACCES },
};

void docker_profile(struct oci_seccomp *s)
{
	*s = (struct oci_seccomp){
		.default_action = OCI_SCMP_ERRNO,
		.has_default_errno_ret = true,
		.default_errno_ret = EPERM,
		.architectures = archs,
		.n_architectures = ARRAY_LEN(archs) - 1,
		.syscalls = rules,
		.n_syscalls = ARRAY_LEN(rules),
	};
}

/* Podman's (containers/common pkg/seccomp/seccomp.json) differs in what an unknown syscall
 * gets: ENOSYS (defaultErrnoRet 38), so that programs probing for a newer syscall fall back,
 * while a first rule denies a list of known, dangerous or obsolete ones with EPERM (errnoRet
 * 1). The allow list is Docker's above. As the engine resolves its caps-dependent rules for a
 * container without CAP_SYS_ADMIN: clone without namespace flags, clone3 ENOSYS, and mount,
 * umount2 and unshare EPERM. Names of other architectures (bdflush, nice, vm86...) are part
 * of the real list and must be skipped on x86_64. */
static char *podman_denied[] = {
	"bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "migrate_pages",
	"move_pages", "nfsservctl", "nice", "oldfstat", "oldlstat", "oldolduname", "oldstat",
	"olduname", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "sgetmask",
	"ssetmask", "swapoff", "swapon", "sysfs", "uselib", "userfaultfd", "ustat", "vm86",
	"vm86old", "vmsplice", NULL,
};
static char *podman_no_admin[] = { "mount", "umount2", "unshare", NULL };

static struct oci_seccomp_syscall podman_rules[] = {
	{ .names = podman_denied, .n_names = ARRAY_LEN(podman_denied) - 1,
	  .action = OCI_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = EPERM },
	{ .names = allowed, .n_names = ARRAY_LEN(allowed) - 1, .action = OCI_SCMP_ALLOW },
	{ .names = personality_name, .n_names = 1, .action = OCI_SCMP_ALLOW, .args = persona,
	  .n_args = ARRAY_LEN(persona) },
	{ .names = clone_name, .n_names = 1, .action = OCI_SCMP_ALLOW, .args = &clone_no_ns,
	  .n_args = 1 },
	{ .names = clone3_name, .n_names = 1, .action = OCI_SCMP_ERRNO, .has_errno_ret = true,
	  .errno_ret = ENOSYS },
	{ .names = podman_no_admin, .n_names = ARRAY_LEN(podman_no_admin) - 1,
	  .action = OCI_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = EPERM },
};

void podman_profile(struct oci_seccomp *s)
{
	*s = (struct oci_seccomp){
		.default_action = OCI_SCMP_ERRNO,
		.has_default_errno_ret = true,
		.default_errno_ret = ENOSYS,
		.architectures = archs,
		.n_architectures = ARRAY_LEN(archs) - 1,
		.syscalls = podman_rules,
		.n_syscalls = ARRAY_LEN(podman_rules),
	};
}
