/* Compiled seccomp filters, prepared by the runtime before it clones or forks the process
 * that loads them, and cached on disk by content. */
#pragma once
#include "linux/seccomp.h"

/* The cache directory: $OCIRUN_SECCOMP_CACHE if set ("" turns the cache off), else this. */
#define SECCOMP_CACHE_DIR "/run/ocirun-cache/seccomp"

/* Check linux.seccomp and have its program ready for seccomp_filter_load(s, ...) in this
 * process and its clones: read from the cache when a verified entry for this exact content
 * (and libseccomp, kernel, architecture and ocirun build) is there, else compiled with
 * libseccomp (which checks everything seccomp_filter_check does) and stored. The cache is
 * best effort: when it cannot be used the program is compiled. Fails as
 * seccomp_filter_check on a bad profile. */
int seccomp_filter_prepare(const struct oci_seccomp *s, struct err *e);
/* The program seccomp_filter_prepare made for a profile of the same content as s, or NULL. */
const struct seccomp_prog *seccomp_prepared(const struct oci_seccomp *s);
/* The cache key of s on this host and build (SHA-256, hex, 64 chars + NUL): -1 when this
 * binary has no build id to key it with. */
int seccomp_cache_key(const struct oci_seccomp *s, char hex[65]);
