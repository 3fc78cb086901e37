/* The JSON side of update and events (src/oci/): resources patched into a stored config.json
 * keep the rest of the document (big integers included) and parse back to what was asked;
 * stats and OOM events come out byte for byte as runc prints them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/stats.h"
#include "oci/update.h"
#include "tests/unit/unit.h"

static const char CONFIG[] =
	"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},\n"
	" \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0},\n"
	"   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 18446744073709551615, \"soft\": 1024}]},\n"
	" \"linux\": {\"cgroupsPath\": \"/x\", \"resources\": {\n"
	"   \"devices\": [{\"allow\": false, \"access\": \"rwm\"}],\n"
	"   \"memory\": {\"limit\": 1048576, \"swappiness\": 10},\n"
	"   \"unified\": {\"memory.high\": \"max\"}}}}";

static void test_patch(void)
{
	struct err e;
	struct oci_kv unified[] = { { (char *)"memory.high", (char *)"5000000" },
				    { (char *)"pids.max", (char *)"7" } };
	struct oci_resources d = {
		.has_memory = true, .memory = { .has_limit = true, .limit = 2 << 20,
						.has_swap = true, .swap = -1 },
		.has_cpu = true, .cpu = { .has_shares = true, .shares = (1ull << 63) + 5,
					  .has_quota = true, .quota = -1, .has_idle = true,
					  .cpus = (char *)"0-1" },
		.has_pids_limit = true, .pids_limit = 99,
		.has_block_io = true, .block_io = { .has_weight = true, .weight = 300 },
		.unified = unified, .n_unified = 2,
	};
	char *out = NULL;
	CHECK(oci_config_patch_resources(CONFIG, strlen(CONFIG), &d, &out, &e) == 0);
	if (!out)
		return;
	/* big literals come back as numbers, not as the loader's marked strings */
	CHECK(strstr(out, "18446744073709551615") && strstr(out, "9223372036854775813"));
	CHECK(!strstr(out, "\\u0000"));
	struct oci_config *c = NULL;
	CHECK(oci_config_parse(out, strlen(out), &c, &e) == 0);
	if (c) {
		const struct oci_resources *r = &c->linux_.resources;
		CHECK(r->memory.limit == 2 << 20 && r->memory.swap == -1);
		CHECK(r->memory.has_swappiness && r->memory.swappiness == 10);   /* kept */
		CHECK(r->n_devices == 1 && !r->devices[0].allow);                 /* kept */
		CHECK(r->cpu.shares == (1ull << 63) + 5 && r->cpu.quota == -1);
		CHECK(r->cpu.has_idle && r->cpu.idle == 0);
		CHECK_STR(r->cpu.cpus, "0-1");
		CHECK(!r->cpu.mems);
		CHECK(r->pids_limit == 99 && r->block_io.weight == 300);
		CHECK(r->n_unified == 2);
		for (size_t i = 0; i < r->n_unified; i++)
			CHECK_STR(r->unified[i].value, !strcmp(r->unified[i].key, "pids.max") ? "7" : "5000000");
		CHECK(c->process.rlimits[0].hard == UINT64_MAX);
		CHECK_STR(c->linux_.cgroups_path, "/x");
		oci_config_free(c);
	}
	free(out);
}

static void test_patch_creates_sections(void)
{
	struct err e;
	const char *bare = "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": null}}";
	struct oci_resources d = { .has_pids_limit = true, .pids_limit = 5 };
	char *out = NULL;
	CHECK(oci_config_patch_resources(bare, strlen(bare), &d, &out, &e) == 0);
	CHECK(out && strstr(out, "\"pids\": {\n        \"limit\": 5"));
	free(out);
	const char *none = "{\"ociVersion\": \"1.0.2\"}";
	out = NULL;
	CHECK(oci_config_patch_resources(none, strlen(none), &d, &out, &e) == 0);
	CHECK(out && strstr(out, "\"linux\"") && strstr(out, "\"limit\": 5"));
	free(out);
	/* nothing asked: nothing added */
	struct oci_resources empty = { 0 };
	out = NULL;
	CHECK(oci_config_patch_resources(none, strlen(none), &empty, &out, &e) == 0);
	CHECK(out && !strstr(out, "memory") && !strstr(out, "cpu"));
	free(out);
	out = NULL;
	CHECK(oci_config_patch_resources("{", 1, &d, &out, &e) < 0 && !out);
}

static void test_stats_event(void)
{
	struct err e;
	uint64_t percpu[] = { 3, 2 };
	struct cgroup_stat_kv raw[] = { { (char *)"anon", 7 } };
	struct cgroup_blkio_entry io[] = { { .major = 8, .minor = 0, .op = "Read", .value = 4096 } };
	struct cgroup_hugetlb_stat huge[] = { { .page_size = "2MB", .failcnt = 1 } };
	struct cgroup_stats s = { 0 };
	s.cpu.total = 5;
	s.cpu.kernel = 1;
	s.cpu.user = 2;
	s.cpu.percpu = percpu;
	s.cpu.n_percpu = 2;
	s.cpu.throttled_periods = 4;
	s.memory.usage = (struct cgroup_mem_entry){ .limit = UINT64_MAX, .usage = 10 };
	s.memory.raw = raw;
	s.memory.n_raw = 1;
	s.pids.current = 2;
	s.blkio.service_bytes = (struct cgroup_blkio_list){ io, 1 };
	s.hugetlb = huge;
	s.n_hugetlb = 1;
	char *out = NULL;
	CHECK(oci_event_stats("c1", &s, &out, &e) == 0);
	CHECK_STR(out,
		  "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"
		  "\"cpu\":{\"usage\":{\"total\":5,\"percpu\":[3,2],\"kernel\":1,\"user\":2},"
		  "\"throttling\":{\"throttledPeriods\":4}},"
		  "\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,"
		  "\"memory_migrate\":0,\"memory_spread_page\":0,\"memory_spread_slab\":0,"
		  "\"memory_pressure\":0,\"sched_load_balance\":0,\"sched_relax_domain_level\":0},"
		  "\"memory\":{\"usage\":{\"limit\":18446744073709551615,\"usage\":10,\"failcnt\":0},"
		  "\"swap\":{\"limit\":0,\"failcnt\":0},\"kernel\":{\"limit\":0,\"failcnt\":0},"
		  "\"kernelTCP\":{\"limit\":0,\"failcnt\":0},\"raw\":{\"anon\":7}},"
		  "\"pids\":{\"current\":2},"
		  "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":4096}]},"
		  "\"hugetlb\":{\"2MB\":{\"failcnt\":1}},\"intel_rdt\":{},\"network_interfaces\":null}}");
	free(out);
	out = NULL;
	CHECK(oci_event_oom("c1", &out, &e) == 0);
	CHECK_STR(out, "{\"type\":\"oom\",\"id\":\"c1\"}");
	free(out);
}

int main(void)
{
	RUN_TEST(test_patch);
	RUN_TEST(test_patch_creates_sections);
	RUN_TEST(test_stats_event);
	UNIT_DONE();
}
