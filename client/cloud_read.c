/*
 * The engine's values and the local reads: the store's rows copied into
 * client/cloud.h's structs (cloud_user, cloud_chat, cloud_message,
 * cloud_forward), their free functions, and the reads a front end makes
 * of the profile, each handing on cloud.h's values so that no front end
 * names the store. A copy moves or borrows the row's strings; nothing is
 * allocated on the way. As the store's, a get leaves its struct zeroed
 * when it fails, so that its free function may always be called.
 */
#include "client/cloud.h"

#include <stdlib.h>
#include <string.h>

#include "client/cloud_int.h"
#include "lib/err.h"
#include "store/store.h"

_Static_assert((int)CLOUD_CHAT_SAVED == (int)STORE_CHAT_SAVED &&
    (int)CLOUD_CHAT_PRIVATE == (int)STORE_CHAT_PRIVATE &&
    (int)CLOUD_CHAT_GROUP == (int)STORE_CHAT_GROUP,
    "chat kinds are the wire's");

/* ----------------------------------------------------------- values */

void
cloud__user_of(struct cloud_user *d, const struct store_user *u)
{
	memset(d, 0, sizeof(*d));
	d->id = u->id;
	d->username = u->username;
	d->display_name = u->display_name;
	d->phone = u->phone;
	d->contact = u->contact;
}

void
cloud__chat_of(struct cloud_chat *d, const struct store_chat *c)
{
	memset(d, 0, sizeof(*d));
	d->id = c->id;
	d->kind = c->kind;
	d->title = c->title;
	d->peer_id = c->peer_id;
	d->creator_id = c->creator_id;
	d->left = c->left;
	d->last_message_id = c->last_message_id;
	d->last_date = c->last_date;
	d->last_pts = c->last_pts;
	d->read_inbox_max_id = c->read_inbox_max_id;
	d->read_outbox_max_id = c->read_outbox_max_id;
	d->last_text = c->last_text;
	d->last_sender_id = c->last_sender_id;
	d->unread = c->unread;
}

void
cloud__message_of(struct cloud_message *d, const struct store_message *m)
{
	memset(d, 0, sizeof(*d));
	d->chat_id = m->chat_id;
	d->id = m->id;
	d->sender_id = m->sender_id;
	d->random_id = m->random_id;
	d->text = m->text;
	d->date = m->date;
	d->reply_to = m->reply_to;
	d->edit_date = m->edit_date;
	d->action = m->action;
	d->action_user_id = m->action_user_id;
}

void
cloud_user_free(struct cloud_user *u)
{
	if (u == NULL)
		return;
	free(u->username);
	free(u->display_name);
	free(u->phone);
	memset(u, 0, sizeof(*u));
}

void
cloud_chat_free(struct cloud_chat *ch)
{
	if (ch == NULL)
		return;
	free(ch->title);
	free(ch->last_text);
	memset(ch, 0, sizeof(*ch));
}

void
cloud_message_free(struct cloud_message *m)
{
	if (m == NULL)
		return;
	free(m->text);
	memset(m, 0, sizeof(*m));
}

void
cloud_forward_free(struct cloud_forward *f)
{
	if (f == NULL)
		return;
	free(f->name);
	memset(f, 0, sizeof(*f));
}

/* A list callback of the store calling one of client/cloud.h. */
struct cloud_cbk {
	union {
		cloud_chat_fn *chat;
		cloud_message_fn *msg;
		cloud_member_fn *member;
		cloud_user_fn *user;
	} fn;
	void *ud;
};

static int
cloud_chat_cb(void *ud, const struct store_chat *c)
{
	struct cloud_cbk *k = ud;
	struct cloud_chat v;

	cloud__chat_of(&v, c);
	return k->fn.chat(k->ud, &v);
}

static int
cloud_message_cb(void *ud, const struct store_message *m)
{
	struct cloud_cbk *k = ud;
	struct cloud_message v;

	cloud__message_of(&v, m);
	return k->fn.msg(k->ud, &v);
}

static int
cloud_member_cb(void *ud, const struct store_member *m)
{
	struct cloud_cbk *k = ud;
	struct cloud_member v;

	v.user_id = m->user_id;
	v.admin = m->admin;
	return k->fn.member(k->ud, &v);
}

static int
cloud_user_cb(void *ud, const struct store_user *u)
{
	struct cloud_cbk *k = ud;
	struct cloud_user v;

	cloud__user_of(&v, u);
	return k->fn.user(k->ud, &v);
}

/* ------------------------------------------------------------ reads */

int
cloud_get_user(struct cloud *c, uint64_t id, struct cloud_user *u)
{
	struct store_user v;
	int r;

	if ((r = store_get_user(c->st, id, &v)) != 0) {
		memset(u, 0, sizeof(*u));
		return r;
	}
	cloud__user_of(u, &v);		/* the strings move to *u */
	return 0;
}

int
cloud_get_chat(struct cloud *c, uint64_t id, struct cloud_chat *ch)
{
	struct store_chat v;
	int r;

	if ((r = store_get_chat(c->st, id, &v)) != 0) {
		memset(ch, 0, sizeof(*ch));
		return r;
	}
	cloud__chat_of(ch, &v);
	return 0;
}

int
cloud_get_message(struct cloud *c, uint64_t chat_id, uint64_t id,
    struct cloud_message *m)
{
	struct store_message v;
	int r;

	if ((r = store_get_message(c->st, chat_id, id, &v)) != 0) {
		memset(m, 0, sizeof(*m));
		return r;
	}
	cloud__message_of(m, &v);
	return 0;
}

int
cloud_forward_get(struct cloud *c, uint64_t chat_id, uint64_t id,
    struct cloud_forward *f)
{
	struct store_forward v;
	int r;

	if ((r = store_forward_get(c->st, chat_id, id, &v)) != 0) {
		memset(f, 0, sizeof(*f));
		return r;
	}
	f->date = v.date;
	f->from_id = v.from_id;
	f->name = v.name;
	return 0;
}

int
cloud_list_chats(struct cloud *c, cloud_chat_fn *fn, void *ud)
{
	struct cloud_cbk k = { .fn.chat = fn, .ud = ud };

	return store_list_chats(c->st, cloud_chat_cb, &k);
}

int
cloud_history(struct cloud *c, uint64_t chat_id, uint64_t limit,
    cloud_message_fn *fn, void *ud)
{
	struct cloud_cbk k = { .fn.msg = fn, .ud = ud };

	return store_list_messages(c->st, chat_id, limit, cloud_message_cb,
	    &k);
}

int
cloud_history_before(struct cloud *c, uint64_t chat_id, uint64_t before_id,
    uint64_t limit, cloud_message_fn *fn, void *ud)
{
	struct cloud_cbk k = { .fn.msg = fn, .ud = ud };

	return store_list_messages_before(c->st, chat_id, before_id, limit,
	    cloud_message_cb, &k);
}

int
cloud_list_members(struct cloud *c, uint64_t chat_id, cloud_member_fn *fn,
    void *ud)
{
	struct cloud_cbk k = { .fn.member = fn, .ud = ud };

	return store_list_members(c->st, chat_id, cloud_member_cb, &k);
}

int
cloud_list_contacts(struct cloud *c, cloud_user_fn *fn, void *ud)
{
	struct cloud_cbk k = { .fn.user = fn, .ud = ud };

	return store_list_contacts(c->st, cloud_user_cb, &k);
}

int
cloud_search(struct cloud *c, uint64_t chat_id, const char *query,
    uint64_t limit, cloud_message_fn *fn, void *ud)
{
	struct cloud_cbk k = { .fn.msg = fn, .ud = ud };

	return store_search(c->st, chat_id, query, limit, cloud_message_cb,
	    &k);
}
