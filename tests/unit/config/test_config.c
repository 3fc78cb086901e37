/* The config.json parser: a full document checked field by field, then one small broken
 * document per validation rule, each expected to fail with its JSON path in the message. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oci/config.h"
#include "unit.h"

#define CHECK_PREFIX(s, prefix)                                                           \
	do {                                                                              \
		const char *_s = (s), *_p = (prefix);                                     \
		if (strncmp(_s, _p, strlen(_p)) != 0) {                                   \
			fprintf(stderr, "%s:%d: \"%s\" does not start with \"%s\"\n",     \
				__FILE__, __LINE__, _s, _p);                              \
			unit_failed_checks++;                                             \
		}                                                                         \
	} while (0)

/* The smallest config that passes; cases patch it. */
static const char *const base_json =
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"}]}}";

/* base_json with patch merged in (objects recursively; null removes a field, since the
 * parser reads null as absent). Returns malloc'd text. */
static char *patched(const char *patch)
{
	json_error_t je;
	json_t *base = json_loads(base_json, 0, &je);
	json_t *p = json_loads(patch, 0, &je);
	if (!p) {
		fprintf(stderr, "bad test patch %s: %s\n", patch, je.text);
		abort();
	}
	json_object_update_recursive(base, p);
	char *text = json_dumps(base, JSON_COMPACT);
	json_decref(base);
	json_decref(p);
	return text;
}

static int parse_text(const char *text, struct oci_config **c, struct err *e)
{
	err_clear(e);
	return oci_config_parse(text, strlen(text), c, e);
}

/* Asserts that base+patch fails and that the message starts with want. */
#define BAD(patch, want)                                                                  \
	do {                                                                              \
		char *_t = patched(patch);                                                \
		struct oci_config *_c = NULL;                                             \
		struct err _e;                                                            \
		CHECK(parse_text(_t, &_c, &_e) < 0);                                      \
		CHECK(_c == NULL);                                                        \
		CHECK(_e.code == EINVAL);                                                 \
		CHECK_PREFIX(_e.msg, want);                                               \
		free(_t);                                                                 \
	} while (0)

/* Asserts that base+patch parses; the config is handed to the caller. */
static struct oci_config *good(const char *patch)
{
	char *t = patched(patch);
	struct oci_config *c = NULL;
	struct err e;
	if (parse_text(t, &c, &e) < 0) {
		fprintf(stderr, "unexpected error for %s: %s\n", patch, e.msg);
		unit_failed_checks++;
	}
	free(t);
	return c;
}

#define GOOD(patch) oci_config_free(good(patch))

static struct oci_config *load_full(void)
{
	struct oci_config *c = NULL;
	struct err e;
	if (oci_config_load(CONFIG_TEST_DATA "/full.json", &c, &e) < 0) {
		fprintf(stderr, "full.json: %s\n", e.msg);
		unit_failed_checks++;
	}
	return c;
}

/* ---------------------------------------------------------------- the full document */

static void test_full_top_and_mounts(void)
{
	struct oci_config *c = load_full();
	if (!c)
		return;
	CHECK_STR(c->oci_version, "1.3.0");
	CHECK_STR(c->root_path, "rootfs");
	CHECK(c->root_readonly);
	CHECK_STR(c->hostname, "runc");
	CHECK_STR(c->domainname, "example.org");
	CHECK(c->n_mounts == 9);
	CHECK_STR(c->mounts[0].destination, "/proc");
	CHECK_STR(c->mounts[0].type, "proc");
	CHECK_STR(c->mounts[0].source, "proc");
	CHECK(c->mounts[0].options == NULL && c->mounts[0].n_options == 0);
	CHECK(c->mounts[1].n_options == 4);
	CHECK_STR(c->mounts[1].options[3], "size=65536k");
	CHECK(c->mounts[1].options[4] == NULL);
	const struct oci_mount *m = &c->mounts[7];
	CHECK_STR(m->destination, "/data");
	CHECK(m->n_uid_mappings == 1 && m->uid_mappings[0].host_id == 100000);
	CHECK(m->n_gid_mappings == 1 && m->gid_mappings[0].host_id == 200000);
	CHECK(m->gid_mappings[0].size == 65536);
	/* relative destinations are read relative to "/" (spec) */
	CHECK_STR(c->mounts[8].destination, "/relative/dir");
	CHECK(c->mounts[8].source == NULL);
	CHECK(c->n_annotations == 2);
	CHECK_STR(c->annotations[0].key, "com.example.key1");
	CHECK_STR(c->annotations[0].value, "value1");
	CHECK_STR(c->annotations[1].key, "com.example.key2");
	oci_config_free(c);
}

static void test_full_hooks(void)
{
	struct oci_config *c = load_full();
	if (!c)
		return;
	const struct oci_hooks *h = &c->hooks;
	CHECK(h->prestart.n == 1);
	CHECK_STR(h->prestart.hooks[0].path, "/usr/bin/fix-mounts");
	CHECK(h->prestart.hooks[0].n_args == 3);
	CHECK_STR(h->prestart.hooks[0].args[2], "arg2");
	CHECK(h->prestart.hooks[0].args[3] == NULL);
	CHECK_STR(h->prestart.hooks[0].env[0], "key1=value1");
	CHECK(!h->prestart.hooks[0].has_timeout);
	CHECK(h->create_runtime.n == 1 && h->create_runtime.hooks[0].env == NULL);
	CHECK(h->create_container.n == 1 && h->create_container.hooks[0].has_timeout);
	CHECK(h->create_container.hooks[0].timeout == 5);
	CHECK(h->start_container.n == 1);
	CHECK(h->poststart.n == 2);
	CHECK_STR(h->poststart.hooks[1].path, "/usr/bin/second");
	CHECK(h->poststop.n == 1 && h->poststop.hooks[0].n_args == 2);
	oci_config_free(c);
}

static void test_full_process(void)
{
	struct oci_config *c = load_full();
	if (!c)
		return;
	CHECK(c->has_process);
	const struct oci_process *p = &c->process;
	CHECK(p->terminal);
	CHECK(p->has_console_size && p->console_height == 25 && p->console_width == 80);
	CHECK(p->n_args == 1);
	CHECK_STR(p->args[0], "sh");
	CHECK(p->args[1] == NULL);
	CHECK(p->n_env == 2);
	CHECK_STR(p->env[1], "TERM=xterm");
	CHECK(p->env[2] == NULL);
	CHECK_STR(p->cwd, "/");
	CHECK_STR(p->command_line, "sh -c true");
	CHECK(p->user.uid == 1000 && p->user.gid == 1001);
	CHECK(p->user.has_umask && p->user.umask == 18);
	CHECK(p->user.n_additional_gids == 2 && p->user.additional_gids[1] == UINT32_MAX);
	CHECK_STR(p->user.username, "someone");
	CHECK(p->n_rlimits == 2);
	CHECK(p->rlimits[0].resource == RLIMIT_NOFILE);
	CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
	CHECK(p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 1024);
	/* beyond int64: kept exactly */
	CHECK(p->rlimits[1].resource == RLIMIT_CORE);
	CHECK(p->rlimits[1].hard == UINT64_MAX);
	CHECK(p->rlimits[1].soft == UINT64_C(9223372036854775808));
	CHECK_STR(p->apparmor_profile, "runc-default");
	CHECK(p->no_new_privileges);
	CHECK(p->has_oom_score_adj && p->oom_score_adj == -500);
	CHECK_STR(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675");
	CHECK(p->has_io_priority && p->io_priority.class_ == 2 && p->io_priority.priority == 6);
	CHECK_STR(p->exec_cpu_affinity_initial, "0-3,7");
	CHECK_STR(p->exec_cpu_affinity_final, "4");
	CHECK(p->has_scheduler && p->scheduler.policy == 6);
	CHECK(p->scheduler.flags == 0x03);
	CHECK(p->scheduler.runtime == 10000000 && p->scheduler.deadline == 20000000);
	CHECK(p->scheduler.period == 30000000);
	oci_config_free(c);
}

static void test_full_capabilities(void)
{
	struct oci_config *c = load_full();
	if (!c)
		return;
	const struct oci_capabilities *k = &c->process.capabilities;
	uint64_t three = (1ULL << 29) | (1ULL << 5) | (1ULL << 10); /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */
	CHECK(c->process.has_capabilities);
	CHECK(k->has_bounding && k->bounding == (three | (1ULL << 40)));
	CHECK(k->has_effective && k->effective == three);
	CHECK(k->has_permitted && k->permitted == three);
	CHECK(k->has_ambient && k->ambient == three);
	CHECK(k->has_inheritable && k->inheritable == 1);
	/* each unknown name once, in order of appearance */
	CHECK(k->unknown != NULL);
	if (k->unknown) {
		CHECK_STR(k->unknown[0], "CAP_NOT_A_CAP");
		CHECK_STR(k->unknown[1], "CAP_ALSO_UNKNOWN");
		CHECK(k->unknown[2] == NULL);
	}
	oci_config_free(c);
}

static void test_full_linux(void)
{
	struct oci_config *c = load_full();
	if (!c)
		return;
	CHECK(c->has_linux);
	const struct oci_linux *l = &c->linux_;
	CHECK(l->n_namespaces == 8);
	CHECK(l->namespaces[0].type == OCI_NS_PID && l->namespaces[0].path == NULL);
	CHECK(l->namespaces[5].type == OCI_NS_USER);
	CHECK(l->namespaces[6].type == OCI_NS_CGROUP);
	CHECK_STR(l->namespaces[6].path, "/proc/1/ns/cgroup");
	CHECK(oci_config_namespace(c, OCI_NS_TIME) == &l->namespaces[7]);
	CHECK(oci_config_namespace(c, OCI_NS_NETWORK) == &l->namespaces[1]);
	CHECK(l->n_uid_mappings == 1 && l->uid_mappings[0].size == 32000);
	CHECK(l->n_gid_mappings == 2 && l->gid_mappings[1].host_id == UINT32_MAX - 1);
	CHECK(l->gid_mappings[1].container_id == 32000);
	CHECK(l->time_monotonic.present && l->time_monotonic.secs == -86400);
	CHECK(l->time_monotonic.nanosecs == 500);
	CHECK(l->time_boottime.present && l->time_boottime.secs == 3600);
	CHECK(l->n_devices == 3);
	CHECK(l->devices[0].type == 'c' && l->devices[0].major == 10 && l->devices[0].minor == 229);
	CHECK(l->devices[0].has_major_minor && l->devices[0].has_file_mode);
	CHECK(l->devices[0].file_mode == 0666 && l->devices[0].has_uid && l->devices[0].uid == 0);
	CHECK(l->devices[1].type == 'b' && !l->devices[1].has_uid && !l->devices[1].has_gid);
	CHECK(l->devices[2].type == 'p' && !l->devices[2].has_major_minor);
	CHECK_STR(l->devices[2].path, "/dev/fifo0");
	CHECK(l->n_net_devices == 2);
	CHECK_STR(l->net_devices[0].host_name, "eth1");
	CHECK_STR(l->net_devices[0].name, "ctr1");
	CHECK_STR(l->net_devices[1].name, "eth2");   /* defaults to the host name */
	CHECK_STR(l->cgroups_path, "/myRuntime/myContainer");
	CHECK_STR(l->rootfs_propagation, "rslave");
	CHECK(l->n_sysctl == 2);
	CHECK_STR(l->sysctl[1].key, "net.core.somaxconn");
	CHECK_STR(l->sysctl[1].value, "256");
	CHECK(l->n_masked_paths == 10 && l->masked_paths[10] == NULL);
	CHECK_STR(l->masked_paths[9], "/proc/scsi");
	CHECK(l->n_readonly_paths == 5);
	CHECK_STR(l->readonly_paths[0], "/proc/bus");
	CHECK_STR(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
	CHECK(l->has_intel_rdt && l->intel_rdt.enable_monitoring);
	CHECK_STR(l->intel_rdt.clos_id, "guaranteed_group");
	CHECK_STR(l->intel_rdt.l3_cache_schema, "L3:0=7f0;1=1f");
	CHECK_STR(l->intel_rdt.mem_bw_schema, "MB:0=20;1=70");
	CHECK(l->intel_rdt.n_schemata == 1);
	CHECK(l->has_personality && l->personality.n_flags == 0);
	CHECK_STR(l->personality.domain, "LINUX32");
	CHECK(l->has_memory_policy && l->memory_policy.n_flags == 1);
	CHECK_STR(l->memory_policy.mode, "MPOL_INTERLEAVE");
	CHECK_STR(l->memory_policy.nodes, "2-3");
	CHECK_STR(l->memory_policy.flags[0], "MPOL_F_STATIC_NODES");
	oci_config_free(c);
}

static void test_full_resources(void)
{
	struct oci_config *c = load_full();
	if (!c)
		return;
	CHECK(c->linux_.has_resources);
	const struct oci_resources *r = &c->linux_.resources;
	CHECK(r->n_devices == 3);
	CHECK(!r->devices[0].allow && r->devices[0].type == 'a');
	CHECK(!r->devices[0].has_major && r->devices[0].major == -1 && r->devices[0].minor == -1);
	CHECK_STR(r->devices[0].access, "rwm");
	CHECK(r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].major == 10);
	CHECK(r->devices[2].has_major && !r->devices[2].has_minor && r->devices[2].minor == -1);
	CHECK(r->has_memory && r->memory.has_limit && r->memory.limit == 536870912);
	CHECK(r->memory.has_swap && r->memory.swap == -1);
	CHECK(r->memory.has_kernel_tcp && r->memory.kernel_tcp == -1);
	CHECK(r->memory.has_swappiness && r->memory.swappiness == 0);
	CHECK(r->memory.has_disable_oom_killer && !r->memory.disable_oom_killer);
	CHECK(r->memory.has_use_hierarchy && r->memory.use_hierarchy);
	CHECK(r->memory.has_check_before_update && r->memory.check_before_update);
	CHECK(r->has_cpu && r->cpu.has_shares && r->cpu.shares == 1024);
	CHECK(r->cpu.has_quota && r->cpu.quota == 1000000 && r->cpu.period == 500000);
	CHECK(r->cpu.has_burst && r->cpu.has_idle && r->cpu.idle == 0);
	CHECK(r->cpu.realtime_runtime == 950000 && r->cpu.realtime_period == 1000000);
	CHECK_STR(r->cpu.cpus, "2-3");
	CHECK_STR(r->cpu.mems, "0-7");
	CHECK(r->has_pids_limit && r->pids_limit == 32771);
	CHECK(r->has_block_io && r->block_io.weight == 10 && r->block_io.has_leaf_weight);
	CHECK(r->block_io.n_weight_device == 2);
	CHECK(r->block_io.weight_device[0].leaf_weight == 300);
	CHECK(r->block_io.weight_device[1].has_weight && !r->block_io.weight_device[1].has_leaf_weight);
	CHECK(r->block_io.weight_device[1].minor == 16);
	CHECK(r->block_io.n_throttle_read_bps == 1 && r->block_io.throttle_read_bps[0].rate == 600);
	CHECK(r->block_io.n_throttle_write_bps == 1);
	CHECK(r->block_io.throttle_read_iops[0].rate == UINT64_MAX);
	CHECK(r->block_io.n_throttle_write_iops == 2 && r->block_io.throttle_write_iops[1].minor == 32);
	CHECK(r->n_hugepage_limits == 2);
	CHECK_STR(r->hugepage_limits[1].page_size, "64KB");
	CHECK(r->hugepage_limits[0].limit == 209715200);
	CHECK(r->has_network && r->has_class_id && r->class_id == 1048577);
	CHECK(r->n_net_priorities == 2 && r->net_priorities[1].priority == 1000);
	CHECK_STR(r->net_priorities[0].name, "eth0");
	CHECK(r->n_rdma == 2);
	CHECK_STR(r->rdma[1].device, "mlx4_0");
	CHECK(!r->rdma[1].has_hca_handles && r->rdma[1].has_hca_objects);
	CHECK(r->rdma[0].hca_handles == 3 && r->rdma[0].hca_objects == 10000);
	CHECK(r->n_unified == 2);
	CHECK_STR(r->unified[0].value, "259:0 rbps=2097152");
	oci_config_free(c);
}

static void test_full_seccomp(void)
{
	struct oci_config *c = load_full();
	if (!c)
		return;
	CHECK(c->linux_.has_seccomp);
	const struct oci_seccomp *s = &c->linux_.seccomp;
	CHECK(s->default_action == OCI_SCMP_ERRNO);
	CHECK(s->has_default_errno_ret && s->default_errno_ret == 1);
	CHECK(s->n_architectures == 3);
	CHECK_STR(s->architectures[2], "SCMP_ARCH_X86_64");
	CHECK(s->n_flags == 1);
	CHECK_STR(s->flags[0], "SECCOMP_FILTER_FLAG_LOG");
	CHECK_STR(s->listener_path, "/run/seccomp-agent.socket");
	CHECK_STR(s->listener_metadata, "metadata");
	CHECK(s->n_syscalls == 4);
	CHECK(s->syscalls[0].n_names == 2 && s->syscalls[0].action == OCI_SCMP_ALLOW);
	CHECK_STR(s->syscalls[0].names[1], "chmod");
	CHECK(s->syscalls[0].names[2] == NULL);
	const struct oci_seccomp_syscall *p = &s->syscalls[1];
	CHECK(p->n_args == 2);
	CHECK(p->args[0].index == 0 && p->args[0].value == 8 && p->args[0].op == OCI_OP_EQ);
	CHECK(p->args[0].value_two == 0);
	CHECK(p->args[1].index == 5 && p->args[1].value == UINT32_MAX);
	CHECK(p->args[1].value_two == UINT64_MAX && p->args[1].op == OCI_OP_MASKED_EQ);
	CHECK(s->syscalls[2].has_errno_ret && s->syscalls[2].errno_ret == 38);
	CHECK(!s->syscalls[0].has_errno_ret);
	CHECK(s->syscalls[3].action == OCI_SCMP_NOTIFY);
	oci_config_free(c);
}

/* ---------------------------------------------------------------- general rules */

static void test_minimal_defaults(void)
{
	struct oci_config *c = good("{}");
	if (!c)
		return;
	CHECK(c->n_mounts == 0 && c->mounts == NULL);
	CHECK(c->hostname == NULL && !c->root_readonly);
	CHECK(c->process.env != NULL && c->process.env[0] == NULL && c->process.n_env == 0);
	CHECK(c->process.user.uid == 0 && !c->process.user.has_umask);
	CHECK(!c->process.has_capabilities && !c->process.has_scheduler);
	CHECK(!c->process.has_oom_score_adj && !c->process.terminal);
	CHECK(!c->linux_.has_resources && !c->linux_.has_seccomp);
	CHECK(c->linux_.rootfs_propagation == NULL);
	CHECK(oci_config_namespace(c, OCI_NS_PID) == NULL);
	CHECK(oci_config_namespace(c, OCI_NS_MOUNT) != NULL);
	oci_config_free(c);
	/* process, root and linux are all optional at parse time; create checks for them */
	c = good("{\"process\":null,\"root\":null,\"linux\":null,\"hostname\":null}");
	if (c) {
		CHECK(!c->has_process && !c->has_linux && c->root_path == NULL);
		CHECK(oci_config_namespace(c, OCI_NS_MOUNT) == NULL);
	}
	oci_config_free(c);
}

static void test_unknown_fields_ignored(void)
{
	struct oci_config *c = good("{\"vm\":{\"hypervisor\":{\"path\":1}},\"x\":[1,{}],"
				    "\"process\":{\"futureField\":{\"a\":1.5}},"
				    "\"linux\":{\"futureKnob\":true,\"resources\":{\"newController\":{}}}}");
	CHECK(c != NULL);
	if (c)
		CHECK_STR(c->process.args[0], "sh");
	oci_config_free(c);
	/* the whole runc spec output parses too, including its null-free defaults */
	c = load_full();
	CHECK(c != NULL);
	oci_config_free(c);
}

static void test_duplicate_keys(void)
{
	struct oci_config *c = NULL;
	struct err e;
	const char *dup_top = "{\"ociVersion\":\"1.0.0\",\"ociVersion\":\"1.0.1\"}";
	CHECK(parse_text(dup_top, &c, &e) < 0);
	CHECK(strstr(e.msg, "duplicate") != NULL);
	CHECK(strstr(e.msg, "line 1") != NULL);
	const char *dup_nested = "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\n"
				 "\"args\":[\"a\"],\"cwd\":\"/tmp\"}}";
	CHECK(parse_text(dup_nested, &c, &e) < 0);
	CHECK(strstr(e.msg, "duplicate") != NULL);
	CHECK(strstr(e.msg, "line 2") != NULL);
	CHECK(c == NULL);
}

static void test_malformed(void)
{
	struct oci_config *c = NULL;
	struct err e;
	CHECK(parse_text("{\"ociVersion\": \"1\",\n  \"process\": }", &c, &e) < 0);
	CHECK_PREFIX(e.msg, "invalid JSON at line 2 column");
	CHECK(parse_text("[1,2]", &c, &e) < 0);
	CHECK_STR(e.msg, "must be a JSON object");
	CHECK(parse_text("", &c, &e) < 0);
	CHECK_PREFIX(e.msg, "invalid JSON");
	/* NUL inside strings would be cut short in C: rejected as jansson does by default */
	CHECK(parse_text("{\"ociVersion\":\"1\\u0000x\"}", &c, &e) < 0);
	CHECK_PREFIX(e.msg, "invalid JSON at line 1 column 17: \\u0000 is not allowed");
	CHECK(c == NULL);
	/* the length argument bounds the text: a valid prefix of garbage parses */
	const char *text = "{\"ociVersion\":\"1\"}garbage";
	err_clear(&e);
	CHECK(oci_config_parse(text, 18, &c, &e) == 0);
	oci_config_free(c);
}

/* Literals beyond int64 cannot go through the jansson-built patches: whole documents. */
#define DOC(fields) "{\"ociVersion\":\"1\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}," fields "}"

static void bad_text(const char *text, const char *want)
{
	struct oci_config *c = NULL;
	struct err e;
	CHECK(parse_text(text, &c, &e) < 0);
	CHECK(c == NULL);
	CHECK_PREFIX(e.msg, want);
}

static void test_big_integers(void)
{
	struct oci_config *c = NULL;
	struct err e;
	/* uint64 fields take the whole range, int64 and smaller ones reject what does not fit */
	CHECK(parse_text(DOC("\"linux\":{\"resources\":{\"cpu\":{\"shares\":18446744073709551615}}}"), &c, &e) == 0);
	if (c)
		CHECK(c->linux_.resources.cpu.shares == UINT64_MAX);
	oci_config_free(c);
	c = NULL;
	CHECK(parse_text(DOC("\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775808,"
			     "\"swap\":9223372036854775807}}}"), &c, &e) == 0);
	if (c) {
		CHECK(c->linux_.resources.memory.limit == INT64_MIN);
		CHECK(c->linux_.resources.memory.swap == INT64_MAX);
	}
	oci_config_free(c);
	bad_text(DOC("\"linux\":{\"resources\":{\"cpu\":{\"shares\":18446744073709551616}}}"),
		 "linux.resources.cpu.shares: 18446744073709551616 out of range");
	bad_text(DOC("\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775808}}}"),
		 "linux.resources.memory.limit: 9223372036854775808 out of range");
	bad_text(DOC("\"linux\":{\"resources\":{\"memory\":{\"limit\":-9223372036854775809}}}"),
		 "linux.resources.memory.limit: -9223372036854775809 out of range");
	bad_text(DOC("\"linux\":{\"resources\":{\"memory\":{\"swappiness\":-99999999999999999999}}}"),
		 "linux.resources.memory.swappiness: -99999999999999999999 out of range");
	bad_text("{\"ociVersion\":\"1\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":99999999999999999999}}}",
		 "process.user.uid: 99999999999999999999 out of range");
	/* a rewritten literal is no string */
	bad_text(DOC("\"hostname\":18446744073709551615"), "hostname: must be a string");
	bad_text(DOC("\"mounts\":[{\"destination\":\"/a\",\"options\":[18446744073709551615]}]"),
		 "mounts[0].options[0]: must be a string");
	bad_text(DOC("\"annotations\":{\"k\":18446744073709551615}"), "annotations[\"k\"]: must be a string");
	/* digits inside strings and reals are left alone; leading zeros stay jansson's to reject */
	c = NULL;
	CHECK(parse_text(DOC("\"annotations\":{\"a\":\"18446744073709551616\",\"b\":\"\\\"99999999999999999999\"},"
			     "\"x\":[1.5e99999999999999999999, 123456789012345678901234.5]"), &c, &e) < 0);
	CHECK(strstr(e.msg, "real number overflow") != NULL);
	CHECK(parse_text(DOC("\"annotations\":{\"a\":\"18446744073709551616\",\"b\":\"\\\"99999999999999999999\"},"
			     "\"x\":[1.5e-99999999999999999999, 123456789012345678901234.5]"), &c, &e) == 0);
	if (c) {
		CHECK_STR(c->annotations[0].value, "18446744073709551616");
		CHECK_STR(c->annotations[1].value, "\"99999999999999999999");
	}
	oci_config_free(c);
	c = NULL;
	CHECK(parse_text(DOC("\"x\":018446744073709551616"), &c, &e) < 0);
	CHECK_PREFIX(e.msg, "invalid JSON at line 1");
	BAD("{\"process\":{\"oomScoreAdj\":1.99999999999999999999}}", "process.oomScoreAdj: must be an integer");
}

/* ---------------------------------------------------------------- validation, by path */

static void test_bad_top_level(void)
{
	BAD("{\"ociVersion\":null}", "ociVersion: required");
	BAD("{\"ociVersion\":1}", "ociVersion: must be a string");
	BAD("{\"root\":{\"path\":null}}", "root.path: required");
	BAD("{\"root\":{\"path\":\"\"}}", "root.path: must not be empty");
	BAD("{\"root\":{\"readonly\":\"yes\"}}", "root.readonly: must be a boolean");
	BAD("{\"root\":[]}", "root: must be an object");
	BAD("{\"hostname\":[]}", "hostname: must be a string");
	BAD("{\"annotations\":{\"a\":1}}", "annotations[\"a\"]: must be a string");
	BAD("{\"annotations\":[]}", "annotations: must be an object");
	BAD("{\"annotations\":{\"\":\"x\"}}", "annotations: keys must not be empty");
	BAD("{\"process\":\"sh\"}", "process: must be an object");
	BAD("{\"linux\":1}", "linux: must be an object");
}

static void test_bad_mounts(void)
{
	const char *ok = "{\"destination\":\"/a\"}";
	char patch[512];
	snprintf(patch, sizeof patch, "{\"mounts\":[%s,%s,{\"type\":\"tmpfs\"}]}", ok, ok);
	BAD(patch, "mounts[2].destination: required");
	BAD("{\"mounts\":[{\"destination\":\"\"}]}", "mounts[0].destination: must not be empty");
	BAD("{\"mounts\":[{\"destination\":5}]}", "mounts[0].destination: must be a string");
	BAD("{\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",7]}]}", "mounts[0].options[1]: must be a string");
	BAD("{\"mounts\":[{\"destination\":\"/a\",\"options\":\"ro\"}]}", "mounts[0].options: must be an array of strings");
	BAD("{\"mounts\":[\"/proc\"]}", "mounts[0]: must be an object");
	BAD("{\"mounts\":{}}", "mounts: must be an array");
	BAD("{\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}]}",
	    "mounts[0].gidMappings: required with uidMappings");
	BAD("{\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"size\":1}],"
	    "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}]}",
	    "mounts[0].uidMappings[0].hostID: required");
}

static void test_bad_hooks(void)
{
	BAD("{\"hooks\":{\"prestart\":[{\"args\":[\"x\"]}]}}", "hooks.prestart[0].path: required");
	BAD("{\"hooks\":{\"poststop\":[{\"path\":\"/a\"},{\"path\":\"bin/x\"}]}}",
	    "hooks.poststop[1].path: must be an absolute path");
	BAD("{\"hooks\":{\"createRuntime\":[{\"path\":\"/a\",\"timeout\":0}]}}",
	    "hooks.createRuntime[0].timeout: 0 out of range");
	BAD("{\"hooks\":{\"createContainer\":[{\"path\":\"/a\",\"timeout\":-3}]}}",
	    "hooks.createContainer[0].timeout: -3 out of range");
	BAD("{\"hooks\":{\"startContainer\":[{\"path\":\"/a\",\"timeout\":1.5}]}}",
	    "hooks.startContainer[0].timeout: must be an integer");
	BAD("{\"hooks\":{\"poststart\":[{\"path\":\"/a\",\"env\":[1]}]}}", "hooks.poststart[0].env[0]: must be a string");
	BAD("{\"hooks\":{\"prestart\":{}}}", "hooks.prestart: must be an array");
}

static void test_bad_process(void)
{
	BAD("{\"process\":{\"args\":[]}}", "process.args: must be a non-empty array of strings");
	BAD("{\"process\":{\"args\":null}}", "process.args: must be a non-empty array of strings");
	BAD("{\"process\":{\"args\":\"sh\"}}", "process.args: must be a non-empty array of strings");
	BAD("{\"process\":{\"args\":[\"sh\",1]}}", "process.args[1]: must be a string");
	BAD("{\"process\":{\"cwd\":null}}", "process.cwd: required");
	BAD("{\"process\":{\"cwd\":\"tmp\"}}", "process.cwd: must be an absolute path");
	BAD("{\"process\":{\"cwd\":\"\"}}", "process.cwd: must be an absolute path");
	BAD("{\"process\":{\"env\":[\"A=1\",false]}}", "process.env[1]: must be a string");
	BAD("{\"process\":{\"env\":[\"A=1\",\"NOEQUALS\"]}}", "process.env[1]: must be KEY=VALUE");
	BAD("{\"process\":{\"env\":[\"=x\"]}}", "process.env[0]: empty variable name");
	BAD("{\"process\":{\"terminal\":1}}", "process.terminal: must be a boolean");
	BAD("{\"process\":{\"consoleSize\":{\"height\":1}}}", "process.consoleSize.width: required");
	BAD("{\"process\":{\"consoleSize\":{\"height\":-1,\"width\":1}}}", "process.consoleSize.height: -1 out of range");
	BAD("{\"process\":{\"noNewPrivileges\":\"true\"}}", "process.noNewPrivileges: must be a boolean");
	BAD("{\"process\":{\"oomScoreAdj\":2147483648}}", "process.oomScoreAdj: 2147483648 out of range");
	BAD("{\"process\":{\"execCPUAffinity\":{\"initial\":\"0-3;5\"}}}",
	    "process.execCPUAffinity.initial: must be a CPU list");
	BAD("{\"process\":{\"commandLine\":[]}}", "process.commandLine: must be a string");
}

static void test_bad_user(void)
{
	BAD("{\"process\":{\"user\":{\"uid\":4294967296}}}", "process.user.uid: 4294967296 out of range (0..4294967295)");
	BAD("{\"process\":{\"user\":{\"uid\":-1}}}", "process.user.uid: -1 out of range");
	BAD("{\"process\":{\"user\":{\"gid\":1.0}}}", "process.user.gid: must be an integer");
	BAD("{\"process\":{\"user\":{\"gid\":\"0\"}}}", "process.user.gid: must be an integer");
	BAD("{\"process\":{\"user\":{\"umask\":-18}}}", "process.user.umask: -18 out of range");
	BAD("{\"process\":{\"user\":{\"additionalGids\":[1,4294967296]}}}",
	    "process.user.additionalGids[1]: 4294967296 out of range");
	BAD("{\"process\":{\"user\":{\"additionalGids\":5}}}", "process.user.additionalGids: must be an array");
	BAD("{\"process\":{\"user\":7}}", "process.user: must be an object");
}

static void test_bad_rlimits(void)
{
	BAD("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]}}",
	    "process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\"");
	BAD("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},"
	    "{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":1},{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":2}]}}",
	    "process.rlimits[2].type: duplicate rlimit type \"RLIMIT_NOFILE\"");
	BAD("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1}]}}", "process.rlimits[0].soft: required");
	BAD("{\"process\":{\"rlimits\":[{\"soft\":1,\"hard\":1}]}}", "process.rlimits[0].type: required");
	BAD("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":-1,\"hard\":1}]}}",
	    "process.rlimits[0].soft: -1 out of range");
	/* soft > hard is the kernel's to reject, as with runc */
	struct oci_config *c = good("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NPROC\",\"soft\":10,\"hard\":1}]}}");
	if (c)
		CHECK(c->process.rlimits[0].resource == RLIMIT_NPROC && c->process.rlimits[0].soft == 10);
	oci_config_free(c);
}

static void test_capabilities_process(void)
{
	BAD("{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_KILL\",3]}}}",
	    "process.capabilities.bounding[1]: must be a string");
	BAD("{\"process\":{\"capabilities\":{\"ambient\":\"CAP_KILL\"}}}", "process.capabilities.ambient: must be an array");
	struct oci_config *c = good("{\"process\":{\"capabilities\":{\"bounding\":[],\"effective\":[\"cap_kill\"]}}}");
	if (c) {
		const struct oci_capabilities *k = &c->process.capabilities;
		CHECK(c->process.has_capabilities && k->has_bounding && k->bounding == 0);
		CHECK(!k->has_permitted && k->effective == 0);
		/* names are matched exactly, as runc does */
		CHECK(k->unknown && strcmp(k->unknown[0], "cap_kill") == 0);
	}
	oci_config_free(c);
}

static void test_bad_scheduler_ioprio(void)
{
	BAD("{\"process\":{\"scheduler\":{\"nice\":1}}}", "process.scheduler.policy: required");
	BAD("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_FOO\"}}}", "process.scheduler.policy: unknown scheduler policy");
	BAD("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"flags\":[\"SCHED_FLAG_NOPE\"]}}}",
	    "process.scheduler.flags[0]: unknown scheduler flag");
	BAD("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":20}}}", "process.scheduler.nice: 20 out of range");
	BAD("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":2147483648}}}",
	    "process.scheduler.nice: 2147483648 out of range");
	BAD("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"priority\":3}}}",
	    "process.scheduler.priority: only allowed with SCHED_FIFO or SCHED_RR");
	BAD("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_RR\",\"runtime\":3}}}",
	    "process.scheduler: runtime, deadline and period are only allowed with SCHED_DEADLINE");
	BAD("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"period\":-3}}}",
	    "process.scheduler.period: -3 out of range");
	BAD("{\"process\":{\"ioPriority\":{\"priority\":1}}}", "process.ioPriority.class: required");
	BAD("{\"process\":{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}}}",
	    "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
	BAD("{\"process\":{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\",\"priority\":8}}}",
	    "process.ioPriority.priority: 8 out of range (0..7)");
	BAD("{\"process\":{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\",\"priority\":-1}}}",
	    "process.ioPriority.priority: -1 out of range (0..7)");
	struct oci_config *c = good("{\"process\":{\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":50},"
				    "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\"}}}");
	if (c) {
		CHECK(c->process.scheduler.policy == 1 && c->process.scheduler.priority == 50);
		CHECK(c->process.io_priority.class_ == 3 && c->process.io_priority.priority == 0);
	}
	oci_config_free(c);
}

static void test_bad_namespaces(void)
{
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"foo\"}]}}",
	    "linux.namespaces[1].type: unknown namespace type \"foo\"");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"mount\",\"path\":\"/x\"}]}}",
	    "linux.namespaces[2].type: duplicate namespace type \"mount\"");
	BAD("{\"linux\":{\"namespaces\":[{\"path\":\"/proc/1/ns/net\"}]}}", "linux.namespaces[0].type: required");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"proc/1/ns/net\"}]}}",
	    "linux.namespaces[0].path: must be an absolute path");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"user\"}],"
	    "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
	    "linux.uidMappings: user namespaces enabled, but no uid mappings found");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"user\"}],"
	    "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
	    "linux.gidMappings: user namespaces enabled, but no gid mappings found");
	BAD("{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
	    "linux.uidMappings: requires a user namespace");
	BAD("{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":4294967296}]}}",
	    "linux.uidMappings[0].size: 4294967296 out of range");
	/* What the kernel would refuse at the uid_map write, named before anything is made. */
	BAD("{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}}",
	    "linux.uidMappings[0]: size must not be 0");
	BAD("{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":1}]}}",
	    "linux.uidMappings[0]: range goes past the last id");
	BAD("{\"linux\":{\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},"
	    "{\"containerID\":5,\"hostID\":2000,\"size\":1}]}}",
	    "linux.gidMappings[1]: containerID range overlaps entry 0");
	BAD("{\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":2},"
	    "{\"containerID\":9,\"hostID\":2,\"size\":1}],"
	    "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}]}",
	    "mounts[0].uidMappings[1]: hostID range overlaps entry 0");
	BAD("{\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}],"
	    "\"gidMappings\":[{\"containerID\":4294967290,\"hostID\":1,\"size\":6}]}]}",
	    "mounts[0].gidMappings[0]: range goes past the last id");
	BAD("{\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":1}}}}", "linux.timeOffsets: requires a time namespace");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"time\",\"path\":\"/proc/1/ns/time\"}],"
	    "\"timeOffsets\":{\"boottime\":{\"secs\":1}}}}",
	    "linux.timeOffsets: cannot be set when joining an existing time namespace");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"time\"}],"
	    "\"timeOffsets\":{\"realtime\":{\"secs\":1}}}}", "linux.timeOffsets.realtime: unknown clock");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"time\"}],"
	    "\"timeOffsets\":{\"boottime\":{\"nanosecs\":-1}}}}", "linux.timeOffsets.boottime.nanosecs: -1 out of range");
	BAD("{\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
	    "hostname: unable to set hostname without a private UTS namespace");
	BAD("{\"hostname\":null,\"domainname\":\"d\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
	    "domainname: unable to set domainname without a private UTS namespace");
	/* joining a user namespace takes its mappings; an empty path means "create" (Go's zero value) */
	struct oci_config *c = good("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},"
				    "{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"},{\"type\":\"ipc\",\"path\":\"\"}]}}");
	if (c) {
		CHECK_STR(oci_config_namespace(c, OCI_NS_USER)->path, "/proc/1/ns/user");
		CHECK(oci_config_namespace(c, OCI_NS_IPC)->path == NULL);
	}
	oci_config_free(c);
}

static void test_bad_devices(void)
{
	BAD("{\"linux\":{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]}}",
	    "linux.devices[0].type: must be \"c\", \"b\", \"u\" or \"p\"");
	BAD("{\"linux\":{\"devices\":[{\"type\":\"cc\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]}}",
	    "linux.devices[0].type: must be");
	BAD("{\"linux\":{\"devices\":[{\"path\":\"/dev/x\"}]}}", "linux.devices[0].type: required");
	BAD("{\"linux\":{\"devices\":[{\"type\":\"c\",\"major\":1,\"minor\":1}]}}", "linux.devices[0].path: required");
	BAD("{\"linux\":{\"devices\":[{\"type\":\"c\",\"path\":\"dev/x\",\"major\":1,\"minor\":1}]}}",
	    "linux.devices[0].path: must be an absolute path");
	BAD("{\"linux\":{\"devices\":[{\"type\":\"b\",\"path\":\"/dev/x\",\"minor\":1}]}}",
	    "linux.devices[0].major: required for a device of type 'b'");
	BAD("{\"linux\":{\"devices\":[{\"type\":\"u\",\"path\":\"/dev/x\",\"major\":1}]}}",
	    "linux.devices[0].minor: required for a device of type 'u'");
	BAD("{\"linux\":{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1,\"fileMode\":-1}]}}",
	    "linux.devices[0].fileMode: -1 out of range");
	BAD("{\"linux\":{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1,\"uid\":4294967296}]}}",
	    "linux.devices[0].uid: 4294967296 out of range");
}

static void test_bad_linux_misc(void)
{
	BAD("{\"linux\":{\"rootfsPropagation\":\"everywhere\"}}", "linux.rootfsPropagation: unknown propagation \"everywhere\"");
	BAD("{\"linux\":{\"maskedPaths\":[\"/a\",\"b\"]}}", "linux.maskedPaths[1]: must be an absolute path");
	BAD("{\"linux\":{\"readonlyPaths\":[3]}}", "linux.readonlyPaths[0]: must be a string");
	BAD("{\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}}", "linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string");
	BAD("{\"linux\":{\"cgroupsPath\":1}}", "linux.cgroupsPath: must be a string");
	BAD("{\"linux\":{\"personality\":{\"domain\":\"LINUX64\"}}}", "linux.personality.domain: must be \"LINUX\" or \"LINUX32\"");
	BAD("{\"linux\":{\"personality\":{\"flags\":[]}}}", "linux.personality.domain: required");
	BAD("{\"linux\":{\"memoryPolicy\":{\"nodes\":\"0\"}}}", "linux.memoryPolicy.mode: required");
	BAD("{\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_FOO\"}}}", "linux.memoryPolicy.mode: unknown memory policy mode");
	BAD("{\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_PREFERRED\",\"flags\":[\"MPOL_F_STATIC_NODES\",\"MPOL_F_X\"]}}}",
	    "linux.memoryPolicy.flags[1]: unknown memory policy flag \"MPOL_F_X\"");
	BAD("{\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\"}}}", "linux.memoryPolicy.nodes: required with MPOL_BIND");
	BAD("{\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_LOCAL\",\"nodes\":\"0\"}}}",
	    "linux.memoryPolicy.nodes: must be empty with MPOL_LOCAL");
	BAD("{\"linux\":{\"intelRdt\":{\"memBwSchema\":\"L3:0=1\"}}}", "linux.intelRdt.memBwSchema: must start with \"MB:\"");
	BAD("{\"linux\":{\"intelRdt\":{\"schemata\":[\"L3:0=1\\nMB:0=2\"]}}}", "linux.intelRdt.schemata[0]: must not contain a newline");
	BAD("{\"linux\":{\"intelRdt\":{\"closID\":\"../x\"}}}", "linux.intelRdt.closID: invalid CLOS name");
	BAD("{\"linux\":{\"netDevices\":{\"eth0\":{}}}}", "linux.netDevices: requires a network namespace");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"network\"}],"
	    "\"netDevices\":{\"eth0\":{\"name\":\"a/b\"}}}}", "linux.netDevices[\"eth0\"].name: invalid network device name");
	BAD("{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"network\"}],"
	    "\"netDevices\":{\"averyveryverylongname\":{}}}}", "linux.netDevices[\"averyveryverylongname\"]: invalid network device name");
	struct oci_config *c = good("{\"linux\":{\"rootfsPropagation\":\"\",\"intelRdt\":{\"closID\":\"/\"},"
				    "\"memoryPolicy\":{\"mode\":\"MPOL_PREFERRED\"}}}");
	if (c) {
		CHECK(c->linux_.rootfs_propagation == NULL);
		CHECK_STR(c->linux_.intel_rdt.clos_id, "/");
	}
	oci_config_free(c);
}

static void test_bad_seccomp(void)
{
	BAD("{\"linux\":{\"seccomp\":{}}}", "linux.seccomp.defaultAction: required");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_MAYBE\"}}}",
	    "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_MAYBE\"");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}}}",
	    "linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]}}}",
	    "linux.seccomp.architectures[0]: unknown seccomp architecture");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}}}",
	    "linux.seccomp.flags[0]: unknown seccomp flag");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
	    "linux.seccomp.syscalls[0].names: must be a non-empty array of strings");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
	    "linux.seccomp.syscalls[0].names: must be a non-empty array of strings");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\",\"\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
	    "linux.seccomp.syscalls[0].names[1]: must not be empty");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"]}]}}}",
	    "linux.seccomp.syscalls[0].action: required");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_LOG\",\"errnoRet\":1}]}}}",
	    "linux.seccomp.syscalls[0].errnoRet: only allowed with");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
	    "\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
	    "linux.seccomp.syscalls[0].args[0].index: 6 out of range (0..5)");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
	    "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_SOMETIMES\"}]}]}}}",
	    "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_SOMETIMES\"");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
	    "\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
	    "linux.seccomp.syscalls[0].args[0].value: required");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/s\"}}}",
	    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}}",
	    "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/s\","
	    "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}}",
	    "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for the write syscall");
	BAD("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"m\"}}}",
	    "linux.seccomp.listenerMetadata: requires listenerPath");
	struct oci_config *c = good("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_TRACE\",\"defaultErrnoRet\":7}}}");
	if (c)
		CHECK(c->linux_.seccomp.default_action == OCI_SCMP_TRACE && c->linux_.seccomp.default_errno_ret == 7);
	oci_config_free(c);
}

static void test_bad_resources(void)
{
	BAD("{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}", "linux.resources.memory.limit: must be an integer");
	BAD("{\"linux\":{\"resources\":{\"memory\":{\"limit\":1.5}}}}", "linux.resources.memory.limit: must be an integer");
	BAD("{\"linux\":{\"resources\":{\"memory\":{\"swappiness\":-1}}}}", "linux.resources.memory.swappiness: -1 out of range");
	BAD("{\"linux\":{\"resources\":{\"memory\":{\"disableOOMKiller\":0}}}}",
	    "linux.resources.memory.disableOOMKiller: must be a boolean");
	BAD("{\"linux\":{\"resources\":{\"cpu\":{\"shares\":-2}}}}", "linux.resources.cpu.shares: -2 out of range");
	BAD("{\"linux\":{\"resources\":{\"cpu\":{\"cpus\":0}}}}", "linux.resources.cpu.cpus: must be a string");
	BAD("{\"linux\":{\"resources\":{\"pids\":{}}}}", "linux.resources.pids.limit: required");
	BAD("{\"linux\":{\"resources\":{\"blockIO\":{\"weight\":-1}}}}", "linux.resources.blockIO.weight: -1 out of range (0..65535)");
	BAD("{\"linux\":{\"resources\":{\"blockIO\":{\"leafWeight\":65536}}}}", "linux.resources.blockIO.leafWeight: 65536 out of range");
	BAD("{\"linux\":{\"resources\":{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"weight\":1}]}}}}",
	    "linux.resources.blockIO.weightDevice[0].minor: required");
	BAD("{\"linux\":{\"resources\":{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":-5}]}}}}",
	    "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: -5 out of range");
	BAD("{\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MiB\",\"limit\":1}]}}}",
	    "linux.resources.hugepageLimits[0].pageSize: must be a size");
	BAD("{\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"02MB\",\"limit\":1}]}}}",
	    "linux.resources.hugepageLimits[0].pageSize: must be a size");
	BAD("{\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}}}",
	    "linux.resources.hugepageLimits[0].limit: required");
	BAD("{\"linux\":{\"resources\":{\"network\":{\"classID\":-1}}}}", "linux.resources.network.classID: -1 out of range");
	BAD("{\"linux\":{\"resources\":{\"network\":{\"priorities\":[{\"name\":\"eth0\"}]}}}}",
	    "linux.resources.network.priorities[0].priority: required");
	BAD("{\"linux\":{\"resources\":{\"rdma\":{\"mlx\":{\"hcaHandles\":-1}}}}}",
	    "linux.resources.rdma[\"mlx\"].hcaHandles: -1 out of range");
	BAD("{\"linux\":{\"resources\":{\"unified\":{\"memory.max\":1}}}}", "linux.resources.unified[\"memory.max\"]: must be a string");
	BAD("{\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}}", "linux.resources.devices[0].allow: required");
	BAD("{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}}",
	    "linux.resources.devices[0].access: may only contain the characters \"rwm\"");
	BAD("{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"\"}]}}}",
	    "linux.resources.devices[0].access: must not be empty");
	BAD("{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"p\"}]}}}",
	    "linux.resources.devices[0].type: must be \"a\", \"c\" or \"b\"");
	BAD("{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"major\":1.0}]}}}",
	    "linux.resources.devices[0].major: must be an integer");
}

/* ---------------------------------------------------------------- the standalone parsers */

static void test_process_parse(void)
{
	const char *ok = "{\"args\":[\"/bin/ps\",\"aux\"],\"cwd\":\"/srv\",\"env\":[\"A=b\"],\"terminal\":false,"
			 "\"user\":{\"uid\":5,\"gid\":6},\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]},"
			 "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":18446744073709551615,\"hard\":18446744073709551615}]}";
	struct oci_process *p = NULL;
	struct err e;
	err_clear(&e);
	CHECK(oci_process_parse(ok, strlen(ok), &p, &e) == 0);
	if (p) {
		CHECK(p->n_args == 2);
		CHECK_STR(p->args[1], "aux");
		CHECK_STR(p->cwd, "/srv");
		CHECK_STR(p->env[0], "A=b");
		CHECK(p->user.uid == 5 && p->user.gid == 6);
		CHECK(p->has_capabilities && p->capabilities.bounding == 1);
		CHECK(p->rlimits[0].soft == RLIM_INFINITY);
	}
	oci_process_free(p);
	/* paths are relative to the document, which is the process object itself */
	const char *bad = "{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}";
	p = NULL;
	CHECK(oci_process_parse(bad, strlen(bad), &p, &e) < 0 && p == NULL);
	CHECK_PREFIX(e.msg, "user.uid: -1 out of range");
	const char *noargs = "{\"cwd\":\"/\"}";
	CHECK(oci_process_parse(noargs, strlen(noargs), &p, &e) < 0);
	CHECK_STR(e.msg, "args: must be a non-empty array of strings");
	const char *dup = "{\"args\":[\"sh\"],\"cwd\":\"/\",\"cwd\":\"/\"}";
	CHECK(oci_process_parse(dup, strlen(dup), &p, &e) < 0);
	CHECK(strstr(e.msg, "duplicate") != NULL);
	oci_process_free(NULL);
}

static void test_resources_parse(void)
{
	const char *ok = "{\"memory\":{\"limit\":1048576,\"swap\":-1},\"cpu\":{\"quota\":-1,\"cpus\":\"0\"},"
			 "\"pids\":{\"limit\":-1},\"unified\":{\"cpu.weight\":\"100\"},\"newThing\":1}";
	struct oci_resources *r = NULL;
	struct err e;
	err_clear(&e);
	CHECK(oci_resources_parse(ok, strlen(ok), &r, &e) == 0);
	if (r) {
		CHECK(r->has_memory && r->memory.limit == 1048576 && r->memory.swap == -1);
		CHECK(!r->memory.has_reservation);
		CHECK(r->has_cpu && r->cpu.has_quota && r->cpu.quota == -1 && !r->cpu.has_period);
		CHECK_STR(r->cpu.cpus, "0");
		CHECK(r->has_pids_limit && r->pids_limit == -1);
		CHECK(!r->has_block_io && r->n_devices == 0);
		CHECK(r->n_unified == 1);
		CHECK_STR(r->unified[0].key, "cpu.weight");
	}
	oci_resources_free(r);
	r = NULL;
	const char *empty = "{}";
	CHECK(oci_resources_parse(empty, strlen(empty), &r, &e) == 0);
	if (r)
		CHECK(!r->has_memory && !r->has_cpu && !r->has_pids_limit);
	oci_resources_free(r);
	r = NULL;
	const char *bad = "{\"memory\":{\"limit\":\"lots\"}}";
	CHECK(oci_resources_parse(bad, strlen(bad), &r, &e) < 0 && r == NULL);
	CHECK_STR(e.msg, "memory.limit: must be an integer");
	oci_resources_free(NULL);
}

/* ---------------------------------------------------------------- loading from a file */

static void test_load(void)
{
	struct oci_config *c = NULL;
	struct err e;
	err_clear(&e);
	CHECK(oci_config_load("/nonexistent-dir/config.json", &c, &e) < 0);
	CHECK(e.code == ENOENT);
	CHECK_PREFIX(e.msg, "config.json: ");
	CHECK(strstr(e.msg, "/nonexistent-dir/config.json") != NULL);
	CHECK(strstr(e.msg, strerror(ENOENT)) != NULL);

	char dir[] = "/tmp/test-config-XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	char path[128];
	snprintf(path, sizeof path, "%s/config.json", dir);
	FILE *f = fopen(path, "we");
	CHECK(f != NULL);
	if (f) {
		fputs("{\n  \"ociVersion\": \"1.0.0\",\n  \"process\": {\"cwd\": \"/\",, }\n}\n", f);
		fclose(f);
	}
	CHECK(oci_config_load(path, &c, &e) < 0);
	CHECK_PREFIX(e.msg, "config.json: invalid JSON at line 3 column");
	f = fopen(path, "we");
	if (f) {
		fputs("{\"ociVersion\": \"1.0.0\", \"process\": {\"args\": [\"sh\"], \"cwd\": \"x\"}}", f);
		fclose(f);
	}
	CHECK(oci_config_load(path, &c, &e) < 0);
	CHECK_PREFIX(e.msg, "config.json: process.cwd: must be an absolute path");
	CHECK(e.code == EINVAL);
	unlink(path);
	rmdir(dir);
	CHECK(c == NULL);
}

/* ---------------------------------------------------------------- lookups */

static void test_capability_table(void)
{
	CHECK(oci_capability_from_name("CAP_CHOWN") == 0);
	CHECK(oci_capability_from_name("CAP_SYS_ADMIN") == 21);
	CHECK(oci_capability_from_name("CAP_AUDIT_READ") == 37);
	CHECK(oci_capability_from_name("CAP_CHECKPOINT_RESTORE") == 40);
	CHECK(oci_capability_from_name("CAP_FOO") == -1);
	CHECK(oci_capability_from_name("chown") == -1);
	CHECK(oci_capability_from_name("cap_chown") == -1);
	CHECK(oci_capability_from_name("") == -1);
	CHECK(oci_capability_from_name(NULL) == -1);
	CHECK(oci_capability_last() == 40);
	CHECK_STR(oci_capability_name(0), "CAP_CHOWN");
	CHECK_STR(oci_capability_name(38), "CAP_PERFMON");
	CHECK_STR(oci_capability_name(39), "CAP_BPF");
	CHECK(oci_capability_name(41) == NULL);
	CHECK(oci_capability_name(-1) == NULL);
	/* the table round-trips */
	for (int i = 0; i <= oci_capability_last(); i++)
		CHECK(oci_capability_from_name(oci_capability_name(i)) == i);
}

static void test_ns_names(void)
{
	CHECK_STR(oci_ns_type_name(OCI_NS_PID), "pid");
	CHECK_STR(oci_ns_type_name(OCI_NS_NETWORK), "network");
	CHECK_STR(oci_ns_type_name(OCI_NS_MOUNT), "mount");
	CHECK_STR(oci_ns_type_name(OCI_NS_IPC), "ipc");
	CHECK_STR(oci_ns_type_name(OCI_NS_UTS), "uts");
	CHECK_STR(oci_ns_type_name(OCI_NS_USER), "user");
	CHECK_STR(oci_ns_type_name(OCI_NS_CGROUP), "cgroup");
	CHECK_STR(oci_ns_type_name(OCI_NS_TIME), "time");
	CHECK(oci_ns_type_name(OCI_NS_COUNT) == NULL);
	CHECK(oci_config_namespace(NULL, OCI_NS_PID) == NULL);
}

int main(void)
{
	RUN_TEST(test_full_top_and_mounts);
	RUN_TEST(test_full_hooks);
	RUN_TEST(test_full_process);
	RUN_TEST(test_full_capabilities);
	RUN_TEST(test_full_linux);
	RUN_TEST(test_full_resources);
	RUN_TEST(test_full_seccomp);
	RUN_TEST(test_minimal_defaults);
	RUN_TEST(test_unknown_fields_ignored);
	RUN_TEST(test_duplicate_keys);
	RUN_TEST(test_malformed);
	RUN_TEST(test_big_integers);
	RUN_TEST(test_bad_top_level);
	RUN_TEST(test_bad_mounts);
	RUN_TEST(test_bad_hooks);
	RUN_TEST(test_bad_process);
	RUN_TEST(test_bad_user);
	RUN_TEST(test_bad_rlimits);
	RUN_TEST(test_capabilities_process);
	RUN_TEST(test_bad_scheduler_ioprio);
	RUN_TEST(test_bad_namespaces);
	RUN_TEST(test_bad_devices);
	RUN_TEST(test_bad_linux_misc);
	RUN_TEST(test_bad_seccomp);
	RUN_TEST(test_bad_resources);
	RUN_TEST(test_process_parse);
	RUN_TEST(test_resources_parse);
	RUN_TEST(test_load);
	RUN_TEST(test_capability_table);
	RUN_TEST(test_ns_names);
	UNIT_DONE();
}
