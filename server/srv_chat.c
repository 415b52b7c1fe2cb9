/*
 * Cloud chats: the requests from ResolveUser on (see srv_chat.h and
 * doc/PROTOCOL.md, "Methods (cloud chats)").
 *
 * Shape of a writing request: check the input and the asker's rights,
 * then write everything in one atomic unit (srv_store_atomic_begin/end),
 * so a failure half-way leaves nothing behind; then answer and push. The
 * answer and the pushes are held until the group commit (srv.h).
 *
 * Privacy is decided by srv_privacy.c: the phone field, finding a user by
 * phone (a hidden user and a missing one get the same ERR_NOT_FOUND),
 * messages into a private chat and adding to groups. Logs carry ids,
 * never message text.
 */
#include "config.h"

#include "server/srv_chat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/err.h"
#include "server/srv.h"
#include "server/srv_auth.h"
#include "server/srv_conn.h"
#include "server/srv_directory.h"
#include "server/srv_forward.h"
#include "server/srv_group.h"
#include "server/srv_log.h"
#include "server/srv_presence.h"
#include "server/srv_privacy.h"
#include "server/srv_profile.h"
#include "server/srv_reply.h"
#include "server/srv_report.h"
#include "server/srv_store.h"
#include "server/srv_text.h"
#include "server/srv_visible.h"

/* A Chat as the wire has it, with storage for its strings and arrays. */
struct srv_chatbuf {
	Sotto__Chat chat;
	uint64_t id;			/* the cache key (0: not cached) */
	char title[SRV_CHAT_TITLE_MAX + 1];
	uint64_t *ids;			/* members, then admins; malloc()ed */
	uint64_t pair[2];		/* a pair chat's members */
};

/* A User as the wire has it, with storage for its strings. */
struct srv_userbuf {
	Sotto__User user;
	struct srv_profile p;
};

/* ---------------------------------------------------------------- checks */

int
srv_chat_check_text(const char *text, const char **why)
{
	size_t n, len = text != NULL ? strlen(text) : 0;

	*why = NULL;
	if (len == 0) {
		*why = "the text is empty";
		return ERR_INVAL;
	}
	if (len > SRV_TEXT_BYTES_MAX ||
	    srv_text_count(text, len, SRV_TEXT_MAX, &n) != 0) {
		*why = len > SRV_TEXT_BYTES_MAX ? "the text is too long" :
		    "the text is not valid UTF-8";
		return ERR_INVAL;
	}
	if (n > SRV_TEXT_MAX) {
		*why = "the text is longer than 4096 characters";
		return ERR_INVAL;
	}
	return 0;
}

int
srv_chat_check_title(const char *title, const char **why)
{
	*why = NULL;
	if (title == NULL || title[0] == '\0') {
		*why = "the title is empty";
		return ERR_INVAL;
	}
	if (srv_auth_check_name(title, SRV_CHAT_TITLE_MAX, why) != 0) {
		if (strlen(title) > SRV_CHAT_TITLE_MAX)
			*why = "the title is longer than 256 bytes";
		return ERR_INVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------- helpers */

/* Whether user_id has a connected, signed-in device. */
static int
srv_chat_online(struct srv *s, uint64_t user_id)
{
	struct srv_conn *c;

	for (c = srv_user_conns(s, user_id); c != NULL; c = c->unext)
		if (c->user_id == user_id && c->authed && !c->closing)
			return 1;
	return 0;
}

/*
 * Fills u with profile p as asker may see it. Returns 0 or ERR_DB.
 * The phone, last seen and bio are shown as the owner's rules say.
 */
int
srv_chat_user(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u)
{
	int r;

	sotto__user__init(u);
	u->id = p->id;
	u->username = (char *)p->username;
	u->display_name = (char *)p->display_name;
	if (p->id != asker) {
		if ((r = srv_store_is_contact(st, asker, p->id)) == 0)
			u->contact = 1;
		else if (r != ERR_NOT_FOUND)
			return r;
	}
	if (p->phone[0] != '\0') {
		if ((r = srv_privacy_allows(st, p->id, SRV_PRIV_PHONE_NUMBER,
		    asker)) == 0)
			u->phone = (char *)p->phone;
		else if (r != ERR_PERM)
			return r;
	}
	if ((r = srv_presence_fill(st, asker, p, u)) != 0)
		return r;
	return srv_profile_fill(st, asker, p, u);
}

static void
srv_chat_pack_ids(uint8_t *out, const uint64_t *ids, size_t n)
{
	size_t i;
	int b;

	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++)
			out[i * 8 + (size_t)b] = (uint8_t)(ids[i] >> (8 * b));
}

static uint64_t
srv_chat_unpack_id(const uint8_t *p)
{
	uint64_t v = 0;
	int b;

	for (b = 7; b >= 0; b--)
		v = (v << 8) | p[b];
	return v;
}

/* Frees what a chatbuf holds (not the chatbuf). */
static void
srv_chatbuf_clear(struct srv_chatbuf *b)
{
	free(b->ids);
	b->ids = NULL;
}

/*
 * Fills b with chat as asker sees it. For a group the members and
 * admins come from roster (n entries) when it is not NULL, else from
 * snap when it is not NULL, else are left empty. 0 or ERR_NOMEM.
 */
static int
srv_chat_fill(struct srv_store *st, struct srv_chatbuf *b,
    const struct srv_chat *chat, uint64_t asker,
    const struct srv_member *roster, size_t n,
    const struct srv_snapshot *snap)
{
	Sotto__Chat *w = &b->chat;
	size_t i, nm = 0, na = 0, cap;
	int hide;

	sotto__chat__init(w);
	b->ids = NULL;
	w->id = chat->id;
	w->kind = (Sotto__ChatKind)chat->kind;
	if (chat->kind != SRV_CHAT_GROUP) {
		w->peer_id = chat->user_lo == asker ? chat->user_hi :
		    chat->user_lo;
		b->pair[nm++] = chat->user_lo;
		if (chat->user_hi != chat->user_lo)
			b->pair[nm++] = chat->user_hi;
		w->member_ids = b->pair;
		w->n_member_ids = nm;
		return 0;
	}
	w->creator_id = chat->creator_id;
	/* Whoever the list goes to, it is cut to what they may see later. */
	if ((hide = srv_store_group_hides(st, chat->id)) < 0)
		return hide;
	w->hide_members = hide != 0;
	snprintf(b->title, sizeof(b->title), "%s",
	    snap != NULL && roster == NULL ? snap->title : chat->title);
	w->title = b->title;
	if (roster != NULL) {
		cap = n;
	} else if (snap != NULL) {
		cap = snap->members_len / 8 + snap->admins_len / 8;
	} else
		return 0;
	if (cap == 0)
		return 0;
	if ((b->ids = malloc(cap * sizeof(uint64_t) * 2)) == NULL)
		return ERR_NOMEM;
	if (roster != NULL) {
		for (i = 0; i < n; i++)
			b->ids[nm++] = roster[i].user_id;
		for (i = 0; i < n; i++)
			if (roster[i].admin)
				b->ids[nm + na++] = roster[i].user_id;
	} else {
		for (i = 0; i + 8 <= snap->members_len; i += 8)
			b->ids[nm++] = srv_chat_unpack_id(snap->members + i);
		for (i = 0; i + 8 <= snap->admins_len; i += 8)
			b->ids[nm + na++] = srv_chat_unpack_id(snap->admins + i);
	}
	w->member_ids = b->ids;
	w->n_member_ids = nm;
	w->admin_ids = na > 0 ? b->ids + nm : NULL;
	w->n_admin_ids = na;
	return 0;
}

static void
srv_chat_message(Sotto__Message *w, const struct srv_message *m,
    uint64_t asker)
{
	sotto__message__init(w);
	w->chat_id = m->chat_id;
	w->id = m->id;
	w->sender_id = m->sender_id;
	/* The sender's own token; nobody else learns it. */
	w->random_id = m->sender_id == asker ? m->random_id : 0;
	w->text = m->text != NULL ? m->text : (char *)"";
	w->date = m->date;
	w->reply_to = m->reply_to;
	w->edit_date = m->edit_date;
	w->action = (Sotto__ServiceAction)m->action;
	w->action_user_id = m->action_user_id;
	w->fwd_date = m->fwd_date;
	w->fwd_from_id = m->fwd_from_id;
	w->fwd_name = (char *)m->fwd_name;
}

/*
 * The members of chat, malloc()ed into *roster (NULL for pair chats,
 * whose members are in the chat itself) and as plain ids into users.
 * 0, ERR_NOMEM or ERR_DB.
 */
static int
srv_chat_members(struct srv_store *st, const struct srv_chat *chat,
    struct srv_member **roster, size_t *nroster, uint64_t *users,
    size_t *nusers)
{
	size_t i;
	int r;

	*roster = NULL;
	*nroster = *nusers = 0;
	if (chat->kind != SRV_CHAT_GROUP) {
		users[(*nusers)++] = chat->user_lo;
		if (chat->user_hi != chat->user_lo)
			users[(*nusers)++] = chat->user_hi;
		return 0;
	}
	if ((r = srv_store_chat_roster(st, chat->id, roster, nroster)) != 0)
		return r;
	for (i = 0; i < *nroster && i < SRV_GROUP_MAX + 1; i++)
		users[(*nusers)++] = (*roster)[i].user_id;
	return 0;
}

/*
 * Appends e to the log of every user in users (n of them), each getting
 * its own pts in fan[]. The asker's own pts goes to *my_pts (0 when it is
 * not among them). 0 or ERR_*; inside the caller's atomic unit.
 */
static int
srv_chat_fanout(struct srv_store *st, const uint64_t *users, size_t n,
    const struct srv_entry *e, uint64_t me, struct srv_fan *fan,
    uint64_t *my_pts)
{
	size_t i;
	int r;

	*my_pts = 0;
	for (i = 0; i < n; i++) {
		fan[i].user_id = users[i];
		if ((r = srv_store_update_add(st, users[i], e,
		    &fan[i].pts)) != 0)
			return r;
		if (users[i] == me)
			*my_pts = fan[i].pts;
	}
	return 0;
}

/* Looks up chat_id for a member. 0, ERR_NOT_FOUND or ERR_DB. */
int
srv_chat_of_member(struct srv_store *st, uint64_t chat_id, uint64_t me,
    struct srv_chat *chat)
{
	int r;

	if (chat_id == 0)
		return ERR_NOT_FOUND;
	if ((r = srv_store_chat_by_id(st, chat_id, chat)) != 0)
		return r;
	return srv_store_chat_member(st, chat_id, me);
}

/* A rate limit keyed by user id; answers ERR_RATE_LIMITED itself. */
int
srv_chat_limit(struct srv_conn *c, struct srv_limit *l, uint64_t key,
    uint64_t id, int *limited)
{
	uint32_t retry = 0;

	*limited = 0;
	if (srv_limit_take(l, &key, sizeof(key), srv_now_ms(c->srv),
	    &retry) == 0)
		return 0;
	*limited = 1;
	return srv_conn_error(c, id, ERR_RATE_LIMITED,
	    "too many requests; slow down", retry);
}

/*
 * Answers ERR_PERM for a privacy refusal by user_id: "@name does not
 * accept <what> from you". It does not say whether a rule or a block
 * refused: a block is not announced.
 */
static int
srv_chat_refused(struct srv_conn *c, uint64_t id, uint64_t user_id,
    const char *what)
{
	struct srv_profile p;
	char why[160];

	if (srv_store_profile_by_id(c->srv->store, user_id, &p) != 0)
		snprintf(p.username, sizeof(p.username), "?");
	snprintf(why, sizeof(why), "@%s does not accept %s from you",
	    p.username, what);
	return srv_conn_error(c, id, ERR_PERM, why, 0);
}

/* ---------------------------------------------------------------- people */

static int
srv_chat_reply_user(struct srv_conn *c, uint64_t id,
    const struct srv_profile *p)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__UserResult ur = SOTTO__USER_RESULT__INIT;
	Sotto__User u;
	int r;

	if ((r = srv_chat_user(c->srv->store, c->user_id, p, &u)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	ur.user = &u;
	resp.result_case = SOTTO__RESPONSE__RESULT_USER;
	resp.user = &ur;
	return srv_reply(c, id, &resp);
}

int
srv_chat_resolve(struct srv_conn *c, uint64_t id,
    const Sotto__ResolveUser *m)
{
	struct srv *s = c->srv;
	struct srv_profile p;
	char name[SRV_USERNAME_MAX + 1];
	const char *why;
	int have_name = m->username != NULL && m->username[0] != '\0';
	int have_phone = m->phone != NULL && m->phone[0] != '\0';
	uint32_t retry = 0;
	int r;

	if (have_name == have_phone)
		return srv_conn_error(c, id, ERR_INVAL,
		    "give exactly one of a username or a phone number", 0);
	/* The directory throttle: per account and per address. */
	if (srv_dir_take(c, have_name ? SRV_DIR_ASK_NAME : SRV_DIR_ASK_PHONE,
	    1, 1.0, &retry) != 0)
		return srv_dir_limited(c, id, retry);
	if (have_name) {
		if (srv_auth_check_username(m->username, name, &why) != 0) {
			srv_dir_count(c, SRV_DIR_INVALID, 1);
			return srv_conn_error(c, id, ERR_INVAL, why, 0);
		}
		r = srv_store_profile_by_name(s->store, name, &p);
	} else {
		if (srv_auth_check_phone(m->phone, &why) != 0) {
			srv_dir_count(c, SRV_DIR_INVALID, 1);
			return srv_conn_error(c, id, ERR_INVAL, why, 0);
		}
		r = srv_store_profile_by_phone(s->store, m->phone, &p);
		/*
		 * The owner's phone_discovery rule; refused looks like
		 * absent, and absent does the rule's work too.
		 */
		if (r == ERR_NOT_FOUND)
			r = srv_privacy_allows_none(s->store,
			    SRV_PRIV_PHONE_DISCOVERY, c->user_id);
		if (r == 0 && (r = srv_privacy_allows(s->store, p.id,
		    SRV_PRIV_PHONE_DISCOVERY, c->user_id)) == ERR_PERM) {
			srv_dir_count(c, SRV_DIR_HIDDEN, 1);
			r = ERR_NOT_FOUND;
		} else if (r == ERR_NOT_FOUND)
			srv_dir_count(c, SRV_DIR_ABSENT, 1);
	}
	if (r == ERR_NOT_FOUND && have_name)
		srv_dir_count(c, SRV_DIR_ABSENT, 1);
	if (r == 0 && (r = srv_dir_discover(c, p.id, &retry)) ==
	    ERR_RATE_LIMITED)
		return srv_conn_error(c, id, ERR_RATE_LIMITED,
		    "the daily budget of new users is used up", retry);
	if (r != 0)
		return srv_reply_fail(c, id, r, r == ERR_NOT_FOUND ?
		    "no such user" : NULL);
	srv_dir_count(c, SRV_DIR_FOUND, 1);
	return srv_chat_reply_user(c, id, &p);
}

/*
 * Answers UsersResult with the profiles of ids (n), skipping the missing
 * and, with check, those the asker may not see; stops before the frame
 * would be too big.
 */
int
srv_chat_reply_users(struct srv_conn *c, uint64_t id, const uint64_t *ids,
    size_t n, int check)
{
	struct srv_store *st = c->srv->store;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__UsersResult ur = SOTTO__USERS_RESULT__INIT;
	struct srv_userbuf *v = NULL;
	Sotto__User **pv = NULL;
	size_t i, j, k = 0, bytes = 0, sz;
	int r = 0, dup;

	if (n > 0 && ((v = malloc(n * sizeof(*v))) == NULL ||
	    (pv = malloc(n * sizeof(*pv))) == NULL)) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		for (dup = 0, j = 0; j < k && !dup; j++)
			dup = v[j].p.id == ids[i];
		if (dup)
			continue;
		r = check ? srv_visible_profile(st, c->user_id, ids[i],
		    &v[k].p) : srv_store_profile_by_id(st, ids[i], &v[k].p);
		if (r != 0) {
			if (r != ERR_NOT_FOUND)
				goto out;
			r = 0;
			continue;
		}
		if ((r = srv_chat_user(st, c->user_id, &v[k].p,
		    &v[k].user)) != 0)
			goto out;
		sz = sotto__user__get_packed_size(&v[k].user) + 4;
		if (bytes + sz > SRV_DIFF_BYTES)
			break;
		bytes += sz;
		pv[k] = &v[k].user;
		k++;
	}
	ur.users = pv;
	ur.n_users = k;
	resp.result_case = SOTTO__RESPONSE__RESULT_USERS;
	resp.users = &ur;
	r = srv_reply(c, id, &resp);
	free(v);
	free(pv);
	return r;
out:
	free(v);
	free(pv);
	return srv_reply_fail(c, id, r, NULL);
}

int
srv_chat_get_users(struct srv_conn *c, uint64_t id, const Sotto__GetUsers *m)
{
	uint32_t retry = 0;

	if (m->n_ids > SRV_GET_USERS_MAX)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "at most 100 users at once", 0);
	if (srv_dir_take(c, SRV_DIR_ASK_IDS, m->n_ids,
	    srv_dir_cost(m->n_ids), &retry) != 0)
		return srv_dir_limited(c, id, retry);
	return srv_chat_reply_users(c, id, m->ids, m->n_ids, 1);
}

int
srv_chat_get_contacts(struct srv_conn *c, uint64_t id)
{
	uint64_t *ids;
	size_t n;
	int r;

	if ((r = srv_store_contacts(c->srv->store, c->user_id, &ids,
	    &n)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_chat_reply_users(c, id, ids, n, 0);
	free(ids);
	return r;
}

int
srv_chat_contact(struct srv_conn *c, uint64_t id, uint64_t user_id, int add)
{
	struct srv *s = c->srv;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__ContactResult cr = SOTTO__CONTACT_RESULT__INIT;
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__ContactChanged cc = SOTTO__CONTACT_CHANGED__INIT;
	struct srv_entry e;
	struct srv_profile p;
	Sotto__User u;
	uint64_t pts = 0;
	uint32_t retry = 0;
	int r;

	if (user_id == c->user_id)
		return srv_conn_error(c, id, ERR_INVAL,
		    "one cannot be one's own contact", 0);
	if (add && srv_dir_take(c, SRV_DIR_ASK_CONTACT, 1, 1.0, &retry) != 0)
		return srv_dir_limited(c, id, retry);
	if ((r = srv_visible_profile(s->store, c->user_id, user_id, &p)) != 0)
		return srv_reply_fail(c, id, r, r == ERR_NOT_FOUND ?
		    "no such user" : NULL);
	memset(&e, 0, sizeof(e));
	e.kind = SRV_UPDATE_CONTACT;
	e.arg = user_id;
	e.arg2 = add != 0;
	if ((r = srv_store_unit_begin(s->store)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	/* The log names user from now on: it stays addressable. */
	r = srv_store_shown_add(s->store, c->user_id, user_id);
	if (r == 0)
		r = add ? srv_store_contact_add(s->store, c->user_id,
		    user_id) : srv_store_contact_remove(s->store, c->user_id,
		    user_id);
	if (r == 0)
		r = srv_store_update_add(s->store, c->user_id, &e, &pts);
	if ((r = srv_store_unit_end(s->store, r)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = srv_chat_user(s->store, c->user_id, &p, &u)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	cr.user = &u;
	cr.pts = pts;
	resp.result_case = SOTTO__RESPONSE__RESULT_CONTACT;
	resp.contact = &cr;
	r = srv_reply(c, id, &resp);
	cc.user = &u;
	cc.added = add != 0;
	up.pts = pts;
	up.event_case = SOTTO__UPDATE__EVENT_CONTACT_CHANGED;
	up.contact_changed = &cc;
	srv_reply_push(s, c->user_id, &up);
	return r;
}

/* ---------------------------------------------------------------- messages */

/*
 * Pushes NewMessage (or, with edited, MessageEdited) for m to each
 * recipient in fan (n), with chat as it is (NULL for an edit), each with
 * its own pts and its own view of the sender.
 */
static void
srv_chat_push_message(struct srv *s, const struct srv_fan *fan, size_t n,
    const struct srv_message *m, Sotto__Chat *chat, int edited)
{
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__NewMessage nm = SOTTO__NEW_MESSAGE__INIT;
	Sotto__MessageEdited me = SOTTO__MESSAGE_EDITED__INIT;
	Sotto__Message w;
	Sotto__User sender;
	Sotto__Chat view;
	uint64_t shown[SRV_GROUP_MAX + 1];
	struct srv_profile p;
	int have_p = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!srv_chat_online(s, fan[i].user_id))
			continue;
		srv_chat_message(&w, m, fan[i].user_id);
		up.pts = fan[i].pts;
		if (edited) {
			me.message = &w;
			up.event_case = SOTTO__UPDATE__EVENT_MESSAGE_EDITED;
			up.message_edited = &me;
		} else {
			if (!have_p && srv_store_profile_by_id(s->store,
			    m->sender_id, &p) == 0)
				have_p = 1;
			nm.message = &w;
			/* Pair chats: each side sees the other as the peer. */
			if (chat->kind != SOTTO__CHAT_KIND__CHAT_GROUP &&
			    chat->n_member_ids == 2)
				chat->peer_id = chat->member_ids[0] ==
				    fan[i].user_id ? chat->member_ids[1] :
				    chat->member_ids[0];
			srv_group_view(chat, fan[i].user_id, &view, shown,
			    SRV_GROUP_MAX + 1);
			nm.chat = &view;
			nm.sender = NULL;
			if (have_p && srv_chat_user(s->store, fan[i].user_id,
			    &p, &sender) == 0)
				nm.sender = &sender;
			up.event_case = SOTTO__UPDATE__EVENT_NEW_MESSAGE;
			up.new_message = &nm;
		}
		srv_reply_push(s, fan[i].user_id, &up);
	}
}

static int
srv_chat_reply_sent(struct srv_conn *c, uint64_t id,
    const struct srv_message *m, Sotto__Chat *chat, uint64_t pts)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__SendResult sr = SOTTO__SEND_RESULT__INIT;
	Sotto__Message w;
	Sotto__Chat view;
	uint64_t shown[SRV_GROUP_MAX + 1];

	srv_chat_message(&w, m, c->user_id);
	sr.message = &w;
	srv_group_view(chat, c->user_id, &view, shown, SRV_GROUP_MAX + 1);
	sr.chat = &view;
	sr.pts = pts;
	resp.result_case = SOTTO__RESPONSE__RESULT_SENT;
	resp.sent = &sr;
	return srv_reply(c, id, &resp);
}

/* Answers a resend: the original message, its chat now, its pts. */
static int
srv_chat_resend(struct srv_conn *c, uint64_t id, struct srv_message *old)
{
	struct srv_store *st = c->srv->store;
	struct srv_chat chat;
	struct srv_chatbuf cb;
	struct srv_member *roster = NULL;
	size_t n = 0;
	int r;

	memset(&cb, 0, sizeof(cb));
	if ((r = srv_store_chat_by_id(st, old->chat_id, &chat)) != 0)
		goto out;
	if (chat.kind == SRV_CHAT_GROUP && srv_store_chat_member(st,
	    chat.id, c->user_id) == 0 &&
	    (r = srv_store_chat_roster(st, chat.id, &roster, &n)) != 0)
		goto out;
	if ((r = srv_chat_fill(st, &cb, &chat, c->user_id, roster, n,
	    NULL)) != 0)
		goto out;
	r = srv_chat_reply_sent(c, id, old, &cb.chat, old->pts);
	srv_chatbuf_clear(&cb);
	free(roster);
	return r;
out:
	srv_chatbuf_clear(&cb);
	free(roster);
	return srv_reply_fail(c, id, r, NULL);
}

/*
 * Dedupes on (sender, random_id): when the sender already made a message
 * with random_id, answers request id with it (or ERR_INVAL when that
 * message came from another kind of request, not action) and sets
 * *answered. Returns 0 or the error that closes the connection.
 */
static int
srv_chat_dedupe(struct srv_conn *c, uint64_t id, uint64_t random_id,
    int action, int *answered)
{
	struct srv_message old;
	int r;

	*answered = 0;
	r = srv_store_message_by_random(c->srv->store, c->user_id, random_id,
	    &old);
	if (r == ERR_NOT_FOUND)
		return 0;
	*answered = 1;
	if (r != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((int)old.action != action)
		r = srv_conn_error(c, id, ERR_INVAL,
		    "that random_id was used by another request", 0);
	else
		r = srv_chat_resend(c, id, &old);
	free(old.text);
	return r;
}

/*
 * Sends m, or with fwd a forward copy of what fwd names (its text is
 * m->text): the copy links its original sender only as srv_forward_link()
 * decides for the chat's members. Returns 0, or ERR_* to close c.
 */
int
srv_chat_post(struct srv_conn *c, uint64_t id, const Sotto__SendMessage *m,
    const struct srv_forward *fwd)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_message msg;
	struct srv_chat chat;
	struct srv_chatbuf cb;
	struct srv_member *roster = NULL;
	struct srv_profile peer;
	struct srv_entry e;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t users[SRV_GROUP_MAX + 1], my_pts = 0, peer_id;
	size_t nroster = 0, nusers = 0;
	const char *why = NULL;
	int r, limited, answered;

	memset(&cb, 0, sizeof(cb));
	memset(&msg, 0, sizeof(msg));
	memset(&chat, 0, sizeof(chat));
	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if (m->random_id == 0)
		return srv_conn_error(c, id, ERR_INVAL,
		    "random_id must not be 0", 0);
	if ((m->to_user_id != 0) == (m->chat_id != 0))
		return srv_conn_error(c, id, ERR_INVAL,
		    "give exactly one of to_user_id or chat_id", 0);
	if (srv_chat_check_text(m->text, &why) != 0)
		return srv_conn_error(c, id, ERR_INVAL, why, 0);

	/* A resend: the original answer, nothing written. */
	if ((r = srv_chat_dedupe(c, id, m->random_id, SOTTO__SERVICE_ACTION__ACTION_NONE,
	    &answered)) != 0 || answered)
		return r;

	/* Every check before the first write (see srv_store_unit_begin()). */
	if (m->to_user_id != 0) {
		r = srv_store_chat_pair(st, c->user_id, m->to_user_id, 0,
		    &chat);
		if (r == ERR_NOT_FOUND)
			chat.id = 0;	/* made below, on first use */
		else if (r != 0)
			return srv_reply_fail(c, id, r, NULL);
		/* A chat of the two shows the peer; else it must be shown. */
		r = chat.id != 0 ? srv_store_profile_by_id(st, m->to_user_id,
		    &peer) : srv_visible_profile(st, c->user_id,
		    m->to_user_id, &peer);
		if (r != 0)
			return srv_reply_fail(c, id, r, r == ERR_NOT_FOUND ?
			    "no such user" : NULL);
		/* A new private chat: not while restricted (reports). */
		if (chat.id == 0 && m->to_user_id != c->user_id &&
		    ((r = srv_report_refuse(c, id, &answered)) != 0 ||
		    answered))
			return r;
	} else if ((r = srv_chat_of_member(st, m->chat_id, c->user_id,
	    &chat)) != 0)
		return srv_reply_fail(c, id, r, r == ERR_NOT_FOUND ?
		    "no such chat" : NULL);
	if (m->reply_to != 0 && (chat.id == 0 ||
	    (r = srv_store_message_exists(st, chat.id, m->reply_to)) != 0))
		return srv_reply_fail(c, id, chat.id == 0 ||
		    r == ERR_NOT_FOUND ? ERR_INVAL : r,
		    "reply_to is not a message of this chat");
	/* Into a private chat: the peer's messages rule and blocks. */
	peer_id = m->to_user_id != 0 ? m->to_user_id :
	    chat.kind != SRV_CHAT_PRIVATE ? c->user_id :
	    chat.user_lo == c->user_id ? chat.user_hi : chat.user_lo;
	if (peer_id != c->user_id && (r = srv_privacy_may_message(st, peer_id,
	    c->user_id, chat.id)) != 0) {
		if (r != ERR_PERM)
			return srv_reply_fail(c, id, r, NULL);
		return srv_chat_refused(c, id, peer_id, "messages");
	}

	if ((r = srv_store_unit_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if (chat.id == 0 && (r = srv_store_chat_pair(st, c->user_id,
	    m->to_user_id, 1, &chat)) != 0)
		goto end;
	if ((r = srv_chat_members(st, &chat, &roster, &nroster, users,
	    &nusers)) != 0)
		goto end;
	msg.chat_id = chat.id;
	msg.sender_id = c->user_id;
	msg.random_id = m->random_id;
	msg.date = (uint64_t)time(NULL);
	msg.reply_to = m->reply_to;
	msg.text = m->text;
	if (fwd != NULL && (r = srv_forward_link(st, fwd, users, nusers,
	    c->user_id, &msg)) != 0)
		goto end;
	if ((r = srv_store_chat_next_id(st, chat.id, &msg.id)) != 0)
		goto end;
	memset(&e, 0, sizeof(e));
	e.kind = SRV_UPDATE_NEW_MESSAGE;
	e.chat_id = chat.id;
	e.message_id = msg.id;
	if ((r = srv_chat_fanout(st, users, nusers, &e, c->user_id, fan,
	    &my_pts)) != 0)
		goto end;
	msg.pts = my_pts;
	if ((r = srv_store_message_add(st, &msg)) == 0 && fwd != NULL)
		r = srv_store_forward_set(st, msg.chat_id, msg.id, msg.fwd_date,
		    msg.fwd_from_id, msg.fwd_name);
end:
	if ((r = srv_store_unit_end(st, r)) != 0) {
		free(roster);
		return srv_reply_fail(c, id, r, why);
	}
	if ((r = srv_chat_fill(st, &cb, &chat, c->user_id, roster, nroster,
	    NULL)) != 0) {
		free(roster);
		return srv_reply_fail(c, id, r, NULL);
	}
	r = srv_chat_reply_sent(c, id, &msg, &cb.chat, my_pts);
	srv_chat_push_message(s, fan, nusers, &msg, &cb.chat, 0);
	srv_chatbuf_clear(&cb);
	free(roster);
	return r;
}

int
srv_chat_edit(struct srv_conn *c, uint64_t id, const Sotto__EditMessage *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_message msg;
	struct srv_chat chat;
	struct srv_chatbuf cb;
	struct srv_member *roster = NULL;
	struct srv_entry e;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t users[SRV_GROUP_MAX + 1], my_pts = 0, now;
	size_t nroster = 0, nusers = 0;
	const char *why = NULL;
	int r, limited;

	memset(&cb, 0, sizeof(cb));
	memset(&msg, 0, sizeof(msg));
	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if (srv_chat_check_text(m->text, &why) != 0)
		return srv_conn_error(c, id, ERR_INVAL, why, 0);
	if ((r = srv_chat_of_member(st, m->chat_id, c->user_id, &chat)) != 0)
		return srv_reply_fail(c, id, r, "no such chat");
	r = srv_store_message_get(st, m->chat_id, m->id, &msg);
	if (r == 0 && (msg.deleted || srv_store_message_hidden(st,
	    c->user_id, m->chat_id, m->id) == 0))
		r = ERR_NOT_FOUND;
	if (r != 0) {
		free(msg.text);
		return srv_reply_fail(c, id, r, "no such message");
	}
	free(msg.text);
	msg.text = m->text;
	if (msg.sender_id != c->user_id ||
	    msg.action != SOTTO__SERVICE_ACTION__ACTION_NONE)
		return srv_conn_error(c, id, ERR_PERM,
		    "only one's own messages can be edited", 0);
	now = (uint64_t)time(NULL);
	/* Two edits in the same second still order after the send. */
	msg.edit_date = now > msg.date ? now : msg.date;
	if ((r = srv_store_unit_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = srv_store_message_edit(st, m->chat_id, m->id, m->text,
	    msg.edit_date)) != 0)
		goto end;
	if ((r = srv_chat_members(st, &chat, &roster, &nroster, users,
	    &nusers)) != 0)
		goto end;
	memset(&e, 0, sizeof(e));
	e.kind = SRV_UPDATE_MESSAGE_EDITED;
	e.chat_id = chat.id;
	e.message_id = msg.id;
	r = srv_chat_fanout(st, users, nusers, &e, c->user_id, fan, &my_pts);
end:
	if ((r = srv_store_unit_end(st, r)) != 0) {
		free(roster);
		return srv_reply_fail(c, id, r, NULL);
	}
	if ((r = srv_chat_fill(st, &cb, &chat, c->user_id, roster, nroster,
	    NULL)) != 0) {
		free(roster);
		return srv_reply_fail(c, id, r, NULL);
	}
	r = srv_chat_reply_sent(c, id, &msg, &cb.chat, my_pts);
	srv_chat_push_message(s, fan, nusers, &msg, NULL, 1);
	srv_chatbuf_clear(&cb);
	free(roster);
	return r;
}

static int
srv_chat_reply_pts(struct srv_conn *c, uint64_t id, uint64_t pts)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__PtsResult pr = SOTTO__PTS_RESULT__INIT;

	pr.pts = pts;
	resp.result_case = SOTTO__RESPONSE__RESULT_PTS;
	resp.pts = &pr;
	return srv_reply(c, id, &resp);
}

int
srv_chat_delete(struct srv_conn *c, uint64_t id,
    const Sotto__DeleteMessages *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_message msg;
	struct srv_chat chat;
	struct srv_member *roster = NULL;
	struct srv_entry e;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t users[SRV_GROUP_MAX + 1], my_pts = 0, *done = NULL;
	uint8_t *packed = NULL;
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__MessagesDeleted md = SOTTO__MESSAGES_DELETED__INIT;
	size_t nroster = 0, nusers = 0, ndone = 0, i;
	int r, admin = 0, limited;

	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if (m->n_ids > SRV_IDS_MAX)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "at most 1000 messages at once", 0);
	if ((r = srv_chat_of_member(st, m->chat_id, c->user_id, &chat)) != 0)
		return srv_reply_fail(c, id, r, "no such chat");
	if (m->n_ids == 0)
		return srv_chat_reply_pts(c, id, 0);
	if (chat.kind == SRV_CHAT_GROUP &&
	    (admin = srv_store_member_admin(st, chat.id, c->user_id)) < 0)
		return srv_reply_fail(c, id, admin, NULL);
	/* for_everyone: every message named must be the asker's to remove. */
	if (m->for_everyone) {
		for (i = 0; i < m->n_ids; i++) {
			r = srv_store_message_get(st, chat.id, m->ids[i], &msg);
			free(msg.text);
			if (r == ERR_NOT_FOUND || (r == 0 && msg.deleted))
				continue;
			if (r != 0)
				return srv_reply_fail(c, id, r, NULL);
			if (msg.sender_id != c->user_id && !admin)
				return srv_conn_error(c, id, ERR_PERM,
				    "only one's own messages can be deleted "
				    "for everyone", 0);
		}
	}
	if ((done = malloc(m->n_ids * sizeof(*done))) == NULL ||
	    (packed = malloc(m->n_ids * 8)) == NULL) {
		free(done);
		return srv_reply_fail(c, id, ERR_NOMEM, NULL);
	}
	if ((r = srv_store_unit_begin(st)) != 0)
		goto fail;
	for (i = 0; i < m->n_ids && r == 0; i++) {
		if (m->for_everyone)
			r = srv_store_message_delete(st, chat.id, m->ids[i]);
		else {
			r = srv_store_message_get(st, chat.id, m->ids[i],
			    &msg);
			free(msg.text);
			if (r == 0 && msg.deleted)
				r = ERR_NOT_FOUND;
			if (r == 0)
				r = srv_store_message_hide(st, c->user_id,
				    chat.id, m->ids[i]);
		}
		if (r == 0)
			done[ndone++] = m->ids[i];
		else if (r == ERR_NOT_FOUND || r == ERR_EXISTS)
			r = 0;		/* gone or hidden already: skipped */
	}
	if (r == 0 && ndone > 0) {
		srv_chat_pack_ids(packed, done, ndone);
		memset(&e, 0, sizeof(e));
		e.kind = SRV_UPDATE_MESSAGES_DELETED;
		e.chat_id = chat.id;
		e.arg = m->for_everyone != 0;
		e.ids = packed;
		e.ids_len = ndone * 8;
		if (m->for_everyone) {
			if ((r = srv_chat_members(st, &chat, &roster,
			    &nroster, users, &nusers)) == 0)
				r = srv_chat_fanout(st, users, nusers, &e,
				    c->user_id, fan, &my_pts);
		} else {
			users[0] = c->user_id;
			nusers = 1;
			r = srv_chat_fanout(st, users, 1, &e, c->user_id, fan,
			    &my_pts);
		}
	}
	if ((r = srv_store_unit_end(st, r)) != 0)
		goto fail;
	r = srv_chat_reply_pts(c, id, my_pts);
	if (ndone > 0) {
		md.chat_id = chat.id;
		md.ids = done;
		md.n_ids = ndone;
		md.for_everyone = m->for_everyone != 0;
		up.event_case = SOTTO__UPDATE__EVENT_MESSAGES_DELETED;
		up.messages_deleted = &md;
		for (i = 0; i < nusers; i++) {
			up.pts = fan[i].pts;
			srv_reply_push(s, fan[i].user_id, &up);
		}
	}
	free(done);
	free(packed);
	free(roster);
	return r;
fail:
	free(done);
	free(packed);
	free(roster);
	return srv_reply_fail(c, id, r, NULL);
}

int
srv_chat_read(struct srv_conn *c, uint64_t id, const Sotto__ReadHistory *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_chat chat;
	struct srv_member *roster = NULL;
	struct srv_entry e;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t users[SRV_GROUP_MAX + 1], my_pts = 0, max_id;
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__ReadInbox ri = SOTTO__READ_INBOX__INIT;
	Sotto__ReadOutbox ro = SOTTO__READ_OUTBOX__INIT;
	uint8_t masked[SRV_GROUP_MAX + 1];
	size_t nroster = 0, nusers = 0, i, k;
	int r, quiet;

	if ((r = srv_chat_of_member(st, m->chat_id, c->user_id, &chat)) != 0)
		return srv_reply_fail(c, id, r, "no such chat");
	if ((quiet = srv_group_quiet(st, &chat, c->user_id)) < 0)
		return srv_reply_fail(c, id, quiet, NULL);
	/* Nobody reads past the newest message. */
	max_id = m->max_id < chat.last_id ? m->max_id : chat.last_id;
	if (max_id == 0)
		return srv_chat_reply_pts(c, id, 0);
	if ((r = srv_store_unit_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_store_read_set(st, chat.id, c->user_id, max_id);
	if (r == ERR_EXISTS) {
		/* Backwards or the same: a no-op, nothing was written. */
		(void)srv_store_unit_end(st, 0);
		return srv_chat_reply_pts(c, id, 0);
	}
	if (r == 0)
		r = srv_chat_members(st, &chat, &roster, &nroster, users,
		    &nusers);
	memset(&e, 0, sizeof(e));
	e.chat_id = chat.id;
	e.message_id = max_id;
	e.arg = c->user_id;
	for (i = 0; i < nusers && r == 0; i++) {
		e.kind = users[i] == c->user_id ? SRV_UPDATE_READ_INBOX :
		    SRV_UPDATE_READ_OUTBOX;
		/* Read, by somebody: a hidden reader stays unnamed. */
		masked[i] = quiet && users[i] != c->user_id &&
		    !roster[i].admin;
		e.arg = masked[i] ? 0 : c->user_id;
		r = srv_chat_fanout(st, &users[i], 1, &e, c->user_id, &fan[i],
		    &k);
		if (users[i] == c->user_id)
			my_pts = k;
	}
	free(roster);
	if ((r = srv_store_unit_end(st, r)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_chat_reply_pts(c, id, my_pts);
	ri.chat_id = ro.chat_id = chat.id;
	ri.max_id = ro.max_id = max_id;
	ro.reader_id = c->user_id;
	for (i = 0; i < nusers; i++) {
		up.pts = fan[i].pts;
		if (fan[i].user_id == c->user_id) {
			up.event_case = SOTTO__UPDATE__EVENT_READ_INBOX;
			up.read_inbox = &ri;
		} else {
			ro.reader_id = masked[i] ? 0 : c->user_id;
			up.event_case = SOTTO__UPDATE__EVENT_READ_OUTBOX;
			up.read_outbox = &ro;
		}
		srv_reply_push(s, fan[i].user_id, &up);
	}
	return r;
}

int
srv_chat_typing(struct srv_conn *c, uint64_t id, const Sotto__SetTyping *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_chat chat;
	struct srv_member *roster = NULL;
	uint64_t users[SRV_GROUP_MAX + 1];
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__Typing ty = SOTTO__TYPING__INIT;
	size_t nroster = 0, nusers = 0, i;
	int r, limited, quiet;

	if ((r = srv_chat_limit(c, s->typing_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if ((r = srv_chat_of_member(st, m->chat_id, c->user_id, &chat)) != 0)
		return srv_reply_fail(c, id, r, "no such chat");
	if ((r = srv_chat_members(st, &chat, &roster, &nroster, users,
	    &nusers)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((quiet = srv_group_quiet(st, &chat, c->user_id)) < 0) {
		free(roster);
		return srv_reply_fail(c, id, quiet, NULL);
	}
	r = srv_reply_ok(c, id);
	/* A peer who blocked the typist is not told (nor is the typist). */
	if (chat.kind == SRV_CHAT_PRIVATE && srv_privacy_blocked(st,
	    chat.user_lo == c->user_id ? chat.user_hi : chat.user_lo,
	    c->user_id) == 1)
		nusers = 0;
	/* Live only: pts 0, never stored, never counted. */
	ty.chat_id = chat.id;
	ty.user_id = c->user_id;
	up.pts = 0;
	up.event_case = SOTTO__UPDATE__EVENT_TYPING;
	up.typing = &ty;
	/* A hidden member's typing reaches the admins only. */
	for (i = 0; i < nusers; i++)
		if (users[i] != c->user_id && (!quiet || roster[i].admin))
			srv_reply_push(s, users[i], &up);
	free(roster);
	return r;
}

/* ---------------------------------------------------------------- groups */

/*
 * Writes the service message m of chat (the group after the change,
 * with roster after[n]) and a NewMessage entry in the log of each user
 * in to[nto] (the members before and after). Inside the caller's atomic
 * unit. 0 or ERR_*.
 */
int
srv_chat_service_write(struct srv_store *st, struct srv_message *m,
    const struct srv_chat *chat, const struct srv_member *after, size_t n,
    const uint64_t *to, size_t nto, struct srv_fan *fan)
{
	struct srv_snapshot snap;
	struct srv_entry e;
	uint8_t *mem = NULL, *adm = NULL;
	uint64_t v;
	size_t i, na = 0;
	int r, b;

	if ((r = srv_store_chat_next_id(st, chat->id, &m->id)) != 0)
		return r;
	memset(&e, 0, sizeof(e));
	e.kind = SRV_UPDATE_NEW_MESSAGE;
	e.chat_id = chat->id;
	e.message_id = m->id;
	if ((r = srv_chat_fanout(st, to, nto, &e, m->sender_id, fan,
	    &m->pts)) != 0)
		return r;
	if (n > 0 && ((mem = malloc(n * 8)) == NULL ||
	    (adm = malloc(n * 8)) == NULL)) {
		free(mem);
		return ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		for (b = 0, v = after[i].user_id; b < 8; b++)
			mem[i * 8 + (size_t)b] = (uint8_t)(v >> (8 * b));
		if (after[i].admin) {
			for (b = 0; b < 8; b++)
				adm[na * 8 + (size_t)b] =
				    (uint8_t)(v >> (8 * b));
			na++;
		}
	}
	memset(&snap, 0, sizeof(snap));
	snap.title = chat->title;
	snap.members = mem;
	snap.members_len = n * 8;
	snap.admins = adm;
	snap.admins_len = na * 8;
	r = srv_store_service_add(st, m, &snap);
	free(mem);
	free(adm);
	return r;
}

/* Union of before and after rosters as plain ids into to (sorted input). */
size_t
srv_chat_union(const struct srv_member *a, size_t na,
    const struct srv_member *b, size_t nb, uint64_t *to)
{
	size_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].user_id < b[j].user_id))
			to[n++] = a[i++].user_id;
		else if (i >= na || b[j].user_id < a[i].user_id)
			to[n++] = b[j++].user_id;
		else {
			to[n++] = a[i++].user_id;
			j++;
		}
	}
	return n;
}

/*
 * After a service message was written: answers SendResult and pushes the
 * NewMessage with the group as it is now to every recipient.
 */
int
srv_chat_service_done(struct srv_conn *c, uint64_t id,
    const struct srv_message *m, const struct srv_chat *chat,
    const struct srv_member *after, size_t n, const struct srv_fan *fan,
    size_t nfan)
{
	struct srv_chatbuf cb;
	int r;

	memset(&cb, 0, sizeof(cb));
	if ((r = srv_chat_fill(c->srv->store, &cb, chat, c->user_id, after, n,
	    NULL)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_chat_reply_sent(c, id, m, &cb.chat, m->pts);
	srv_chat_push_message(c->srv, fan, nfan, m, &cb.chat, 0);
	srv_chatbuf_clear(&cb);
	return r;
}

int
srv_chat_create(struct srv_conn *c, uint64_t id, const Sotto__CreateGroup *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_message msg;
	struct srv_chat chat;
	struct srv_member *after = NULL;
	struct srv_profile p;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t to[SRV_GROUP_MAX + 1];
	size_t n = 0, nto = 0, i, j, distinct = 1;
	const char *why;
	int r, dup, limited, answered;

	memset(&msg, 0, sizeof(msg));
	memset(&chat, 0, sizeof(chat));
	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if (srv_chat_check_title(m->title, &why) != 0)
		return srv_conn_error(c, id, ERR_INVAL, why, 0);
	if (m->random_id == 0)
		return srv_conn_error(c, id, ERR_INVAL,
		    "random_id must not be 0", 0);
	if ((r = srv_chat_dedupe(c, id, m->random_id, SOTTO__SERVICE_ACTION__ACTION_CREATED,
	    &answered)) != 0 || answered)
		return r;
	if ((r = srv_report_refuse(c, id, &answered)) != 0 || answered)
		return r;
	if (m->n_member_ids > SRV_GROUP_MAX * 4)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "a group has at most 200 members", 0);
	for (i = 0; i < m->n_member_ids; i++) {
		if (m->member_ids[i] == c->user_id)
			continue;
		for (dup = 0, j = 0; j < i && !dup; j++)
			dup = m->member_ids[j] == m->member_ids[i];
		if (dup)
			continue;
		if (++distinct > SRV_GROUP_MAX)
			return srv_conn_error(c, id, ERR_TOO_BIG,
			    "a group has at most 200 members", 0);
	}
	for (i = 0; i < m->n_member_ids; i++)
		if ((r = srv_visible_profile(st, c->user_id,
		    m->member_ids[i], &p)) != 0)
			return srv_reply_fail(c, id, r, "no such user");
	/* Everyone to add must take invitations from the creator. */
	for (i = 0; i < m->n_member_ids; i++) {
		if ((r = srv_privacy_allows(st, m->member_ids[i],
		    SRV_PRIV_GROUP_INVITES, c->user_id)) == 0)
			continue;
		if (r != ERR_PERM)
			return srv_reply_fail(c, id, r, NULL);
		return srv_chat_refused(c, id, m->member_ids[i],
		    "group invitations");
	}

	if ((r = srv_store_unit_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = srv_store_group_add(st, m->title, c->user_id, &chat)) != 0 ||
	    (r = srv_store_member_add(st, chat.id, c->user_id, 1)) != 0)
		goto end;
	for (i = 0; i < m->n_member_ids && r == 0; i++)
		if (m->member_ids[i] != c->user_id &&
		    (r = srv_store_member_add(st, chat.id, m->member_ids[i],
		    0)) == ERR_EXISTS)
			r = 0;		/* named twice */
	if (r != 0 || (r = srv_store_chat_roster(st, chat.id, &after,
	    &n)) != 0)
		goto end;
	nto = srv_chat_union(after, n, NULL, 0, to);
	memset(&msg, 0, sizeof(msg));
	msg.chat_id = chat.id;
	msg.sender_id = c->user_id;
	msg.random_id = m->random_id;
	msg.date = (uint64_t)time(NULL);
	msg.text = chat.title;
	msg.action = SOTTO__SERVICE_ACTION__ACTION_CREATED;
	r = srv_chat_service_write(st, &msg, &chat, after, n, to, nto, fan);
end:
	if ((r = srv_store_unit_end(st, r)) != 0) {
		free(after);
		return srv_reply_fail(c, id, r, NULL);
	}
	srv_info("conn %llu: user %llu made group %llu",
	    (unsigned long long)c->serial, (unsigned long long)c->user_id,
	    (unsigned long long)chat.id);
	r = srv_chat_service_done(c, id, &msg, &chat, after, n, fan, nto);
	free(after);
	return r;
}

/* AddMember, RemoveMember, LeaveChat and RenameChat. */
int
srv_chat_group_op(struct srv_conn *c, uint64_t id, enum srv_group_op op,
    uint64_t chat_id, uint64_t user_id, const char *title)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_message msg;
	struct srv_chat chat;
	struct srv_member *before = NULL, *after = NULL;
	struct srv_profile p;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t to[SRV_GROUP_MAX + 1];
	size_t nb = 0, na = 0, nto = 0, i;
	const char *why = NULL;
	int r, admin = 0, target_admin = 0, limited, refused;

	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if ((r = srv_chat_of_member(st, chat_id, c->user_id, &chat)) != 0)
		return srv_reply_fail(c, id, r, "no such chat");
	if (chat.kind != SRV_CHAT_GROUP)
		return srv_conn_error(c, id, ERR_INVAL, "not a group", 0);
	if ((r = srv_store_chat_roster(st, chat.id, &before, &nb)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	for (i = 0; i < nb; i++)
		if (before[i].user_id == c->user_id)
			admin = before[i].admin;
	r = 0;
	switch (op) {
	case SRV_OP_ADD:
		if (!admin) {
			r = ERR_PERM;
			why = "only admins add members";
		} else if ((r = srv_visible_profile(st, c->user_id, user_id,
		    &p)) != 0)
			why = "no such user";
		else if (srv_store_chat_member(st, chat.id, user_id) == 0) {
			r = ERR_EXISTS;
			why = "already a member";
		} else if (nb >= SRV_GROUP_MAX) {
			r = ERR_TOO_BIG;
			why = "a group has at most 200 members";
		} else if ((r = srv_privacy_allows(st, user_id,
		    SRV_PRIV_GROUP_INVITES, c->user_id)) == ERR_PERM) {
			free(before);
			return srv_chat_refused(c, id, user_id,
			    "group invitations");
		}
		break;
	case SRV_OP_REMOVE:
		for (i = 0; i < nb; i++)
			if (before[i].user_id == user_id)
				target_admin = before[i].admin + 1;
		if (!admin) {
			r = ERR_PERM;
			why = "only admins remove members";
		} else if (target_admin == 0) {
			r = ERR_NOT_FOUND;
			why = "not a member";
		} else if (user_id == c->user_id) {
			r = ERR_INVAL;
			why = "use LeaveChat to leave";
		} else if (user_id == chat.creator_id ||
		    (target_admin == 2 && c->user_id != chat.creator_id)) {
			r = ERR_PERM;
			why = "only the creator removes admins";
		}
		break;
	case SRV_OP_LEAVE:
		user_id = c->user_id;
		break;
	case SRV_OP_RENAME:
		if (!admin) {
			r = ERR_PERM;
			why = "only admins rename the group";
		} else if (srv_chat_check_title(title, &why) != 0)
			r = ERR_INVAL;
		break;
	}
	if (r != 0) {
		free(before);
		return srv_reply_fail(c, id, r, why);
	}
	/* Adding someone starts a chat for them: not while restricted. */
	if (op == SRV_OP_ADD && ((r = srv_report_refuse(c, id, &refused)) != 0 ||
	    refused)) {
		free(before);
		return r;
	}

	memset(&msg, 0, sizeof(msg));
	msg.chat_id = chat.id;
	msg.sender_id = c->user_id;
	msg.date = (uint64_t)time(NULL);
	msg.text = (char *)"";
	if ((r = srv_store_unit_begin(st)) != 0) {
		free(before);
		return srv_reply_fail(c, id, r, NULL);
	}
	switch (op) {
	case SRV_OP_ADD:
		r = srv_store_member_add(st, chat.id, user_id, 0);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_ADDED;
		msg.action_user_id = user_id;
		break;
	case SRV_OP_REMOVE:
		if ((r = srv_store_shown_keep(st, chat.id, user_id)) == 0)
			r = srv_store_member_remove(st, chat.id, user_id);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_REMOVED;
		msg.action_user_id = user_id;
		break;
	case SRV_OP_LEAVE:
		if ((r = srv_store_shown_keep(st, chat.id, user_id)) == 0)
			r = srv_store_member_remove(st, chat.id, user_id);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_LEFT;
		break;
	case SRV_OP_RENAME:
		r = srv_store_chat_rename(st, chat.id, title);
		snprintf(chat.title, sizeof(chat.title), "%s", title);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_RENAMED;
		msg.text = chat.title;
		break;
	}
	if (r == 0)
		r = srv_store_chat_roster(st, chat.id, &after, &na);
	if (r == 0) {
		nto = srv_chat_union(before, nb, after, na, to);
		if (op != SRV_OP_RENAME)
			r = srv_group_audience(st, chat.id, before, nb, after,
			    na, c->user_id, user_id, to, &nto);
	}
	if (r == 0)
		r = srv_chat_service_write(st, &msg, &chat, after, na, to,
		    nto, fan);
	free(before);
	if ((r = srv_store_unit_end(st, r)) != 0) {
		free(after);
		return srv_reply_fail(c, id, r, NULL);
	}
	r = srv_chat_service_done(c, id, &msg, &chat, after, na, fan, nto);
	free(after);
	return r;
}

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
		*r = srv_chat_fill(d->st, b, &u->chat, d->me, NULL, 0,
		    &u->snap);
	} else {
		if (u->chat.kind == SRV_CHAT_GROUP &&
		    srv_store_chat_member(d->st, u->chat.id, d->me) == 0 &&
		    (*r = srv_store_chat_roster(d->st, u->chat.id, &roster,
		    &n)) != 0)
			return NULL;
		*r = srv_chat_fill(d->st, b, &u->chat, d->me, roster, n,
		    NULL);
		free(roster);
		b->id = u->chat.id;
	}
	if (*r != 0) {
		srv_chatbuf_clear(b);
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
		srv_chat_message(&e->msg, &u->msg, d->me);
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
				ids[i] = srv_chat_unpack_id(u->ids + i * 8);
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
		srv_chatbuf_clear(&d->chats[i]);
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
		srv_chatbuf_clear(&d.chats[i]);
	free(pu);
	free(pc);
	free(d.ents);
	free(d.ups);
	free(d.users);
	free(d.chats);
	free(d.arena);
	return r;
}
