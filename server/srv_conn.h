/*
 * One client connection: its TCP handle, its secure channel (chan/chan),
 * a timer bounding the handshake and a closing peer's drain, and the bytes
 * held back until the next group commit (see srv.h).
 *
 * Lifetime: created on accept, freed in the close callback of its last
 * handle. Code that may outlive a callback (an Argon2 job) keeps no
 * pointer to a closed connection: srv_conn_close() detaches the job.
 */
#ifndef SOTTO_SRV_CONN_H
#define SOTTO_SRV_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "crypto/noise.h"
#include "proto/sotto.pb-c.h"

struct srv;
struct srv_job;
struct srv_held;

struct srv_conn {
	struct srv *srv;
	struct srv_conn *prev, *next;
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct chan *chan;
	uint64_t serial;		/* for the log; never an address there */
	char addr[48];			/* source address, for rate limits only */
	int closing;			/* srv_conn_close() was called */
	int draining;			/* flushing, then closing */
	int handles;			/* open libuv handles */
	size_t unsent;			/* bytes handed to libuv, not yet written */
	struct srv_held *held, *held_tail;

	/* What the handshake and the account calls established. */
	uint8_t key[NOISE_KEY_LEN];	/* the peer's static key: its device */
	int ready;
	int authed;
	uint64_t user_id;
	uint64_t device_id;
	struct srv_job *job;		/* an account call in the thread pool */
	/* The server's index of connections by user (srv_bind_user()). */
	struct srv_conn *unext, *uprev;
	int indexed;
	uint64_t seen_minute;		/* the last one written (srv_presence) */
};

/* Accepts one pending connection from the listener. 0 or ERR_*. */
int srv_conn_accept(struct srv *s);

/*
 * Closes c. With drain set, bytes already queued (and those held for the
 * commit) are sent first, bounded by SRV_DRAIN_MS; otherwise at once.
 */
void srv_conn_close(struct srv_conn *c, int drain);

/* Sends a frame on c (held until the commit when one is pending). */
int srv_conn_send(struct srv_conn *c, const Sotto__Frame *f);

/* Sends Response{id, error{code, message}}. */
int srv_conn_error(struct srv_conn *c, uint64_t id, int code,
    const char *message, uint32_t retry_after);

/* After a commit: sends what c held. After a failed one: drops c. */
void srv_conn_release(struct srv_conn *c, int committed);

#endif
