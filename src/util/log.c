#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd_ = -1;  /* -1: stderr */
static bool log_json_;
static bool log_debug_;
static struct timespec log_start_;

int log_init(const char *path, bool json, bool debug)
{
	log_json_ = json;
	log_debug_ = debug;
	clock_gettime(CLOCK_MONOTONIC, &log_start_);
	if (path && *path) {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		log_fd_ = fd;
	}
	return 0;
}

bool log_debug_enabled(void) { return log_debug_; }
int log_fd(void) { return log_fd_ >= 0 ? log_fd_ : STDERR_FILENO; }
bool log_to_file(void) { return log_fd_ >= 0; }

void log_close(void)
{
	if (log_fd_ >= 0)
		close(log_fd_);
	log_fd_ = -1;
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_ERROR: return "error";
	case LOG_WARN: return "warning";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/* JSON string escaping for the message; control characters become \u00XX. */
static size_t json_escape(char *out, size_t cap, const char *in)
{
	size_t o = 0;
	for (; *in && o + 7 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char msg[4096], line[9000], ts[64];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof ts - n, ".%09ldZ", now.tv_nsec);

	int len;
	if (log_json_) {
		char esc[8192];
		json_escape(esc, sizeof esc, msg);
		len = snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			       level_name(lvl), esc, ts);
	} else {
		char esc[8192];
		json_escape(esc, sizeof esc, msg);
		len = snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_name(lvl), esc);
	}
	if (len > (int)sizeof line - 1)
		len = (int)sizeof line - 1;
	/* One write per line: concurrent writers (parent and container init) do not interleave. */
	ssize_t r = write(log_fd(), line, (size_t)len);
	(void)r;
	errno = saved;
}

void log_phase_(const char *what)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double ms = (double)(now.tv_sec - log_start_.tv_sec) * 1e3 +
		    (double)(now.tv_nsec - log_start_.tv_nsec) / 1e6;
	log_msg(LOG_DEBUG, "phase %s: %.3f ms since start (pid %d)", what, ms, (int)getpid());
}
