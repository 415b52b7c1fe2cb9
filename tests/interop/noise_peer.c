/*
 * noise_peer: our Noise_XX_25519_ChaChaPoly_BLAKE2b on stdin/stdout, for
 * the interop test against another implementation.
 *
 *   noise_peer initiator|responder STATIC_PRIV_HEX|- [PROLOGUE]
 *
 * "-" makes a fresh static key pair. Every Noise message, in both
 * directions, is preceded by a 2-byte big-endian length (as on Sotto's
 * wire). The handshake messages this side writes carry the payload "c-hs-N"
 * (N the message index, from 0).
 *
 * After the handshake this side first sends three transport messages of its
 * own, "c-tx-0" to "c-tx-2"; then it answers each transport message it
 * receives with the payload reversed. A payload of exactly "!rekey" is
 * answered ("yeker!") and then both directions are rekeyed (Noise section
 * 11.3, the nonces keep counting); the other side must do the same once it
 * has read the answer. On EOF the program exits 0; on any failure, 1; on
 * a usage error, 64.
 *
 * Standard error gets one line per fact, for the test to check:
 *   public HEX           this side's static public key, at start
 *   hs-payload N HEX     payload of handshake message N as received
 *   remote HEX           the peer's static public key
 *   hash HEX             the handshake hash
 *   rekeys N             rekeys done, at exit
 *   messages N           transport messages answered, at exit
 * and "noise_peer: WHAT" before exiting 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/noise.h"
#include "crypto/sec.h"

#define BUFSZ (NOISE_MSG_MAX + 2)
#define OWN_MESSAGES 3

static uint8_t in[BUFSZ], out[BUFSZ], pt[BUFSZ];
static char hex[2 * BUFSZ + 1];

static void
fail(const char *what)
{
	fprintf(stderr, "noise_peer: %s\n", what);
	exit(1);
}

/* Reads one framed message; returns its length, or -1 on a clean EOF. */
static long
read_msg(uint8_t *buf)
{
	uint8_t hdr[2];
	size_t n, len;

	n = fread(hdr, 1, 2, stdin);
	if (n == 0 && feof(stdin))
		return -1;
	if (n != 2)
		fail("short length prefix");
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len > 0 && fread(buf, 1, len, stdin) != len)
		fail("short message");
	return (long)len;
}

static void
write_msg(const uint8_t *buf, size_t len)
{
	uint8_t hdr[2];

	if (len > NOISE_MSG_MAX)
		fail("message too long to frame");
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
	if (fwrite(hdr, 1, 2, stdout) != 2 ||
	    (len > 0 && fwrite(buf, 1, len, stdout) != len) ||
	    fflush(stdout) != 0)
		fail("write");
}

static void
print_hex(const char *label, const uint8_t *b, size_t n)
{
	if (sec_hex_encode(hex, sizeof(hex), b, n) != 0)
		fail("hex");
	fprintf(stderr, "%s %s\n", label, hex);
}

static void
send_transport(struct noise_transport *tx, const uint8_t *p, size_t len)
{
	size_t n;

	if (noise_encrypt(tx, p, len, out, sizeof(out), &n) != 0)
		fail("transport encrypt");
	write_msg(out, n);
}

int
main(int argc, char **argv)
{
	struct noise_hs *hs;
	struct noise_transport *tx;
	enum noise_role role;
	uint8_t priv[NOISE_KEY_LEN], pub[NOISE_KEY_LEN], rs[NOISE_KEY_LEN];
	uint8_t h[NOISE_HASH_LEN];
	const char *prologue;
	char label[32], payload[16];
	size_t n, len, i;
	long got;
	int idx = 0;
	unsigned long count = 0, rekeys = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: noise_peer initiator|responder "
		    "STATIC_PRIV_HEX|- [PROLOGUE]\n");
		return 64;
	}
	if (strcmp(argv[1], "initiator") == 0)
		role = NOISE_INITIATOR;
	else if (strcmp(argv[1], "responder") == 0)
		role = NOISE_RESPONDER;
	else
		fail("role must be initiator or responder");
	if (sec_init() != 0)
		fail("libsodium");
	if (strcmp(argv[2], "-") == 0) {
		if (noise_keypair(pub, priv) != 0)
			fail("key pair");
	} else if (sec_hex_decode(priv, sizeof(priv), &n, argv[2],
	    strlen(argv[2])) != 0 || n != sizeof(priv))
		fail("the static key must be 64 hex digits or -");
	else if (noise_public_key(pub, priv) != 0)
		fail("public key");
	print_hex("public", pub, sizeof(pub));
	prologue = argc == 4 ? argv[3] : "";
	if (noise_hs_new(&hs, NOISE_XX, role, (const uint8_t *)prologue,
	    strlen(prologue), priv, NULL, NULL) != 0)
		fail("handshake setup");
	sec_wipe(priv, sizeof(priv));

	for (;;) {
		switch (noise_hs_action(hs)) {
		case NOISE_WRITE:
			snprintf(payload, sizeof(payload), "c-hs-%d", idx);
			if (noise_hs_write(hs, (const uint8_t *)payload,
			    strlen(payload), out, sizeof(out), &len) != 0)
				fail("handshake write");
			write_msg(out, len);
			idx++;
			continue;
		case NOISE_READ:
			if ((got = read_msg(in)) < 0)
				fail("EOF during the handshake");
			if (noise_hs_read(hs, in, (size_t)got, pt, sizeof(pt),
			    &len) != 0)
				fail("handshake read");
			snprintf(label, sizeof(label), "hs-payload %d", idx);
			print_hex(label, pt, len);
			idx++;
			continue;
		case NOISE_SPLIT:
			break;
		case NOISE_FAILED:
			fail("handshake failed");
		}
		break;
	}
	if (noise_hs_remote_static(hs, rs) != 0)
		fail("no remote static key");
	print_hex("remote", rs, sizeof(rs));
	noise_hs_hash(hs, h);
	print_hex("hash", h, sizeof(h));
	if (noise_hs_split(hs, &tx) != 0)
		fail("split");
	noise_hs_free(hs);

	for (i = 0; i < OWN_MESSAGES; i++) {
		snprintf(payload, sizeof(payload), "c-tx-%zu", i);
		send_transport(tx, (const uint8_t *)payload, strlen(payload));
	}
	while ((got = read_msg(in)) >= 0) {
		if (noise_decrypt(tx, in, (size_t)got, pt, sizeof(pt),
		    &len) != 0)
			fail("transport decrypt");
		for (i = 0; i < len / 2; i++) {
			uint8_t t = pt[i];

			pt[i] = pt[len - 1 - i];
			pt[len - 1 - i] = t;
		}
		send_transport(tx, pt, len);
		count++;
		if (len == 6 && memcmp(pt, "yeker!", 6) == 0) {
			noise_rekey_recv(tx);
			noise_rekey_send(tx);
			rekeys++;
		}
	}
	fprintf(stderr, "rekeys %lu\n", rekeys);
	fprintf(stderr, "messages %lu\n", count);
	noise_transport_free(tx);
	return 0;
}
