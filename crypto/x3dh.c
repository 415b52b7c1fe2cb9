/*
 * X3DH as DESIGN.md section 6 fixes it; see x3dh.h. Both sides build the
 * same HKDF input, 32 bytes of 0xFF followed by DH1..DH4, so one function
 * derives SK and AD from it. A DH whose output is all zero (the peer sent
 * a low-order point) makes crypto_scalarmult fail, and the agreement with
 * it: such a key contributes nothing secret.
 */
#include "crypto/x3dh.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "crypto/hkdf.h"
#include "crypto/sec.h"
#include "lib/err.h"

_Static_assert(X3DH_KEY_LEN == crypto_scalarmult_BYTES, "X25519 size");
_Static_assert(X3DH_KEY_LEN == crypto_sign_PUBLICKEYBYTES, "Ed25519 size");
_Static_assert(X3DH_SIG_LEN == crypto_sign_BYTES, "signature size");
_Static_assert(sizeof(((struct x3dh_identity *)0)->sk) ==
    crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");

#define X3DH_INFO "sotto x3dh"
#define PAD_LEN 32
#define IKM_MAX (PAD_LEN + 4 * X3DH_KEY_LEN)

int
x3dh_identity_new(struct x3dh_identity *id)
{
	if (sec_init() != 0)
		return ERR_CRYPTO;
	return crypto_sign_keypair(id->pub, id->sk) == 0 ? 0 : ERR_CRYPTO;
}

int
x3dh_identity_from_seed(struct x3dh_identity *id,
    const uint8_t seed[X3DH_SEED_LEN])
{
	if (sec_init() != 0)
		return ERR_CRYPTO;
	return crypto_sign_seed_keypair(id->pub, id->sk, seed) == 0 ? 0 :
	    ERR_CRYPTO;
}

int
x3dh_keypair_new(struct x3dh_keypair *kp)
{
	uint8_t priv[X3DH_KEY_LEN];
	int r;

	sec_random(priv, sizeof(priv));
	r = x3dh_keypair_from_priv(kp, priv);
	sec_wipe(priv, sizeof(priv));
	return r;
}

int
x3dh_keypair_from_priv(struct x3dh_keypair *kp,
    const uint8_t priv[X3DH_KEY_LEN])
{
	if (sec_init() != 0)
		return ERR_CRYPTO;
	/* memmove: priv may be kp->priv itself. */
	memmove(kp->priv, priv, X3DH_KEY_LEN);
	if (crypto_scalarmult_base(kp->pub, kp->priv) != 0) {
		sec_wipe(kp, sizeof(*kp));
		return ERR_CRYPTO;
	}
	return 0;
}

int
x3dh_sign_prekey(uint8_t sig[X3DH_SIG_LEN], const struct x3dh_identity *id,
    const uint8_t spk_pub[X3DH_KEY_LEN])
{
	if (sec_init() != 0)
		return ERR_CRYPTO;
	return crypto_sign_detached(sig, NULL, spk_pub, X3DH_KEY_LEN,
	    id->sk) == 0 ? 0 : ERR_CRYPTO;
}

int
x3dh_verify_prekey(const uint8_t ik[X3DH_KEY_LEN],
    const uint8_t spk_pub[X3DH_KEY_LEN], const uint8_t sig[X3DH_SIG_LEN])
{
	if (sec_init() != 0)
		return ERR_CRYPTO;
	return crypto_sign_verify_detached(sig, spk_pub, X3DH_KEY_LEN,
	    ik) == 0 ? 0 : ERR_CRYPTO;
}

/* One DH into the HKDF input; fails on an all-zero output. */
static int
dh(uint8_t *out, const uint8_t priv[X3DH_KEY_LEN],
    const uint8_t pub[X3DH_KEY_LEN])
{
	return crypto_scalarmult(out, priv, pub) == 0 ? 0 : ERR_CRYPTO;
}

static int
derive(struct x3dh_result *res, const uint8_t *ikm, size_t ikm_len,
    const uint8_t ik_a[X3DH_KEY_LEN], const uint8_t ik_b[X3DH_KEY_LEN])
{
	static const uint8_t zero_salt[HKDF_SHA256_LEN];
	int r;

	r = hkdf_sha256(res->sk, sizeof(res->sk), zero_salt,
	    sizeof(zero_salt), ikm, ikm_len, (const uint8_t *)X3DH_INFO,
	    strlen(X3DH_INFO));
	if (r != 0)
		return r;
	memcpy(res->ad, ik_a, X3DH_KEY_LEN);
	memcpy(res->ad + X3DH_KEY_LEN, ik_b, X3DH_KEY_LEN);
	return 0;
}

int
x3dh_initiate(struct x3dh_result *res, struct x3dh_init *msg,
    const struct x3dh_identity *self, const struct x3dh_bundle *peer,
    const uint8_t *ek_priv)
{
	struct x3dh_keypair ek;
	uint8_t ik_x[X3DH_KEY_LEN], peer_ik_x[X3DH_KEY_LEN];
	uint8_t ikm[IKM_MAX];
	size_t n = PAD_LEN;
	int r;

	sec_wipe(res, sizeof(*res));
	if ((r = x3dh_verify_prekey(peer->ik, peer->spk, peer->spk_sig)) != 0)
		return r;
	r = ek_priv != NULL ? x3dh_keypair_from_priv(&ek, ek_priv) :
	    x3dh_keypair_new(&ek);
	if (r != 0)
		goto out;
	r = ERR_CRYPTO;
	if (crypto_sign_ed25519_pk_to_curve25519(peer_ik_x, peer->ik) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(ik_x, self->sk) != 0)
		goto out;

	memset(ikm, 0xFF, PAD_LEN);
	if (dh(ikm + n, ik_x, peer->spk) != 0)			/* DH1 */
		goto out;
	n += X3DH_KEY_LEN;
	if (dh(ikm + n, ek.priv, peer_ik_x) != 0)		/* DH2 */
		goto out;
	n += X3DH_KEY_LEN;
	if (dh(ikm + n, ek.priv, peer->spk) != 0)		/* DH3 */
		goto out;
	n += X3DH_KEY_LEN;
	if (peer->has_opk) {
		if (dh(ikm + n, ek.priv, peer->opk) != 0)	/* DH4 */
			goto out;
		n += X3DH_KEY_LEN;
	}
	if ((r = derive(res, ikm, n, self->pub, peer->ik)) != 0)
		goto out;

	memset(msg, 0, sizeof(*msg));
	memcpy(msg->ik, self->pub, X3DH_KEY_LEN);
	memcpy(msg->ek, ek.pub, X3DH_KEY_LEN);
	memcpy(msg->spk, peer->spk, X3DH_KEY_LEN);
	msg->has_opk = peer->has_opk != 0;
	if (msg->has_opk)
		memcpy(msg->opk, peer->opk, X3DH_KEY_LEN);
	r = 0;
out:
	if (r != 0)
		sec_wipe(res, sizeof(*res));
	sec_wipe(&ek, sizeof(ek));
	sec_wipe(ik_x, sizeof(ik_x));
	sec_wipe(ikm, sizeof(ikm));
	return r;
}

int
x3dh_respond(struct x3dh_result *res, const struct x3dh_identity *self,
    const struct x3dh_keypair *spk, const struct x3dh_keypair *opk,
    const struct x3dh_init *msg)
{
	uint8_t ik_x[X3DH_KEY_LEN], peer_ik_x[X3DH_KEY_LEN];
	uint8_t ikm[IKM_MAX];
	size_t n = PAD_LEN;
	int r;

	sec_wipe(res, sizeof(*res));
	if (sec_init() != 0)
		return ERR_CRYPTO;
	/* The caller looked the keys up; a mix-up must not pass silently. */
	if (memcmp(spk->pub, msg->spk, X3DH_KEY_LEN) != 0 ||
	    (msg->has_opk != 0) != (opk != NULL) ||
	    (opk != NULL && memcmp(opk->pub, msg->opk, X3DH_KEY_LEN) != 0))
		return ERR_INVAL;

	r = ERR_CRYPTO;
	if (crypto_sign_ed25519_pk_to_curve25519(peer_ik_x, msg->ik) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(ik_x, self->sk) != 0)
		goto out;
	memset(ikm, 0xFF, PAD_LEN);
	if (dh(ikm + n, spk->priv, peer_ik_x) != 0)		/* DH1 */
		goto out;
	n += X3DH_KEY_LEN;
	if (dh(ikm + n, ik_x, msg->ek) != 0)			/* DH2 */
		goto out;
	n += X3DH_KEY_LEN;
	if (dh(ikm + n, spk->priv, msg->ek) != 0)		/* DH3 */
		goto out;
	n += X3DH_KEY_LEN;
	if (opk != NULL) {
		if (dh(ikm + n, opk->priv, msg->ek) != 0)	/* DH4 */
			goto out;
		n += X3DH_KEY_LEN;
	}
	r = derive(res, ikm, n, msg->ik, self->pub);
out:
	if (r != 0)
		sec_wipe(res, sizeof(*res));
	sec_wipe(ik_x, sizeof(ik_x));
	sec_wipe(ikm, sizeof(ikm));
	return r;
}
