/*
 * The Sotto secure channel, without I/O: a Noise XX handshake (prologue
 * "sotto/1") whose messages 2 and 3 carry a Hello with the protocol version,
 * then one encrypted protobuf Frame per Noise transport message. Bytes from
 * the socket go in with chan_input(); bytes for the socket come out through
 * ops->send. Both the client and sottod drive one of these per connection,
 * and the fuzz target drives it with random bytes.
 *
 * Message sizes: handshake messages are at most CHAN_HS_MAX bytes; transport
 * messages up to SOTTO_NOISE_MAX. The transport rekeys every
 * CHAN_REKEY_INTERVAL messages in each direction.
 */
#ifndef SOTTO_CHAN_H
#define SOTTO_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/noise.h"
#include "proto/sotto.pb-c.h"

#define CHAN_HS_MAX 1024
#define CHAN_REKEY_INTERVAL 65536

struct chan;

struct chan_ops {
	/* Bytes to write to the peer; copy them (they live only for the call). */
	void (*send)(void *ud, const uint8_t *buf, size_t len);
	/*
	 * The handshake completed: the peer's static key and software string.
	 * Return 0 to go on, or a negative ERR_* to refuse the peer (the
	 * responder then sends a Goodbye with that code).
	 */
	int (*on_ready)(void *ud, const uint8_t remote_static[NOISE_KEY_LEN],
	    const char *peer_software);
	/* A frame arrived. It is freed after the call. Return 0 or ERR_*. */
	int (*on_frame)(void *ud, const Sotto__Frame *f);
};

/*
 * Creates a channel. static_priv (32 bytes) is copied into secure memory.
 * software names this side (e.g. "sotto 0.1.0"). Returns 0, ERR_NOMEM or
 * ERR_INVAL.
 */
int chan_new(struct chan **out, enum noise_role role,
    const uint8_t static_priv[NOISE_KEY_LEN], const char *software,
    const struct chan_ops *ops, void *ud);

/* Initiator only: emits handshake message 1. Returns 0 or ERR_*. */
int chan_start(struct chan *c);

/*
 * Feeds bytes read from the socket; runs callbacks as messages complete.
 * Returns 0, or a negative ERR_* after which the connection must be closed
 * (ERR_VERSION: the peer speaks another version; ERR_PROTO/ERR_CRYPTO/
 * ERR_TOO_BIG: garbage; or whatever a callback returned).
 */
int chan_input(struct chan *c, const uint8_t *p, size_t n);

/* Encrypts and sends a frame. Returns 0, ERR_PROTO before ready, ERR_TOO_BIG. */
int chan_send(struct chan *c, const Sotto__Frame *f);

/* Sends Goodbye{code, reason} if ready; the caller then closes. */
void chan_goodbye(struct chan *c, int code, const char *reason);

int chan_is_ready(const struct chan *c);

/* The peer's protocol version from its Hello (0 before it arrived). */
uint32_t chan_peer_version(const struct chan *c);

void chan_free(struct chan *c);		/* NULL is fine; wipes keys */

#endif
