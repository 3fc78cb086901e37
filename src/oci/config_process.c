/* config.json "process" (and exec --process): args, env, user, rlimits, capabilities,
 * scheduler, I/O priority. */
#include "oci/config_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util/cleanup.h"

struct name_value {
	const char *name;
	int value;
};

static int name_value_lookup(const struct name_value *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t->value;
	return -1;
}

static const struct name_value rlimit_types[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },       { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },     { "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },     { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },   { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },   { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ NULL, 0 },
};

/* Values from linux/sched.h (SCHED_ISO is reserved there but named by the spec). */
enum { POLICY_OTHER = 0, POLICY_FIFO = 1, POLICY_RR = 2, POLICY_DEADLINE = 6 };
static const struct name_value sched_policies[] = {
	{ "SCHED_OTHER", POLICY_OTHER }, { "SCHED_FIFO", POLICY_FIFO }, { "SCHED_RR", POLICY_RR },
	{ "SCHED_BATCH", 3 }, { "SCHED_ISO", 4 }, { "SCHED_IDLE", 5 },
	{ "SCHED_DEADLINE", POLICY_DEADLINE }, { NULL, 0 },
};
static const struct name_value sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 }, { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 }, { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 }, { NULL, 0 },
};
/* linux/ioprio.h */
static const struct name_value ioprio_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 }, { "IOPRIO_CLASS_BE", 2 }, { "IOPRIO_CLASS_IDLE", 3 },
	{ NULL, 0 },
};

/* ---------------------------------------------------------------- user */

/* Element i of process.user.additionalGids. */
static int parse_gid(const json_t *v, const char *path, void *array, size_t i, struct err *e)
{
	uint64_t gid;
	if (cj_uint_value(v, path, UINT32_MAX, &gid, e) < 0)
		return -1;
	((uint32_t *)array)[i] = (uint32_t)gid;
	return 0;
}

static int parse_user(const json_t *p, const char *parent, struct oci_user *u, struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *o;
	if (cj_object(p, parent, "user", &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	cj_key(path, parent, "user");
	if (cj_u32(o, path, "uid", CJ_OPTIONAL, &u->uid, NULL, e) < 0 ||
	    cj_u32(o, path, "gid", CJ_OPTIONAL, &u->gid, NULL, e) < 0 ||
	    cj_u32(o, path, "umask", CJ_OPTIONAL, &u->umask, &u->has_umask, e) < 0 ||
	    cj_string(o, path, "username", CJ_OPTIONAL, &u->username, e) < 0)
		return -1;
	void *gids;
	int r = cj_array_of(o, path, "additionalGids", sizeof *u->additional_gids, parse_gid, &gids,
			    &u->n_additional_gids, e);
	u->additional_gids = gids;
	return r;
}

/* ---------------------------------------------------------------- rlimits */

/* Element i of process.rlimits: a type that no earlier element has. */
static int parse_rlimit(const json_t *v, const char *path, void *array, size_t i, struct err *e)
{
	struct oci_rlimit *all = array, *r = &all[i];
	char tp[CJ_PATH_MAX];
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_string(v, path, "type", CJ_REQUIRED, &r->type, e) < 0 ||
	    cj_uint(v, path, "soft", CJ_REQUIRED, UINT64_MAX, &r->soft, NULL, e) < 0 ||
	    cj_uint(v, path, "hard", CJ_REQUIRED, UINT64_MAX, &r->hard, NULL, e) < 0)
		return -1;
	/* soft > hard is left to setrlimit(), which rejects it at start as runc does. */
	r->resource = name_value_lookup(rlimit_types, r->type);
	if (r->resource < 0) {
		cj_key(tp, path, "type");
		return cj_fail(e, tp, "unknown rlimit type \"%s\"", r->type);
	}
	for (size_t j = 0; j < i; j++) {
		if (all[j].resource != r->resource)
			continue;
		cj_key(tp, path, "type");
		return cj_fail(e, tp, "duplicate rlimit type \"%s\"", r->type);
	}
	return 0;
}

static int parse_rlimits(const json_t *p, const char *parent, struct oci_process *proc,
			 struct err *e)
{
	void *arr;
	int r = cj_array_of(p, parent, "rlimits", sizeof *proc->rlimits, parse_rlimit, &arr,
			    &proc->n_rlimits, e);
	proc->rlimits = arr;
	return r;
}

/* ---------------------------------------------------------------- capabilities */

static int add_unknown_cap(struct oci_capabilities *c, const char *name, struct err *e)
{
	size_t n = 0;
	for (; c->unknown && c->unknown[n]; n++)
		if (strcmp(c->unknown[n], name) == 0)
			return 0;
	char **v = realloc(c->unknown, (n + 2) * sizeof *v);
	if (!v)
		return cj_oom(e);
	c->unknown = v;
	v[n + 1] = NULL;
	if (!(v[n] = strdup(name)))
		return cj_oom(e);
	return 0;
}

/* Unknown names are not an error: the spec wants them logged as a warning, runc agrees. */
static int parse_cap_set(const json_t *o, const char *parent, const char *key,
			 struct oci_capabilities *c, uint64_t *mask, bool *has, struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *arr;
	size_t n;
	if (cj_array(o, parent, key, &arr, &n, e) < 0)
		return -1;
	if (!arr)
		return 0;
	*has = true;
	cj_key(path, parent, key);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		const char *name = json_string_value(v);
		if (!name || strlen(name) != json_string_length(v)) {
			char ep[CJ_PATH_MAX];
			cj_idx(ep, path, i);
			return cj_fail(e, ep, "must be a string");
		}
		int cap = oci_capability_from_name(name);
		if (cap >= 0)
			*mask |= UINT64_C(1) << cap;
		else if (add_unknown_cap(c, name, e) < 0)
			return -1;
	}
	return 0;
}

static int parse_capabilities(const json_t *p, const char *parent, struct oci_process *proc,
			      struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *o;
	struct oci_capabilities *c = &proc->capabilities;
	if (cj_object(p, parent, "capabilities", &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	proc->has_capabilities = true;
	cj_key(path, parent, "capabilities");
	if (parse_cap_set(o, path, "bounding", c, &c->bounding, &c->has_bounding, e) < 0 ||
	    parse_cap_set(o, path, "effective", c, &c->effective, &c->has_effective, e) < 0 ||
	    parse_cap_set(o, path, "inheritable", c, &c->inheritable, &c->has_inheritable, e) < 0 ||
	    parse_cap_set(o, path, "permitted", c, &c->permitted, &c->has_permitted, e) < 0 ||
	    parse_cap_set(o, path, "ambient", c, &c->ambient, &c->has_ambient, e) < 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- scheduler, ioPriority */

static int parse_sched_flags(const json_t *o, const char *path, uint64_t *flags, struct err *e)
{
	json_t *arr;
	size_t n;
	if (cj_array(o, path, "flags", &arr, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char fp[CJ_PATH_MAX], ep[CJ_PATH_MAX];
		_cleanup_free_ char *name = NULL;
		cj_key(fp, path, "flags");
		cj_idx(ep, fp, i);
		if (cj_string_value(json_array_get(arr, i), ep, &name, e) < 0)
			return -1;
		int f = name_value_lookup(sched_flags, name);
		if (f < 0)
			return cj_fail(e, ep, "unknown scheduler flag \"%s\"", name);
		*flags |= (uint64_t)f;
	}
	return 0;
}

/* Consistency rules as runc's validator has them: sched_setattr(2) would reject most of these
 * only after the container is half set up. */
static int check_scheduler(const struct oci_scheduler *s, const char *path, struct err *e)
{
	char p[CJ_PATH_MAX];
	if (s->nice < -20 || s->nice > 19) {
		cj_key(p, path, "nice");
		return cj_fail(e, p, "%d out of range (-20..19)", (int)s->nice);
	}
	if (s->priority != 0 && s->policy != POLICY_FIFO && s->policy != POLICY_RR) {
		cj_key(p, path, "priority");
		return cj_fail(e, p, "only allowed with SCHED_FIFO or SCHED_RR");
	}
	if (s->policy != POLICY_DEADLINE && (s->runtime || s->deadline || s->period))
		return cj_fail(e, path, "runtime, deadline and period are only allowed with SCHED_DEADLINE");
	return 0;
}

static int parse_scheduler(const json_t *p, const char *parent, struct oci_process *proc,
			   struct err *e)
{
	char path[CJ_PATH_MAX], pp[CJ_PATH_MAX];
	json_t *o;
	struct oci_scheduler *s = &proc->scheduler;
	_cleanup_free_ char *policy = NULL;
	if (cj_object(p, parent, "scheduler", &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	proc->has_scheduler = true;
	cj_key(path, parent, "scheduler");
	cj_key(pp, path, "policy");
	if (cj_string(o, path, "policy", CJ_REQUIRED, &policy, e) < 0)
		return -1;
	if ((s->policy = name_value_lookup(sched_policies, policy)) < 0)
		return cj_fail(e, pp, "unknown scheduler policy \"%s\"", policy);
	if (cj_i32(o, path, "nice", CJ_OPTIONAL, &s->nice, NULL, e) < 0 ||
	    cj_i32(o, path, "priority", CJ_OPTIONAL, &s->priority, NULL, e) < 0 ||
	    parse_sched_flags(o, path, &s->flags, e) < 0 ||
	    cj_uint(o, path, "runtime", CJ_OPTIONAL, UINT64_MAX, &s->runtime, NULL, e) < 0 ||
	    cj_uint(o, path, "deadline", CJ_OPTIONAL, UINT64_MAX, &s->deadline, NULL, e) < 0 ||
	    cj_uint(o, path, "period", CJ_OPTIONAL, UINT64_MAX, &s->period, NULL, e) < 0)
		return -1;
	return check_scheduler(s, path, e);
}

static int parse_io_priority(const json_t *p, const char *parent, struct oci_process *proc,
			     struct err *e)
{
	char path[CJ_PATH_MAX], cp[CJ_PATH_MAX];
	json_t *o;
	_cleanup_free_ char *cls = NULL;
	int64_t prio = 0;
	if (cj_object(p, parent, "ioPriority", &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	proc->has_io_priority = true;
	cj_key(path, parent, "ioPriority");
	cj_key(cp, path, "class");
	if (cj_string(o, path, "class", CJ_REQUIRED, &cls, e) < 0)
		return -1;
	if ((proc->io_priority.class_ = name_value_lookup(ioprio_classes, cls)) < 0)
		return cj_fail(e, cp, "unknown I/O priority class \"%s\"", cls);
	/* The kernel has 8 levels per class (IOPRIO_NR_LEVELS). */
	if (cj_int(o, path, "priority", CJ_OPTIONAL, 0, 7, &prio, NULL, e) < 0)
		return -1;
	proc->io_priority.priority = (int)prio;
	return 0;
}

/* ---------------------------------------------------------------- the process object */

static int parse_console_size(const json_t *p, const char *parent, struct oci_process *proc,
			      struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *o;
	uint64_t h, w;
	if (cj_object(p, parent, "consoleSize", &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	/* Parsed and checked even without a terminal; the runtime then ignores it (spec). */
	cj_key(path, parent, "consoleSize");
	if (cj_uint(o, path, "height", CJ_REQUIRED, UINT_MAX, &h, NULL, e) < 0 ||
	    cj_uint(o, path, "width", CJ_REQUIRED, UINT_MAX, &w, NULL, e) < 0)
		return -1;
	proc->has_console_size = true;
	proc->console_height = (unsigned)h;
	proc->console_width = (unsigned)w;
	return 0;
}

static int parse_cpu_affinity(const json_t *p, const char *parent, struct oci_process *proc,
			      struct err *e)
{
	char path[CJ_PATH_MAX], fp[CJ_PATH_MAX];
	json_t *o;
	if (cj_object(p, parent, "execCPUAffinity", &o, e) < 0)
		return -1;
	if (!o)
		return 0;
	cj_key(path, parent, "execCPUAffinity");
	if (cj_string(o, path, "initial", CJ_OPTIONAL, &proc->exec_cpu_affinity_initial, e) < 0 ||
	    cj_string(o, path, "final", CJ_OPTIONAL, &proc->exec_cpu_affinity_final, e) < 0)
		return -1;
	const char *v[2] = { proc->exec_cpu_affinity_initial, proc->exec_cpu_affinity_final };
	const char *k[2] = { "initial", "final" };
	for (int i = 0; i < 2; i++) {
		if (v[i] && v[i][strspn(v[i], "0123456789, -")] != '\0') {
			cj_key(fp, path, k[i]);
			return cj_fail(e, fp, "must be a CPU list such as \"0-3,7\", got \"%s\"", v[i]);
		}
	}
	return 0;
}

static int parse_args_cwd(const json_t *p, const char *parent, struct oci_process *proc,
			  struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *args = cj_get(p, "args");
	cj_key(path, parent, "args");
	if (!args || !json_is_array(args) || json_array_size(args) == 0)
		return cj_fail(e, path, "must be a non-empty array of strings");
	if (cj_strv_value(args, path, &proc->args, &proc->n_args, e) < 0)
		return -1;
	if (cj_string(p, parent, "cwd", CJ_REQUIRED, &proc->cwd, e) < 0)
		return -1;
	if (proc->cwd[0] != '/') {
		cj_key(path, parent, "cwd");
		return cj_fail(e, path, "must be an absolute path, got \"%s\"", proc->cwd);
	}
	return 0;
}

/* runc refuses these when it sets up the environment ("invalid environment variable",
 * "environment variable name can't be empty"); here they fail before anything is created. */
static int check_env(const struct oci_process *proc, const char *parent, struct err *e)
{
	for (size_t i = 0; i < proc->n_env; i++) {
		const char *eq = strchr(proc->env[i], '=');
		if (eq && eq != proc->env[i])
			continue;
		char p[CJ_PATH_MAX], ep[CJ_PATH_MAX];
		cj_key(p, parent, "env");
		cj_idx(ep, p, i);
		return cj_fail(e, ep, eq ? "empty variable name in \"%s\"" : "must be KEY=VALUE, got \"%s\"",
			       proc->env[i]);
	}
	return 0;
}

int config_process_from_json(const json_t *p, const char *path, struct oci_process *proc,
			     struct err *e)
{
	int64_t oom = 0;
	if (cj_expect_object(p, path, e) < 0 ||
	    cj_bool(p, path, "terminal", &proc->terminal, NULL, e) < 0 ||
	    parse_console_size(p, path, proc, e) < 0 ||
	    parse_args_cwd(p, path, proc, e) < 0 ||
	    cj_strv(p, path, "env", &proc->env, &proc->n_env, e) < 0 ||
	    check_env(proc, path, e) < 0 ||
	    cj_string(p, path, "commandLine", CJ_OPTIONAL, &proc->command_line, e) < 0 ||
	    parse_user(p, path, &proc->user, e) < 0 ||
	    parse_rlimits(p, path, proc, e) < 0 ||
	    cj_string(p, path, "apparmorProfile", CJ_OPTIONAL, &proc->apparmor_profile, e) < 0 ||
	    parse_capabilities(p, path, proc, e) < 0 ||
	    cj_bool(p, path, "noNewPrivileges", &proc->no_new_privileges, NULL, e) < 0 ||
	    cj_int(p, path, "oomScoreAdj", CJ_OPTIONAL, INT_MIN, INT_MAX, &oom,
		   &proc->has_oom_score_adj, e) < 0 ||
	    parse_scheduler(p, path, proc, e) < 0 ||
	    cj_string(p, path, "selinuxLabel", CJ_OPTIONAL, &proc->selinux_label, e) < 0 ||
	    parse_io_priority(p, path, proc, e) < 0 ||
	    parse_cpu_affinity(p, path, proc, e) < 0)
		return -1;
	proc->oom_score_adj = (int)oom;
	/* env is documented as always NULL-terminated, so that it can go to execve() as is. */
	if (!proc->env && !(proc->env = calloc(1, sizeof *proc->env)))
		return cj_oom(e);
	return 0;
}

void config_process_clear(struct oci_process *p)
{
	free(p->cwd);
	cj_strv_free(p->env, p->n_env);
	cj_strv_free(p->args, p->n_args);
	free(p->command_line);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	if (p->capabilities.unknown) {
		for (char **u = p->capabilities.unknown; *u; u++)
			free(*u);
		free(p->capabilities.unknown);
	}
	free(p->selinux_label);
	free(p->exec_cpu_affinity_initial);
	free(p->exec_cpu_affinity_final);
	free(p->user.additional_gids);
	free(p->user.username);
	memset(p, 0, sizeof *p);
}

int oci_process_parse(const char *json_text, size_t len, struct oci_process **out, struct err *e)
{
	json_t *root;
	if (cj_load(json_text, len, &root, e) < 0)
		return -1;
	struct oci_process *p = calloc(1, sizeof *p);
	if (!p) {
		json_decref(root);
		return cj_oom(e);
	}
	int r = config_process_from_json(root, "", p, e);
	json_decref(root);
	if (r < 0) {
		oci_process_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	if (!p)
		return;
	config_process_clear(p);
	free(p);
}
