#include "util/sha256.h"

void sha256_begin(struct sha256 *c)
{
	sha256_init(&c->ctx);
}

void sha256_add(struct sha256 *c, const void *data, size_t len)
{
	sha256_update(&c->ctx, len, data);
}

void sha256_end(struct sha256 *c, uint8_t out[SHA256_LEN])
{
	sha256_digest(&c->ctx, SHA256_LEN, out);
}

void sha256_of(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	struct sha256 c;
	sha256_begin(&c);
	sha256_add(&c, data, len);
	sha256_end(&c, out);
}
