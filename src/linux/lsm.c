#include "linux/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "util/cleanup.h"

bool lsm_apparmor_enabled(void)
{
	char c = 0;
	_cleanup_close_ int fd = open("/sys/module/apparmor/parameters/enabled",
				      O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

bool lsm_selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

int lsm_validate(const struct oci_process *p, struct err *e)
{
	if (p->apparmor_profile && *p->apparmor_profile && !lsm_apparmor_enabled())
		return err_set(e, EINVAL, "process.apparmorProfile: \"%s\" asked for, but "
			       "AppArmor is not enabled on this system", p->apparmor_profile);
	/* runc refuses a process label without SELinux (a mountLabel is merely unused). */
	if (p->selinux_label && *p->selinux_label && !lsm_selinux_enabled())
		return err_set(e, EINVAL, "process.selinuxLabel: selinux label is specified in "
			       "config, but selinux is disabled or not supported");
	return 0;
}

static int write_attr(const char *rel, const char *value, const char *field, struct err *e)
{
	_cleanup_close_ int proc = procfs_open("/proc", e);
	if (proc < 0)
		return err_wrap(e, "%s", field);
	_cleanup_close_ int fd = procfs_openat(proc, rel, O_WRONLY, e);
	if (fd < 0)
		return err_wrap(e, "%s", field);
	size_t len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len)
		return err_sys(e, "%s: write /proc/%s", field, rel);
	return 0;
}

int lsm_apply(const struct oci_process *p, struct err *e)
{
	if (p->apparmor_profile && *p->apparmor_profile) {
		char buf[4096];
		snprintf(buf, sizeof buf, "exec %s", p->apparmor_profile);
		/* The LSM-specific file first (kernels with stacked LSMs), then the legacy one. */
		if (write_attr("thread-self/attr/apparmor/exec", buf, "process.apparmorProfile", e) < 0 &&
		    write_attr("thread-self/attr/exec", buf, "process.apparmorProfile", e) < 0)
			return -1;
	}
	if (p->selinux_label && *p->selinux_label)
		return write_attr("thread-self/attr/exec", p->selinux_label,
				  "process.selinuxLabel", e);
	return 0;
}
