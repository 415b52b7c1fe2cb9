/*
 * What the files of the cloud layer share among themselves; the rest of
 * the client sees only client/cloud.h.
 *
 *   cloud.c       the state, the events and the life cycle
 *   resolve.c     peers resolved from what the user names; users stored
 *   call.c        the one request/reply machinery (struct cloud__call)
 *   cloud_chat.c  sends, edits, deletes, read marks, contacts, groups
 *   cloud_read.c  the store's rows as cloud.h's values; the local reads
 *   privacy.c     privacy rules and blocks
 */
#ifndef SOTTO_CLOUD_INT_H
#define SOTTO_CLOUD_INT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client/cloud.h"
#include "store/store.h"

struct cloud_sub {
	cloud_event_fn *fn;
	void *ud;
	int dead;
};

struct cloud {
	uv_loop_t *loop;
	struct store *st;
	struct engine *e;
	struct sync *sy;
	struct outbox *ob;
	struct secret *sec;		/* secret chats (client/secret) */
	struct presence *pr;		/* last seen and bios (in memory) */
	uint64_t self;

	struct cloud_sub *subs;
	size_t n_subs, cap_subs;
	int emitting;

	struct cloud_res *res;		/* resolutions in progress */

	int bg_index;			/* cloud_index_in_background */
	uv_timer_t idx_timer;		/* the next slice of indexing */

	int freeing;
	unsigned pending;		/* handles still closing */
	uv_timer_t free_timer;
	void (*done)(void *);
	void *done_ud;
};

struct cloud_res {
	struct cloud *c;
	struct cloud_res *next;
	char *peer;
	int fresh;
	cloud_peer_fn *cb;
	void *ud;
	uv_timer_t timer;
	int done;
	int waiting;			/* for the catch-up */
	int in_call;			/* ResolveUser in flight */
	uint64_t deadline;		/* loop time, 0: none */
	int err;			/* a result decided locally */
	struct cloud_peer p;
};

struct cloud__call;

/*
 * Reads a successful answer: stores and reports what it says, and sets
 * *id for a cloud_done_fn, or answers the caller itself and sets
 * *answered. 0 or a negative ERR_*.
 */
typedef int cloud__apply_fn(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered);

/* A request in flight (call.c); the caller fills a copy on its stack. */
struct cloud__call {
	struct cloud *c;
	cloud__apply_fn *apply;		/* NULL: nothing to store */
	int closed;			/* an answer after cloud_free gives */
	/* The caller's callback: the first one set. */
	cloud_privacy_fn *privacy_cb;
	cloud_users_fn *users_cb;
	cloud_done_fn *done_cb;
	void *ud;
	uint64_t user_id;		/* done_cb's id unless apply sets one */
	uint64_t chat_id;
	uint64_t max_id;
	uint64_t *ids;			/* freed with the call */
	size_t n_ids;
	int for_everyone;
	int added;			/* a contact added, a user blocked */
};

/* cloud.c */
void cloud__emit(void *ud, const struct cloud_event *ev);

/*
 * cloud_read.c: a store row as cloud.h's value, field by field; the
 * strings are the row's (borrowed, or moved when the row is not freed).
 */
void cloud__user_of(struct cloud_user *d, const struct store_user *u);
void cloud__chat_of(struct cloud_chat *d, const struct store_chat *c);
void cloud__message_of(struct cloud_message *d,
    const struct store_message *m);

/* resolve.c */
void cloud__res_finish(struct cloud_res *rs, int err, const char *why,
    const struct cloud_peer *p);
void cloud__on_synced(void *ud);

/*
 * call.c: sends req as a copy of tmpl, whose callback hears the answer
 * (never inside this call). 0, or a negative ERR_* and no callback; the
 * call owns tmpl->ids only once this returned 0.
 */
int cloud__call(struct cloud *c, const struct cloud__call *tmpl,
    Sotto__Request *req, uint64_t timeout_ms);

#endif
