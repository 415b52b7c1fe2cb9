/*
 * Cloud chats, sync: GetState and GetDifference, the page of an
 * account's update log after a pts, with the users and chats its
 * entries name, cut to SRV_DIFF_LIMIT entries and SRV_DIFF_BYTES bytes.
 */
#include "config.h"

#include "server/srv_chat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_chat_int.h"
#include "server/srv_conn.h"
#include "server/srv_group.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"

/* ---------------------------------------------------------------- sync */

int
srv_chat_state(struct srv_conn *c, uint64_t id)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__State state = SOTTO__STATE__INIT;
	int r;

	if ((r = srv_store_pts(c->srv->store, c->user_id, &state.pts)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	resp.result_case = SOTTO__RESPONSE__RESULT_STATE;
	resp.state = &state;
	return srv_reply(c, id, &resp);
}

/* One entry of a Difference page and the events it may carry. */
struct srv_dent {
	Sotto__Update up;
	Sotto__NewMessage nm;
	Sotto__MessageEdited me;
	Sotto__MessagesDeleted md;
	Sotto__ReadInbox ri;
	Sotto__ReadOutbox ro;
	Sotto__ContactChanged cc;
	Sotto__PrivacyChanged pc;
	Sotto__PrivacyRule rule;
	Sotto__BlockChanged bc;
	Sotto__Message msg;
};

/*
 * A page being built. Everything the page points to lives here until it
 * is sent: texts and id lists in arena, users and chats in fixed arrays
 * (so pointers into them stay valid).
 */
struct srv_diff {
	struct srv_store *st;
	uint64_t me;
	size_t limit;
	struct srv_dent *ents;
	Sotto__Update **ups;
	size_t n;
	struct srv_userbuf *users;
	size_t nusers, users_cap;
	struct srv_chatbuf *chats;
	size_t nchats, chats_cap;
	int compact;			/* GetDifference.compact */
	uint8_t *arena;
	size_t arena_used;
	size_t bytes;
	int full;			/* the byte budget stopped the page */
	int err;
};

/* Arena space, 8-aligned; NULL when the page is full. */
static void *
srv_diff_alloc(struct srv_diff *d, size_t len)
{
	size_t at = (d->arena_used + 7) & ~(size_t)7;

	if (at + len > SRV_DIFF_BYTES + 1024)
		return NULL;
	d->arena_used = at + len;
	return d->arena + at;
}

/* The page's User for id (added when new); NULL when missing. */
static Sotto__User *
srv_diff_user(struct srv_diff *d, uint64_t id, int *r)
{
	struct srv_userbuf *u;
	size_t i;

	*r = 0;
	for (i = 0; i < d->nusers; i++)
		if (d->users[i].p.id == id)
			return &d->users[i].user;
	if (d->nusers == d->users_cap || id == 0)
		return NULL;
	u = &d->users[d->nusers];
	if ((*r = srv_store_profile_by_id(d->st, id, &u->p)) != 0) {
		if (*r == ERR_NOT_FOUND)
			*r = 0;
		return NULL;
	}
	if ((*r = srv_chat_user(d->st, d->me, &u->p, &u->user)) != 0)
		return NULL;
	d->nusers++;
	d->bytes += sotto__user__get_packed_size(&u->user) + 4;
	return &u->user;
}

/*
 * The page's Chat for an entry: a group service message brings its own
 * snapshot; other chats are shared by the entries of the page, groups
 * with their members when the asker is still one of them.
 */
static Sotto__Chat *
srv_diff_chat(struct srv_diff *d, const struct srv_update *u, int *r)
{
	struct srv_chatbuf *b;
	struct srv_member *roster = NULL;
	size_t i, n = 0;

	*r = 0;
	if (!u->has_snap)
		for (i = 0; i < d->nchats; i++)
			if (d->chats[i].id == u->chat.id)
				return &d->chats[i].chat;
	if (d->nchats == d->chats_cap)
		return NULL;
	b = &d->chats[d->nchats];
	memset(b, 0, sizeof(*b));
	if (u->has_snap) {
		*r = srv_chat__fill(d->st, b, &u->chat, d->me, NULL, 0,
		    &u->snap);
	} else {
		if (u->chat.kind == SRV_CHAT_GROUP &&
		    srv_store_chat_member(d->st, u->chat.id, d->me) == 0 &&
		    (*r = srv_store_chat_roster(d->st, u->chat.id, &roster,
		    &n)) != 0)
			return NULL;
		*r = srv_chat__fill(d->st, b, &u->chat, d->me, roster, n,
		    NULL);
		free(roster);
		b->id = u->chat.id;
	}
	if (*r != 0) {
		srv_chat__buf_clear(b);
		return NULL;
	}
	srv_group_view(&b->chat, d->me, &b->chat, b->chat.member_ids,
	    b->chat.n_member_ids);
	d->nchats++;
	return &b->chat;
}

/*
 * A PrivacyChanged entry: the rule of key as it is now (a later change
 * has its own entry, so reading the present is enough) with its users.
 * 0, 1 when the page is full, or a negative ERR_*.
 */
static int
srv_diff_privacy(struct srv_diff *d, struct srv_dent *e, int key)
{
	struct srv_privacy_rule rule;
	uint64_t *ids = NULL;
	Sotto__User **pu = NULL, *usr;
	size_t n, i, nu = 0;
	int r;

	if (key < 1 || key > SRV_PRIV_KEYS)
		return 0;		/* a key from a newer sottod */
	if ((r = srv_privacy_rule_get(d->st, d->me, key, &rule)) != 0)
		return r;
	n = rule.n_allow + rule.n_deny;
	if (n > 0 && ((ids = srv_diff_alloc(d, n * sizeof(*ids))) == NULL ||
	    (pu = srv_diff_alloc(d, n * sizeof(*pu))) == NULL)) {
		srv_privacy_rule_free(&rule);
		return 1;
	}
	sotto__privacy_rule__init(&e->rule);
	e->rule.key = (Sotto__PrivacyKey)key;
	e->rule.value = (Sotto__PrivacyValue)rule.value;
	if (n > 0) {
		if (rule.n_allow > 0)
			memcpy(ids, rule.allow, rule.n_allow * sizeof(*ids));
		if (rule.n_deny > 0)
			memcpy(ids + rule.n_allow, rule.deny,
			    rule.n_deny * sizeof(*ids));
		e->rule.allow_ids = ids;
		e->rule.n_allow_ids = rule.n_allow;
		e->rule.deny_ids = ids + rule.n_allow;
		e->rule.n_deny_ids = rule.n_deny;
	}
	srv_privacy_rule_free(&rule);
	for (i = 0; i < n; i++) {
		if ((usr = srv_diff_user(d, ids[i], &r)) != NULL)
			pu[nu++] = usr;
		else if (r != 0)
			return r;
	}
	sotto__privacy_changed__init(&e->pc);
	e->pc.rule = &e->rule;
	e->pc.users = nu > 0 ? pu : NULL;
	e->pc.n_users = nu;
	e->up.event_case = SOTTO__UPDATE__EVENT_PRIVACY_CHANGED;
	e->up.privacy_changed = &e->pc;
	return 0;
}

static int
srv_diff_entry(void *ud, const struct srv_update *u)
{
	struct srv_diff *d = ud;
	struct srv_dent *e = &d->ents[d->n];
	size_t users0 = d->nusers, chats0 = d->nchats, arena0 = d->arena_used;
	size_t bytes0 = d->bytes, len, i, sz;
	uint64_t *ids, peer;
	int r = 0;

	sotto__update__init(&e->up);
	e->up.pts = u->pts;
	switch (u->kind) {
	case SRV_UPDATE_NEW_MESSAGE:
	case SRV_UPDATE_MESSAGE_EDITED:
		/* Deleted or hidden since: the entry only moves pts on. */
		if (!u->has_message)
			break;
		srv_chat__message(&e->msg, &u->msg, d->me);
		len = strlen(u->msg.text);
		if ((e->msg.text = srv_diff_alloc(d, len + 1)) == NULL)
			goto full;
		memcpy(e->msg.text, u->msg.text, len + 1);
		/* The forward's name lives in u, which the next row reuses. */
		if ((len = strlen(u->msg.fwd_name)) > 0) {
			if ((e->msg.fwd_name = srv_diff_alloc(d, len + 1)) ==
			    NULL)
				goto full;
			memcpy(e->msg.fwd_name, u->msg.fwd_name, len + 1);
		} else
			e->msg.fwd_name = (char *)"";
		if (u->kind == SRV_UPDATE_MESSAGE_EDITED) {
			sotto__message_edited__init(&e->me);
			e->me.message = &e->msg;
			e->up.event_case =
			    SOTTO__UPDATE__EVENT_MESSAGE_EDITED;
			e->up.message_edited = &e->me;
			break;
		}
		sotto__new_message__init(&e->nm);
		e->nm.message = &e->msg;
		if ((e->nm.chat = srv_diff_chat(d, u, &r)) == NULL && r != 0)
			goto fail;
		if (d->compact && !u->has_snap && e->nm.chat != NULL) {
			/* Named once, in Difference.chats. */
			if (d->nchats > chats0)
				d->bytes += sotto__chat__get_packed_size(
				    e->nm.chat) + 4;
			e->nm.chat = NULL;
		}
		e->nm.sender = srv_diff_user(d, u->msg.sender_id, &r);
		if (d->compact)
			e->nm.sender = NULL;	/* in Difference.users */
		if (r == 0 && u->msg.action_user_id != 0)
			(void)srv_diff_user(d, u->msg.action_user_id, &r);
		if (r == 0 && u->chat.kind == SRV_CHAT_PRIVATE) {
			peer = u->chat.user_lo == d->me ? u->chat.user_hi :
			    u->chat.user_lo;
			(void)srv_diff_user(d, peer, &r);
		}
		if (r != 0)
			goto fail;
		e->up.event_case = SOTTO__UPDATE__EVENT_NEW_MESSAGE;
		e->up.new_message = &e->nm;
		break;
	case SRV_UPDATE_MESSAGES_DELETED:
		sotto__messages_deleted__init(&e->md);
		e->md.chat_id = u->chat_id;
		e->md.for_everyone = u->arg != 0;
		e->md.n_ids = u->ids_len / 8;
		if (e->md.n_ids > 0) {
			if ((ids = srv_diff_alloc(d, e->md.n_ids *
			    sizeof(*ids))) == NULL)
				goto full;
			for (i = 0; i < e->md.n_ids; i++)
				ids[i] = srv_chat__unpack_id(u->ids + i * 8);
			e->md.ids = ids;
		}
		e->up.event_case = SOTTO__UPDATE__EVENT_MESSAGES_DELETED;
		e->up.messages_deleted = &e->md;
		break;
	case SRV_UPDATE_READ_INBOX:
		sotto__read_inbox__init(&e->ri);
		e->ri.chat_id = u->chat_id;
		e->ri.max_id = u->message_id;
		e->up.event_case = SOTTO__UPDATE__EVENT_READ_INBOX;
		e->up.read_inbox = &e->ri;
		break;
	case SRV_UPDATE_READ_OUTBOX:
		sotto__read_outbox__init(&e->ro);
		e->ro.chat_id = u->chat_id;
		e->ro.max_id = u->message_id;
		e->ro.reader_id = u->arg;
		(void)srv_diff_user(d, u->arg, &r);
		if (r != 0)
			goto fail;
		e->up.event_case = SOTTO__UPDATE__EVENT_READ_OUTBOX;
		e->up.read_outbox = &e->ro;
		break;
	case SRV_UPDATE_CONTACT:
		sotto__contact_changed__init(&e->cc);
		e->cc.added = u->arg2 != 0;
		if ((e->cc.user = srv_diff_user(d, u->arg, &r)) == NULL) {
			if (r != 0)
				goto fail;
			break;		/* the account is gone */
		}
		e->up.event_case = SOTTO__UPDATE__EVENT_CONTACT_CHANGED;
		e->up.contact_changed = &e->cc;
		break;
	case SRV_UPDATE_PRIVACY:
		if ((r = srv_diff_privacy(d, e, (int)u->arg)) < 0)
			goto fail;
		if (r > 0)
			goto full;
		break;
	case SRV_UPDATE_BLOCK:
		sotto__block_changed__init(&e->bc);
		e->bc.blocked = u->arg2 != 0;
		if ((e->bc.user = srv_diff_user(d, u->arg, &r)) == NULL) {
			if (r != 0)
				goto fail;
			break;		/* the account is gone */
		}
		e->up.event_case = SOTTO__UPDATE__EVENT_BLOCK_CHANGED;
		e->up.block_changed = &e->bc;
		break;
	default:
		break;			/* a kind from a newer sottod */
	}
	sz = sotto__update__get_packed_size(&e->up) + 4;
	if (d->n > 0 && d->bytes + sz > SRV_DIFF_BYTES)
		goto full;
	d->bytes += sz;
	d->ups[d->n++] = &e->up;
	return d->n < d->limit ? 0 : 1;
full:
	/* Undo this entry; the next page starts with it. */
	for (i = chats0; i < d->nchats; i++)
		srv_chat__buf_clear(&d->chats[i]);
	d->nchats = chats0;
	d->nusers = users0;
	d->arena_used = arena0;
	d->bytes = bytes0;
	d->full = 1;
	return 1;
fail:
	d->err = r;
	return r;
}

int
srv_chat_difference(struct srv_conn *c, uint64_t id,
    const Sotto__GetDifference *m)
{
	struct srv_store *st = c->srv->store;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__Difference diff = SOTTO__DIFFERENCE__INIT;
	Sotto__User **pu = NULL;
	Sotto__Chat **pc = NULL;
	struct srv_diff d;
	uint64_t top = 0;
	size_t i;
	int r;

	memset(&d, 0, sizeof(d));
	d.st = st;
	d.me = c->user_id;
	d.compact = m->compact;
	d.limit = m->limit == 0 || m->limit > SRV_DIFF_LIMIT ?
	    SRV_DIFF_LIMIT : m->limit;
	d.users_cap = d.limit * 3 + 1;
	d.chats_cap = d.limit;
	if ((r = srv_store_pts(st, c->user_id, &top)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((d.ents = malloc(d.limit * sizeof(*d.ents))) == NULL ||
	    (d.ups = malloc(d.limit * sizeof(*d.ups))) == NULL ||
	    (d.users = malloc(d.users_cap * sizeof(*d.users))) == NULL ||
	    (d.chats = malloc(d.chats_cap * sizeof(*d.chats))) == NULL ||
	    (d.arena = malloc(SRV_DIFF_BYTES + 1024)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	d.bytes = 32;
	if ((r = srv_store_updates(st, c->user_id, m->pts, d.limit,
	    srv_diff_entry, &d)) != 0 || (r = d.err) != 0)
		goto out;
	if ((pu = malloc((d.nusers + 1) * sizeof(*pu))) == NULL ||
	    (pc = malloc((d.nchats + 1) * sizeof(*pc))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < d.nusers; i++)
		pu[i] = &d.users[i].user;
	/* The shared chats (a snapshot has no cache key): compact only. */
	for (i = 0; d.compact && i < d.nchats; i++)
		if (d.chats[i].id != 0)
			pc[diff.n_chats++] = &d.chats[i].chat;
	diff.chats = pc;
	diff.updates = d.ups;
	diff.n_updates = d.n;
	diff.pts = d.n > 0 ? d.ups[d.n - 1]->pts : m->pts;
	diff.more = diff.pts < top;
	diff.users = pu;
	diff.n_users = d.nusers;
	resp.result_case = SOTTO__RESPONSE__RESULT_DIFFERENCE;
	resp.difference = &diff;
	r = srv_reply(c, id, &resp);
	goto done;
out:
	r = srv_reply_fail(c, id, r, NULL);
done:
	for (i = 0; i < d.nchats; i++)
		srv_chat__buf_clear(&d.chats[i]);
	free(pu);
	free(pc);
	free(d.ents);
	free(d.ups);
	free(d.users);
	free(d.chats);
	free(d.arena);
	return r;
}
