/*
 * Double Ratchet; see ratchet.h for the parameters.
 *
 * "State changes only when decryption succeeds" without copying the state:
 * ratchet_decrypt() computes everything a message needs (a DH step's new
 * root, chain and ratchet keys, the chain key after the message) into the
 * scratch area w, which lives in the same sec_alloc()ed block as the
 * state, and touches the state only after the tag verified. Skipped keys
 * are not kept aside during that pass: on success they are derived again
 * from the chain keys still in the state (cheap next to a 1000-key DoS
 * bound) and appended to the store, whose capacity was reserved before
 * decrypting, so the commit itself cannot fail.
 *
 * The symmetric step is the hot path, so its HMACs share work: KDF_CK
 * keys HMAC once and finishes it twice, and the message-key HKDF starts
 * from an HMAC state keyed with the 32 zero-byte salt, kept per ratchet
 * (not a global, so threads never race on it). The results are those of
 * the plain definitions; the unit test checks that against crypto/hkdf.c.
 *
 * Blob layout, version 1 (all integers big-endian):
 *     0  'S' 'R' version flags       flags: 1 DHr, 2 CKs, 4 CKr
 *     4  RK        36  DHs private   68  DHs public   100 DHr
 *   132  CKs      164  CKr          196  Ns Nr PN (u32 each)
 *   208  AD (64)  272  count (u32), then count entries of
 *        ratchet public key (32) || N (u32) || message key (32)
 * Absent keys are written as zeros and must read back as zeros.
 */
#include "crypto/ratchet.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "crypto/hkdf.h"
#include "crypto/sec.h"
#include "lib/be.h"
#include "lib/err.h"

_Static_assert(RATCHET_KEY_LEN == crypto_scalarmult_BYTES, "X25519 size");
_Static_assert(RATCHET_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "XChaCha20-Poly1305 tag size");
_Static_assert(RATCHET_BLOB_FIXED == 4 + 6 * 32 + 12 + 64 + 4,
    "blob header size");

#define RK_INFO "sotto ratchet"
#define MK_INFO "sotto message"
#define AEAD_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define AEAD_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

#define F_DHR 1
#define F_CKS 2
#define F_CKR 4

struct skipped {
	uint8_t dh[RATCHET_KEY_LEN];
	uint32_t n;
	uint8_t mk[RATCHET_KEY_LEN];
};

/* Scratch for one call; never meaningful between calls. */
struct work {
	uint8_t dh[RATCHET_KEY_LEN];
	uint8_t rk[RATCHET_KEY_LEN];
	uint8_t ckr[RATCHET_KEY_LEN];
	uint8_t cks[RATCHET_KEY_LEN];
	uint8_t dhs_priv[RATCHET_KEY_LEN];
	uint8_t dhs_pub[RATCHET_KEY_LEN];
	uint8_t ck[RATCHET_KEY_LEN];
	uint8_t mk[RATCHET_KEY_LEN];
	uint8_t prk[RATCHET_KEY_LEN];
	uint8_t okm[2 * RATCHET_KEY_LEN];
	uint8_t ad[RATCHET_AD_LEN + RATCHET_HEADER_LEN];
	crypto_auth_hmacsha256_state st, st2;
};

struct ratchet {
	uint8_t rk[RATCHET_KEY_LEN];
	uint8_t dhs_priv[RATCHET_KEY_LEN];
	uint8_t dhs_pub[RATCHET_KEY_LEN];
	uint8_t dhr[RATCHET_KEY_LEN];
	uint8_t cks[RATCHET_KEY_LEN];
	uint8_t ckr[RATCHET_KEY_LEN];
	uint32_t ns, nr, pn;
	int flags;
	uint8_t ad[RATCHET_AD_LEN];

	struct skipped *skip;		/* oldest first */
	size_t nskip, skipcap;

	crypto_auth_hmacsha256_state zero_salt;	/* HMAC keyed by 32 zeros */
	struct work w;
};

static struct ratchet *
ratchet_alloc(void)
{
	static const uint8_t zeros[HKDF_SHA256_LEN];
	struct ratchet *r;

	if ((r = sec_alloc(sizeof(*r))) == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	crypto_auth_hmacsha256_init(&r->zero_salt, zeros, sizeof(zeros));
	return r;
}

void
ratchet_free(struct ratchet *r)
{
	if (r == NULL)
		return;
	sec_free(r->skip);	/* wipes */
	sec_free(r);
}

/* KDF_CK: mk = HMAC(ck, 01), next = HMAC(ck, 02). next may alias ck. */
static void
kdf_ck(struct work *w, uint8_t next[RATCHET_KEY_LEN],
    uint8_t mk[RATCHET_KEY_LEN], const uint8_t ck[RATCHET_KEY_LEN])
{
	static const uint8_t one = 0x01, two = 0x02;

	crypto_auth_hmacsha256_init(&w->st, ck, RATCHET_KEY_LEN);
	w->st2 = w->st;
	crypto_auth_hmacsha256_update(&w->st2, &one, 1);
	crypto_auth_hmacsha256_final(&w->st2, mk);
	crypto_auth_hmacsha256_update(&w->st, &two, 1);
	crypto_auth_hmacsha256_final(&w->st, next);
}

/*
 * key || nonce = HKDF(salt = zeros, ikm = mk, info = MK_INFO, 56), into
 * w->okm (key at 0, nonce at 32). Written out rather than through
 * hkdf_sha256() so that the salt's and the PRK's keying is done once.
 */
static void
message_keys(struct ratchet *r, const uint8_t mk[RATCHET_KEY_LEN])
{
	struct work *w = &r->w;
	uint8_t ctr;

	_Static_assert(AEAD_KEY_LEN + AEAD_NONCE_LEN <= sizeof(w->okm),
	    "okm holds key and nonce");
	w->st = r->zero_salt;
	crypto_auth_hmacsha256_update(&w->st, mk, RATCHET_KEY_LEN);
	crypto_auth_hmacsha256_final(&w->st, w->prk);
	crypto_auth_hmacsha256_init(&w->st, w->prk, RATCHET_KEY_LEN);
	w->st2 = w->st;
	ctr = 1;
	crypto_auth_hmacsha256_update(&w->st2, (const uint8_t *)MK_INFO,
	    strlen(MK_INFO));
	crypto_auth_hmacsha256_update(&w->st2, &ctr, 1);
	crypto_auth_hmacsha256_final(&w->st2, w->okm);		/* T(1) */
	ctr = 2;
	crypto_auth_hmacsha256_update(&w->st, w->okm, HKDF_SHA256_LEN);
	crypto_auth_hmacsha256_update(&w->st, (const uint8_t *)MK_INFO,
	    strlen(MK_INFO));
	crypto_auth_hmacsha256_update(&w->st, &ctr, 1);
	crypto_auth_hmacsha256_final(&w->st, w->okm + 32);	/* T(2) */
}

/* KDF_RK into w->okm: new root key at 0, chain key at 32. */
static int
kdf_rk(struct work *w, const uint8_t rk[RATCHET_KEY_LEN],
    const uint8_t dh_out[RATCHET_KEY_LEN])
{
	return hkdf_sha256(w->okm, sizeof(w->okm), rk, RATCHET_KEY_LEN, dh_out,
	    RATCHET_KEY_LEN, (const uint8_t *)RK_INFO, strlen(RK_INFO));
}

static void
work_wipe(struct work *w)
{
	sodium_memzero(w, sizeof(*w));
}

int
ratchet_init_alice(struct ratchet **out, const uint8_t sk[RATCHET_KEY_LEN],
    const uint8_t ad[RATCHET_AD_LEN], const uint8_t bob_spk[RATCHET_KEY_LEN])
{
	struct ratchet *r;
	int rc;

	*out = NULL;
	if ((r = ratchet_alloc()) == NULL)
		return ERR_NOMEM;
	rc = ERR_CRYPTO;
	sec_random(r->dhs_priv, RATCHET_KEY_LEN);
	if (crypto_scalarmult_base(r->dhs_pub, r->dhs_priv) != 0 ||
	    crypto_scalarmult(r->w.dh, r->dhs_priv, bob_spk) != 0)
		goto out;
	if ((rc = kdf_rk(&r->w, sk, r->w.dh)) != 0)
		goto out;
	memcpy(r->rk, r->w.okm, RATCHET_KEY_LEN);
	memcpy(r->cks, r->w.okm + RATCHET_KEY_LEN, RATCHET_KEY_LEN);
	memcpy(r->dhr, bob_spk, RATCHET_KEY_LEN);
	memcpy(r->ad, ad, RATCHET_AD_LEN);
	r->flags = F_DHR | F_CKS;
	*out = r;
	r = NULL;
out:
	if (r != NULL)
		ratchet_free(r);
	else
		work_wipe(&(*out)->w);
	return rc;
}

int
ratchet_init_bob(struct ratchet **out, const uint8_t sk[RATCHET_KEY_LEN],
    const uint8_t ad[RATCHET_AD_LEN], const uint8_t spk_pub[RATCHET_KEY_LEN],
    const uint8_t spk_priv[RATCHET_KEY_LEN])
{
	struct ratchet *r;

	*out = NULL;
	if ((r = ratchet_alloc()) == NULL)
		return ERR_NOMEM;
	if (crypto_scalarmult_base(r->w.dh, spk_priv) != 0 ||
	    memcmp(r->w.dh, spk_pub, RATCHET_KEY_LEN) != 0) {
		ratchet_free(r);
		return ERR_CRYPTO;
	}
	memcpy(r->dhs_priv, spk_priv, RATCHET_KEY_LEN);
	memcpy(r->dhs_pub, spk_pub, RATCHET_KEY_LEN);
	memcpy(r->rk, sk, RATCHET_KEY_LEN);
	memcpy(r->ad, ad, RATCHET_AD_LEN);
	work_wipe(&r->w);
	*out = r;
	return 0;
}

static void
make_header(uint8_t *h, const uint8_t dh[RATCHET_KEY_LEN], uint32_t pn,
    uint32_t n)
{
	memcpy(h, dh, RATCHET_KEY_LEN);
	be_put_u32(h + RATCHET_KEY_LEN, pn);
	be_put_u32(h + RATCHET_KEY_LEN + 4, n);
}

int
ratchet_encrypt(struct ratchet *r, const uint8_t *pt, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct work *w = &r->w;
	unsigned long long clen;
	int rc = 0;

	*out_len = 0;
	if (!(r->flags & F_CKS))
		return ERR_PROTO;
	if (r->ns == UINT32_MAX)
		return ERR_TOO_BIG;
	if (len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX ||
	    len > SIZE_MAX - RATCHET_OVERHEAD || cap < len + RATCHET_OVERHEAD)
		return ERR_TOO_BIG;
	if (pt == NULL && len > 0)
		return ERR_INVAL;

	kdf_ck(w, w->cks, w->mk, r->cks);
	message_keys(r, w->mk);
	make_header(out, r->dhs_pub, r->pn, r->ns);
	memcpy(w->ad, r->ad, RATCHET_AD_LEN);
	memcpy(w->ad + RATCHET_AD_LEN, out, RATCHET_HEADER_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out +
	    RATCHET_HEADER_LEN, &clen, pt, len, w->ad, sizeof(w->ad), NULL,
	    w->okm + AEAD_KEY_LEN, w->okm) != 0) {
		rc = ERR_CRYPTO;
		goto out;
	}
	memcpy(r->cks, w->cks, RATCHET_KEY_LEN);
	r->ns++;
	*out_len = RATCHET_HEADER_LEN + (size_t)clen;
out:
	work_wipe(w);
	return rc;
}

/* Decrypts with the key in w->okm; 0 or ERR_CRYPTO (out then wiped). */
static int
open_with(struct ratchet *r, const uint8_t *msg, size_t len, uint8_t *out)
{
	struct work *w = &r->w;
	unsigned long long plen;

	memcpy(w->ad, r->ad, RATCHET_AD_LEN);
	memcpy(w->ad + RATCHET_AD_LEN, msg, RATCHET_HEADER_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
	    msg + RATCHET_HEADER_LEN, len - RATCHET_HEADER_LEN, w->ad,
	    sizeof(w->ad), w->okm + AEAD_KEY_LEN, w->okm) != 0) {
		sodium_memzero(out, len - RATCHET_OVERHEAD);
		return ERR_CRYPTO;
	}
	return 0;
}

static long
find_skipped(const struct ratchet *r, const uint8_t *dh, uint32_t n)
{
	size_t i;

	for (i = 0; i < r->nskip; i++)
		if (r->skip[i].n == n &&
		    memcmp(r->skip[i].dh, dh, RATCHET_KEY_LEN) == 0)
			return (long)i;
	return -1;
}

/* Grows the store to hold want entries; the logical state is unchanged. */
static int
reserve(struct ratchet *r, size_t want)
{
	struct skipped *s;
	size_t cap;

	if (want <= r->skipcap)
		return 0;
	cap = r->skipcap ? r->skipcap : 16;
	while (cap < want)
		cap *= 2;
	if (cap > RATCHET_MAX_SKIP)
		cap = RATCHET_MAX_SKIP;
	if ((s = sec_alloc(cap * sizeof(*s))) == NULL)
		return ERR_NOMEM;
	if (r->nskip > 0)
		memcpy(s, r->skip, r->nskip * sizeof(*s));
	sec_free(r->skip);
	r->skip = s;
	r->skipcap = cap;
	return 0;
}

/*
 * Appends the keys of chain ck for message numbers [from, to) under dh,
 * first passing over *drop of them (the store keeps only the newest).
 */
static void
store_chain(struct ratchet *r, const uint8_t ck[RATCHET_KEY_LEN],
    const uint8_t dh[RATCHET_KEY_LEN], uint32_t from, uint32_t to,
    size_t *drop)
{
	struct work *w = &r->w;
	struct skipped *s;
	uint32_t i;

	memcpy(w->ck, ck, RATCHET_KEY_LEN);
	for (i = from; i < to; i++) {
		kdf_ck(w, w->ck, w->mk, w->ck);
		if (*drop > 0) {
			(*drop)--;
			continue;
		}
		s = &r->skip[r->nskip++];
		memcpy(s->dh, dh, RATCHET_KEY_LEN);
		s->n = i;
		memcpy(s->mk, w->mk, RATCHET_KEY_LEN);
	}
}

int
ratchet_decrypt(struct ratchet *r, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	struct work *w = &r->w;
	const uint8_t *dh = msg;
	uint32_t pn, n, i, nr0, skip_old = 0, skip_new;
	size_t total, drop, gone;
	int same, step, rc;
	long at;

	*out_len = 0;
	if (msg == NULL || len < RATCHET_OVERHEAD)
		return ERR_PROTO;
	if (cap < len - RATCHET_OVERHEAD)
		return ERR_TOO_BIG;
	pn = be_get_u32(msg + RATCHET_KEY_LEN);
	n = be_get_u32(msg + RATCHET_KEY_LEN + 4);
	if (n == UINT32_MAX)
		return ERR_PROTO;
	same = (r->flags & F_DHR) &&
	    memcmp(dh, r->dhr, RATCHET_KEY_LEN) == 0;

	/* A kept key can exist only for an older chain or an earlier N. */
	if (!same || n < r->nr) {
		if ((at = find_skipped(r, dh, n)) >= 0) {
			message_keys(r, r->skip[at].mk);
			if ((rc = open_with(r, msg, len, out)) != 0)
				goto out;
			sodium_memzero(&r->skip[at], sizeof(r->skip[at]));
			memmove(&r->skip[at], &r->skip[at + 1],
			    (r->nskip - (size_t)at - 1) * sizeof(r->skip[0]));
			r->nskip--;
			sodium_memzero(&r->skip[r->nskip],
			    sizeof(r->skip[0]));
			*out_len = len - RATCHET_OVERHEAD;
			goto out;
		}
		if (same) {
			/* Already decrypted (a replay), or forged. */
			rc = ERR_CRYPTO;
			goto out;
		}
	}
	if (same && !(r->flags & F_CKR)) {
		/* Only Bob's signed prekey; he never sends under it. */
		rc = ERR_CRYPTO;
		goto out;
	}

	step = !same;
	if (step) {
		if ((r->flags & F_CKR) && pn > r->nr)
			skip_old = pn - r->nr;
		if (skip_old > RATCHET_MAX_SKIP) {
			rc = ERR_TOO_BIG;
			goto out;
		}
		rc = ERR_CRYPTO;
		if (crypto_scalarmult(w->dh, r->dhs_priv, dh) != 0)
			goto out;
		if ((rc = kdf_rk(w, r->rk, w->dh)) != 0)
			goto out;
		memcpy(w->ckr, w->okm + RATCHET_KEY_LEN, RATCHET_KEY_LEN);
		memcpy(w->rk, w->okm, RATCHET_KEY_LEN);
		sec_random(w->dhs_priv, RATCHET_KEY_LEN);
		rc = ERR_CRYPTO;
		if (crypto_scalarmult_base(w->dhs_pub, w->dhs_priv) != 0 ||
		    crypto_scalarmult(w->dh, w->dhs_priv, dh) != 0)
			goto out;
		if ((rc = kdf_rk(w, w->rk, w->dh)) != 0)
			goto out;
		memcpy(w->rk, w->okm, RATCHET_KEY_LEN);
		memcpy(w->cks, w->okm + RATCHET_KEY_LEN, RATCHET_KEY_LEN);
		nr0 = 0;
		memcpy(w->ck, w->ckr, RATCHET_KEY_LEN);
	} else {
		nr0 = r->nr;
		memcpy(w->ck, r->ckr, RATCHET_KEY_LEN);
	}
	skip_new = n - nr0;
	if (skip_new > RATCHET_MAX_SKIP) {
		rc = ERR_TOO_BIG;
		goto out;
	}
	total = r->nskip + skip_old + skip_new;
	if ((rc = reserve(r, total < RATCHET_MAX_SKIP ? total :
	    RATCHET_MAX_SKIP)) != 0)
		goto out;

	for (i = 0; i < skip_new; i++)
		kdf_ck(w, w->ck, w->mk, w->ck);
	kdf_ck(w, w->ck, w->mk, w->ck);
	message_keys(r, w->mk);
	if ((rc = open_with(r, msg, len, out)) != 0)
		goto out;

	/*
	 * Authentic: commit. First make room, oldest keys first, then
	 * keep the previous chain's and this chain's skipped keys.
	 */
	drop = total > RATCHET_MAX_SKIP ? total - RATCHET_MAX_SKIP : 0;
	gone = drop < r->nskip ? drop : r->nskip;
	if (gone > 0) {
		sodium_memzero(r->skip, gone * sizeof(r->skip[0]));
		memmove(r->skip, r->skip + gone,
		    (r->nskip - gone) * sizeof(r->skip[0]));
		r->nskip -= gone;
		sodium_memzero(r->skip + r->nskip, gone * sizeof(r->skip[0]));
	}
	drop -= gone;
	memcpy(w->okm, w->ck, RATCHET_KEY_LEN);	/* CKr after message n */
	if (step) {
		if (skip_old > 0)
			store_chain(r, r->ckr, r->dhr, r->nr, pn, &drop);
		store_chain(r, w->ckr, dh, 0, n, &drop);
		memcpy(r->rk, w->rk, RATCHET_KEY_LEN);
		memcpy(r->dhr, dh, RATCHET_KEY_LEN);
		memcpy(r->dhs_priv, w->dhs_priv, RATCHET_KEY_LEN);
		memcpy(r->dhs_pub, w->dhs_pub, RATCHET_KEY_LEN);
		memcpy(r->cks, w->cks, RATCHET_KEY_LEN);
		r->pn = r->ns;
		r->ns = 0;
		r->flags = F_DHR | F_CKS | F_CKR;
	} else
		store_chain(r, r->ckr, dh, nr0, n, &drop);
	memcpy(r->ckr, w->okm, RATCHET_KEY_LEN);
	r->nr = n + 1;
	*out_len = len - RATCHET_OVERHEAD;
out:
	work_wipe(w);
	return rc;
}

size_t
ratchet_skipped(const struct ratchet *r)
{
	return r->nskip;
}

size_t
ratchet_serialized_len(const struct ratchet *r)
{
	return RATCHET_BLOB_FIXED + r->nskip * RATCHET_BLOB_ENTRY;
}

int
ratchet_serialize(const struct ratchet *r, uint8_t *blob, size_t cap,
    size_t *len)
{
	size_t need = ratchet_serialized_len(r), i;
	uint8_t *p;

	*len = 0;
	if (cap < need)
		return ERR_TOO_BIG;
	blob[0] = 'S';
	blob[1] = 'R';
	blob[2] = RATCHET_BLOB_VERSION;
	blob[3] = (uint8_t)r->flags;
	memcpy(blob + 4, r->rk, 32);
	memcpy(blob + 36, r->dhs_priv, 32);
	memcpy(blob + 68, r->dhs_pub, 32);
	memcpy(blob + 100, r->dhr, 32);
	memcpy(blob + 132, r->cks, 32);
	memcpy(blob + 164, r->ckr, 32);
	be_put_u32(blob + 196, r->ns);
	be_put_u32(blob + 200, r->nr);
	be_put_u32(blob + 204, r->pn);
	memcpy(blob + 208, r->ad, RATCHET_AD_LEN);
	be_put_u32(blob + 272, (uint32_t)r->nskip);
	for (i = 0, p = blob + RATCHET_BLOB_FIXED; i < r->nskip; i++) {
		memcpy(p, r->skip[i].dh, 32);
		be_put_u32(p + 32, r->skip[i].n);
		memcpy(p + 36, r->skip[i].mk, 32);
		p += RATCHET_BLOB_ENTRY;
	}
	*len = need;
	return 0;
}

int
ratchet_deserialize(struct ratchet **out, const uint8_t *blob, size_t len)
{
	struct ratchet *r = NULL;
	uint32_t count;
	size_t i;
	const uint8_t *p;
	int flags, rc = ERR_INVAL;

	*out = NULL;
	if (sec_init() != 0)
		return ERR_CRYPTO;
	if (blob == NULL || len < RATCHET_BLOB_FIXED || blob[0] != 'S' ||
	    blob[1] != 'R' || blob[2] != RATCHET_BLOB_VERSION)
		return ERR_INVAL;
	flags = blob[3];
	if ((flags & ~(F_DHR | F_CKS | F_CKR)) != 0 ||
	    ((flags & (F_CKS | F_CKR)) && !(flags & F_DHR)))
		return ERR_INVAL;
	count = be_get_u32(blob + 272);
	if (count > RATCHET_MAX_SKIP ||
	    len != RATCHET_BLOB_FIXED + (size_t)count * RATCHET_BLOB_ENTRY)
		return ERR_INVAL;
	/* What a flag says is absent must be zero, so junk cannot hide. */
	if ((!(flags & F_DHR) && !sodium_is_zero(blob + 100, 32)) ||
	    (!(flags & F_CKS) && !sodium_is_zero(blob + 132, 32)) ||
	    (!(flags & F_CKR) && !sodium_is_zero(blob + 164, 32)))
		return ERR_INVAL;

	if ((r = ratchet_alloc()) == NULL)
		return ERR_NOMEM;
	if (crypto_scalarmult_base(r->w.dh, blob + 36) != 0 ||
	    memcmp(r->w.dh, blob + 68, 32) != 0)
		goto out;
	r->flags = flags;
	memcpy(r->rk, blob + 4, 32);
	memcpy(r->dhs_priv, blob + 36, 32);
	memcpy(r->dhs_pub, blob + 68, 32);
	memcpy(r->dhr, blob + 100, 32);
	memcpy(r->cks, blob + 132, 32);
	memcpy(r->ckr, blob + 164, 32);
	r->ns = be_get_u32(blob + 196);
	r->nr = be_get_u32(blob + 200);
	r->pn = be_get_u32(blob + 204);
	memcpy(r->ad, blob + 208, RATCHET_AD_LEN);
	if (count > 0 && (rc = reserve(r, count)) != 0)
		goto out;
	rc = ERR_INVAL;
	for (i = 0, p = blob + RATCHET_BLOB_FIXED; i < count; i++) {
		memcpy(r->skip[i].dh, p, 32);
		r->skip[i].n = be_get_u32(p + 32);
		memcpy(r->skip[i].mk, p + 36, 32);
		/* Two keys for one message would make lookups ambiguous. */
		if (find_skipped(r, p, r->skip[i].n) >= 0)
			goto out;
		r->nskip++;
		p += RATCHET_BLOB_ENTRY;
	}
	rc = 0;
	*out = r;
	r = NULL;
out:
	if (r != NULL)
		ratchet_free(r);
	else
		work_wipe(&(*out)->w);
	return rc;
}
