/* The cgroup interface: probing the host's layout, resolving linux.cgroupsPath, and the
 * operations that are the same in every hierarchy (mkdir, join, list, signal, rmdir). What
 * differs between v1 and v2 lives in v1.c and v2.c; linux.resources in resources.c. */
#include "cgroups/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#define CG_UNIFIED_MOUNT CG_MOUNT_ROOT "/unified"

/* ---------------------------------------------------------------- probing */

static enum cgroup_layout probe_layout(void)
{
	struct statfs s;
	if (statfs(CG_MOUNT_ROOT, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_LAYOUT_V2;
	/* systemd's "hybrid": v1 controllers plus a cgroup2 mount, usually controller-less. */
	if (statfs(CG_UNIFIED_MOUNT, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_LAYOUT_HYBRID;
	return CGROUP_LAYOUT_V1;
}

enum cgroup_layout cgroup_host_layout(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = (int)probe_layout();
	return (enum cgroup_layout)cached;
}

/* ---------------------------------------------------------------- pure helpers */

bool cg_list_has(const char *list, const char *item)
{
	size_t len = strlen(item);
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ", \t\n");
		if (n == len && strncmp(p, item, len) == 0)
			return true;
		p += n;
		p += strspn(p, ", \t\n");
	}
	return false;
}

int cg_clean_path(const char *in, char **out, struct err *e)
{
	bool abs = in[0] == '/';
	size_t len = strlen(in);
	if (len >= PATH_MAX)
		return err_set(e, ENAMETOOLONG, "cgroup path %.64s...", in);
	_cleanup_free_ char *buf = malloc(len + 2);
	if (!buf)
		return err_set(e, ENOMEM, "cgroup path");
	size_t o = 0;
	for (const char *p = in; *p;) {
		p += strspn(p, "/");
		if (!*p)
			break;
		const char *s = p;
		size_t cl = strcspn(p, "/");
		p += cl;
		if (cl == 1 && s[0] == '.')
			continue;
		if (cl == 2 && s[0] == '.' && s[1] == '.') {
			if (o == 0)
				return err_set(e, EINVAL, "cgroup path \"%s\": \"..\" leaves the cgroup tree", in);
			while (o > 0 && buf[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o > 0 || abs)
			buf[o++] = '/';
		memcpy(buf + o, s, cl);
		o += cl;
	}
	if (abs && o == 0)
		buf[o++] = '/';
	buf[o] = '\0';
	*out = steal_ptr(&buf);
	return 0;
}

int cg_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
		    struct err *e)
{
	if (!cgroups_path || !cgroups_path[0]) {
		if (!id || !id[0] || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, ".."))
			return err_set(e, EINVAL, "container id \"%s\" cannot name a cgroup", id ? id : "");
		if (!own) {
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "/%s", id) < 0)
				return err_set(e, ENOMEM, "cgroup path");
			return cg_clean_path(p, out, e);
		}
		cgroups_path = id;   /* runc's default: the id, relative to the caller's cgroup */
	} else if (cgroups_path[0] == '/') {
		return cg_clean_path(cgroups_path, out, e);
	}
	/* Relative: cleaned on its own first, so that ".." cannot climb out of the caller's
	 * cgroup into a sibling (runc's CleanPath gives the same guarantee). */
	_cleanup_free_ char *rel = NULL, *base = NULL, *joined = NULL;
	if (cg_clean_path(cgroups_path, &rel, e) < 0 || cg_clean_path(own ? own : "/", &base, e) < 0)
		return -1;
	if (base[0] != '/')
		return err_set(e, EINVAL, "own cgroup \"%s\" is not absolute", own);
	if (asprintf(&joined, "%s/%s", strcmp(base, "/") ? base : "", rel) < 0)
		return err_set(e, ENOMEM, "cgroup path");
	return cg_clean_path(joined, out, e);
}

int cg_parse_proc_cgroup(const char *text, const char *controller, char **out, struct err *e)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			_cleanup_free_ char *ctrls = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
			if (!ctrls)
				return err_set(e, ENOMEM, "/proc/self/cgroup");
			bool match = controller[0] ? cg_list_has(ctrls, controller) : ctrls[0] == '\0';
			if (match) {
				*out = strndup(c2 + 1, len - (size_t)(c2 + 1 - line));
				return *out ? 0 : err_set(e, ENOMEM, "/proc/self/cgroup");
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return err_set(e, ENOENT, "/proc/self/cgroup: no hierarchy for \"%s\"", controller);
}

int cg_hier_own(const struct cg_hier *h, const char *proc_cgroup, char **out, struct err *e)
{
	/* Any one controller of a v1 hierarchy finds its line; "" is the v2 line. */
	char first[128] = "";
	if (!h->v2)
		snprintf(first, sizeof first, "%.*s", (int)strcspn(h->controllers, ","), h->controllers);
	_cleanup_free_ char *own = NULL;
	if (cg_parse_proc_cgroup(proc_cgroup, first, &own, e) < 0)
		return -1;
	/* A mount that shows a sub-tree (nested containers) hides the part above its root. */
	size_t rl = strlen(h->root);
	if (strcmp(h->root, "/") && !strncmp(own, h->root, rl) && (own[rl] == '/' || !own[rl])) {
		char *sub = strdup(own[rl] ? own + rl : "/");
		if (!sub)
			return err_set(e, ENOMEM, "cgroup");
		free(own);
		own = sub;
	}
	*out = steal_ptr(&own);
	return 0;
}

int cg_resolve_hiers(const char *cgroups_path, const char *id, const char *proc_cgroup,
		     enum cgroup_layout layout, struct cg_hier *h, size_t n, struct err *e)
{
	bool dflt = !cgroups_path || !cgroups_path[0];
	bool relative = !dflt && cgroups_path[0] != '/';
	/* Pure v2 keeps its "/<id>" default: one hierarchy, and runc's fs2 default differs
	 * from its v1 one anyway. */
	bool needs_own = relative || (dflt && layout != CGROUP_LAYOUT_V2);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *own = NULL;
		if (needs_own && cg_hier_own(&h[i], proc_cgroup, &own, e) < 0)
			return -1;
		free(h[i].path);
		h[i].path = NULL;
		if (cg_resolve_path(cgroups_path, id, own, &h[i].path, e) < 0)
			return -1;
	}
	return 0;
}

/* The key of a hierarchy in the serialised form. */
static const char *hier_key(const struct cg_hier *h)
{
	return h->v2 ? "unified" : h->controllers;
}

/* Paths in the keyed form may hold ';' (the separator) and '\\' only escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ';' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

int cg_format_paths(const struct cg_hier *h, size_t n, char **out, struct err *e)
{
	/* The default is the path most hierarchies share, so only the others are listed. */
	size_t best = 0, best_count = 0;
	for (size_t i = 0; i < n; i++) {
		size_t count = 0;
		for (size_t j = 0; j < n; j++)
			count += !strcmp(h[i].path, h[j].path);
		if (count > best_count) {
			best = i;
			best_count = count;
		}
	}
	if (best_count == n) {
		/* One path everywhere: the plain form, as state files always held. */
		*out = strdup(n ? h[0].path : "/");
		return *out ? 0 : err_set(e, ENOMEM, "cgroup path");
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return err_sys(e, "cgroup path");
	fputs("*=", f);
	put_escaped(f, h[best].path);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(h[i].path, h[best].path))
			continue;
		fprintf(f, ";%s=", hier_key(&h[i]));
		put_escaped(f, h[i].path);
	}
	if (fclose(f) != 0) {
		free(buf);
		return err_set(e, ENOMEM, "cgroup path");
	}
	*out = buf;
	return 0;
}

/* The next ';'-separated entry of the keyed form, unescaped, split at its first "=/" (keys
 * hold no '/'; paths start with one). *p moves past it. */
static int next_entry(const char **p, char **key, char **path, struct err *e)
{
	const char *s = *p;
	char *entry = malloc(strlen(s) + 1);
	if (!entry)
		return err_set(e, ENOMEM, "cgroup path");
	size_t o = 0;
	for (; *s && *s != ';'; s++) {
		if (*s == '\\' && s[1])
			s++;
		entry[o++] = *s;
	}
	entry[o] = '\0';
	*p = *s ? s + 1 : s;
	char *eq = strstr(entry, "=/");
	if (!eq || eq == entry) {
		free(entry);
		return err_set(e, EINVAL, "malformed cgroup path entry");
	}
	*eq = '\0';
	*key = entry;        /* one allocation: the path lives behind the key */
	*path = eq + 1;
	return 0;
}

static int set_path(struct cg_hier *h, const char *path, struct err *e)
{
	char *clean = NULL;
	if (cg_clean_path(path, &clean, e) < 0)
		return -1;
	free(h->path);
	h->path = clean;
	return 0;
}

int cg_parse_paths(const char *s, struct cg_hier *h, size_t n, struct err *e)
{
	if (!s || !*s)
		return err_set(e, EINVAL, "empty cgroup path");
	if (s[0] == '/') {
		for (size_t i = 0; i < n; i++)
			if (set_path(&h[i], s, e) < 0)
				return -1;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		free(h[i].path);
		h[i].path = NULL;
	}
	_cleanup_free_ char *dflt = NULL;
	for (const char *p = s; *p;) {
		_cleanup_free_ char *key = NULL;
		char *path = NULL;
		if (next_entry(&p, &key, &path, e) < 0)
			return err_wrap(e, "cgroup path \"%s\"", s);
		if (!strcmp(key, "*")) {
			free(dflt);
			dflt = NULL;
			if (cg_clean_path(path, &dflt, e) < 0)
				return -1;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (!strcmp(key, hier_key(&h[i])) && set_path(&h[i], path, e) < 0)
				return -1;
	}
	if (!dflt)
		return err_set(e, EINVAL, "cgroup path \"%s\": no default (\"*=\") entry", s);
	for (size_t i = 0; i < n; i++)
		if (!h[i].path && !(h[i].path = strdup(dflt)))
			return err_set(e, ENOMEM, "cgroup path");
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static const char *const v1_controllers[] = {
	"cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "net_cls",
	"perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc", "debug", NULL,
};

/* The controllers of a v1 mount from its super options ("rw,cpu,cpuacct", "rw,name=systemd"). */
static char *v1_controllers_of(const char *superopts)
{
	_cleanup_free_ char *copy = strdup(superopts);
	size_t cap = strlen(superopts) + 1;
	char *list = calloc(1, cap);
	if (!copy || !list) {
		free(list);
		return NULL;
	}
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool known = strncmp(t, "name=", 5) == 0;
		for (size_t i = 0; !known && v1_controllers[i]; i++)
			known = strcmp(t, v1_controllers[i]) == 0;
		if (!known)
			continue;
		if (list[0])
			strcat(list, ",");
		strcat(list, t);
	}
	return list;
}

static int add_hier(struct cg_hier **v, size_t *n, const char *mount, const char *root,
		    char *controllers, bool v2)
{
	for (size_t i = 0; i < *n; i++) {
		/* The same hierarchy mounted twice (bind mounts): keep the first. */
		bool same = v2 ? (*v)[i].v2 : (!(*v)[i].v2 && !strcmp((*v)[i].controllers, controllers));
		if (same) {
			free(controllers);
			return 0;
		}
	}
	struct cg_hier *nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv) {
		free(controllers);
		return -1;
	}
	*v = nv;
	struct cg_hier *h = &nv[(*n)++];
	*h = (struct cg_hier){ .mount = strdup(mount), .root = strdup(root),
			       .controllers = controllers, .v2 = v2 };
	return h->mount && h->root ? 0 : -1;
}

/* One mountinfo line: "id parent maj:min root mountpoint opts [optional...] - fstype src super". */
static int parse_mount_line(char *line, const char *unified_at, struct cg_hier **v, size_t *n)
{
	char *sep = strstr(line, " - ");
	if (!sep)
		return 0;
	*sep = '\0';
	char *save = NULL, *f[5];
	f[0] = strtok_r(line, " ", &save);
	for (int i = 1; i < 5; i++)
		f[i] = f[i - 1] ? strtok_r(NULL, " ", &save) : NULL;
	char *save2 = NULL;
	char *fstype = strtok_r(sep + 3, " ", &save2);
	char *source = fstype ? strtok_r(NULL, " ", &save2) : NULL;
	char *super = source ? strtok_r(NULL, " ", &save2) : NULL;
	if (!f[4] || !super)
		return 0;
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	if (!strcmp(fstype, "cgroup")) {
		char *ctrls = v1_controllers_of(super);
		if (!ctrls)
			return -1;
		if (!ctrls[0]) {
			free(ctrls);
			return 0;
		}
		return add_hier(v, n, f[4], f[3], ctrls, false);
	}
	if (!strcmp(fstype, "cgroup2") && unified_at && !strcmp(f[4], unified_at))
		return add_hier(v, n, f[4], f[3], NULL, true);
	return 0;
}

int cg_parse_mountinfo(const char *text, const char *unified_at, struct cg_hier **out,
		       size_t *n, struct err *e)
{
	struct cg_hier *v = NULL;
	size_t count = 0;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		_cleanup_free_ char *copy = strndup(line, len);
		if (!copy || parse_mount_line(copy, unified_at, &v, &count) < 0) {
			cg_hiers_free(v, count);
			return err_set(e, ENOMEM, "parse mountinfo");
		}
		line = nl ? nl + 1 : NULL;
	}
	*out = v;
	*n = count;
	return 0;
}

void cg_hiers_free(struct cg_hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].mount);
		free(h[i].root);
		free(h[i].controllers);
		free(h[i].path);
	}
	free(h);
}

char *cg_hier_dir(const struct cg_hier *h, const char *path)
{
	char *dir = NULL;
	if (asprintf(&dir, "%s%s", h->mount, strcmp(path, "/") ? path : "") < 0)
		return NULL;
	return dir;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	/* cpu.shares' range is [2, 262144]; cpu.weight's is [1, 10000]. */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	/* blkio.weight's range is [10, 1000]; io.weight's is [1, 10000]. */
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

int cg_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct err *e)
{
	/* As cgroup v1 did: an unlimited memory without a swap setting means unlimited swap. */
	if (limit == -1 && swap == 0) {
		*out = -1;
		return 0;
	}
	if (swap == -1 || swap == 0) {
		*out = swap;
		return 0;
	}
	if (limit == 0 || limit == -1)
		return err_set(e, EINVAL, "a swap limit needs a memory limit");
	if (limit < 0)
		return err_set(e, EINVAL, "invalid memory limit %lld", (long long)limit);
	if (swap < limit)
		return err_set(e, EINVAL, "memory+swap limit %lld is below the memory limit %lld",
			       (long long)swap, (long long)limit);
	*out = swap - limit;
	return 0;
}

/* ---------------------------------------------------------------- file helpers */

int cg_write(int dirfd, const char *file, const char *value, const char *what, struct err *e)
{
	size_t len = strlen(value);
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	ssize_t w = -1;
	if (fd >= 0) {
		do
			w = write(fd, value, len);
		while (w < 0 && errno == EINTR);
	}
	if (w >= 0 && (size_t)w == len)
		return 0;
	int code = w < 0 ? errno : EIO;
	if (what)
		return err_set(e, code, "%s: set %s in %s", what, value, file);
	return err_set(e, code, "write %s to %s", value, file);
}

int cg_writef(int dirfd, const char *file, const char *what, struct err *e, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return err_set(e, EINVAL, "%s: value too long for %s", what ? what : "cgroup", file);
	return cg_write(dirfd, file, buf, what, e);
}

int cg_read(int dirfd, const char *file, char **out, struct err *e)
{
	size_t len;
	if (read_file_at(dirfd, file, out, &len, e) < 0)
		return -1;
	while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == ' '))
		(*out)[--len] = '\0';
	return 0;
}

bool cg_file_exists(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, 0) == 0;
}

int cg_open_dir(const struct cgroup *cg, const struct cg_hier *h, struct err *e)
{
	(void)cg;   /* the path is the hierarchy's own: it may differ between them */
	_cleanup_free_ char *dir = cg_hier_dir(h, h->path);
	if (!dir)
		return err_set(e, ENOMEM, "cgroup %s", h->path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", dir);
	return fd;
}

struct cg_hier *cg_find2(struct cgroup *cg, const char *v1_name, const char *v2_name)
{
	for (size_t i = 0; i < cg->n; i++)
		if (v1_name && !cg->h[i].v2 && cg_list_has(cg->h[i].controllers, v1_name))
			return &cg->h[i];
	for (size_t i = 0; v2_name && i < cg->n; i++) {
		if (!cg->h[i].v2)
			continue;
		if (cg->layout == CGROUP_LAYOUT_V2)
			return &cg->h[i];
		/* Hybrid: some controllers (hugetlb here) are bound to the v2 mount instead. */
		_cleanup_close_ int fd = open(cg->h[i].mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_free_ char *avail = NULL;
		struct err ignored;
		if (fd >= 0 && cg_read(fd, "cgroup.controllers", &avail, &ignored) == 0 &&
		    cg_list_has(avail, v2_name))
			return &cg->h[i];
	}
	return NULL;
}

struct cg_hier *cg_find(struct cgroup *cg, const char *controller)
{
	return cg_find2(cg, controller, controller);
}

static int append_pid(pid_t **v, size_t *n, size_t *cap, pid_t pid)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		pid_t *nv = realloc(*v, nc * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = pid;
	return 0;
}

int cg_collect_pids(int dirfd, pid_t **v, size_t *n, size_t *cap, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	if (read_file_at(dirfd, "cgroup.procs", &text, NULL, e) < 0)
		return -1;
	for (char *p = text; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && append_pid(v, n, cap, (pid_t)pid) < 0)
			return err_set(e, ENOMEM, "cgroup.procs");
		p = end + strspn(end, "\n ");
	}
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		err_sys(e, "list cgroup directory");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0) {
			if (errno == ENOENT)   /* removed while we walk: its processes went too */
				continue;
			return err_sys(e, "open %s", de->d_name);
		}
		if (cg_collect_pids(sub, v, n, cap, e) < 0)
			return err_wrap(e, "%s", de->d_name);
	}
	return 0;
}

/* ---------------------------------------------------------------- new / open */

/* The host's v1 hierarchies, scanned once per process: `list` and `state` open one cgroup
 * per container. */
static struct cg_hier *host_hiers;
static size_t host_n;

static int scan_host(enum cgroup_layout layout, struct err *e)
{
	if (host_hiers)
		return 0;
	_cleanup_free_ char *text = NULL;
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL, e) < 0)
		return -1;
	if (cg_parse_mountinfo(text, layout == CGROUP_LAYOUT_HYBRID ? CG_UNIFIED_MOUNT : NULL,
			       &host_hiers, &host_n, e) < 0)
		return -1;
	if (host_n == 0) {
		free(host_hiers);
		host_hiers = NULL;
		return err_set(e, ENOENT, "no cgroup hierarchy is mounted");
	}
	return 0;
}

static int discover(struct cgroup *cg, struct err *e)
{
	cg->layout = cgroup_host_layout();
	if (cg->layout == CGROUP_LAYOUT_V2) {
		/* No mountinfo scan on the fast path: v2 has one hierarchy at a known place. */
		if (add_hier(&cg->h, &cg->n, CG_MOUNT_ROOT, "/", NULL, true) < 0)
			return err_set(e, ENOMEM, "cgroup");
		return 0;
	}
	if (scan_host(cg->layout, e) < 0)
		return -1;
	for (size_t i = 0; i < host_n; i++) {
		const struct cg_hier *h = &host_hiers[i];
		char *ctl = h->controllers ? strdup(h->controllers) : NULL;
		if ((h->controllers && !ctl) || add_hier(&cg->h, &cg->n, h->mount, h->root, ctl, h->v2) < 0)
			return err_set(e, ENOMEM, "cgroup");
	}
	return 0;
}

static void cgroup_freep(struct cgroup **cg)
{
	cgroup_free(*cg);
}

int cgroup_new(const char *cgroups_path, const char *id, struct cgroup **out, struct err *e)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = calloc(1, sizeof *cg);
	if (!cg)
		return err_set(e, ENOMEM, "cgroup");
	if (discover(cg, e) < 0)
		return -1;
	/* Who runs `delete` may sit in other cgroups than who ran `create`: what the caller's
	 * own cgroups give is resolved once, here, and kept in cgroup_path(). */
	_cleanup_free_ char *self = NULL;
	bool absolute = cgroups_path && cgroups_path[0] == '/';
	if (!absolute && read_file_at(AT_FDCWD, "/proc/self/cgroup", &self, NULL, e) < 0)
		return err_wrap(e, "linux.cgroupsPath");
	if (cg_resolve_hiers(cgroups_path, id, self, cg->layout, cg->h, cg->n, e) < 0 ||
	    cg_format_paths(cg->h, cg->n, &cg->path, e) < 0)
		return err_wrap(e, "linux.cgroupsPath");
	*out = steal_ptr(&cg);
	return 0;
}

int cgroup_open(const char *resolved_path, struct cgroup **out, struct err *e)
{
	if (!resolved_path || !resolved_path[0])
		return err_set(e, EINVAL, "empty cgroup path");
	_cleanup_(cgroup_freep) struct cgroup *cg = calloc(1, sizeof *cg);
	if (!cg)
		return err_set(e, ENOMEM, "cgroup");
	if (discover(cg, e) < 0 || cg_parse_paths(resolved_path, cg->h, cg->n, e) < 0 ||
	    cg_format_paths(cg->h, cg->n, &cg->path, e) < 0)
		return -1;
	*out = steal_ptr(&cg);
	return 0;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	cg_hiers_free(cg->h, cg->n);
	free(cg->path);
	free(cg);
}

const char *cgroup_path(const struct cgroup *cg)
{
	return cg->path;
}

/* ---------------------------------------------------------------- create / destroy */

/* mkdir each component of path under h, counting how many we made (from the leaf up). */
static int make_dirs(struct cg_hier *h, const char *path, struct err *e)
{
	_cleanup_free_ char *dir = cg_hier_dir(h, path);
	if (!dir)
		return err_set(e, ENOMEM, "cgroup");
	size_t base = strlen(h->mount);
	unsigned total = 0, made = 0;
	for (const char *p = path; *p; p++)
		total += *p == '/' && p[1];
	for (size_t i = base + 1, comp = 0; ; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		char c = dir[i];
		dir[i] = '\0';
		if (mkdir(dir, 0755) == 0) {
			if (!made)
				made = total - (unsigned)comp;
		} else if (errno != EEXIST) {
			return err_sys(e, "mkdir %s", dir);
		}
		dir[i] = c;
		comp++;
		if (c == '\0')
			break;
	}
	h->created = made;
	return 0;
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* A cgroup stays busy while its last processes exit; wait a little for them. */
static int rmdir_retry(const char *dir, const struct timespec *deadline, struct err *e)
{
	useconds_t delay = 1000;
	for (;;) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || past(deadline))
			return err_sys(e, "rmdir %s", dir);
		usleep(delay);
		if (delay < 64000)
			delay *= 2;
	}
}

/* Deepest first: a cgroup with children cannot be removed (the container may have made
 * sub-cgroups of its own through a cgroup namespace). */
static int remove_tree(const char *dir, const struct timespec *deadline, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open %s", dir);
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, "open %s", dir);
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
			return err_set(e, ENOMEM, "cgroup");
		if (remove_tree(sub, deadline, e) < 0)
			return -1;
	}
	return rmdir_retry(dir, deadline, e);
}

static int destroy_in(struct cg_hier *h, const struct timespec *deadline, struct err *e)
{
	if (!strcmp(h->path, "/"))
		return 0;   /* never a hierarchy's root */
	_cleanup_free_ char *dir = cg_hier_dir(h, h->path);
	if (!dir)
		return err_set(e, ENOMEM, "cgroup");
	if (remove_tree(dir, deadline, e) < 0)
		return -1;
	/* Parents we made for this container go too, unless another cgroup moved in. */
	for (unsigned i = 1; i < h->created; i++) {
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) <= strlen(h->mount))
			break;
		*slash = '\0';
		if (rmdir(dir) < 0)
			break;
	}
	h->created = 0;
	return 0;
}

int cgroup_destroy(struct cgroup *cg, struct err *e)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 1;
	int rc = 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct err tmp;
		if (destroy_in(&cg->h[i], &deadline, &tmp) < 0 && rc == 0) {
			*e = tmp;
			rc = err_wrap(e, "destroy cgroup %s", cg->h[i].path);
		}
	}
	return rc;
}

int cgroup_create(struct cgroup *cg, struct err *e)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];
		int r = make_dirs(h, h->path, e);
		if (r == 0 && !h->v2 && cg_list_has(h->controllers, "cpuset"))
			r = cg_v1_cpuset_seed(h, h->path, e);
		/* In hybrid the v2 mount is left alone unless a resource needs one of its
		 * controllers: enabling them there would change the host's layout. */
		if (r == 0 && h->v2 && cg->layout == CGROUP_LAYOUT_V2)
			r = cg_v2_enable(h, h->path, NULL, e);
		if (r < 0) {
			struct err ignored;
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			for (size_t j = 0; j <= i; j++)
				if (cg->h[j].created)
					destroy_in(&cg->h[j], &now, &ignored);
			return err_wrap(e, "create cgroup %s", h->path);
		}
	}
	return 0;
}

/* A cgroup that existed before this create (cgroupsPath shared or pre-made) is used as runc
 * does: a frozen one is refused, since the init would hang in it; one with processes only
 * warns. A cgroup made just now can be neither, so the check costs nothing then. */
static struct cg_hier *pids_hier(struct cgroup *cg);
static struct cg_hier *freezer_hier(struct cgroup *cg);

int cgroup_check_reuse(struct cgroup *cg, bool *shared, struct err *e)
{
	*shared = false;
	struct cg_hier *fh = freezer_hier(cg), *ph = pids_hier(cg);
	if ((!fh || fh->created) && ph->created)
		return 0;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	struct err ignored;
	*shared = cgroup_pids(cg, &pids, &n, &ignored) == 0 && n > 0;
	if (cgroup_is_frozen(cg, e) == 1)
		return err_set(e, EBUSY, "container's cgroup unexpectedly frozen");
	if (*shared)
		log_warn("container's cgroup is not empty: %zu process(es) found", n);
	return 0;
}

/* ---------------------------------------------------------------- processes */

/* One hierarchy suffices to list processes: each is in every hierarchy. */
static struct cg_hier *pids_hier(struct cgroup *cg)
{
	if (cg->layout == CGROUP_LAYOUT_V2)
		return &cg->h[0];
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2 && (cg_list_has(cg->h[i].controllers, "pids") ||
				     cg_list_has(cg->h[i].controllers, "freezer")))
			return &cg->h[i];
	return &cg->h[0];
}

/* The container's cgroup in messages: paths may differ between hierarchies, so name it by
 * its path in the hierarchy that lists its processes. */
static const char *cg_name(struct cgroup *cg)
{
	return pids_hier(cg)->path;
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct err *e)
{
	for (size_t i = 0; i < cg->n; i++) {
		_cleanup_close_ int fd = cg_open_dir(cg, &cg->h[i], e);
		if (fd < 0 || cg_writef(fd, "cgroup.procs", NULL, e, "%d", (int)pid) < 0)
			return err_wrap(e, "join %s%s", cg->h[i].mount, cg->h[i].path);
	}
	return 0;
}

int cgroup_join_open(struct cgroup *cg, struct cgroup_join *j, struct err *e)
{
	*j = (struct cgroup_join)CGROUP_JOIN_INIT;
	j->tasks = calloc(cg->n ? cg->n : 1, sizeof *j->tasks);
	if (!j->tasks)
		return err_set(e, ENOMEM, "cgroup join");
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];
		_cleanup_close_ int dir = cg_open_dir(cg, h, e);
		if (dir < 0)
			goto fail;
		const char *file = h->v2 ? "cgroup.procs" : "tasks";
		int fd = openat(dir, file, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			err_sys(e, "open %s", file);
			goto fail;
		}
		if (!h->v2) {
			j->tasks[j->n_tasks++] = fd;
			continue;
		}
		j->procs2 = fd;
		j->dir2 = steal_fd(&dir);
	}
	return 0;
fail:
	cgroup_join_close(j);
	return err_wrap(e, "join cgroup %s", cg_name(cg));
}

/* "0" is the writer itself: the thread for `tasks`, its process for cgroup.procs. */
static int join_write(int fd, const char *file, struct err *e)
{
	if (write(fd, "0", 1) != 1)
		return err_sys(e, "join cgroup: write 0 to %s", file);
	return 0;
}

int cgroup_join_self(struct cgroup_join *j, struct err *e)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < j->n_tasks; i++)
		r = join_write(j->tasks[i], "tasks", e);
	if (r == 0 && j->procs2 >= 0 && !j->cloned_into)
		r = join_write(j->procs2, "cgroup.procs", e);
	cgroup_join_close(j);
	return r;
}

void cgroup_join_close(struct cgroup_join *j)
{
	for (size_t i = 0; j->tasks && i < j->n_tasks; i++)
		close(j->tasks[i]);
	free(j->tasks);
	j->tasks = NULL;
	j->n_tasks = 0;
	closep(&j->dir2);
	closep(&j->procs2);
}

const char *cgroup_join_method(const struct cgroup_join *j)
{
	if (j->cloned_into)
		return j->n_tasks ? "CLONE_INTO_CGROUP and v1 tasks" : "CLONE_INTO_CGROUP";
	if (j->procs2 >= 0)
		return j->n_tasks ? "cgroup.procs and v1 tasks" : "cgroup.procs";
	return "v1 tasks";
}

int cgroup_v2_fd(struct cgroup *cg, struct err *e)
{
	if (cg->layout != CGROUP_LAYOUT_V2)
		return err_set(e, ENOTSUP, "cgroup %s: not a cgroup v2 host", cg_name(cg));
	return cg_open_dir(cg, &cg->h[0], e);
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct err *e)
{
	*pids = NULL;
	*n = 0;
	size_t cap = 0;
	_cleanup_close_ int fd = cg_open_dir(cg, pids_hier(cg), e);
	if (fd < 0 || cg_collect_pids(fd, pids, n, &cap, e) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return err_wrap(e, "list processes of cgroup %s", cg_name(cg));
	}
	return 0;
}

static struct cg_hier *freezer_hier(struct cgroup *cg)
{
	return cg->layout == CGROUP_LAYOUT_V2 ? &cg->h[0] : cg_find2(cg, "freezer", NULL);
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct err *e)
{
	const char *verb = frozen ? "freeze" : "thaw";
	struct cg_hier *h = freezer_hier(cg);
	if (!h)
		return err_set(e, ENOTSUP, "%s cgroup %s: no freezer controller is mounted", verb,
			       cg_name(cg));
	_cleanup_close_ int fd = cg_open_dir(cg, h, e);
	if (fd < 0)
		return err_wrap(e, "%s cgroup", verb);
	int r = h->v2 ? cg_v2_freeze(fd, frozen, e) : cg_v1_freeze(fd, frozen, e);
	return r < 0 ? err_wrap(e, "%s cgroup %s", verb, h->path) : 0;
}

char *cgroup_freezer_dir(struct cgroup *cg)
{
	struct cg_hier *h = freezer_hier(cg);
	return h ? cg_hier_dir(h, h->path) : NULL;
}

int cgroup_foreach_path(struct cgroup *cg, cgroup_path_fn fn, void *arg, struct err *e)
{
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		char path[4096];
		/* /proc/<pid>/cgroup shows the path below the hierarchy's root, the mount shows
		 * it below the mount's root: the same unless only part of the tree is mounted. */
		bool at_root = !h->root || !strcmp(h->root, "/");
		snprintf(path, sizeof path, "%s%s", at_root ? "" : h->root,
			 at_root || strcmp(h->path, "/") ? h->path : "");
		if (fn(arg, h->v2 ? NULL : h->controllers, path, e) < 0)
			return -1;
	}
	return 0;
}

int cgroup_is_frozen(struct cgroup *cg, struct err *e)
{
	struct cg_hier *h = freezer_hier(cg);
	if (!h)
		return 0;   /* nothing can freeze it */
	_cleanup_close_ int fd = cg_open_dir(cg, h, e);
	if (fd < 0)
		return -1;
	int r = h->v2 ? cg_v2_is_frozen(fd, e) : cg_v1_is_frozen(fd, e);
	return r < 0 ? err_wrap(e, "cgroup %s", h->path) : r;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct err *e)
{
	if (sig == SIGKILL && cg->layout == CGROUP_LAYOUT_V2) {
		_cleanup_close_ int fd = cg_open_dir(cg, &cg->h[0], e);
		int r = fd < 0 ? -1 : cg_v2_kill(fd, e);
		if (r != 0)
			return r < 0 ? err_wrap(e, "kill cgroup %s", cg_name(cg)) : 0;
	}
	/* Frozen, nothing in the cgroup can fork a child that the pid list would miss. A
	 * cgroup the user paused stays paused, except for SIGKILL, which v1 delivers only
	 * to thawed tasks. */
	struct err ignored;
	int was_frozen = cgroup_is_frozen(cg, &ignored);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	/* An empty cgroup has no one to fork: no freeze, which on v1 costs milliseconds each
	 * way (the freezer flips a static key) and is what `run` and `delete` usually meet. */
	int rc = cgroup_pids(cg, &pids, &n, e);
	if (rc == 0 && n == 0)
		return 0;
	free(pids);
	pids = NULL;
	bool froze = was_frozen != 1 && cgroup_freeze(cg, true, &ignored) == 0;
	rc = cgroup_pids(cg, &pids, &n, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH) {
			rc = err_sys(e, "kill %d", (int)pids[i]);
			break;
		}
	if (froze || (was_frozen == 1 && sig == SIGKILL))
		if (cgroup_freeze(cg, false, &ignored) < 0)
			log_warn("%s", ignored.msg);
	return rc < 0 ? err_wrap(e, "signal cgroup %s", cg_name(cg)) : 0;
}
