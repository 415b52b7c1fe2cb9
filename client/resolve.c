/*
 * Resolving what the user names (me, @username, +phone, a chat id) into
 * a peer: from the store, from the server (ResolveUser), or once the
 * catch-up has brought the chat; and storing the users an answer names.
 */
#include "client/cloud.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "client/cloud_int.h"
#include "client/presence.h"
#include "client/sync.h"
#include "lib/err.h"

/* --------------------------------------------------------- resolving */

static void cloud_res_timer(uv_timer_t *);

static void
cloud_res_closed(uv_handle_t *h)
{
	struct cloud_res *rs = h->data;

	free(rs->peer);
	free(rs);
}

void
cloud__res_finish(struct cloud_res *rs, int err, const char *why,
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
		cloud__res_finish(rs, err, why, NULL);
		free(why);
		return;
	}
	if (resp->result_case != SOTTO__RESPONSE__RESULT_USER ||
	    resp->user->user == NULL || resp->user->user->id == 0) {
		cloud__res_finish(rs, ERR_PROTO, NULL, NULL);
		return;
	}
	u = resp->user->user;
	(void)presence_note(rs->c->pr, u);
	if ((r = sync_put_users(rs->c->sy, &u, 1)) != 0 ||
	    (r = cloud_peer_of_user(rs->c, u->id, &p)) != 0) {
		cloud__res_finish(rs, r, NULL, NULL);
		return;
	}
	cloud__res_finish(rs, 0, NULL, &p);
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
		cloud__res_finish(rs, 0, NULL, &p);
		return;
	}
	if (r != ERR_NOT_FOUND) {
		/* A group this account left is still named, for its history. */
		cloud__res_finish(rs, r, NULL, r == ERR_PERM ? &p : NULL);
		return;
	}
	if (rs->peer[0] == '@' || rs->peer[0] == '+') {
		cloud_res_ask(rs);
		return;
	}
	if (sync_synced(rs->c->sy)) {
		cloud__res_finish(rs, ERR_NOT_FOUND, "no such chat here", NULL);
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
		cloud__res_finish(rs, rs->err, NULL, NULL);
		return;
	}
	if (rs->waiting) {
		/* The catch-up did not finish in time. */
		cloud__res_finish(rs, engine_was_ready(rs->c->e) ?
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
void
cloud__on_synced(void *ud)
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

/* ------------------------------------------------------------- users */

/* Stores the users of an answer; one transaction. */
int
cloud_put_users(struct cloud *c, Sotto__User *const *users, size_t n,
    struct cloud_user *out)
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
			cloud__user_of(&out[i], &u);
		(void)presence_note(c->pr, users[i]);
	}
	return store_commit(c->st);
}

int
cloud_store_users(struct cloud *c, Sotto__User *const *users, size_t n)
{
	return cloud_put_users(c, users, n, NULL);
}

