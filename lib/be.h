/*
 * Big-endian integers in byte strings, for the formats that are not
 * protobuf (the ratchet's header and key derivations, the secret chats'
 * plaintext frames).
 */
#ifndef SOTTO_BE_H
#define SOTTO_BE_H

#include <stdint.h>

static inline void
be_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
be_put_u64(uint8_t *p, uint64_t v)
{
	be_put_u32(p, (uint32_t)(v >> 32));
	be_put_u32(p + 4, (uint32_t)v);
}

static inline uint32_t
be_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
be_get_u64(const uint8_t *p)
{
	return (uint64_t)be_get_u32(p) << 32 | be_get_u32(p + 4);
}

#endif
