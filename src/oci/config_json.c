/* JSON access for the config parser: loading, typed getters, path-naming errors. */
#include "oci/config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

/* ---------------------------------------------------------------- integers beyond int64
 * jansson keeps integers in a json_int_t (int64) and rejects larger literals, but uint64
 * fields legitimately carry them: an rlimit of RLIM_INFINITY is 18446744073709551615 (podman
 * writes it for "--ulimit nofile=-1:-1"). So before parsing, every integer literal outside
 * int64 is rewritten as a string whose first byte is NUL, followed by the literal; the integer
 * getters decode it. No input string can start with NUL: the scan rejects "\u0000" escapes
 * (what jansson itself does without JSON_ALLOW_NUL). Lines stay as they are, so jansson's
 * error lines hold; a column after a rewritten literal on the same line is off by 8. */

#define BIG_MARK '\0'

struct scan {
	const char *s;
	size_t len;
	size_t n_big;   /* literals to rewrite */
};

static int scan_fail(const struct scan *sc, size_t pos, struct err *e)
{
	int line = 1, col = 1;
	for (size_t i = 0; i < pos; i++) {
		if (sc->s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return cj_fail(e, "", "invalid JSON at line %d column %d: \\u0000 is not allowed in strings",
		       line, col);
}

/* End of the string that starts (after the quote) at i; fails on "\u0000". */
static int skip_string(const struct scan *sc, size_t *i, struct err *e)
{
	const char *s = sc->s;
	size_t p = *i;
	for (; p < sc->len && s[p] != '"'; p++) {
		if (s[p] != '\\')
			continue;
		if (p + 5 < sc->len && s[p + 1] == 'u' && memcmp(s + p + 2, "0000", 4) == 0)
			return scan_fail(sc, p, e);
		p++;
	}
	*i = p;
	return 0;
}

/* True when the integer literal s[0..n) (optional '-', digits, no leading zero) is
 * outside int64. */
static bool literal_is_big(const char *s, size_t n)
{
	bool neg = s[0] == '-';
	const char *d = s + neg;
	size_t nd = n - neg;
	if (nd == 0 || (d[0] == '0' && nd > 1))
		return false;   /* not a valid integer: leave it for jansson to reject */
	uint64_t v = 0;
	for (size_t i = 0; i < nd; i++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(d[i] - '0'), &v))
			return true;
	}
	return neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX;
}

/* Walks the text once, counting the literals to rewrite; with out, also writes the
 * rewritten text there (sized by a counting pass first). */
static int scan_numbers(struct scan *sc, char *out, size_t *out_len, struct err *e)
{
	const char *s = sc->s;
	size_t copied = 0, o = 0;
	for (size_t i = 0; i < sc->len; i++) {
		if (s[i] == '"') {
			i++;
			if (skip_string(sc, &i, e) < 0)
				return -1;
			continue;
		}
		if (s[i] != '-' && !isdigit((unsigned char)s[i]))
			continue;
		size_t j = i + (s[i] == '-');
		while (j < sc->len && isdigit((unsigned char)s[j]))
			j++;
		if (j < sc->len && (s[j] == '.' || s[j] == 'e' || s[j] == 'E')) {
			/* A real: skip all of it, its fraction digits are no integer. */
			while (j < sc->len && s[j] && strchr("0123456789.eE+-", s[j]))
				j++;
		} else if (literal_is_big(s + i, j - i)) {
			sc->n_big++;
			if (out) {
				memcpy(out + o, s + copied, i - copied);
				o += i - copied;
				out[o++] = '"';
				memcpy(out + o, "\\u0000", 6);
				o += 6;
				memcpy(out + o, s + i, j - i);
				o += j - i;
				out[o++] = '"';
				copied = j;
			}
		}
		i = j - 1;
	}
	if (out) {
		memcpy(out + o, s + copied, sc->len - copied);
		*out_len = o + sc->len - copied;
	}
	return 0;
}

int cj_load(const char *text, size_t len, json_t **out, struct err *e)
{
	struct scan sc = { .s = text, .len = len };
	if (scan_numbers(&sc, NULL, NULL, e) < 0)
		return -1;
	_cleanup_free_ char *rewritten = NULL;
	if (sc.n_big > 0) {
		/* each rewrite adds two quotes and "\u0000" */
		rewritten = malloc(len + sc.n_big * 8 + 1);
		if (!rewritten)
			return cj_oom(e);
		if (scan_numbers(&sc, rewritten, &len, e) < 0)
			return -1;
		text = rewritten;
	}
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!root)
		return cj_fail(e, "", "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
			       jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return cj_fail(e, "", "must be a JSON object");
	}
	*out = root;
	return 0;
}

/* ---------------------------------------------------------------- errors and paths */

static int vfail_at(struct err *e, const char *parent, const char *key, const char *fmt,
		    va_list ap)
{
	char path[CJ_PATH_MAX], msg[ERR_MSG_MAX];
	if (key)
		cj_key(path, parent, key);
	else
		snprintf(path, sizeof path, "%s", parent);
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (*path)
		return err_plain(e, EINVAL, "%s: %s", path, msg);
	return err_plain(e, EINVAL, "%s", msg);
}

/* The path is parent.key, or parent alone when key is NULL: built only when it is needed,
 * since most lookups succeed (or find nothing) and this runs on every container start. */
static int __attribute__((format(printf, 4, 5)))
fail_at(struct err *e, const char *parent, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(e, parent, key, fmt, ap);
	va_end(ap);
	return -1;
}

int cj_fail(struct err *e, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(e, path ? path : "", NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int cj_oom(struct err *e)
{
	return err_set(e, ENOMEM, "config");
}

void cj_key(char *buf, const char *parent, const char *key)
{
	if (*parent)
		snprintf(buf, CJ_PATH_MAX, "%s.%s", parent, key);
	else
		snprintf(buf, CJ_PATH_MAX, "%s", key);
}

void cj_idx(char *buf, const char *parent, size_t i)
{
	snprintf(buf, CJ_PATH_MAX, "%s[%zu]", parent, i);
}

void cj_mapkey(char *buf, const char *parent, const char *key)
{
	snprintf(buf, CJ_PATH_MAX, "%s[\"%s\"]", parent, key);
}

/* ---------------------------------------------------------------- getters */

json_t *cj_get(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

int cj_expect_object(const json_t *v, const char *path, struct err *e)
{
	if (!json_is_object(v))
		return cj_fail(e, path, "must be an object");
	return 0;
}

int cj_array(const json_t *obj, const char *parent, const char *key, json_t **arr, size_t *n,
	     struct err *e)
{
	json_t *v = cj_get(obj, key);
	*arr = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail_at(e, parent, key, "must be an array");
	*arr = v;
	*n = json_array_size(v);
	return 0;
}

int cj_array_of(const json_t *obj, const char *parent, const char *key, size_t size,
		cj_element_fn *parse, void **out, size_t *n, struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *arr;
	size_t len;
	*out = NULL;
	*n = 0;
	if (cj_array(obj, parent, key, &arr, &len, e) < 0)
		return -1;
	if (len == 0)
		return 0;
	if (!(*out = calloc(len, size)))
		return cj_oom(e);
	*n = len;
	cj_key(path, parent, key);
	for (size_t i = 0; i < len; i++) {
		char ep[CJ_PATH_MAX];
		cj_idx(ep, path, i);
		if (parse(json_array_get(arr, i), ep, *out, i, e) < 0)
			return -1;
	}
	return 0;
}

int cj_map_of(const json_t *obj, const char *parent, const char *key, size_t size,
	      cj_member_fn *parse, void **out, size_t *n, struct err *e)
{
	char path[CJ_PATH_MAX];
	json_t *map, *v;
	const char *name;
	size_t i = 0;
	*out = NULL;
	*n = 0;
	if (cj_object(obj, parent, key, &map, e) < 0)
		return -1;
	if (!map || json_object_size(map) == 0)
		return 0;
	if (!(*out = calloc(json_object_size(map), size)))
		return cj_oom(e);
	*n = json_object_size(map);
	cj_key(path, parent, key);
	json_object_foreach(map, name, v) {
		char ep[CJ_PATH_MAX];
		cj_mapkey(ep, path, name);
		if (parse(name, v, ep, *out, i++, e) < 0)
			return -1;
	}
	return 0;
}

int cj_object(const json_t *obj, const char *parent, const char *key, json_t **out,
	      struct err *e)
{
	json_t *v = cj_get(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return fail_at(e, parent, key, "must be an object");
	*out = v;
	return 0;
}

static int string_at(const json_t *v, const char *parent, const char *key, char **out,
		     struct err *e)
{
	/* A string holding NUL can only be a rewritten big integer. */
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return fail_at(e, parent, key, "must be a string");
	char *s = strdup(json_string_value(v));
	if (!s)
		return cj_oom(e);
	free(*out);
	*out = s;
	return 0;
}

int cj_string_value(const json_t *v, const char *path, char **out, struct err *e)
{
	return string_at(v, path, NULL, out, e);
}

int cj_string(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	      char **out, struct err *e)
{
	json_t *v = cj_get(obj, key);
	if (!v)
		return pr == CJ_REQUIRED ? fail_at(e, parent, key, "required") : 0;
	return string_at(v, parent, key, out, e);
}

int cj_bool(const json_t *obj, const char *parent, const char *key, bool *out, bool *has,
	    struct err *e)
{
	json_t *v = cj_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail_at(e, parent, key, "must be a boolean");
	*out = json_is_true(v);
	if (has)
		*has = true;
	return 0;
}

static bool is_big_literal(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 1 &&
	       json_string_value(v)[0] == BIG_MARK;
}

static int int_at(const json_t *v, const char *parent, const char *key, int64_t min,
		  int64_t max, int64_t *out, struct err *e)
{
	if (is_big_literal(v))
		return fail_at(e, parent, key, "%s out of range (%" PRId64 "..%" PRId64 ")",
			       json_string_value(v) + 1, min, max);
	if (!json_is_integer(v))
		return fail_at(e, parent, key, "must be an integer");
	int64_t x = (int64_t)json_integer_value(v);
	if (x < min || x > max)
		return fail_at(e, parent, key, "%" PRId64 " out of range (%" PRId64 "..%" PRId64 ")",
			       x, min, max);
	*out = x;
	return 0;
}

static int uint_at(const json_t *v, const char *parent, const char *key, uint64_t max,
		   uint64_t *out, struct err *e)
{
	if (is_big_literal(v)) {
		const char *digits = json_string_value(v) + 1;
		char *end;
		errno = 0;
		unsigned long long x = strtoull(digits, &end, 10);
		if (digits[0] == '-' || errno == ERANGE || *end || x > max)
			return fail_at(e, parent, key, "%s out of range (0..%" PRIu64 ")", digits, max);
		*out = x;
		return 0;
	}
	if (!json_is_integer(v))
		return fail_at(e, parent, key, "must be an integer");
	json_int_t x = json_integer_value(v);
	if (x < 0 || (uint64_t)x > max)
		return fail_at(e, parent, key, "%" JSON_INTEGER_FORMAT " out of range (0..%" PRIu64 ")",
			       x, max);
	*out = (uint64_t)x;
	return 0;
}

int cj_int_value(const json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
		 struct err *e)
{
	return int_at(v, path, NULL, min, max, out, e);
}

int cj_uint_value(const json_t *v, const char *path, uint64_t max, uint64_t *out, struct err *e)
{
	return uint_at(v, path, NULL, max, out, e);
}

int cj_int(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   int64_t min, int64_t max, int64_t *out, bool *has, struct err *e)
{
	json_t *v = cj_get(obj, key);
	if (!v)
		return pr == CJ_REQUIRED ? fail_at(e, parent, key, "required") : 0;
	if (int_at(v, parent, key, min, max, out, e) < 0)
		return -1;
	if (has)
		*has = true;
	return 0;
}

int cj_uint(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	    uint64_t max, uint64_t *out, bool *has, struct err *e)
{
	json_t *v = cj_get(obj, key);
	if (!v)
		return pr == CJ_REQUIRED ? fail_at(e, parent, key, "required") : 0;
	if (uint_at(v, parent, key, max, out, e) < 0)
		return -1;
	if (has)
		*has = true;
	return 0;
}

int cj_u32(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   uint32_t *out, bool *has, struct err *e)
{
	uint64_t v;
	bool h = false;
	if (cj_uint(obj, parent, key, pr, UINT32_MAX, &v, &h, e) < 0)
		return -1;
	if (h)
		*out = (uint32_t)v;
	if (has)
		*has = h;
	return 0;
}

int cj_u16(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   uint16_t *out, bool *has, struct err *e)
{
	uint64_t v;
	bool h = false;
	if (cj_uint(obj, parent, key, pr, UINT16_MAX, &v, &h, e) < 0)
		return -1;
	if (h)
		*out = (uint16_t)v;
	if (has)
		*has = h;
	return 0;
}

int cj_i32(const json_t *obj, const char *parent, const char *key, enum cj_presence pr,
	   int32_t *out, bool *has, struct err *e)
{
	int64_t v;
	bool h = false;
	if (cj_int(obj, parent, key, pr, INT32_MIN, INT32_MAX, &v, &h, e) < 0)
		return -1;
	if (h)
		*out = (int32_t)v;
	if (has)
		*has = h;
	return 0;
}

/* ---------------------------------------------------------------- string vectors, maps */

int cj_strv_value(const json_t *v, const char *path, char ***out, size_t *n, struct err *e)
{
	if (!json_is_array(v))
		return cj_fail(e, path, "must be an array of strings");
	size_t len = json_array_size(v);
	char **strv = calloc(len + 1, sizeof *strv);
	if (!strv)
		return cj_oom(e);
	/* Owned by the caller from here on, so that a failure below frees it. */
	*out = strv;
	*n = len;
	for (size_t i = 0; i < len; i++) {
		if (string_at(json_array_get(v, i), "", NULL, &strv[i], e) < 0) {
			char p[CJ_PATH_MAX];
			cj_idx(p, path, i);
			return err_wrap(e, "%s", p);
		}
	}
	return 0;
}

int cj_strv(const json_t *obj, const char *parent, const char *key, char ***out, size_t *n,
	    struct err *e)
{
	json_t *v = cj_get(obj, key);
	if (!v)
		return 0;
	char p[CJ_PATH_MAX];
	cj_key(p, parent, key);
	return cj_strv_value(v, p, out, n, e);
}

/* Member i of a string map. */
static int parse_kv(const char *name, const json_t *v, const char *path, void *array, size_t i,
		    struct err *e)
{
	struct oci_kv *kv = (struct oci_kv *)array + i;
	if (!(kv->key = strdup(name)))
		return cj_oom(e);
	return cj_string_value(v, path, &kv->value, e);
}

int cj_kv(const json_t *obj, const char *parent, const char *key, struct oci_kv **out,
	  size_t *n, struct err *e)
{
	void *arr;
	int r = cj_map_of(obj, parent, key, sizeof **out, parse_kv, &arr, n, e);
	*out = arr;
	return r;
}

int cj_lookup(const char *const *table, const char *s)
{
	for (int i = 0; table[i]; i++)
		if (strcmp(table[i], s) == 0)
			return i;
	return -1;
}

void cj_strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cj_kv_free(struct oci_kv *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* Element i of uidMappings or gidMappings. */
static int id_mapping(const json_t *v, const char *path, void *array, size_t i, struct err *e)
{
	struct oci_id_mapping *m = (struct oci_id_mapping *)array + i;
	if (cj_expect_object(v, path, e) < 0 ||
	    cj_u32(v, path, "containerID", CJ_REQUIRED, &m->container_id, NULL, e) < 0 ||
	    cj_u32(v, path, "hostID", CJ_REQUIRED, &m->host_id, NULL, e) < 0 ||
	    cj_u32(v, path, "size", CJ_REQUIRED, &m->size, NULL, e) < 0)
		return -1;
	return 0;
}

/* What the kernel refuses in a uid_map/gid_map write (map_write: at most 340 lines, no
 * empty or wrapping range, no overlap on either side), named here before anything is made. */
#define ID_MAP_MAX_EXTENTS 340

static bool ranges_overlap(uint32_t a, uint32_t b, uint32_t size_a, uint32_t size_b)
{
	return (uint64_t)a < (uint64_t)b + size_b && (uint64_t)b < (uint64_t)a + size_a;
}

static int id_mappings_check(const struct oci_id_mapping *m, size_t n, const char *path,
			     struct err *e)
{
	char ep[CJ_PATH_MAX];
	if (n > ID_MAP_MAX_EXTENTS)
		return cj_fail(e, path, "more than %d ranges", ID_MAP_MAX_EXTENTS);
	for (size_t i = 0; i < n; i++) {
		cj_idx(ep, path, i);
		if (m[i].size == 0)
			return cj_fail(e, ep, "size must not be 0");
		if ((uint64_t)m[i].container_id + m[i].size > UINT32_MAX ||
		    (uint64_t)m[i].host_id + m[i].size > UINT32_MAX)
			return cj_fail(e, ep, "range goes past the last id (4294967294)");
		for (size_t k = 0; k < i; k++) {
			if (ranges_overlap(m[i].container_id, m[k].container_id, m[i].size, m[k].size))
				return cj_fail(e, ep, "containerID range overlaps entry %zu", k);
			if (ranges_overlap(m[i].host_id, m[k].host_id, m[i].size, m[k].size))
				return cj_fail(e, ep, "hostID range overlaps entry %zu", k);
		}
	}
	return 0;
}

int cj_id_mappings(const json_t *obj, const char *parent, const char *key,
		   struct oci_id_mapping **out, size_t *n, struct err *e)
{
	char p[CJ_PATH_MAX];
	void *arr;
	int r = cj_array_of(obj, parent, key, sizeof **out, id_mapping, &arr, n, e);
	*out = arr;
	if (r < 0)
		return -1;
	/* The ranges against each other, once all of them are read. */
	cj_key(p, parent, key);
	return id_mappings_check(*out, *n, p, e);
}
