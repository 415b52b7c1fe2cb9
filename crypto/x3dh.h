/*
 * X3DH key agreement (Signal's specification) with the parameters of
 * DESIGN.md section 6: identity keys are Ed25519 and take part in DH in
 * their X25519 form; the signed prekey is X25519, signed by the identity
 * key over its 32 raw bytes;
 *
 *   SK = HKDF-SHA-256(salt = 32 zero bytes,
 *                     ikm = 32 x 0xFF || DH1 || DH2 || DH3 [|| DH4],
 *                     info = "sotto x3dh", 32)
 *   AD = IK_A || IK_B (the Ed25519 public keys)
 *
 * No I/O: callers move bundles and initial messages. Structs holding a
 * private half (x3dh_identity, x3dh_keypair, x3dh_result) should live in
 * sec_alloc() memory; the functions here wipe every temporary they use.
 */
#ifndef SOTTO_X3DH_H
#define SOTTO_X3DH_H

#include <stddef.h>
#include <stdint.h>

#define X3DH_KEY_LEN 32		/* X25519 and Ed25519 public keys, SK */
#define X3DH_SEED_LEN 32	/* Ed25519 seed */
#define X3DH_SIG_LEN 64
#define X3DH_AD_LEN 64

/* An Ed25519 identity key pair; sk is libsodium's seed || pub. */
struct x3dh_identity {
	uint8_t pub[X3DH_KEY_LEN];
	uint8_t sk[64];
};

/* An X25519 key pair (signed prekey, one-time prekey, ephemeral). */
struct x3dh_keypair {
	uint8_t pub[X3DH_KEY_LEN];
	uint8_t priv[X3DH_KEY_LEN];
};

/* What the server hands out for a device: public keys only. */
struct x3dh_bundle {
	uint8_t ik[X3DH_KEY_LEN];	/* Ed25519 */
	uint8_t spk[X3DH_KEY_LEN];
	uint8_t spk_sig[X3DH_SIG_LEN];
	int has_opk;
	uint8_t opk[X3DH_KEY_LEN];
};

/* What the initiator sends along with its first message. */
struct x3dh_init {
	uint8_t ik[X3DH_KEY_LEN];	/* the initiator's Ed25519 key */
	uint8_t ek[X3DH_KEY_LEN];
	uint8_t spk[X3DH_KEY_LEN];	/* which signed prekey was used */
	int has_opk;
	uint8_t opk[X3DH_KEY_LEN];	/* which one-time prekey, if any */
};

/* The agreement: SK becomes the first root key, AD the ratchet's AD. */
struct x3dh_result {
	uint8_t sk[X3DH_KEY_LEN];
	uint8_t ad[X3DH_AD_LEN];
};

/* A fresh identity. Returns 0 or ERR_CRYPTO. */
int x3dh_identity_new(struct x3dh_identity *id);

/* The identity of a known 32-byte seed. Returns 0 or ERR_CRYPTO. */
int x3dh_identity_from_seed(struct x3dh_identity *id,
    const uint8_t seed[X3DH_SEED_LEN]);

/* A fresh X25519 key pair. Returns 0 or ERR_CRYPTO. */
int x3dh_keypair_new(struct x3dh_keypair *kp);

/* The key pair of a known private key. Returns 0 or ERR_CRYPTO. */
int x3dh_keypair_from_priv(struct x3dh_keypair *kp,
    const uint8_t priv[X3DH_KEY_LEN]);

/* Signs a signed prekey's 32 raw bytes. Returns 0 or ERR_CRYPTO. */
int x3dh_sign_prekey(uint8_t sig[X3DH_SIG_LEN],
    const struct x3dh_identity *id, const uint8_t spk_pub[X3DH_KEY_LEN]);

/* Returns 0 when sig is ik's signature over spk_pub, else ERR_CRYPTO. */
int x3dh_verify_prekey(const uint8_t ik[X3DH_KEY_LEN],
    const uint8_t spk_pub[X3DH_KEY_LEN], const uint8_t sig[X3DH_SIG_LEN])
    __attribute__((warn_unused_result));

/*
 * The initiator's side: verifies the bundle's signature, makes an
 * ephemeral key (or uses ek_priv, for tests and vectors only; NULL
 * otherwise), and fills res and msg. Uses the bundle's one-time prekey
 * when it has one. Returns 0; ERR_CRYPTO on a bad signature, a public key
 * that is not a valid point, or an all-zero DH output. res is wiped on
 * failure.
 */
int x3dh_initiate(struct x3dh_result *res, struct x3dh_init *msg,
    const struct x3dh_identity *self, const struct x3dh_bundle *peer,
    const uint8_t *ek_priv)
    __attribute__((warn_unused_result));

/*
 * The responder's side. spk and opk are the private halves the caller
 * found for msg->spk and msg->opk (opk NULL when msg->has_opk is 0).
 * Returns 0; ERR_INVAL when they are not the keys msg names; ERR_CRYPTO on
 * an invalid public key or an all-zero DH output. res is wiped on failure.
 */
int x3dh_respond(struct x3dh_result *res, const struct x3dh_identity *self,
    const struct x3dh_keypair *spk, const struct x3dh_keypair *opk,
    const struct x3dh_init *msg)
    __attribute__((warn_unused_result));

#endif
