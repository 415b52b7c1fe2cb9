/*
 * Noise_{NN,XX,IK}_25519_ChaChaPoly_BLAKE2b, written from revision 34 of
 * the Noise Protocol Framework specification. The section numbers in the
 * comments are the spec's.
 *
 * libsodium has no HMAC-BLAKE2b, so HMAC (section 4.3) is built here from
 * crypto_generichash with the spec's HASHLEN 64 and BLOCKLEN 128. Every
 * buffer that held a key, a chaining key or a DH output is wiped before
 * the function that used it returns.
 */
#include "crypto/noise.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "crypto/sec.h"
#include "lib/err.h"

#define HASHLEN 64
#define BLOCKLEN 128
#define DHLEN 32
#define NONCE_MAX UINT64_MAX	/* reserved for rekey (section 11.3) */

_Static_assert(NOISE_KEY_LEN == crypto_scalarmult_BYTES, "X25519 key size");
_Static_assert(NOISE_TAG_LEN == crypto_aead_chacha20poly1305_ietf_ABYTES,
    "ChaChaPoly tag size");

/* Handshake tokens (section 7.1). */
enum token { T_END, T_E, T_S, T_EE, T_ES, T_SE, T_SS };

#define MSGS_MAX 3
#define TOKENS_MAX 5

struct pattern {
	const char *name;
	int nmsgs;
	int resp_static_premsg;	/* "<- s" before the first message (IK) */
	enum token msgs[MSGS_MAX][TOKENS_MAX];
};

static const struct pattern patterns[] = {
	[NOISE_NN] = { "Noise_NN_25519_ChaChaPoly_BLAKE2b", 2, 0, {
		{ T_E, T_END },
		{ T_E, T_EE, T_END },
	} },
	[NOISE_XX] = { "Noise_XX_25519_ChaChaPoly_BLAKE2b", 3, 0, {
		{ T_E, T_END },
		{ T_E, T_EE, T_S, T_ES, T_END },
		{ T_S, T_SE, T_END },
	} },
	[NOISE_IK] = { "Noise_IK_25519_ChaChaPoly_BLAKE2b", 2, 1, {
		{ T_E, T_ES, T_S, T_SS, T_END },
		{ T_E, T_EE, T_SE, T_END },
	} },
};

/* CipherState (section 5.1). */
struct cipher {
	uint8_t k[NOISE_KEY_LEN];
	uint64_t n;
	int has_key;
};

struct noise_hs {
	/* SymmetricState (section 5.2). */
	struct cipher cs;
	uint8_t ck[HASHLEN];
	uint8_t h[HASHLEN];

	const struct pattern *pat;
	enum noise_role role;
	int msg;		/* index of the next message */
	int failed;

	uint8_t s[DHLEN], s_pub[DHLEN];
	uint8_t e[DHLEN], e_pub[DHLEN];
	uint8_t rs[DHLEN], re[DHLEN];
	int has_s, has_e, has_rs, has_re, fixed_e;
};

struct noise_transport {
	struct cipher send, recv;
	uint64_t interval;
};

/* ---------------------------------------------------------------- hash */

static void
hash2(uint8_t out[HASHLEN], const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, HASHLEN);
	crypto_generichash_update(&st, a, alen);
	if (blen > 0)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, HASHLEN);
	sodium_memzero(&st, sizeof(st));
}

/* HMAC-HASH(key, data1 || data2), key at most HASHLEN bytes (RFC 2104). */
static void
hmac(uint8_t out[HASHLEN], const uint8_t *key, size_t keylen,
    const uint8_t *d1, size_t d1len, const uint8_t *d2, size_t d2len)
{
	crypto_generichash_state st;
	uint8_t pad[BLOCKLEN], inner[HASHLEN];
	size_t i;

	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, keylen);
	for (i = 0; i < BLOCKLEN; i++)
		pad[i] ^= 0x36;
	crypto_generichash_init(&st, NULL, 0, HASHLEN);
	crypto_generichash_update(&st, pad, BLOCKLEN);
	if (d1len > 0)
		crypto_generichash_update(&st, d1, d1len);
	if (d2len > 0)
		crypto_generichash_update(&st, d2, d2len);
	crypto_generichash_final(&st, inner, HASHLEN);

	for (i = 0; i < BLOCKLEN; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	crypto_generichash_init(&st, NULL, 0, HASHLEN);
	crypto_generichash_update(&st, pad, BLOCKLEN);
	crypto_generichash_update(&st, inner, HASHLEN);
	crypto_generichash_final(&st, out, HASHLEN);

	sodium_memzero(&st, sizeof(st));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

/* HKDF(chaining_key, ikm) with two outputs (section 4.3). */
static void
hkdf2(uint8_t o1[HASHLEN], uint8_t o2[HASHLEN], const uint8_t ck[HASHLEN],
    const uint8_t *ikm, size_t ikmlen)
{
	static const uint8_t one = 0x01, two = 0x02;
	uint8_t temp[HASHLEN];

	hmac(temp, ck, HASHLEN, ikm, ikmlen, NULL, 0);
	hmac(o1, temp, HASHLEN, &one, 1, NULL, 0);
	hmac(o2, temp, HASHLEN, o1, HASHLEN, &two, 1);
	sodium_memzero(temp, sizeof(temp));
}

/* ---------------------------------------------------------------- cipher */

static void
nonce_bytes(uint8_t nonce[12], uint64_t n)
{
	int i;

	/* Section 12.3: 32 bits of zeros, then the little-endian counter. */
	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

static void
cipher_init(struct cipher *c, const uint8_t k[NOISE_KEY_LEN])
{
	memcpy(c->k, k, NOISE_KEY_LEN);
	c->n = 0;
	c->has_key = 1;
}

/* ENCRYPT(k, n, ad, plaintext); out may equal pt. */
static int
cipher_encrypt(struct cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *pt, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	if (c->n == NONCE_MAX)
		return ERR_CRYPTO;
	nonce_bytes(nonce, c->n);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, len, ad,
	    adlen, NULL, nonce, c->k);
	c->n++;
	return 0;
}

/* DECRYPT(k, n, ad, ciphertext); the counter moves only on success. */
static int
cipher_decrypt(struct cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *ct, size_t len, uint8_t *out)
{
	uint8_t nonce[12];

	if (len < NOISE_TAG_LEN || c->n == NONCE_MAX)
		return ERR_CRYPTO;
	nonce_bytes(nonce, c->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, len,
	    ad, adlen, nonce, c->k) != 0)
		return ERR_CRYPTO;
	c->n++;
	return 0;
}

/* REKEY(k) = first 32 bytes of ENCRYPT(k, maxnonce, zerolen, zeros). */
static void
cipher_rekey(struct cipher *c)
{
	uint8_t zeros[NOISE_KEY_LEN], out[NOISE_KEY_LEN + NOISE_TAG_LEN];
	uint8_t nonce[12];

	memset(zeros, 0, sizeof(zeros));
	nonce_bytes(nonce, NONCE_MAX);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, zeros,
	    sizeof(zeros), NULL, 0, NULL, nonce, c->k);
	memcpy(c->k, out, NOISE_KEY_LEN);
	sodium_memzero(out, sizeof(out));
}

/* ---------------------------------------------------------------- symmetric */

static void
mix_hash(struct noise_hs *hs, const uint8_t *data, size_t len)
{
	hash2(hs->h, hs->h, HASHLEN, data, len);
}

static void
mix_key(struct noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t ck[HASHLEN], k[HASHLEN];

	hkdf2(ck, k, hs->ck, ikm, len);
	memcpy(hs->ck, ck, HASHLEN);
	cipher_init(&hs->cs, k);	/* truncated to 32 bytes */
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
}

/* EncryptAndHash: out receives len (+ tag once there is a key) bytes. */
static int
encrypt_and_hash(struct noise_hs *hs, const uint8_t *pt, size_t len,
    uint8_t *out, size_t *outlen)
{
	int r;

	if (!hs->cs.has_key) {
		if (len > 0)
			memmove(out, pt, len);
		*outlen = len;
	} else {
		if ((r = cipher_encrypt(&hs->cs, hs->h, HASHLEN, pt, len,
		    out)) != 0)
			return r;
		*outlen = len + NOISE_TAG_LEN;
	}
	mix_hash(hs, out, *outlen);
	return 0;
}

static int
decrypt_and_hash(struct noise_hs *hs, const uint8_t *ct, size_t len,
    uint8_t *out)
{
	uint8_t h[HASHLEN];
	int r;

	/* h must be the hash before ct is mixed in, also for the AD. */
	hash2(h, hs->h, HASHLEN, ct, len);
	if (!hs->cs.has_key) {
		if (len > 0)
			memmove(out, ct, len);
	} else if ((r = cipher_decrypt(&hs->cs, hs->h, HASHLEN, ct, len,
	    out)) != 0)
		return r;
	memcpy(hs->h, h, HASHLEN);
	return 0;
}

/* ---------------------------------------------------------------- DH */

int
noise_keypair(uint8_t pub[NOISE_KEY_LEN], uint8_t priv[NOISE_KEY_LEN])
{
	if (sec_init() != 0)
		return ERR_CRYPTO;
	randombytes_buf(priv, NOISE_KEY_LEN);
	return noise_public_key(pub, priv);
}

int
noise_public_key(uint8_t pub[NOISE_KEY_LEN], const uint8_t priv[NOISE_KEY_LEN])
{
	if (sec_init() != 0)
		return ERR_CRYPTO;
	return crypto_scalarmult_base(pub, priv) == 0 ? 0 : ERR_CRYPTO;
}

/*
 * A low-order public key gives an all-zero output, which libsodium reports
 * as an error; the spec allows refusing it (section 9.1), and a peer that
 * sends one is either broken or attacking.
 */
static int
dh_mix(struct noise_hs *hs, const uint8_t priv[DHLEN], const uint8_t pub[DHLEN])
{
	uint8_t out[DHLEN];

	if (crypto_scalarmult(out, priv, pub) != 0) {
		sodium_memzero(out, sizeof(out));
		return ERR_CRYPTO;
	}
	mix_key(hs, out, sizeof(out));
	sodium_memzero(out, sizeof(out));
	return 0;
}

/* Which of our keys meets which of theirs for a DH token. */
static int
dh_token(struct noise_hs *hs, enum token t)
{
	int init = hs->role == NOISE_INITIATOR;

	switch (t) {
	case T_EE:
		return dh_mix(hs, hs->e, hs->re);
	case T_ES:
		return init ? dh_mix(hs, hs->e, hs->rs) : dh_mix(hs, hs->s, hs->re);
	case T_SE:
		return init ? dh_mix(hs, hs->s, hs->re) : dh_mix(hs, hs->e, hs->rs);
	case T_SS:
		return dh_mix(hs, hs->s, hs->rs);
	default:
		return ERR_PROTO;
	}
}

/* ---------------------------------------------------------------- handshake */

int
noise_hs_new(struct noise_hs **out, enum noise_pattern pattern,
    enum noise_role role, const uint8_t *prologue, size_t prologue_len,
    const uint8_t *s_priv, const uint8_t *rs_pub, const uint8_t *e_priv)
{
	struct noise_hs *hs;
	size_t namelen;
	int need_s, need_rs;

	*out = NULL;
	if ((unsigned)pattern > NOISE_IK ||
	    (role != NOISE_INITIATOR && role != NOISE_RESPONDER) ||
	    (prologue == NULL && prologue_len > 0))
		return ERR_INVAL;
	need_s = pattern != NOISE_NN;
	need_rs = pattern == NOISE_IK && role == NOISE_INITIATOR;
	if ((need_s && s_priv == NULL) || (need_rs && rs_pub == NULL))
		return ERR_INVAL;
	if (sec_init() != 0)
		return ERR_CRYPTO;
	if ((hs = sec_alloc(sizeof(*hs))) == NULL)
		return ERR_NOMEM;
	memset(hs, 0, sizeof(*hs));
	hs->pat = &patterns[pattern];
	hs->role = role;

	if (need_s) {
		memcpy(hs->s, s_priv, DHLEN);
		if (crypto_scalarmult_base(hs->s_pub, hs->s) != 0)
			goto invalid;
		hs->has_s = 1;
	}
	if (need_rs) {
		memcpy(hs->rs, rs_pub, DHLEN);
		hs->has_rs = 1;
	}
	if (e_priv != NULL) {
		memcpy(hs->e, e_priv, DHLEN);
		if (crypto_scalarmult_base(hs->e_pub, hs->e) != 0)
			goto invalid;
		hs->fixed_e = 1;
	}

	/* InitializeSymmetric: a name of at most HASHLEN bytes is padded. */
	namelen = strlen(hs->pat->name);
	memcpy(hs->h, hs->pat->name, namelen);
	memcpy(hs->ck, hs->h, HASHLEN);
	mix_hash(hs, prologue, prologue_len);

	/* Pre-messages: the responder's static key, known to the initiator. */
	if (hs->pat->resp_static_premsg)
		mix_hash(hs, role == NOISE_INITIATOR ? hs->rs : hs->s_pub, DHLEN);

	*out = hs;
	return 0;
invalid:
	sec_free(hs);
	return ERR_INVAL;
}

static int
my_turn(const struct noise_hs *hs)
{
	/* The initiator writes the even-numbered messages. */
	return (hs->msg % 2 == 0) == (hs->role == NOISE_INITIATOR);
}

enum noise_action
noise_hs_action(const struct noise_hs *hs)
{
	if (hs->failed)
		return NOISE_FAILED;
	if (hs->msg >= hs->pat->nmsgs)
		return NOISE_SPLIT;
	return my_turn(hs) ? NOISE_WRITE : NOISE_READ;
}

int
noise_hs_write(struct noise_hs *hs, const uint8_t *payload,
    size_t payload_len, uint8_t *out, size_t cap, size_t *out_len)
{
	const enum token *t;
	size_t off = 0, n, need;
	int r, keyed;

	*out_len = 0;
	if (noise_hs_action(hs) != NOISE_WRITE)
		return ERR_PROTO;
	if (payload == NULL && payload_len > 0)
		return ERR_INVAL;

	/*
	 * Size the whole message first so that a refusal changes nothing. A
	 * static key and the payload carry a tag once some DH has been mixed
	 * in, earlier or in this very message.
	 */
	need = 0;
	keyed = hs->cs.has_key;
	for (t = hs->pat->msgs[hs->msg]; *t != T_END; t++) {
		if (*t == T_E)
			need += DHLEN;
		else if (*t == T_S)
			need += DHLEN + (keyed ? NOISE_TAG_LEN : 0);
		else
			keyed = 1;
	}
	need += payload_len + (keyed ? NOISE_TAG_LEN : 0);
	if (need > cap || need > NOISE_MSG_MAX)
		return ERR_TOO_BIG;

	for (t = hs->pat->msgs[hs->msg]; *t != T_END; t++) {
		switch (*t) {
		case T_E:
			if (!hs->fixed_e)
				randombytes_buf(hs->e, DHLEN);
			if (crypto_scalarmult_base(hs->e_pub, hs->e) != 0) {
				r = ERR_CRYPTO;
				goto fail;
			}
			hs->has_e = 1;
			memcpy(out + off, hs->e_pub, DHLEN);
			mix_hash(hs, hs->e_pub, DHLEN);
			off += DHLEN;
			break;
		case T_S:
			if ((r = encrypt_and_hash(hs, hs->s_pub, DHLEN, out + off,
			    &n)) != 0)
				goto fail;
			off += n;
			break;
		default:
			if ((r = dh_token(hs, *t)) != 0)
				goto fail;
			break;
		}
	}
	if ((r = encrypt_and_hash(hs, payload, payload_len, out + off,
	    &n)) != 0)
		goto fail;
	off += n;
	hs->msg++;
	*out_len = off;
	return 0;
fail:
	hs->failed = 1;
	sodium_memzero(out, cap < need ? cap : need);
	return r;
}

int
noise_hs_read(struct noise_hs *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t cap, size_t *payload_len)
{
	const enum token *t;
	size_t off = 0, n, taglen;
	int r;

	*payload_len = 0;
	if (noise_hs_action(hs) != NOISE_READ)
		return ERR_PROTO;
	if (len > NOISE_MSG_MAX)
		return ERR_TOO_BIG;
	if (msg == NULL && len > 0)
		return ERR_PROTO;

	for (t = hs->pat->msgs[hs->msg]; *t != T_END; t++) {
		switch (*t) {
		case T_E:
			if (len - off < DHLEN) {
				r = ERR_PROTO;
				goto fail;
			}
			memcpy(hs->re, msg + off, DHLEN);
			hs->has_re = 1;
			mix_hash(hs, hs->re, DHLEN);
			off += DHLEN;
			break;
		case T_S:
			n = DHLEN + (hs->cs.has_key ? NOISE_TAG_LEN : 0);
			if (len - off < n) {
				r = ERR_PROTO;
				goto fail;
			}
			if ((r = decrypt_and_hash(hs, msg + off, n, hs->rs)) != 0)
				goto fail;
			hs->has_rs = 1;
			off += n;
			break;
		default:
			if ((r = dh_token(hs, *t)) != 0)
				goto fail;
			break;
		}
	}
	taglen = hs->cs.has_key ? NOISE_TAG_LEN : 0;
	if (len - off < taglen) {
		r = ERR_PROTO;
		goto fail;
	}
	if (len - off - taglen > cap) {
		r = ERR_TOO_BIG;
		goto fail;
	}
	if ((r = decrypt_and_hash(hs, msg + off, len - off, payload)) != 0)
		goto fail;
	*payload_len = len - off - taglen;
	hs->msg++;
	return 0;
fail:
	/*
	 * The transcript has absorbed part of a bad message: nothing can go
	 * on from here (section 5.3 "abort the handshake").
	 */
	hs->failed = 1;
	return r;
}

int
noise_hs_remote_static(const struct noise_hs *hs, uint8_t out[NOISE_KEY_LEN])
{
	if (!hs->has_rs)
		return ERR_PROTO;
	memcpy(out, hs->rs, NOISE_KEY_LEN);
	return 0;
}

void
noise_hs_hash(const struct noise_hs *hs, uint8_t out[NOISE_HASH_LEN])
{
	memcpy(out, hs->h, NOISE_HASH_LEN);
}

int
noise_hs_split(struct noise_hs *hs, struct noise_transport **out)
{
	struct noise_transport *t;
	uint8_t k1[HASHLEN], k2[HASHLEN];

	*out = NULL;
	if (noise_hs_action(hs) != NOISE_SPLIT)
		return ERR_PROTO;
	if ((t = sec_alloc(sizeof(*t))) == NULL)
		return ERR_NOMEM;
	memset(t, 0, sizeof(*t));
	hkdf2(k1, k2, hs->ck, NULL, 0);
	/* The first key encrypts from initiator to responder. */
	if (hs->role == NOISE_INITIATOR) {
		cipher_init(&t->send, k1);
		cipher_init(&t->recv, k2);
	} else {
		cipher_init(&t->send, k2);
		cipher_init(&t->recv, k1);
	}
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	*out = t;
	return 0;
}

void
noise_hs_free(struct noise_hs *hs)
{
	sec_free(hs);		/* wipes */
}

/* ---------------------------------------------------------------- transport */

int
noise_encrypt(struct noise_transport *t, const uint8_t *pt, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	int r;

	*out_len = 0;
	if (len > NOISE_MSG_MAX - NOISE_TAG_LEN || cap < len + NOISE_TAG_LEN)
		return ERR_TOO_BIG;
	if ((r = cipher_encrypt(&t->send, NULL, 0, pt, len, out)) != 0)
		return r;
	*out_len = len + NOISE_TAG_LEN;
	if (t->interval > 0 && t->send.n % t->interval == 0)
		cipher_rekey(&t->send);
	return 0;
}

int
noise_decrypt(struct noise_transport *t, const uint8_t *ct, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	int r;

	*out_len = 0;
	if (len > NOISE_MSG_MAX)
		return ERR_TOO_BIG;
	if (len < NOISE_TAG_LEN)
		return ERR_CRYPTO;
	if (cap < len - NOISE_TAG_LEN)
		return ERR_TOO_BIG;
	if ((r = cipher_decrypt(&t->recv, NULL, 0, ct, len, out)) != 0)
		return r;
	*out_len = len - NOISE_TAG_LEN;
	if (t->interval > 0 && t->recv.n % t->interval == 0)
		cipher_rekey(&t->recv);
	return 0;
}

void
noise_set_rekey_interval(struct noise_transport *t, uint64_t interval)
{
	t->interval = interval;
}

void
noise_rekey_send(struct noise_transport *t)
{
	cipher_rekey(&t->send);
}

void
noise_rekey_recv(struct noise_transport *t)
{
	cipher_rekey(&t->recv);
}

void
noise_transport_free(struct noise_transport *t)
{
	sec_free(t);
}
