/*
 * Applying the update log. A page is applied in three steps:
 *
 *   begin (the write lock) -> read pts -> for each entry: skip it when
 *   pts >= its pts, stop at a gap, else store its effect and note it ->
 *   set pts -> commit -> report the noted entries as events.
 *
 * Catch-up speed comes from doing nothing per message but the inserts:
 * one transaction per page, the next page already asked for while this
 * one is applied, and a chat or user written once per page rather than
 * once per message that mentions it.
 */
#include "client/sync.h"

#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "client/cloud_int.h"
#include "client/sync_int.h"
#include "lib/err.h"
#include "lib/log.h"

/* What a page applied, for the events after the commit. */
struct sync_noted {
	const Sotto__Update *u;
	int flags;
};

static void sync_fetch(struct sync *s, uint64_t pts);

int
sync_new(struct sync **out, struct engine *e, struct store *st,
    const struct sync_ops *ops, void *ud)
{
	struct sync *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	s->e = e;
	s->st = st;
	s->ops = *ops;
	s->ud = ud;
	*out = s;
	return 0;
}

void
sync_free(struct sync *s)
{
	free(s);
}

void
sync_set_self(struct sync *s, uint64_t self)
{
	s->self = self;
}

int
sync_synced(const struct sync *s)
{
	return s->synced;
}

void
sync_message_from(struct store_message *m, const Sotto__Message *p)
{
	memset(m, 0, sizeof(*m));
	m->chat_id = p->chat_id;
	m->id = p->id;
	m->sender_id = p->sender_id;
	m->random_id = p->random_id;
	m->text = p->text;
	m->date = p->date;
	m->reply_to = p->reply_to;
	m->edit_date = p->edit_date;
	m->action = (int)p->action;
	m->action_user_id = p->action_user_id;
}

void
sync__chat_from(struct store_chat *c, const Sotto__Chat *p)
{
	memset(c, 0, sizeof(*c));
	c->id = p->id;
	c->kind = (int)p->kind;
	c->title = p->title;
	c->peer_id = p->peer_id;
	c->creator_id = p->creator_id;
}

void
sync__user_from(struct store_user *u, const Sotto__User *p)
{
	memset(u, 0, sizeof(*u));
	u->id = p->id;
	u->username = p->username;
	u->display_name = p->display_name;
	u->phone = p->phone;
	u->contact = p->contact;
}

static int
sync_put_user(struct sync *s, const Sotto__User *p)
{
	struct store_user u;

	if (p == NULL || p->id == 0)
		return 0;
	sync__user_from(&u, p);
	return store_put_user(s->st, &u);
}

/* Notes user id when it is not known here, to ask the server for it. */
static void
sync_note_user(struct sync *s, uint64_t id)
{
	struct store_user u;
	size_t i;

	if (id == 0 || s->n_missing == SYNC_PAGE)
		return;
	for (i = 0; i < s->n_missing; i++)
		if (s->missing[i] == id)
			return;
	if (store_get_user(s->st, id, &u) == 0) {
		store_user_free(&u);
		return;
	}
	s->missing[s->n_missing++] = id;
}

/*
 * Stores chat p, with its members when it is a group. *changed tells
 * whether it is new here or its title or membership may have changed.
 */
static int
sync_put_chat(struct sync *s, const Sotto__Chat *p, int service, int *changed)
{
	struct store_chat c;
	int *admin = NULL;
	size_t i, j;
	int r;

	sync__chat_from(&c, p);
	if ((r = store_merge_chat(s->st, &c, changed)) != 0)
		return r;
	/* A service message may have changed the members only. */
	*changed |= service;
	if (p->kind != SOTTO__CHAT_KIND__CHAT_GROUP || !*changed)
		return 0;
	if (p->n_member_ids > 0 &&
	    (admin = calloc(p->n_member_ids, sizeof(*admin))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < p->n_member_ids; i++) {
		for (j = 0; j < p->n_admin_ids; j++)
			if (p->admin_ids[j] == p->member_ids[i])
				admin[i] = 1;
		sync_note_user(s, p->member_ids[i]);
	}
	r = store_set_members(s->st, p->id, s->self, p->member_ids, admin,
	    p->n_member_ids);
	free(admin);
	return r;
}

/* The page's chat id (compact pages); its index or -1. */
ssize_t
sync__page_chat(const struct sync *s, uint64_t id)
{
	size_t i;

	for (i = 0; i < s->n_chats; i++)
		if (s->chats[i]->id == id)
			return (ssize_t)i;
	return -1;
}

/* The last chat and user written in this transaction, to skip rewrites. */
struct sync_cache {
	uint64_t chat_id;
	uint64_t user_id;
};

static int
sync_new_message(struct sync *s, struct sync_cache *cache,
    const Sotto__NewMessage *nm, uint64_t pts, int *flags)
{
	struct store_message m;
	ssize_t i;
	int r, changed = 0, is_new = 0;
	int service;

	if (nm->message == NULL)
		return 0;
	service = nm->message->action != SOTTO__SERVICE_ACTION__ACTION_NONE;
	if (nm->sender != NULL && nm->sender->id != cache->user_id) {
		if ((r = sync_put_user(s, nm->sender)) != 0)
			return r;
		cache->user_id = nm->sender->id;
	}
	if (nm->chat != NULL && (service || nm->chat->id != cache->chat_id)) {
		if ((r = sync_put_chat(s, nm->chat, service, &changed)) != 0)
			return r;
		cache->chat_id = nm->chat->id;
	} else if (nm->chat == NULL &&
	    (i = sync__page_chat(s, nm->message->chat_id)) >= 0) {
		/* Stored with the page; its first message reports it. */
		changed = s->chat_new[i];
		s->chat_new[i] = 0;
	}
	sync_message_from(&m, nm->message);
	if ((r = store_put_message(s->st, &m, pts, &is_new)) != 0)
		return r;
	if (nm->message->fwd_date != 0) {
		struct store_forward f = { nm->message->fwd_date,
		    nm->message->fwd_from_id, nm->message->fwd_name };

		if ((r = store_forward_put(s->st, m.chat_id, m.id, &f)) != 0)
			return r;
	}
	*flags = (changed ? SYNC_CHAT_NEW : 0) | (is_new ? SYNC_MSG_NEW : 0);
	return 0;
}

/* Stores the effect of one entry. */
static int
sync_apply_one(struct sync *s, struct sync_cache *cache,
    const Sotto__Update *u, int *flags)
{
	struct store_message m;
	struct store_user usr;
	size_t i;
	int r;

	*flags = 0;
	switch (u->event_case) {
	case SOTTO__UPDATE__EVENT_NEW_MESSAGE:
		return sync_new_message(s, cache, u->new_message, u->pts,
		    flags);
	case SOTTO__UPDATE__EVENT_MESSAGE_EDITED:
		if (u->message_edited->message == NULL)
			return 0;
		sync_message_from(&m, u->message_edited->message);
		return store_edit_message(s->st, &m);
	case SOTTO__UPDATE__EVENT_MESSAGES_DELETED:
		return store_delete_messages(s->st,
		    u->messages_deleted->chat_id, u->messages_deleted->ids,
		    u->messages_deleted->n_ids);
	case SOTTO__UPDATE__EVENT_READ_INBOX:
		return store_set_read_inbox(s->st, u->read_inbox->chat_id,
		    u->read_inbox->max_id);
	case SOTTO__UPDATE__EVENT_READ_OUTBOX:
		return store_set_read_outbox(s->st, u->read_outbox->chat_id,
		    u->read_outbox->max_id);
	case SOTTO__UPDATE__EVENT_CONTACT_CHANGED:
		if (u->contact_changed->user == NULL)
			return 0;
		sync__user_from(&usr, u->contact_changed->user);
		usr.contact = u->contact_changed->added;
		cache->user_id = 0;
		return store_put_user(s->st, &usr);
	case SOTTO__UPDATE__EVENT_PRIVACY_CHANGED:
		/* Rules live on the server; the users they name are kept. */
		cache->user_id = 0;
		for (i = 0; i < u->privacy_changed->n_users; i++)
			if ((r = sync_put_user(s,
			    u->privacy_changed->users[i])) != 0)
				return r;
		return 0;
	case SOTTO__UPDATE__EVENT_BLOCK_CHANGED:
		cache->user_id = 0;
		return sync_put_user(s, u->block_changed->user);
	default:
		/* An entry whose message is gone, or a newer event: pts only. */
		return 0;
	}
}

/*
 * Applies entries ups[0..n) (in pts order), users[0..nu) and the chats of
 * a compact page, chats[0..nc), in one transaction. Returns 0 and sets
 * *gap when an entry further than the next one was met (what came before
 * it is applied).
 */
static int
sync_apply(struct sync *s, Sotto__Update *const *ups, size_t n,
    Sotto__User *const *users, size_t nu, Sotto__Chat *const *chats,
    size_t nc, int *gap)
{
	struct sync_noted *noted = NULL;
	struct sync_cache cache = { 0, 0 };
	uint64_t pts, start, t_begin;
	size_t i, k = 0;
	int r, flags;

	t_begin = uv_hrtime();
	*gap = 0;
	if ((n > 0 && (noted = calloc(n, sizeof(*noted))) == NULL) ||
	    (nc > 0 && (s->chat_new = calloc(nc, sizeof(int))) == NULL)) {
		r = ERR_NOMEM;
		goto out;
	}
	s->chats = chats;
	s->n_chats = nc;
	if ((r = store_begin(s->st)) != 0)
		goto out;
	if ((r = store_get_pts(s->st, &pts)) != 0)
		goto fail;
	start = pts;
	for (i = 0; i < nu; i++)
		if ((r = sync_put_user(s, users[i])) != 0)
			goto fail;
	for (i = 0; i < nc; i++)
		if ((r = sync_put_chat(s, chats[i], 0, &s->chat_new[i])) != 0)
			goto fail;
	for (i = 0; i < n; i++) {
		if (ups[i]->pts <= pts)
			continue;	/* applied already (maybe elsewhere) */
		if (ups[i]->pts != pts + 1) {
			*gap = 1;
			break;
		}
		if ((r = sync_apply_one(s, &cache, ups[i], &flags)) != 0)
			goto fail;
		noted[k].u = ups[i];
		noted[k].flags = flags;
		k++;
		pts = ups[i]->pts;
	}
	if (pts != start && (r = store_set_pts(s->st, pts)) != 0)
		goto fail;
	if ((r = store_commit(s->st)) != 0)
		goto fail;
	if (k > 0)
		log_debug("applied %zu entries, pts %llu (%.1f ms)", k,
		    (unsigned long long)pts, (double)(uv_hrtime() - t_begin) / 1e6);
	s->caught += k;
	for (i = 0; i < k; i++)
		sync__report(s, noted[i].u, noted[i].flags);
	goto out;
fail:
	store_rollback(s->st);
	log_error_err(r, "cannot apply %zu updates", n);
out:
	free(noted);
	free(s->chat_new);
	s->chat_new = NULL;
	s->chats = NULL;
	s->n_chats = 0;
	return r;
}

static void
sync_mark_synced(struct sync *s)
{
	struct cloud_event ev;

	if (s->synced)
		return;
	s->synced = 1;
	if (s->caught > 0)
		log_info("caught up: %llu entries in %.1f ms",
		    (unsigned long long)s->caught,
		    (double)(uv_hrtime() - s->t0) / 1e6);
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_SYNCED;
	s->ops.emit(s->ud, &ev);
	if (s->ops.synced != NULL)
		s->ops.synced(s->ud);
}

static void
sync_on_users(void *ud, int err, const Sotto__Response *resp)
{
	struct sync *s = ud;

	s->users_inflight = 0;
	if (err == 0 && resp->result_case == SOTTO__RESPONSE__RESULT_USERS)
		(void)sync_put_users(s, resp->users->users,
		    resp->users->n_users);
	else if (err != ERR_CLOSED)
		log_warn_err(err, "GetUsers failed");
	if (s->want_synced && s->ready) {
		s->want_synced = 0;
		sync_mark_synced(s);
	}
}

/* Asks for the members this device has not met yet. */
static void
sync_fetch_users(struct sync *s)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetUsers gu = SOTTO__GET_USERS__INIT;

	if (s->n_missing == 0 || s->users_inflight || !s->ready)
		return;
	gu.ids = s->missing;
	gu.n_ids = s->n_missing;
	req.method_case = SOTTO__REQUEST__METHOD_GET_USERS;
	req.get_users = &gu;
	if (engine_call(s->e, &req, 0, sync_on_users, s) == 0)
		s->users_inflight = 1;
	s->n_missing = 0;
}

/*
 * Whether the server's entry at the stored pts is another message than
 * the one this profile applied there: a server restored from an older copy
 * whose log grew past the lost entries again (doc/PROTOCOL.md). Only a
 * message this profile holds under the same chat and id, with another
 * sender, random_id or date, counts; anything else cannot tell.
 */
static int
sync_diverged(struct sync *s, const Sotto__Update *u)
{
	const Sotto__Message *m;
	struct store_message lm;
	int diverged;

	if (u->event_case != SOTTO__UPDATE__EVENT_NEW_MESSAGE ||
	    u->new_message == NULL || (m = u->new_message->message) == NULL ||
	    store_get_message(s->st, m->chat_id, m->id, &lm) != 0)
		return 0;
	diverged = lm.sender_id != m->sender_id ||
	    lm.random_id != m->random_id || lm.date != m->date;
	store_message_free(&lm);
	return diverged;
}

/*
 * The first page of a catch-up starts one entry early (sync_on_ready): when
 * that entry is not what this profile applied, the log is read again from
 * the start. Returns 1 when a new fetch replaces this page.
 */
static int
sync_check_first(struct sync *s, const Sotto__Difference *d)
{
	uint64_t v = s->verify;
	int r;

	s->verify = 0;
	if (v == 0 || d->n_updates == 0 || d->updates[0]->pts != v ||
	    !sync_diverged(s, d->updates[0]))
		return 0;
	log_warn("the server's log entry %llu is not the one applied here: "
	    "the server was restored from an older copy; reading its log "
	    "again (every local message is kept)", (unsigned long long)v);
	if ((r = store_set_pts(s->st, 0)) != 0) {
		log_error_err(r, "cannot read the log again");
		return 0;
	}
	sync_fetch(s, 0);
	return 1;
}

static void
sync_on_difference(void *ud, int err, const Sotto__Response *resp)
{
	struct sync *s = ud;
	const Sotto__Difference *d;
	int r, gap = 0;

	s->fetching = 0;
	if (err != 0) {
		if (err != ERR_CLOSED)
			log_warn_err(err, "GetDifference failed");
		return;
	}
	if (resp->result_case != SOTTO__RESPONSE__RESULT_DIFFERENCE) {
		log_warn("GetDifference: unexpected answer");
		return;
	}
	d = resp->difference;
	log_debug("page of %zu entries after %.1f ms", d->n_updates,
	    (double)(uv_hrtime() - s->t0) / 1e6);
	if (sync_check_first(s, d))
		return;
	/* Ask for the next page first: the server works while we write. */
	if (d->more && d->pts > s->asked_pts)
		sync_fetch(s, d->pts);
	r = sync_apply(s, d->updates, d->n_updates, d->users, d->n_users,
	    d->chats, d->n_chats, &gap);
	if (r != 0)
		return;		/* tried again on the next update or connect */
	if (gap) {
		if (!s->fetching)
			sync_fetch(s, 0);
		return;
	}
	sync_fetch_users(s);
	if (!d->more && !s->fetching) {
		if (s->users_inflight)
			s->want_synced = 1;
		else
			sync_mark_synced(s);
	}
}

/* Asks for the log after pts (0: after the stored position). */
static void
sync_fetch(struct sync *s, uint64_t pts)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetDifference gd = SOTTO__GET_DIFFERENCE__INIT;
	int r;

	if (s->fetching || !s->ready)
		return;
	if (pts == 0 && (r = store_get_pts(s->st, &pts)) != 0) {
		log_error_err(r, "cannot read the sync position");
		return;
	}
	gd.pts = pts;
	gd.limit = SYNC_PAGE;
	gd.compact = 1;
	req.method_case = SOTTO__REQUEST__METHOD_GET_DIFFERENCE;
	req.get_difference = &gd;
	if ((r = engine_call(s->e, &req, 0, sync_on_difference, s)) != 0) {
		log_warn_err(r, "cannot ask for the difference");
		return;
	}
	s->fetching = 1;
	s->asked_pts = pts;
}

void
sync_on_ready(struct sync *s)
{
	uint64_t pts;

	s->ready = 1;
	s->synced = 0;
	s->t0 = uv_hrtime();
	s->caught = 0;
	/* One entry early, to check it is the one applied (sync_check_first). */
	s->verify = 0;
	if (store_get_pts(s->st, &pts) == 0 && pts >= 2) {
		s->verify = pts;
		sync_fetch(s, pts - 1);
		return;
	}
	sync_fetch(s, 0);
}

void
sync_on_down(struct sync *s)
{
	s->ready = 0;
	s->synced = 0;
	s->want_synced = 0;
	s->users_inflight = 0;
}

void
sync_on_update(struct sync *s, const Sotto__Update *u)
{
	Sotto__Update *one[1];
	uint64_t pts;
	int r, gap = 0;

	log_debug("update pts %llu (event %d)%s", (unsigned long long)u->pts,
	    (int)u->event_case, s->fetching ? " while fetching" : "");
	if (u->pts == 0) {
		if (u->event_case == SOTTO__UPDATE__EVENT_TYPING ||
		    u->event_case == SOTTO__UPDATE__EVENT_USER_STATUS)
			sync__report(s, u, 0);
		return;
	}
	if (s->fetching) {
		/*
		 * The answer in flight was made after this update was pushed
		 * (one connection keeps order), so it carries it; only a gap
		 * past it needs another look afterwards.
		 */
		return;
	}
	if ((r = store_get_pts(s->st, &pts)) != 0)
		return;
	if (u->pts <= pts)
		return;
	if (u->pts != pts + 1) {
		log_info("gap: local pts %llu, update %llu",
		    (unsigned long long)pts, (unsigned long long)u->pts);
		s->synced = 0;
		sync_fetch(s, 0);
		return;
	}
	one[0] = (Sotto__Update *)u;
	if (sync_apply(s, one, 1, NULL, 0, NULL, 0, &gap) == 0 && gap)
		sync_fetch(s, 0);	/* another process moved pts meanwhile */
	sync_fetch_users(s);
}

int
sync_apply_sent(struct sync *s, const Sotto__SendResult *r,
    uint64_t remove_rid)
{
	Sotto__NewMessage nm = SOTTO__NEW_MESSAGE__INIT;
	Sotto__Update u = SOTTO__UPDATE__INIT;
	struct sync_cache cache = { 0, 0 };
	int rc, flags = 0;

	if (r == NULL || r->message == NULL)
		return ERR_PROTO;
	nm.message = r->message;
	nm.chat = r->chat;
	u.event_case = SOTTO__UPDATE__EVENT_NEW_MESSAGE;
	u.new_message = &nm;
	u.pts = 0;
	if ((rc = store_begin(s->st)) != 0)
		return rc;
	if ((rc = sync_new_message(s, &cache, &nm, r->pts, &flags)) != 0)
		goto fail;
	if (remove_rid != 0 &&
	    (rc = store_outbox_remove(s->st, remove_rid)) != 0)
		goto fail;
	if ((rc = store_commit(s->st)) != 0)
		goto fail;
	sync__report(s, &u, flags);
	sync_fetch_users(s);
	return 0;
fail:
	store_rollback(s->st);
	log_error_err(rc, "cannot store a sent message");
	return rc;
}

int
sync_put_users(struct sync *s, Sotto__User *const *users, size_t n)
{
	size_t i;
	int r;

	if ((r = store_begin(s->st)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = sync_put_user(s, users[i])) != 0) {
			store_rollback(s->st);
			return r;
		}
	if ((r = store_commit(s->st)) != 0)
		store_rollback(s->st);
	return r;
}
