/*
 * The cloud layer ties the engine to sync and the outbox and turns the
 * front end's calls into requests. Its own state is small: the list of
 * listeners, the resolutions in progress (a chat id may have to wait for
 * the catch-up), and a flag for teardown.
 *
 * Teardown is deferred to the next loop turn: cloud_free() is usually
 * called from inside an event or a reply, with sync or the outbox still
 * on the stack, so they are released only after that stack unwound.
 */
#include "client/cloud.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/json.h"
#include "lib/log.h"
#include "client/outbox.h"
#include "client/presence.h"
#include "client/secret.h"
#include "client/sync.h"
#include "crypto/sec.h"
#include "lib/err.h"

struct cloud_sub {
	cloud_event_fn *fn;
	void *ud;
	int dead;
};

struct cloud_res;

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

/* ------------------------------------------------------------ events */

static void cloud_index_kick(struct cloud *);

static void
cloud_emit(void *ud, const struct cloud_event *ev)
{
	struct cloud *c = ud;
	size_t i, j;

	if (c->freeing)
		return;
	if (ev->kind == CLOUD_EV_PRESENCE)
		(void)presence_note_status(c->pr, ev->user_id, ev->status,
		    ev->when);
	if (ev->kind == CLOUD_EV_SYNCED || ev->kind == CLOUD_EV_MESSAGE ||
	    ev->kind == CLOUD_EV_SENT)
		cloud_index_kick(c);
	c->emitting++;
	for (i = 0; i < c->n_subs && !c->freeing; i++)
		if (!c->subs[i].dead)
			c->subs[i].fn(c->subs[i].ud, ev);
	if (--c->emitting == 0) {
		for (i = j = 0; i < c->n_subs; i++)
			if (!c->subs[i].dead)
				c->subs[j++] = c->subs[i];
		c->n_subs = j;
	}
}

int
cloud_subscribe(struct cloud *c, cloud_event_fn *fn, void *ud)
{
	struct cloud_sub *n;
	size_t cap;

	if (c->n_subs == c->cap_subs) {
		cap = c->cap_subs ? c->cap_subs * 2 : 4;
		if ((n = realloc(c->subs, cap * sizeof(*n))) == NULL)
			return ERR_NOMEM;
		c->subs = n;
		c->cap_subs = cap;
	}
	c->subs[c->n_subs].fn = fn;
	c->subs[c->n_subs].ud = ud;
	c->subs[c->n_subs].dead = 0;
	c->n_subs++;
	return 0;
}

void
cloud_unsubscribe(struct cloud *c, cloud_event_fn *fn, void *ud)
{
	size_t i;

	size_t j;

	for (i = 0; i < c->n_subs; i++)
		if (c->subs[i].fn == fn && c->subs[i].ud == ud)
			c->subs[i].dead = 1;
	if (c->emitting > 0)
		return;		/* cloud_emit compacts once it is done */
	for (i = j = 0; i < c->n_subs; i++)
		if (!c->subs[i].dead)
			c->subs[j++] = c->subs[i];
	c->n_subs = j;
}

/* --------------------------------------------------------- resolving */

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

static void cloud_res_timer(uv_timer_t *);

static void
cloud_res_closed(uv_handle_t *h)
{
	struct cloud_res *rs = h->data;

	free(rs->peer);
	free(rs);
}

static void
cloud_res_finish(struct cloud_res *rs, int err, const char *why,
    const struct cloud_peer *p)
{
	struct cloud_res **pp;

	if (rs->done)
		return;
	rs->done = 1;
	for (pp = &rs->c->res; *pp != NULL; pp = &(*pp)->next)
		if (*pp == rs) {
			*pp = rs->next;
			break;
		}
	uv_timer_stop(&rs->timer);
	rs->cb(rs->ud, err, why != NULL ? why : "", p);
	uv_close((uv_handle_t *)&rs->timer, cloud_res_closed);
}

int
cloud_peer_check(const char *s)
{
	size_t i, n;

	if (s == NULL || *s == '\0')
		return ERR_INVAL;
	n = strlen(s);
	if (strcmp(s, "me") == 0)
		return 0;
	if (s[0] == '@') {
		if (n < 2 || n > 65)
			return ERR_INVAL;
		for (i = 1; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
			    s[i] != '.' && s[i] != '-')
				return ERR_INVAL;
		return 0;
	}
	if (s[0] == '+') {
		if (n < 4 || n > 21)
			return ERR_INVAL;
		for (i = 1; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return ERR_INVAL;
		return 0;
	}
	if (n > 19 || s[0] == '0')
		return ERR_INVAL;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return ERR_INVAL;
	return 0;
}

/* Fills p from a user id: the user and its private chat, if any. */
static int
cloud_peer_of_user(struct cloud *c, uint64_t user_id, struct cloud_peer *p)
{
	struct store_chat ch;
	int r;

	memset(p, 0, sizeof(*p));
	p->user_id = user_id;
	r = store_find_chat_by_peer(c->st, user_id, &ch);
	if (r == ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	p->chat_id = ch.id;
	p->kind = ch.kind;
	store_chat_free(&ch);
	return 0;
}

int
cloud_resolve_local(struct cloud *c, const char *peer, struct cloud_peer *out)
{
	struct store_user u;
	struct store_chat ch;
	char name[72];
	size_t i;
	uint64_t id;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cloud_peer_check(peer)) != 0)
		return r;
	if (strcmp(peer, "me") == 0) {
		if (c->self == 0)
			return ERR_NOT_AUTHED;
		r = cloud_peer_of_user(c, c->self, out);
		if (r == 0 && out->kind == 0)
			out->kind = STORE_CHAT_SAVED;
		return r;
	}
	if (peer[0] == '@' || peer[0] == '+') {
		if (peer[0] == '@') {
			for (i = 0; peer[i + 1] != '\0' && i < sizeof(name) - 1;
			    i++)
				name[i] = (char)tolower(
				    (unsigned char)peer[i + 1]);
			name[i] = '\0';
			r = store_find_user(c->st, name, &u);
		} else
			r = store_find_user_by_phone(c->st, peer, &u);
		if (r != 0)
			return r;
		id = u.id;
		store_user_free(&u);
		return cloud_peer_of_user(c, id, out);
	}
	id = strtoull(peer, NULL, 10);
	if ((r = store_get_chat(c->st, id, &ch)) != 0)
		return r;
	out->chat_id = ch.id;
	out->kind = ch.kind;
	if (ch.kind == STORE_CHAT_PRIVATE || ch.kind == STORE_CHAT_SAVED)
		out->user_id = ch.peer_id;
	r = ch.left ? ERR_PERM : 0;
	store_chat_free(&ch);
	return r;
}

/*
 * The server's words for a refusal, sanitised, with the wait it asked for
 * when it rate-limited us; NULL when it said nothing. Free it.
 */
char *
cloud_why(const Sotto__Response *resp)
{
	const Sotto__Error *e;
	char *why, *with;
	size_t len;

	if (resp == NULL || (e = resp->error) == NULL || e->message == NULL)
		return NULL;
	if ((why = json_sanitize(e->message, strlen(e->message))) == NULL ||
	    e->code != ERR_RATE_LIMITED || e->retry_after == 0)
		return why;
	len = strlen(why) + 48;
	if ((with = malloc(len)) != NULL)
		snprintf(with, len, "%s; try again in %u s", why,
		    (unsigned)e->retry_after);
	free(why);
	return with;
}

static void
cloud_res_on_user(void *ud, int err, const Sotto__Response *resp)
{
	struct cloud_res *rs = ud;
	struct cloud_peer p;
	Sotto__User *u;
	char *why = NULL;
	int r;

	rs->in_call = 0;
	if (err != 0) {
		why = cloud_why(resp);
		cloud_res_finish(rs, err, why, NULL);
		free(why);
		return;
	}
	if (resp->result_case != SOTTO__RESPONSE__RESULT_USER ||
	    resp->user->user == NULL || resp->user->user->id == 0) {
		cloud_res_finish(rs, ERR_PROTO, NULL, NULL);
		return;
	}
	u = resp->user->user;
	(void)presence_note(rs->c->pr, u);
	if ((r = sync_put_users(rs->c->sy, &u, 1)) != 0 ||
	    (r = cloud_peer_of_user(rs->c, u->id, &p)) != 0) {
		cloud_res_finish(rs, r, NULL, NULL);
		return;
	}
	cloud_res_finish(rs, 0, NULL, &p);
}

/* Asks the server for the user rs names. */
static void
cloud_res_ask(struct cloud_res *rs)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__ResolveUser ru = SOTTO__RESOLVE_USER__INIT;
	char name[72];
	uint64_t left = 0, now;
	size_t i;
	int r;

	if (rs->peer[0] == '@') {
		for (i = 0; rs->peer[i + 1] != '\0' && i < sizeof(name) - 1;
		    i++)
			name[i] = (char)tolower((unsigned char)rs->peer[i + 1]);
		name[i] = '\0';
		ru.username = name;
	} else
		ru.phone = rs->peer;
	req.method_case = SOTTO__REQUEST__METHOD_RESOLVE_USER;
	req.resolve_user = &ru;
	if (rs->deadline != 0) {
		now = uv_now(rs->c->loop);
		left = rs->deadline > now ? rs->deadline - now : 1;
	}
	uv_timer_stop(&rs->timer);
	if ((r = engine_call(rs->c->e, &req, left, cloud_res_on_user,
	    rs)) != 0) {
		rs->err = r;
		uv_timer_start(&rs->timer, cloud_res_timer, 0, 0);
		return;
	}
	rs->in_call = 1;
}

/* One step: local, then (for users) the server, or wait for the sync. */
static void
cloud_res_step(struct cloud_res *rs)
{
	struct cloud_peer p;
	uint64_t now;
	int r;

	if (rs->fresh && (rs->peer[0] == '@' || rs->peer[0] == '+')) {
		cloud_res_ask(rs);
		return;
	}
	r = cloud_resolve_local(rs->c, rs->peer, &p);
	if (r == 0) {
		cloud_res_finish(rs, 0, NULL, &p);
		return;
	}
	if (r != ERR_NOT_FOUND) {
		/* A group this account left is still named, for its history. */
		cloud_res_finish(rs, r, NULL, r == ERR_PERM ? &p : NULL);
		return;
	}
	if (rs->peer[0] == '@' || rs->peer[0] == '+') {
		cloud_res_ask(rs);
		return;
	}
	if (sync_synced(rs->c->sy)) {
		cloud_res_finish(rs, ERR_NOT_FOUND, "no such chat here", NULL);
		return;
	}
	rs->waiting = 1;
	if (rs->deadline != 0) {
		now = uv_now(rs->c->loop);
		uv_timer_start(&rs->timer, cloud_res_timer,
		    rs->deadline > now ? rs->deadline - now : 0, 0);
	}
}

static void
cloud_res_timer(uv_timer_t *t)
{
	struct cloud_res *rs = t->data;

	if (rs->err != 0) {
		cloud_res_finish(rs, rs->err, NULL, NULL);
		return;
	}
	if (rs->waiting) {
		/* The catch-up did not finish in time. */
		cloud_res_finish(rs, engine_was_ready(rs->c->e) ?
		    ERR_TIMEOUT : ERR_UNREACHABLE, NULL, NULL);
		return;
	}
	cloud_res_step(rs);
}

int
cloud_resolve(struct cloud *c, const char *peer, int fresh,
    uint64_t timeout_ms, cloud_peer_fn *cb, void *ud)
{
	struct cloud_res *rs;
	int r;

	if ((r = cloud_peer_check(peer)) != 0)
		return r;
	if (c->freeing)
		return ERR_CLOSED;
	if ((rs = calloc(1, sizeof(*rs))) == NULL ||
	    (rs->peer = strdup(peer)) == NULL) {
		free(rs);
		return ERR_NOMEM;
	}
	rs->c = c;
	rs->fresh = fresh;
	rs->cb = cb;
	rs->ud = ud;
	if (timeout_ms > 0)
		rs->deadline = uv_now(c->loop) + timeout_ms;
	uv_timer_init(c->loop, &rs->timer);
	rs->timer.data = rs;
	rs->next = c->res;
	c->res = rs;
	/* The first step runs on the next loop turn, never in here. */
	uv_timer_start(&rs->timer, cloud_res_timer, 0, 0);
	return 0;
}

/* The catch-up finished: resolutions waiting for it go on. */
static void
cloud_on_synced(void *ud)
{
	struct cloud *c = ud;
	struct cloud_res *rs, *next;

	for (rs = c->res; rs != NULL; rs = next) {
		next = rs->next;
		if (rs->waiting && !rs->done) {
			rs->waiting = 0;
			cloud_res_step(rs);
		}
	}
}

/* ------------------------------------------------------------- text */

int
cloud_text_check(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, n, count = 0, k;
	uint32_t cp, min;

	if (text == NULL || len == 0)
		return ERR_INVAL;
	while (i < len) {
		if (p[i] == 0)
			return ERR_INVAL;
		if (p[i] < 0x80) {
			n = 1;
			cp = p[i];
			min = 0;
		} else if ((p[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return ERR_INVAL;
		if (len - i < n)
			return ERR_INVAL;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return ERR_INVAL;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return ERR_INVAL;
		i += n;
		if (++count > CLOUD_TEXT_MAX)
			return ERR_TOO_BIG;
	}
	return 0;
}

/* ------------------------------------------------------------ sends */

int
cloud_send(struct cloud *c, const struct cloud_peer *to, const char *text,
    uint64_t reply_to, uint64_t *random_id)
{
	uint64_t chat_id = 0, user_id = 0;
	int r;

	if ((r = cloud_text_check(text, text != NULL ? strlen(text) : 0)) != 0)
		return r;
	/* Private chats and Saved Messages go by user: one path for both. */
	if (to->user_id != 0 && to->kind != STORE_CHAT_GROUP)
		user_id = to->user_id;
	else if (to->chat_id != 0)
		chat_id = to->chat_id;
	else
		return ERR_NOT_FOUND;
	return outbox_add(c->ob, chat_id, user_id, NULL, text, reply_to,
	    random_id);
}

int
cloud_forward(struct cloud *c, uint64_t from_chat_id, uint64_t id,
    const struct cloud_peer *to, uint64_t *random_id)
{
	struct store_message m;
	uint64_t chat_id = 0, user_id = 0;
	int r;

	/* The message as this device has it: a cloud one, not a service. */
	if ((r = store_get_message(c->st, from_chat_id, id, &m)) != 0)
		return r;
	if (m.action != 0 || m.text == NULL || m.text[0] == '\0') {
		store_message_free(&m);
		return ERR_NOT_FOUND;
	}
	if (to->user_id != 0 && to->kind != STORE_CHAT_GROUP)
		user_id = to->user_id;
	else if (to->chat_id != 0)
		chat_id = to->chat_id;
	else {
		store_message_free(&m);
		return ERR_NOT_FOUND;
	}
	r = outbox_add_forward(c->ob, chat_id, user_id, NULL, m.text, 0,
	    from_chat_id, id, random_id);
	store_message_free(&m);
	return r;
}

int
cloud_forward_get(struct cloud *c, uint64_t chat_id, uint64_t id,
    struct store_forward *f)
{
	return store_forward_get(c->st, chat_id, id, f);
}

int
cloud_outbox_count(struct cloud *c, uint64_t *n)
{
	return store_outbox_count(c->st, n);
}

int
cloud_outbox_has(struct cloud *c, uint64_t random_id, int *queued)
{
	return store_outbox_has(c->st, random_id, queued);
}

const char *
cloud_store_path(const struct cloud *c)
{
	return store_path(c->st);
}

/* ------------------------------------------------------------ calls */

enum cloud_call_kind {
	CALL_EDIT,
	CALL_DELETE,
	CALL_READ,
	CALL_PLAIN,			/* SetTyping: nothing to store */
	CALL_CONTACTS,
	CALL_ADD_CONTACT,
	CALL_REMOVE_CONTACT,
	CALL_GROUP,			/* answered by a SendResult */
};

struct cloud_call {
	struct cloud *c;
	enum cloud_call_kind kind;
	cloud_done_fn *cb;
	void *ud;
	uint64_t chat_id;
	uint64_t max_id;
	uint64_t *ids;
	size_t n_ids;
	int for_everyone;
};

static int
cloud_apply_edit(struct cloud *c, const Sotto__Response *resp, uint64_t *id)
{
	struct store_message m;
	struct cloud_event ev;
	int r;

	if (resp->result_case != SOTTO__RESPONSE__RESULT_SENT ||
	    resp->sent->message == NULL)
		return ERR_PROTO;
	sync_message_from(&m, resp->sent->message);
	if ((r = store_edit_message(c->st, &m)) != 0)
		return r;
	*id = m.id;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_EDITED;
	ev.msg = &m;
	ev.chat_id = m.chat_id;
	cloud_emit(c, &ev);
	return 0;
}

/* Makes the stored contacts exactly the server's list. */
static int
cloud_collect_contact(void *ud, const struct store_user *u)
{
	uint64_t **pp = ud;

	**pp = u->id;
	(*pp)++;
	return 0;
}

static int
cloud_count_contact(void *ud, const struct store_user *u)
{
	(void)u;
	(*(size_t *)ud)++;
	return 0;
}

static int
cloud_apply_contacts(struct cloud *c, const Sotto__UsersResult *res)
{
	uint64_t *old = NULL, *p;
	size_t n = 0, i, j;
	int r, keep;

	if ((r = store_list_contacts(c->st, cloud_count_contact, &n)) != 0)
		return r;
	if (n > 0 && (old = calloc(n, sizeof(*old))) == NULL)
		return ERR_NOMEM;
	p = old;
	if (n > 0 &&
	    (r = store_list_contacts(c->st, cloud_collect_contact, &p)) != 0)
		goto out;
	if ((r = store_begin(c->st)) != 0)
		goto out;
	for (i = 0; i < res->n_users; i++) {
		struct store_user u;

		if (res->users[i] == NULL || res->users[i]->id == 0)
			continue;
		memset(&u, 0, sizeof(u));
		u.id = res->users[i]->id;
		u.username = res->users[i]->username;
		u.display_name = res->users[i]->display_name;
		u.phone = res->users[i]->phone;
		u.contact = 1;
		if ((r = store_put_user(c->st, &u)) != 0)
			goto fail;
	}
	for (i = 0; i < (size_t)(p - old); i++) {
		keep = 0;
		for (j = 0; j < res->n_users; j++)
			if (res->users[j] != NULL &&
			    res->users[j]->id == old[i])
				keep = 1;
		if (!keep && (r = store_set_contact(c->st, old[i], 0)) != 0)
			goto fail;
	}
	if ((r = store_commit(c->st)) != 0)
		goto fail;
	goto out;
fail:
	store_rollback(c->st);
out:
	free(old);
	return r;
}

static int
cloud_apply_contact(struct cloud *c, const Sotto__Response *resp, int added,
    uint64_t *id)
{
	struct store_user u;
	struct cloud_event ev;
	const Sotto__User *w;
	int r;

	if (resp->result_case != SOTTO__RESPONSE__RESULT_CONTACT ||
	    resp->contact->user == NULL)
		return ERR_PROTO;
	w = resp->contact->user;
	memset(&u, 0, sizeof(u));
	u.id = w->id;
	u.username = w->username;
	u.display_name = w->display_name;
	u.phone = w->phone;
	u.contact = added;
	if ((r = store_put_user(c->st, &u)) != 0)
		return r;
	*id = u.id;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_CONTACT;
	ev.user = &u;
	ev.user_id = u.id;
	ev.added = added;
	cloud_emit(c, &ev);
	return 0;
}

static void
cloud_call_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct cloud_call *k = ud;
	struct cloud *c = k->c;
	struct cloud_event ev;
	char *why = NULL;
	uint64_t id = 0;
	int r = err;

	if (err == 0 && !c->freeing) {
		switch (k->kind) {
		case CALL_EDIT:
			r = cloud_apply_edit(c, resp, &id);
			break;
		case CALL_DELETE:
			r = store_delete_messages(c->st, k->chat_id, k->ids,
			    k->n_ids);
			if (r == 0) {
				memset(&ev, 0, sizeof(ev));
				ev.kind = CLOUD_EV_DELETED;
				ev.chat_id = k->chat_id;
				ev.ids = k->ids;
				ev.n_ids = k->n_ids;
				ev.for_everyone = k->for_everyone;
				cloud_emit(c, &ev);
			}
			id = k->chat_id;
			break;
		case CALL_READ:
			r = store_set_read_inbox(c->st, k->chat_id, k->max_id);
			if (r == 0) {
				memset(&ev, 0, sizeof(ev));
				ev.kind = CLOUD_EV_READ_INBOX;
				ev.chat_id = k->chat_id;
				ev.max_id = k->max_id;
				ev.user_id = c->self;
				cloud_emit(c, &ev);
			}
			id = k->max_id;
			break;
		case CALL_PLAIN:
			break;
		case CALL_CONTACTS:
			if (resp->result_case !=
			    SOTTO__RESPONSE__RESULT_USERS)
				r = ERR_PROTO;
			else
				r = cloud_apply_contacts(c, resp->users);
			break;
		case CALL_ADD_CONTACT:
		case CALL_REMOVE_CONTACT:
			r = cloud_apply_contact(c, resp,
			    k->kind == CALL_ADD_CONTACT, &id);
			break;
		case CALL_GROUP:
			if (resp->result_case != SOTTO__RESPONSE__RESULT_SENT)
				r = ERR_PROTO;
			else if ((r = sync_apply_sent(c->sy, resp->sent,
			    0)) == 0)
				id = resp->sent->message->chat_id;
			break;
		}
	}
	if (err != 0)
		why = cloud_why(resp);
	k->cb(k->ud, r, why != NULL ? why : "", id);
	free(why);
	free(k->ids);
	free(k);
}

static int
cloud_call(struct cloud *c, enum cloud_call_kind kind, Sotto__Request *req,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud,
    struct cloud_call **out)
{
	struct cloud_call *k;
	int r;

	if (c->freeing)
		return ERR_CLOSED;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k->c = c;
	k->kind = kind;
	k->cb = cb;
	k->ud = ud;
	if (out != NULL)
		*out = k;
	if ((r = engine_call(c->e, req, timeout_ms, cloud_call_reply,
	    k)) != 0) {
		free(k->ids);
		free(k);
		return r;
	}
	return 0;
}

int
cloud_edit(struct cloud *c, uint64_t chat_id, uint64_t id, const char *text,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__EditMessage m = SOTTO__EDIT_MESSAGE__INIT;
	int r;

	if ((r = cloud_text_check(text, text != NULL ? strlen(text) : 0)) != 0)
		return r;
	m.chat_id = chat_id;
	m.id = id;
	m.text = (char *)text;
	req.method_case = SOTTO__REQUEST__METHOD_EDIT_MESSAGE;
	req.edit_message = &m;
	return cloud_call(c, CALL_EDIT, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_delete(struct cloud *c, uint64_t chat_id, const uint64_t *ids,
    size_t n, int for_everyone, uint64_t timeout_ms, cloud_done_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__DeleteMessages m = SOTTO__DELETE_MESSAGES__INIT;
	struct cloud_call *k = NULL;
	uint64_t *copy;
	int r;

	if (n == 0)
		return ERR_INVAL;
	if ((copy = calloc(n, sizeof(*copy))) == NULL)
		return ERR_NOMEM;
	memcpy(copy, ids, n * sizeof(*copy));
	m.chat_id = chat_id;
	m.ids = copy;
	m.n_ids = n;
	m.for_everyone = for_everyone;
	req.method_case = SOTTO__REQUEST__METHOD_DELETE_MESSAGES;
	req.delete_messages = &m;
	if ((r = cloud_call(c, CALL_DELETE, &req, timeout_ms, cb, ud,
	    &k)) != 0) {
		free(copy);
		return r;
	}
	k->chat_id = chat_id;
	k->ids = copy;
	k->n_ids = n;
	k->for_everyone = for_everyone;
	return 0;
}

int
cloud_mark_read(struct cloud *c, uint64_t chat_id, uint64_t max_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__ReadHistory m = SOTTO__READ_HISTORY__INIT;
	struct store_chat ch;
	struct cloud_call *k = NULL;
	int r;

	if (max_id == 0) {
		if ((r = store_get_chat(c->st, chat_id, &ch)) != 0)
			return r;
		max_id = ch.last_message_id;
		store_chat_free(&ch);
	}
	m.chat_id = chat_id;
	m.max_id = max_id;
	req.method_case = SOTTO__REQUEST__METHOD_READ_HISTORY;
	req.read_history = &m;
	if ((r = cloud_call(c, CALL_READ, &req, timeout_ms, cb, ud,
	    &k)) != 0)
		return r;
	k->chat_id = chat_id;
	k->max_id = max_id;
	return 0;
}

int
cloud_typing(struct cloud *c, uint64_t chat_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SetTyping m = SOTTO__SET_TYPING__INIT;

	m.chat_id = chat_id;
	req.method_case = SOTTO__REQUEST__METHOD_SET_TYPING;
	req.set_typing = &m;
	return cloud_call(c, CALL_PLAIN, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_refresh_contacts(struct cloud *c, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetContacts m = SOTTO__GET_CONTACTS__INIT;

	req.method_case = SOTTO__REQUEST__METHOD_GET_CONTACTS;
	req.get_contacts = &m;
	return cloud_call(c, CALL_CONTACTS, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_add_contact(struct cloud *c, uint64_t user_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__AddContact m = SOTTO__ADD_CONTACT__INIT;

	m.user_id = user_id;
	req.method_case = SOTTO__REQUEST__METHOD_ADD_CONTACT;
	req.add_contact = &m;
	return cloud_call(c, CALL_ADD_CONTACT, &req, timeout_ms, cb, ud,
	    NULL);
}

int
cloud_remove_contact(struct cloud *c, uint64_t user_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__RemoveContact m = SOTTO__REMOVE_CONTACT__INIT;

	m.user_id = user_id;
	req.method_case = SOTTO__REQUEST__METHOD_REMOVE_CONTACT;
	req.remove_contact = &m;
	return cloud_call(c, CALL_REMOVE_CONTACT, &req, timeout_ms, cb, ud,
	    NULL);
}

static int
cloud_title_check(const char *title)
{
	size_t n = title != NULL ? strlen(title) : 0;
	int r;

	if (n > CLOUD_TITLE_MAX)
		return ERR_TOO_BIG;
	if ((r = cloud_text_check(title, n)) != 0)
		return r == ERR_TOO_BIG ? r : ERR_INVAL;
	return 0;
}

int
cloud_create_group(struct cloud *c, const char *title,
    const uint64_t *member_ids, size_t n, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__CreateGroup m = SOTTO__CREATE_GROUP__INIT;
	int r;

	if ((r = cloud_title_check(title)) != 0)
		return r;
	m.title = (char *)title;
	m.member_ids = (uint64_t *)member_ids;
	m.n_member_ids = n;
	do
		m.random_id = sec_random_u64() & INT64_MAX;
	while (m.random_id == 0);
	req.method_case = SOTTO__REQUEST__METHOD_CREATE_GROUP;
	req.create_group = &m;
	return cloud_call(c, CALL_GROUP, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_add_member(struct cloud *c, uint64_t chat_id, uint64_t user_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__AddMember m = SOTTO__ADD_MEMBER__INIT;

	m.chat_id = chat_id;
	m.user_id = user_id;
	req.method_case = SOTTO__REQUEST__METHOD_ADD_MEMBER;
	req.add_member = &m;
	return cloud_call(c, CALL_GROUP, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_remove_member(struct cloud *c, uint64_t chat_id, uint64_t user_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__RemoveMember m = SOTTO__REMOVE_MEMBER__INIT;

	m.chat_id = chat_id;
	m.user_id = user_id;
	req.method_case = SOTTO__REQUEST__METHOD_REMOVE_MEMBER;
	req.remove_member = &m;
	return cloud_call(c, CALL_GROUP, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_leave(struct cloud *c, uint64_t chat_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__LeaveChat m = SOTTO__LEAVE_CHAT__INIT;

	m.chat_id = chat_id;
	req.method_case = SOTTO__REQUEST__METHOD_LEAVE_CHAT;
	req.leave_chat = &m;
	return cloud_call(c, CALL_GROUP, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_rename(struct cloud *c, uint64_t chat_id, const char *title,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__RenameChat m = SOTTO__RENAME_CHAT__INIT;
	int r;

	if ((r = cloud_title_check(title)) != 0)
		return r;
	m.chat_id = chat_id;
	m.title = (char *)title;
	req.method_case = SOTTO__REQUEST__METHOD_RENAME_CHAT;
	req.rename_chat = &m;
	return cloud_call(c, CALL_GROUP, &req, timeout_ms, cb, ud, NULL);
}

int
cloud_apply_sent(struct cloud *c, const Sotto__SendResult *r)
{
	if (c->freeing)
		return ERR_CLOSED;
	return sync_apply_sent(c->sy, r, 0);
}

/* ------------------------------------------------------------ reads */

int
cloud_get_user(struct cloud *c, uint64_t id, struct store_user *u)
{
	return store_get_user(c->st, id, u);
}

int
cloud_get_chat(struct cloud *c, uint64_t id, struct store_chat *ch)
{
	return store_get_chat(c->st, id, ch);
}

int
cloud_get_message(struct cloud *c, uint64_t chat_id, uint64_t id,
    struct store_message *m)
{
	return store_get_message(c->st, chat_id, id, m);
}

int
cloud_list_chats(struct cloud *c, store_chat_fn *fn, void *ud)
{
	return store_list_chats(c->st, fn, ud);
}

int
cloud_history(struct cloud *c, uint64_t chat_id, uint64_t limit,
    store_message_fn *fn, void *ud)
{
	return store_list_messages(c->st, chat_id, limit, fn, ud);
}

int
cloud_history_before(struct cloud *c, uint64_t chat_id, uint64_t before_id,
    uint64_t limit, store_message_fn *fn, void *ud)
{
	return store_list_messages_before(c->st, chat_id, before_id, limit,
	    fn, ud);
}

int
cloud_list_members(struct cloud *c, uint64_t chat_id, store_member_fn *fn,
    void *ud)
{
	return store_list_members(c->st, chat_id, fn, ud);
}

int
cloud_list_contacts(struct cloud *c, store_user_fn *fn, void *ud)
{
	return store_list_contacts(c->st, fn, ud);
}

int
cloud_search(struct cloud *c, uint64_t chat_id, const char *query,
    uint64_t limit, store_message_fn *fn, void *ud)
{
	return store_search(c->st, chat_id, query, limit, fn, ud);
}

/* ------------------------------------------------------------ privacy */

static const char *const cloud_priv_keys[CLOUD_PRIV_N] = {
	[CLOUD_PRIV_PHONE_NUMBER] = "phone_number",
	[CLOUD_PRIV_PHONE_DISCOVERY] = "phone_discovery",
	[CLOUD_PRIV_LAST_SEEN] = "last_seen",
	[CLOUD_PRIV_BIO] = "bio",
	[CLOUD_PRIV_FORWARDS] = "forwards",
	[CLOUD_PRIV_GROUP_INVITES] = "group_invites",
	[CLOUD_PRIV_MESSAGES] = "messages",
	[CLOUD_PRIV_SECRET_CHATS] = "secret_chats",
};

static const char *const cloud_priv_values[] = {
	[CLOUD_PRIV_EVERYBODY] = "everybody",
	[CLOUD_PRIV_CONTACTS] = "contacts",
	[CLOUD_PRIV_NOBODY] = "nobody",
};

#define CLOUD_PRIV_NVALUES \
	((int)(sizeof(cloud_priv_values) / sizeof(cloud_priv_values[0])))

const char *
cloud_privacy_key_name(int key)
{
	if (key < 0 || key >= CLOUD_PRIV_N)
		return "?";
	return cloud_priv_keys[key];
}

int
cloud_privacy_key_parse(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < CLOUD_PRIV_N; i++)
		if (strcmp(name, cloud_priv_keys[i]) == 0)
			return i;
	return ERR_INVAL;
}

const char *
cloud_privacy_value_name(int value)
{
	if (value < 0 || value >= CLOUD_PRIV_NVALUES)
		return "?";
	return cloud_priv_values[value];
}

int
cloud_privacy_value_parse(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < CLOUD_PRIV_NVALUES; i++)
		if (strcmp(name, cloud_priv_values[i]) == 0)
			return i;
	return ERR_INVAL;
}

/*
 * On the wire keys and values are one more than here: 0 is proto3's
 * "unset", which the server refuses rather than reads as "everybody".
 */
static int
cloud_priv_from_wire(const Sotto__PrivacyRule *w,
    struct cloud_privacy_rule *r)
{
	memset(r, 0, sizeof(*r));
	if (w == NULL || (int)w->key < 1 || (int)w->key > CLOUD_PRIV_N ||
	    (int)w->value < 1 || (int)w->value > CLOUD_PRIV_NVALUES)
		return ERR_PROTO;
	r->key = (int)w->key - 1;
	r->value = (int)w->value - 1;
	r->allow = w->allow_ids;
	r->n_allow = w->n_allow_ids;
	r->deny = w->deny_ids;
	r->n_deny = w->n_deny_ids;
	return 0;
}

/* Stores the users of an answer; one transaction. */
int
cloud_put_users(struct cloud *c, Sotto__User *const *users, size_t n,
    struct store_user *out)
{
	struct store_user u;
	size_t i;
	int r;

	if (n == 0)
		return 0;
	if ((r = store_begin(c->st)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (users[i] == NULL || users[i]->id == 0)
			continue;
		memset(&u, 0, sizeof(u));
		u.id = users[i]->id;
		u.username = users[i]->username;
		u.display_name = users[i]->display_name;
		u.phone = users[i]->phone;
		u.contact = users[i]->contact;
		if ((r = store_put_user(c->st, &u)) != 0) {
			store_rollback(c->st);
			return r;
		}
		if (out != NULL)
			out[i] = u;
		(void)presence_note(c->pr, users[i]);
	}
	return store_commit(c->st);
}

int
cloud_store_users(struct cloud *c, Sotto__User *const *users, size_t n)
{
	return cloud_put_users(c, users, n, NULL);
}

struct presence *
cloud_presence(struct cloud *c)
{
	return c->pr;
}

enum cloud_pcall_kind {
	PCALL_GET,			/* GetPrivacy: cloud_privacy_fn */
	PCALL_SET,			/* the setters: cloud_done_fn */
	PCALL_BLOCK,			/* Block, Unblock: cloud_done_fn */
	PCALL_BLOCKED,			/* GetBlocked: cloud_users_fn */
};

struct cloud_pcall {
	struct cloud *c;
	enum cloud_pcall_kind kind;
	cloud_privacy_fn *privacy_cb;
	cloud_done_fn *done_cb;
	cloud_users_fn *users_cb;
	void *ud;
	uint64_t user_id;
	int block;
};

/* Reports the rule(s) of a PrivacyResult as CLOUD_EV_PRIVACY. */
static void
cloud_priv_emit(struct cloud *c, const struct cloud_privacy_rule *rule)
{
	struct cloud_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_PRIVACY;
	ev.privacy = rule;
	cloud_emit(c, &ev);
}

static int
cloud_pcall_privacy(struct cloud_pcall *k, const Sotto__Response *resp,
    int *answered)
{
	const Sotto__PrivacyResult *pr;
	struct cloud_privacy_rule *rules = NULL;
	size_t i;
	int r;

	*answered = 0;
	if (resp->result_case != SOTTO__RESPONSE__RESULT_PRIVACY)
		return ERR_PROTO;
	pr = resp->privacy;
	if (pr->n_rules > 0 && (rules = calloc(pr->n_rules,
	    sizeof(*rules))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < pr->n_rules; i++)
		if ((r = cloud_priv_from_wire(pr->rules[i], &rules[i])) != 0)
			goto out;
	if ((r = cloud_put_users(k->c, pr->users, pr->n_users, NULL)) != 0)
		goto out;
	if (k->kind == PCALL_GET) {
		*answered = 1;
		k->privacy_cb(k->ud, 0, "", rules, pr->n_rules);
	} else
		for (i = 0; i < pr->n_rules; i++)
			cloud_priv_emit(k->c, &rules[i]);
out:
	free(rules);
	return r;
}

static int
cloud_pcall_block(struct cloud_pcall *k, const Sotto__Response *resp)
{
	struct store_user u;
	struct cloud_event ev;
	int r;

	if (resp->result_case != SOTTO__RESPONSE__RESULT_CONTACT ||
	    resp->contact->user == NULL)
		return ERR_PROTO;
	if ((r = cloud_put_users(k->c, &resp->contact->user, 1, &u)) != 0)
		return r;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_BLOCKED;
	ev.user = &u;
	ev.user_id = u.id;
	ev.added = k->block;
	cloud_emit(k->c, &ev);
	return 0;
}

static int
cloud_pcall_blocked(struct cloud_pcall *k, const Sotto__Response *resp,
    int *answered)
{
	const Sotto__UsersResult *ur;
	struct store_user *v = NULL;
	size_t i, n = 0;
	int r;

	*answered = 0;
	if (resp->result_case != SOTTO__RESPONSE__RESULT_USERS)
		return ERR_PROTO;
	ur = resp->users;
	if (ur->n_users > 0 && (v = calloc(ur->n_users, sizeof(*v))) == NULL)
		return ERR_NOMEM;
	if ((r = cloud_put_users(k->c, ur->users, ur->n_users, v)) == 0) {
		/* Drop the holes an empty entry left. */
		for (i = 0; i < ur->n_users; i++)
			if (v[i].id != 0)
				v[n++] = v[i];
		*answered = 1;
		k->users_cb(k->ud, 0, "", v, n);
	}
	free(v);
	return r;
}

static void
cloud_pcall_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct cloud_pcall *k = ud;
	struct cloud *c = k->c;
	char *why = NULL;
	int r = err, answered = 0;

	if (err == 0 && c->freeing)
		r = ERR_CLOSED;
	else if (err == 0) {
		switch (k->kind) {
		case PCALL_GET:
		case PCALL_SET:
			r = cloud_pcall_privacy(k, resp, &answered);
			break;
		case PCALL_BLOCK:
			r = cloud_pcall_block(k, resp);
			break;
		case PCALL_BLOCKED:
			r = cloud_pcall_blocked(k, resp, &answered);
			break;
		}
	}
	if (!answered) {
		if (err != 0)
			why = cloud_why(resp);
		if (k->privacy_cb != NULL)
			k->privacy_cb(k->ud, r, why != NULL ? why : "", NULL,
			    0);
		else if (k->users_cb != NULL)
			k->users_cb(k->ud, r, why != NULL ? why : "", NULL, 0);
		else
			k->done_cb(k->ud, r, why != NULL ? why : "",
			    k->user_id);
	}
	free(why);
	free(k);
}

static int
cloud_pcall(struct cloud *c, struct cloud_pcall *tmpl, Sotto__Request *req,
    uint64_t timeout_ms)
{
	struct cloud_pcall *k;
	int r;

	if (c->freeing)
		return ERR_CLOSED;
	if ((k = malloc(sizeof(*k))) == NULL)
		return ERR_NOMEM;
	*k = *tmpl;
	k->c = c;
	if ((r = engine_call(c->e, req, timeout_ms, cloud_pcall_reply,
	    k)) != 0)
		free(k);
	return r;
}

int
cloud_get_privacy(struct cloud *c, uint64_t timeout_ms,
    cloud_privacy_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetPrivacy m = SOTTO__GET_PRIVACY__INIT;
	struct cloud_pcall k;

	memset(&k, 0, sizeof(k));
	k.kind = PCALL_GET;
	k.privacy_cb = cb;
	k.ud = ud;
	req.method_case = SOTTO__REQUEST__METHOD_GET_PRIVACY;
	req.get_privacy = &m;
	return cloud_pcall(c, &k, &req, timeout_ms);
}

static int
cloud_priv_check(int key, int value)
{
	if (key < 0 || key >= CLOUD_PRIV_N || value < 0 ||
	    value >= CLOUD_PRIV_NVALUES)
		return ERR_INVAL;
	return 0;
}

static int
cloud_set_privacy_req(struct cloud *c, const struct cloud_privacy_rule *r,
    int keep, uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SetPrivacy m = SOTTO__SET_PRIVACY__INIT;
	Sotto__PrivacyRule w = SOTTO__PRIVACY_RULE__INIT;
	struct cloud_pcall k;
	size_t i, j;

	if (cloud_priv_check(r->key, r->value) != 0 ||
	    (r->n_allow > 0 && r->allow == NULL) ||
	    (r->n_deny > 0 && r->deny == NULL))
		return ERR_INVAL;
	if (r->n_allow > CLOUD_PRIV_EXCEPTIONS_MAX ||
	    r->n_deny > CLOUD_PRIV_EXCEPTIONS_MAX - r->n_allow)
		return ERR_TOO_BIG;
	for (i = 0; i < r->n_allow; i++) {
		if (r->allow[i] == 0 || (c->self != 0 &&
		    r->allow[i] == c->self))
			return ERR_INVAL;
		for (j = 0; j < r->n_deny; j++)
			if (r->deny[j] == r->allow[i])
				return ERR_INVAL;
	}
	for (j = 0; j < r->n_deny; j++)
		if (r->deny[j] == 0 || (c->self != 0 && r->deny[j] == c->self))
			return ERR_INVAL;
	w.key = (Sotto__PrivacyKey)(r->key + 1);
	w.value = (Sotto__PrivacyValue)(r->value + 1);
	w.allow_ids = (uint64_t *)r->allow;
	w.n_allow_ids = r->n_allow;
	w.deny_ids = (uint64_t *)r->deny;
	w.n_deny_ids = r->n_deny;
	m.rule = &w;
	m.keep_exceptions = keep != 0;
	req.method_case = SOTTO__REQUEST__METHOD_SET_PRIVACY;
	req.set_privacy = &m;
	memset(&k, 0, sizeof(k));
	k.kind = PCALL_SET;
	k.done_cb = cb;
	k.ud = ud;
	return cloud_pcall(c, &k, &req, timeout_ms);
}

int
cloud_set_privacy(struct cloud *c, const struct cloud_privacy_rule *r,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	if (r == NULL)
		return ERR_INVAL;
	return cloud_set_privacy_req(c, r, 0, timeout_ms, cb, ud);
}

int
cloud_set_privacy_value(struct cloud *c, int key, int value,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	struct cloud_privacy_rule r;

	memset(&r, 0, sizeof(r));
	r.key = key;
	r.value = value;
	return cloud_set_privacy_req(c, &r, 1, timeout_ms, cb, ud);
}

int
cloud_privacy_exception(struct cloud *c, int key, uint64_t user_id,
    int mode, uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SetPrivacyException m = SOTTO__SET_PRIVACY_EXCEPTION__INIT;
	struct cloud_pcall k;

	if (cloud_priv_check(key, 0) != 0 || user_id == 0 ||
	    mode < CLOUD_PRIV_EXC_NONE || mode > CLOUD_PRIV_EXC_DENY ||
	    (c->self != 0 && user_id == c->self))
		return ERR_INVAL;
	m.key = (Sotto__PrivacyKey)(key + 1);
	m.user_id = user_id;
	m.mode = mode == CLOUD_PRIV_EXC_ALLOW ?
	    SOTTO__PRIVACY_EXCEPTION__EXCEPTION_ALLOW :
	    mode == CLOUD_PRIV_EXC_DENY ?
	    SOTTO__PRIVACY_EXCEPTION__EXCEPTION_DENY :
	    SOTTO__PRIVACY_EXCEPTION__EXCEPTION_NONE;
	req.method_case = SOTTO__REQUEST__METHOD_SET_PRIVACY_EXCEPTION;
	req.set_privacy_exception = &m;
	memset(&k, 0, sizeof(k));
	k.kind = PCALL_SET;
	k.done_cb = cb;
	k.ud = ud;
	k.user_id = user_id;
	return cloud_pcall(c, &k, &req, timeout_ms);
}

int
cloud_block(struct cloud *c, uint64_t user_id, int block,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Block b = SOTTO__BLOCK__INIT;
	Sotto__Unblock u = SOTTO__UNBLOCK__INIT;
	struct cloud_pcall k;

	if (user_id == 0 || (c->self != 0 && user_id == c->self))
		return ERR_INVAL;
	if (block) {
		b.user_id = user_id;
		req.method_case = SOTTO__REQUEST__METHOD_BLOCK;
		req.block = &b;
	} else {
		u.user_id = user_id;
		req.method_case = SOTTO__REQUEST__METHOD_UNBLOCK;
		req.unblock = &u;
	}
	memset(&k, 0, sizeof(k));
	k.kind = PCALL_BLOCK;
	k.done_cb = cb;
	k.ud = ud;
	k.user_id = user_id;
	k.block = block != 0;
	return cloud_pcall(c, &k, &req, timeout_ms);
}

int
cloud_get_blocked(struct cloud *c, uint64_t timeout_ms, cloud_users_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetBlocked m = SOTTO__GET_BLOCKED__INIT;
	struct cloud_pcall k;

	memset(&k, 0, sizeof(k));
	k.kind = PCALL_BLOCKED;
	k.users_cb = cb;
	k.ud = ud;
	req.method_case = SOTTO__REQUEST__METHOD_GET_BLOCKED;
	req.get_blocked = &m;
	return cloud_pcall(c, &k, &req, timeout_ms);
}

/* ------------------------------------------------------- life cycle */

static void
cloud_on_state(void *ud, enum engine_state state, int err)
{
	struct cloud *c = ud;
	const struct engine_welcome *w = engine_welcome(c->e);
	struct cloud_event ev;

	if (state == ENGINE_READY && w->authenticated && w->user_id != 0) {
		c->self = w->user_id;
		sync_set_self(c->sy, c->self);
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_STATE;
	ev.state = state;
	ev.err = err;
	cloud_emit(c, &ev);
	if (c->freeing)
		return;
	if (state == ENGINE_READY) {
		if (!w->authenticated)
			return;		/* nothing to sync before a login */
		sync_on_ready(c->sy);
		outbox_on_ready(c->ob);
		secret_on_ready(c->sec);
	} else {
		sync_on_down(c->sy);
		outbox_on_down(c->ob);
		secret_on_down(c->sec);
	}
}

static void
cloud_on_update(void *ud, const Sotto__Update *u)
{
	struct cloud *c = ud;

	if (c->freeing)
		return;
	if (u->qts != 0)
		secret_on_update(c->sec, u);
	else
		sync_on_update(c->sy, u);
}

int
cloud_new(struct cloud **out, uv_loop_t *loop, struct store *st,
    const uint8_t device_priv[NOISE_KEY_LEN],
    const struct engine_config *cfg)
{
	static const struct sync_ops sops = { cloud_emit, cloud_on_synced };
	struct engine_events ev = { cloud_on_state, cloud_on_update };
	struct store_account acct;
	struct cloud *c;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	c->loop = loop;
	c->st = st;
	if (store_get_account(st, &acct) == 0) {
		struct store_user me;

		c->self = acct.user_id;
		/* Oneself is a user like any other in member lists. */
		if (store_get_user(st, acct.user_id, &me) == 0)
			store_user_free(&me);
		else {
			memset(&me, 0, sizeof(me));
			me.id = acct.user_id;
			me.username = acct.username;
			me.display_name = acct.display_name;
			me.phone = acct.phone;
			(void)store_put_user(st, &me);
		}
		store_account_free(&acct);
	}
	if ((r = engine_new(&c->e, loop, st, device_priv, cfg, &ev, c)) != 0)
		goto fail;
	if ((r = sync_new(&c->sy, c->e, st, &sops, c)) != 0)
		goto fail;
	sync_set_self(c->sy, c->self);
	if ((r = outbox_new(&c->ob, loop, c->e, st, c->sy, cloud_emit,
	    c)) != 0)
		goto fail;
	if ((r = secret_new(&c->sec, loop, c->e, st)) != 0 ||
	    (r = presence_new(&c->pr)) != 0)
		goto fail;
	uv_timer_init(loop, &c->free_timer);
	c->free_timer.data = c;
	uv_timer_init(loop, &c->idx_timer);
	c->idx_timer.data = c;
	*out = c;
	return 0;
fail:
	/* Only the engine holds handles here, and it frees them itself. */
	sync_free(c->sy);
	if (c->e != NULL)
		engine_free(c->e, NULL, NULL);
	free(c);
	return r;
}

int
cloud_start(struct cloud *c)
{
	return engine_start(c->e);
}

uv_loop_t *
cloud_loop(struct cloud *c)
{
	return c->loop;
}

struct engine *
cloud_engine(struct cloud *c)
{
	return c->e;
}

struct secret *
cloud_secret(struct cloud *c)
{
	return c->sec;
}

/* One slice of indexing, then the loop's other work, then the next. */
static void
cloud_index_tick(uv_timer_t *t)
{
	struct cloud *c = t->data;
	int left = 0, r;

	if (c->freeing || !c->bg_index)
		return;
	if ((r = store_fts_index_some(c->st, CLOUD_INDEX_SLICE, &left)) != 0) {
		log_warn_err(r, "cannot index messages for search");
		return;
	}
	if (left)
		uv_timer_start(&c->idx_timer, cloud_index_tick, 1, 0);
}

static void
cloud_index_kick(struct cloud *c)
{
	if (c->bg_index && !c->freeing && !uv_is_active((uv_handle_t *)
	    &c->idx_timer) && sync_synced(c->sy))
		uv_timer_start(&c->idx_timer, cloud_index_tick, 0, 0);
}

void
cloud_index_in_background(struct cloud *c, int on)
{
	c->bg_index = on;
	if (on)
		cloud_index_kick(c);
	else
		uv_timer_stop(&c->idx_timer);
}

int
cloud_synced(const struct cloud *c)
{
	return sync_synced(c->sy);
}

uint64_t
cloud_self(const struct cloud *c)
{
	return c->self;
}

static void
cloud_part_done(void *ud)
{
	struct cloud *c = ud;
	void (*done)(void *);
	void *dud;

	if (--c->pending > 0)
		return;
	done = c->done;
	dud = c->done_ud;
	presence_free(c->pr);
	free(c->subs);
	free(c);
	if (done != NULL)
		done(dud);
}

static void
cloud_timer_closed(uv_handle_t *h)
{
	cloud_part_done(h->data);
}

static void
cloud_teardown(uv_timer_t *t)
{
	struct cloud *c = t->data;
	struct cloud_res *rs, *next;

	for (rs = c->res; rs != NULL; rs = next) {
		next = rs->next;
		if (!rs->in_call)	/* engine_free fails the others */
			cloud_res_finish(rs, ERR_CLOSED, NULL, NULL);
	}
	c->pending = 5;
	/* Pending requests fail now, while sync and the outbox exist. */
	engine_free(c->e, cloud_part_done, c);
	secret_free(c->sec, cloud_part_done, c);
	while ((rs = c->res) != NULL)
		cloud_res_finish(rs, ERR_CLOSED, NULL, NULL);
	sync_free(c->sy);
	c->sy = NULL;
	outbox_free(c->ob, cloud_part_done, c);
	uv_close((uv_handle_t *)&c->idx_timer, cloud_timer_closed);
	uv_close((uv_handle_t *)&c->free_timer, cloud_timer_closed);
}

void
cloud_free(struct cloud *c, void (*done)(void *), void *ud)
{
	if (c == NULL) {
		if (done != NULL)
			done(ud);
		return;
	}
	if (c->freeing)
		return;
	c->freeing = 1;
	c->done = done;
	c->done_ud = ud;
	uv_timer_start(&c->free_timer, cloud_teardown, 0, 0);
}
