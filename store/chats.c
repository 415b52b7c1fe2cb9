/*
 * Cloud chats and their members in the client store (store/store.h,
 * "Chats"): a chat's row, its read markers and its member list.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "store/store_int.h"

/* Fills c from a row of STORE_CHAT_COLS, borrowing its strings. */
static void
store_chat_row(sqlite3_stmt *st, struct store_chat *c)
{
	c->id = COL_U64(st, 0);
	c->kind = sqlite3_column_int(st, 1);
	c->title = COL_STR(st, 2);
	c->peer_id = COL_U64(st, 3);
	c->creator_id = COL_U64(st, 4);
	c->left = sqlite3_column_int(st, 5) != 0;
	c->last_message_id = COL_U64(st, 6);
	c->last_date = COL_U64(st, 7);
	c->last_pts = COL_U64(st, 8);
	c->read_inbox_max_id = COL_U64(st, 9);
	c->read_outbox_max_id = COL_U64(st, 10);
	c->last_text = COL_STR(st, 11);
	c->last_sender_id = COL_U64(st, 12);
	c->unread = COL_U64(st, 13);
}

static int
store_chat_get(sqlite3_stmt *st, struct store_chat *c)
{
	int rc, r = 0;

	memset(c, 0, sizeof(*c));
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else {
		store_chat_row(st, c);
		c->title = strdup(c->title);
		c->last_text = strdup(c->last_text);
		if (c->title == NULL || c->last_text == NULL) {
			store_chat_free(c);
			r = ERR_NOMEM;
		}
	}
	store__done(st);
	return r;
}

int
store_put_chat(struct store *s, const struct store_chat *c)
{
	int changed;

	return store_merge_chat(s, c, &changed);
}

int
store_merge_chat(struct store *s, const struct store_chat *c, int *changed)
{
	sqlite3_stmt *st;
	int r;

	*changed = 0;
	if ((st = store__stmt(s, ST_INS_CHAT, "iitiiiii", c->id,
	    (uint64_t)c->kind, c->title, c->peer_id, c->creator_id,
	    (uint64_t)(c->left != 0), c->read_inbox_max_id,
	    c->read_outbox_max_id)) == NULL)
		return ERR_DB;
	if ((r = store__run(st)) != 0)
		return r;
	if (sqlite3_changes(s->db) > 0) {
		*changed = 1;
		return 0;
	}
	if ((st = store__stmt(s, ST_UPD_CHAT, "itiii", (uint64_t)c->kind,
	    c->title, c->peer_id, c->creator_id, c->id)) == NULL)
		return ERR_DB;
	if ((r = store__run(st)) != 0)
		return r;
	*changed = sqlite3_changes(s->db) > 0;
	return 0;
}

int
store_get_chat(struct store *s, uint64_t id, struct store_chat *c)
{
	sqlite3_stmt *st;

	memset(c, 0, sizeof(*c));
	if (store__flush_last(s) != 0)
		return ERR_DB;
	if ((st = store__stmt(s, ST_GET_CHAT, "i", id)) == NULL)
		return ERR_DB;
	return store_chat_get(st, c);
}

int
store_find_chat_by_peer(struct store *s, uint64_t peer_id,
    struct store_chat *c)
{
	sqlite3_stmt *st;

	memset(c, 0, sizeof(*c));
	if (store__flush_last(s) != 0)
		return ERR_DB;
	if ((st = store__stmt(s, ST_FIND_CHAT, "i", peer_id)) == NULL)
		return ERR_DB;
	return store_chat_get(st, c);
}

void
store_chat_free(struct store_chat *c)
{
	if (c == NULL)
		return;
	free(c->title);
	free(c->last_text);
	memset(c, 0, sizeof(*c));
}

int
store_list_chats(struct store *s, store_chat_fn *fn, void *ud)
{
	struct store_chat c;
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((r = store__flush_last(s)) != 0)
		return r;
	if ((st = store__stmt(s, ST_LIST_CHATS, "")) == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_chat_row(st, &c);
		if ((r = fn(ud, &c)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ERR_DB;
	store__done(st);
	return r;
}

int
store_set_read_inbox(struct store *s, uint64_t chat_id, uint64_t max_id)
{
	sqlite3_stmt *st;

	if ((st = store__stmt(s, ST_READ_IN, "ii", max_id, chat_id)) == NULL)
		return ERR_DB;
	return store__run(st);
}

int
store_set_read_outbox(struct store *s, uint64_t chat_id, uint64_t max_id)
{
	sqlite3_stmt *st;

	if ((st = store__stmt(s, ST_READ_OUT, "ii", max_id, chat_id)) == NULL)
		return ERR_DB;
	return store__run(st);
}

/* ---------------------------------------------------------------- members */

static int
store_members_apply(struct store *s, uint64_t chat_id, uint64_t self,
    const uint64_t *ids, const int *is_admin, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int r, rc, in = 0;

	if ((st = store__stmt(s, ST_DEL_MEMBERS, "i", chat_id)) == NULL)
		return ERR_DB;
	if ((r = store__run(st)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (ids[i] == self)
			in = 1;
		if ((st = store__stmt(s, ST_INS_MEMBER, "iii", chat_id, ids[i],
		    (uint64_t)(is_admin != NULL && is_admin[i] != 0))) == NULL)
			return ERR_DB;
		rc = sqlite3_step(st);
		store__done(st);
		/* The chat is the parent of its members (foreign key). */
		if (rc == SQLITE_CONSTRAINT)
			return ERR_NOT_FOUND;
		if (rc != SQLITE_DONE)
			return ERR_DB;
	}
	if ((st = store__stmt(s, ST_SET_LEFT, "ii", (uint64_t)!in,
	    chat_id)) == NULL)
		return ERR_DB;
	if ((r = store__run(st)) != 0)
		return r;
	return sqlite3_changes(s->db) > 0 ? 0 : ERR_NOT_FOUND;
}

int
store_set_members(struct store *s, uint64_t chat_id, uint64_t self,
    const uint64_t *ids, const int *is_admin, size_t n)
{
	int r;

	if (n > 0 && ids == NULL)
		return ERR_INVAL;
	if ((r = store__sp_begin(s)) != 0)
		return r;
	return store__sp_end(s, store_members_apply(s, chat_id, self, ids,
	    is_admin, n));
}

int
store_list_members(struct store *s, uint64_t chat_id, store_member_fn *fn,
    void *ud)
{
	struct store_member m;
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((st = store__stmt(s, ST_LIST_MEMBERS, "i", chat_id)) == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m.user_id = COL_U64(st, 0);
		m.admin = sqlite3_column_int(st, 1) != 0;
		if ((r = fn(ud, &m)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ERR_DB;
	store__done(st);
	return r;
}
