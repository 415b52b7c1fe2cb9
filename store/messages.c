/*
 * Cloud messages in the client store (store/store.h, "Messages"):
 * putting, listing, editing and deleting them, moving aside a message the
 * server gave another's id, and the newest message of each chat that
 * store_put_message remembers until the commit (struct store_last).
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "store/store_int.h"

/*
 * Where a message the server no longer has goes when the server gives its
 * id to another (a server restored from an older copy, doc/PROTOCOL.md):
 * above every id a server assigns, so that nothing is overwritten or
 * hidden and the next free id there is max + 1.
 */
#define STORE_ASIDE_BASE (UINT64_C(1) << 62)

/*
 * The row (m->chat_id, m->id) exists: 0 when it is m itself (the same
 * sender, random_id and date: a message applied again), 1 after moving a
 * different one aside (STORE_ASIDE_BASE) so that m can take its id, or
 * ERR_DB. The chat's last id steps back so that m can become the last.
 */
static int
store_set_aside(struct store *s, const struct store_message *m)
{
	sqlite3_stmt *st;
	int r, rc, same;

	if ((r = store__sq(s, &st, "SELECT sender_id = ?3 AND random_id = "
	    "?4 AND date = ?5 FROM messages WHERE chat_id = ?1 AND id = ?2;",
	    "iiiii", m->chat_id, m->id, m->sender_id, m->random_id, m->date))
	    != 0)
		return r;
	rc = sqlite3_step(st);
	same = rc != SQLITE_ROW || sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ERR_DB;
	if (same)
		return 0;
	if ((r = store__sq(s, &st, "UPDATE messages SET id = (SELECT "
	    "max(?3 + ?2, max(id) + 1) FROM messages WHERE chat_id = ?1) "
	    "WHERE chat_id = ?1 AND id = ?2;", "iii", m->chat_id, m->id,
	    STORE_ASIDE_BASE)) != 0)
		return r;
	if (store__step_done(st) != 0 || sqlite3_changes(s->db) != 1)
		return ERR_DB;
	if ((r = store__sq(s, &st, "UPDATE chats SET last_message_id = "
	    "?2 - 1 WHERE id = ?1 AND last_message_id >= ?2;", "ii",
	    m->chat_id, m->id)) != 0)
		return r;
	if (store__step_done(st) != 0)
		return ERR_DB;
	return 1;
}

int
store_put_message(struct store *s, const struct store_message *m,
    uint64_t pts, int *is_new)
{
	sqlite3_stmt *st;
	size_t i;
	int r, rc;

	if (is_new != NULL)
		*is_new = 0;
	if ((st = store__stmt(s, ST_INS_MSG, "iiiitiiiiii", m->chat_id, m->id,
	    m->sender_id, m->random_id, m->text, m->date, m->reply_to,
	    m->edit_date, (uint64_t)m->action, m->action_user_id, pts)) ==
	    NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	store__done(st);
	/* The chat is the parent of its messages (foreign key). */
	if (rc == SQLITE_CONSTRAINT)
		return ERR_NOT_FOUND;
	if (rc != SQLITE_DONE)
		return ERR_DB;
	if (sqlite3_changes(s->db) == 0) {
		if ((r = store_set_aside(s, m)) <= 0)
			return r;
		return store_put_message(s, m, pts, is_new);
	}
	if (is_new != NULL)
		*is_new = 1;
	for (i = 0; i < s->nlast; i++)
		if (s->last[i].chat_id == m->chat_id)
			break;
	if (i == s->nlast) {
		if (s->nlast == STORE_NLAST &&
		    (r = store__flush_last(s)) != 0)
			return r;
		i = s->nlast++;
		s->last[i].chat_id = m->chat_id;
		s->last[i].id = 0;
	}
	if (m->id > s->last[i].id) {
		s->last[i].id = m->id;
		s->last[i].date = m->date;
		s->last[i].pts = pts;
	}
	/* Outside a transaction the write is its own commit. */
	if (sqlite3_get_autocommit(s->db))
		return store__flush_last(s);
	return 0;
}

/* Fills m from a row of STORE_MSG_COLS, borrowing its text. */
static void
store_message_row(sqlite3_stmt *st, struct store_message *m)
{
	m->chat_id = COL_U64(st, 0);
	m->id = COL_U64(st, 1);
	m->sender_id = COL_U64(st, 2);
	m->random_id = COL_U64(st, 3);
	m->text = COL_STR(st, 4);
	m->date = COL_U64(st, 5);
	m->reply_to = COL_U64(st, 6);
	m->edit_date = COL_U64(st, 7);
	m->action = sqlite3_column_int(st, 8);
	m->action_user_id = COL_U64(st, 9);
}

/* Steps st to its end, handing each message row to fn. */
int
store__message_rows(sqlite3_stmt *st, store_message_fn *fn, void *ud)
{
	struct store_message m;
	int rc, r = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_message_row(st, &m);
		if ((r = fn(ud, &m)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = rc == SQLITE_ERROR ? ERR_INVAL : ERR_DB;
	store__done(st);
	return r;
}

/* SQLite's LIMIT for a limit of 0 meaning "all". */
sqlite3_int64
store__limit(uint64_t limit)
{
	return limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit;
}

int
store_list_messages(struct store *s, uint64_t chat_id, uint64_t limit,
    store_message_fn *fn, void *ud)
{
	sqlite3_stmt *st;

	if ((st = store__stmt(s, ST_LIST_MSGS, "ii", chat_id,
	    (uint64_t)store__limit(limit))) == NULL)
		return ERR_DB;
	return store__message_rows(st, fn, ud);
}

int
store_list_messages_before(struct store *s, uint64_t chat_id,
    uint64_t before_id, uint64_t limit, store_message_fn *fn, void *ud)
{
	sqlite3_stmt *st;

	/* Ids above INT64_MAX would compare as negative: 0 means newest. */
	if (before_id == 0 || before_id > INT64_MAX)
		before_id = INT64_MAX;
	if ((st = store__stmt(s, ST_LIST_BEFORE, "iii", chat_id, before_id,
	    (uint64_t)store__limit(limit))) == NULL)
		return ERR_DB;
	return store__message_rows(st, fn, ud);
}

int
store_get_message(struct store *s, uint64_t chat_id, uint64_t id,
    struct store_message *m)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(m, 0, sizeof(*m));
	if ((st = store__stmt(s, ST_GET_MSG, "ii", chat_id, id)) == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else {
		store_message_row(st, m);
		if ((m->text = strdup(m->text)) == NULL) {
			store_message_free(m);
			r = ERR_NOMEM;
		}
	}
	store__done(st);
	return r;
}

void
store_message_free(struct store_message *m)
{
	if (m == NULL)
		return;
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/* Finds (chat_id, id): its rowid in *rowid. ERR_NOT_FOUND. */
static int
store_msg_rowid(struct store *s, uint64_t chat_id, uint64_t id,
    sqlite3_int64 *rowid)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((st = store__stmt(s, ST_MSG_ROWID, "ii", chat_id, id)) == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else
		*rowid = sqlite3_column_int64(st, 0);
	store__done(st);
	return r;
}

static int
store_edit_apply(struct store *s, const struct store_message *m)
{
	sqlite3_stmt *st;
	sqlite3_int64 rowid, mark;
	int r, indexed;

	if ((r = store_msg_rowid(s, m->chat_id, m->id, &rowid)) != 0)
		return r == ERR_NOT_FOUND ? 0 : r;
	if ((r = store__fts_mark(s, &mark)) != 0)
		return r;
	indexed = rowid <= mark;
	if (indexed && (r = store__fts_row(s, 0, rowid, NULL)) != 0)
		return r;
	if ((st = store__stmt(s, ST_UPD_MSG, "tii", m->text, m->edit_date,
	    (uint64_t)rowid)) == NULL)
		return ERR_DB;
	if ((r = store__run(st)) != 0)
		return r;
	if (indexed) {
		if ((r = store__fts_row(s, 1, rowid, m->text)) != 0)
			return r;
		s->purge = 1;
	}
	return 0;
}

int
store_edit_message(struct store *s, const struct store_message *m)
{
	int r;

	if ((r = store__sp_begin(s)) != 0)
		return r;
	if ((r = store__sp_end(s, store_edit_apply(s, m))) != 0)
		return r;
	return sqlite3_get_autocommit(s->db) ? store__fts_purge(s) : 0;
}

static int
store_delete_apply(struct store *s, uint64_t chat_id, const uint64_t *ids,
    size_t n)
{
	sqlite3_stmt *st;
	sqlite3_int64 rowid, mark, maxrow;
	size_t i;
	int r = 0, purge = 0;

	/* The chat's last message is recomputed below from what is left. */
	if ((r = store__flush_last(s)) != 0 ||
	    (r = store__fts_mark(s, &mark)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = store_msg_rowid(s, chat_id, ids[i], &rowid)) ==
		    ERR_NOT_FOUND)
			continue;
		if (r != 0)
			goto out;
		if (rowid <= mark) {
			if ((r = store__fts_row(s, 0, rowid, NULL)) != 0)
				goto out;
			purge = 1;
		}
		if ((st = store__stmt(s, ST_DEL_MSG, "i", (uint64_t)rowid)) ==
		    NULL) {
			r = ERR_DB;
			goto out;
		}
		if ((r = store__run(st)) != 0)
			goto out;
	}
	if (purge)
		s->purge = 1;
	/*
	 * SQLite gives a new row max(rowid) + 1, so a rowid freed at the top
	 * is handed out again: keep the mark below the rows still to index.
	 */
	if ((st = store__stmt(s, ST_FTS_MAXROWID, "")) == NULL) {
		r = ERR_DB;
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		store__done(st);
		r = ERR_DB;
		goto out;
	}
	maxrow = sqlite3_column_int64(st, 0);
	store__done(st);
	if (maxrow < mark && (r = store__fts_set_mark(s, maxrow)) != 0)
		goto out;
	if ((st = store__stmt(s, ST_CHAT_RELAST, "i", chat_id)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	r = store__run(st);
out:
	return r;
}

int
store_delete_messages(struct store *s, uint64_t chat_id, const uint64_t *ids,
    size_t n)
{
	int r;

	if (n > 0 && ids == NULL)
		return ERR_INVAL;
	if ((r = store__sp_begin(s)) != 0)
		return r;
	if ((r = store__sp_end(s, store_delete_apply(s, chat_id, ids, n))) != 0)
		return r;
	return sqlite3_get_autocommit(s->db) ? store__fts_purge(s) : 0;
}

/*
 * Writes the remembered newest messages into their chats (only where newer
 * than what the chat has) and forgets them. 0 or ERR_DB.
 */
int
store__flush_last(struct store *s)
{
	sqlite3_stmt *st;
	size_t i;
	int r;

	for (i = 0; i < s->nlast; i++) {
		if ((st = store__stmt(s, ST_CHAT_LAST, "iiii", s->last[i].id,
		    s->last[i].date, s->last[i].pts, s->last[i].chat_id)) == NULL)
			return ERR_DB;
		if ((r = store__run(st)) != 0)
			return r;
	}
	s->nlast = 0;
	return 0;
}
