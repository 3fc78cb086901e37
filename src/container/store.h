/* The state directory of a container: <root>/<id>/{state.json, exec.fifo, config.json}. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "oci/state.h"
#include "util/error.h"

#define STATE_FILE "state.json"
#define FIFO_FILE "exec.fifo"
#define CONFIG_COPY "config.json"

/* Path of <root>/<id>[/<name>] into buf. */
int store_path(char *buf, size_t len, const char *root, const char *id, const char *name,
	       struct err *e);
/* mkdir <root>/<id> (0711); EEXIST -> "container with id exists". Returns a dir fd. */
int store_create(const char *root, const char *id, struct err *e);
/* Take an exclusive flock on the state dir (released when the fd closes). */
int store_lock(const char *root, const char *id, struct err *e);
int store_save(const char *root, const struct container_state *st, struct err *e);
/* Load state.json and derive the status from the live process. ENOENT: "does not exist". */
int store_load(const char *root, const char *id, struct container_state *st, struct err *e);
/* The bundle's config.json, byte for byte, into the state dir: what later commands read
 * (exec's defaults, the hooks of start and delete, update). */
int store_copy_config(const char *root, const char *id, const char *bundle, struct err *e);
/* rm -r <root>/<id> (only the files we put there). */
int store_remove(const char *root, const char *id);
/* Start time (field 22 of /proc/<pid>/stat), 0 when the process is gone or a zombie. */
unsigned long long proc_start_time(pid_t pid);
/* Is the recorded init still the same live process? */
bool state_init_alive(const struct container_state *st);
