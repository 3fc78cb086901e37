/* Shared by the config*.c files only: JSON access that names the JSON path in every error.
 * Conventions: a field that is absent or JSON null counts as absent (as Go's encoding/json,
 * and so runc, treat it); `parent` is the path of the enclosing object ("" at the top level,
 * so that a field's path is just its key). */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "oci/config.h"

#define CJ_PATH_MAX 512

enum cj_presence { CJ_OPTIONAL, CJ_REQUIRED };

/* Text -> JSON object. Duplicate keys are rejected; integers outside int64 survive. */
int cj_load(const char *text, size_t len, json_t **out, struct err *e);

/* A validation error: "<path>: <message>", code EINVAL (the message carries no strerror). */
int cj_fail(struct err *e, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cj_oom(struct err *e);

/* Child paths: parent.key, parent[i], parent["key"] (map entries). Truncated if too long. */
void cj_key(char *buf, const char *parent, const char *key);
void cj_idx(char *buf, const char *parent, size_t i);
void cj_mapkey(char *buf, const char *parent, const char *key);

json_t *cj_get(const json_t *obj, const char *key);
int cj_expect_object(const json_t *v, const char *path, struct err *e);
/* An optional array field: *arr NULL and *n 0 when absent. */
int cj_array(const json_t *obj, const char *parent, const char *key, json_t **arr, size_t *n,
	     struct err *e);
/* An optional array field whose elements each fill one struct: *out gets a zeroed array of
 * *n elements of `size` bytes (NULL and 0 when the field is absent or empty), and parse(v, path,
 * array, i) fills element i from its value v at path "parent.key[i]", in order, stopping at
 * the first failure. *out and *n are set even then, for the clear function to free. The
 * array comes back through void **, not a typed pointer's address: callers assign it. */
typedef int cj_element_fn(const json_t *v, const char *path, void *array, size_t i,
			  struct err *e);
int cj_array_of(const json_t *obj, const char *parent, const char *key, size_t size,
		cj_element_fn *parse, void **out, size_t *n, struct err *e);
/* The same for an optional object field whose members each fill one struct, in document order:
 * parse gets the member's name too, and its path is "parent.key[\"name\"]". */
typedef int cj_member_fn(const char *name, const json_t *v, const char *path, void *array,
			 size_t i, struct err *e);
int cj_map_of(const json_t *obj, const char *parent, const char *key, size_t size,
	      cj_member_fn *parse, void **out, size_t *n, struct err *e);
/* An optional object field: *out NULL when absent. */
int cj_object(const json_t *obj, const char *parent, const char *key, json_t **out,
	      struct err *e);

int cj_string_value(const json_t *v, const char *path, char **out, struct err *e);
int cj_string(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	      char **out, struct err *e);
int cj_bool(const json_t *obj, const char *parent, const char *key, bool *out, bool *has,
	    struct err *e);

/* Integers with range checks; reals, strings etc. are "must be an integer". */
int cj_int_value(const json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
		 struct err *e);
int cj_uint_value(const json_t *v, const char *path, uint64_t max, uint64_t *out, struct err *e);
int cj_int(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   int64_t min, int64_t max, int64_t *out, bool *has, struct err *e);
int cj_uint(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	    uint64_t max, uint64_t *out, bool *has, struct err *e);

int cj_u32(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   uint32_t *out, bool *has, struct err *e);
int cj_u16(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   uint16_t *out, bool *has, struct err *e);
int cj_i32(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   int32_t *out, bool *has, struct err *e);

/* Array of strings -> NULL-terminated vector (allocated even when empty). */
int cj_strv_value(const json_t *v, const char *path, char ***out, size_t *n, struct err *e);
int cj_strv(const json_t *obj, const char *parent, const char *key, char ***out, size_t *n,
	    struct err *e);
/* Object of strings -> key/value array, in document order. */
int cj_kv(const json_t *obj, const char *parent, const char *key, struct oci_kv **out,
	  size_t *n, struct err *e);

/* Index of s in a NULL-terminated table, -1 if absent. */
int cj_lookup(const char *const *table, const char *s);

void cj_strv_free(char **v, size_t n);
void cj_kv_free(struct oci_kv *kv, size_t n);
int cj_id_mappings(const json_t *obj, const char *parent, const char *key,
		   struct oci_id_mapping **out, size_t *n, struct err *e);

/* The parts of the config, each filling a zeroed struct; clear functions free the contents
 * of a partly filled struct too. */
int config_process_from_json(const json_t *v, const char *path, struct oci_process *p,
			     struct err *e);
void config_process_clear(struct oci_process *p);
int config_resources_from_json(const json_t *v, const char *path, struct oci_resources *r,
			       struct err *e);
void config_resources_clear(struct oci_resources *r);
int config_linux_from_json(const json_t *v, const char *path, struct oci_linux *l,
			   struct err *e);
void config_linux_clear(struct oci_linux *l);
int config_seccomp_from_json(const json_t *v, const char *path, struct oci_seccomp *s,
			     struct err *e);
void config_seccomp_clear(struct oci_seccomp *s);
/* The names linux.seccomp recognizes (NULL-terminated), for the features document. */
enum config_seccomp_names {
	SECCOMP_NAMES_ACTIONS, SECCOMP_NAMES_OPERATORS, SECCOMP_NAMES_ARCHS, SECCOMP_NAMES_FLAGS
};
const char *const *config_seccomp_names(enum config_seccomp_names which);
/* Rules that span several fields (namespaces against mappings, hostname, ...). */
int config_check(const struct oci_config *c, struct err *e);
