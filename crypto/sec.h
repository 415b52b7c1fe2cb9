/*
 * Secure memory, randomness and hex: the only way code outside crypto/
 * reaches libsodium's helpers (nothing else includes <sodium.h>).
 */
#ifndef SOTTO_SEC_H
#define SOTTO_SEC_H

#include <stddef.h>
#include <stdint.h>

/* Initialises libsodium. Returns 0 or ERR_CRYPTO. Safe to call repeatedly. */
int sec_init(void);

/*
 * Allocates n bytes of guarded, locked memory for secrets. Returns NULL on
 * failure. The caller owns it and releases it with sec_free(), which wipes.
 */
void *sec_alloc(size_t n);
void sec_free(void *p);			/* NULL is fine */

/* Wipes n bytes so that the compiler cannot elide it. */
void sec_wipe(void *p, size_t n);

/* Locks/unlocks pages holding a secret out of swap. 0 or ERR_IO. */
int sec_lock(void *p, size_t n);
int sec_unlock(void *p, size_t n);	/* also wipes */

/* Constant-time comparison: returns 1 when equal, 0 otherwise. */
int sec_equal(const void *a, const void *b, size_t n);

void sec_random(void *buf, size_t n);
uint64_t sec_random_u64(void);
uint32_t sec_random_uniform(uint32_t upper);	/* in [0, upper) */

/*
 * Lower-case hex of bin[0..n) into out (NUL-terminated). Returns 0, or
 * ERR_TOO_BIG when outcap < 2n + 1.
 */
int sec_hex_encode(char *out, size_t outcap, const uint8_t *bin, size_t n);

/*
 * Parses hex (upper or lower case; spaces and ':' between digit pairs are
 * skipped) into out. Returns 0 and sets *outlen, ERR_INVAL on a non-hex
 * character or an odd digit count, ERR_TOO_BIG when it does not fit.
 */
int sec_hex_decode(uint8_t *out, size_t outcap, size_t *outlen,
    const char *hex, size_t hexlen);

#endif
