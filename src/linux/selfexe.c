#include "linux/selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/log.h"

extern char **environ;

int selfexe_ensure_readonly(char **argv, struct err *e)
{
	_cleanup_close_ int self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (self < 0)
		return err_sys(e, "open /proc/self/exe");
	struct statvfs sv;
	if (fstatvfs(self, &sv) < 0)
		return err_sys(e, "statfs /proc/self/exe");
	if (sv.f_flag & ST_RDONLY)
		return 0;   /* installed on a read-only mount, or already re-executed */
	_cleanup_close_ int tree = (int)syscall(SYS_open_tree, self, "",
						AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return err_sys(e, "clone a mount of the runtime binary");
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
		return err_sys(e, "make the runtime binary's mount read-only");
	/* The detached mount lives as long as something references it: our exe after this. */
	syscall(SYS_execveat, tree, "", argv, environ, AT_EMPTY_PATH);
	return err_sys(e, "re-exec the runtime from its read-only mount");
}
