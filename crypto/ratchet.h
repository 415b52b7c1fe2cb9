/*
 * The Double Ratchet (Signal's specification) with the parameters of
 * DESIGN.md section 6:
 *
 *   DH       X25519
 *   KDF_RK   HKDF-SHA-256(salt = root key, ikm = DH output,
 *            info = "sotto ratchet", 64) -> root key || chain key
 *   KDF_CK   message key = HMAC-SHA-256(ck, 0x01),
 *            next chain key = HMAC-SHA-256(ck, 0x02)
 *   ENCRYPT  XChaCha20-Poly1305 (ietf); key || 24-byte nonce =
 *            HKDF-SHA-256(salt = 32 zero bytes, ikm = message key,
 *            info = "sotto message", 56); associated data = AD || header
 *   header   ratchet public key (32) || PN (u32 BE) || N (u32 BE)
 *
 * A message on the wire is header || ciphertext || tag. At most
 * RATCHET_MAX_SKIP message keys are skipped in one chain and kept in
 * store (the oldest go first). Decryption changes the state only when
 * the message authenticates; a replay or a tampered message leaves it as
 * it was.
 *
 * Ownership: a struct ratchet and its store of skipped keys live in
 * sec_alloc() memory and are wiped by ratchet_free(). No I/O.
 */
#ifndef SOTTO_RATCHET_H
#define SOTTO_RATCHET_H

#include <stddef.h>
#include <stdint.h>

#define RATCHET_KEY_LEN 32
#define RATCHET_AD_LEN 64		/* IK_A || IK_B from X3DH */
#define RATCHET_HEADER_LEN 40
#define RATCHET_TAG_LEN 16
#define RATCHET_OVERHEAD (RATCHET_HEADER_LEN + RATCHET_TAG_LEN)
#define RATCHET_MAX_SKIP 1000

/* Serialised state: version 1. See ratchet.c for the layout. */
#define RATCHET_BLOB_VERSION 1
#define RATCHET_BLOB_FIXED 276
#define RATCHET_BLOB_ENTRY 68
#define RATCHET_BLOB_MAX \
	(RATCHET_BLOB_FIXED + RATCHET_MAX_SKIP * RATCHET_BLOB_ENTRY)

struct ratchet;

/*
 * The initiator (Alice): sk and ad from X3DH, bob_spk the signed prekey
 * X3DH used, which is Bob's first ratchet key. Returns 0, ERR_NOMEM, or
 * ERR_CRYPTO when bob_spk gives an all-zero DH. *out is the caller's.
 */
int ratchet_init_alice(struct ratchet **out,
    const uint8_t sk[RATCHET_KEY_LEN], const uint8_t ad[RATCHET_AD_LEN],
    const uint8_t bob_spk[RATCHET_KEY_LEN])
    __attribute__((warn_unused_result));

/*
 * The responder (Bob): spk_pub/spk_priv the signed prekey pair X3DH used.
 * Bob can send only after the first message from Alice has decrypted.
 * Returns 0, ERR_NOMEM or ERR_CRYPTO (priv does not give pub).
 */
int ratchet_init_bob(struct ratchet **out, const uint8_t sk[RATCHET_KEY_LEN],
    const uint8_t ad[RATCHET_AD_LEN], const uint8_t spk_pub[RATCHET_KEY_LEN],
    const uint8_t spk_priv[RATCHET_KEY_LEN])
    __attribute__((warn_unused_result));

void ratchet_free(struct ratchet *r);		/* NULL is fine */

/*
 * Encrypts pt into out (capacity cap; len + RATCHET_OVERHEAD bytes used;
 * out must not overlap pt). Returns 0 and sets *out_len; ERR_PROTO when
 * there is no sending chain yet (Bob before Alice's first message);
 * ERR_TOO_BIG when out is too small or the chain is exhausted (2^32 - 1
 * messages). On error the state is unchanged.
 */
int ratchet_encrypt(struct ratchet *r, const uint8_t *pt, size_t len,
    uint8_t *out, size_t cap, size_t *out_len);

/*
 * Decrypts msg into out (capacity cap; len - RATCHET_OVERHEAD bytes used;
 * out must not overlap msg). Returns 0 and sets *out_len, committing the
 * new state; otherwise the state is exactly as before and out holds
 * nothing of the message:
 *   ERR_PROTO    too short to be a message, or N = 2^32 - 1
 *   ERR_TOO_BIG  out is too small, or more than RATCHET_MAX_SKIP keys
 *                would have to be skipped in one chain
 *   ERR_CRYPTO   it does not authenticate: tampered, forged, a replay,
 *                or a bad ratchet public key
 *   ERR_NOMEM
 */
int ratchet_decrypt(struct ratchet *r, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
    __attribute__((warn_unused_result));

/* The number of skipped message keys in store. */
size_t ratchet_skipped(const struct ratchet *r);

/* The exact size ratchet_serialize() needs (at most RATCHET_BLOB_MAX). */
size_t ratchet_serialized_len(const struct ratchet *r);

/*
 * Writes the whole state, skipped keys included, to blob. The blob holds
 * keys: keep it in sec_alloc() memory and store it only encrypted.
 * Returns 0 and sets *len, or ERR_TOO_BIG when cap is too small.
 */
int ratchet_serialize(const struct ratchet *r, uint8_t *blob, size_t cap,
    size_t *len);

/*
 * Rebuilds a state from a blob. Returns 0 (*out is the caller's), ERR_NOMEM,
 * or ERR_INVAL for anything that is not a well-formed version-1 blob of
 * exactly len bytes.
 */
int ratchet_deserialize(struct ratchet **out, const uint8_t *blob,
    size_t len)
    __attribute__((warn_unused_result));

#endif
