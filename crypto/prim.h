/*
 * The bare libsodium primitives the ratchet is built from, so that code
 * outside crypto/ (bench/ratchet_bench.c) can measure them beside the
 * ratchet without including <sodium.h>. Not for protocol use: the
 * protocol goes through x3dh.h and ratchet.h.
 */
#ifndef SOTTO_PRIM_H
#define SOTTO_PRIM_H

#include <stddef.h>
#include <stdint.h>

/* X25519; returns 0, or ERR_CRYPTO on an all-zero output. */
int prim_x25519(uint8_t out[32], const uint8_t priv[32],
    const uint8_t pub[32]);

/* HMAC-SHA-256 with a 32-byte key. */
void prim_hmac_sha256(uint8_t out[32], const uint8_t key[32],
    const uint8_t *in, size_t len);

/* XChaCha20-Poly1305 (ietf) into out (len + 16 bytes). 0 or ERR_CRYPTO. */
int prim_xchacha_seal(uint8_t *out, const uint8_t *pt, size_t len,
    const uint8_t *ad, size_t ad_len, const uint8_t nonce[24],
    const uint8_t key[32]);

#endif
