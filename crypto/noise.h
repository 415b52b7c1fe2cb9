/*
 * Noise Protocol Framework, DH 25519, cipher ChaChaPoly, hash BLAKE2b
 * (revision 34 of the spec). Patterns NN, XX and IK, so that all three
 * cacophony vectors can be checked; Sotto itself speaks XX.
 *
 * HMAC is built from BLAKE2b per the spec (HASHLEN 64, BLOCKLEN 128); the
 * ChaChaPoly nonce is 4 zero bytes followed by the 64-bit little-endian
 * counter. No I/O happens here: callers move the bytes.
 *
 * Ownership: handshake and transport states are allocated with sec_alloc()
 * and wiped by their _free() functions.
 */
#ifndef SOTTO_NOISE_H
#define SOTTO_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define NOISE_KEY_LEN 32
#define NOISE_HASH_LEN 64
#define NOISE_TAG_LEN 16
#define NOISE_MSG_MAX 65535

enum noise_role { NOISE_INITIATOR, NOISE_RESPONDER };
enum noise_pattern { NOISE_NN, NOISE_XX, NOISE_IK };

/* What the handshake expects next. */
enum noise_action { NOISE_WRITE, NOISE_READ, NOISE_SPLIT, NOISE_FAILED };

struct noise_hs;
struct noise_transport;

/* Makes an X25519 key pair. Returns 0 or ERR_CRYPTO. */
int noise_keypair(uint8_t pub[NOISE_KEY_LEN], uint8_t priv[NOISE_KEY_LEN]);

/* Derives the public key of priv. Returns 0 or ERR_CRYPTO. */
int noise_public_key(uint8_t pub[NOISE_KEY_LEN],
    const uint8_t priv[NOISE_KEY_LEN]);

/*
 * Starts a handshake. s_priv is the local static private key (NULL when the
 * pattern has none for this role); rs_pub the remote static key known in
 * advance (IK initiator), else NULL; e_priv a fixed ephemeral private key for
 * test vectors only, NULL to make a fresh one. All are copied. Returns 0,
 * ERR_INVAL or ERR_NOMEM; on success *out is the caller's.
 */
int noise_hs_new(struct noise_hs **out, enum noise_pattern pattern,
    enum noise_role role, const uint8_t *prologue, size_t prologue_len,
    const uint8_t *s_priv, const uint8_t *rs_pub, const uint8_t *e_priv);

enum noise_action noise_hs_action(const struct noise_hs *hs);

/*
 * Writes the next handshake message carrying payload into out (capacity
 * cap, at most NOISE_MSG_MAX used). Returns 0 and sets *out_len; ERR_PROTO
 * when it is not this side's turn; ERR_TOO_BIG when it does not fit.
 */
int noise_hs_write(struct noise_hs *hs, const uint8_t *payload,
    size_t payload_len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Reads the next handshake message. The payload goes to payload (capacity
 * cap). Returns 0; ERR_PROTO on a wrong turn or a short message; ERR_CRYPTO
 * when a tag fails (the handshake is then FAILED for good); ERR_TOO_BIG.
 */
int noise_hs_read(struct noise_hs *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t cap, size_t *payload_len)
    __attribute__((warn_unused_result));

/* The remote static public key, once received. 0 or ERR_PROTO. */
int noise_hs_remote_static(const struct noise_hs *hs,
    uint8_t out[NOISE_KEY_LEN]);

/* The handshake hash h (channel binding). */
void noise_hs_hash(const struct noise_hs *hs, uint8_t out[NOISE_HASH_LEN]);

/*
 * After the last message (action NOISE_SPLIT): makes the transport state.
 * Returns 0 or ERR_PROTO/ERR_NOMEM; the handshake state may then be freed.
 */
int noise_hs_split(struct noise_hs *hs, struct noise_transport **out);

void noise_hs_free(struct noise_hs *hs);	/* NULL is fine */

/*
 * Transport. Encrypt writes len + NOISE_TAG_LEN bytes to out; out may equal
 * pt. Decrypt writes len - NOISE_TAG_LEN bytes; out may equal ct; on a bad
 * tag it returns ERR_CRYPTO and the receive counter does not move. Both
 * return ERR_TOO_BIG past NOISE_MSG_MAX and ERR_CRYPTO when the nonce would
 * wrap.
 */
int noise_encrypt(struct noise_transport *t, const uint8_t *pt, size_t len,
    uint8_t *out, size_t cap, size_t *out_len);
int noise_decrypt(struct noise_transport *t, const uint8_t *ct, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
    __attribute__((warn_unused_result));

/*
 * Rekey (spec section 11.3) each direction after every `interval` messages
 * sent in it; both peers must use the same interval. 0 (the default) turns
 * automatic rekeying off. Explicit one-shot rekeys are below.
 */
void noise_set_rekey_interval(struct noise_transport *t, uint64_t interval);
void noise_rekey_send(struct noise_transport *t);
void noise_rekey_recv(struct noise_transport *t);

void noise_transport_free(struct noise_transport *t);	/* NULL is fine */

#endif
