#include "linux/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
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

int procfs_openat(int proc_fd, const char *rel, int flags, struct err *e)
{
	int fd = openat(proc_fd, rel, flags | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(e, "open /proc/%s", rel);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return err_set(e, EINVAL, "/proc/%s is not on procfs", rel);
	}
	return fd;
}
