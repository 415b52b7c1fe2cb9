/*
 * Cloud chats, messages: SendMessage (and ForwardMessage's copy, through
 * srv_chat_post()), EditMessage, DeleteMessages, ReadHistory and
 * SetTyping, with the dedupe on (sender, random_id) that makes a resend
 * answer the first send again, and the NewMessage pushes. Each write
 * lands in the log of every member, each with its own pts.
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
#include "server/srv_forward.h"
#include "server/srv_group.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_report.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

/* ---------------------------------------------------------------- messages */

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
 * Pushes NewMessage (or, with edited, MessageEdited) for m to each
 * recipient in fan (n), with chat as it is (NULL for an edit), each with
 * its own pts and its own view of the sender.
 */
void
srv_chat__push_message(struct srv *s, const struct srv_fan *fan, size_t n,
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
		srv_chat__message(&w, m, fan[i].user_id);
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

int
srv_chat__reply_sent(struct srv_conn *c, uint64_t id,
    const struct srv_message *m, Sotto__Chat *chat, uint64_t pts)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__SendResult sr = SOTTO__SEND_RESULT__INIT;
	Sotto__Message w;
	Sotto__Chat view;
	uint64_t shown[SRV_GROUP_MAX + 1];

	srv_chat__message(&w, m, c->user_id);
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
	if ((r = srv_chat__fill(st, &cb, &chat, c->user_id, roster, n,
	    NULL)) != 0)
		goto out;
	r = srv_chat__reply_sent(c, id, old, &cb.chat, old->pts);
	srv_chat__buf_clear(&cb);
	free(roster);
	return r;
out:
	srv_chat__buf_clear(&cb);
	free(roster);
	return srv_reply_fail(c, id, r, NULL);
}

/*
 * Dedupes on (sender, random_id): when the sender already made a message
 * with random_id, answers request id with it (or ERR_INVAL when that
 * message came from another kind of request, not action) and sets
 * *answered. Returns 0 or the error that closes the connection.
 */
int
srv_chat__dedupe(struct srv_conn *c, uint64_t id, uint64_t random_id,
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
	if ((r = srv_chat__dedupe(c, id, m->random_id,
	    SOTTO__SERVICE_ACTION__ACTION_NONE, &answered)) != 0 || answered)
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
		return srv_chat__refused(c, id, peer_id, "messages");
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
	if ((r = srv_chat__fanout(st, users, nusers, &e, c->user_id, fan,
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
	if ((r = srv_chat__fill(st, &cb, &chat, c->user_id, roster, nroster,
	    NULL)) != 0) {
		free(roster);
		return srv_reply_fail(c, id, r, NULL);
	}
	r = srv_chat__reply_sent(c, id, &msg, &cb.chat, my_pts);
	srv_chat__push_message(s, fan, nusers, &msg, &cb.chat, 0);
	srv_chat__buf_clear(&cb);
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
	r = srv_chat__fanout(st, users, nusers, &e, c->user_id, fan, &my_pts);
end:
	if ((r = srv_store_unit_end(st, r)) != 0) {
		free(roster);
		return srv_reply_fail(c, id, r, NULL);
	}
	if ((r = srv_chat__fill(st, &cb, &chat, c->user_id, roster, nroster,
	    NULL)) != 0) {
		free(roster);
		return srv_reply_fail(c, id, r, NULL);
	}
	r = srv_chat__reply_sent(c, id, &msg, &cb.chat, my_pts);
	srv_chat__push_message(s, fan, nusers, &msg, NULL, 1);
	srv_chat__buf_clear(&cb);
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
		srv_chat__pack_ids(packed, done, ndone);
		memset(&e, 0, sizeof(e));
		e.kind = SRV_UPDATE_MESSAGES_DELETED;
		e.chat_id = chat.id;
		e.arg = m->for_everyone != 0;
		e.ids = packed;
		e.ids_len = ndone * 8;
		if (m->for_everyone) {
			if ((r = srv_chat_members(st, &chat, &roster,
			    &nroster, users, &nusers)) == 0)
				r = srv_chat__fanout(st, users, nusers, &e,
				    c->user_id, fan, &my_pts);
		} else {
			users[0] = c->user_id;
			nusers = 1;
			r = srv_chat__fanout(st, users, 1, &e, c->user_id, fan,
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
		r = srv_chat__fanout(st, &users[i], 1, &e, c->user_id, &fan[i],
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
