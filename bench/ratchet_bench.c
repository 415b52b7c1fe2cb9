/*
 * ratchet_bench: how fast the secret-chat crypto is, each figure beside
 * the libsodium primitive that bounds it, measured in the same run:
 *
 *   symmetric ratchet step (encrypt + decrypt, no DH step) per size, vs.
 *     one HMAC-SHA-256 + one XChaCha20-Poly1305 seal of that size, times
 *     two (one for each side); the target is within 2x of that;
 *   a DH step on every message (the sides take turns), vs. X25519;
 *   X3DH handshakes (both sides, with a one-time prekey), vs. X25519.
 *
 *   ratchet_bench [SECONDS_PER_FIGURE]   (default 0.5; each figure is
 *   the best of three interleaved runs)
 *
 * Prints figures only; it never passes or fails on time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/prim.h"
#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"

#define MAX_PT 16384

static double budget = 0.5;
static uint8_t pt[MAX_PT], ct[MAX_PT + RATCHET_OVERHEAD], back[MAX_PT];
static volatile uint8_t sink;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
max(double a, double b)
{
	return a > b ? a : b;
}

static void
die(const char *what)
{
	fprintf(stderr, "ratchet_bench: %s\n", what);
	exit(1);
}

/* Runs f in batches until the budget is used; returns operations/s. */
static double
rate(void (*f)(void *), void *arg, unsigned batch)
{
	double t0 = now(), t;
	unsigned long n = 0;
	unsigned i;

	do {
		for (i = 0; i < batch; i++)
			f(arg);
		n += batch;
		t = now() - t0;
	} while (t < budget);
	return (double)n / t;
}

struct pair {
	struct ratchet *a, *b;
	size_t len;
	int turn;
};

static void
make_pair(struct pair *p)
{
	struct x3dh_identity *ia = sec_alloc(sizeof(*ia));
	struct x3dh_identity *ib = sec_alloc(sizeof(*ib));
	struct x3dh_keypair *spk = sec_alloc(sizeof(*spk));
	struct x3dh_result *ra = sec_alloc(sizeof(*ra));
	struct x3dh_result *rb = sec_alloc(sizeof(*rb));
	struct x3dh_bundle bundle;
	struct x3dh_init init;
	size_t n;

	memset(&bundle, 0, sizeof(bundle));
	if (ia == NULL || ib == NULL || spk == NULL || ra == NULL ||
	    rb == NULL || x3dh_identity_new(ia) != 0 ||
	    x3dh_identity_new(ib) != 0 || x3dh_keypair_new(spk) != 0 ||
	    x3dh_sign_prekey(bundle.spk_sig, ib, spk->pub) != 0)
		die("keys");
	memcpy(bundle.ik, ib->pub, 32);
	memcpy(bundle.spk, spk->pub, 32);
	if (x3dh_initiate(ra, &init, ia, &bundle, NULL) != 0 ||
	    x3dh_respond(rb, ib, spk, NULL, &init) != 0 ||
	    ratchet_init_alice(&p->a, ra->sk, ra->ad, spk->pub) != 0 ||
	    ratchet_init_bob(&p->b, rb->sk, rb->ad, spk->pub, spk->priv) != 0)
		die("setup");
	/* Bob must have heard from Alice before he can send. */
	if (ratchet_encrypt(p->a, pt, 1, ct, sizeof(ct), &n) != 0 ||
	    ratchet_decrypt(p->b, ct, n, back, sizeof(back), &n) != 0)
		die("first message");
	p->turn = 0;
	sec_free(ia);
	sec_free(ib);
	sec_free(spk);
	sec_free(ra);
	sec_free(rb);
}

/* One message from a to b: with dh, the sides alternate (a DH step each). */
static void
message(struct pair *p, int dh)
{
	struct ratchet *s = p->a, *d = p->b;
	size_t n, m;

	if (dh && (p->turn ^= 1)) {
		s = p->b;
		d = p->a;
	}
	if (ratchet_encrypt(s, pt, p->len, ct, sizeof(ct), &n) != 0 ||
	    ratchet_decrypt(d, ct, n, back, sizeof(back), &m) != 0 ||
	    m != p->len)
		die("message");
}

static void
msg_sym(void *arg)
{
	message(arg, 0);
}

static void
msg_dh(void *arg)
{
	message(arg, 1);
}

struct prim_arg {
	size_t len;
	uint8_t key[32], nonce[24], ad[104], out[32], pub[32];
};

/* The bound of a symmetric step: one HMAC and one AEAD seal. */
static void
hmac_aead(void *arg)
{
	struct prim_arg *a = arg;

	prim_hmac_sha256(a->out, a->key, (const uint8_t *)"\x01", 1);
	if (prim_xchacha_seal(ct, pt, a->len, a->ad, sizeof(a->ad), a->nonce,
	    a->key) != 0)
		die("seal");
	sink ^= a->out[0] ^ ct[0];
}

static void
hmac_only(void *arg)
{
	struct prim_arg *a = arg;

	prim_hmac_sha256(a->out, a->key, (const uint8_t *)"\x01", 1);
	sink ^= a->out[0];
}

static void
aead_only(void *arg)
{
	struct prim_arg *a = arg;

	if (prim_xchacha_seal(ct, pt, a->len, a->ad, sizeof(a->ad), a->nonce,
	    a->key) != 0)
		die("seal");
	sink ^= ct[0];
}

static void
x25519(void *arg)
{
	struct prim_arg *a = arg;

	if (prim_x25519(a->out, a->key, a->pub) != 0)
		die("x25519");
	sink ^= a->out[0];
}

struct hs_arg {
	struct x3dh_identity ia, ib;
	struct x3dh_keypair spk, opk;
	struct x3dh_bundle bundle;
	struct x3dh_result ra, rb;
};

static void
handshake(void *arg)
{
	struct hs_arg *h = arg;
	struct x3dh_init init;

	if (x3dh_initiate(&h->ra, &init, &h->ia, &h->bundle, NULL) != 0 ||
	    x3dh_respond(&h->rb, &h->ib, &h->spk, &h->opk, &init) != 0 ||
	    memcmp(h->ra.sk, h->rb.sk, 32) != 0)
		die("handshake");
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 16, 256, 1024, 4096, 16384 };
	struct prim_arg *pa;
	struct hs_arg *hs;
	struct pair p;
	double sym, bound, h, a, dh, x, hsr;
	size_t i;
	int rep;

	if (argc > 1 && (budget = atof(argv[1])) <= 0)
		die("usage: ratchet_bench [SECONDS_PER_FIGURE]");
	if (sec_init() != 0)
		die("libsodium");
	if ((pa = sec_alloc(sizeof(*pa))) == NULL ||
	    (hs = sec_alloc(sizeof(*hs))) == NULL)
		die("memory");
	sec_random(pa, sizeof(*pa));
	sec_random(pt, sizeof(pt));
	/* A valid public key for the X25519 figure. */
	{
		struct x3dh_keypair kp;

		if (x3dh_keypair_new(&kp) != 0)
			die("keypair");
		memcpy(pa->pub, kp.pub, 32);
		if (prim_x25519(pa->out, pa->key, pa->pub) != 0)
			die("x25519");
		sec_wipe(&kp, sizeof(kp));
	}
	make_pair(&p);

	printf("symmetric ratchet step: one message encrypted by one side and "
	    "decrypted by the other\n");
	printf("%8s %14s %14s %12s %12s %8s\n", "bytes", "messages/s",
	    "bound msg/s", "HMAC/s", "AEAD/s", "ratio");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p.len = pa->len = sizes[i];
		/*
		 * The machine may be shared: interleave three rounds and keep
		 * each figure's best, so that a busy moment does not land on
		 * one side of the ratio only.
		 */
		sym = bound = h = a = 0;
		for (rep = 0; rep < 3; rep++) {
			sym = max(sym, rate(msg_sym, &p, 64));
			bound = max(bound, rate(hmac_aead, pa, 64) / 2);
			h = max(h, rate(hmac_only, pa, 256));
			a = max(a, rate(aead_only, pa, 64));
		}
		printf("%8zu %14.0f %14.0f %12.0f %12.0f %7.2fx\n", sizes[i],
		    sym, bound, h, a, bound / sym);
	}
	printf("(bound = 1 / (2 x (one HMAC-SHA-256 + one XChaCha20-Poly1305 "
	    "seal of that size)); ratio = time per message / bound)\n\n");

	p.len = pa->len = 256;
	for (rep = 0, dh = x = 0; rep < 3; rep++) {
		dh = max(dh, rate(msg_dh, &p, 16));
		x = max(x, rate(x25519, pa, 16));
	}
	printf("DH step on every message (256 bytes, sides take turns): "
	    "%.0f messages/s\n", dh);
	printf("X25519 scalar multiplication: %.0f/s; a DH-step message "
	    "costs %.2f X25519 times\n\n", x, x / dh);

	if (x3dh_identity_new(&hs->ia) != 0 ||
	    x3dh_identity_new(&hs->ib) != 0 ||
	    x3dh_keypair_new(&hs->spk) != 0 ||
	    x3dh_keypair_new(&hs->opk) != 0 ||
	    x3dh_sign_prekey(hs->bundle.spk_sig, &hs->ib, hs->spk.pub) != 0)
		die("x3dh keys");
	memcpy(hs->bundle.ik, hs->ib.pub, 32);
	memcpy(hs->bundle.spk, hs->spk.pub, 32);
	memcpy(hs->bundle.opk, hs->opk.pub, 32);
	hs->bundle.has_opk = 1;
	hsr = rate(handshake, hs, 4);
	printf("X3DH handshake, both sides, with OPK: %.0f/s (%.2f X25519 "
	    "times each)\n", hsr, x / hsr);

	ratchet_free(p.a);
	ratchet_free(p.b);
	sec_free(pa);
	sec_free(hs);
	return 0;
}
