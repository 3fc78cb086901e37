/* config.json "linux": namespaces, id mappings, devices, network devices, paths, and the
 * smaller knobs (intelRdt, personality, memoryPolicy, timeOffsets). Resources and seccomp
 * have files of their own. */
#include "oci/config_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

static const char *const ns_names[] = {
	[OCI_NS_PID] = "pid", [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
	[OCI_NS_IPC] = "ipc", [OCI_NS_UTS] = "uts", [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time", [OCI_NS_COUNT] = NULL,
};

const char *oci_ns_type_name(enum oci_ns_type t)
{
	if ((unsigned)t >= OCI_NS_COUNT)
		return NULL;
	return ns_names[t];
}

static const char *const propagations[] = {
	"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
	"runbindable", NULL,
};
static const char *const mpol_modes[] = {
	"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
	"MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL,
};
static const char *const mpol_flags[] = {
	"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL,
};

/* ---------------------------------------------------------------- namespaces */

/* Element i of linux.namespaces: a type that no earlier element has. */
static int parse_namespace(const json_t *v, const char *path, void *array, size_t i,
			   struct err *e)
{
	struct oci_namespace *all = array, *ns = &all[i];
	char p[CJ_PATH_MAX];
	_cleanup_free_ char *type = NULL;
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "type", CJ_REQUIRED, &type, e) < 0 ||
	    cj_string(v, path, "path", CJ_OPTIONAL, &ns->path, e) < 0)
		return -1;
	int t = cj_lookup(ns_names, type);
	if (t < 0) {
		cj_key(p, path, "type");
		return cj_fail(e, p, "unknown namespace type \"%s\"", type);
	}
	ns->type = (enum oci_ns_type)t;
	/* An empty path is Go's zero value: create a new namespace, as runc does. */
	if (ns->path && !*ns->path) {
		free(ns->path);
		ns->path = NULL;
	}
	if (ns->path && ns->path[0] != '/') {
		cj_key(p, path, "path");
		return cj_fail(e, p, "must be an absolute path, got \"%s\"", ns->path);
	}
	for (size_t j = 0; j < i; j++) {
		if (all[j].type != ns->type)
			continue;
		cj_key(p, path, "type");
		return cj_fail(e, p, "duplicate namespace type \"%s\"", ns_names[ns->type]);
	}
	return 0;
}

static int parse_namespaces(const json_t *o, const char *parent, struct oci_linux *l,
			    struct err *e)
{
	void *arr;
	int r = cj_array_of(o, parent, "namespaces", sizeof *l->namespaces, parse_namespace, &arr,
			    &l->n_namespaces, e);
	l->namespaces = arr;
	return r;
}

/* ---------------------------------------------------------------- devices */

/* Element i of linux.devices: a device node to create. */
static int parse_device(const json_t *v, const char *path, void *array, size_t i, struct err *e)
{
	struct oci_device *d = (struct oci_device *)array + i;
	char p[CJ_PATH_MAX];
	_cleanup_free_ char *type = NULL;
	bool has_major = false, has_minor = false;
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "type", CJ_REQUIRED, &type, e) < 0 ||
	    cj_string(v, path, "path", CJ_REQUIRED, &d->path, e) < 0 ||
	    cj_int(v, path, "major", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &d->major, &has_major, e) < 0 ||
	    cj_int(v, path, "minor", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &d->minor, &has_minor, e) < 0 ||
	    /* Any uint32: the schema caps fileMode at 0777, runc and engines pass type bits too. */
	    cj_u32(v, path, "fileMode", CJ_OPTIONAL, &d->file_mode, &d->has_file_mode, e) < 0 ||
	    cj_u32(v, path, "uid", CJ_OPTIONAL, &d->uid, &d->has_uid, e) < 0 ||
	    cj_u32(v, path, "gid", CJ_OPTIONAL, &d->gid, &d->has_gid, e) < 0)
		return -1;
	if (strlen(type) != 1 || !strchr("cbup", type[0])) {
		cj_key(p, path, "type");
		return cj_fail(e, p, "must be \"c\", \"b\", \"u\" or \"p\", got \"%s\"", type);
	}
	d->type = type[0];
	if (d->path[0] != '/') {
		cj_key(p, path, "path");
		return cj_fail(e, p, "must be an absolute path, got \"%s\"", d->path);
	}
	d->has_major_minor = has_major && has_minor;
	if (d->type != 'p' && !d->has_major_minor) {
		cj_key(p, path, has_major ? "minor" : "major");
		return cj_fail(e, p, "required for a device of type '%c'", d->type);
	}
	return 0;
}

static int parse_devices(const json_t *o, const char *parent, struct oci_linux *l,
			 struct err *e)
{
	void *arr;
	int r = cj_array_of(o, parent, "devices", sizeof *l->devices, parse_device, &arr,
			    &l->n_devices, e);
	l->devices = arr;
	return r;
}

/* ---------------------------------------------------------------- netDevices */

/* What the kernel's dev_valid_name() accepts: 1..15 bytes (IFNAMSIZ - 1), not "." or "..",
 * no '/', ':' or white space. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strpbrk(s, "/: \t\n\v\f\r") == NULL;
}

/* Member i of linux.netDevices, named by its host interface. */
static int parse_net_device(const char *host, const json_t *v, const char *path, void *array,
			    size_t i, struct err *e)
{
	struct oci_net_device *nd = (struct oci_net_device *)array + i;
	char p[CJ_PATH_MAX];
	if (!(nd->host_name = strdup(host)))
		return cj_oom(e);
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "name", CJ_OPTIONAL, &nd->name, e) < 0)
		return -1;
	if (!valid_ifname(host))
		return cj_fail(e, path, "invalid network device name");
	if (!nd->name && !(nd->name = strdup(host)))
		return cj_oom(e);
	if (!valid_ifname(nd->name)) {
		cj_key(p, path, "name");
		return cj_fail(e, p, "invalid network device name \"%s\"", nd->name);
	}
	return 0;
}

static int parse_net_devices(const json_t *o, const char *parent, struct oci_linux *l,
			     struct err *e)
{
	void *arr;
	int r = cj_map_of(o, parent, "netDevices", sizeof *l->net_devices, parse_net_device, &arr,
			  &l->n_net_devices, e);
	l->net_devices = arr;
	return r;
}

/* ---------------------------------------------------------------- timeOffsets */

static int parse_time_offsets(const json_t *o, const char *parent, struct oci_linux *l,
			      struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *map, *v;
	const char *clock;
	if (cj_object(o, parent, "timeOffsets", &map, e) < 0)
		return -1;
	if (!map)
		return 0;
	cj_key(path, parent, "timeOffsets");
	json_object_foreach(map, clock, v) {
		char ep[CJ_PATH_MAX];
		struct oci_time_offset *t;
		cj_key(ep, path, clock);
		if (strcmp(clock, "monotonic") == 0)
			t = &l->time_monotonic;
		else if (strcmp(clock, "boottime") == 0)
			t = &l->time_boottime;
		else
			return cj_fail(e, ep, "unknown clock, expected \"monotonic\" or \"boottime\"");
		if (cj_expect_object(v, ep, e) < 0 ||
		    cj_int(v, ep, "secs", CJ_OPTIONAL, INT64_MIN, INT64_MAX, &t->secs, NULL, e) < 0 ||
		    cj_u32(v, ep, "nanosecs", CJ_OPTIONAL, &t->nanosecs, NULL, e) < 0)
			return -1;
		t->present = true;
	}
	return 0;
}

/* ---------------------------------------------------------------- paths and propagation */

static int check_abs_paths(char **v, size_t n, const char *parent, const char *key,
			   struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i][0] == '/')
			continue;
		char p[CJ_PATH_MAX], ep[CJ_PATH_MAX];
		cj_key(p, parent, key);
		cj_idx(ep, p, i);
		return cj_fail(e, ep, "must be an absolute path, got \"%s\"", v[i]);
	}
	return 0;
}

static int parse_paths(const json_t *o, const char *path, struct oci_linux *l, struct err *e)
{
	char p[CJ_PATH_MAX];
	if (cj_strv(o, path, "maskedPaths", &l->masked_paths, &l->n_masked_paths, e) < 0 ||
	    check_abs_paths(l->masked_paths, l->n_masked_paths, path, "maskedPaths", e) < 0 ||
	    cj_strv(o, path, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths, e) < 0 ||
	    check_abs_paths(l->readonly_paths, l->n_readonly_paths, path, "readonlyPaths", e) < 0 ||
	    cj_string(o, path, "rootfsPropagation", CJ_OPTIONAL, &l->rootfs_propagation, e) < 0)
		return -1;
	/* "" is Go's zero value and means "leave it", as runc treats it. */
	if (l->rootfs_propagation && !*l->rootfs_propagation) {
		free(l->rootfs_propagation);
		l->rootfs_propagation = NULL;
	}
	if (l->rootfs_propagation && cj_lookup(propagations, l->rootfs_propagation) < 0) {
		cj_key(p, path, "rootfsPropagation");
		return cj_fail(e, p, "unknown propagation \"%s\"", l->rootfs_propagation);
	}
	return 0;
}

/* ---------------------------------------------------------------- intelRdt */

static int check_no_newline(const char *s, const char *path, struct err *e)
{
	if (s && strchr(s, '\n'))
		return cj_fail(e, path, "must not contain a newline");
	return 0;
}

static int parse_intel_rdt(const json_t *o, const char *parent, struct oci_linux *l,
			   struct err *e)
{
	char path[CJ_PATH_MAX], p[CJ_PATH_MAX];
	json_t *v;
	struct oci_intel_rdt *r = &l->intel_rdt;
	if (cj_object(o, parent, "intelRdt", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	l->has_intel_rdt = true;
	cj_key(path, parent, "intelRdt");
	if (cj_string(v, path, "closID", CJ_OPTIONAL, &r->clos_id, e) < 0 ||
	    cj_string(v, path, "l3CacheSchema", CJ_OPTIONAL, &r->l3_cache_schema, e) < 0 ||
	    cj_string(v, path, "memBwSchema", CJ_OPTIONAL, &r->mem_bw_schema, e) < 0 ||
	    cj_strv(v, path, "schemata", &r->schemata, &r->n_schemata, e) < 0 ||
	    cj_bool(v, path, "enableMonitoring", &r->enable_monitoring, NULL, e) < 0)
		return -1;
	/* closID names a directory under /sys/fs/resctrl; "/" alone is the default CLOS. */
	if (r->clos_id && strcmp(r->clos_id, "/") != 0 &&
	    (!strcmp(r->clos_id, ".") || !strcmp(r->clos_id, "..") || strchr(r->clos_id, '/'))) {
		cj_key(p, path, "closID");
		return cj_fail(e, p, "invalid CLOS name \"%s\"", r->clos_id);
	}
	/* Each of these is written as lines of the resctrl schemata file. */
	cj_key(p, path, "l3CacheSchema");
	if (check_no_newline(r->l3_cache_schema, p, e) < 0)
		return -1;
	cj_key(p, path, "memBwSchema");
	if (check_no_newline(r->mem_bw_schema, p, e) < 0)
		return -1;
	if (r->mem_bw_schema && strncmp(r->mem_bw_schema, "MB:", 3) != 0)
		return cj_fail(e, p, "must start with \"MB:\"");
	for (size_t i = 0; i < r->n_schemata; i++) {
		char sp[CJ_PATH_MAX];
		cj_key(p, path, "schemata");
		cj_idx(sp, p, i);
		if (check_no_newline(r->schemata[i], sp, e) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- personality, memoryPolicy */

static int parse_personality(const json_t *o, const char *parent, struct oci_linux *l,
			     struct err *e)
{
	char path[CJ_PATH_MAX], p[CJ_PATH_MAX];
	json_t *v;
	struct oci_personality *pe = &l->personality;
	if (cj_object(o, parent, "personality", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	l->has_personality = true;
	cj_key(path, parent, "personality");
	if (cj_string(v, path, "domain", CJ_REQUIRED, &pe->domain, e) < 0 ||
	    cj_strv(v, path, "flags", &pe->flags, &pe->n_flags, e) < 0)
		return -1;
	if (strcmp(pe->domain, "LINUX") != 0 && strcmp(pe->domain, "LINUX32") != 0) {
		cj_key(p, path, "domain");
		return cj_fail(e, p, "must be \"LINUX\" or \"LINUX32\", got \"%s\"", pe->domain);
	}
	return 0;
}

/* Node count rules of set_mempolicy(2), checked as runc does: DEFAULT and LOCAL take no
 * nodes, BIND, INTERLEAVE, WEIGHTED_INTERLEAVE and PREFERRED_MANY at least one. */
static int check_mpol_nodes(const struct oci_memory_policy *mp, const char *path, struct err *e)
{
	char p[CJ_PATH_MAX];
	bool has_nodes = mp->nodes && *mp->nodes;
	bool none = !strcmp(mp->mode, "MPOL_DEFAULT") || !strcmp(mp->mode, "MPOL_LOCAL");
	bool some = !strcmp(mp->mode, "MPOL_BIND") || !strcmp(mp->mode, "MPOL_INTERLEAVE") ||
		    !strcmp(mp->mode, "MPOL_WEIGHTED_INTERLEAVE") ||
		    !strcmp(mp->mode, "MPOL_PREFERRED_MANY");
	cj_key(p, path, "nodes");
	if (none && has_nodes)
		return cj_fail(e, p, "must be empty with %s", mp->mode);
	if (some && !has_nodes)
		return cj_fail(e, p, "required with %s", mp->mode);
	return 0;
}

static int parse_memory_policy(const json_t *o, const char *parent, struct oci_linux *l,
			       struct err *e)
{
	char path[CJ_PATH_MAX], p[CJ_PATH_MAX];
	json_t *v;
	struct oci_memory_policy *mp = &l->memory_policy;
	if (cj_object(o, parent, "memoryPolicy", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	l->has_memory_policy = true;
	cj_key(path, parent, "memoryPolicy");
	if (cj_string(v, path, "mode", CJ_REQUIRED, &mp->mode, e) < 0 ||
	    cj_string(v, path, "nodes", CJ_OPTIONAL, &mp->nodes, e) < 0 ||
	    cj_strv(v, path, "flags", &mp->flags, &mp->n_flags, e) < 0)
		return -1;
	if (cj_lookup(mpol_modes, mp->mode) < 0) {
		cj_key(p, path, "mode");
		return cj_fail(e, p, "unknown memory policy mode \"%s\"", mp->mode);
	}
	for (size_t i = 0; i < mp->n_flags; i++) {
		if (cj_lookup(mpol_flags, mp->flags[i]) >= 0)
			continue;
		char fp[CJ_PATH_MAX];
		cj_key(p, path, "flags");
		cj_idx(fp, p, i);
		return cj_fail(e, fp, "unknown memory policy flag \"%s\"", mp->flags[i]);
	}
	return check_mpol_nodes(mp, path, e);
}

/* ---------------------------------------------------------------- the linux object */

static int parse_resources(const json_t *o, const char *parent, struct oci_linux *l,
			   struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *v;
	if (cj_object(o, parent, "resources", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	l->has_resources = true;
	cj_key(path, parent, "resources");
	return config_resources_from_json(v, path, &l->resources, e);
}

static int parse_seccomp(const json_t *o, const char *parent, struct oci_linux *l,
			 struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *v;
	if (cj_object(o, parent, "seccomp", &v, e) < 0)
		return -1;
	if (!v)
		return 0;
	l->has_seccomp = true;
	cj_key(path, parent, "seccomp");
	return config_seccomp_from_json(v, path, &l->seccomp, e);
}

int config_linux_from_json(const json_t *v, const char *path, struct oci_linux *l,
			   struct err *e)
{
	if (cj_expect_object(v, path, e) < 0 ||
	    parse_namespaces(v, path, l, e) < 0 ||
	    cj_id_mappings(v, path, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, e) < 0 ||
	    cj_id_mappings(v, path, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, e) < 0 ||
	    parse_time_offsets(v, path, l, e) < 0 ||
	    parse_devices(v, path, l, e) < 0 ||
	    parse_net_devices(v, path, l, e) < 0 ||
	    cj_string(v, path, "cgroupsPath", CJ_OPTIONAL, &l->cgroups_path, e) < 0 ||
	    parse_resources(v, path, l, e) < 0 ||
	    parse_paths(v, path, l, e) < 0 ||
	    parse_seccomp(v, path, l, e) < 0 ||
	    cj_kv(v, path, "sysctl", &l->sysctl, &l->n_sysctl, e) < 0 ||
	    cj_string(v, path, "mountLabel", CJ_OPTIONAL, &l->mount_label, e) < 0 ||
	    parse_intel_rdt(v, path, l, e) < 0 ||
	    parse_personality(v, path, l, e) < 0 ||
	    parse_memory_policy(v, path, l, e) < 0)
		return -1;
	return 0;
}

void config_linux_clear(struct oci_linux *l)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	for (size_t i = 0; i < l->n_net_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
	free(l->cgroups_path);
	config_resources_clear(&l->resources);
	free(l->rootfs_propagation);
	config_seccomp_clear(&l->seccomp);
	cj_kv_free(l->sysctl, l->n_sysctl);
	cj_strv_free(l->masked_paths, l->n_masked_paths);
	cj_strv_free(l->readonly_paths, l->n_readonly_paths);
	free(l->mount_label);
	free(l->intel_rdt.clos_id);
	free(l->intel_rdt.l3_cache_schema);
	free(l->intel_rdt.mem_bw_schema);
	cj_strv_free(l->intel_rdt.schemata, l->intel_rdt.n_schemata);
	free(l->personality.domain);
	cj_strv_free(l->personality.flags, l->personality.n_flags);
	free(l->memory_policy.mode);
	free(l->memory_policy.nodes);
	cj_strv_free(l->memory_policy.flags, l->memory_policy.n_flags);
	memset(l, 0, sizeof *l);
}

/* ---------------------------------------------------------------- cross-field rules */

static const struct oci_namespace *find_ns(const struct oci_linux *l, enum oci_ns_type t)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == t)
			return &l->namespaces[i];
	return NULL;
}

/* Mappings only make sense with a user namespace, and creating one without them leaves
 * every id unmapped (runc: "user namespaces enabled, but no uid/gid mappings found").
 * Joining one by path takes its mappings as they are. */
static int check_user_ns(const struct oci_linux *l, struct err *e)
{
	const struct oci_namespace *user = find_ns(l, OCI_NS_USER);
	if (!user) {
		if (l->n_uid_mappings)
			return cj_fail(e, "linux.uidMappings", "requires a user namespace in linux.namespaces");
		if (l->n_gid_mappings)
			return cj_fail(e, "linux.gidMappings", "requires a user namespace in linux.namespaces");
		return 0;
	}
	if (user->path)
		return 0;
	if (!l->n_uid_mappings)
		return cj_fail(e, "linux.uidMappings", "user namespaces enabled, but no uid mappings found");
	if (!l->n_gid_mappings)
		return cj_fail(e, "linux.gidMappings", "user namespaces enabled, but no gid mappings found");
	return 0;
}

/* Offsets can only be written into a new time namespace before any process enters it. */
static int check_time_ns(const struct oci_linux *l, struct err *e)
{
	if (!l->time_monotonic.present && !l->time_boottime.present)
		return 0;
	const struct oci_namespace *t = find_ns(l, OCI_NS_TIME);
	if (!t)
		return cj_fail(e, "linux.timeOffsets", "requires a time namespace in linux.namespaces");
	if (t->path)
		return cj_fail(e, "linux.timeOffsets", "cannot be set when joining an existing time namespace");
	return 0;
}

int config_check(const struct oci_config *c, struct err *e)
{
	const struct oci_linux *l = &c->linux_;
	/* runc's validator: both need a private UTS namespace. */
	if (c->hostname && *c->hostname && !find_ns(l, OCI_NS_UTS))
		return cj_fail(e, "hostname", "unable to set hostname without a private UTS namespace");
	if (c->domainname && *c->domainname && !find_ns(l, OCI_NS_UTS))
		return cj_fail(e, "domainname", "unable to set domainname without a private UTS namespace");
	if (l->n_net_devices && !find_ns(l, OCI_NS_NETWORK))
		return cj_fail(e, "linux.netDevices", "requires a network namespace in linux.namespaces");
	if (check_user_ns(l, e) < 0 || check_time_ns(l, e) < 0)
		return -1;
	return 0;
}
