/*
 * Noise against the cacophony vectors for NN, IK and XX with
 * 25519/ChaChaPoly/BLAKE2b (../shared/vectors; skipped when absent), then
 * the behaviour the vectors do not cover: tampering, turns, rekeying and
 * size limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/noise.h"
#include "crypto/sec.h"
#include "proto/err.h"
#include "tests/unit/tap.h"
#include "tests/unit/vectors.h"

#define BUF (NOISE_MSG_MAX + 64)

static uint8_t buf[BUF], out[BUF];

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
	}
}

static void
check_vector(const json_t *v)
{
	const char *name = json_string_value(json_object_get(v, "protocol_name"));
	enum noise_pattern pat;
	struct pair p = { { NULL, NULL }, { NULL, NULL } };
	uint8_t *ipro, *rpro, *ie, *re, *is, *rs, *irs, *hh;
	size_t iprolen, rprolen, n, len, plen, ctlen;
	uint8_t rs_pub[NOISE_KEY_LEN], h[NOISE_HASH_LEN], got[NOISE_KEY_LEN];
	const json_t *msgs, *m;
	size_t i;
	int w, r, transport = 0;

	if (name == NULL)
		return;
	if (strcmp(name, "Noise_NN_25519_ChaChaPoly_BLAKE2b") == 0)
		pat = NOISE_NN;
	else if (strcmp(name, "Noise_XX_25519_ChaChaPoly_BLAKE2b") == 0)
		pat = NOISE_XX;
	else if (strcmp(name, "Noise_IK_25519_ChaChaPoly_BLAKE2b") == 0)
		pat = NOISE_IK;
	else
		return;

	ipro = vectors_hex(v, "init_prologue", &iprolen);
	rpro = vectors_hex(v, "resp_prologue", &rprolen);
	ie = vectors_hex(v, "init_ephemeral", &n);
	re = vectors_hex(v, "resp_ephemeral", &n);
	is = vectors_hex(v, "init_static", &n);
	rs = vectors_hex(v, "resp_static", &n);
	irs = vectors_hex(v, "init_remote_static", &n);
	hh = vectors_hex(v, "handshake_hash", &n);
	if (!ok(ipro && rpro && ie && re && hh && n == NOISE_HASH_LEN,
	    "%s: vector is well-formed", name))
		goto out;
	if (pat == NOISE_IK) {
		/* The initiator knows the responder's key in advance. */
		ok(noise_public_key(rs_pub, rs) == 0 && irs != NULL &&
		    memcmp(rs_pub, irs, NOISE_KEY_LEN) == 0,
		    "%s: init_remote_static is resp_static's public key", name);
	}
	is_int(noise_hs_new(&p.hs[0], pat, NOISE_INITIATOR, ipro, iprolen, is,
	    pat == NOISE_IK ? irs : NULL, ie), 0, "%s: initiator", name);
	is_int(noise_hs_new(&p.hs[1], pat, NOISE_RESPONDER, rpro, rprolen, rs,
	    NULL, re), 0, "%s: responder", name);
	if (p.hs[0] == NULL || p.hs[1] == NULL)
		goto out;

	msgs = json_object_get(v, "messages");
	json_array_foreach(msgs, i, m) {
		uint8_t *pay = vectors_hex(m, "payload", &plen);
		uint8_t *ct = vectors_hex(m, "ciphertext", &ctlen);

		/* Messages alternate, the initiator first, also in transport. */
		w = (int)(i % 2);
		if (!ok(pay != NULL && ct != NULL, "%s: message %zu parses",
		    name, i)) {
			free(pay);
			free(ct);
			break;
		}
		if (!transport) {
			r = noise_hs_write(p.hs[w], pay, plen, buf, BUF, &len);
			is_int(r, 0, "%s: message %zu written", name, i);
			ok(len == ctlen && memcmp(buf, ct, len) == 0,
			    "%s: message %zu matches the vector", name, i);
			r = noise_hs_read(p.hs[1 - w], buf, len, out, BUF, &n);
			is_int(r, 0, "%s: message %zu read", name, i);
			ok(n == plen && memcmp(out, pay, n) == 0,
			    "%s: message %zu payload", name, i);
			if (noise_hs_action(p.hs[0]) == NOISE_SPLIT &&
			    noise_hs_action(p.hs[1]) == NOISE_SPLIT) {
				noise_hs_hash(p.hs[0], h);
				is_mem(h, hh, NOISE_HASH_LEN,
				    "%s: initiator's handshake hash", name);
				noise_hs_hash(p.hs[1], h);
				is_mem(h, hh, NOISE_HASH_LEN,
				    "%s: responder's handshake hash", name);
				if (pat != NOISE_NN) {
					ok(noise_hs_remote_static(p.hs[1],
					    got) == 0 && noise_public_key(rs_pub,
					    is) == 0 && memcmp(got, rs_pub,
					    NOISE_KEY_LEN) == 0,
					    "%s: the responder learnt the "
					    "initiator's static key", name);
				}
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
			r = noise_decrypt(p.tx[1 - w], buf, len, out, BUF, &n);
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

/* A fresh XX handshake between two of our own, up to the transport. */
static int
xx_pair(struct pair *p, uint8_t ipub[32], uint8_t rpub[32])
{
	uint8_t ipriv[32], rpriv[32];
	size_t len, n;
	int w = 0, r;

	memset(p, 0, sizeof(*p));
	if (noise_keypair(ipub, ipriv) != 0 || noise_keypair(rpub, rpriv) != 0)
		return -1;
	if (noise_hs_new(&p->hs[0], NOISE_XX, NOISE_INITIATOR,
	    (const uint8_t *)"sotto/1", 7, ipriv, NULL, NULL) != 0 ||
	    noise_hs_new(&p->hs[1], NOISE_XX, NOISE_RESPONDER,
	    (const uint8_t *)"sotto/1", 7, rpriv, NULL, NULL) != 0)
		return -1;
	while (noise_hs_action(p->hs[w]) == NOISE_WRITE) {
		if ((r = noise_hs_write(p->hs[w], NULL, 0, buf, BUF, &len)) != 0 ||
		    (r = noise_hs_read(p->hs[1 - w], buf, len, out, BUF,
		    &n)) != 0)
			return r;
		w = 1 - w;
	}
	if (noise_hs_split(p->hs[0], &p->tx[0]) != 0 ||
	    noise_hs_split(p->hs[1], &p->tx[1]) != 0)
		return -1;
	return 0;
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

static void
check_behaviour(void)
{
	struct pair p;
	uint8_t ipub[32], rpub[32], priv[32], got[32], msg0[BUF];
	size_t len, n, len0;
	int i, ok_all;

	is_int(xx_pair(&p, ipub, rpub), 0, "XX between two of ours");
	ok(noise_hs_remote_static(p.hs[0], got) == 0 &&
	    memcmp(got, rpub, 32) == 0, "the initiator sees the responder's key");
	ok(noise_hs_remote_static(p.hs[1], got) == 0 &&
	    memcmp(got, ipub, 32) == 0, "the responder sees the initiator's key");
	is_int(roundtrip(&p, 0, "hello"), 0, "initiator to responder");
	is_int(roundtrip(&p, 1, "hi"), 0, "responder to initiator");

	/* A flipped bit: refused, and the counter does not move. */
	noise_encrypt(p.tx[0], (const uint8_t *)"abc", 3, buf, BUF, &len);
	buf[1] ^= 0x01;
	is_int(noise_decrypt(p.tx[1], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a flipped bit is refused");
	buf[1] ^= 0x01;
	is_int(noise_decrypt(p.tx[1], buf, len, out, BUF, &n), 0,
	    "the intact message still decrypts: the counter did not move");
	is_int(noise_decrypt(p.tx[1], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a replay is refused");
	is_int(noise_decrypt(p.tx[1], buf, NOISE_TAG_LEN - 1, out, BUF, &n),
	    ERR_CRYPTO, "a message shorter than a tag is refused");

	/* Explicit rekey, one direction. */
	noise_rekey_send(p.tx[0]);
	noise_rekey_recv(p.tx[1]);
	is_int(roundtrip(&p, 0, "after rekey"), 0, "rekeyed both ends: talk on");
	noise_rekey_send(p.tx[1]);
	noise_encrypt(p.tx[1], (const uint8_t *)"x", 1, buf, BUF, &len);
	is_int(noise_decrypt(p.tx[0], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a rekey on one end only: nothing decrypts");

	/* Size limits. */
	memset(msg0, 'a', sizeof(msg0));
	is_int(noise_encrypt(p.tx[0], msg0, NOISE_MSG_MAX - NOISE_TAG_LEN + 1,
	    buf, BUF, &len), ERR_TOO_BIG, "a message over 65535 bytes is refused");
	is_int(noise_encrypt(p.tx[0], msg0, NOISE_MSG_MAX - NOISE_TAG_LEN, buf,
	    BUF, &len), 0, "exactly 65535 bytes is fine");
	is_int(noise_decrypt(p.tx[1], buf, len, out, BUF, &n), 0,
	    "and decrypts");
	is_int(noise_encrypt(p.tx[0], msg0, 10, buf, 10 + NOISE_TAG_LEN - 1,
	    &len), ERR_TOO_BIG, "an output buffer too small is refused");
	pair_free(&p);

	/* Automatic rekeying every 3 messages, both ways. */
	is_int(xx_pair(&p, ipub, rpub), 0, "a second pair");
	noise_set_rekey_interval(p.tx[0], 3);
	noise_set_rekey_interval(p.tx[1], 3);
	for (ok_all = 1, i = 0; i < 10; i++)
		if (roundtrip(&p, 0, "ping") != 0 || roundtrip(&p, 1, "pong") != 0)
			ok_all = 0;
	ok(ok_all, "rekeying every 3 messages: 10 round trips");
	noise_set_rekey_interval(p.tx[1], 5);
	for (ok_all = 1, i = 0; i < 4; i++)
		if (roundtrip(&p, 0, "drift") != 0)
			ok_all = 0;
	ok(!ok_all, "different intervals on the two ends cannot talk");
	pair_free(&p);

	/* Turns and tampering in the handshake. */
	memset(&p, 0, sizeof(p));
	noise_keypair(ipub, priv);
	is_int(noise_hs_new(&p.hs[0], NOISE_XX, NOISE_INITIATOR, NULL, 0, priv,
	    NULL, NULL), 0, "initiator");
	noise_keypair(rpub, priv);
	is_int(noise_hs_new(&p.hs[1], NOISE_XX, NOISE_RESPONDER, NULL, 0, priv,
	    NULL, NULL), 0, "responder");
	is_int(noise_hs_action(p.hs[1]), NOISE_READ, "the responder reads first");
	is_int(noise_hs_write(p.hs[1], NULL, 0, buf, BUF, &len), ERR_PROTO,
	    "writing out of turn is refused");
	is_int(noise_hs_read(p.hs[0], buf, 32, out, BUF, &n), ERR_PROTO,
	    "reading out of turn is refused");
	is_int(noise_hs_split(p.hs[0], &p.tx[0]), ERR_PROTO,
	    "no split before the end");
	is_int(noise_hs_write(p.hs[0], NULL, 0, buf, 31, &len), ERR_TOO_BIG,
	    "a buffer too small for the message is refused");
	is_int(noise_hs_action(p.hs[0]), NOISE_WRITE, "and changes nothing");
	is_int(noise_hs_write(p.hs[0], NULL, 0, msg0, BUF, &len0), 0,
	    "message 1");
	is_int(noise_hs_read(p.hs[1], msg0, 31, out, BUF, &n), ERR_PROTO,
	    "a truncated message 1 is refused");
	is_int(noise_hs_action(p.hs[1]), NOISE_FAILED, "and the handshake fails");
	is_int(noise_hs_read(p.hs[1], msg0, len0, out, BUF, &n), ERR_PROTO,
	    "for good");
	noise_hs_free(p.hs[1]);
	noise_hs_new(&p.hs[1], NOISE_XX, NOISE_RESPONDER, NULL, 0, priv, NULL,
	    NULL);
	is_int(noise_hs_read(p.hs[1], msg0, len0, out, BUF, &n), 0,
	    "a fresh responder reads message 1");
	is_int(noise_hs_write(p.hs[1], (const uint8_t *)"pay", 3, buf, BUF,
	    &len), 0, "message 2");
	buf[len - 1] ^= 0x80;
	is_int(noise_hs_read(p.hs[0], buf, len, out, BUF, &n), ERR_CRYPTO,
	    "a tampered message 2 fails its tag");
	is_int(noise_hs_action(p.hs[0]), NOISE_FAILED, "and the handshake fails");
	pair_free(&p);

	/* Missing keys. */
	is_int(noise_hs_new(&p.hs[0], NOISE_XX, NOISE_INITIATOR, NULL, 0, NULL,
	    NULL, NULL), ERR_INVAL, "XX needs a static key");
	is_int(noise_hs_new(&p.hs[0], NOISE_IK, NOISE_INITIATOR, NULL, 0, priv,
	    NULL, NULL), ERR_INVAL, "an IK initiator needs the remote key");
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
	check_behaviour();
	return tap_done();
}
