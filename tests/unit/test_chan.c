/*
 * The secure channel, two ends wired together in memory: the handshake,
 * frames both ways, a version mismatch answered with a Goodbye, a refused
 * peer, tampering and garbage.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/noise.h"
#include "crypto/sec.h"
#include "chan/chan.h"
#include "lib/err.h"
#include "proto/frame.h"
#include "proto/version.h"
#include "proto/wire.h"
#include "tests/unit/tap.h"

struct end {
	struct chan *c;
	uint8_t out[1 << 17];	/* bytes this end sent, not yet delivered */
	size_t out_len;
	uint8_t peer_key[NOISE_KEY_LEN];
	int ready, frames, refuse;
	uint64_t last_ping;
	int last_goodbye;
};

static void
end_send(void *ud, const uint8_t *buf, size_t len)
{
	struct end *e = ud;

	if (e->out_len + len <= sizeof(e->out)) {
		memcpy(e->out + e->out_len, buf, len);
		e->out_len += len;
	}
}

static int
end_ready(void *ud, const uint8_t rs[NOISE_KEY_LEN], const char *sw)
{
	struct end *e = ud;

	memcpy(e->peer_key, rs, NOISE_KEY_LEN);
	e->ready = 1;
	return e->refuse;
}

static int
end_frame(void *ud, const Sotto__Frame *f)
{
	struct end *e = ud;

	e->frames++;
	if (f->body_case == SOTTO__FRAME__BODY_REQUEST &&
	    f->request->method_case == SOTTO__REQUEST__METHOD_PING)
		e->last_ping = f->request->ping->nonce;
	if (f->body_case == SOTTO__FRAME__BODY_GOODBYE)
		e->last_goodbye = f->goodbye->code;
	return 0;
}

static const struct chan_ops ops = { end_send, end_ready, end_frame };

/* Moves what `from` sent into `to`; returns chan_input's result. */
static int
deliver(struct end *from, struct end *to)
{
	int r = chan_input(to->c, from->out, from->out_len);

	from->out_len = 0;
	return r;
}

static int
send_ping(struct end *e, uint64_t nonce)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Ping ping = SOTTO__PING__INIT;

	ping.nonce = nonce;
	req.id = 1;
	req.method_case = SOTTO__REQUEST__METHOD_PING;
	req.ping = &ping;
	f.body_case = SOTTO__FRAME__BODY_REQUEST;
	f.request = &req;
	return chan_send(e->c, &f);
}

static void
handshake_pair(struct end *a, struct end *b, uint8_t apub[32], uint8_t bpub[32])
{
	uint8_t apriv[32], bpriv[32];

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	noise_keypair(apub, apriv);
	noise_keypair(bpub, bpriv);
	ok(chan_new(&a->c, NOISE_INITIATOR, apriv, "test-client", &ops, a) == 0,
	    "initiator made");
	ok(chan_new(&b->c, NOISE_RESPONDER, bpriv, "test-server", &ops, b) == 0,
	    "responder made");
	sec_wipe(apriv, 32);
	sec_wipe(bpriv, 32);
}

/* A hand-driven initiator that announces protocol version `version`. */
static void
test_version_mismatch(void)
{
	struct end srv;
	struct noise_hs *hs;
	struct noise_transport *t;
	uint8_t ipriv[32], ipub[32], spriv[32], spub[32], buf[2048], pl[1024];
	uint8_t hello_buf[64];
	size_t len, plen;
	Sotto__Hello hello = SOTTO__HELLO__INIT;
	struct frame_reader rd;
	const uint8_t *msg;
	Sotto__Frame *f;

	memset(&srv, 0, sizeof(srv));
	noise_keypair(ipub, ipriv);
	noise_keypair(spub, spriv);
	ok(chan_new(&srv.c, NOISE_RESPONDER, spriv, "srv", &ops, &srv) == 0,
	    "responder for the version test");
	ok(noise_hs_new(&hs, NOISE_XX, NOISE_INITIATOR,
	    (const uint8_t *)SOTTO_PROLOGUE, strlen(SOTTO_PROLOGUE), ipriv, NULL,
	    NULL) == 0, "raw initiator");
	ok(noise_hs_write(hs, NULL, 0, buf + 2, sizeof(buf) - 2, &len) == 0, "msg1");
	frame_put_len(buf, len);
	is_int(chan_input(srv.c, buf, len + 2), 0, "responder takes msg1");

	frame_reader_init(&rd, SOTTO_NOISE_MAX);
	ok(frame_reader_push(&rd, srv.out, srv.out_len, &len) == 0, "collect msg2");
	srv.out_len = 0;
	ok(frame_reader_next(&rd, &msg, &len) == 0, "msg2 complete");
	ok(noise_hs_read(hs, msg, len, pl, sizeof(pl), &plen) == 0, "msg2 read");

	hello.proto_version = SOTTO_PROTO_VERSION + 1;
	hello.software = "future";
	plen = sotto__hello__pack(&hello, hello_buf);
	ok(noise_hs_write(hs, hello_buf, plen, buf + 2, sizeof(buf) - 2, &len) == 0,
	    "msg3 with a future version");
	frame_put_len(buf, len);
	is_int(chan_input(srv.c, buf, len + 2), ERR_VERSION,
	    "responder refuses another version");
	ok(!srv.ready, "on_ready never ran");

	ok(noise_hs_split(hs, &t) == 0, "raw split");
	ok(frame_reader_push(&rd, srv.out, srv.out_len, &len) == 0, "collect bye");
	ok(frame_reader_next(&rd, &msg, &len) == 0, "goodbye arrived");
	ok(noise_decrypt(t, msg, len, pl, sizeof(pl), &plen) == 0, "bye decrypts");
	ok(wire_unpack(pl, plen, &f) == 0 &&
	    f->body_case == SOTTO__FRAME__BODY_GOODBYE &&
	    f->goodbye->code == ERR_VERSION, "it is a Goodbye with ERR_VERSION");
	wire_free(f);
	is_int(chan_input(srv.c, buf, 2), ERR_CLOSED, "a failed channel stays closed");
	frame_reader_free(&rd);
	noise_hs_free(hs);
	noise_transport_free(t);
	chan_free(srv.c);
}

int
main(void)
{
	struct end a, b;
	uint8_t apub[32], bpub[32], junk[300];
	Sotto__Frame big = SOTTO__FRAME__INIT;
	Sotto__Goodbye bye = SOTTO__GOODBYE__INIT;
	char *huge;
	int i;

	if (sec_init() != 0)
		return 1;

	/* Normal handshake and traffic. */
	handshake_pair(&a, &b, apub, bpub);
	is_int(send_ping(&a, 1), ERR_PROTO, "no frames before the handshake");
	is_int(chan_start(b.c), ERR_PROTO, "a responder cannot start");
	is_int(chan_start(a.c), 0, "initiator starts");
	is_int(deliver(&a, &b), 0, "msg1 delivered");
	is_int(deliver(&b, &a), 0, "msg2 delivered, msg3 written");
	ok(chan_is_ready(a.c) && a.ready, "initiator ready");
	is_int(deliver(&a, &b), 0, "msg3 delivered");
	ok(chan_is_ready(b.c) && b.ready, "responder ready");
	ok(memcmp(a.peer_key, bpub, 32) == 0, "initiator learned the server key");
	ok(memcmp(b.peer_key, apub, 32) == 0, "responder learned the device key");
	is_int(chan_peer_version(a.c), SOTTO_PROTO_VERSION, "peer version seen");

	for (i = 0; i < 50; i++) {
		send_ping(&a, 1000 + (uint64_t)i);
		send_ping(&b, 2000 + (uint64_t)i);
	}
	is_int(deliver(&a, &b), 0, "50 frames a->b");
	is_int(deliver(&b, &a), 0, "50 frames b->a");
	ok(b.frames == 50 && b.last_ping == 1049, "b got all, in order");
	ok(a.frames == 50 && a.last_ping == 2049, "a got all, in order");

	/* A frame over the limit is refused at the sender. */
	huge = malloc(SOTTO_FRAME_MAX + 10);
	memset(huge, 'x', SOTTO_FRAME_MAX + 9);
	huge[SOTTO_FRAME_MAX + 9] = '\0';
	bye.reason = huge;
	big.body_case = SOTTO__FRAME__BODY_GOODBYE;
	big.goodbye = &bye;
	is_int(chan_send(a.c, &big), ERR_TOO_BIG, "oversize frame refused");
	free(huge);

	/* A flipped bit in transport is fatal for the channel. */
	send_ping(&a, 7);
	a.out[a.out_len - 1] ^= 0x01;
	is_int(deliver(&a, &b), ERR_CRYPTO, "tampered frame rejected");
	is_int(send_ping(&b, 1), ERR_PROTO, "failed channel sends nothing");
	chan_free(a.c);
	chan_free(b.c);

	/* A refused peer gets a Goodbye with the callback's code. */
	handshake_pair(&a, &b, apub, bpub);
	b.refuse = ERR_REVOKED;
	chan_start(a.c);
	deliver(&a, &b);
	deliver(&b, &a);
	is_int(deliver(&a, &b), ERR_REVOKED, "responder refuses the peer");
	is_int(deliver(&b, &a), 0, "initiator reads the goodbye");
	is_int(a.last_goodbye, ERR_REVOKED, "goodbye carries the reason code");
	chan_free(a.c);
	chan_free(b.c);

	/* Garbage as message 1, and an oversize handshake prefix. */
	handshake_pair(&a, &b, apub, bpub);
	memset(junk, 0xee, sizeof(junk));
	junk[0] = 0;
	junk[1] = 40;
	ok(chan_input(b.c, junk, 42) < 0, "garbage message 1 rejected");
	chan_free(b.c);
	chan_free(a.c);
	handshake_pair(&a, &b, apub, bpub);
	junk[0] = 0xff;
	junk[1] = 0xff;
	is_int(chan_input(b.c, junk, 2), ERR_TOO_BIG,
	    "a 64 KiB handshake message is refused from its prefix alone");
	chan_free(b.c);
	chan_free(a.c);

	test_version_mismatch();
	return tap_done();
}
