/* HKDF with HMAC-SHA-256 (RFC 5869). */
#ifndef SOTTO_HKDF_H
#define SOTTO_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define HKDF_SHA256_LEN 32

/* PRK = HMAC-SHA-256(salt, ikm). An empty salt means 32 zero bytes. */
void hkdf_sha256_extract(uint8_t prk[HKDF_SHA256_LEN],
    const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len);

/* OKM = T(1) || T(2) || ... Returns 0, or ERR_INVAL when okm_len > 255*32. */
int hkdf_sha256_expand(uint8_t *okm, size_t okm_len,
    const uint8_t prk[HKDF_SHA256_LEN], const uint8_t *info, size_t info_len);

/* Extract then expand; wipes the PRK. Returns 0 or ERR_INVAL. */
int hkdf_sha256(uint8_t *okm, size_t okm_len, const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
    size_t info_len);

#endif
