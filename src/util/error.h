/* One error type for the whole runtime: an errno and a message chain that grows a
 * prefix at every level it travels up ("create 'web': mount proc on /proc: EPERM"). */
#pragma once
#include <stdarg.h>
#include <stddef.h>

#define ERR_MSG_MAX 2048

struct err {
	int code;               /* errno of the root cause, 0 when none */
	char msg[ERR_MSG_MAX];  /* human-readable chain, never empty once set */
};

/* All return -1 so that callers can write `return err_set(e, ...)`. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* err_set with errno, appending strerror(errno) to the message. */
int err_sys(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_set with the message as given, no strerror(code) after it (runc's wording for a failure
 * that is not a syscall's), code kept for callers that test it. */
int err_plain(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix context to an error that is already set. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int err_vset(struct err *e, int code, const char *fmt, va_list ap);
void err_clear(struct err *e);
