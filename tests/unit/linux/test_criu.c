/* CRIU glue without criu running: the error lines taken from criu's log, runc's
 * descriptors.json, runc's flags as CRIU options, the external mounts of a config, and the
 * failure of a criu binary that cannot be run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/criu_shared.h"
#include "oci/state.h"
#include "unit.h"

static void write_log(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_log_errors(void)
{
	char path[] = "/tmp/ocirun-criu-log-XXXXXX", out[512];
	close(mkstemp(path));
	write_log(path, "(00.1) Warn: x\n(00.2) Error (a.c:1): one\n(00.3) fine\n"
			"(00.4) Error (b.c:2): two\n(00.5) Error (c.c:3): three\n"
			"(00.6) Error (d.c:4): four\n");
	CHECK(criu_log_errors(path, out, sizeof out, 3) == 3);
	/* The last three, without criu's time stamps. */
	CHECK_STR(out, "Error (b.c:2): two; Error (c.c:3): three; Error (d.c:4): four");
	write_log(path, "(00.1) all good\n");
	CHECK(criu_log_errors(path, out, sizeof out, 3) == 0);
	CHECK_STR(out, "");
	unlink(path);
	CHECK(criu_log_errors(path, out, sizeof out, 3) == 0);
	/* A buffer too small for the lines gets what fits, terminated. */
	write_log(path, "(00.1) Error (a.c:1): a rather long line of text\n");
	char small[8];
	criu_log_errors(path, small, sizeof small, 3);
	CHECK(strlen(small) < sizeof small);
	unlink(path);
}

static void test_descriptors(void)
{
	char *in[3] = { "pipe:[12]", "/dev/null", "/dev/pts/0" }, *out[3];
	char *json = NULL;
	struct err e;
	CHECK(state_descriptors_to_json(in, &json, &e) == 0);
	CHECK_STR(json, "[\"pipe:[12]\",\"/dev/null\",\"/dev/pts/0\"]");
	CHECK(state_descriptors_from_json(json, strlen(json), out, &e) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK_STR(out[i], in[i]);
		free(out[i]);
	}
	free(json);
	CHECK(state_descriptors_from_json("[1,2,3]", 7, out, &e) == -1);
	CHECK(strstr(e.msg, "descriptors.json: [0]") != NULL);
	CHECK(state_descriptors_from_json("[\"a\"]", 5, out, &e) == -1);
	CHECK(state_descriptors_from_json("{", 1, out, &e) == -1);
}

static void test_flags(void)
{
	struct criu_opts o;
	struct err e;
	criu_opts_init(&o);
	struct criu_flags f = { .manage_cgroups_mode = "strict", .empty_ns = "network",
				.tcp_established = true, .status_fd = -1 };
	CHECK(criu_flags_apply(&f, &o, &e) == 0);
	CHECK(o.o.has_manage_cgroups_mode && o.o.manage_cgroups_mode == CRIU_CG_MODE__STRICT);
	CHECK(o.o.has_empty_ns && o.o.empty_ns == 0x40000000 /* CLONE_NEWNET */);
	CHECK(o.o.tcp_established && !o.o.shell_job && o.o.log_level == 4);
	f.manage_cgroups_mode = "hard";
	CHECK(criu_flags_apply(&f, &o, &e) == -1);
	CHECK(strstr(e.msg, "--manage-cgroups-mode: invalid value hard") != NULL);
	f.manage_cgroups_mode = NULL;
	f.empty_ns = "pid";
	CHECK(criu_flags_apply(&f, &o, &e) == -1);
	CHECK(strstr(e.msg, "--empty-ns: namespace pid is not supported") != NULL);
	f.empty_ns = NULL;
	f.status_fd = 1000;   /* not open */
	CHECK(criu_flags_apply(&f, &o, &e) == -1);
	CHECK(e.code == EBADF);
	criu_opts_free(&o);
}

static const char config[] =
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
	"\"root\":{\"path\":\"rootfs\"},"
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\"]},"
	"{\"destination\":\"/rel\",\"source\":\"rel/dir\",\"options\":[\"bind\"]}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
	"\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]}}";

static const char *ext_val(const struct criu_opts *o, const char *key)
{
	for (size_t i = 0; i < o->o.n_ext_mnt; i++)
		if (!strcmp(o->o.ext_mnt[i]->key, key))
			return o->o.ext_mnt[i]->val;
	return NULL;
}

static void test_mounts(void)
{
	struct criu_opts o;
	struct err e;
	struct oci_config *c = NULL;
	criu_opts_init(&o);
	CHECK(oci_config_parse(config, strlen(config), &c, &e) == 0);
	/* Restoring: binds map to their sources (relative ones below the bundle). */
	CHECK(criu_describe_mounts(&o, c, "/b", 0, &e) == 0);
	CHECK_STR(ext_val(&o, "/data"), "/srv/data");
	CHECK_STR(ext_val(&o, "/rel"), "/b/rel/dir");
	CHECK_STR(ext_val(&o, "/dev/fuse"), "/dev/fuse");
	CHECK_STR(ext_val(&o, "/dev/null"), "/dev/null");
	CHECK(ext_val(&o, "/proc") == NULL);
	criu_opts_free(&o);
	/* Dumping: named by their destination. */
	criu_opts_init(&o);
	CHECK(criu_describe_mounts(&o, c, "/b", getpid(), &e) == 0);
	CHECK_STR(ext_val(&o, "/data"), "/data");
	CHECK_STR(ext_val(&o, "/rel"), "/rel");
	criu_opts_free(&o);
	oci_config_free(c);
}

static void test_no_criu_binary(void)
{
	struct criu_opts o;
	struct err e;
	criu_opts_init(&o);
	CHECK(criu_rpc("/nonexistent/criu", CRIU_REQ_TYPE__DUMP, &o, NULL, NULL, NULL, &e) == -1);
	CHECK(strstr(e.msg, "exec /nonexistent/criu: No such file or directory") != NULL);
	CHECK(criu_version("/nonexistent/criu", &e) == -1);
	criu_opts_free(&o);
}

int main(void)
{
	RUN_TEST(test_log_errors);
	RUN_TEST(test_descriptors);
	RUN_TEST(test_flags);
	RUN_TEST(test_mounts);
	RUN_TEST(test_no_criu_binary);
	UNIT_DONE();
}
