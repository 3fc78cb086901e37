#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "oci/spec_default.h"
#include "util/cleanup.h"

static const char *bundle;
static bool rootless;

static int run(struct global *g, int argc, char **argv)
{
	(void)g, (void)argc, (void)argv;
	struct err e;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/config.json", bundle && *bundle ? bundle : ".");
	if (access(path, F_OK) == 0) {
		err_set(&e, 0, "File %s exists. Remove it first", path);
		return cmd_fail(&e);
	}
	_cleanup_free_ char *text = oci_default_spec(rootless);
	if (!text)
		return err_set(&e, ENOMEM, "spec"), cmd_fail(&e);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return err_sys(&e, "create %s", path), cmd_fail(&e);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		return err_sys(&e, "write %s", path), cmd_fail(&e);
	return 0;
}

static const struct opt opts[] = {
	{ "bundle", "b", OPT_STRING, &bundle, "value", "path to the root of the bundle directory" },
	{ "rootless", NULL, OPT_BOOL, &rootless, NULL, "generate a configuration for a rootless container" },
	{ NULL },
};

const struct cmd cmd_spec = {
	.name = "spec", .summary = "create a new specification file", .opts = opts,
	.help = "DESCRIPTION:\n"
		"   The spec command writes a starter configuration file, \"config.json\", into the\n"
		"bundle directory (the current one unless --bundle). It runs \"sh\" in the root\n"
		"filesystem \"rootfs\" of the bundle; edit process.args and the rest to taste.\n"
		"With --rootless it writes a configuration for a container started without root.\n\n"
		"EXAMPLE:\n"
		"   To run a shell in a busybox root filesystem:\n\n"
		"       # mkdir -p bundle/rootfs && cd bundle\n"
		"       # (unpack an image into rootfs)\n"
		"       # ocirun spec\n"
		"       # ocirun run shell1\n",
	.stop_after = -1, .min_args = 0, .max_args = 0, .run = run,
};
