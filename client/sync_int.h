/*
 * What client/sync.c shares with sync_report.c: the sync's state, the
 * flags an applied entry is noted with, and the wire-to-row converters.
 */
#ifndef SOTTO_SYNC_INT_H
#define SOTTO_SYNC_INT_H

#include <sys/types.h>

#include "client/sync.h"

#define SYNC_CHAT_NEW 1		/* the entry created or changed a chat */
#define SYNC_MSG_NEW 2		/* its message was stored now */

struct sync {
	struct engine *e;
	struct store *st;
	struct sync_ops ops;
	void *ud;
	uint64_t self;
	int ready;			/* a connection is welcomed */
	int fetching;			/* a GetDifference is in flight */
	int synced;
	uint64_t asked_pts;		/* pts of the GetDifference in flight */
	uint64_t verify;		/* the stored pts the first page reads again */
	uint64_t missing[SYNC_PAGE];	/* members not known here yet */
	size_t n_missing;
	int users_inflight;		/* a GetUsers for them is out */
	int want_synced;		/* caught up, once the users are in */
	uint64_t t0;			/* uv_hrtime() when the catch-up began */
	uint64_t caught;		/* entries applied by this catch-up */
	/* The chats a compact page names once, while it is applied. */
	Sotto__Chat *const *chats;
	size_t n_chats;
	int *chat_new;			/* n_chats flags: new or changed */
};

/* The wire's chat and user as store rows (strings borrowed from p). */
void sync__chat_from(struct store_chat *c, const Sotto__Chat *p);
void sync__user_from(struct store_user *u, const Sotto__User *p);

/* The page's chat id (compact pages); its index or -1. */
ssize_t sync__page_chat(const struct sync *s, uint64_t id);

/* Reports one applied entry (flags: SYNC_CHAT_NEW, SYNC_MSG_NEW). */
void sync__report(struct sync *s, const Sotto__Update *u, int flags);

#endif
