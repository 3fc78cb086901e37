/* config.json as typed structs. oci/config.c is the only code that reads JSON for it;
 * everything below the CLI takes these structs. All strings are owned (malloc'd) and freed by
 * oci_config_free(). Optional scalars carry a has_ flag. Arrays carry an explicit count. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct oci_kv {           /* annotations, sysctl, unified, env-like maps */
	char *key;
	char *value;
};

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination;    /* always absolute: a relative one gets "/" prepended (spec) */
	char *type;           /* NULL when absent */
	char *source;         /* NULL when absent */
	char **options;       /* NULL-terminated, may be NULL */
	size_t n_options;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

struct oci_rlimit {
	int resource;         /* RLIMIT_* */
	char *type;           /* as written, e.g. "RLIMIT_NOFILE" */
	uint64_t soft;
	uint64_t hard;
};

struct oci_capabilities {
	/* Each set is a bitmask of CAP_* numbers (bit n = capability n). has_ tells if the
	 * array was present at all. Unknown names are kept in `unknown` for a warning. */
	uint64_t bounding, effective, inheritable, permitted, ambient;
	bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
	char **unknown;       /* NULL-terminated, may be NULL; each unknown name once */
};

struct oci_scheduler {
	int policy;           /* SCHED_* */
	int32_t nice;
	int32_t priority;
	uint64_t flags;       /* SCHED_FLAG_* bits */
	uint64_t runtime, deadline, period;
};

struct oci_io_priority {
	int class_;           /* IOPRIO_CLASS_* (1 RT, 2 BE, 3 IDLE) */
	int priority;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;       /* Windows only, kept for completeness */
};

struct oci_process {
	bool terminal;
	bool has_console_size;    /* parsed even without terminal, which makes it moot (spec) */
	unsigned console_height, console_width;
	char *cwd;
	char **env;           /* NULL-terminated, never NULL; entries are KEY=VALUE */
	size_t n_env;
	char **args;          /* NULL-terminated, n_args >= 1 after validation */
	size_t n_args;
	char *command_line;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	char *apparmor_profile;
	bool has_capabilities;
	struct oci_capabilities capabilities;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_scheduler;
	struct oci_scheduler scheduler;
	char *selinux_label;
	bool has_io_priority;
	struct oci_io_priority io_priority;
	char *exec_cpu_affinity_initial;
	char *exec_cpu_affinity_final;
	struct oci_user user;
};

struct oci_hook {
	char *path;
	char **args;          /* NULL-terminated, may be NULL */
	size_t n_args;
	char **env;           /* NULL-terminated, may be NULL */
	size_t n_env;
	bool has_timeout;
	int timeout;          /* seconds, > 0 */
};

struct oci_hook_list {
	struct oci_hook *hooks;
	size_t n;
};

struct oci_hooks {
	struct oci_hook_list prestart, create_runtime, create_container, start_container,
		poststart, poststop;
};

enum oci_ns_type {
	OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_MOUNT, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_USER,
	OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_COUNT
};

struct oci_namespace {
	enum oci_ns_type type;
	char *path;           /* NULL: create a new one (also when given as "") */
};

struct oci_device {
	char type;            /* 'c', 'b', 'u', 'p' */
	char *path;
	bool has_major_minor;
	int64_t major, minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid, has_gid;
	uint32_t uid, gid;
};

struct oci_device_cgroup {
	bool allow;
	char type;            /* 'a', 'c', 'b'; 'a' when absent */
	bool has_major, has_minor;
	int64_t major, minor; /* -1 == wildcard */
	char *access;         /* NULL = "rwm"; otherwise non-empty, only r, w, m */
};

struct oci_memory {
	bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
	int64_t limit, reservation, swap, kernel, kernel_tcp;
	uint64_t swappiness;
	bool has_disable_oom_killer, disable_oom_killer;
	bool has_use_hierarchy, use_hierarchy;
	bool has_check_before_update, check_before_update;
};

struct oci_cpu {
	bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
		has_realtime_period, has_idle;
	uint64_t shares, burst, period, realtime_period;
	int64_t quota, realtime_runtime, idle;
	char *cpus;
	char *mems;
};

struct oci_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct oci_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct oci_blkio {
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
	struct oci_weight_device *weight_device;
	size_t n_weight_device;
	struct oci_throttle_device *throttle_read_bps, *throttle_write_bps,
		*throttle_read_iops, *throttle_write_iops;
	size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
		n_throttle_write_iops;
};

struct oci_hugepage_limit {
	char *page_size;      /* "2MB", "1GB" */
	uint64_t limit;
};

struct oci_net_priority {
	char *name;
	uint32_t priority;
};

struct oci_rdma {
	char *device;
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct oci_resources {
	struct oci_device_cgroup *devices;
	size_t n_devices;
	bool has_memory;
	struct oci_memory memory;
	bool has_cpu;
	struct oci_cpu cpu;
	bool has_pids_limit;
	int64_t pids_limit;
	bool has_block_io;
	struct oci_blkio block_io;
	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	bool has_network;
	bool has_class_id;
	uint32_t class_id;
	struct oci_net_priority *net_priorities;
	size_t n_net_priorities;
	struct oci_rdma *rdma;
	size_t n_rdma;
	struct oci_kv *unified;
	size_t n_unified;
};

enum oci_seccomp_op {
	OCI_OP_NE, OCI_OP_LT, OCI_OP_LE, OCI_OP_EQ, OCI_OP_GE, OCI_OP_GT, OCI_OP_MASKED_EQ
};

struct oci_seccomp_arg {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	enum oci_seccomp_op op;
};

/* Actions as SCMP_ACT_* base values; errno/trace take their return value separately. */
enum oci_seccomp_action {
	OCI_SCMP_KILL, OCI_SCMP_KILL_PROCESS, OCI_SCMP_KILL_THREAD, OCI_SCMP_TRAP,
	OCI_SCMP_ERRNO, OCI_SCMP_TRACE, OCI_SCMP_ALLOW, OCI_SCMP_LOG, OCI_SCMP_NOTIFY
};

struct oci_seccomp_syscall {
	char **names;         /* NULL-terminated */
	size_t n_names;
	enum oci_seccomp_action action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	enum oci_seccomp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures; /* "SCMP_ARCH_X86_64", ... NULL-terminated, may be NULL */
	size_t n_architectures;
	char **flags;         /* "SECCOMP_FILTER_FLAG_*", NULL-terminated, may be NULL */
	size_t n_flags;
	char *listener_path;
	char *listener_metadata;
	struct oci_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct oci_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_net_device {
	char *host_name;      /* key of linux.netDevices */
	char *name;           /* name inside the container (defaults to host_name) */
};

struct oci_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	char **schemata;
	size_t n_schemata;
	bool enable_monitoring;
};

struct oci_personality {
	char *domain;         /* "LINUX" or "LINUX32" */
	char **flags;
	size_t n_flags;
};

struct oci_memory_policy {
	char *mode;           /* "MPOL_*" */
	char *nodes;
	char **flags;
	size_t n_flags;
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct oci_time_offset time_monotonic, time_boottime;
	struct oci_device *devices;
	size_t n_devices;
	struct oci_net_device *net_devices;
	size_t n_net_devices;
	char *cgroups_path;
	bool has_resources;
	struct oci_resources resources;
	char *rootfs_propagation; /* NULL when absent or "" */
	bool has_seccomp;
	struct oci_seccomp seccomp;
	struct oci_kv *sysctl;
	size_t n_sysctl;
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *mount_label;
	bool has_intel_rdt;
	struct oci_intel_rdt intel_rdt;
	bool has_personality;
	struct oci_personality personality;
	bool has_memory_policy;
	struct oci_memory_policy memory_policy;
};

struct oci_config {
	char *oci_version;
	char *root_path;      /* NULL when root is absent */
	bool root_readonly;
	struct oci_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct oci_process process;
	char *hostname;
	char *domainname;
	struct oci_hooks hooks;
	struct oci_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct oci_linux linux_;
};

/* Parse and fully validate. Errors name the JSON path: "process.args: must be ..." with
 * code EINVAL. Duplicate keys are rejected. Unknown fields are ignored; JSON null counts as
 * absent. process, root and linux are optional here: commands that need them check. */
int oci_config_parse(const char *json_text, size_t len, struct oci_config **out, struct err *e);
/* As oci_config_parse, errors prefixed with the file's basename ("config.json: ..."). */
int oci_config_load(const char *path, struct oci_config **out, struct err *e);
void oci_config_free(struct oci_config *c);

/* A process object alone (exec --process FILE). Same rules as config.json's "process";
 * error paths are relative to the document ("user.uid: ..."). */
int oci_process_parse(const char *json_text, size_t len, struct oci_process **out, struct err *e);
void oci_process_free(struct oci_process *p);

/* A linux.resources object alone (update --resources FILE). */
int oci_resources_parse(const char *json_text, size_t len, struct oci_resources **out, struct err *e);
void oci_resources_free(struct oci_resources *r);

/* Lookups used by several modules. */
const struct oci_namespace *oci_config_namespace(const struct oci_config *c, enum oci_ns_type t);
const char *oci_ns_type_name(enum oci_ns_type t);   /* "pid", "network", ... */
int oci_capability_from_name(const char *name);      /* "CAP_CHOWN" -> 0, -1 if unknown */
const char *oci_capability_name(int cap);            /* 0 -> "CAP_CHOWN", NULL if unknown */
int oci_capability_last(void);                        /* highest known capability number */
