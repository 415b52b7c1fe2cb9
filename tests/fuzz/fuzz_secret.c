/*
 * libFuzzer target for secret-chat payloads after decryption: what a peer
 * device puts inside its ratchet messages (client/secret.c's
 * secret_apply_message: text, read receipts, the self-destruct timer),
 * over a real profile store signed in as alice (fuzz_client.h).
 *
 * alice's profile holds an active secret chat with bob's device 5, whose
 * ratchet this target plays: each record of the input (one byte, two of
 * length, little endian, then the payload) is a plaintext that bob's side
 * encrypts with its ratchet, and that reaches alice as a pushed Update
 * with the next qts, as sottod delivers it. Byte 0 of a record picks its
 * date (0: none) and, when odd, sends one more message first that is
 * never delivered (a key the receiver must skip). The waiting requests
 * (acks) are answered after each record. Each input begins with a fresh
 * pair of ratchets (the store keeps the messages).
 *
 * Checked after each input: each delivered entry moved the stored qts on
 * by one (applied, or skipped as unreadable, never dropped unseen).
 *
 * With FUZZ_WRITE_SEEDS=DIR set, writes its seed corpus into DIR and exits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/noise.h"
#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "tests/fuzz/fuzz_client.h"
#include "tests/fuzz/fuzz_common.h"

#define FZ_SECRET_ID 77
#define FZ_PEER 2
#define FZ_PEER_DEVICE 5
#define FZ_PT_MAX 8192

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ratchet *fz_bob;		/* the peer's side */
static uint64_t fz_random;

static void fz_write_seeds(const char *dir);

static void
fz_die(const char *what)
{
	fprintf(stderr, "fuzz_secret: %s\n", what);
	abort();
}

/*
 * A fresh pair of ratchets, as after alice accepted bob's X3DH: bob's here,
 * alice's in her store. Each input starts from one, so that the keys an
 * input made alice skip do not pile up for the next.
 */
static void
fz_rekey(void)
{
	struct ratchet *alice = NULL;
	uint8_t sk[RATCHET_KEY_LEN], ad[RATCHET_AD_LEN];
	uint8_t spk_pub[32], spk_priv[32], blob[RATCHET_BLOB_MAX];
	size_t blen;

	sec_random(sk, sizeof(sk));
	sec_random(ad, sizeof(ad));
	ratchet_free(fz_bob);
	fz_bob = NULL;
	if (noise_keypair(spk_pub, spk_priv) != 0 ||
	    ratchet_init_alice(&fz_bob, sk, ad, spk_pub) != 0 ||
	    ratchet_init_bob(&alice, sk, ad, spk_pub, spk_priv) != 0 ||
	    ratchet_serialize(alice, blob, sizeof(blob), &blen) != 0 ||
	    store_secret_set_ratchet(fzc.st, FZ_SECRET_ID, FZ_PEER_DEVICE,
	    blob, blen) != 0)
		fz_die("cannot make the ratchets");
	ratchet_free(alice);
	sec_wipe(blob, sizeof(blob));
	sec_wipe(spk_priv, sizeof(spk_priv));
	sec_wipe(sk, sizeof(sk));
}

/* The chat, active, with bob's device FZ_PEER_DEVICE. */
static void
fz_chat(void)
{
	struct store_secret_chat c;
	struct store_user u;
	uint8_t blob[1] = { 0 };

	memset(&u, 0, sizeof(u));
	u.id = FZ_PEER;
	u.username = (char *)"bob";
	u.display_name = (char *)"Bob";
	memset(&c, 0, sizeof(c));
	c.secret_id = FZ_SECRET_ID;
	c.peer_user = FZ_PEER;
	c.peer_device = FZ_PEER_DEVICE;
	sec_random(c.peer_ik, sizeof(c.peer_ik));
	c.state = STORE_SECRET_ACTIVE;
	c.ttl = 0;
	c.initiator = 0;
	c.created = 1700000000;
	if (store_put_user(fzc.st, &u) != 0 ||
	    store_secret_put_chat(fzc.st, &c, blob, sizeof(blob)) != 0)
		fz_die("cannot store the chat");
	fz_rekey();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_write_seeds_if_asked(fz_write_seeds);
	fzc_setup("fuzz_secret");
	fz_chat();
	fzc_ready();
	fzc_answer_all(8);
	fzc_turn();
	return 0;
}

/* Encrypts pt on bob's side; 0 or ERR_*. */
static int
fz_seal(const uint8_t *pt, size_t n, uint8_t *out, size_t *outlen)
{
	return ratchet_encrypt(fz_bob, pt, n, out, n + RATCHET_OVERHEAD,
	    outlen);
}

static void
fz_deliver(int kind, const uint8_t *pt, size_t n)
{
	static uint8_t ct[FZ_PT_MAX + RATCHET_OVERHEAD];
	Sotto__SecretMessage m = SOTTO__SECRET_MESSAGE__INIT;
	Sotto__Update u = SOTTO__UPDATE__INIT;
	uint64_t qts;
	size_t len;

	if (n > FZ_PT_MAX)
		n = FZ_PT_MAX;
	if ((kind & 1) && fz_seal((const uint8_t *)"\1", 1, ct, &len) != 0)
		fz_die("cannot encrypt");
	if (fz_seal(pt, n, ct, &len) != 0)
		fz_die("cannot encrypt");
	if (store_get_qts(fzc.st, &qts) != 0)
		abort();
	m.secret_id = FZ_SECRET_ID;
	m.random_id = ++fz_random;
	m.data.data = ct;
	m.data.len = len;
	m.date = (uint64_t)(kind >> 1) * 13000000u;
	u.qts = qts + 1;
	u.event_case = SOTTO__UPDATE__EVENT_SECRET_MESSAGE;
	u.secret_message = &m;
	fzc_push(&u);
	/* The ack, and what else the client asked meanwhile. */
	fzc_answer_all(4);
	fzc_turn();
	if (store_get_qts(fzc.st, &qts) != 0)
		abort();
	if (qts != u.qts) {
		fprintf(stderr, "fuzz_secret: entry %llu left qts at %llu\n",
		    (unsigned long long)u.qts, (unsigned long long)qts);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rec;
	size_t n;
	int kind;

	fz_rekey();
	while (fuzz_next_record(&data, &size, &kind, &rec, &n))
		fz_deliver(kind, rec, n);
	return 0;
}

/* ---------------------------------------------------------------- seeds */

static FILE *fz_f;

static void
fz_put(uint8_t *p, uint64_t v, int bytes)
{
	while (bytes-- > 0) {
		p[bytes] = (uint8_t)v;
		v >>= 8;
	}
}

static void
fz_rec(int kind, const uint8_t *p, size_t n)
{
	fuzz_seed_record(fz_f, kind, p, n);
}

static void
fz_write_seeds(const char *dir)
{
	uint8_t p[64];
	static const char text[] = "see you at 8 \xe2\x80\xae";

	/* Text (ttl 30, random id 9), a read receipt for it, a timer. */
	fz_f = fuzz_seed_open(dir, "text");
	p[0] = 1;
	fz_put(p + 1, 30, 4);
	fz_put(p + 5, 9, 8);
	memcpy(p + 13, text, sizeof(text) - 1);
	fz_rec(2, p, 13 + sizeof(text) - 1);
	p[0] = 2;
	fz_put(p + 1, 1700000100, 8);
	fz_put(p + 9, 1, 8);
	fz_put(p + 17, 2, 8);
	fz_rec(0, p, 25);
	p[0] = 3;
	fz_put(p + 1, 3600, 4);
	fz_rec(1, p, 5);
	if (fclose(fz_f) != 0)
		abort();

	/* Out of order and unknown kinds. */
	fz_f = fuzz_seed_open(dir, "odd");
	p[0] = 1;
	fz_put(p + 1, 0xffffffffu, 4);
	fz_put(p + 5, 1, 8);
	fz_rec(3, p, 13);
	p[0] = 9;
	fz_rec(0, p, 1);
	if (fclose(fz_f) != 0)
		abort();
}
