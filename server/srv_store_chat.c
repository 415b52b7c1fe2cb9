/*
 * The server store's chats and messages: private and Saved Messages
 * chats found or made by their pair, membership lookups, message ids
 * from the chat's counter, a send's dedupe by random id, edits, deletes,
 * a user's hidden messages and read marks (srv_store.h, "Cloud chats").
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

/* ---------------------------------------------------------------- chats */

/* CHAT_COLS from column col on. */
static void
srv_row_chat(sqlite3_stmt *st, int col, struct srv_chat *c)
{
	memset(c, 0, sizeof(*c));
	c->id = srv_store__col_u64(st, col);
	c->kind = sqlite3_column_int(st, col + 1);
	srv_store__col_text(st, col + 2, c->title, sizeof(c->title));
	c->user_lo = srv_store__col_u64(st, col + 3);
	c->user_hi = srv_store__col_u64(st, col + 4);
	c->creator_id = srv_store__col_u64(st, col + 5);
	c->last_id = srv_store__col_u64(st, col + 6);
}

int
srv_store_chat_by_id(struct srv_store *s, uint64_t id, struct srv_chat *out)
{
	sqlite3_stmt *st;
	sqlite3_int64 last;
	uint64_t *v;
	int r;

	if ((r = srv_store__bind(s, &st, STMT_CHAT_BY_ID, NULL, "u",
	    id)) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	srv_row_chat(st, 0, out);
	sqlite3_reset(st);
	/* The newest message id is a counter kept in memory. */
	if ((v = srv_store__counter_get(&s->last_id, id)) != NULL) {
		out->last_id = *v;
		return 0;
	}
	if ((r = srv_store__one(s, STMT_CHAT_LAST_ID, NULL, &last, "u",
	    id)) != 0)
		return r;
	out->last_id = (uint64_t)last;
	return 0;
}

int
srv_store_chat_pair(struct srv_store *s, uint64_t a, uint64_t b, int create,
    struct srv_chat *out)
{
	sqlite3_stmt *st;
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	int r;

	if ((r = srv_store__bind(s, &st, STMT_CHAT_PAIR, NULL, "uu", lo,
	    hi)) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) == 0) {
		srv_row_chat(st, 0, out);
		sqlite3_reset(st);
		return 0;
	}
	if (r != ERR_NOT_FOUND || !create)
		return r;

	if ((r = srv_store_atomic_begin(s)) != 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->kind = lo == hi ? SRV_CHAT_SAVED : SRV_CHAT_PRIVATE;
	out->user_lo = lo;
	out->user_hi = hi;
	if ((r = srv_store__run(s, STMT_CHAT_ADD, NULL, "ii",
	    (sqlite3_int64)out->kind, (sqlite3_int64)time(NULL))) != 0)
		goto out;
	out->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	if ((r = srv_store__run(s, STMT_PAIR_ADD, NULL, "uuu", lo, hi,
	    out->id)) != 0)
		goto out;
	if ((r = srv_store__run(s, STMT_MEMBER_ADD, NULL, "uu", out->id,
	    lo)) != 0 || lo == hi)
		goto out;
	r = srv_store__run(s, STMT_MEMBER_ADD, NULL, "uu", out->id, hi);
out:
	/* A user that does not exist fails the foreign key: not found. */
	if (r == ERR_EXISTS)
		r = ERR_NOT_FOUND;
	return srv_store_atomic_end(s, r);
}

int
srv_store_chat_member(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id)
{
	return srv_store__one(s, STMT_MEMBER, NULL, NULL, "uu", chat_id,
	    user_id);
}

int
srv_store_chat_members(struct srv_store *s, uint64_t chat_id,
    uint64_t **out, size_t *n)
{
	return srv_store__ids(s, STMT_MEMBERS, NULL, "members", out, n, "i",
	    srv_store__u2i(chat_id));
}

int
srv_store_chat_next_id(struct srv_store *s, uint64_t chat_id, uint64_t *id)
{
	return srv_store__counter(s, &s->last_id, STMT_CHAT_LAST_ID, chat_id,
	    id);
}

int
srv_store_message_add(struct srv_store *s, const struct srv_message *m)
{
	return srv_store__run(s, STMT_MESSAGE_ADD, NULL, "iiiitiii",
	    srv_store__u2i(m->chat_id), srv_store__u2i(m->id),
	    srv_store__u2i(m->sender_id), srv_store__u2i(m->random_id),
	    m->text, srv_store__u2i(m->date), srv_store__u2i(m->reply_to),
	    srv_store__u2i(m->pts));
}

/* MESSAGE_COLS from column col on; text is left to the caller. */
static void
srv_row_message(sqlite3_stmt *st, int col, struct srv_message *m)
{
	memset(m, 0, sizeof(*m));
	m->chat_id = srv_store__col_u64(st, col);
	m->id = srv_store__col_u64(st, col + 1);
	m->sender_id = srv_store__col_u64(st, col + 2);
	m->random_id = srv_store__col_u64(st, col + 3);
	m->date = srv_store__col_u64(st, col + 5);
	m->reply_to = srv_store__col_u64(st, col + 6);
	m->pts = srv_store__col_u64(st, col + 7);
	m->edit_date = srv_store__col_u64(st, col + 8);
	m->action = sqlite3_column_int(st, col + 9);
	m->action_user_id = srv_store__col_u64(st, col + 10);
	m->deleted = sqlite3_column_int(st, col + 11);
	m->fwd_date = srv_store__col_u64(st, col + 12);
	m->fwd_from_id = srv_store__col_u64(st, col + 13);
	srv_store__col_text(st, col + 14, m->fwd_name, sizeof(m->fwd_name));
}

int
srv_store_message_by_random(struct srv_store *s, uint64_t sender,
    uint64_t random_id, struct srv_message *out)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = srv_store__bind(s, &st, STMT_MESSAGE_BY_RANDOM, NULL, "ui",
	    sender, srv_store__u2i(random_id))) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	srv_row_message(st, 0, out);
	t = sqlite3_column_text(st, 4);
	n = (size_t)sqlite3_column_bytes(st, 4);
	if ((out->text = malloc(n + 1)) == NULL) {
		sqlite3_reset(st);
		return ERR_NOMEM;
	}
	if (t != NULL && n > 0)
		memcpy(out->text, t, n);
	out->text[n] = '\0';
	sqlite3_reset(st);
	return 0;
}

int
srv_store_message_exists(struct srv_store *s, uint64_t chat_id, uint64_t id)
{
	return srv_store__one(s, STMT_MESSAGE_EXISTS, NULL, NULL, "uu",
	    chat_id, id);
}

int
srv_store_message_get(struct srv_store *s, uint64_t chat_id, uint64_t id,
    struct srv_message *out)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = srv_store__bind(s, &st, STMT_MESSAGE_GET, NULL, "uu",
	    chat_id, id)) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	srv_row_message(st, 0, out);
	t = sqlite3_column_text(st, 4);
	n = (size_t)sqlite3_column_bytes(st, 4);
	if ((out->text = malloc(n + 1)) == NULL) {
		sqlite3_reset(st);
		return ERR_NOMEM;
	}
	if (t != NULL && n > 0)
		memcpy(out->text, t, n);
	out->text[n] = '\0';
	sqlite3_reset(st);
	return 0;
}

int
srv_store_message_edit(struct srv_store *s, uint64_t chat_id, uint64_t id,
    const char *text, uint64_t edit_date)
{
	int r;

	if ((r = srv_store__run(s, STMT_MESSAGE_EDIT, NULL, "uuti", chat_id,
	    id, text, srv_store__u2i(edit_date))) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_message_delete(struct srv_store *s, uint64_t chat_id, uint64_t id)
{
	int r;

	if ((r = srv_store__run(s, STMT_MESSAGE_DELETE, NULL, "uu", chat_id,
	    id)) != 0)
		return r;
	return sqlite3_changes(s->db) == 0 ? ERR_NOT_FOUND : 0;
}

int
srv_store_message_hide(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id)
{
	return srv_store__run(s, STMT_HIDE, NULL, "uuu", user_id, chat_id,
	    id);
}

int
srv_store_message_hidden(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id)
{
	return srv_store__one(s, STMT_HIDDEN, NULL, NULL, "uuu", user_id,
	    chat_id, id);
}

int
srv_store_read_set(struct srv_store *s, uint64_t chat_id, uint64_t user_id,
    uint64_t max_id)
{
	int r;

	if (max_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_chat_member(s, chat_id, user_id)) != 0)
		return r;
	if ((r = srv_store__run(s, STMT_READ_SET, NULL, "uuu", chat_id,
	    user_id, max_id)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_EXISTS;
}

int
srv_store_sender_wrote(struct srv_store *s, uint64_t chat_id,
    uint64_t sender)
{
	return srv_store__one(s, STMT_SENDER_WROTE, NULL, NULL, "uu", chat_id,
	    sender);
}
