#include "util/env.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int env_check(const char *entry, const char *what, struct err *e)
{
	const char *eq = strchr(entry, '=');
	if (!eq)
		return err_set(e, 0, "%s: invalid environment variable: \"%s\"", what, entry);
	if (eq == entry)
		return err_set(e, 0, "%s: environment variable name can't be empty: \"%s\"", what,
			       entry);
	return 0;
}

int env_set(char ***env, size_t *n, const char *entry, struct err *e)
{
	const char *eq = strchr(entry, '=');
	size_t klen = eq ? (size_t)(eq - entry) + 1 : strlen(entry);
	char *copy = strdup(entry);
	if (!copy)
		return err_set(e, ENOMEM, "environment");
	for (size_t i = 0; i < *n; i++) {
		if (!strncmp((*env)[i], entry, klen) && (eq || (*env)[i][klen] == '=')) {
			free((*env)[i]);
			(*env)[i] = copy;
			return 0;
		}
	}
	char **v = realloc(*env, (*n + 2) * sizeof *v);
	if (!v) {
		free(copy);
		return err_set(e, ENOMEM, "environment");
	}
	v[(*n)++] = copy;
	v[*n] = NULL;
	*env = v;
	return 0;
}

static void env_free(char **env, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	free(env);
}

int env_merge(char *const *a, char *const *b, char ***out, size_t *n, struct err *e)
{
	char **env = calloc(1, sizeof *env);
	size_t len = 0;
	if (!env)
		return err_set(e, ENOMEM, "environment");
	for (size_t i = 0; a && a[i]; i++)
		if (env_set(&env, &len, a[i], e) < 0)
			goto fail;
	for (size_t i = 0; b && b[i]; i++)
		if (env_set(&env, &len, b[i], e) < 0)
			goto fail;
	*out = env;
	*n = len;
	return 0;
fail:
	env_free(env, len);
	return -1;
}

int env_fold(char ***env, size_t *n, char *const *extra, struct err *e)
{
	char **merged;
	size_t len;
	if (env_merge(*env, extra, &merged, &len, e) < 0)
		return -1;
	env_free(*env, *n);
	*env = merged;
	*n = len;
	return 0;
}
