/* The config.json that `spec` writes. Engines and users diff it against runc's, so it is the
 * exact text runc 1.1 writes (Go's json.MarshalIndent with a tab, no trailing newline),
 * including runc's "1.0.2-dev" ociVersion. jansson only indents with spaces, so the document
 * is a literal; the two variants differ in four places, filled in by the format below. */
#include "oci/spec_default.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SPEC_HEAD \
	"{\n" \
	"\t\"ociVersion\": \"1.0.2-dev\",\n" \
	"\t\"process\": {\n" \
	"\t\t\"terminal\": true,\n" \
	"\t\t\"user\": {\n" \
	"\t\t\t\"uid\": 0,\n" \
	"\t\t\t\"gid\": 0\n" \
	"\t\t},\n" \
	"\t\t\"args\": [\n" \
	"\t\t\t\"sh\"\n" \
	"\t\t],\n" \
	"\t\t\"env\": [\n" \
	"\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n" \
	"\t\t\t\"TERM=xterm\"\n" \
	"\t\t],\n" \
	"\t\t\"cwd\": \"/\",\n" \
	"\t\t\"capabilities\": {\n" \
	SPEC_CAPS("bounding") ",\n" \
	SPEC_CAPS("effective") ",\n" \
	SPEC_CAPS("permitted") ",\n" \
	SPEC_CAPS("ambient") "\n" \
	"\t\t},\n" \
	"\t\t\"rlimits\": [\n" \
	"\t\t\t{\n" \
	"\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n" \
	"\t\t\t\t\"hard\": 1024,\n" \
	"\t\t\t\t\"soft\": 1024\n" \
	"\t\t\t}\n" \
	"\t\t],\n" \
	"\t\t\"noNewPrivileges\": true\n" \
	"\t},\n" \
	"\t\"root\": {\n" \
	"\t\t\"path\": \"rootfs\",\n" \
	"\t\t\"readonly\": true\n" \
	"\t},\n" \
	"\t\"hostname\": \"runc\",\n" \
	"\t\"mounts\": [\n" \
	"\t\t{\n" \
	"\t\t\t\"destination\": \"/proc\",\n" \
	"\t\t\t\"type\": \"proc\",\n" \
	"\t\t\t\"source\": \"proc\"\n" \
	"\t\t},\n" \
	"\t\t{\n" \
	"\t\t\t\"destination\": \"/dev\",\n" \
	"\t\t\t\"type\": \"tmpfs\",\n" \
	"\t\t\t\"source\": \"tmpfs\",\n" \
	"\t\t\t\"options\": [\n" \
	"\t\t\t\t\"nosuid\",\n" \
	"\t\t\t\t\"strictatime\",\n" \
	"\t\t\t\t\"mode=755\",\n" \
	"\t\t\t\t\"size=65536k\"\n" \
	"\t\t\t]\n" \
	"\t\t},\n" \
	"\t\t{\n" \
	"\t\t\t\"destination\": \"/dev/pts\",\n" \
	"\t\t\t\"type\": \"devpts\",\n" \
	"\t\t\t\"source\": \"devpts\",\n" \
	"\t\t\t\"options\": [\n" \
	"\t\t\t\t\"nosuid\",\n" \
	"\t\t\t\t\"noexec\",\n" \
	"\t\t\t\t\"newinstance\",\n" \
	"\t\t\t\t\"ptmxmode=0666\",\n" \
	"\t\t\t\t\"mode=0620\""

/* Each capability set holds the same three capabilities. */
#define SPEC_CAPS(set) \
	"\t\t\t\"" set "\": [\n" \
	"\t\t\t\t\"CAP_AUDIT_WRITE\",\n" \
	"\t\t\t\t\"CAP_KILL\",\n" \
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n" \
	"\t\t\t]"

/* An unprivileged user cannot map gid 5 (tty), so the rootless devpts has no gid= option. */
#define SPEC_DEVPTS_GID ",\n\t\t\t\t\"gid=5\""

#define SPEC_MID \
	"\n" \
	"\t\t\t]\n" \
	"\t\t},\n" \
	"\t\t{\n" \
	"\t\t\t\"destination\": \"/dev/shm\",\n" \
	"\t\t\t\"type\": \"tmpfs\",\n" \
	"\t\t\t\"source\": \"shm\",\n" \
	"\t\t\t\"options\": [\n" \
	"\t\t\t\t\"nosuid\",\n" \
	"\t\t\t\t\"noexec\",\n" \
	"\t\t\t\t\"nodev\",\n" \
	"\t\t\t\t\"mode=1777\",\n" \
	"\t\t\t\t\"size=65536k\"\n" \
	"\t\t\t]\n" \
	"\t\t},\n" \
	"\t\t{\n" \
	"\t\t\t\"destination\": \"/dev/mqueue\",\n" \
	"\t\t\t\"type\": \"mqueue\",\n" \
	"\t\t\t\"source\": \"mqueue\",\n" \
	"\t\t\t\"options\": [\n" \
	"\t\t\t\t\"nosuid\",\n" \
	"\t\t\t\t\"noexec\",\n" \
	"\t\t\t\t\"nodev\"\n" \
	"\t\t\t]\n" \
	"\t\t},\n" \
	"\t\t{\n" \
	"\t\t\t\"destination\": \"/sys\",\n"

/* sysfs cannot be mounted without owning the network namespace's user namespace, so the
 * rootless variant bind-mounts the host's /sys instead. */
#define SPEC_SYS_ROOT \
	"\t\t\t\"type\": \"sysfs\",\n" \
	"\t\t\t\"source\": \"sysfs\",\n" \
	"\t\t\t\"options\": [\n"

#define SPEC_SYS_ROOTLESS \
	"\t\t\t\"type\": \"none\",\n" \
	"\t\t\t\"source\": \"/sys\",\n" \
	"\t\t\t\"options\": [\n" \
	"\t\t\t\t\"rbind\",\n"

#define SPEC_CGROUP \
	"\t\t\t\t\"nosuid\",\n" \
	"\t\t\t\t\"noexec\",\n" \
	"\t\t\t\t\"nodev\",\n" \
	"\t\t\t\t\"ro\"\n" \
	"\t\t\t]\n" \
	"\t\t},\n" \
	"\t\t{\n" \
	"\t\t\t\"destination\": \"/sys/fs/cgroup\",\n" \
	"\t\t\t\"type\": \"cgroup\",\n" \
	"\t\t\t\"source\": \"cgroup\",\n" \
	"\t\t\t\"options\": [\n" \
	"\t\t\t\t\"nosuid\",\n" \
	"\t\t\t\t\"noexec\",\n" \
	"\t\t\t\t\"nodev\",\n" \
	"\t\t\t\t\"relatime\",\n" \
	"\t\t\t\t\"ro\"\n" \
	"\t\t\t]\n" \
	"\t\t}\n" \
	"\t],\n" \
	"\t\"linux\": {\n"

#define SPEC_DEVICES_DENY \
	"\t\t\"resources\": {\n" \
	"\t\t\t\"devices\": [\n" \
	"\t\t\t\t{\n" \
	"\t\t\t\t\t\"allow\": false,\n" \
	"\t\t\t\t\t\"access\": \"rwm\"\n" \
	"\t\t\t\t}\n" \
	"\t\t\t]\n" \
	"\t\t},\n"

/* Rootless: map root in the container to the invoking user (%u filled from geteuid/getegid),
 * and no device cgroup rules, which an unprivileged user could not apply. */
#define SPEC_MAPPING(kind) \
	"\t\t\"" kind "\": [\n" \
	"\t\t\t{\n" \
	"\t\t\t\t\"containerID\": 0,\n" \
	"\t\t\t\t\"hostID\": %u,\n" \
	"\t\t\t\t\"size\": 1\n" \
	"\t\t\t}\n" \
	"\t\t],\n"

#define SPEC_NS(type) \
	"\t\t\t{\n" \
	"\t\t\t\t\"type\": \"" type "\"\n" \
	"\t\t\t}"

/* Rootless: no network namespace (an unprivileged user could not configure it), and a user
 * namespace, listed last as runc does. */
#define SPEC_NAMESPACES_ROOT \
	"\t\t\"namespaces\": [\n" \
	SPEC_NS("pid") ",\n" SPEC_NS("network") ",\n" SPEC_NS("ipc") ",\n" \
	SPEC_NS("uts") ",\n" SPEC_NS("mount") "\n" \
	"\t\t],\n"

#define SPEC_NAMESPACES_ROOTLESS \
	"\t\t\"namespaces\": [\n" \
	SPEC_NS("pid") ",\n" SPEC_NS("ipc") ",\n" SPEC_NS("uts") ",\n" \
	SPEC_NS("mount") ",\n" SPEC_NS("user") "\n" \
	"\t\t],\n"

#define SPEC_TAIL \
	"\t\t\"maskedPaths\": [\n" \
	"\t\t\t\"/proc/acpi\",\n" \
	"\t\t\t\"/proc/asound\",\n" \
	"\t\t\t\"/proc/kcore\",\n" \
	"\t\t\t\"/proc/keys\",\n" \
	"\t\t\t\"/proc/latency_stats\",\n" \
	"\t\t\t\"/proc/timer_list\",\n" \
	"\t\t\t\"/proc/timer_stats\",\n" \
	"\t\t\t\"/proc/sched_debug\",\n" \
	"\t\t\t\"/sys/firmware\",\n" \
	"\t\t\t\"/proc/scsi\"\n" \
	"\t\t],\n" \
	"\t\t\"readonlyPaths\": [\n" \
	"\t\t\t\"/proc/bus\",\n" \
	"\t\t\t\"/proc/fs\",\n" \
	"\t\t\t\"/proc/irq\",\n" \
	"\t\t\t\"/proc/sys\",\n" \
	"\t\t\t\"/proc/sysrq-trigger\"\n" \
	"\t\t]\n" \
	"\t}\n" \
	"}"

char *oci_default_spec(bool rootless)
{
	char *out = NULL;
	int n;

	if (rootless)
		n = asprintf(&out, SPEC_HEAD SPEC_MID SPEC_SYS_ROOTLESS SPEC_CGROUP
			     SPEC_MAPPING("uidMappings") SPEC_MAPPING("gidMappings")
			     SPEC_NAMESPACES_ROOTLESS SPEC_TAIL,
			     (unsigned)geteuid(), (unsigned)getegid());
	else
		n = asprintf(&out, "%s", SPEC_HEAD SPEC_DEVPTS_GID SPEC_MID SPEC_SYS_ROOT
			     SPEC_CGROUP SPEC_DEVICES_DENY SPEC_NAMESPACES_ROOT SPEC_TAIL);
	return n < 0 ? NULL : out;
}
