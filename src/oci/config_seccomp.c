/* linux.seccomp: the filter as data; linux/seccomp.c turns it into a libseccomp filter. */
#include "oci/config_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

/* Index order is enum oci_seccomp_action / enum oci_seccomp_op. */
static const char *const actions[] = {
	"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
	NULL,
};
static const char *const operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
	"SCMP_CMP_MASKED_EQ", NULL,
};
static const char *const architectures[] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
	"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", NULL,
};
static const char *const filter_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL,
};

const char *const *config_seccomp_names(enum config_seccomp_names which)
{
	switch (which) {
	case SECCOMP_NAMES_ACTIONS:
		return actions;
	case SECCOMP_NAMES_OPERATORS:
		return operators;
	case SECCOMP_NAMES_ARCHS:
		return architectures;
	case SECCOMP_NAMES_FLAGS:
		return filter_flags;
	}
	return NULL;
}

/* The kernel passes syscalls six arguments (struct seccomp_data.args[6]). */
#define SYSCALL_ARGS_MAX 6

static int parse_action(const json_t *o, const char *parent, const char *key,
			enum oci_seccomp_action *out, struct err *e)
{
	char p[CJ_PATH_MAX];
	_cleanup_free_ char *name = NULL;
	if (cj_string(o, parent, key, CJ_REQUIRED, &name, e) < 0)
		return -1;
	int a = cj_lookup(actions, name);
	if (a < 0) {
		cj_key(p, parent, key);
		return cj_fail(e, p, "unknown seccomp action \"%s\"", name);
	}
	*out = (enum oci_seccomp_action)a;
	return 0;
}

/* The spec: an errno for an action that returns none is an error, not ignored. */
static int check_errno_ret(enum oci_seccomp_action a, bool has_errno, const char *parent,
			   const char *key, struct err *e)
{
	if (!has_errno || a == OCI_SCMP_ERRNO || a == OCI_SCMP_TRACE)
		return 0;
	char p[CJ_PATH_MAX];
	cj_key(p, parent, key);
	return cj_fail(e, p, "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", actions[a]);
}

static int check_names(char **v, size_t n, const char *parent, const char *key,
		       const char *const *known, const char *what, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (cj_lookup(known, v[i]) >= 0)
			continue;
		char p[CJ_PATH_MAX], ep[CJ_PATH_MAX];
		cj_key(p, parent, key);
		cj_idx(ep, p, i);
		return cj_fail(e, ep, "unknown seccomp %s \"%s\"", what, v[i]);
	}
	return 0;
}

/* Element i of a syscall's args. */
static int parse_arg(const json_t *v, const char *path, void *array, size_t i, struct err *e)
{
	struct oci_seccomp_arg *a = (struct oci_seccomp_arg *)array + i;
	char p[CJ_PATH_MAX];
	_cleanup_free_ char *op = NULL;
	uint64_t index;
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_uint(v, path, "index", CJ_REQUIRED, SYSCALL_ARGS_MAX - 1, &index, NULL, e) < 0 ||
	    cj_uint(v, path, "value", CJ_REQUIRED, UINT64_MAX, &a->value, NULL, e) < 0 ||
	    cj_uint(v, path, "valueTwo", CJ_OPTIONAL, UINT64_MAX, &a->value_two, NULL, e) < 0 ||
	    cj_string(v, path, "op", CJ_REQUIRED, &op, e) < 0)
		return -1;
	a->index = (unsigned)index;
	int o = cj_lookup(operators, op);
	if (o < 0) {
		cj_key(p, path, "op");
		return cj_fail(e, p, "unknown seccomp operator \"%s\"", op);
	}
	a->op = (enum oci_seccomp_op)o;
	return 0;
}

static int parse_args(const json_t *v, const char *path, struct oci_seccomp_syscall *s,
		      struct err *e)
{
	void *arr;
	int r = cj_array_of(v, path, "args", sizeof *s->args, parse_arg, &arr, &s->n_args, e);
	s->args = arr;
	return r;
}

/* Element i of linux.seccomp.syscalls. */
static int parse_syscall(const json_t *v, const char *path, void *array, size_t i,
			 struct err *e)
{
	struct oci_seccomp_syscall *s = (struct oci_seccomp_syscall *)array + i;
	char p[CJ_PATH_MAX];
	json_t *names = json_is_object(v) ? cj_get(v, "names") : NULL;
	if (cj_expect_object(v, path, e) < 0)
		return -1;
	cj_key(p, path, "names");
	if (!names || !json_is_array(names) || json_array_size(names) == 0)
		return cj_fail(e, p, "must be a non-empty array of strings");
	if (cj_strv_value(names, p, &s->names, &s->n_names, e) < 0)
		return -1;
	for (size_t k = 0; k < s->n_names; k++) {
		if (*s->names[k])
			continue;
		char np[CJ_PATH_MAX];
		cj_idx(np, p, k);
		return cj_fail(e, np, "must not be empty");
	}
	if (parse_action(v, path, "action", &s->action, e) < 0 ||
	    cj_u32(v, path, "errnoRet", CJ_OPTIONAL, &s->errno_ret, &s->has_errno_ret, e) < 0 ||
	    check_errno_ret(s->action, s->has_errno_ret, path, "errnoRet", e) < 0 ||
	    parse_args(v, path, s, e) < 0)
		return -1;
	return 0;
}

/* runc's rules for user notification: the listener must exist, and notifying on write(2)
 * would deadlock the runtime, which writes to the container's init while it sets it up. */
static int check_notify(const struct oci_seccomp *sc, const char *path, struct err *e)
{
	char p[CJ_PATH_MAX];
	if (sc->default_action == OCI_SCMP_NOTIFY) {
		cj_key(p, path, "defaultAction");
		return cj_fail(e, p, "SCMP_ACT_NOTIFY cannot be the default action");
	}
	if (sc->listener_metadata && *sc->listener_metadata && !sc->listener_path) {
		cj_key(p, path, "listenerMetadata");
		return cj_fail(e, p, "requires listenerPath");
	}
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct oci_seccomp_syscall *s = &sc->syscalls[i];
		if (s->action != OCI_SCMP_NOTIFY)
			continue;
		char sp[CJ_PATH_MAX];
		cj_key(p, path, "syscalls");
		cj_idx(sp, p, i);
		if (!sc->listener_path)
			return cj_fail(e, sp, "SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath");
		for (size_t j = 0; j < s->n_names; j++)
			if (strcmp(s->names[j], "write") == 0)
				return cj_fail(e, sp, "SCMP_ACT_NOTIFY cannot be used for the write syscall");
	}
	return 0;
}

static int parse_syscalls(const json_t *o, const char *parent, struct oci_seccomp *sc,
			  struct err *e)
{
	void *arr;
	int r = cj_array_of(o, parent, "syscalls", sizeof *sc->syscalls, parse_syscall, &arr,
			    &sc->n_syscalls, e);
	sc->syscalls = arr;
	return r;
}

int config_seccomp_from_json(const json_t *v, const char *path, struct oci_seccomp *sc,
			     struct err *e)
{
	if (cj_expect_object(v, path, e) < 0 ||
	    parse_action(v, path, "defaultAction", &sc->default_action, e) < 0 ||
	    cj_u32(v, path, "defaultErrnoRet", CJ_OPTIONAL, &sc->default_errno_ret,
		   &sc->has_default_errno_ret, e) < 0 ||
	    check_errno_ret(sc->default_action, sc->has_default_errno_ret, path, "defaultErrnoRet", e) < 0 ||
	    cj_strv(v, path, "architectures", &sc->architectures, &sc->n_architectures, e) < 0 ||
	    check_names(sc->architectures, sc->n_architectures, path, "architectures",
			architectures, "architecture", e) < 0 ||
	    cj_strv(v, path, "flags", &sc->flags, &sc->n_flags, e) < 0 ||
	    check_names(sc->flags, sc->n_flags, path, "flags", filter_flags, "flag", e) < 0 ||
	    cj_string(v, path, "listenerPath", CJ_OPTIONAL, &sc->listener_path, e) < 0 ||
	    cj_string(v, path, "listenerMetadata", CJ_OPTIONAL, &sc->listener_metadata, e) < 0 ||
	    parse_syscalls(v, path, sc, e) < 0)
		return -1;
	/* "" is Go's zero value: runc treats an empty listenerPath as unset. */
	if (sc->listener_path && !*sc->listener_path) {
		free(sc->listener_path);
		sc->listener_path = NULL;
	}
	return check_notify(sc, path, e);
}

void config_seccomp_clear(struct oci_seccomp *sc)
{
	cj_strv_free(sc->architectures, sc->n_architectures);
	cj_strv_free(sc->flags, sc->n_flags);
	free(sc->listener_path);
	free(sc->listener_metadata);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		cj_strv_free(sc->syscalls[i].names, sc->syscalls[i].n_names);
		free(sc->syscalls[i].args);
	}
	free(sc->syscalls);
	memset(sc, 0, sizeof *sc);
}
