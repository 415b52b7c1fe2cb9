/*
 * What the files of the secret-chat module (client/secret*.c, but
 * secret_cmd.c) share among themselves; the rest of the client sees only
 * client/secret.h.
 *
 *   secret.c          state, life cycle, the calls and their replies,
 *                     events, what the store answers alone
 *   secret_keys.c     this device's keys and their publishing; a peer
 *                     device's identity key checked against the known
 *   secret_recv.c     the server's queue: requests, accepts, closes and
 *                     messages received, and their waiters
 *   secret_send.c     the secret outbox and what goes through it
 *   secret_session.c  starting, accepting, declining and closing a chat
 */
#ifndef SOTTO_SECRET_INT_H
#define SOTTO_SECRET_INT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client/engine.h"
#include "client/secret.h"
#include "crypto/x3dh.h"
#include "proto/sotto.pb-c.h"
#include "store/store.h"

#define SECRET_CALL_MS 30000		/* the module's own calls */

enum secret_payload {
	PAY_TEXT = 1,
	PAY_READ = 2,
	PAY_TTL = 3,
};

struct secret_waiter {
	secret_done_fn *cb;
	void *ud;
};

/* A send waiting for the server's answer to its envelope. */
struct secret_sendw {
	struct secret_sendw *next;
	struct secret *s;
	uv_timer_t timer;		/* its timeout: ERR_AGAIN, still queued */
	secret_done_fn *cb;
	void *ud;
	uint64_t secret_id;
	uint64_t random_id;
	uint64_t id;			/* for cb */
};

struct secret {
	uv_loop_t *loop;
	struct engine *e;
	struct store *st;
	uv_timer_t timer;		/* the next self-destruct */
	uv_timer_t kick;		/* completes waiters on a fresh turn */
	secret_event_fn *fn;
	void *fn_ud;
	/* Subscribers besides the listener (the TUI), see secret_subscribe. */
	struct secret_sub {
		secret_event_fn *fn;
		void *ud;
	} subs[SECRET_SUBS_MAX];
	size_t nsubs;

	int ready;			/* welcomed and logged in */
	int fetching;			/* a GetSecretQueue is in flight */
	int publishing;			/* our keys are on their way */
	int queue_done;			/* the queue is processed and acked */
	int synced;
	int sync_err;
	uint64_t gen;			/* counts connections */
	struct secret_waiter *waiters;
	size_t n_waiters;

	/* The secret outbox: one envelope on the wire at a time. */
	int ob_busy;
	uv_timer_t ob_retry;		/* after a rate limit */
	uv_timer_t ob_kick;		/* tells flush waiters on a fresh turn */
	struct secret_sendw *senders;
	struct secret_waiter *flushw;	/* secret_when_flushed */
	size_t n_flushw;

	int freeing;
	unsigned closing;
	void (*done)(void *);
	void *done_ud;
};

enum secret_call_kind {
	SC_PUBLISH,
	SC_REFILL,
	SC_QUEUE,
	SC_ACK,
	SC_BUNDLES,
	SC_START,
	SC_ACCEPT,
	SC_DECLINE,
	SC_CLOSE,
	SC_PLAIN,
	SC_OUTBOX,
};

struct secret_call {
	struct secret *s;
	enum secret_call_kind kind;
	secret_done_fn *cb;
	void *ud;
	uint64_t gen;
	uint64_t secret_id;
	uint64_t peer_user;
	uint64_t id;
	uint64_t random_id;		/* SC_OUTBOX: the envelope */
	uint32_t ttl;
	uint64_t timeout_ms;
};

/* secret.c */
uint64_t secret__now(void);
void secret__emit(struct secret *s, enum secret_ev kind,
    const struct store_secret_chat *c, const struct store_secret_msg *m,
    uint64_t n);
int secret__call(struct secret *s, enum secret_call_kind kind,
    const Sotto__Request *req, uint64_t timeout_ms, secret_done_fn *cb,
    void *ud, struct secret_call **out);
void secret__reply(void *ud, int err, const Sotto__Response *resp);
int secret__done_later(struct secret *s, secret_done_fn *cb, void *ud);

/* secret_keys.c */
int secret__keys(struct secret *s, struct x3dh_identity *id,
    struct store_spk *spk);
int secret__publish(struct secret *s, enum secret_call_kind kind,
    uint32_t n);
void secret__published(struct secret *s);
int secret__warn(struct secret *s, uint64_t peer_user, uint64_t peer_device,
    uint64_t secret_id);
int secret__check_ik(struct secret *s, uint64_t peer_user,
    uint64_t peer_device, uint64_t skip_secret, const uint8_t *ik,
    struct store_secret_chat *old, int *changed);

/* secret_recv.c */
void secret__set_synced(struct secret *s, int err);
void secret__fetch(struct secret *s);
void secret__on_queue(struct secret *s, const Sotto__SecretQueue *q);

/* secret_send.c */
void secret__sendw_end(struct secret *s, struct secret_sendw *w, int err,
    const char *why);
void secret__sendw_answer(struct secret *s, uint64_t secret_id,
    uint64_t random_id, int err, const char *why);
void secret__ob_flush(struct secret *s);
void secret__ob_answer(struct secret *s, const struct secret_call *k,
    int err, const Sotto__Response *resp, const char *why);

/* secret_session.c */
int secret__on_bundles(struct secret_call *k, const Sotto__PrekeyBundles *b);

#endif
