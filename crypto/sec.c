/*
 * Thin wrappers over libsodium's memory, comparison and randomness helpers,
 * plus hex. Everything outside crypto/ goes through here so that only this
 * folder includes <sodium.h>.
 */
#include "crypto/sec.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "lib/err.h"

/*
 * sodium_malloc() puts the block right against a guard page, so the address
 * it returns is only as aligned as the size is a multiple of the alignment.
 * Callers keep structs with 64-bit members here, so sizes are rounded up:
 * a few bytes of slack before the guard page buy aligned access.
 */
#define SEC_ALIGN 16

int
sec_init(void)
{
	/* 0 on the first call, 1 when already done, -1 on failure. */
	return sodium_init() < 0 ? ERR_CRYPTO : 0;
}

void *
sec_alloc(size_t n)
{
	if (sec_init() != 0)
		return NULL;
	if (n > SIZE_MAX - (SEC_ALIGN - 1))
		return NULL;
	n = (n + SEC_ALIGN - 1) & ~(size_t)(SEC_ALIGN - 1);
	if (n == 0)
		n = SEC_ALIGN;
	return sodium_malloc(n);
}

void
sec_free(void *p)
{
	/* sodium_free() checks the canary and zeroes the block itself. */
	if (p != NULL)
		sodium_free(p);
}

void
sec_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		sodium_memzero(p, n);
}

int
sec_lock(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return 0;
	return sodium_mlock(p, n) == 0 ? 0 : ERR_IO;
}

int
sec_unlock(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return 0;
	/* sodium_munlock() wipes before it unlocks, even when unlocking fails. */
	return sodium_munlock(p, n) == 0 ? 0 : ERR_IO;
}

int
sec_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	return sodium_memcmp(a, b, n) == 0;
}

void
sec_random(void *buf, size_t n)
{
	if (n == 0)
		return;
	(void)sec_init();
	randombytes_buf(buf, n);
}

uint64_t
sec_random_u64(void)
{
	uint64_t v;

	sec_random(&v, sizeof(v));
	return v;
}

uint32_t
sec_random_uniform(uint32_t upper)
{
	(void)sec_init();
	/* libsodium avoids modulo bias and returns 0 when upper < 2. */
	return randombytes_uniform(upper);
}

int
sec_hex_encode(char *out, size_t outcap, const uint8_t *bin, size_t n)
{
	if (n > (SIZE_MAX - 1) / 2 || outcap < 2 * n + 1)
		return ERR_TOO_BIG;
	sodium_bin2hex(out, outcap, bin, n);
	return 0;
}

static int
sec_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Separators are taken only where a byte boundary is, so "ab cd" and
 * "ab:cd" are fine but "a bcd" is not: a stray space inside a pair is more
 * likely a typo than a grouping. A boundary includes the very start and
 * end, so pasted text with a leading or trailing space still parses.
 */
int
sec_hex_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *hex,
    size_t hexlen)
{
	size_t i, o = 0;
	int hi = -1, d, r;

	*outlen = 0;
	if (hex == NULL && hexlen > 0)
		return ERR_INVAL;
	for (i = 0; i < hexlen; i++) {
		if (hex[i] == ' ' || hex[i] == ':') {
			if (hi != -1) {
				r = ERR_INVAL;
				goto fail;
			}
			continue;
		}
		if ((d = sec_hex_digit(hex[i])) == -1) {
			r = ERR_INVAL;
			goto fail;
		}
		if (hi == -1) {
			hi = d;
			continue;
		}
		if (o >= outcap) {
			r = ERR_TOO_BIG;
			goto fail;
		}
		out[o++] = (uint8_t)((hi << 4) | d);
		hi = -1;
	}
	if (hi != -1) {
		r = ERR_INVAL;
		goto fail;
	}
	*outlen = o;
	return 0;
fail:
	/* What was decoded may be part of a key: leave nothing behind. */
	sec_wipe(out, o);
	return r;
}
