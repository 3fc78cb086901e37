/* Runtime log, in the two formats engines parse: logrus-style text lines and the JSON lines
 * containerd reads from --log ({"level":..,"msg":..,"time":..}). */
#pragma once
#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* path NULL: log to stderr. json: JSON lines. debug: include debug messages. */
int log_init(const char *path, bool json, bool debug);
bool log_debug_enabled(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Close the log fd (e.g. in the container init before execve). */
void log_close(void);
/* The log fd, so that a child can keep writing to it (CLOEXEC, closed at execve). */
int log_fd(void);
bool log_to_file(void);

/* With --debug: "phase <what>: <ms> ms since start" so that a slow create phase is visible
 * without a profiler. Costs one branch when debug is off. */
void log_phase_(const char *what);
#define log_phase(what) do { if (log_debug_enabled()) log_phase_(what); } while (0)

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_debug_enabled()) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
