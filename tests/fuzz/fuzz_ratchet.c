/*
 * libFuzzer target for the bytes a secret chat takes from outside: a
 * ratchet message from the network (ratchet_decrypt) and a stored state
 * blob (ratchet_deserialize). The first input byte picks which.
 *
 * For messages, a fixed conversation is set up once (fixed keys, so runs
 * repeat) and every input is tried on a fresh copy of Bob's state after
 * Alice's first two messages; its header decides the path (kept key, same
 * chain, DH step). Nothing may crash, and a message that fails must leave
 * the state byte for byte as it was.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t bob_blob[RATCHET_BLOB_MAX];
static size_t bob_len;
static uint8_t after[RATCHET_BLOB_MAX], out[70000];

static void
setup(void)
{
	struct x3dh_identity ia, ib;
	struct x3dh_keypair spk;
	struct x3dh_bundle bundle;
	struct x3dh_init init;
	struct x3dh_result ra, rb;
	struct ratchet *a, *b;
	uint8_t seed[32], ek[32], msg[64];
	size_t n, m;
	int i;

	memset(&bundle, 0, sizeof(bundle));
	memset(seed, 1, 32);
	memset(ek, 3, 32);
	if (sec_init() != 0 || x3dh_identity_from_seed(&ia, seed) != 0)
		abort();
	seed[0] = 2;
	if (x3dh_identity_from_seed(&ib, seed) != 0 ||
	    x3dh_keypair_from_priv(&spk, ek) != 0 ||
	    x3dh_sign_prekey(bundle.spk_sig, &ib, spk.pub) != 0)
		abort();
	memcpy(bundle.ik, ib.pub, 32);
	memcpy(bundle.spk, spk.pub, 32);
	ek[0] = 4;
	if (x3dh_initiate(&ra, &init, &ia, &bundle, ek) != 0 ||
	    x3dh_respond(&rb, &ib, &spk, NULL, &init) != 0 ||
	    ratchet_init_alice(&a, ra.sk, ra.ad, spk.pub) != 0 ||
	    ratchet_init_bob(&b, rb.sk, rb.ad, spk.pub, spk.priv) != 0)
		abort();
	/* Bob reads message 2 only: keys for 0 and 1 are kept. */
	for (i = 0; i < 3; i++)
		if (ratchet_encrypt(a, (const uint8_t *)"fuzz", 4, msg,
		    sizeof(msg), &n) != 0)
			abort();
	if (ratchet_decrypt(b, msg, n, out, sizeof(out), &m) != 0 ||
	    ratchet_serialize(b, bob_blob, sizeof(bob_blob), &bob_len) != 0)
		abort();
	ratchet_free(a);
	ratchet_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct ratchet *r;
	size_t n;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (ratchet_deserialize(&r, data + 1, size - 1) == 0) {
			if (ratchet_serialize(r, after, sizeof(after), &n) != 0 ||
			    n != size - 1 || memcmp(after, data + 1, n) != 0)
				abort();	/* accepted blobs round-trip */
			ratchet_free(r);
		}
		return 0;
	}
	if (ratchet_deserialize(&r, bob_blob, bob_len) != 0)
		abort();
	if (ratchet_decrypt(r, data + 1, size - 1, out, sizeof(out), &n) !=
	    0) {
		if (ratchet_serialize(r, after, sizeof(after), &n) != 0 ||
		    n != bob_len || memcmp(after, bob_blob, n) != 0)
			abort();	/* a failure changed the state */
	}
	ratchet_free(r);
	return 0;
}
