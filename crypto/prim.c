/* Bare primitives for benchmarks; see prim.h. */
#include "crypto/prim.h"

#include <sodium.h>

#include "lib/err.h"

int
prim_x25519(uint8_t out[32], const uint8_t priv[32], const uint8_t pub[32])
{
	return crypto_scalarmult(out, priv, pub) == 0 ? 0 : ERR_CRYPTO;
}

void
prim_hmac_sha256(uint8_t out[32], const uint8_t key[32], const uint8_t *in,
    size_t len)
{
	crypto_auth_hmacsha256(out, in, len, key);
}

int
prim_xchacha_seal(uint8_t *out, const uint8_t *pt, size_t len,
    const uint8_t *ad, size_t ad_len, const uint8_t nonce[24],
    const uint8_t key[32])
{
	return crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, pt, len,
	    ad, ad_len, NULL, nonce, key) == 0 ? 0 : ERR_CRYPTO;
}
