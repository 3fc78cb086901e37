#include "linux/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

int procfs_open(const char *path, struct err *e)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return err_sys(e, "statfs %s", path);
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return err_set(e, EINVAL, "%s is not a procfs", path);
	/* The root of a procfs has inode 1; a bind of a subdirectory would not. */
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat %s", path);
	if (st.st_ino != 1)
		return err_set(e, EINVAL, "%s is not the root of a procfs", path);
	return steal_fd(&fd);
}

int procfs_open_beneath(int proc_fd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, proc_fd, rel, &how, sizeof how);
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
	/* openat2 is missing (< 5.6) or filtered by a seccomp profile: the caller verified
	 * proc_fd, O_NOFOLLOW refuses a symlinked final component, and the file must at least
	 * be on a procfs (an overmount from another procfs is not caught here). */
	fd = openat(proc_fd, rel, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	struct statfs sfs;
	if (fd >= 0 && (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

int procfs_openat(int proc_fd, const char *rel, int flags, struct err *e)
{
	int fd = procfs_open_beneath(proc_fd, rel, flags);
	if (fd < 0 && errno == EXDEV)
		return err_sys(e, "open /proc/%s: a mount point is on the way (an over-mounted "
			       "procfs file is refused)", rel);
	if (fd < 0)
		return err_sys(e, "open /proc/%s", rel);
	return fd;
}
