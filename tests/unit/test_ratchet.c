/*
 * Double Ratchet: in order, out of order, across many DH steps, the
 * 1000-skipped-key bound, replays and flipped bits (state unchanged, by
 * comparing serialised states), and serialisation mid-conversation,
 * including blobs that are cut short or corrupted.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"
#include "lib/err.h"
#include "tests/unit/tap.h"

#define MSG_MAX 256

struct msg {
	uint8_t b[MSG_MAX + RATCHET_OVERHEAD];
	size_t len;
};

static uint8_t ad[RATCHET_AD_LEN];
static uint8_t blob1[RATCHET_BLOB_MAX], blob2[RATCHET_BLOB_MAX];

static void
bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);
}

/* A fresh pair through X3DH, as the client will make it. */
static void
pair(struct ratchet **alice, struct ratchet **bob)
{
	struct x3dh_identity *ia = sec_alloc(sizeof(*ia)), *ib = sec_alloc(
	    sizeof(*ib));
	struct x3dh_keypair *spk = sec_alloc(sizeof(*spk));
	struct x3dh_result *ra = sec_alloc(sizeof(*ra)), *rb = sec_alloc(
	    sizeof(*rb));
	struct x3dh_bundle bundle;
	struct x3dh_init init;

	memset(&bundle, 0, sizeof(bundle));
	if (x3dh_identity_new(ia) != 0 || x3dh_identity_new(ib) != 0 ||
	    x3dh_keypair_new(spk) != 0 ||
	    x3dh_sign_prekey(bundle.spk_sig, ib, spk->pub) != 0)
		bail("keys");
	memcpy(bundle.ik, ib->pub, 32);
	memcpy(bundle.spk, spk->pub, 32);
	if (x3dh_initiate(ra, &init, ia, &bundle, NULL) != 0 ||
	    x3dh_respond(rb, ib, spk, NULL, &init) != 0)
		bail("x3dh");
	memcpy(ad, ra->ad, sizeof(ad));
	if (ratchet_init_alice(alice, ra->sk, ra->ad, spk->pub) != 0 ||
	    ratchet_init_bob(bob, rb->sk, rb->ad, spk->pub, spk->priv) != 0)
		bail("ratchet init");
	sec_free(ia);
	sec_free(ib);
	sec_free(spk);
	sec_free(ra);
	sec_free(rb);
}

static void
send(struct ratchet *r, struct msg *m, const char *text)
{
	if (ratchet_encrypt(r, (const uint8_t *)text, strlen(text), m->b,
	    sizeof(m->b), &m->len) != 0)
		bail("encrypt");
}

/* Decrypts m and compares with text; returns the error code. */
static int
recv_is(struct ratchet *r, const struct msg *m, const char *text)
{
	uint8_t pt[MSG_MAX];
	size_t n;
	int rc;

	rc = ratchet_decrypt(r, m->b, m->len, pt, sizeof(pt), &n);
	if (rc == 0 && (n != strlen(text) || memcmp(pt, text, n) != 0))
		return 1;
	return rc;
}

static size_t
snap(const struct ratchet *r, uint8_t *blob)
{
	size_t n;

	if (ratchet_serialize(r, blob, RATCHET_BLOB_MAX, &n) != 0)
		bail("serialize");
	return n;
}

/* Is r's state byte for byte what snap() saved in blob1? */
static int
unchanged(const struct ratchet *r, size_t len1)
{
	size_t n = snap(r, blob2);

	return n == len1 && memcmp(blob1, blob2, n) == 0;
}

static void
in_order(void)
{
	struct ratchet *a, *b;
	struct msg m;
	char t[32];
	int i, bad = 0;
	uint8_t pt[8];
	size_t n;

	pair(&a, &b);
	is_int(ratchet_encrypt(b, (const uint8_t *)"x", 1, m.b, sizeof(m.b),
	    &m.len), ERR_PROTO, "Bob cannot send before Alice's first message");
	send(a, &m, "hello bob");
	is_int(m.len, 9 + RATCHET_OVERHEAD, "message = header + ct + tag");
	is_int(recv_is(b, &m, "hello bob"), 0, "Bob reads Alice's first");
	send(b, &m, "hello alice");
	is_int(recv_is(a, &m, "hello alice"), 0, "Alice reads Bob's reply");
	for (i = 0; i < 10; i++) {
		snprintf(t, sizeof(t), "a%d", i);
		send(a, &m, t);
		bad += recv_is(b, &m, t) != 0;
	}
	is_int(bad, 0, "ten more in order");
	send(a, &m, "");
	is_int(recv_is(b, &m, ""), 0, "an empty message");
	is_int(ratchet_decrypt(b, m.b, RATCHET_OVERHEAD - 1, pt, sizeof(pt),
	    &n), ERR_PROTO, "a message shorter than the overhead");
	send(a, &m, "0123456789");
	is_int(ratchet_decrypt(b, m.b, m.len, pt, 8, &n), ERR_TOO_BIG,
	    "too small an output buffer is refused");
	is_int(recv_is(b, &m, "0123456789"), 0, "and the message still reads");
	is_int(ratchet_encrypt(a, (const uint8_t *)"x", 1, m.b, 10, &m.len),
	    ERR_TOO_BIG, "encrypting into too small a buffer is refused");
	ratchet_free(a);
	ratchet_free(b);
}

static void
out_of_order(void)
{
	struct ratchet *a, *b;
	struct msg m[6];
	static const int order[] = { 4, 1, 0, 5, 3, 2 };
	char t[8];
	int i, bad = 0;

	pair(&a, &b);
	for (i = 0; i < 6; i++) {
		snprintf(t, sizeof(t), "m%d", i);
		send(a, &m[i], t);
	}
	is_int(recv_is(b, &m[order[0]], "m4"), 0, "m4 first");
	is_int(ratchet_skipped(b), 4, "four keys kept for m0..m3");
	for (i = 1; i < 6; i++) {
		snprintf(t, sizeof(t), "m%d", order[i]);
		bad += recv_is(b, &m[order[i]], t) != 0;
	}
	is_int(bad, 0, "the rest in the order 1 0 5 3 2");
	is_int(ratchet_skipped(b), 0, "every kept key was used up");
	ratchet_free(a);
	ratchet_free(b);
}

/*
 * Many DH steps: each round one side sends a few, some held back and
 * delivered after the other side has replied (so after a DH step).
 */
static void
many_steps(void)
{
	struct ratchet *r[2];
	struct msg *held = malloc(sizeof(*held) * 2);
	char held_t[2][32], t[32];
	int round, k, bad = 0, late = 0, have[2] = { 0, 0 };
	struct msg m;

	if (held == NULL)
		bail("malloc");
	pair(&r[0], &r[1]);
	send(r[0], &m, "start");
	bad += recv_is(r[1], &m, "start") != 0;
	for (round = 0; round < 300; round++) {
		int s = round % 2, d = !s;
		int count = 1 + (int)sec_random_uniform(4);

		for (k = 0; k < count; k++) {
			snprintf(t, sizeof(t), "r%d-%d", round, k);
			if (k == 0 && !have[s] && sec_random_uniform(2)) {
				send(r[s], &held[s], t);
				strcpy(held_t[s], t);
				have[s] = 1;
				continue;
			}
			send(r[s], &m, t);
			bad += recv_is(r[d], &m, t) != 0;
		}
		/* Deliver what the other side held back a round ago. */
		if (have[d] && round % 4 >= 2) {
			late += recv_is(r[s], &held[d], held_t[d]) == 0;
			bad += recv_is(r[s], &held[d], held_t[d]) != ERR_CRYPTO;
			have[d] = 0;
		}
	}
	is_int(bad, 0, "300 rounds of DH steps, late messages, no replays");
	ok(late > 10, "%d messages arrived after a DH step", late);
	free(held);
	ratchet_free(r[0]);
	ratchet_free(r[1]);
}

static void
skip_limit(void)
{
	struct ratchet *a, *b, *c;
	struct msg *m = malloc(sizeof(*m) * 1002);
	size_t len1;
	uint8_t pt[16];
	size_t n;
	int i, bad = 0;

	if (m == NULL)
		bail("malloc");
	pair(&a, &b);
	for (i = 0; i < 1002; i++)
		send(a, &m[i], "x");
	len1 = snap(b, blob1);
	is_int(ratchet_decrypt(b, m[1001].b, m[1001].len, pt, sizeof(pt), &n),
	    ERR_TOO_BIG, "skipping 1001 keys is refused");
	ok(unchanged(b, len1), "and the state is unchanged");
	is_int(recv_is(b, &m[1000], "x"), 0, "skipping exactly 1000 is fine");
	is_int(ratchet_skipped(b), 1000, "1000 keys are kept");
	is_int(recv_is(b, &m[1001], "x"), 0, "the next one reads");
	for (i = 0; i < 1000; i += 37)
		bad += recv_is(b, &m[i], "x") != 0;
	is_int(bad, 0, "kept keys open the skipped messages");

	/* The store keeps the newest 1000 across chains. */
	for (i = 0; i < 1000; i++)
		bad += recv_is(b, &m[i], "x") != 0 && i % 37 != 0;
	is_int(bad, 0, "all skipped messages read once");
	is_int(ratchet_skipped(b), 0, "the store is empty again");
	ratchet_free(a);
	ratchet_free(b);

	pair(&a, &c);
	for (i = 0; i < 601; i++)
		send(a, &m[i], "y");
	is_int(recv_is(c, &m[600], "y"), 0, "600 skipped in chain 1");
	send(c, &m[1001], "reply");
	is_int(recv_is(a, &m[1001], "reply"), 0, "a reply: Alice steps");
	for (i = 0; i < 601; i++)
		send(a, &m[i], "z");
	is_int(recv_is(c, &m[600], "z"), 0, "600 skipped in chain 2");
	is_int(ratchet_skipped(c), 1000, "the store holds at most 1000");
	ratchet_free(a);
	ratchet_free(c);
	free(m);
}

static void
replay_and_tamper(void)
{
	struct ratchet *a, *b, *b2;
	struct msg m, m2, t;
	size_t len1, i;
	static const size_t bits[] = { 0, 31, 32, 35, 36, 39, 40, 44 };
	int all = 1;

	pair(&a, &b);
	send(a, &m, "one");
	send(a, &m2, "two");
	is_int(recv_is(b, &m, "one"), 0, "first delivery");
	len1 = snap(b, blob1);
	is_int(recv_is(b, &m, "one"), ERR_CRYPTO, "a replay is rejected");
	ok(unchanged(b, len1), "state unchanged by the replay");
	send(a, &m, "three");
	is_int(recv_is(b, &m, "three"), 0, "three, skipping two");
	is_int(recv_is(b, &m2, "two"), 0, "two, late, from the store");
	len1 = snap(b, blob1);
	is_int(recv_is(b, &m2, "two"), ERR_CRYPTO,
	    "a replay of a message read from the store is rejected");
	ok(unchanged(b, len1), "state unchanged");

	/* Flipped bits: header fields, ciphertext, tag. */
	send(a, &m, "tamper me");
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]) + 2; i++) {
		size_t at = i < sizeof(bits) / sizeof(bits[0]) ? bits[i] :
		    i == sizeof(bits) / sizeof(bits[0]) ? m.len - 17 :
		    m.len - 1;
		int rc;

		t = m;
		t.b[at] ^= 0x01;
		rc = recv_is(b, &t, "tamper me");
		all &= (rc == ERR_CRYPTO || rc == ERR_TOO_BIG) &&
		    unchanged(b, len1);
		if (rc != ERR_CRYPTO && rc != ERR_TOO_BIG)
			printf("# byte %zu: %d\n", at, rc);
	}
	ok(all, "a flipped bit in the key, PN, N, ciphertext or tag is "
	    "rejected, state unchanged");

	/* Another AD (as if an identity key differed). */
	len1 = snap(b, blob1);
	blob1[208] ^= 0x01;	/* AD starts at byte 208 of the blob */
	is_int(ratchet_deserialize(&b2, blob1, len1), 0, "a copy with AD "
	    "changed in one bit");
	len1 = snap(b2, blob1);
	is_int(recv_is(b2, &m, "tamper me"), ERR_CRYPTO,
	    "a different AD is rejected");
	ok(unchanged(b2, len1), "state unchanged");
	is_int(recv_is(b, &m, "tamper me"), 0, "the real message still reads");
	ratchet_free(b2);
	ratchet_free(a);
	ratchet_free(b);
}

static void
serialise(void)
{
	struct ratchet *a, *b, *b2;
	struct msg m[4], x;
	size_t len, i, bad;
	int rc;

	pair(&a, &b);
	send(a, &x, "hi");
	if (recv_is(b, &x, "hi") != 0)
		bail("hi");
	send(b, &x, "yo");
	if (recv_is(a, &x, "yo") != 0)
		bail("yo");
	for (i = 0; i < 4; i++)
		send(a, &m[i], "later");
	is_int(recv_is(b, &m[3], "later"), 0, "m3 before m0..m2");
	len = snap(b, blob1);
	is_int(len, ratchet_serialized_len(b), "the length is announced");
	is_int(len, RATCHET_BLOB_FIXED + 3 * RATCHET_BLOB_ENTRY,
	    "three kept keys are in the blob");
	is_int(ratchet_serialize(b, blob2, len - 1, &i), ERR_TOO_BIG,
	    "one byte short of room is refused");
	ratchet_free(b);
	is_int(ratchet_deserialize(&b2, blob1, len), 0, "deserialise");
	ok(unchanged(b2, len), "serialise(deserialise(x)) == x");
	is_int(recv_is(b2, &m[1], "later"), 0, "a kept key after the trip");
	send(b2, &x, "back");
	is_int(recv_is(a, &x, "back"), 0, "and it sends");
	is_int(recv_is(b2, &m[0], "later"), 0, "an old-chain message too");

	/* Alice's side before any reply, and Bob before any message. */
	len = snap(a, blob1);
	ratchet_free(a);
	is_int(ratchet_deserialize(&a, blob1, len), 0, "Alice round trip");
	send(a, &x, "after");
	is_int(recv_is(b2, &x, "after"), 0, "Alice's state still works");

	/* Bad blobs: every truncation, other versions, junk. */
	len = snap(b2, blob1);
	for (i = 0, bad = 0; i < len; i++) {
		rc = ratchet_deserialize(&b, blob1, i);
		bad += rc != ERR_INVAL;
		if (rc == 0)
			ratchet_free(b);
	}
	is_int(bad, 0, "every truncation is ERR_INVAL");
	memcpy(blob2, blob1, len);
	blob2[len] = 0;
	is_int(ratchet_deserialize(&b, blob2, len + 1), ERR_INVAL,
	    "a trailing byte is ERR_INVAL");
	blob2[2] = 2;
	is_int(ratchet_deserialize(&b, blob2, len), ERR_INVAL,
	    "version 2 is ERR_INVAL");
	memcpy(blob2, blob1, len);
	blob2[3] |= 0x08;
	is_int(ratchet_deserialize(&b, blob2, len), ERR_INVAL,
	    "unknown flags are ERR_INVAL");
	memcpy(blob2, blob1, len);
	blob2[40] ^= 1;
	is_int(ratchet_deserialize(&b, blob2, len), ERR_INVAL,
	    "a ratchet private key that does not match its public key");
	memcpy(blob2, blob1, len);
	blob2[275] = 0xff;
	is_int(ratchet_deserialize(&b, blob2, len), ERR_INVAL,
	    "a count that does not match the length");
	for (i = 0, bad = 0; i < 2000; i++) {
		memcpy(blob2, blob1, len);
		blob2[sec_random_uniform((uint32_t)len)] ^=
		    (uint8_t)(1 + sec_random_uniform(255));
		rc = ratchet_deserialize(&b, blob2, len);
		if (rc == 0)
			ratchet_free(b);
		else
			bad += rc != ERR_INVAL;
	}
	is_int(bad, 0, "2000 random corruptions: accepted or ERR_INVAL");
	sec_random(blob2, RATCHET_BLOB_MAX);
	for (i = 0, bad = 0; i < 500; i++) {
		rc = ratchet_deserialize(&b, blob2, i);
		bad += rc != ERR_INVAL;
	}
	is_int(bad, 0, "random bytes are ERR_INVAL");
	ratchet_free(a);
	ratchet_free(b2);
}

int
main(void)
{
	if (sec_init() != 0)
		bail("libsodium");
	in_order();
	out_of_order();
	many_steps();
	skip_limit();
	replay_and_tamper();
	serialise();
	return tap_done();
}
