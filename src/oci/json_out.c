#include "oci/json_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *oci_json_u64(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	char buf[32];
	buf[0] = '\0';
	int n = snprintf(buf + 1, sizeof buf - 1, "%llu", (unsigned long long)v);
	return json_stringn(buf, 1 + (size_t)n);
}

/* The marker as json_dumps escapes it: a string that starts with "\u0000". No other string
 * can: the loader refuses "\u0000" in its input, and nothing else we write holds NUL. */
static const char MARK[] = "\"\\u0000";

int oci_json_dump(const json_t *root, size_t flags, char **out, struct err *e)
{
	char *s = json_dumps(root, flags);
	if (!s)
		return err_set(e, ENOMEM, "JSON output");
	size_t o = 0;
	for (size_t i = 0; s[i];) {
		if (strncmp(s + i, MARK, sizeof MARK - 1) != 0) {
			s[o++] = s[i++];
			continue;
		}
		/* "\u0000<digits>" -> <digits> */
		i += sizeof MARK - 1;
		while (s[i] && s[i] != '"')
			s[o++] = s[i++];
		if (s[i] == '"')
			i++;
	}
	s[o] = '\0';
	*out = s;
	return 0;
}
