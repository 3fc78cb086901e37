/* CRIU's swrk RPC with the message code of libcriu.a; see criu.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/criu.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* criu_path as execvp would find it. */
static bool find_binary(const char *criu_path, char *out, size_t len)
{
	if (strchr(criu_path, '/')) {
		snprintf(out, len, "%s", criu_path);
		return access(out, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	for (const char *p = path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(out, len, "%.*s/%s", (int)n, p, criu_path);
		if (n && access(out, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

bool criu_available(const char *criu_path, char *what, size_t len)
{
	char bin[4096];
	criu_path = criu_path ? criu_path : "criu";
	if (!find_binary(criu_path, bin, sizeof bin)) {
		snprintf(what, len, "unavailable: no %s binary (install Debian's criu package)",
			 criu_path);
		return false;
	}
	snprintf(what, len, "%s", bin);
	return true;
}

/* ---------------------------------------------------------------- options */

void criu_opts_init(struct criu_opts *o)
{
	memset(o, 0, sizeof *o);
	criu_opts__init(&o->o);
	criu_page_server_info__init(&o->ps);
}

int criu_opts_set_str(char **field, const char *value, struct err *e)
{
	char *s = strdup(value);
	if (!s)
		return err_set(e, ENOMEM, "criu options");
	free(*field);
	*field = s;
	return 0;
}

/* Append item to a protobuf repeated field (a pointer array and its count). */
static int push(void ***v, size_t *n, void *item, struct err *e)
{
	void **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv) {
		free(item);
		return err_set(e, ENOMEM, "criu options");
	}
	nv[(*n)++] = item;
	*v = nv;
	return 0;
}

int criu_opts_add_ext_mount(struct criu_opts *o, const char *key, const char *val, struct err *e)
{
	ExtMountMap *m = calloc(1, sizeof *m);
	if (!m)
		return err_set(e, ENOMEM, "criu options");
	ext_mount_map__init(m);
	m->key = strdup(key);
	m->val = strdup(val);
	if (!m->key || !m->val) {
		free(m->key), free(m->val), free(m);
		return err_set(e, ENOMEM, "criu options");
	}
	return push((void ***)&o->o.ext_mnt, &o->o.n_ext_mnt, m, e);
}

int criu_opts_add_cg_root(struct criu_opts *o, const char *ctrl, const char *path, struct err *e)
{
	CgroupRoot *r = calloc(1, sizeof *r);
	if (!r)
		return err_set(e, ENOMEM, "criu options");
	cgroup_root__init(r);
	r->ctrl = ctrl ? strdup(ctrl) : NULL;
	r->path = strdup(path);
	if ((ctrl && !r->ctrl) || !r->path) {
		free(r->ctrl), free(r->path), free(r);
		return err_set(e, ENOMEM, "criu options");
	}
	return push((void ***)&o->o.cg_root, &o->o.n_cg_root, r, e);
}

int criu_opts_add_inherit_fd(struct criu_opts *o, const char *key, int fd, struct err *e)
{
	InheritFd *f = calloc(1, sizeof *f);
	if (!f)
		return err_set(e, ENOMEM, "criu options");
	inherit_fd__init(f);
	f->fd = fd;
	if (!(f->key = strdup(key))) {
		free(f);
		return err_set(e, ENOMEM, "criu options");
	}
	return push((void ***)&o->o.inherit_fd, &o->o.n_inherit_fd, f, e);
}

int criu_opts_add_external(struct criu_opts *o, const char *key, struct err *e)
{
	char *s = strdup(key);
	if (!s)
		return err_set(e, ENOMEM, "criu options");
	return push((void ***)&o->o.external, &o->o.n_external, s, e);
}

void criu_opts_free(struct criu_opts *o)
{
	CriuOpts *c = &o->o;
	for (size_t i = 0; i < c->n_ext_mnt; i++)
		free(c->ext_mnt[i]->key), free(c->ext_mnt[i]->val), free(c->ext_mnt[i]);
	for (size_t i = 0; i < c->n_cg_root; i++)
		free(c->cg_root[i]->ctrl), free(c->cg_root[i]->path), free(c->cg_root[i]);
	for (size_t i = 0; i < c->n_inherit_fd; i++)
		free(c->inherit_fd[i]->key), free(c->inherit_fd[i]);
	for (size_t i = 0; i < c->n_external; i++)
		free(c->external[i]);
	free(c->ext_mnt), free(c->cg_root), free(c->inherit_fd), free(c->external);
	free(c->log_file), free(c->root), free(c->parent_img), free(c->freeze_cgroup);
	free(o->ps.address);
	memset(o, 0, sizeof *o);
}

/* ---------------------------------------------------------------- the swrk session */

struct session {
	int sk;
	pid_t pid;
};

static void child_fail(int report, const struct err *e)
{
	/* Nothing more to do if even this fails: the parent then sees EOF and a dead child. */
	ssize_t r = write(report, e->msg, strlen(e->msg));
	(void)r;
	_exit(126);
}

static void child(const char *criu_path, int sk, int report, const struct criu_hooks *h)
{
	struct err e;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (h && h->child_setup && h->child_setup(h->arg, &e) < 0)
		child_fail(report, &e);
	/* What criu must see: the RPC socket, and the fds it is told to inherit. */
	if (fcntl(sk, F_SETFD, 0) < 0) {
		err_sys(&e, "swrk socket");
		child_fail(report, &e);
	}
	for (size_t i = 0; h && i < h->n_keep_fds; i++)
		if (h->keep_fds[i] > 2 && fcntl(h->keep_fds[i], F_SETFD, 0) < 0) {
			err_sys(&e, "keep fd %d for criu", h->keep_fds[i]);
			child_fail(report, &e);
		}
	char fd[16];
	snprintf(fd, sizeof fd, "%d", sk);
	execlp(criu_path, criu_path, "swrk", fd, (char *)NULL);
	err_sys(&e, "exec %s", criu_path);
	child_fail(report, &e);
}

static void session_end(struct session *s)
{
	closep(&s->sk);
	if (s->pid > 0)
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	s->pid = 0;
}

static int session_start(struct session *s, const char *criu_path, const struct criu_hooks *h,
			 struct err *e)
{
	int sv[2], rp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, "criu: socketpair");
	if (pipe2(rp, O_CLOEXEC) < 0) {
		close(sv[0]), close(sv[1]);
		return err_sys(e, "criu: pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]), close(sv[1]), close(rp[0]), close(rp[1]);
		return err_sys(e, "criu: fork");
	}
	if (pid == 0) {
		close(sv[0]);
		close(rp[0]);
		child(criu_path, sv[1], rp[1], h);
	}
	close(sv[1]);
	close(rp[1]);
	s->sk = sv[0];
	s->pid = pid;
	/* Wait for the exec (EOF: the pipe was O_CLOEXEC) or the child's reason it failed, so a
	 * missing binary is named instead of surfacing as EPIPE on the first request. */
	_cleanup_close_ int report = rp[0];
	char buf[ERR_MSG_MAX];
	ssize_t n;
	while ((n = read(report, buf, sizeof buf - 1)) < 0 && errno == EINTR)
		;
	if (n > 0) {
		buf[n] = 0;
		err_plain(e, 0, "%s", buf);
		session_end(s);
		return -1;
	}
	return 0;
}

static int send_req(int sk, const CriuReq *req, struct err *e)
{
	size_t len = criu_req__get_packed_size(req);
	_cleanup_free_ uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return err_set(e, ENOMEM, "criu request");
	criu_req__pack(req, buf);
	if (send(sk, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return err_sys(e, "criu: send request");
	return 0;
}

/* One response, and the fd that may ride with it (-1 if none). */
static int recv_resp(int sk, CriuResp **out, int *fd, struct err *e)
{
	*fd = -1;
	ssize_t len = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	if (len < 0)
		return err_sys(e, "criu: receive");
	if (len == 0)
		return err_set(e, ECOMM, "criu exited without an answer");
	_cleanup_free_ uint8_t *buf = malloc((size_t)len);
	if (!buf)
		return err_set(e, ENOMEM, "criu response");
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = (size_t)len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b,
			     .msg_controllen = sizeof cbuf.b };
	ssize_t n = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return err_sys(e, "criu: receive");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
	*out = criu_resp__unpack(NULL, (size_t)n, buf);
	if (!*out) {
		closep(fd);
		return err_set(e, EBADMSG, "criu: malformed response");
	}
	return 0;
}

static int notify(int sk, const CriuNotify *n, int fd, const struct criu_hooks *h,
		  struct err *e)
{
	int r = 0;
	if (h && h->notify)
		r = h->notify(h->arg, n && n->script ? n->script : "", n ? n->pid : 0, fd, e);
	else if (fd >= 0)
		close(fd);
	CriuReq ack;
	criu_req__init(&ack);
	ack.type = CRIU_REQ_TYPE__NOTIFY;
	ack.has_notify_success = true;
	ack.notify_success = r == 0;
	struct err se;
	if (send_req(sk, &ack, &se) < 0 && r == 0) {
		*e = se;
		return -1;
	}
	return r;
}

static int fail_resp(const CriuResp *r, struct err *e)
{
	int code = r->has_cr_errno && r->cr_errno ? r->cr_errno : EIO;
	if (r->cr_errmsg && *r->cr_errmsg) {
		/* criu's message ends with a newline. */
		size_t n = strlen(r->cr_errmsg);
		while (n && (r->cr_errmsg[n - 1] == '\n' || r->cr_errmsg[n - 1] == ' '))
			n--;
		return err_plain(e, code, "criu failed: %.*s", (int)n, r->cr_errmsg);
	}
	if (r->has_cr_errno && r->cr_errno)
		return err_plain(e, code, "criu failed: %s", strerror(r->cr_errno));
	return err_plain(e, code, "criu failed");
}

int criu_rpc(const char *criu_path, CriuReqType type, struct criu_opts *o,
	     struct criu_features *features, const struct criu_hooks *h, pid_t *restored,
	     struct err *e)
{
	CriuReq req;
	criu_req__init(&req);
	req.type = type;
	req.opts = o ? &o->o : NULL;
	CriuFeatures f;
	if (features) {
		criu_features__init(&f);
		f.has_mem_track = f.mem_track = features->mem_track;
		f.has_lazy_pages = f.lazy_pages = features->lazy_pages;
		req.features = &f;
	}
	if (o && o->ps.address)
		o->o.ps = &o->ps;
	struct session s = { .sk = -1 };
	if (session_start(&s, criu_path ? criu_path : "criu", h, e) < 0)
		return -1;
	int r = send_req(s.sk, &req, e);
	while (r == 0) {
		CriuResp *resp = NULL;
		int fd = -1;
		if (recv_resp(s.sk, &resp, &fd, e) < 0) {
			r = -1;
			break;
		}
		if (resp->type == CRIU_REQ_TYPE__NOTIFY) {
			r = notify(s.sk, resp->notify, fd, h, e);
			criu_resp__free_unpacked(resp, NULL);
			continue;
		}
		closep(&fd);
		if (resp->type != type)
			r = err_set(e, EBADMSG, "criu: unexpected response type %d", resp->type);
		else if (!resp->success)
			r = fail_resp(resp, e);
		else {
			if (restored && resp->restore)
				*restored = resp->restore->pid;
			if (features) {
				features->mem_track = resp->features && resp->features->mem_track;
				features->lazy_pages = resp->features && resp->features->lazy_pages;
			}
		}
		criu_resp__free_unpacked(resp, NULL);
		break;
	}
	session_end(&s);
	if (o)
		o->o.ps = NULL;
	return r;
}

int criu_version(const char *criu_path, struct err *e)
{
	CriuReq req;
	criu_req__init(&req);
	req.type = CRIU_REQ_TYPE__VERSION;
	struct session s = { .sk = -1 };
	if (session_start(&s, criu_path ? criu_path : "criu", NULL, e) < 0)
		return -1;
	int v = -1;
	CriuResp *resp = NULL;
	int fd = -1;
	if (send_req(s.sk, &req, e) == 0) {
		if (recv_resp(s.sk, &resp, &fd, e) == 0) {
			closep(&fd);
			if (resp->success && resp->version)
				v = resp->version->major_number * 10000 +
				    resp->version->minor_number * 100 +
				    (resp->version->has_sublevel ? resp->version->sublevel : 0);
			else
				fail_resp(resp, e);
			criu_resp__free_unpacked(resp, NULL);
		}
	}
	session_end(&s);
	return v;
}

int criu_log_errors(const char *log_path, char *out, size_t len, int max)
{
	_cleanup_free_ char *text = NULL;
	struct err e;
	out[0] = 0;
	if (read_file_at(AT_FDCWD, log_path, &text, NULL, &e) < 0)
		return 0;
	/* The last `max` lines that say "Error". */
	const char *lines[16];
	int n = 0;
	max = max > 16 ? 16 : max;
	for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (strstr(p, "Error")) {
			/* Without criu's "(12.345678) " time stamp. */
			if (p[0] == '(' && strstr(p, ") "))
				p = strstr(p, ") ") + 2;
			if (n == max) {
				memmove(lines, lines + 1, (size_t)(max - 1) * sizeof *lines);
				n--;
			}
			lines[n++] = p;
		}
	}
	size_t used = 0;
	for (int i = 0; i < n && used + 3 < len; i++) {
		int w = snprintf(out + used, len - used, "%s%s", i ? "; " : "", lines[i]);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return n;
}
