/* ns_format_id_map: the text written to uid_map/gid_map (linux/namespaces.c, used by the
 * container's maps and by idmapped mounts' user namespaces), and its size limit. */
#include <string.h>

#include "linux/namespaces.h"
#include "unit.h"

static const struct oci_id_mapping two[] = {
	{ .container_id = 0, .host_id = 100000, .size = 65536 },
	{ .container_id = 65536, .host_id = 4294967294u, .size = 1 },
};

static void test_lines(void)
{
	char buf[128];
	const char *want = "0 100000 65536\n65536 4294967294 1\n";
	CHECK(ns_format_id_map(buf, sizeof buf, two, 2) == (ssize_t)strlen(want));
	CHECK_STR(buf, want);
	CHECK(ns_format_id_map(buf, sizeof buf, two, 0) == 0);
}

/* The text and its NUL must fit: one byte short is refused, not cut. */
static void test_limit(void)
{
	char buf[128];
	size_t len = strlen("0 100000 65536\n65536 4294967294 1\n");
	CHECK(ns_format_id_map(buf, len + 1, two, 2) == (ssize_t)len);
	CHECK(ns_format_id_map(buf, len, two, 2) == -1);
	CHECK(ns_format_id_map(buf, 4, two, 1) == -1);
}

int main(void)
{
	RUN_TEST(test_lines);
	RUN_TEST(test_limit);
	UNIT_DONE();
}
