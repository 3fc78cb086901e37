/* The features document: every mount option it lists is one linux/mounts.c recognizes
 * (not passed on as filesystem data), the lists are non-empty and NULL-terminated, and
 * the rendered JSON has the spec's required fields and its structure. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "linux/features.h"
#include "linux/mounts.h"
#include "oci/features.h"
#include "unit.h"

static size_t count(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void test_mount_options_are_recognized(void)
{
	const char *const *opts = linux_features_mount_options();
	CHECK(count(opts) > 50);
	for (size_t i = 0; opts && opts[i]; i++) {
		struct mount_opts o;
		struct err e = { 0 };
		char *one[] = { (char *)opts[i], NULL };
		CHECK(mount_opts_parse(one, 1, &o, &e) == 0);
		if (o.data)
			fprintf(stderr, "mount option \"%s\" is not recognized\n", opts[i]);
		CHECK(o.data == NULL);
		mount_opts_free(&o);
	}
}

static json_t *render(void)
{
	struct oci_features f;
	struct err e = { 0 };
	char *out = NULL;
	oci_features_init(&f);
	linux_features_fill(&f);
	CHECK(oci_features_render(&f, &out, &e) == 0);
	json_t *j = out ? json_loads(out, 0, NULL) : NULL;
	free(out);
	CHECK(j != NULL);
	return j;
}

static void test_document(void)
{
	json_t *j = render();
	if (!j)
		return;
	CHECK_STR(json_string_value(json_object_get(j, "ociVersionMin")), "1.0.0");
	CHECK(json_string_value(json_object_get(j, "ociVersionMax")) != NULL);
	CHECK(json_array_size(json_object_get(j, "hooks")) == 6);
	json_t *l = json_object_get(j, "linux");
	CHECK(json_is_object(l));
	CHECK(json_array_size(json_object_get(l, "namespaces")) == 8);
	json_t *caps = json_object_get(l, "capabilities");
	CHECK(json_array_size(caps) >= 41);
	CHECK_STR(json_string_value(json_array_get(caps, 0)), "CAP_CHOWN");
	json_t *sc = json_object_get(l, "seccomp");
	CHECK(json_is_true(json_object_get(sc, "enabled")));
	CHECK(json_array_size(json_object_get(sc, "actions")) == 9);
	CHECK(json_array_size(json_object_get(sc, "operators")) == 7);
	json_t *archs = json_object_get(sc, "archs");
	bool native = false;
	for (size_t i = 0; i < json_array_size(archs); i++)
		if (!strcmp(json_string_value(json_array_get(archs, i)), "SCMP_ARCH_X86_64"))
			native = true;
	CHECK(native);
	CHECK(json_array_size(json_object_get(sc, "supportedFlags")) <=
	      json_array_size(json_object_get(sc, "knownFlags")));
	CHECK(json_is_false(json_object_get(json_object_get(l, "cgroup"), "systemd")));
	json_t *ann = json_object_get(j, "annotations");
	CHECK(json_string_value(json_object_get(ann, "io.github.seccomp.libseccomp.version")) != NULL);
	json_decref(j);
}

int main(void)
{
	RUN_TEST(test_mount_options_are_recognized);
	RUN_TEST(test_document);
	UNIT_DONE();
}
