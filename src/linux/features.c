/* The Linux half of the features document: what this build implements (mount options,
 * cgroup managers, LSMs, memory policies), and which seccomp flags work with this kernel
 * and libseccomp (the one part the spec lets depend on the host). */
#include "linux/features.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/criu.h"
#include "linux/process.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The spec's mount option table (config.md), every one implemented by linux/mounts.c as a
 * mount flag, propagation, recursive attribute, tmpcopyup or idmap (tests/unit/linux checks
 * that each is recognized). */
static const char *const mount_options[] = {
	"acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"idmap", "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev",
	"nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
	"nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev",
	"rdiratime", "relatime", "remount", "rexec", "ridmap", "rnoatime", "rnodev",
	"rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared",
	"rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent",
	"slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable", NULL,
};

const char *const *linux_features_mount_options(void)
{
	return mount_options;
}

/* The kernel checks the flags before it reads the (NULL) program: EFAULT means the flags
 * passed, EINVAL that it does not know one. Nothing is installed either way. */
static bool kernel_knows_seccomp_flags(unsigned long flags)
{
	errno = 0;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

/* What linux/seccomp.c can set: through libseccomp attributes (which need its API level)
 * for the first three; WAIT_KILLABLE_RECV it passes to seccomp(2) itself, with a
 * listener, so only the kernel matters. */
static void seccomp_supported_flags(struct oci_features *f)
{
	const int api = (int)seccomp_api_get();
	const struct {
		const char *name;
		unsigned long flags;
		int min_api;
	} probes[] = {
		{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, 2 },
		{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, 3 },
		{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, 4 },
		{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
		  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, 0 },
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		if (api >= probes[i].min_api && kernel_knows_seccomp_flags(probes[i].flags))
			f->seccomp.supported_flags[n++] = probes[i].name;
	f->seccomp.supported_flags[n] = NULL;
}

/* The architectures of the config's list that this libseccomp knows ("SCMP_ARCH_X86_64"
 * is its "x86_64"): linux/seccomp.c cannot build a filter for the others. */
static void seccomp_archs(struct oci_features *f)
{
	static const char *archs[OCI_FEATURES_MAX_NAMES];
	size_t n = 0;
	for (const char *const *a = f->seccomp.archs; a && *a && n + 1 < OCI_FEATURES_MAX_NAMES; a++) {
		char name[32];
		size_t i = 0;
		for (const char *s = *a + strlen("SCMP_ARCH_"); *s && i + 1 < sizeof name; s++)
			name[i++] = (char)tolower((unsigned char)*s);
		name[i] = '\0';
		if (seccomp_arch_resolve_name(name) != 0)
			archs[n++] = *a;
	}
	archs[n] = NULL;
	f->seccomp.archs = archs;
}

void linux_features_fill(struct oci_features *f)
{
	static char libseccomp_version[32];
	static char criu_what[512];
	const struct scmp_version *v = seccomp_version();
	f->mount_options = mount_options;
	/* cgroups/: v1, hybrid and unified drivers, rdma limits; no systemd driver yet. */
	f->cgroup.v1 = true;
	f->cgroup.v2 = true;
	f->cgroup.rdma = true;
	f->seccomp.enabled = true;
	seccomp_archs(f);
	seccomp_supported_flags(f);
	/* linux/lsm.c: the AppArmor exec profile. SELinux: the process label is set but
	 * linux.mountLabel is not applied to mounts, so SELinux is not claimed. */
	f->apparmor = true;
	f->mpol_modes = process_mempolicy_names(false);
	f->mpol_flags = process_mempolicy_names(true);
	/* Refused at create: linux.intelRdt. */
	f->intel_rdt.enabled = false;
	f->idmap_mounts = true;  /* linux/idmap.c: bind mounts with uid/gidMappings */
	f->net_devices = true;   /* linux/netdev.c */
	snprintf(libseccomp_version, sizeof libseccomp_version, "%u.%u.%u", v->major, v->minor,
		 v->micro);
	f->annotations[f->n_annotations++] = (struct oci_kv){
		.key = (char *)"io.github.seccomp.libseccomp.version", .value = libseccomp_version };
	/* What runc's callers look for before they try `checkpoint`. */
	f->annotations[f->n_annotations++] = (struct oci_kv){
		.key = (char *)"org.opencontainers.runc.checkpoint.enabled",
		.value = (char *)(criu_available(NULL, criu_what, sizeof criu_what) ? "true" : "false") };
}
