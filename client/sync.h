/*
 * Sync: keeps the profile's copy of the cloud chats in step with the
 * account's update log on the server (DESIGN section 5).
 *
 * The store holds the pts of the last applied entry. On every connect
 * the log is fetched from there (GetDifference, pages of up to
 * SYNC_PAGE entries, the next page asked for before the current one is
 * applied) and each page is applied in one store transaction together
 * with the new pts. The pts is read again inside that transaction, so an
 * entry another process of the same profile applied meanwhile is skipped
 * and none is applied twice. A live Update with pts == local + 1 is
 * applied at once (one transaction), one at or below local is ignored,
 * and one further ahead (a gap) fetches the difference. Updates with pts
 * 0 (Typing) are passed on as live events only.
 *
 * Events are handed to ops->emit after their transaction committed, so a
 * front end never shows what was rolled back; only what this process
 * stored for the first time is reported as a new message.
 */
#ifndef SOTTO_SYNC_H
#define SOTTO_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "client/cloud.h"
#include "client/engine.h"
#include "proto/sotto.pb-c.h"
#include "store/store.h"

#define SYNC_PAGE 1000

struct sync;

struct sync_ops {
	void (*emit)(void *ud, const struct cloud_event *ev);
	/* Caught up with the log on this connection. */
	void (*synced)(void *ud);
};

/* Returns 0 or ERR_NOMEM; e and st are borrowed. */
int sync_new(struct sync **out, struct engine *e, struct store *st,
    const struct sync_ops *ops, void *ud);
void sync_free(struct sync *s);		/* NULL is fine */

/* The account's user id, to tell our messages from others'. */
void sync_set_self(struct sync *s, uint64_t self);

/* A connection was welcomed: catch up from the stored pts. */
void sync_on_ready(struct sync *s);
/* The connection went down: not in sync any more. */
void sync_on_down(struct sync *s);
/* A pushed Update. */
void sync_on_update(struct sync *s, const Sotto__Update *u);
int sync_synced(const struct sync *s);

/*
 * Stores what a call answered with a SendResult (the chat as it is now
 * and the message), and removes the outbox row remove_rid (0: none) in
 * the same transaction; then reports the events. Returns 0, ERR_PROTO
 * (no message in r) or ERR_DB.
 */
int sync_apply_sent(struct sync *s, const Sotto__SendResult *r,
    uint64_t remove_rid);

/* Stores users[0..n) (GetUsers, ResolveUser, contacts) in one transaction. */
int sync_put_users(struct sync *s, Sotto__User *const *users, size_t n);

/* Copies a wire message into m; the strings are borrowed from p. */
void sync_message_from(struct store_message *m, const Sotto__Message *p);

#endif
