/* oci_default_spec() must be byte-for-byte what `runc spec [--rootless]` writes; the stored
 * copies were produced by runc 1.1.5 running as root (so the rootless hostIDs are 0). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/spec_default.h"
#include "unit.h"

static char *slurp(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", SPEC_DATA_DIR, name);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	if (m)
		fclose(m);
	return buf;
}

static void compare(bool rootless, const char *file)
{
	char *want = slurp(file);
	char *got = oci_default_spec(rootless);
	CHECK(want != NULL);
	CHECK(got != NULL);
	if (want && got && strcmp(want, got) != 0) {
		size_t i = 0;
		while (want[i] && want[i] == got[i])
			i++;
		fprintf(stderr, "%s: first difference at byte %zu: want \"%.40s\" got \"%.40s\"\n",
			file, i, want + i, got + i);
		CHECK(!"spec text differs");
	}
	free(want);
	free(got);
}

static void test_spec_root(void)
{
	compare(false, "runc-spec.json");
}

static void test_spec_rootless(void)
{
	/* The rootless mappings carry the caller's euid/egid; the stored copy has root's. */
	if (geteuid() != 0 || getegid() != 0) {
		fprintf(stderr, "skip test_spec_rootless: not running as root\n");
		return;
	}
	compare(true, "runc-spec-rootless.json");
}

int main(void)
{
	RUN_TEST(test_spec_root);
	RUN_TEST(test_spec_rootless);
	UNIT_DONE();
}
