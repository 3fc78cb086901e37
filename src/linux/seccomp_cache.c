/* A content-addressed cache of compiled seccomp filters. Docker's default profile takes
 * libseccomp several milliseconds to compile, for every container and exec, and the runtime
 * used to do it twice (a check at create, the load in the init). Now the runtime prepares
 * the program once, before the clone, and the init loads it with one seccomp(2).
 *
 * Key: SHA-256 over everything the program depends on: the profile's content, the ocirun
 * build (GNU build id), libseccomp's version and API level, the kernel release and the
 * native architecture. File: <dir>/<key>.bpf = header (magic, key, flags, length), the
 * instructions, SHA-256 of both. It is trusted only when the directory and file belong to
 * us, are not writable by others, are no symlinks, and every check passes; anything else
 * is a miss (the program is compiled and the entry replaced). Written to a temporary name
 * and renamed, so readers never see half a file. */
#include "linux/seccomp_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <dirent.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/sha256.h"

#define CACHE_MAGIC "OCIRBPF1"
#define CACHE_MAX_ENTRIES 64

struct cache_header {
	char magic[8];
	uint8_t key[SHA256_LEN];
	uint32_t flags;
	uint32_t n_insns;
};

/* The program of the last profile prepared, and that profile's digest: a load of any other
 * content never gets it. */
static struct {
	bool valid;
	uint8_t profile[SHA256_LEN];
	struct seccomp_prog prog;
} prepared;

static void profile_digest(const struct oci_seccomp *s, uint8_t out[SHA256_LEN]);

const struct seccomp_prog *seccomp_prepared(const struct oci_seccomp *s)
{
	if (!s || !prepared.valid)
		return NULL;
	uint8_t d[SHA256_LEN];
	profile_digest(s, d);
	return memcmp(d, prepared.profile, SHA256_LEN) == 0 ? &prepared.prog : NULL;
}

/* ---------------------------------------------------------------- the key */

struct build_id {
	struct sha256 c;
	bool found;
};

static int note_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct build_id *b = data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof *n;
			const char *desc = name + ((n->n_namesz + 3) & ~3u);
			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && n->n_descsz > 0) {
				sha256_add(&b->c, desc, n->n_descsz);
				b->found = true;
				return 1;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1;   /* the first object is the executable: stop there */
}

static void put_u64(struct sha256 *c, uint64_t v)
{
	sha256_add(c, &v, sizeof v);
}

static void put_str(struct sha256 *c, const char *s)
{
	put_u64(c, s ? strlen(s) + 1 : 0);   /* NULL and "" differ */
	if (s)
		sha256_add(c, s, strlen(s));
}

static void put_strs(struct sha256 *c, char *const *v, size_t n)
{
	put_u64(c, n);
	for (size_t i = 0; i < n; i++)
		put_str(c, v[i]);
}

/* Every field of the profile, each with its length: two different profiles never feed the
 * same bytes. */
static void put_profile(struct sha256 *c, const struct oci_seccomp *s)
{
	put_u64(c, (uint64_t)s->default_action);
	put_u64(c, s->has_default_errno_ret);
	put_u64(c, s->default_errno_ret);
	put_strs(c, s->architectures, s->n_architectures);
	put_strs(c, s->flags, s->n_flags);
	put_str(c, s->listener_path);
	put_str(c, s->listener_metadata);
	put_u64(c, s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_seccomp_syscall *sc = &s->syscalls[i];
		put_strs(c, sc->names, sc->n_names);
		put_u64(c, (uint64_t)sc->action);
		put_u64(c, sc->has_errno_ret);
		put_u64(c, sc->errno_ret);
		put_u64(c, sc->n_args);
		for (size_t j = 0; j < sc->n_args; j++) {
			put_u64(c, sc->args[j].index);
			put_u64(c, sc->args[j].value);
			put_u64(c, sc->args[j].value_two);
			put_u64(c, (uint64_t)sc->args[j].op);
		}
	}
}

static void profile_digest(const struct oci_seccomp *s, uint8_t out[SHA256_LEN])
{
	struct sha256 c;
	sha256_begin(&c);
	put_profile(&c, s);
	sha256_end(&c, out);
}

static int cache_key(const struct oci_seccomp *s, uint8_t key[SHA256_LEN])
{
	struct sha256 c;
	struct build_id id = { .found = false };
	sha256_begin(&id.c);
	dl_iterate_phdr(note_build_id, &id);
	if (!id.found)
		return -1;   /* no build id: two builds could not be told apart */
	sha256_begin(&c);
	sha256_add(&c, "ocirun seccomp cache 1", 23);
	uint8_t build[SHA256_LEN];
	sha256_end(&id.c, build);
	sha256_add(&c, build, sizeof build);
	const struct scmp_version *v = seccomp_version();
	put_u64(&c, v->major);
	put_u64(&c, v->minor);
	put_u64(&c, v->micro);
	put_u64(&c, seccomp_api_get());
	put_u64(&c, seccomp_arch_native());
	struct utsname u;
	if (uname(&u) == 0) {
		put_str(&c, u.release);
		put_str(&c, u.version);
	}
	uint8_t profile[SHA256_LEN];
	profile_digest(s, profile);
	sha256_add(&c, profile, sizeof profile);
	sha256_end(&c, key);
	return 0;
}

static void to_hex(const uint8_t key[SHA256_LEN], char hex[65])
{
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
}

int seccomp_cache_key(const struct oci_seccomp *s, char hex[65])
{
	uint8_t key[SHA256_LEN];
	if (cache_key(s, key) < 0)
		return -1;
	to_hex(key, hex);
	return 0;
}

/* ---------------------------------------------------------------- the directory */

/* Only a directory of ours that nobody else can write to: anyone who could plant an entry
 * could weaken every container's filter. */
static int open_trusted_dir(int at, const char *name, bool create)
{
	if (create && mkdirat(at, name, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		log_debug("seccomp cache: %s is not a private directory of ours: not used", name);
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* The cache directory, made if missing (each component checked); -1 when off or unusable. */
static int cache_dir(void)
{
	const char *path = getenv("OCIRUN_SECCOMP_CACHE");
	if (!path)
		path = SECCOMP_CACHE_DIR;
	if (!*path || path[0] != '/')
		return -1;
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return -1;
	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (char *save = NULL, *part = strtok_r(copy, "/", &save); part && dir >= 0;
	     part = strtok_r(NULL, "/", &save)) {
		/* The directories above the cache only have to be ours or root's, and
		 * unwritable by others or sticky (/tmp): nobody else can swap what is in them
		 * for their own. The last one must be private. */
		bool last = !save || !*save;
		int next;
		if (last) {
			next = open_trusted_dir(dir, part, true);
		} else {
			if (mkdirat(dir, part, 0700) < 0 && errno != EEXIST)
				next = -1;
			else
				next = openat(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			struct stat st;
			if (next >= 0 && (fstat(next, &st) < 0 ||
					  ((st.st_mode & 002) && !(st.st_mode & S_ISVTX)) ||
					  (st.st_uid != 0 && st.st_uid != geteuid()))) {
				close(next);
				next = -1;
			}
		}
		close(dir);
		dir = next;
	}
	if (dir < 0)
		log_debug("seccomp cache: %s: cannot use it (%s)", path, strerror(errno));
	return dir;
}

/* ---------------------------------------------------------------- entries */

static size_t entry_size(size_t n_insns)
{
	return sizeof(struct cache_header) + n_insns * sizeof(struct sock_filter) + SHA256_LEN;
}

static int entry_read(int dir, const char *name, const uint8_t key[SHA256_LEN],
		      struct seccomp_prog *out)
{
	_cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size < (off_t)entry_size(1) ||
	    st.st_size > (off_t)entry_size(SECCOMP_PROG_MAX_INSNS)) {
		log_debug("seccomp cache: %s: not a file of ours of a possible size", name);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	_cleanup_free_ uint8_t *buf = malloc(size);
	if (!buf || read(fd, buf, size) != (ssize_t)size)
		return -1;
	struct cache_header h;
	memcpy(&h, buf, sizeof h);
	uint8_t sum[SHA256_LEN];
	sha256_of(buf, size - SHA256_LEN, sum);
	if (memcmp(h.magic, CACHE_MAGIC, sizeof h.magic) != 0 ||
	    memcmp(h.key, key, SHA256_LEN) != 0 || (h.flags & ~SECCOMP_PROG_FLAGS_ALL) ||
	    h.n_insns < 1 || h.n_insns > SECCOMP_PROG_MAX_INSNS || entry_size(h.n_insns) != size ||
	    memcmp(sum, buf + size - SHA256_LEN, SHA256_LEN) != 0) {
		log_debug("seccomp cache: %s: header, length or checksum wrong", name);
		return -1;
	}
	size_t len = h.n_insns * sizeof(struct sock_filter);
	out->insns = malloc(len);
	if (!out->insns)
		return -1;
	memcpy(out->insns, buf + sizeof h, len);
	out->len = h.n_insns;
	out->flags = h.flags;
	return 0;
}

/* A cache, not an archive: past CACHE_MAX_ENTRIES every other entry goes. */
static void entries_trim(int dir, const char *keep)
{
	_cleanup_close_ int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return;
	fd = -1;
	int n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	if (n > CACHE_MAX_ENTRIES) {
		rewinddir(d);
		for (struct dirent *de; (de = readdir(d));)
			if (de->d_name[0] != '.' && strcmp(de->d_name, keep) != 0)
				unlinkat(dir, de->d_name, 0);
	}
	closedir(d);
}

static void entry_write(int dir, const char *name, const uint8_t key[SHA256_LEN],
			const struct seccomp_prog *p)
{
	size_t size = entry_size(p->len);
	_cleanup_free_ uint8_t *buf = calloc(1, size);
	if (!buf)
		return;
	struct cache_header h = { .flags = p->flags, .n_insns = (uint32_t)p->len };
	memcpy(h.magic, CACHE_MAGIC, sizeof h.magic);
	memcpy(h.key, key, SHA256_LEN);
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, p->insns, p->len * sizeof(struct sock_filter));
	sha256_of(buf, size - SHA256_LEN, buf + size - SHA256_LEN);
	char tmp[128];
	snprintf(tmp, sizeof tmp, ".tmp.%d.%.16s", (int)getpid(), name);
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	bool ok = write(fd, buf, size) == (ssize_t)size;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(dir, tmp, dir, name) < 0) {
		log_debug("seccomp cache: cannot store %s: %s", name, strerror(errno));
		unlinkat(dir, tmp, 0);
		return;
	}
	entries_trim(dir, name);
}

/* ---------------------------------------------------------------- prepare */

int seccomp_filter_prepare(const struct oci_seccomp *s, struct err *e)
{
	seccomp_prog_free(&prepared.prog);
	prepared.valid = false;
	uint8_t key[SHA256_LEN];
	char name[80];
	_cleanup_close_ int dir = -1;
	if (cache_key(s, key) == 0) {
		char hex[65];
		to_hex(key, hex);
		snprintf(name, sizeof name, "%s.bpf", hex);
		dir = cache_dir();
	}
	if (dir >= 0 && entry_read(dir, name, key, &prepared.prog) == 0) {
		log_debug("seccomp cache: hit %s", name);
	} else {
		if (seccomp_filter_compile(s, &prepared.prog, e) < 0)
			return -1;
		if (dir >= 0) {
			log_debug("seccomp cache: miss, stored %s", name);
			entry_write(dir, name, key, &prepared.prog);
		}
	}
	profile_digest(s, prepared.profile);
	prepared.valid = true;
	return 0;
}
