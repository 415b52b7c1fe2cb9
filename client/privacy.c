/*
 * Privacy rules and blocks: the names of the keys and values, the rules
 * to and from the wire, and the calls that read and set them, block,
 * unblock and list the blocked (each with what its answer stores and
 * reports).
 */
#include "client/cloud.h"

#include <stdlib.h>
#include <string.h>

#include "client/cloud_int.h"
#include "lib/err.h"

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

/* ------------------------------------------------------------ calls */

/* Reports the rule(s) of a PrivacyResult as CLOUD_EV_PRIVACY. */
static void
cloud_priv_emit(struct cloud *c, const struct cloud_privacy_rule *rule)
{
	struct cloud_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_PRIVACY;
	ev.privacy = rule;
	cloud__emit(c, &ev);
}

static int
cloud_privacy_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	const Sotto__PrivacyResult *pr;
	struct cloud_privacy_rule *rules = NULL;
	size_t i;
	int r;

	(void)id;
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
	if (k->privacy_cb != NULL) {
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
cloud_block_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	struct cloud_user u;
	struct cloud_event ev;
	int r;

	(void)id;
	(void)answered;
	if (resp->result_case != SOTTO__RESPONSE__RESULT_CONTACT ||
	    resp->contact->user == NULL)
		return ERR_PROTO;
	if ((r = cloud_put_users(k->c, &resp->contact->user, 1, &u)) != 0)
		return r;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_BLOCKED;
	ev.user = &u;
	ev.user_id = u.id;
	ev.added = k->added;
	cloud__emit(k->c, &ev);
	return 0;
}

static int
cloud_blocked_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	const Sotto__UsersResult *ur;
	struct cloud_user *v = NULL;
	size_t i, n = 0;
	int r;

	(void)id;
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

/* A privacy call: an answer after cloud_free is ERR_CLOSED. */
static int
cloud_priv_call(struct cloud *c, struct cloud__call *k, Sotto__Request *req,
    uint64_t timeout_ms)
{
	k->closed = ERR_CLOSED;
	return cloud__call(c, k, req, timeout_ms);
}

int
cloud_get_privacy(struct cloud *c, uint64_t timeout_ms,
    cloud_privacy_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetPrivacy m = SOTTO__GET_PRIVACY__INIT;
	struct cloud__call k;

	memset(&k, 0, sizeof(k));
	k.apply = cloud_privacy_done;
	k.privacy_cb = cb;
	k.ud = ud;
	req.method_case = SOTTO__REQUEST__METHOD_GET_PRIVACY;
	req.get_privacy = &m;
	return cloud_priv_call(c, &k, &req, timeout_ms);
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
	struct cloud__call k;
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
	k.apply = cloud_privacy_done;
	k.done_cb = cb;
	k.ud = ud;
	return cloud_priv_call(c, &k, &req, timeout_ms);
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
	struct cloud__call k;

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
	k.apply = cloud_privacy_done;
	k.done_cb = cb;
	k.ud = ud;
	k.user_id = user_id;
	return cloud_priv_call(c, &k, &req, timeout_ms);
}

int
cloud_block(struct cloud *c, uint64_t user_id, int block,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Block b = SOTTO__BLOCK__INIT;
	Sotto__Unblock u = SOTTO__UNBLOCK__INIT;
	struct cloud__call k;

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
	k.apply = cloud_block_done;
	k.done_cb = cb;
	k.ud = ud;
	k.user_id = user_id;
	k.added = block != 0;
	return cloud_priv_call(c, &k, &req, timeout_ms);
}

int
cloud_get_blocked(struct cloud *c, uint64_t timeout_ms, cloud_users_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetBlocked m = SOTTO__GET_BLOCKED__INIT;
	struct cloud__call k;

	memset(&k, 0, sizeof(k));
	k.apply = cloud_blocked_done;
	k.users_cb = cb;
	k.ud = ud;
	req.method_case = SOTTO__REQUEST__METHOD_GET_BLOCKED;
	req.get_blocked = &m;
	return cloud_priv_call(c, &k, &req, timeout_ms);
}

