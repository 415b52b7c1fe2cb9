/*
 * Secret chats on the client (DESIGN section 6): this device's X3DH keys
 * and their publishing, starting, accepting, declining and closing a
 * chat, sending and receiving Double Ratchet messages through the
 * server's per-device queue (qts), read receipts and self-destruct
 * timers, and fingerprints.
 *
 * Everything a secret chat holds stays in the profile's encrypted
 * database (store/); private keys and ratchet states pass through
 * sec_alloc() memory only and are wiped after use. A received message is
 * stored with the new ratchet state and the new qts in one transaction,
 * and acknowledged to the server only after that transaction committed.
 * A sent message, the ratchet state that produced it and the envelope
 * (the exact ciphertext) are committed in one transaction before it goes
 * out. Envelopes wait in the store's secret outbox until the server
 * answers: they are sent oldest first, one at a time, on every
 * connection (the same bytes under the same random_id each time, which
 * the server dedupes), and removed in the transaction that records the
 * answer. A refusal for good (ERR_INVAL, ERR_PERM, ERR_TOO_BIG) marks the
 * message SECRET_MSG_FAILED; ERR_NOT_FOUND (the server no longer
 * has the chat for this device: the peer's device is gone, or the chat
 * was closed) closes the chat here.
 *
 * Inside the ratchet, a payload is a type byte and its fields (big
 * endian):
 *   1 text     ttl u32, random_id u64, UTF-8 text
 *   2 read     date u64, then random_id u64 of each message read
 *   3 ttl      ttl u32: the chat's timer changed
 *
 * All functions return 0 or a negative ERR_* from lib/err.h. Everything
 * runs on the engine's loop; callbacks never run inside the call that
 * registered them.
 */
#ifndef SOTTO_SECRET_H
#define SOTTO_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client/engine.h"
#include "crypto/sfp.h"

#define SECRET_OPK_LOW 20		/* refill below this many on the server */
#define SECRET_OPK_POOL 100		/* ... up to this many */
#define SECRET_SPK_ROTATE (7 * 86400)	/* a new signed prekey weekly */
#define SECRET_SPK_GRACE (14 * 86400)	/* the old one kept this long */
#define SECRET_QUEUE_PAGE 100
#define SECRET_TTL_MAX (7 * 86400)
#define SECRET_SUBS_MAX 4		/* subscribers besides the listener */

struct secret;
struct store;

/*
 * The values a front end reads, copied from the store's rows. Those
 * handed to a callback or an event borrow their strings for the duration
 * of the call only.
 */
enum secret_chat_state {
	SECRET_CHAT_PENDING_OUT = 1,	/* we asked; no device accepted yet */
	SECRET_CHAT_PENDING_IN = 2,	/* they asked this device */
	SECRET_CHAT_ACTIVE = 3,
	SECRET_CHAT_CLOSED = 4,
};

#define SECRET_KEY_LEN 32		/* an X25519 public key */

/* A secret chat with one device of the peer. */
struct secret_chat {
	uint64_t secret_id;
	uint64_t peer_user;
	uint64_t peer_device;
	uint8_t peer_ik[SECRET_KEY_LEN];	/* the device's identity key */
	int state;			/* enum secret_chat_state */
	uint32_t ttl;
	int initiator;
	uint64_t created;
};

/*
 * Where one of our messages is: queued in the secret outbox (SENT is also
 * every received message), acknowledged by the server, or refused by it
 * for good.
 */
enum secret_msg_state {
	SECRET_MSG_SENT = 0,
	SECRET_MSG_QUEUED = 1,
	SECRET_MSG_FAILED = 2,
};

struct secret_msg {
	uint64_t secret_id;
	uint64_t id;			/* local */
	uint64_t random_id;
	int out;			/* 1: ours */
	int service;			/* 1: a ttl change; text says what */
	char *text;
	uint64_t date;
	uint32_t ttl;
	uint64_t read_date;		/* 0: unread */
	uint64_t expires_at;		/* 0: not counting down */
	int state;			/* ours: enum secret_msg_state */
};

/* An identity-key change of a peer's device (secret_warnings). */
struct secret_warning {
	uint64_t id;
	uint64_t peer_user;
	uint64_t peer_device;
	uint64_t secret_id;		/* the chat it closed; 0: none */
	uint64_t date;
};

/* List callbacks: return nonzero to stop (that value is returned). */
typedef int secret_chat_fn(void *ud, const struct secret_chat *c);
typedef int secret_msg_fn(void *ud, const struct secret_msg *m);
typedef int secret_warning_fn(void *ud, const struct secret_warning *w);

enum secret_ev {
	SECRET_EV_REQUEST,	/* chat: a peer asked this device */
	SECRET_EV_ACCEPTED,	/* chat: the peer's device accepted ours */
	SECRET_EV_GONE,		/* chat: declined, dropped or closed */
	SECRET_EV_MESSAGE,	/* chat, msg: a message (or timer change) */
	SECRET_EV_READ,		/* chat: the peer read our messages */
	SECRET_EV_EXPIRED,	/* n: messages whose time was up were deleted */
	/*
	 * chat: the peer's identity key changed. The chat named was closed;
	 * secret_id 0 means no chat was open, and the key differs from the
	 * one of the last chat with that device.
	 */
	SECRET_EV_KEY_CHANGED,
	SECRET_EV_SYNCED,	/* the queue is processed */
	SECRET_EV_SENT,		/* chat, msg: the server acknowledged ours */
	/*
	 * chat, msg (NULL for a read receipt or a closed chat), n: minus
	 * the ERR_* with which the server refused one of our queued
	 * messages for good; the message is now SECRET_MSG_FAILED.
	 * n == -ERR_NOT_FOUND: the server no longer has the chat for this device
	 * (the peer's device was removed, or it was closed); the chat is
	 * closed here and SECRET_EV_GONE follows.
	 */
	SECRET_EV_FAILED,
};

/* Pointers borrow memory valid during the callback only. */
struct secret_event {
	enum secret_ev kind;
	const struct secret_chat *chat;
	const struct secret_msg *msg;
	uint64_t n;
};

typedef void secret_event_fn(void *ud, const struct secret_event *ev);
typedef void secret_done_fn(void *ud, int err, const char *why, uint64_t id);

/*
 * Creates the module for engine e and store st (both borrowed; they must
 * outlive it) and deletes the messages whose time is already up.
 * Returns 0 or ERR_NOMEM.
 */
int secret_new(struct secret **out, uv_loop_t *loop, struct engine *e,
    struct store *st);

/* Stops; done(ud) runs once its timer is closed. NULL s calls done now. */
void secret_free(struct secret *s, void (*done)(void *), void *ud);

/*
 * One listener of events (NULL to stop listening): the command line's
 * (client/secret_cmd.c).
 */
void secret_set_listener(struct secret *s, secret_event_fn *fn, void *ud);

/*
 * Subscribers get every event too, after the listener, so that the TUI
 * hears them while a command run through its control socket holds the
 * listener. One may unsubscribe itself inside its call. secret_subscribe
 * returns 0, or ERR_NOMEM when SECRET_SUBS_MAX already listen.
 */
int secret_subscribe(struct secret *s, secret_event_fn *fn, void *ud);
void secret_unsubscribe(struct secret *s, secret_event_fn *fn, void *ud);

/*
 * The engine hooks: a welcomed and logged-in connection (publishes keys
 * when needed and processes the queue), a lost one, and a pushed Update
 * (only those with a qts are handled here).
 */
void secret_on_ready(struct secret *s);
void secret_on_down(struct secret *s);
void secret_on_update(struct secret *s, const Sotto__Update *u);

/* Whether the queue was processed on this connection. */
int secret_synced(const struct secret *s);

/*
 * Runs cb(ud, err, "", 0) once the queue has been processed on this
 * connection (at once, on the next loop turn, when it already was), or
 * with the error that stopped it. Returns 0 or ERR_NOMEM.
 */
int secret_when_synced(struct secret *s, secret_done_fn *cb, void *ud);

/*
 * Like secret_when_synced, but at once (next loop turn) when this device
 * has an active chat with peer_user: a message to it can be encrypted
 * and queued without the server. Returns 0 or ERR_NOMEM.
 */
int secret_when_sendable(struct secret *s, uint64_t peer_user,
    secret_done_fn *cb, void *ud);

/*
 * Runs cb(ud, 0, "", 0) once the secret outbox is empty (next loop turn
 * when it already is), or with ERR_CLOSED when the module stops first.
 * Returns 0 or ERR_NOMEM.
 */
int secret_when_flushed(struct secret *s, secret_done_fn *cb, void *ud);

/* How many envelopes wait in the secret outbox. */
int secret_outbox_count(struct secret *s, uint64_t *n);

/*
 * Starts a secret chat with user peer_user (ttl seconds of self-destruct,
 * 0: off): one X3DH per device of the peer. id in cb is the secret_id.
 */
int secret_start(struct secret *s, uint64_t peer_user, uint32_t ttl,
    uint64_t timeout_ms, secret_done_fn *cb, void *ud);

/* Accepts or declines the request secret_id (ERR_NOT_FOUND: none here). */
int secret_accept(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud);
int secret_decline(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud);

/*
 * Encrypts text for the active chat with peer_user and queues it in the
 * secret outbox; ttl is the message's timer (-1: the chat's). The
 * message (SECRET_MSG_QUEUED), the ratchet state and the envelope
 * are stored before it goes out, and it goes out without the server
 * being reachable now. id in cb is its local id; cb's err is 0 once the
 * server acknowledged it, ERR_AGAIN when timeout_ms (0: none) passed
 * first or the module stopped (it stays queued and goes out on a later
 * connection; SECRET_EV_SENT or SECRET_EV_FAILED tell), or the refusal
 * (see SECRET_EV_FAILED; ERR_NOT_FOUND: the chat is gone and was closed
 * here). Returns ERR_NOT_FOUND at once when this device has no active
 * chat with the peer; with any nonzero return nothing was stored.
 */
int secret_send(struct secret *s, uint64_t peer_user, const char *text,
    long ttl, uint64_t timeout_ms, secret_done_fn *cb, void *ud);

/*
 * Changes the chat's timer (a service message on both sides), through
 * the outbox like secret_send (cb likewise). ERR_NOT_FOUND as
 * secret_send.
 */
int secret_set_ttl(struct secret *s, uint64_t peer_user, uint32_t ttl,
    uint64_t timeout_ms, secret_done_fn *cb, void *ud);

/*
 * Marks the received messages of the chat secret_id read now: their
 * timers start, and the peer is told with an encrypted read receipt
 * (queued in the outbox; cb as secret_send's). cb's id is how many were
 * marked (cb runs at once, next turn, for 0).
 */
int secret_mark_read(struct secret *s, uint64_t secret_id,
    uint64_t timeout_ms, secret_done_fn *cb, void *ud);

/*
 * Closes the chat secret_id (CloseSecret) and wipes it, its messages and
 * its queued envelopes here; the peer's side is wiped when it hears.
 */
int secret_close(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud);

/* The newest chat with peer_user in any state but closed; ERR_NOT_FOUND. */
int secret_find(struct secret *s, uint64_t peer_user,
    struct secret_chat *c);
/* Chat secret_id (any of its rows, any state); ERR_NOT_FOUND. */
int secret_get_chat(struct secret *s, uint64_t secret_id,
    struct secret_chat *c);
/*
 * Every chat row of this device, newest first, closed ones too, and a
 * pending request to a peer with several devices once per device (the
 * command line's account of what was asked); fn returns nonzero to stop.
 */
int secret_list_devices(struct secret *s, secret_chat_fn *fn, void *ud);

/*
 * The fingerprint of the chat: both identity keys, as hex groups and as
 * an emoji line (crypto/sfp.h). ERR_NOT_FOUND when this device has no
 * identity yet.
 */
int secret_fingerprint(struct secret *s, const struct secret_chat *c,
    char hex[SFP_HEX_TEXT_LEN], char emoji[SFP_EMOJI_TEXT_LEN]);

/*
 * Local reads for front ends, which must not reach the store themselves.
 * secret_list_chats: the chats of this device in any state but closed,
 * newest first, one call per chat (a pending request to a peer with
 * several devices is one row per device in the store, one chat here).
 * secret_history: the messages of secret_id, oldest first. fn returns
 * nonzero to stop (then that value is returned). Returns 0, ERR_DB or
 * ERR_NOMEM.
 */
int secret_list_chats(struct secret *s, secret_chat_fn *fn, void *ud);
int secret_history(struct secret *s, uint64_t secret_id,
    secret_msg_fn *fn, void *ud);
/*
 * secret_history_before: the newest limit messages of secret_id older
 * than before_id (0: the newest), oldest first, as cloud_history_before
 * pages a cloud chat; one indexed read however long the chat is.
 * secret_summary: what a chat list shows without reading the messages:
 * the number of unread received ones in *unread, and fn called with the
 * newest message (not called when there is none).
 */
int secret_history_before(struct secret *s, uint64_t secret_id,
    uint64_t before_id, size_t limit, secret_msg_fn *fn, void *ud);
/* The oldest limit messages of secret_id newer than after_id, oldest first. */
int secret_history_after(struct secret *s, uint64_t secret_id,
    uint64_t after_id, size_t limit, secret_msg_fn *fn, void *ud);
int secret_summary(struct secret *s, uint64_t secret_id, uint64_t *unread,
    secret_msg_fn *fn, void *ud);

/*
 * The identity-key changes not yet answered, oldest first (each was also
 * a SECRET_EV_KEY_CHANGED; secret_id is the chat it closed, 0 none). A
 * change stays listed across restarts until the user starts a new chat
 * with the peer (secret_start clears the peer's, once the peer's bundles
 * came) or dismisses it: secret_dismiss_warnings deletes those about
 * peer_user (0: any) naming secret_id (0: any). Return 0 or ERR_DB.
 */
int secret_warnings(struct secret *s, secret_warning_fn *fn, void *ud);
int secret_dismiss_warnings(struct secret *s, uint64_t peer_user,
    uint64_t secret_id);

/* Deletes the messages whose time is up now and re-arms the timer. */
int secret_expire(struct secret *s);

#endif
