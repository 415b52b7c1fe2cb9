/*
 * Privacy rules and blocks: the one decision (srv_privacy_allows) and
 * the requests that read and change the rules (see srv_privacy.h and
 * doc/PROTOCOL.md, "Privacy and blocks").
 *
 * A change is written with its log entry in one atomic unit, then
 * answered and pushed to every device of the account (PrivacyChanged,
 * BlockChanged), held until the group commit like every answer (srv.h).
 * Nothing here is logged: who blocks whom is nobody's business, the
 * operator's included.
 */
#include "config.h"

#include "server/srv_privacy.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_presence.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

/* ---------------------------------------------------------------- rules */

int
srv_privacy_default(int key)
{
	switch (key) {
	case SRV_PRIV_PHONE_NUMBER:
	case SRV_PRIV_PHONE_DISCOVERY:
		return SRV_PRIV_CONTACTS;
	default:
		return SRV_PRIV_EVERYBODY;
	}
}

static int
srv_priv_key_ok(int key)
{
	return key >= 1 && key <= SRV_PRIV_KEYS;
}

static int
srv_priv_value_ok(int value)
{
	return value == SRV_PRIV_EVERYBODY || value == SRV_PRIV_CONTACTS ||
	    value == SRV_PRIV_NOBODY;
}

/* Steps 2 to 5 of srv_privacy.h on what the store said. */
static int
srv_priv_decide(const struct srv_privacy_facts *f, int key)
{
	int v;

	if (f->blocked)
		return ERR_PERM;
	if (f->exception >= 0)
		return f->exception ? 0 : ERR_PERM;
	v = srv_priv_value_ok(f->value) ? f->value : srv_privacy_default(key);
	if (v == SRV_PRIV_EVERYBODY || (v == SRV_PRIV_CONTACTS && f->contact))
		return 0;
	return ERR_PERM;
}

/*
 * The facts for owner, key and asker: from the store, or for an owner who
 * never set anything, the defaults (the contact looked up only when the
 * default needs it). 0, ERR_PERM (an id no user can have) or ERR_DB.
 */
static int
srv_priv_facts(struct srv_store *st, uint64_t owner, int key, uint64_t asker,
    struct srv_privacy_facts *f)
{
	int r;

	if (asker == SRV_VIEWER_STRANGER || asker == SRV_VIEWER_CONTACT) {
		/* A viewer of GetProfileAs: in no list, blocked by nobody. */
		memset(f, 0, sizeof(*f));
		f->exception = -1;
		f->contact = asker == SRV_VIEWER_CONTACT;
		r = srv_store_privacy_get(st, owner, key, &f->value);
		return r == ERR_NOT_FOUND ? 0 : r;
	}
	if (srv_store_privacy_restricted(st, owner)) {
		r = srv_store_privacy_facts(st, owner, key, asker, f);
		return r == ERR_NOT_FOUND ? ERR_PERM : r;
	}
	memset(f, 0, sizeof(*f));
	f->exception = -1;
	if (srv_privacy_default(key) != SRV_PRIV_CONTACTS)
		return 0;
	if ((r = srv_store_is_contact(st, owner, asker)) == 0)
		f->contact = 1;
	else if (r != ERR_NOT_FOUND)
		return r;
	return 0;
}

int
srv_privacy_allows(struct srv_store *st, uint64_t owner, int key,
    uint64_t asker)
{
	struct srv_privacy_facts f;
	int r;

	if (owner == asker)
		return 0;
	if ((r = srv_priv_facts(st, owner, key, asker, &f)) != 0)
		return r;
	return srv_priv_decide(&f, key);
}

int
srv_privacy_allows_none(struct srv_store *st, int key, uint64_t asker)
{
	/* No account has id 0: its facts are read and found empty. */
	return srv_privacy_allows(st, 0, key, asker) == ERR_DB ? ERR_DB :
	    ERR_NOT_FOUND;
}

int
srv_privacy_blocked(struct srv_store *st, uint64_t owner, uint64_t user_id)
{
	int r;

	if (owner == user_id || !srv_store_privacy_restricted(st, owner))
		return 0;
	if ((r = srv_store_is_blocked(st, owner, user_id)) == 0)
		return 1;
	return r == ERR_NOT_FOUND ? 0 : r;
}

int
srv_privacy_may_message(struct srv_store *st, uint64_t peer,
    uint64_t sender, uint64_t chat_id)
{
	struct srv_privacy_facts f;
	int r;

	if (peer == sender)
		return 0;
	if ((r = srv_priv_facts(st, peer, SRV_PRIV_MESSAGES, sender,
	    &f)) != 0)
		return r;
	if ((r = srv_priv_decide(&f, SRV_PRIV_MESSAGES)) == 0 || f.blocked ||
	    chat_id == 0)
		return r;
	/* The rule is about starting a chat: one peer has written in is on. */
	if ((r = srv_store_sender_wrote(st, chat_id, peer)) == ERR_NOT_FOUND)
		return ERR_PERM;
	return r;
}

int
srv_privacy_rule_get(struct srv_store *st, uint64_t owner, int key,
    struct srv_privacy_rule *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->key = key;
	if ((r = srv_store_privacy_get(st, owner, key, &out->value)) ==
	    ERR_NOT_FOUND || (r == 0 && !srv_priv_value_ok(out->value)))
		out->value = srv_privacy_default(key);
	else if (r != 0)
		return r;
	return srv_store_privacy_exceptions(st, owner, key, &out->allow,
	    &out->n_allow, &out->deny, &out->n_deny);
}

void
srv_privacy_rule_free(struct srv_privacy_rule *r)
{
	free(r->allow);
	free(r->deny);
	r->allow = r->deny = NULL;
	r->n_allow = r->n_deny = 0;
}

/* ---------------------------------------------------------------- answers */

/* A user named by a rule, with storage for its strings. */
struct srv_priv_user {
	Sotto__User user;
	struct srv_profile p;
};

/* A PrivacyResult being built, and what it points to. */
struct srv_priv_out {
	struct srv_privacy_rule rules[SRV_PRIV_KEYS];
	Sotto__PrivacyRule w[SRV_PRIV_KEYS];
	Sotto__PrivacyRule *pw[SRV_PRIV_KEYS];
	size_t n;
	struct srv_priv_user *users;
	Sotto__User **pu;
	size_t nusers;
};

static void
srv_priv_out_free(struct srv_priv_out *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		srv_privacy_rule_free(&o->rules[i]);
	free(o->users);
	free(o->pu);
}

/* Adds the users of ids (n) not there yet, while they fit in *bytes. */
static int
srv_priv_add_users(struct srv_store *st, uint64_t me, struct srv_priv_out *o,
    const uint64_t *ids, size_t n, size_t *bytes)
{
	struct srv_priv_user *u;
	size_t i, j, sz;
	int r, dup;

	for (i = 0; i < n; i++) {
		for (dup = 0, j = 0; j < o->nusers && !dup; j++)
			dup = o->users[j].p.id == ids[i];
		if (dup)
			continue;
		u = &o->users[o->nusers];
		if ((r = srv_store_profile_by_id(st, ids[i], &u->p)) != 0) {
			if (r == ERR_NOT_FOUND)
				continue;
			return r;
		}
		if ((r = srv_chat_user(st, me, &u->p, &u->user)) != 0)
			return r;
		sz = sotto__user__get_packed_size(&u->user) + 4;
		if (*bytes + sz > SRV_DIFF_BYTES)
			return 0;
		*bytes += sz;
		o->pu[o->nusers] = &u->user;
		o->nusers++;
	}
	return 0;
}

/*
 * Reads the rule of key (0: every key) of the asker with the users its
 * lists name, as the wire has them. 0, ERR_NOMEM or ERR_DB.
 */
static int
srv_priv_collect(struct srv_store *st, uint64_t me, int key,
    struct srv_priv_out *o)
{
	size_t i, total = 0, bytes = 64;
	int k, r;

	memset(o, 0, sizeof(*o));
	for (k = key ? key : 1; k <= (key ? key : SRV_PRIV_KEYS); k++) {
		if ((r = srv_privacy_rule_get(st, me, k, &o->rules[o->n])) != 0)
			return r;
		sotto__privacy_rule__init(&o->w[o->n]);
		o->w[o->n].key = (Sotto__PrivacyKey)k;
		o->w[o->n].value = (Sotto__PrivacyValue)o->rules[o->n].value;
		o->w[o->n].allow_ids = o->rules[o->n].allow;
		o->w[o->n].n_allow_ids = o->rules[o->n].n_allow;
		o->w[o->n].deny_ids = o->rules[o->n].deny;
		o->w[o->n].n_deny_ids = o->rules[o->n].n_deny;
		o->pw[o->n] = &o->w[o->n];
		bytes += sotto__privacy_rule__get_packed_size(&o->w[o->n]) + 4;
		total += o->rules[o->n].n_allow + o->rules[o->n].n_deny;
		o->n++;
	}
	if (total == 0)
		return 0;
	if ((o->users = calloc(total, sizeof(*o->users))) == NULL ||
	    (o->pu = calloc(total, sizeof(*o->pu))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < o->n; i++)
		if ((r = srv_priv_add_users(st, me, o, o->rules[i].allow,
		    o->rules[i].n_allow, &bytes)) != 0 ||
		    (r = srv_priv_add_users(st, me, o, o->rules[i].deny,
		    o->rules[i].n_deny, &bytes)) != 0)
			return r;
	return 0;
}

/*
 * Answers a PrivacyResult with the rule of key (0: all) and, after a
 * change (pts nonzero), pushes it as PrivacyChanged to the account's
 * devices.
 */
int
srv_privacy_answer(struct srv_conn *c, uint64_t id, int key, uint64_t pts)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__PrivacyResult pr = SOTTO__PRIVACY_RESULT__INIT;
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__PrivacyChanged pc = SOTTO__PRIVACY_CHANGED__INIT;
	struct srv_priv_out o;
	int r;

	if ((r = srv_priv_collect(c->srv->store, c->user_id, key,
	    &o)) != 0) {
		srv_priv_out_free(&o);
		return srv_reply_fail(c, id, r, NULL);
	}
	pr.rules = o.pw;
	pr.n_rules = o.n;
	pr.users = o.pu;
	pr.n_users = o.nusers;
	pr.pts = pts;
	resp.result_case = SOTTO__RESPONSE__RESULT_PRIVACY;
	resp.privacy = &pr;
	r = srv_reply(c, id, &resp);
	if (pts != 0 && o.n == 1) {
		pc.rule = o.pw[0];
		pc.users = o.pu;
		pc.n_users = o.nusers;
		up.pts = pts;
		up.event_case = SOTTO__UPDATE__EVENT_PRIVACY_CHANGED;
		up.privacy_changed = &pc;
		srv_reply_push(c->srv, c->user_id, &up);
	}
	srv_priv_out_free(&o);
	return r;
}

/*
 * Checks a user named in one's rule or block list: not oneself, and
 * one the asker may name (srv_visible.h). 0, ERR_INVAL or ERR_NOT_FOUND
 * (*why set), or ERR_DB.
 */
static int
srv_priv_check_user(struct srv_store *st, uint64_t me, uint64_t user_id,
    const char *self_why, const char **why)
{
	struct srv_profile p;
	int r;

	*why = NULL;
	if (user_id == me) {
		*why = self_why;
		return ERR_INVAL;
	}
	if ((r = srv_visible_profile(st, me, user_id, &p)) == ERR_NOT_FOUND) {
		*why = "no such user";
		return ERR_NOT_FOUND;
	}
	return r;
}

/* Appends a log entry of kind to the asker's log. Inside the unit. */
static int
srv_priv_log(struct srv_store *st, uint64_t me, int kind, uint64_t arg,
    uint64_t arg2, uint64_t *pts)
{
	struct srv_entry e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.arg = arg;
	e.arg2 = arg2;
	return srv_store_update_add(st, me, &e, pts);
}

/*
 * Ends a change to the rule of key begun with srv_store_atomic_begin (r
 * is how the change went): logs PrivacyChanged, commits, and answers
 * with the rule (srv_privacy_answer); a user gone meanwhile (a foreign key,
 * ERR_EXISTS) is "no such user".
 */
static int
srv_priv_changed(struct srv_conn *c, uint64_t id, int key, int r)
{
	struct srv_store *st = c->srv->store;
	uint64_t pts = 0;

	if (r == 0)
		r = srv_priv_log(st, c->user_id, SRV_UPDATE_PRIVACY,
		    (uint64_t)key, 0, &pts);
	if ((r = srv_store_atomic_end(st, r)) != 0)
		return srv_reply_fail(c, id,
		    r == ERR_EXISTS ? ERR_NOT_FOUND : r,
		    "no such user");
	if (key == SRV_PRIV_LAST_SEEN || key == SRV_PRIV_BIO)
		srv_presence_refresh(c->srv, c->user_id);
	return srv_privacy_answer(c, id, key, pts);
}

/* ---------------------------------------------------------------- requests */

int
srv_privacy_set(struct srv_conn *c, uint64_t id, const Sotto__SetPrivacy *m)
{
	struct srv_store *st = c->srv->store;
	const Sotto__PrivacyRule *w = m->rule;
	const char *why = NULL;
	size_t i, j;
	int r, key;

	if (w == NULL || !srv_priv_key_ok((int)w->key) ||
	    !srv_priv_value_ok((int)w->value))
		return srv_conn_error(c, id, ERR_INVAL,
		    "unknown privacy key or value", 0);
	key = (int)w->key;
	if (m->keep_exceptions && (w->n_allow_ids > 0 || w->n_deny_ids > 0))
		return srv_conn_error(c, id, ERR_INVAL,
		    "keep_exceptions takes no lists", 0);
	if (w->n_allow_ids > SRV_PRIV_EXCEPTIONS_MAX ||
	    w->n_deny_ids > SRV_PRIV_EXCEPTIONS_MAX - w->n_allow_ids)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "at most 100 exceptions in a rule", 0);
	for (i = 0; i < w->n_allow_ids + w->n_deny_ids; i++) {
		if ((r = srv_priv_check_user(st, c->user_id,
		    i < w->n_allow_ids ? w->allow_ids[i] :
		    w->deny_ids[i - w->n_allow_ids],
		    "one's own rules always allow oneself", &why)) != 0)
			return srv_reply_fail(c, id, r, why);
	}
	for (i = 0; i < w->n_allow_ids; i++)
		for (j = 0; j < w->n_deny_ids; j++)
			if (w->allow_ids[i] == w->deny_ids[j])
				return srv_conn_error(c, id, ERR_INVAL,
				    "a user is in both lists", 0);
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_store_privacy_set(st, c->user_id, key, (int)w->value);
	/* Users the rule's log entries named stay addressable. */
	if (r == 0 && !m->keep_exceptions &&
	    (r = srv_store_shown_keep_exceptions(st, c->user_id, key)) == 0)
		r = srv_store_privacy_clear(st, c->user_id, key);
	for (i = 0; r == 0 && !m->keep_exceptions && i < w->n_allow_ids; i++)
		r = srv_store_privacy_except(st, c->user_id, key,
		    w->allow_ids[i], 1);
	for (i = 0; r == 0 && !m->keep_exceptions && i < w->n_deny_ids; i++)
		r = srv_store_privacy_except(st, c->user_id, key,
		    w->deny_ids[i], -1);
	return srv_priv_changed(c, id, key, r);
}

int
srv_privacy_exception(struct srv_conn *c, uint64_t id,
    const Sotto__SetPrivacyException *m)
{
	struct srv_store *st = c->srv->store;
	struct srv_privacy_facts f;
	const char *why = NULL;
	size_t n = 0;
	int r, key = (int)m->key, mode;

	if (!srv_priv_key_ok(key))
		return srv_conn_error(c, id, ERR_INVAL,
		    "unknown privacy key", 0);
	switch (m->mode) {
	case SOTTO__PRIVACY_EXCEPTION__EXCEPTION_NONE:
		mode = 0;
		break;
	case SOTTO__PRIVACY_EXCEPTION__EXCEPTION_ALLOW:
		mode = 1;
		break;
	case SOTTO__PRIVACY_EXCEPTION__EXCEPTION_DENY:
		mode = -1;
		break;
	default:
		return srv_conn_error(c, id, ERR_INVAL,
		    "unknown exception mode", 0);
	}
	if ((r = srv_priv_check_user(st, c->user_id, m->user_id,
	    "one's own rules always allow oneself", &why)) != 0)
		return srv_reply_fail(c, id, r, why);
	if (mode != 0) {
		if ((r = srv_store_privacy_facts(st, c->user_id, key,
		    m->user_id, &f)) != 0 ||
		    (r = srv_store_privacy_except_count(st, c->user_id, key,
		    &n)) != 0)
			return srv_reply_fail(c, id, r, NULL);
		if (f.exception < 0 && n >= SRV_PRIV_EXCEPTIONS_MAX)
			return srv_conn_error(c, id, ERR_TOO_BIG,
			    "at most 100 exceptions in a rule", 0);
	}
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_store_shown_add(st, c->user_id, m->user_id);
	if (r == 0)
		r = srv_store_privacy_except(st, c->user_id, key, m->user_id,
		    mode);
	return srv_priv_changed(c, id, key, r);
}

int
srv_privacy_block(struct srv_conn *c, uint64_t id, uint64_t user_id,
    int blocked)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__ContactResult cr = SOTTO__CONTACT_RESULT__INIT;
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__BlockChanged bc = SOTTO__BLOCK_CHANGED__INIT;
	struct srv_profile p;
	Sotto__User u;
	const char *why = NULL;
	uint64_t pts = 0;
	size_t n = 0;
	int r;

	if ((r = srv_priv_check_user(st, c->user_id, user_id,
	    "one cannot block oneself", &why)) != 0)
		return srv_reply_fail(c, id, r, why);
	if (blocked) {
		if ((r = srv_store_block_count(st, c->user_id, &n)) != 0)
			return srv_reply_fail(c, id, r, NULL);
		if (n >= SRV_BLOCKED_MAX && srv_store_is_blocked(st,
		    c->user_id, user_id) != 0)
			return srv_conn_error(c, id, ERR_TOO_BIG,
			    "at most 1000 blocked users", 0);
	}
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_store_shown_add(st, c->user_id, user_id);
	if (r == 0)
		r = srv_store_block_set(st, c->user_id, user_id, blocked,
		    (uint64_t)time(NULL));
	if (r == 0)
		r = srv_priv_log(st, c->user_id, SRV_UPDATE_BLOCK, user_id,
		    blocked != 0, &pts);
	if ((r = srv_store_atomic_end(st, r)) != 0)
		return srv_reply_fail(c, id, r, "no such user");
	if ((r = srv_store_profile_by_id(st, user_id, &p)) != 0 ||
	    (r = srv_chat_user(st, c->user_id, &p, &u)) != 0)
		return srv_reply_fail(c, id, r == ERR_NOT_FOUND ? ERR_DB : r,
		    NULL);
	cr.user = &u;
	cr.pts = pts;
	resp.result_case = SOTTO__RESPONSE__RESULT_CONTACT;
	resp.contact = &cr;
	r = srv_reply(c, id, &resp);
	bc.user = &u;
	bc.blocked = blocked != 0;
	up.pts = pts;
	up.event_case = SOTTO__UPDATE__EVENT_BLOCK_CHANGED;
	up.block_changed = &bc;
	srv_reply_push(s, c->user_id, &up);
	return r;
}

int
srv_privacy_get_blocked(struct srv_conn *c, uint64_t id)
{
	uint64_t *ids;
	size_t n;
	int r;

	if ((r = srv_store_blocked(c->srv->store, c->user_id, &ids, &n)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_chat_reply_users(c, id, ids, n, 0);
	free(ids);
	return r;
}
