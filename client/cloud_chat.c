/*
 * Cloud chats and their messages: the text check, sends and forwards
 * (through the outbox), the calls that edit, delete, mark read, type,
 * keep contacts and groups (each with what its answer stores and
 * reports). The reads a front end makes are in cloud_read.c.
 */
#include "client/cloud.h"

#include <stdlib.h>
#include <string.h>

#include "client/cloud_int.h"
#include "client/outbox.h"
#include "client/sync.h"
#include "crypto/sec.h"
#include "lib/err.h"

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
cloud_outbox_count(struct cloud *c, uint64_t *n)
{
	return store_outbox_count(c->st, n);
}

int
cloud_outbox_has(struct cloud *c, uint64_t random_id, int *queued)
{
	return store_outbox_has(c->st, random_id, queued);
}

/* ------------------------------------------------------------ calls */

static int
cloud_apply_edit(struct cloud *c, const Sotto__Response *resp, uint64_t *id)
{
	struct store_message m;
	struct cloud_message mv;
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
	cloud__message_of(&mv, &m);
	ev.msg = &mv;
	ev.chat_id = m.chat_id;
	cloud__emit(c, &ev);
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
	struct cloud_user uv;
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
	cloud__user_of(&uv, &u);
	ev.user = &uv;
	ev.user_id = u.id;
	ev.added = added;
	cloud__emit(c, &ev);
	return 0;
}

/* What each call's answer stores and reports (cloud__apply_fn). */
static int
cloud_edit_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	(void)answered;
	return cloud_apply_edit(k->c, resp, id);
}

static int
cloud_delete_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	struct cloud *c = k->c;
	struct cloud_event ev;
	int r;

	(void)resp;
	(void)answered;
	r = store_delete_messages(c->st, k->chat_id, k->ids, k->n_ids);
	if (r == 0) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = CLOUD_EV_DELETED;
		ev.chat_id = k->chat_id;
		ev.ids = k->ids;
		ev.n_ids = k->n_ids;
		ev.for_everyone = k->for_everyone;
		cloud__emit(c, &ev);
	}
	*id = k->chat_id;
	return r;
}

static int
cloud_read_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	struct cloud *c = k->c;
	struct cloud_event ev;
	int r;

	(void)resp;
	(void)answered;
	r = store_set_read_inbox(c->st, k->chat_id, k->max_id);
	if (r == 0) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = CLOUD_EV_READ_INBOX;
		ev.chat_id = k->chat_id;
		ev.max_id = k->max_id;
		ev.user_id = c->self;
		cloud__emit(c, &ev);
	}
	*id = k->max_id;
	return r;
}

static int
cloud_contacts_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	(void)id;
	(void)answered;
	if (resp->result_case != SOTTO__RESPONSE__RESULT_USERS)
		return ERR_PROTO;
	return cloud_apply_contacts(k->c, resp->users);
}

static int
cloud_contact_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	(void)answered;
	return cloud_apply_contact(k->c, resp, k->added, id);
}

/* Group calls are answered by a SendResult. */
static int
cloud_group_done(struct cloud__call *k, const Sotto__Response *resp,
    uint64_t *id, int *answered)
{
	int r;

	(void)answered;
	if (resp->result_case != SOTTO__RESPONSE__RESULT_SENT)
		return ERR_PROTO;
	if ((r = sync_apply_sent(k->c->sy, resp->sent, 0)) == 0)
		*id = resp->sent->message->chat_id;
	return r;
}

/*
 * Sends req as a call with extra's fields (NULL: none); apply (NULL:
 * nothing to store) reads its answer, cb hears the result. An answer
 * that comes after cloud_free is not read and reported as 0.
 */
static int
cloud_chat_call(struct cloud *c, const struct cloud__call *extra,
    cloud__apply_fn *apply, Sotto__Request *req, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	struct cloud__call k;

	if (extra != NULL)
		k = *extra;
	else
		memset(&k, 0, sizeof(k));
	k.apply = apply;
	k.done_cb = cb;
	k.ud = ud;
	return cloud__call(c, &k, req, timeout_ms);
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
	return cloud_chat_call(c, NULL, cloud_edit_done, &req, timeout_ms, cb,
	    ud);
}

int
cloud_delete(struct cloud *c, uint64_t chat_id, const uint64_t *ids,
    size_t n, int for_everyone, uint64_t timeout_ms, cloud_done_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__DeleteMessages m = SOTTO__DELETE_MESSAGES__INIT;
	struct cloud__call k;
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
	memset(&k, 0, sizeof(k));
	k.chat_id = chat_id;
	k.ids = copy;			/* the call's from here on */
	k.n_ids = n;
	k.for_everyone = for_everyone;
	if ((r = cloud_chat_call(c, &k, cloud_delete_done, &req, timeout_ms,
	    cb, ud)) != 0)
		free(copy);
	return r;
}

int
cloud_mark_read(struct cloud *c, uint64_t chat_id, uint64_t max_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__ReadHistory m = SOTTO__READ_HISTORY__INIT;
	struct store_chat ch;
	struct cloud__call k;
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
	memset(&k, 0, sizeof(k));
	k.chat_id = chat_id;
	k.max_id = max_id;
	return cloud_chat_call(c, &k, cloud_read_done, &req, timeout_ms, cb,
	    ud);
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
	return cloud_chat_call(c, NULL, NULL, &req, timeout_ms, cb, ud);
}

int
cloud_refresh_contacts(struct cloud *c, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetContacts m = SOTTO__GET_CONTACTS__INIT;

	req.method_case = SOTTO__REQUEST__METHOD_GET_CONTACTS;
	req.get_contacts = &m;
	return cloud_chat_call(c, NULL, cloud_contacts_done, &req, timeout_ms,
	    cb, ud);
}

int
cloud_add_contact(struct cloud *c, uint64_t user_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__AddContact m = SOTTO__ADD_CONTACT__INIT;
	struct cloud__call k;

	m.user_id = user_id;
	req.method_case = SOTTO__REQUEST__METHOD_ADD_CONTACT;
	req.add_contact = &m;
	memset(&k, 0, sizeof(k));
	k.added = 1;
	return cloud_chat_call(c, &k, cloud_contact_done, &req, timeout_ms,
	    cb, ud);
}

int
cloud_remove_contact(struct cloud *c, uint64_t user_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__RemoveContact m = SOTTO__REMOVE_CONTACT__INIT;
	struct cloud__call k;

	m.user_id = user_id;
	req.method_case = SOTTO__REQUEST__METHOD_REMOVE_CONTACT;
	req.remove_contact = &m;
	memset(&k, 0, sizeof(k));
	k.added = 0;
	return cloud_chat_call(c, &k, cloud_contact_done, &req, timeout_ms,
	    cb, ud);
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
	return cloud_chat_call(c, NULL, cloud_group_done, &req, timeout_ms,
	    cb, ud);
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
	return cloud_chat_call(c, NULL, cloud_group_done, &req, timeout_ms,
	    cb, ud);
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
	return cloud_chat_call(c, NULL, cloud_group_done, &req, timeout_ms,
	    cb, ud);
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
	return cloud_chat_call(c, NULL, cloud_group_done, &req, timeout_ms,
	    cb, ud);
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
	return cloud_chat_call(c, NULL, cloud_group_done, &req, timeout_ms,
	    cb, ud);
}

int
cloud_apply_sent(struct cloud *c, const Sotto__SendResult *r)
{
	if (c->freeing)
		return ERR_CLOSED;
	return sync_apply_sent(c->sy, r, 0);
}
