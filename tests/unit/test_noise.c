/*
 * Noise against the cacophony vectors for NN, IK and XX with
 * 25519/ChaChaPoly/BLAKE2b (../shared/vectors; skipped when absent), then
 * the behaviour the vectors do not cover: tampering, turns, rekeying, size
 * limits and keys that must not be accepted.
 *
 * In the vectors, messages alternate from the initiator on, also after the
 * handshake (all three patterns are interactive): message i is sent by the
 * initiator when i is even.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/noise.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "tests/unit/tap.h"
#include "tests/unit/vectors.h"

#define BUF (NOISE_MSG_MAX + 64)

static uint8_t buf[BUF], out[BUF], big[BUF];

static const uint8_t prologue[] = "sotto/1";
#define PROLOGUE_LEN (sizeof(prologue) - 1)

struct pair {
	struct noise_hs *hs[2];			/* initiator, responder */
	struct noise_transport *tx[2];
};

static void
pair_free(struct pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		noise_hs_free(p->hs[i]);
		noise_transport_free(p->tx[i]);
		p->hs[i] = NULL;
		p->tx[i] = NULL;
	}
}

/*
 * Both sides of a handshake of pattern pat, without a prologue: the
 * initiator with the static key ipriv (and rpub, the responder's, for
 * IK), the responder with rpriv. 0, or -1 when a side cannot be made.
 */
static int
pair_new(struct pair *p, enum noise_pattern pat, const uint8_t *ipriv,
    const uint8_t *rpub, const uint8_t *rpriv)
{
	if (noise_hs_new(&p->hs[0], pat, NOISE_INITIATOR, NULL, 0, ipriv,
	    rpub, NULL) != 0 || noise_hs_new(&p->hs[1], pat,
	    NOISE_RESPONDER, NULL, 0, rpriv, NULL, NULL) != 0)
		return -1;
	return 0;
}

/* Both sides know the other's static key, as the vector says they must. */
static void
check_statics(const char *name, struct pair *p, enum noise_pattern pat,
    const uint8_t *is, const uint8_t *rs)
{
	uint8_t got[NOISE_KEY_LEN], want[NOISE_KEY_LEN];

	if (pat == NOISE_NN) {
		is_int(noise_hs_remote_static(p->hs[0], got), ERR_PROTO,
		    "%s: no remote static key for the initiator", name);
		is_int(noise_hs_remote_static(p->hs[1], got), ERR_PROTO,
		    "%s: no remote static key for the responder", name);
		return;
	}
	ok(noise_public_key(want, rs) == 0 &&
	    noise_hs_remote_static(p->hs[0], got) == 0 &&
	    memcmp(got, want, NOISE_KEY_LEN) == 0,
	    "%s: the initiator has the responder's static key", name);
	ok(noise_public_key(want, is) == 0 &&
	    noise_hs_remote_static(p->hs[1], got) == 0 &&
	    memcmp(got, want, NOISE_KEY_LEN) == 0,
	    "%s: the responder learnt the initiator's static key", name);
}

static void
check_vector(const json_t *v)
{
	const char *name;
	enum noise_pattern pat;
	struct pair p = { { NULL, NULL }, { NULL, NULL } };
	uint8_t *ipro, *rpro, *ie, *re, *is, *rs, *irs, *hh;
	size_t iprolen, rprolen, n, hhlen, len, plen, ctlen;
	uint8_t rs_pub[NOISE_KEY_LEN], h[NOISE_HASH_LEN];
	const json_t *msgs, *m;
	size_t i;
	int w, r, wellformed, transport = 0;

	name = json_string_value(json_object_get(v, "protocol_name"));
	if (name == NULL) {
		ok(0, "a vector without a protocol_name");
		return;
	}
	if (strcmp(name, "Noise_NN_25519_ChaChaPoly_BLAKE2b") == 0)
		pat = NOISE_NN;
	else if (strcmp(name, "Noise_XX_25519_ChaChaPoly_BLAKE2b") == 0)
		pat = NOISE_XX;
	else if (strcmp(name, "Noise_IK_25519_ChaChaPoly_BLAKE2b") == 0)
		pat = NOISE_IK;
	else {
		ok(0, "%s: a pattern this file does not expect", name);
		return;
	}

	ipro = vectors_hex(v, "init_prologue", &iprolen);
	rpro = vectors_hex(v, "resp_prologue", &rprolen);
	ie = vectors_hex(v, "init_ephemeral", &n);
	wellformed = ie != NULL && n == NOISE_KEY_LEN;
	re = vectors_hex(v, "resp_ephemeral", &n);
	wellformed &= re != NULL && n == NOISE_KEY_LEN;
	is = vectors_hex(v, "init_static", &n);
	if (pat != NOISE_NN)
		wellformed &= is != NULL && n == NOISE_KEY_LEN;
	rs = vectors_hex(v, "resp_static", &n);
	if (pat != NOISE_NN)
		wellformed &= rs != NULL && n == NOISE_KEY_LEN;
	irs = vectors_hex(v, "init_remote_static", &n);
	if (pat == NOISE_IK)
		wellformed &= irs != NULL && n == NOISE_KEY_LEN;
	hh = vectors_hex(v, "handshake_hash", &hhlen);
	wellformed &= ipro != NULL && rpro != NULL && hh != NULL &&
	    hhlen == NOISE_HASH_LEN;
	if (!ok(wellformed, "%s: vector is well-formed", name))
		goto out;

	if (pat == NOISE_IK) {
		/* The initiator knows the responder's key in advance. */
		ok(noise_public_key(rs_pub, rs) == 0 &&
		    memcmp(rs_pub, irs, NOISE_KEY_LEN) == 0,
		    "%s: init_remote_static is resp_static's public key", name);
	}
	is_int(noise_hs_new(&p.hs[0], pat, NOISE_INITIATOR, ipro, iprolen, is,
	    pat == NOISE_IK ? rs_pub : NULL, ie), 0, "%s: initiator", name);
	is_int(noise_hs_new(&p.hs[1], pat, NOISE_RESPONDER, rpro, rprolen, rs,
	    NULL, re), 0, "%s: responder", name);
	if (p.hs[0] == NULL || p.hs[1] == NULL)
		goto out;

	msgs = json_object_get(v, "messages");
	json_array_foreach(msgs, i, m) {
		uint8_t *pay = vectors_hex(m, "payload", &plen);
		uint8_t *ct = vectors_hex(m, "ciphertext", &ctlen);

		w = (int)(i % 2);
		if (!ok(pay != NULL && ct != NULL, "%s: message %zu parses",
		    name, i)) {
			free(pay);
			free(ct);
			break;
		}
		if (!transport) {
			ok(noise_hs_action(p.hs[w]) == NOISE_WRITE &&
			    noise_hs_action(p.hs[1 - w]) == NOISE_READ,
			    "%s: message %zu is the %s's to write", name, i,
			    w == 0 ? "initiator" : "responder");
			r = noise_hs_write(p.hs[w], pay, plen, buf, BUF, &len);
			is_int(r, 0, "%s: message %zu written", name, i);
			ok(len == ctlen && memcmp(buf, ct, len) == 0,
			    "%s: message %zu matches the vector", name, i);
			r = noise_hs_read(p.hs[1 - w], ct, ctlen, out, BUF, &n);
			is_int(r, 0, "%s: message %zu read", name, i);
			ok(n == plen && memcmp(out, pay, n) == 0,
			    "%s: message %zu payload", name, i);
			if (noise_hs_action(p.hs[0]) == NOISE_SPLIT ||
			    noise_hs_action(p.hs[1]) == NOISE_SPLIT) {
				ok(noise_hs_action(p.hs[0]) == NOISE_SPLIT &&
				    noise_hs_action(p.hs[1]) == NOISE_SPLIT,
				    "%s: both sides finish with message %zu",
				    name, i);
				noise_hs_hash(p.hs[0], h);
				is_mem(h, hh, NOISE_HASH_LEN,
				    "%s: initiator's handshake hash", name);
				noise_hs_hash(p.hs[1], h);
				is_mem(h, hh, NOISE_HASH_LEN,
				    "%s: responder's handshake hash", name);
				check_statics(name, &p, pat, is, rs);
				is_int(noise_hs_split(p.hs[0], &p.tx[0]), 0,
				    "%s: initiator split", name);
				is_int(noise_hs_split(p.hs[1], &p.tx[1]), 0,
				    "%s: responder split", name);
				transport = 1;
			}
		} else if (p.tx[0] != NULL && p.tx[1] != NULL) {
			r = noise_encrypt(p.tx[w], pay, plen, buf, BUF, &len);
			is_int(r, 0, "%s: transport %zu encrypted", name, i);
			ok(len == ctlen && memcmp(buf, ct, len) == 0,
			    "%s: transport %zu matches the vector", name, i);
			r = noise_decrypt(p.tx[1 - w], ct, ctlen, out, BUF, &n);
			is_int(r, 0, "%s: transport %zu decrypted", name, i);
			ok(n == plen && memcmp(out, pay, n) == 0,
			    "%s: transport %zu payload", name, i);
		}
		free(pay);
		free(ct);
	}
	ok(transport, "%s: the handshake completed", name);
out:
	pair_free(&p);
	free(ipro);
	free(rpro);
	free(ie);
	free(re);
	free(is);
	free(rs);
	free(irs);
	free(hh);
}

/* Runs the handshake of two fresh states to its end; 0 or the error. */
static int
handshake(struct pair *p)
{
	size_t len, n;
	int w = 0, r;

	while (noise_hs_action(p->hs[w]) == NOISE_WRITE) {
		if ((r = noise_hs_write(p->hs[w], NULL, 0, buf, BUF,
		    &len)) != 0 || (r = noise_hs_read(p->hs[1 - w], buf, len,
		    out, BUF, &n)) != 0)
			return r;
		w = 1 - w;
	}
	if (noise_hs_action(p->hs[0]) != NOISE_SPLIT ||
	    noise_hs_action(p->hs[1]) != NOISE_SPLIT)
		return ERR_PROTO;
	if ((r = noise_hs_split(p->hs[0], &p->tx[0])) != 0 ||
	    (r = noise_hs_split(p->hs[1], &p->tx[1])) != 0)
		return r;
	return 0;
}

/* A fresh XX handshake between two of our own, up to the transport. */
static int
xx_pair(struct pair *p, uint8_t ipub[NOISE_KEY_LEN],
    uint8_t rpub[NOISE_KEY_LEN])
{
	uint8_t ipriv[NOISE_KEY_LEN], rpriv[NOISE_KEY_LEN];
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = noise_keypair(ipub, ipriv)) != 0 ||
	    (r = noise_keypair(rpub, rpriv)) != 0)
		return r;
	if ((r = noise_hs_new(&p->hs[0], NOISE_XX, NOISE_INITIATOR, prologue,
	    PROLOGUE_LEN, ipriv, NULL, NULL)) != 0 ||
	    (r = noise_hs_new(&p->hs[1], NOISE_XX, NOISE_RESPONDER, prologue,
	    PROLOGUE_LEN, rpriv, NULL, NULL)) != 0)
		return r;
	return handshake(p);
}

/* Sends msg from side w to the other; 0 when it arrived intact. */
static int
roundtrip(struct pair *p, int w, const char *msg)
{
	size_t len, n;
	int r;

	if ((r = noise_encrypt(p->tx[w], (const uint8_t *)msg, strlen(msg), buf,
	    BUF, &len)) != 0)
		return r;
	if ((r = noise_decrypt(p->tx[1 - w], buf, len, out, BUF, &n)) != 0)
		return r;
	return n == strlen(msg) && memcmp(out, msg, n) == 0 ? 0 : -1;
}

/* n roundtrip()s of msg from side w, every one made; 0 when all arrived. */
static int
roundtrips(struct pair *p, int w, const char *msg, int n)
{
	int i, r = 0;

	for (i = 0; i < n; i++)
		if (roundtrip(p, w, msg) != 0)
			r = -1;
	return r;
}

static void
check_transport(void)
{
	struct pair p;
	uint8_t ipub[32], rpub[32], got[32], h0[64], h1[64];
	size_t len, len2, n;
	int i, r, ok_all;

	is_int(xx_pair(&p, ipub, rpub), 0, "XX between two of ours");
	if (p.tx[0] == NULL || p.tx[1] == NULL) {
		pair_free(&p);
		return;
	}
	ok(noise_hs_remote_static(p.hs[0], got) == 0 &&
	    memcmp(got, rpub, 32) == 0,
	    "the initiator sees the responder's key");
	ok(noise_hs_remote_static(p.hs[1], got) == 0 &&
	    memcmp(got, ipub, 32) == 0,
	    "the responder sees the initiator's key");
	noise_hs_hash(p.hs[0], h0);
	noise_hs_hash(p.hs[1], h1);
	is_mem(h0, h1, sizeof(h0), "both sides have the same handshake hash");
	is_int(roundtrip(&p, 0, "hello"), 0, "initiator to responder");
	is_int(roundtrip(&p, 1, "hi"), 0, "responder to initiator");
	is_int(roundtrip(&p, 0, ""), 0, "an empty message");

	/* In place, as the header allows. */
	memcpy(buf, "in place", 8);
	r = noise_encrypt(p.tx[0], buf, 8, buf, BUF, &len);
	ok(r == 0 && len == 8 + NOISE_TAG_LEN &&
	    memcmp(buf, "in place", 8) != 0, "encrypting in place");
	r = noise_decrypt(p.tx[1], buf, len, buf, BUF, &n);
	ok(r == 0 && n == 8 && memcmp(buf, "in place", 8) == 0,
	    "decrypting in place");

	/* A flipped bit: refused, and the counter does not move. */
	is_int(noise_encrypt(p.tx[0], (const uint8_t *)"abc", 3, buf, BUF,
	    &len), 0, "a message to tamper with");
	buf[1] ^= 0x01;
	is_int(noise_decrypt(p.tx[1], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a flipped bit in the ciphertext is refused");
	buf[1] ^= 0x01;
	buf[len - 1] ^= 0x40;
	is_int(noise_decrypt(p.tx[1], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a flipped bit in the tag is refused");
	buf[len - 1] ^= 0x40;
	is_int(noise_decrypt(p.tx[1], buf, len - 1, out, BUF, &n), ERR_CRYPTO,
	    "a truncated message is refused");
	is_int(noise_decrypt(p.tx[1], buf, len, out, 2, &n), ERR_TOO_BIG,
	    "an output buffer too small for the plaintext is refused");
	r = noise_decrypt(p.tx[1], buf, len, out, BUF, &n);
	ok(r == 0 && n == 3 && memcmp(out, "abc", 3) == 0,
	    "the intact message still decrypts: the counter did not move");
	is_int(noise_decrypt(p.tx[1], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a replay is refused");
	is_int(noise_decrypt(p.tx[1], buf, NOISE_TAG_LEN - 1, out, BUF, &n),
	    ERR_CRYPTO, "a message shorter than a tag is refused");
	is_int(roundtrip(&p, 0, "still here"), 0,
	    "the next message decrypts after the refusals");

	/* Out of order: message 2 before message 1 is refused. */
	is_int(noise_encrypt(p.tx[1], (const uint8_t *)"first", 5, buf, BUF,
	    &len), 0, "a first message");
	is_int(noise_encrypt(p.tx[1], (const uint8_t *)"second", 6, big, BUF,
	    &len2), 0, "a second message");
	is_int(noise_decrypt(p.tx[0], big, len2, out, BUF, &n), ERR_CRYPTO,
	    "the second before the first is refused");
	is_int(noise_decrypt(p.tx[0], buf, len, out, BUF, &n), 0,
	    "the first still decrypts");
	is_int(noise_decrypt(p.tx[0], big, len2, out, BUF, &n), 0,
	    "and then the second");

	/* Explicit rekeys, both directions. */
	noise_rekey_send(p.tx[0]);
	noise_rekey_recv(p.tx[1]);
	is_int(roundtrip(&p, 0, "after rekey"), 0,
	    "rekeyed initiator to responder: talk on");
	noise_rekey_send(p.tx[1]);
	noise_rekey_recv(p.tx[0]);
	is_int(roundtrip(&p, 1, "after rekey"), 0,
	    "rekeyed responder to initiator: talk on");
	noise_rekey_send(p.tx[1]);
	is_int(noise_encrypt(p.tx[1], (const uint8_t *)"x", 1, buf, BUF, &len),
	    0, "a message after a rekey of one end only");
	is_int(noise_decrypt(p.tx[0], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "does not decrypt");

	/* Size limits. */
	memset(big, 'a', sizeof(big));
	is_int(noise_encrypt(p.tx[0], big, NOISE_MSG_MAX - NOISE_TAG_LEN + 1,
	    buf, BUF, &len), ERR_TOO_BIG,
	    "a message over 65535 bytes with its tag is refused");
	is_int(noise_encrypt(p.tx[0], big, NOISE_MSG_MAX - NOISE_TAG_LEN, buf,
	    BUF, &len), 0, "exactly 65535 bytes is fine");
	is_int(len, NOISE_MSG_MAX, "and is 65535 bytes long");
	r = noise_decrypt(p.tx[1], buf, len, out, BUF, &n);
	ok(r == 0 && n == NOISE_MSG_MAX - NOISE_TAG_LEN &&
	    memcmp(out, big, n) == 0, "and decrypts");
	is_int(noise_decrypt(p.tx[1], big, NOISE_MSG_MAX + 1, out, BUF, &n),
	    ERR_TOO_BIG, "a received message over 65535 bytes is refused");
	is_int(noise_encrypt(p.tx[0], big, 10, buf, 10 + NOISE_TAG_LEN - 1,
	    &len), ERR_TOO_BIG, "an output buffer too small is refused");
	is_int(roundtrip(&p, 0, "after the refusals"), 0,
	    "which moved no counter");
	pair_free(&p);

	/* Automatic rekeying every 3 messages, both ways. */
	is_int(xx_pair(&p, ipub, rpub), 0, "a second pair");
	if (p.tx[0] == NULL || p.tx[1] == NULL) {
		pair_free(&p);
		return;
	}
	noise_set_rekey_interval(p.tx[0], 3);
	noise_set_rekey_interval(p.tx[1], 3);
	for (ok_all = 1, i = 0; i < 10; i++)
		if (roundtrip(&p, 0, "ping") != 0 ||
		    roundtrip(&p, 1, "pong") != 0)
			ok_all = 0;
	ok(ok_all, "rekeying every 3 messages: 10 messages each way");
	ok(roundtrips(&p, 0, "burst", 10) == 0, "and 10 more one way");
	noise_set_rekey_interval(p.tx[1], 5);
	ok(roundtrips(&p, 0, "drift", 4) != 0,
	    "different intervals on the two ends cannot talk");
	pair_free(&p);

	/* Without rekeying on the receiver, the fourth message fails. */
	is_int(xx_pair(&p, ipub, rpub), 0, "a third pair");
	if (p.tx[0] == NULL || p.tx[1] == NULL) {
		pair_free(&p);
		return;
	}
	noise_set_rekey_interval(p.tx[0], 3);
	ok(roundtrips(&p, 0, "one", 3) == 0, "three messages before the rekey");
	is_int(roundtrip(&p, 0, "four"), ERR_CRYPTO,
	    "the fourth is under a new key the receiver does not have");
	pair_free(&p);
}

static void
check_handshake(void)
{
	struct pair p = { { NULL, NULL }, { NULL, NULL } };
	uint8_t ipub[32], ipriv[32], rpub[32], rpriv[32], other[32], got[32];
	uint8_t msg0[BUF];
	size_t len, n, len0;
	int r;

	if (noise_keypair(ipub, ipriv) != 0 ||
	    noise_keypair(rpub, rpriv) != 0 ||
	    noise_keypair(other, got) != 0) {
		ok(0, "key pairs");
		return;
	}
	is_int(noise_hs_new(&p.hs[0], NOISE_XX, NOISE_INITIATOR, NULL, 0,
	    ipriv, NULL, NULL), 0, "initiator");
	is_int(noise_hs_new(&p.hs[1], NOISE_XX, NOISE_RESPONDER, NULL, 0,
	    rpriv, NULL, NULL), 0, "responder");
	if (p.hs[0] == NULL || p.hs[1] == NULL)
		goto out;

	/* Turns. */
	is_int(noise_hs_action(p.hs[0]), NOISE_WRITE,
	    "the initiator writes first");
	is_int(noise_hs_action(p.hs[1]), NOISE_READ,
	    "the responder reads first");
	is_int(noise_hs_write(p.hs[1], NULL, 0, buf, BUF, &len), ERR_PROTO,
	    "the responder writing out of turn is refused");
	memset(buf, 0x55, 64);
	is_int(noise_hs_read(p.hs[0], buf, 64, out, BUF, &n), ERR_PROTO,
	    "the initiator reading out of turn is refused");
	is_int(noise_hs_action(p.hs[0]), NOISE_WRITE, "and changes nothing");
	is_int(noise_hs_split(p.hs[0], &p.tx[0]), ERR_PROTO,
	    "no split before the end");
	is_int(noise_hs_remote_static(p.hs[1], got), ERR_PROTO,
	    "no remote static key yet");

	/* Sizes. */
	is_int(noise_hs_write(p.hs[0], NULL, 0, buf, 31, &len), ERR_TOO_BIG,
	    "a buffer too small for the message is refused");
	memset(big, 'b', sizeof(big));
	is_int(noise_hs_write(p.hs[0], big, NOISE_MSG_MAX - 31, buf, BUF,
	    &len), ERR_TOO_BIG, "a message over 65535 bytes is refused");
	is_int(noise_hs_action(p.hs[0]), NOISE_WRITE, "and changes nothing");
	is_int(noise_hs_write(p.hs[0], big, NOISE_MSG_MAX - 32, msg0, BUF,
	    &len0), 0, "message 1 of exactly 65535 bytes");
	is_int(len0, NOISE_MSG_MAX, "is 65535 bytes long");
	is_int(noise_hs_read(p.hs[1], msg0, NOISE_MSG_MAX + 1, out, BUF, &n),
	    ERR_TOO_BIG, "reading over 65535 bytes is refused");
	is_int(noise_hs_read(p.hs[1], msg0, 31, out, BUF, &n), ERR_PROTO,
	    "a truncated message 1 is refused");
	is_int(noise_hs_action(p.hs[1]), NOISE_FAILED,
	    "and the handshake fails");
	is_int(noise_hs_read(p.hs[1], msg0, len0, out, BUF, &n), ERR_PROTO,
	    "for good");
	noise_hs_free(p.hs[1]);
	is_int(noise_hs_new(&p.hs[1], NOISE_XX, NOISE_RESPONDER, NULL, 0,
	    rpriv, NULL, NULL), 0, "a fresh responder");
	if (p.hs[1] == NULL)
		goto out;
	r = noise_hs_read(p.hs[1], msg0, len0, out, BUF, &n);
	ok(r == 0 && n == NOISE_MSG_MAX - 32 && memcmp(out, big, n) == 0,
	    "reads the 65535-byte message 1");

	/* A tag that fails: ERR_CRYPTO, then FAILED for good. */
	is_int(noise_hs_write(p.hs[1], (const uint8_t *)"pay", 3, buf, BUF,
	    &len), 0, "message 2");
	buf[len - 1] ^= 0x80;
	is_int(noise_hs_read(p.hs[0], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a tampered message 2 fails its tag");
	is_int(noise_hs_action(p.hs[0]), NOISE_FAILED,
	    "and the handshake fails");
	buf[len - 1] ^= 0x80;
	is_int(noise_hs_read(p.hs[0], buf, len, out, BUF, &n), ERR_PROTO,
	    "the intact message 2 is no longer read");
	is_int(noise_hs_write(p.hs[0], NULL, 0, out, BUF, &n), ERR_PROTO,
	    "nor can message 3 be written");
	is_int(noise_hs_split(p.hs[0], &p.tx[0]), ERR_PROTO,
	    "nor a split made");
	pair_free(&p);

	/* The encrypted static key of message 2, tampered. */
	if (pair_new(&p, NOISE_XX, ipriv, NULL, rpriv) != 0 ||
	    noise_hs_write(p.hs[0], NULL, 0, buf, BUF, &len) != 0 ||
	    noise_hs_read(p.hs[1], buf, len, out, BUF, &n) != 0 ||
	    noise_hs_write(p.hs[1], NULL, 0, buf, BUF, &len) != 0) {
		ok(0, "XX up to message 2");
		goto out;
	}
	buf[40] ^= 0x01;	/* after re, inside the encrypted s */
	is_int(noise_hs_read(p.hs[0], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a tampered static key in message 2 is refused");
	is_int(noise_hs_remote_static(p.hs[0], got), ERR_PROTO,
	    "and not taken as the remote key");
	pair_free(&p);

	/* Different prologues: the first encrypted field fails. */
	if (noise_hs_new(&p.hs[0], NOISE_XX, NOISE_INITIATOR, prologue,
	    PROLOGUE_LEN, ipriv, NULL, NULL) != 0 || noise_hs_new(&p.hs[1],
	    NOISE_XX, NOISE_RESPONDER, (const uint8_t *)"sotto/2", 7, rpriv,
	    NULL, NULL) != 0) {
		ok(0, "XX with two prologues");
		goto out;
	}
	is_int(handshake(&p), ERR_CRYPTO, "different prologues do not agree");
	pair_free(&p);

	/* IK against the wrong responder key. */
	if (pair_new(&p, NOISE_IK, ipriv, other, rpriv) != 0) {
		ok(0, "IK with the wrong key");
		goto out;
	}
	is_int(noise_hs_write(p.hs[0], NULL, 0, buf, BUF, &len), 0,
	    "IK message 1 to the wrong key");
	is_int(noise_hs_read(p.hs[1], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "the responder cannot read it");
	pair_free(&p);

	/* IK and NN between two of ours. */
	if (pair_new(&p, NOISE_IK, ipriv, rpub, rpriv) != 0) {
		ok(0, "IK");
		goto out;
	}
	is_int(handshake(&p), 0, "IK between two of ours");
	ok(noise_hs_remote_static(p.hs[1], got) == 0 &&
	    memcmp(got, ipub, 32) == 0,
	    "IK: the responder has the initiator's key");
	if (p.tx[0] != NULL && p.tx[1] != NULL)
		is_int(roundtrip(&p, 1, "ik"), 0, "IK: transport");
	pair_free(&p);
	if (pair_new(&p, NOISE_NN, NULL, NULL, NULL) != 0) {
		ok(0, "NN");
		goto out;
	}
	is_int(handshake(&p), 0, "NN between two of ours");
	if (p.tx[0] != NULL && p.tx[1] != NULL)
		is_int(roundtrip(&p, 0, "nn"), 0, "NN: transport");
	pair_free(&p);

	/*
	 * A low-order ephemeral key (all zeros) makes the DH output zero;
	 * the handshake must stop there rather than key on it.
	 */
	if (noise_hs_new(&p.hs[1], NOISE_XX, NOISE_RESPONDER, NULL, 0, rpriv,
	    NULL, NULL) != 0) {
		ok(0, "a responder for the zero key");
		goto out;
	}
	memset(buf, 0, 32);
	if ((r = noise_hs_read(p.hs[1], buf, 32, out, BUF, &n)) == 0)
		r = noise_hs_write(p.hs[1], NULL, 0, buf, BUF, &len);
	is_int(r, ERR_CRYPTO, "an all-zero ephemeral key is refused");
	is_int(noise_hs_action(p.hs[1]), NOISE_FAILED,
	    "and the handshake fails");
	pair_free(&p);

	/* Missing keys. */
	is_int(noise_hs_new(&p.hs[0], NOISE_XX, NOISE_INITIATOR, NULL, 0, NULL,
	    NULL, NULL), ERR_INVAL, "XX needs a static key");
	is_int(noise_hs_new(&p.hs[0], NOISE_IK, NOISE_INITIATOR, NULL, 0,
	    ipriv, NULL, NULL), ERR_INVAL,
	    "an IK initiator needs the remote key");
	is_int(noise_hs_new(&p.hs[0], NOISE_IK, NOISE_RESPONDER, NULL, 0, NULL,
	    NULL, NULL), ERR_INVAL, "an IK responder needs a static key");
	ok(p.hs[0] == NULL, "and nothing is returned");
out:
	pair_free(&p);
	sec_wipe(ipriv, sizeof(ipriv));
	sec_wipe(rpriv, sizeof(rpriv));
}

int
main(void)
{
	json_t *root, *v;
	size_t i;

	if (sec_init() != 0) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	root = vectors_load("noise_25519_ChaChaPoly_BLAKE2b_subset.json");
	ok(json_array_size(json_object_get(root, "vectors")) == 3,
	    "three cacophony vectors: NN, IK, XX");
	json_array_foreach(json_object_get(root, "vectors"), i, v)
		check_vector(v);
	json_decref(root);
	check_transport();
	check_handshake();
	return tap_done();
}
