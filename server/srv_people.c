/*
 * Cloud chats, people: ResolveUser (by username or phone), GetUsers,
 * GetContacts, AddContact and RemoveContact. What a user may see of
 * another is srv_chat_user()'s (srv_chat.c), under srv_privacy.c's rules;
 * finding by phone goes through the directory's limits (srv_directory.c).
 */
#include "config.h"

#include "server/srv_chat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_auth.h"
#include "server/srv_chat_int.h"
#include "server/srv_conn.h"
#include "server/srv_directory.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

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
