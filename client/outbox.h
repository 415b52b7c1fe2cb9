/*
 * The outbox (DESIGN section 5): every message is written to the store's
 * outbox with a fresh random 64-bit random_id before it is sent, and it
 * leaves the outbox only in the transaction that stores the server's
 * acknowledgement (client/sync's sync_apply_sent), or when the server
 * refuses it for good (ERR_INVAL, ERR_NOT_FOUND, ERR_PERM, ERR_TOO_BIG:
 * the row is removed and the refusal reported). Transient failures (a
 * lost connection, a rate limit, a timeout) keep the row.
 *
 * On every connect the outbox is flushed oldest first, one message at a
 * time, so messages arrive in the order they were written. A resend
 * carries the same random_id; the server answers it with the original
 * message, so nothing is delivered twice.
 */
#ifndef SOTTO_OUTBOX_H
#define SOTTO_OUTBOX_H

#include <stdint.h>

#include <uv.h>

#include "client/cloud.h"
#include "client/engine.h"
#include "client/sync.h"
#include "store/store.h"

struct outbox;

/* Returns 0 or ERR_NOMEM; everything passed is borrowed. */
int outbox_new(struct outbox **out, uv_loop_t *loop, struct engine *e,
    struct store *st, struct sync *sy,
    void (*emit)(void *ud, const struct cloud_event *ev), void *ud);

/*
 * Stops the retry timer and releases the outbox once libuv has closed it;
 * done(ud) runs then. The rows stay in the store.
 */
void outbox_free(struct outbox *o, void (*done)(void *), void *ud);

/*
 * Writes a message for chat_id, or for the private chat with to_user_id
 * (exactly one is nonzero), to the store and starts a flush. Returns 0
 * and *random_id, or ERR_INVAL, ERR_DB.
 */
int outbox_add(struct outbox *o, uint64_t chat_id, uint64_t to_user_id,
    const char *peer, const char *text, uint64_t reply_to,
    uint64_t *random_id);

/*
 * As outbox_add, for a forward of message from_id of from_chat_id (0:
 * an ordinary message): the row and what it forwards are stored in one
 * transaction, and it goes out as ForwardMessage (text is the
 * original's, for what is shown while it is queued).
 */
int outbox_add_forward(struct outbox *o, uint64_t chat_id,
    uint64_t to_user_id, const char *peer, const char *text,
    uint64_t reply_to, uint64_t from_chat_id, uint64_t from_id,
    uint64_t *random_id);

/* The connection is usable (welcomed and logged in): send what waits. */
void outbox_on_ready(struct outbox *o);
/* The connection is gone. */
void outbox_on_down(struct outbox *o);

#endif
