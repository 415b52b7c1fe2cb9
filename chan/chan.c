/*
 * The secure channel. States:
 *
 *   HANDSHAKE  Noise XX messages, each at most CHAN_HS_MAX bytes. Messages
 *              2 (responder) and 3 (initiator) carry a protobuf Hello with
 *              the protocol version and a software string.
 *   READY      each Noise transport message holds one protobuf Frame.
 *   FAILED     any error is final; the owner closes the connection.
 *
 * A version mismatch is caught by the initiator when message 2 arrives (it
 * stops before revealing its static key) and by the responder when message
 * 3 arrives (it answers with an encrypted Goodbye naming its version).
 *
 * Callbacks run from inside chan_input(); they may call chan_send() but
 * must not free the channel: they return an error to have it closed.
 */
#include "chan/chan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "proto/frame.h"
#include "proto/version.h"
#include "proto/wire.h"

#define CHAN_SOFTWARE_MAX 64

enum chan_state { CHAN_HANDSHAKE, CHAN_READY, CHAN_FAILED };

struct chan {
	enum chan_state state;
	enum noise_role role;
	struct noise_hs *hs;
	struct noise_transport *tx;
	struct frame_reader rd;
	const struct chan_ops *ops;
	void *ud;
	unsigned hs_count;		/* handshake messages so far, both ways */
	uint32_t peer_version;
	char software[CHAN_SOFTWARE_MAX + 1];
	char peer_software[CHAN_SOFTWARE_MAX + 1];
};

static void
chan_emit(struct chan *c, uint8_t *buf, size_t len)
{
	frame_put_len(buf, len);
	c->ops->send(c->ud, buf, len + 2);
}

int
chan_new(struct chan **out, enum noise_role role,
    const uint8_t static_priv[NOISE_KEY_LEN], const char *software,
    const struct chan_ops *ops, void *ud)
{
	struct chan *c;
	int r;

	*out = NULL;
	if (ops == NULL || ops->send == NULL || ops->on_ready == NULL ||
	    ops->on_frame == NULL || static_priv == NULL)
		return ERR_INVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	c->role = role;
	c->ops = ops;
	c->ud = ud;
	snprintf(c->software, sizeof(c->software), "%s",
	    software != NULL ? software : "");
	frame_reader_init(&c->rd, CHAN_HS_MAX);
	r = noise_hs_new(&c->hs, NOISE_XX, role, (const uint8_t *)SOTTO_PROLOGUE,
	    strlen(SOTTO_PROLOGUE), static_priv, NULL, NULL);
	if (r != 0) {
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	noise_hs_free(c->hs);
	noise_transport_free(c->tx);
	frame_reader_free(&c->rd);
	free(c);
}

int
chan_is_ready(const struct chan *c)
{
	return c->state == CHAN_READY;
}

uint32_t
chan_peer_version(const struct chan *c)
{
	return c->peer_version;
}

/* Writes the next handshake message, with a Hello when this side has one. */
static int
chan_hs_write(struct chan *c)
{
	uint8_t buf[2 + CHAN_HS_MAX], payload[CHAN_HS_MAX];
	size_t plen = 0, len;
	Sotto__Hello hello = SOTTO__HELLO__INIT;
	int r;

	/* Message 1 (initiator) is bare; messages 2 and 3 carry a Hello. */
	if (c->hs_count > 0) {
		hello.proto_version = SOTTO_PROTO_VERSION;
		hello.software = c->software;
		plen = sotto__hello__pack(&hello, payload);
	}
	r = noise_hs_write(c->hs, payload, plen, buf + 2, CHAN_HS_MAX, &len);
	if (r != 0)
		return r;
	c->hs_count++;
	chan_emit(c, buf, len);
	return 0;
}

/* Copies a peer's software string, keeping printable ASCII only. */
static void
chan_copy_software(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i < CHAN_SOFTWARE_MAX; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static int
chan_hs_read(struct chan *c, const uint8_t *msg, size_t len)
{
	uint8_t payload[CHAN_HS_MAX], rs[NOISE_KEY_LEN];
	size_t plen;
	Sotto__Hello *hello;
	int r;

	if ((r = noise_hs_read(c->hs, msg, len, payload, sizeof(payload),
	    &plen)) != 0)
		return r;

	/* Messages 2 and 3 must carry a Hello; message 1 carries nothing. */
	if (++c->hs_count == 1) {
		if (plen != 0)
			return ERR_PROTO;
	} else {
		if ((hello = sotto__hello__unpack(NULL, plen, payload)) == NULL)
			return ERR_PROTO;
		c->peer_version = hello->proto_version;
		chan_copy_software(c->peer_software, hello->software);
		sotto__hello__free_unpacked(hello, NULL);
		if (c->peer_version == 0)
			return ERR_PROTO;
		/* The initiator stops before it reveals its static key. */
		if (c->peer_version != SOTTO_PROTO_VERSION &&
		    c->role == NOISE_INITIATOR)
			return ERR_VERSION;
	}
	if (noise_hs_action(c->hs) == NOISE_WRITE &&
	    (r = chan_hs_write(c)) != 0)
		return r;
	if (noise_hs_action(c->hs) != NOISE_SPLIT)
		return 0;

	if ((r = noise_hs_split(c->hs, &c->tx)) != 0)
		return r;
	if ((r = noise_hs_remote_static(c->hs, rs)) != 0)
		return r;
	noise_hs_free(c->hs);
	c->hs = NULL;
	noise_set_rekey_interval(c->tx, CHAN_REKEY_INTERVAL);
	frame_reader_set_max(&c->rd, SOTTO_NOISE_MAX);
	c->state = CHAN_READY;

	if (c->peer_version != SOTTO_PROTO_VERSION) {
		char why[96];

		snprintf(why, sizeof(why), "this server speaks protocol "
		    "version %u, the client %u", SOTTO_PROTO_VERSION,
		    c->peer_version);
		chan_goodbye(c, ERR_VERSION, why);
		return ERR_VERSION;
	}
	if ((r = c->ops->on_ready(c->ud, rs, c->peer_software)) != 0) {
		if (c->role == NOISE_RESPONDER)
			chan_goodbye(c, r, NULL);
		return r;
	}
	return 0;
}

static int
chan_transport_read(struct chan *c, const uint8_t *msg, size_t len)
{
	uint8_t *pt;
	size_t plen;
	Sotto__Frame *f;
	int r;

	if (len < NOISE_TAG_LEN)
		return ERR_PROTO;
	if ((pt = malloc(len)) == NULL)
		return ERR_NOMEM;
	r = noise_decrypt(c->tx, msg, len, pt, len, &plen);
	if (r == 0)
		r = wire_unpack(pt, plen, &f);
	sec_wipe(pt, len);
	free(pt);
	if (r != 0)
		return r;
	r = c->ops->on_frame(c->ud, f);
	wire_free(f);
	return r;
}

int
chan_start(struct chan *c)
{
	int r;

	if (c->role != NOISE_INITIATOR || c->state != CHAN_HANDSHAKE ||
	    noise_hs_action(c->hs) != NOISE_WRITE)
		return ERR_PROTO;
	if ((r = chan_hs_write(c)) != 0)
		c->state = CHAN_FAILED;
	return r;
}

int
chan_input(struct chan *c, const uint8_t *p, size_t n)
{
	const uint8_t *msg;
	size_t len, taken;
	int r = 0;

	if (c->state == CHAN_FAILED)
		return ERR_CLOSED;
	while (n > 0) {
		if ((r = frame_reader_push(&c->rd, p, n, &taken)) != 0)
			goto fail;
		p += taken;
		n -= taken;
		while ((r = frame_reader_next(&c->rd, &msg, &len)) == 0) {
			if (c->state == CHAN_HANDSHAKE)
				r = chan_hs_read(c, msg, len);
			else
				r = chan_transport_read(c, msg, len);
			if (r != 0)
				goto fail;
			if (c->state == CHAN_FAILED)
				return ERR_CLOSED;
		}
		if (r != ERR_AGAIN)
			goto fail;
	}
	return 0;
fail:
	c->state = CHAN_FAILED;
	return r;
}

int
chan_send(struct chan *c, const Sotto__Frame *f)
{
	uint8_t *pt = NULL, *ct = NULL;
	size_t plen, clen, psize;
	int r;

	if (c->state != CHAN_READY)
		return ERR_PROTO;
	psize = sotto__frame__get_packed_size(f);
	if (psize > SOTTO_FRAME_MAX)
		return ERR_TOO_BIG;
	if ((pt = malloc(psize + 1)) == NULL ||
	    (ct = malloc(2 + psize + NOISE_TAG_LEN)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = wire_pack(f, pt, psize + 1, &plen)) != 0)
		goto out;
	if ((r = noise_encrypt(c->tx, pt, plen, ct + 2, psize + NOISE_TAG_LEN,
	    &clen)) != 0)
		goto out;
	chan_emit(c, ct, clen);
out:
	if (pt != NULL) {
		sec_wipe(pt, psize + 1);
		free(pt);
	}
	free(ct);
	return r;
}

void
chan_goodbye(struct chan *c, int code, const char *reason)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Goodbye bye = SOTTO__GOODBYE__INIT;

	if (c->state != CHAN_READY)
		return;
	bye.code = code;
	bye.reason = (char *)(reason != NULL ? reason : err_str(code));
	f.body_case = SOTTO__FRAME__BODY_GOODBYE;
	f.goodbye = &bye;
	(void)chan_send(c, &f);
}
