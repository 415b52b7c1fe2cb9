/*
 * The profile database: opening and closing it, transactions and
 * savepoints, and the statements the accessors share. The cloud-chat
 * accessors run kept statements (store_sql, prepared once by
 * store__stmt and finalized by store_close); the others prepare theirs
 * per call with store__sq. The schema is in schema.c; each other file of
 * store/ holds one part of store/store.h (store/store_int.h lists them).
 */
#include "store/store.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "db/sqlc.h"
#include "store/store_int.h"

/* The database handle, for the store's other files (store/store_int.h). */
sqlite3 *
store__db(struct store *s)
{
	return s->db;
}

int
store_open(struct store **out, const char *path,
    const uint8_t key[STORE_KEY_LEN], int create)
{
	struct store *s = NULL;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	if ((r = sqlc_open(&s->db, path, key, create, SQLC_SYNC_NORMAL)) != 0)
		goto out;
	/* A damaged page is named before anything is written. */
	if (!create && (r = sqlc_quick_check(s->db)) != 0)
		goto out;
	if ((r = store__migrate(s->db)) != 0)
		goto out;
	*out = s;
	s = NULL;
out:
	store_close(s);
	return r;
}

const char *
store_path(const struct store *s)
{
	const char *p = s != NULL ? sqlite3_db_filename(s->db, "main") : NULL;

	return p != NULL ? p : "";
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlc_close(s->db);
	free(s);
}

/* Prepares sql; 0 or ERR_DB. */
int
store__prepare(struct store *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return ERR_DB;
	}
	return 0;
}

/* Steps a statement that returns no rows and finalizes it. */
int
store__step_done(sqlite3_stmt *st)
{
	int rc, r;

	rc = sqlite3_step(st);
	r = sqlc_err(sqlite3_db_handle(st), rc);
	sqlite3_finalize(st);
	return r == 0 && rc != SQLITE_DONE ? ERR_DB : r;
}

/* Copies a blob column of exactly len bytes into out. */
int
store__column_key(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
	const void *p;

	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    (size_t)sqlite3_column_bytes(st, col) != len ||
	    (p = sqlite3_column_blob(st, col)) == NULL)
		return ERR_DB;
	memcpy(out, p, len);
	return 0;
}

/*
 * The SQL of each kept statement. The self id for unread counts comes from
 * the account row, so a count never needs the caller to pass it; messages
 * kept aside (ids from 2^62, STORE_ASIDE_BASE) are never unread: no read
 * marker of the server reaches them.
 */
#define STORE_UNREAD_SQL \
	"(SELECT count(*) FROM messages u WHERE u.chat_id = c.id " \
	"AND u.id > c.read_inbox_max_id AND u.id < 4611686018427387904 " \
	"AND u.action = 0 AND u.sender_id != " \
	"coalesce((SELECT user_id FROM account WHERE id = 1), 0))"
#define STORE_CHAT_COLS \
	"c.id, c.kind, c.title, c.peer_id, c.creator_id, c.left, " \
	"c.last_message_id, c.last_date, c.last_pts, c.read_inbox_max_id, " \
	"c.read_outbox_max_id, m.text, m.sender_id, " STORE_UNREAD_SQL \
	" FROM chats c LEFT JOIN messages m ON m.chat_id = c.id " \
	"AND m.id = c.last_message_id "
#define STORE_MSG_COLS \
	"chat_id, id, sender_id, random_id, text, date, reply_to, edit_date, " \
	"action, action_user_id"

static const char *const store_sql[ST_COUNT] = {
	/*
	 * A user or chat is inserted, or else updated only where it differs:
	 * a catch-up repeats every message's sender and chat, and rewriting
	 * an equal row would still dirty (and, with secure_delete, scrub) its
	 * pages. (SQLCipher's SQLite 3.15 has no upsert.)
	 */
	[ST_INS_USER] = "INSERT OR IGNORE INTO users (id, username, "
	    "display_name, phone, contact) VALUES (?, ?, ?, ?, ?);",
	[ST_UPD_USER] = "UPDATE users SET username = ?2, display_name = ?3, "
	    "phone = ?4, contact = ?5 WHERE id = ?1 AND (username != ?2 OR "
	    "display_name != ?3 OR phone != ?4 OR contact != ?5);",
	[ST_GET_USER] = "SELECT id, username, display_name, phone, contact "
	    "FROM users WHERE id = ?;",
	[ST_FIND_USER] = "SELECT id, username, display_name, phone, contact "
	    "FROM users WHERE username = ? ORDER BY id LIMIT 1;",
	[ST_FIND_PHONE] = "SELECT id, username, display_name, phone, contact "
	    "FROM users WHERE phone = ? AND phone != '' ORDER BY id LIMIT 1;",
	[ST_SET_CONTACT] = "UPDATE users SET contact = ? WHERE id = ?;",
	[ST_LIST_CONTACTS] = "SELECT id, username, display_name, phone, "
	    "contact FROM users WHERE contact = 1 ORDER BY username, id;",
	[ST_INS_CHAT] = "INSERT OR IGNORE INTO chats (id, kind, title, "
	    "peer_id, creator_id, left, read_inbox_max_id, read_outbox_max_id) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?);",
	[ST_UPD_CHAT] = "UPDATE chats SET kind = ?1, title = ?2, "
	    "peer_id = ?3, creator_id = ?4 WHERE id = ?5 AND (kind != ?1 OR "
	    "title != ?2 OR peer_id != ?3 OR creator_id != ?4);",
	[ST_GET_CHAT] = "SELECT " STORE_CHAT_COLS "WHERE c.id = ?;",
	[ST_FIND_CHAT] = "SELECT " STORE_CHAT_COLS "WHERE c.peer_id = ? "
	    "AND c.kind IN (1, 2) ORDER BY c.id LIMIT 1;",
	[ST_LIST_CHATS] = "SELECT " STORE_CHAT_COLS
	    "ORDER BY c.last_date DESC, c.id DESC;",
	[ST_INS_MSG] = "INSERT OR IGNORE INTO messages (chat_id, id, "
	    "sender_id, random_id, text, date, reply_to, edit_date, action, "
	    "action_user_id, pts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);",
	[ST_CHAT_LAST] = "UPDATE chats SET last_message_id = ?1, "
	    "last_date = ?2, last_pts = ?3 WHERE id = ?4 "
	    "AND last_message_id < ?1;",
	[ST_GET_MSG] = "SELECT " STORE_MSG_COLS " FROM messages "
	    "WHERE chat_id = ? AND id = ?;",
	[ST_LIST_MSGS] = "SELECT * FROM (SELECT " STORE_MSG_COLS
	    " FROM messages WHERE chat_id = ?1 ORDER BY id DESC LIMIT ?2) "
	    "ORDER BY id;",
	[ST_LIST_BEFORE] = "SELECT " STORE_MSG_COLS " FROM messages "
	    "WHERE chat_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3;",
	[ST_MSG_ROWID] = "SELECT rowid FROM messages "
	    "WHERE chat_id = ? AND id = ?;",
	[ST_UPD_MSG] = "UPDATE messages SET text = ?, edit_date = ? "
	    "WHERE rowid = ?;",
	[ST_DEL_MSG] = "DELETE FROM messages WHERE rowid = ?;",
	[ST_CHAT_RELAST] = "UPDATE chats SET "
	    "last_message_id = coalesce((SELECT max(id) FROM messages "
	    "WHERE chat_id = ?1), 0), "
	    "last_date = coalesce((SELECT date FROM messages WHERE chat_id = ?1 "
	    "ORDER BY id DESC LIMIT 1), 0), "
	    "last_pts = coalesce((SELECT pts FROM messages WHERE chat_id = ?1 "
	    "ORDER BY id DESC LIMIT 1), 0) WHERE id = ?1;",
	/* FTS4 reads the old text from messages: run before it changes. */
	[ST_FTS_DEL] = "DELETE FROM message_fts WHERE docid = ?;",
	[ST_FTS_INS] = "INSERT INTO message_fts (rowid, text) VALUES (?, ?);",
	[ST_FTS_MARK] = "SELECT indexed_rowid FROM fts_state WHERE id = 1;",
	[ST_FTS_SETMARK] = "UPDATE fts_state SET indexed_rowid = ? "
	    "WHERE id = 1;",
	[ST_FTS_CATCHUP] = "INSERT INTO message_fts (rowid, text) "
	    "SELECT rowid, text FROM messages WHERE rowid > ?1 AND "
	    "rowid <= ?2 ORDER BY rowid;",
	[ST_FTS_MAXROWID] = "SELECT coalesce(max(rowid), 0) FROM messages;",
	[ST_SEARCH] = "SELECT m.chat_id, m.id, m.sender_id, m.random_id, "
	    "m.text, m.date, m.reply_to, m.edit_date, m.action, "
	    "m.action_user_id FROM message_fts f JOIN messages m "
	    "ON m.rowid = f.rowid WHERE message_fts MATCH ?1 "
	    "AND (?2 = 0 OR m.chat_id = ?2) "
	    "ORDER BY f.rowid DESC LIMIT ?3;",
	[ST_READ_IN] = "UPDATE chats SET read_inbox_max_id = ?1 "
	    "WHERE id = ?2 AND read_inbox_max_id < ?1;",
	[ST_READ_OUT] = "UPDATE chats SET read_outbox_max_id = ?1 "
	    "WHERE id = ?2 AND read_outbox_max_id < ?1;",
	[ST_DEL_MEMBERS] = "DELETE FROM members WHERE chat_id = ?;",
	[ST_INS_MEMBER] = "INSERT OR REPLACE INTO members (chat_id, user_id, "
	    "admin) VALUES (?, ?, ?);",
	[ST_SET_LEFT] = "UPDATE chats SET left = ? WHERE id = ?;",
	[ST_LIST_MEMBERS] = "SELECT user_id, admin FROM members "
	    "WHERE chat_id = ? ORDER BY user_id;",
	[ST_OB_ADD] = "INSERT INTO outbox (random_id, chat_id, to_user_id, "
	    "peer, text, reply_to, created, attempts) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?);",
	[ST_OB_FIRST] = "SELECT random_id, chat_id, to_user_id, peer, text, "
	    "reply_to, created, attempts FROM outbox ORDER BY seq LIMIT 1;",
	[ST_OB_HAS] = "SELECT 1 FROM outbox WHERE random_id = ?;",
	[ST_OB_COUNT] = "SELECT count(*) FROM outbox;",
	[ST_OB_ATTEMPT] = "UPDATE outbox SET attempts = attempts + 1 "
	    "WHERE random_id = ?;",
	[ST_OB_REMOVE] = "DELETE FROM outbox WHERE random_id = ?;",
};

/*
 * Binds st's parameters from fmt, the one binder of the store: 'i' an
 * int64 (passed as uint64_t), 'b' a blob (const void *, size_t; NULL binds
 * NULL), 't' a text (const char *; NULL binds ""). Texts and blobs are
 * borrowed (SQLITE_STATIC): every statement is stepped, and reset or
 * finalized, within the call that bound it. 0 or ERR_DB.
 */
static int
store_bindv(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	const void *p;
	const char *t;
	size_t n;
	int i, rc = SQLITE_OK;

	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1,
			    (sqlite3_int64)va_arg(ap, uint64_t));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			rc = p == NULL ? sqlite3_bind_null(st, i + 1) :
			    sqlite3_bind_blob(st, i + 1, p, (int)n,
			    SQLITE_STATIC);
			break;
		default:
			t = va_arg(ap, const char *);
			rc = sqlite3_bind_text(st, i + 1, t != NULL ? t : "", -1,
			    SQLITE_STATIC);
			break;
		}
	}
	return rc == SQLITE_OK ? 0 : ERR_DB;
}

/*
 * The kept statement i, reset and bound from fmt (store_bindv): prepared on
 * first use and finalized by store_close. NULL when it does not prepare or
 * bind.
 */
sqlite3_stmt *
store__stmt(struct store *s, enum store_stmt i, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (s->st[i] == NULL) {
		if (sqlite3_prepare_v2(s->db, store_sql[i], -1, &s->st[i],
		    NULL) != SQLITE_OK) {
			s->st[i] = NULL;
			return NULL;
		}
	} else
		sqlite3_reset(s->st[i]);
	va_start(ap, fmt);
	r = store_bindv(s->st[i], fmt, ap);
	va_end(ap);
	if (r != 0) {
		store__done(s->st[i]);
		return NULL;
	}
	return s->st[i];
}

/* Resets st so that it holds no lock or borrowed string between calls. */
void
store__done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* Steps a kept statement that returns no rows, then resets it. */
int
store__run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st), r = sqlc_err(sqlite3_db_handle(st), rc);

	store__done(st);
	return r == 0 && rc != SQLITE_DONE ? ERR_DB : r;
}

/*
 * A savepoint around the multi-statement writes, so that they are atomic
 * both on their own and inside store_begin's transaction.
 */
int
store__sp_begin(struct store *s)
{
	return sqlc_exec(s->db, "SAVEPOINT store_op;");
}

int
store__sp_end(struct store *s, int r)
{
	if (r == 0 && (r = sqlc_exec(s->db, "RELEASE store_op;")) == 0)
		return 0;
	(void)sqlc_exec(s->db, "ROLLBACK TO store_op;");
	(void)sqlc_exec(s->db, "RELEASE store_op;");
	return r;
}

int
store_begin(struct store *s)
{
	return sqlc_exec(s->db, "BEGIN IMMEDIATE;");
}

int
store_commit(struct store *s)
{
	int r;

	/* On failure the transaction stays open for store_rollback. */
	if ((r = store__flush_last(s)) != 0 || (r = store__fts_purge(s)) != 0)
		return r;
	return sqlc_exec(s->db, "COMMIT;");
}

void
store_rollback(struct store *s)
{
	s->nlast = 0;
	s->purge = 0;
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlc_exec(s->db, "ROLLBACK;");
}

int
store_secure_delete(struct store *s, int *on)
{
	sqlite3_stmt *st;
	int r;

	*on = 0;
	if ((r = store__prepare(s, &st, "PRAGMA secure_delete;")) != 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW)
		*on = sqlite3_column_int(st, 0) != 0;
	else
		r = ERR_DB;
	sqlite3_finalize(st);
	return r;
}

/* Prepares sql and binds its parameters from fmt (store_bindv). */
int
store__sq(struct store *s, sqlite3_stmt **st, const char *sql,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	if (store__prepare(s, st, sql) != 0)
		return ERR_DB;
	va_start(ap, fmt);
	r = store_bindv(*st, fmt, ap);
	va_end(ap);
	if (r != 0) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return r;
}

/* Steps a statement once: 0 (a row), ERR_NOT_FOUND (none) or ERR_DB. */
int
store__row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND :
	    ERR_DB;
}

/*
 * The integer in the first column of the one row sql selects (it takes no
 * parameters), or 0 when it selects none. 0 or ERR_DB.
 */
int
store__u64(struct store *s, const char *sql, uint64_t *out)
{
	sqlite3_stmt *st;
	int r;

	*out = 0;
	if ((r = store__sq(s, &st, sql, "")) != 0)
		return r;
	if ((r = store__row(st)) == 0)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == ERR_NOT_FOUND ? 0 : r;
}
