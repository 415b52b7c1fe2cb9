/*
 * X3DH: both sides agree with and without a one-time prekey, AD is
 * IK_A || IK_B, bad signatures and mixed-up or low-order keys are refused.
 * Then the secret-chat fingerprint: the same on both devices.
 */
#include <stdint.h>
#include <string.h>

#include "crypto/fp.h"
#include "crypto/sec.h"
#include "crypto/sfp.h"
#include "crypto/x3dh.h"
#include "lib/err.h"
#include "tests/unit/tap.h"

struct dev {
	struct x3dh_identity ik;
	struct x3dh_keypair spk, opk;
	struct x3dh_bundle bundle;
};

static struct dev *
dev_new(int with_opk)
{
	struct dev *d = sec_alloc(sizeof(*d));

	if (d == NULL || x3dh_identity_new(&d->ik) != 0 ||
	    x3dh_keypair_new(&d->spk) != 0 || x3dh_keypair_new(&d->opk) != 0 ||
	    x3dh_sign_prekey(d->bundle.spk_sig, &d->ik, d->spk.pub) != 0) {
		printf("Bail out! device setup\n");
		exit(1);
	}
	memcpy(d->bundle.ik, d->ik.pub, 32);
	memcpy(d->bundle.spk, d->spk.pub, 32);
	d->bundle.has_opk = with_opk;
	if (with_opk)
		memcpy(d->bundle.opk, d->opk.pub, 32);
	return d;
}

static void
agree(int with_opk)
{
	struct dev *a = dev_new(0), *b = dev_new(with_opk);
	struct x3dh_result *ra = sec_alloc(sizeof(*ra)), *rb = sec_alloc(
	    sizeof(*rb));
	struct x3dh_init msg;
	const char *w = with_opk ? "with OPK" : "without OPK";
	uint8_t zero[32] = { 0 };

	is_int(x3dh_initiate(ra, &msg, &a->ik, &b->bundle, NULL), 0,
	    "%s: initiator agrees", w);
	is_int(msg.has_opk, with_opk, "%s: the message names the OPK or not",
	    w);
	is_int(x3dh_respond(rb, &b->ik, &b->spk, with_opk ? &b->opk : NULL,
	    &msg), 0, "%s: responder agrees", w);
	is_mem(ra->sk, rb->sk, 32, "%s: same SK", w);
	ok(memcmp(ra->sk, zero, 32) != 0, "%s: SK is not zero", w);
	is_mem(ra->ad, rb->ad, 64, "%s: same AD", w);
	is_mem(ra->ad, a->ik.pub, 32, "%s: AD starts with IK_A", w);
	is_mem(ra->ad + 32, b->ik.pub, 32, "%s: AD ends with IK_B", w);
	is_mem(msg.ik, a->ik.pub, 32, "%s: the message carries IK_A", w);

	/* Leaving the OPK out (or in) on one side only must not agree. */
	is_int(x3dh_respond(rb, &b->ik, &b->spk, with_opk ? NULL : &b->opk,
	    &msg), ERR_INVAL, "%s: the wrong OPK choice is refused", w);
	if (with_opk) {
		struct x3dh_init m2 = msg;

		m2.has_opk = 0;
		is_int(x3dh_respond(rb, &b->ik, &b->spk, NULL, &m2), 0,
		    "%s: dropping DH4 on both ends still runs", w);
		ok(memcmp(ra->sk, rb->sk, 32) != 0,
		    "%s: but DH4 changes SK", w);
	}
	is_int(x3dh_respond(rb, &b->ik, &b->opk, with_opk ? &b->opk : NULL,
	    &msg), ERR_INVAL, "%s: a different SPK is refused", w);
	sec_free(a);
	sec_free(b);
	sec_free(ra);
	sec_free(rb);
}

static void
refusals(void)
{
	struct dev *a = dev_new(0), *b = dev_new(1), *c = dev_new(0);
	struct x3dh_result *res = sec_alloc(sizeof(*res));
	struct x3dh_bundle bad;
	struct x3dh_init msg;
	uint8_t ek[32], sk1[32];
	int i, nz;

	ok(x3dh_verify_prekey(b->ik.pub, b->spk.pub, b->bundle.spk_sig) == 0,
	    "a good SPK signature verifies");
	bad = b->bundle;
	bad.spk_sig[10] ^= 0x04;
	is_int(x3dh_initiate(res, &msg, &a->ik, &bad, NULL), ERR_CRYPTO,
	    "a flipped bit in the SPK signature is refused");
	bad = b->bundle;
	bad.spk[0] ^= 1;
	is_int(x3dh_initiate(res, &msg, &a->ik, &bad, NULL), ERR_CRYPTO,
	    "a swapped SPK is refused");
	bad = b->bundle;
	memcpy(bad.ik, c->ik.pub, 32);
	is_int(x3dh_initiate(res, &msg, &a->ik, &bad, NULL), ERR_CRYPTO,
	    "an SPK signed by another identity is refused");

	/* A low-order SPK (the zero point), properly signed: DH1 is zero. */
	bad = b->bundle;
	memset(bad.spk, 0, 32);
	if (x3dh_sign_prekey(bad.spk_sig, &b->ik, bad.spk) != 0)
		printf("# sign failed\n");
	is_int(x3dh_initiate(res, &msg, &a->ik, &bad, NULL), ERR_CRYPTO,
	    "a signed but low-order SPK is refused");
	bad = b->bundle;
	memset(bad.opk, 0, 32);
	bad.opk[0] = 1;		/* u = 1 has order 4 */
	is_int(x3dh_initiate(res, &msg, &a->ik, &bad, NULL), ERR_CRYPTO,
	    "a low-order OPK is refused");
	for (i = 0, nz = 0; i < 32; i++)
		nz += res->sk[i] != 0;
	is_int(nz, 0, "SK is wiped after a failure");

	/* A low-order ephemeral key is refused by the responder. */
	is_int(x3dh_initiate(res, &msg, &a->ik, &b->bundle, NULL), 0,
	    "a good agreement");
	memset(msg.ek, 0, 32);
	is_int(x3dh_respond(res, &b->ik, &b->spk, &b->opk, &msg), ERR_CRYPTO,
	    "a low-order ephemeral key is refused");

	/* A fixed ephemeral key makes the result repeatable. */
	sec_random(ek, sizeof(ek));
	is_int(x3dh_initiate(res, &msg, &a->ik, &b->bundle, ek), 0,
	    "fixed EK once");
	memcpy(sk1, res->sk, 32);
	is_int(x3dh_initiate(res, &msg, &a->ik, &b->bundle, ek), 0,
	    "fixed EK twice");
	is_mem(res->sk, sk1, 32, "the same EK gives the same SK");
	is_int(x3dh_initiate(res, &msg, &a->ik, &c->bundle, ek), 0,
	    "fixed EK, other responder");
	ok(memcmp(res->sk, sk1, 32) != 0, "another responder, another SK");
	sec_free(a);
	sec_free(b);
	sec_free(c);
	sec_free(res);
}

static void
seeds(void)
{
	struct x3dh_identity *i1 = sec_alloc(sizeof(*i1)), *i2 = sec_alloc(
	    sizeof(*i2));
	uint8_t seed[32];

	sec_random(seed, sizeof(seed));
	is_int(x3dh_identity_from_seed(i1, seed), 0, "identity from seed");
	is_int(x3dh_identity_from_seed(i2, seed), 0, "again");
	is_mem(i1->pub, i2->pub, 32, "a seed fixes the identity");
	is_mem(i1->sk, seed, 32, "the secret key starts with the seed");
	sec_free(i1);
	sec_free(i2);
}

static void
fingerprints(void)
{
	uint8_t a[32], b[32], c[32], d1[32], d2[32], idx[SFP_EMOJI_COUNT];
	char h1[SFP_HEX_TEXT_LEN], h2[SFP_HEX_TEXT_LEN];
	char e1[SFP_EMOJI_TEXT_LEN], e2[SFP_EMOJI_TEXT_LEN];
	unsigned i, j, dup = 0, bad = 0;

	sec_random(a, 32);
	sec_random(b, 32);
	memcpy(c, b, 32);
	c[31] ^= 0x80;
	sfp_digest(d1, a, b);
	sfp_digest(d2, b, a);
	is_mem(d1, d2, 32, "the digest does not depend on the key order");
	sfp_format_hex(h1, a, b);
	sfp_format_hex(h2, b, a);
	ok(strcmp(h1, h2) == 0, "both devices print the same hex: %s", h1);
	is_int(strlen(h1), 79, "16 groups of 4 hex digits");
	fp_format_key(h2, d1);
	ok(strcmp(h1, h2) == 0, "the hex is the whole digest");
	sfp_format_emoji(e1, a, b);
	sfp_format_emoji(e2, b, a);
	ok(strcmp(e1, e2) == 0, "both devices print the same emoji: %s", e1);
	is_int(strlen(e1), SFP_EMOJI_COUNT * 5 - 1, "12 emoji and 11 spaces");
	sfp_format_hex(h2, a, c);
	ok(strcmp(h1, h2) != 0, "one changed key bit changes the hex");
	sfp_digest(d2, a, a);
	ok(memcmp(d1, d2, 32) != 0, "(a, a) differs from (a, b)");

	/* The emoji are the digest's first 72 bits, 6 at a time. */
	sfp_emoji_indices(idx, a, b);
	is_int(idx[0], d1[0] >> 2, "emoji 0 is the top 6 bits");
	is_int(idx[1], ((d1[0] & 3) << 4) | (d1[1] >> 4), "emoji 1");
	is_int(idx[11], d1[8] & 0x3f, "emoji 11 ends at bit 72");

	for (i = 0; i < SFP_EMOJI_TABLE; i++) {
		uint32_t cp = sfp_emoji_codepoint(i);

		bad += cp < 0x1F300 || cp > 0x1F9FF ||
		    sfp_emoji_name(i) == NULL;
		for (j = 0; j < i; j++)
			dup += sfp_emoji_codepoint(j) == cp ||
			    strcmp(sfp_emoji_name(j), sfp_emoji_name(i)) == 0;
	}
	is_int(bad, 0, "64 table entries, all in the emoji planes, named");
	is_int(dup, 0, "no emoji or name twice");
	ok(sfp_emoji_codepoint(64) == 0 && sfp_emoji_name(64) == NULL,
	    "nothing past the table");
}

int
main(void)
{
	if (sec_init() != 0) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	agree(1);
	agree(0);
	refusals();
	seeds();
	fingerprints();
	return tap_done();
}
