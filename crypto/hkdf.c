/*
 * HKDF-SHA-256 (RFC 5869) on libsodium's incremental HMAC-SHA-256. X3DH
 * and the Double Ratchet both derive their keys here, so every buffer that
 * held key material is wiped before returning.
 */
#include "crypto/hkdf.h"

#include <sodium.h>
#include <string.h>

#include "lib/err.h"

_Static_assert(HKDF_SHA256_LEN == crypto_auth_hmacsha256_BYTES,
    "HKDF_SHA256_LEN is the HMAC-SHA-256 output size");

/* RFC 5869 caps the output at 255 blocks: the counter is one octet. */
#define HKDF_MAX_OKM (255 * HKDF_SHA256_LEN)

void
hkdf_sha256_extract(uint8_t prk[HKDF_SHA256_LEN], const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len)
{
	static const uint8_t zero_salt[HKDF_SHA256_LEN];
	crypto_auth_hmacsha256_state st;

	/* "If not provided, [salt] is set to a string of HashLen zeros." */
	if (salt == NULL || salt_len == 0) {
		salt = zero_salt;
		salt_len = sizeof(zero_salt);
	}
	crypto_auth_hmacsha256_init(&st, salt, salt_len);
	if (ikm_len > 0)
		crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	sodium_memzero(&st, sizeof(st));
}

int
hkdf_sha256_expand(uint8_t *okm, size_t okm_len,
    const uint8_t prk[HKDF_SHA256_LEN], const uint8_t *info, size_t info_len)
{
	crypto_auth_hmacsha256_state st;
	uint8_t t[HKDF_SHA256_LEN];
	size_t off, n;
	uint8_t ctr;

	if (okm_len > HKDF_MAX_OKM)
		return ERR_INVAL;
	if (okm_len > 0 && okm == NULL)
		return ERR_INVAL;
	if (info == NULL && info_len > 0)
		return ERR_INVAL;

	/* T(i) = HMAC(PRK, T(i-1) || info || i), T(0) empty, i from 1. */
	for (off = 0, ctr = 1; off < okm_len; off += n, ctr++) {
		crypto_auth_hmacsha256_init(&st, prk, HKDF_SHA256_LEN);
		if (off > 0)
			crypto_auth_hmacsha256_update(&st, t, sizeof(t));
		if (info_len > 0)
			crypto_auth_hmacsha256_update(&st, info, info_len);
		crypto_auth_hmacsha256_update(&st, &ctr, 1);
		crypto_auth_hmacsha256_final(&st, t);
		n = okm_len - off < sizeof(t) ? okm_len - off : sizeof(t);
		memcpy(okm + off, t, n);
	}
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(t, sizeof(t));
	return 0;
}

int
hkdf_sha256(uint8_t *okm, size_t okm_len, const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
    size_t info_len)
{
	uint8_t prk[HKDF_SHA256_LEN];
	int r;

	/* Refuse before doing any work with the secret. */
	if (okm_len > HKDF_MAX_OKM)
		return ERR_INVAL;
	if (ikm == NULL && ikm_len > 0)
		return ERR_INVAL;
	hkdf_sha256_extract(prk, salt, salt_len, ikm, ikm_len);
	r = hkdf_sha256_expand(okm, okm_len, prk, info, info_len);
	sodium_memzero(prk, sizeof(prk));
	return r;
}
