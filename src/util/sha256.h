/* SHA-256 for content-addressed caches, from Debian's libnettle (a thin wrapper so that
 * callers keep one small API). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define SHA256_LEN SHA256_DIGEST_SIZE

struct sha256 {
	struct sha256_ctx ctx;
};

void sha256_begin(struct sha256 *c);
void sha256_add(struct sha256 *c, const void *data, size_t len);
void sha256_end(struct sha256 *c, uint8_t out[SHA256_LEN]);
/* One call: out = SHA-256(data). */
void sha256_of(const void *data, size_t len, uint8_t out[SHA256_LEN]);
