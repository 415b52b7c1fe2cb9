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
	uint64_t *v;
	int r;

	if (id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_CHAT_BY_ID)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	srv_row_chat(st, 0, out);
	sqlite3_reset(st);
	/* The newest message id is a counter kept in memory. */
	if ((v = srv_store__counter_get(&s->last_id, id)) != NULL) {
		out->last_id = *v;
		return 0;
	}
	if ((st = srv_store__stmt(s, STMT_CHAT_LAST_ID)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	out->last_id = srv_store__col_u64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_chat_pair(struct srv_store *s, uint64_t a, uint64_t b, int create,
    struct srv_chat *out)
{
	sqlite3_stmt *st;
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	int r;

	if (hi > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_CHAT_PAIR)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hi);
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
	if ((st = srv_store__stmt(s, STMT_CHAT_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int(st, 1, out->kind);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	if ((r = srv_store__step_done(s, st)) != 0)
		goto out;
	out->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	if ((st = srv_store__stmt(s, STMT_PAIR_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hi);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)out->id);
	if ((r = srv_store__step_done(s, st)) != 0)
		goto out;
	if ((st = srv_store__stmt(s, STMT_MEMBER_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)out->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)lo);
	if ((r = srv_store__step_done(s, st)) != 0 || lo == hi)
		goto out;
	if ((st = srv_store__stmt(s, STMT_MEMBER_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)out->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hi);
	r = srv_store__step_done(s, st);
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
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX || user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_MEMBER)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	sqlite3_reset(st);
	return 0;
}

int
srv_store_chat_members(struct srv_store *s, uint64_t chat_id,
    uint64_t **out, size_t *n)
{
	return srv_store__ids(s, STMT_MEMBERS, chat_id, "members", out, n);
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
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_MESSAGE_ADD)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, srv_store__u2i(m->chat_id));
	sqlite3_bind_int64(st, 2, srv_store__u2i(m->id));
	sqlite3_bind_int64(st, 3, srv_store__u2i(m->sender_id));
	sqlite3_bind_int64(st, 4, srv_store__u2i(m->random_id));
	sqlite3_bind_text(st, 5, m->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, srv_store__u2i(m->date));
	sqlite3_bind_int64(st, 7, srv_store__u2i(m->reply_to));
	sqlite3_bind_int64(st, 8, srv_store__u2i(m->pts));
	return srv_store__step_done(s, st);
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
	if (sender > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_MESSAGE_BY_RANDOM)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)sender);
	sqlite3_bind_int64(st, 2, srv_store__u2i(random_id));
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
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_MESSAGE_EXISTS)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	sqlite3_reset(st);
	return 0;
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
	if (chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_MESSAGE_GET)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
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
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_MESSAGE_EDIT)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, srv_store__u2i(edit_date));
	if ((r = srv_store__step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_message_delete(struct srv_store *s, uint64_t chat_id, uint64_t id)
{
	return srv_store__write2(s, STMT_MESSAGE_DELETE, chat_id, id, 1);
}

int
srv_store_message_hide(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id)
{
	sqlite3_stmt *st;
	int r;

	if (user_id > INT64_MAX || chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_HIDE)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
	return srv_store__step_done(s, st);
}

int
srv_store_message_hidden(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id)
{
	sqlite3_stmt *st;
	int r;

	if (user_id > INT64_MAX || chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_HIDDEN)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	sqlite3_reset(st);
	return 0;
}

int
srv_store_read_set(struct srv_store *s, uint64_t chat_id, uint64_t user_id,
    uint64_t max_id)
{
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX || user_id > INT64_MAX || max_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_chat_member(s, chat_id, user_id)) != 0)
		return r;
	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_READ_SET)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max_id);
	if ((r = srv_store__step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_EXISTS;
}

int
srv_store_sender_wrote(struct srv_store *s, uint64_t chat_id,
    uint64_t sender)
{
	return srv_store__exists2(s, STMT_SENDER_WROTE, chat_id, sender);
}
