/*
 * What the server store's files share and nothing else includes
 * (srv_store.c, srv_schema.c and every srv_store_*.c): the store's
 * struct, the kept statements and their column lists, and the one
 * statement cache, binder (srv_store__bind) and row readers every file
 * uses. The API is srv_store.h.
 */
#ifndef SOTTO_SRV_STORE_INT_H
#define SOTTO_SRV_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "server/srv_store.h"
#include "db/sqlc.h"

enum srv_store__stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_USER_BY_NAME,
	STMT_USER_BY_ID,
	STMT_USER_ADD,
	STMT_DEVICE_BY_KEY,
	STMT_DEVICE_ADD,
	STMT_DEVICE_REMOVE,
	STMT_DEVICE_TOUCH,
	STMT_DEVICES,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_PROFILE_BY_NAME,
	STMT_PROFILE_BY_ID,
	STMT_CHAT_BY_ID,
	STMT_CHAT_PAIR,
	STMT_CHAT_ADD,
	STMT_PAIR_ADD,
	STMT_MEMBER_ADD,
	STMT_MEMBER,
	STMT_MEMBERS,
	STMT_CHAT_LAST_ID,
	STMT_MESSAGE_ADD,
	STMT_MESSAGE_BY_RANDOM,
	STMT_MESSAGE_EXISTS,
	STMT_PTS,
	STMT_UPDATE_ADD,
	STMT_UPDATES,
	STMT_SERVICE_ADD,
	STMT_MESSAGE_GET,
	STMT_MESSAGE_EDIT,
	STMT_MESSAGE_DELETE,
	STMT_HIDE,
	STMT_HIDDEN,
	STMT_GROUP_ADD,
	STMT_MEMBER_ADD_ROLE,
	STMT_MEMBER_REMOVE,
	STMT_MEMBER_ADMIN,
	STMT_CHAT_RENAME,
	STMT_ROSTER,
	STMT_READ_SET,
	STMT_PROFILE_BY_PHONE,
	STMT_CONTACT_ADD,
	STMT_CONTACT_REMOVE,
	STMT_IS_CONTACT,
	STMT_CONTACTS,
	STMT_PRIVACY_FACTS,
	STMT_PRIVACY_VALUE,
	STMT_PRIVACY_SET,
	STMT_PRIVACY_LIST,
	STMT_PRIVACY_CLEAR,
	STMT_PRIVACY_EXCEPT_SET,
	STMT_PRIVACY_EXCEPT_DEL,
	STMT_PRIVACY_EXCEPT_COUNT,
	STMT_BLOCK_ADD,
	STMT_BLOCK_REMOVE,
	STMT_IS_BLOCKED,
	STMT_BLOCKED,
	STMT_BLOCK_COUNT,
	STMT_SENDER_WROTE,
	STMT_COUNT,
	/* Not kept: the SQL given, prepared for one call and finalized. */
	STMT_ONCE = STMT_COUNT
};

/*
 * Kept like the others, but prepared from the SQL given at its first use
 * (STMT_EXT(slot): the file that owns the statement holds its text).
 */
#define STMT_EXT(slot) \
	((enum srv_store__stmt)(STMT_ONCE + 1 + (int)(slot)))

#define USER_COLS "id, username, display_name, phone, pwhash, created"
#define DEVICE_COLS "id, user_id, key, name, created, last_seen"
#define PROFILE_COLS "id, username, display_name, phone," \
	" ifnull((SELECT bio FROM bios WHERE user_id = users.id), '')," \
	" ifnull((SELECT seen FROM presence WHERE user_id = users.id), 0)"
#define CHAT_COLS "c.id, c.kind, c.title, p.user_lo, p.user_hi," \
	" c.creator_id, c.last_message_id"
#define MESSAGE_COLS "chat_id, id, sender_id, random_id, text, date," \
	" reply_to, pts, edit_date, action, action_user_id, deleted," \
	" f.orig_date, f.orig_sender_id, f.orig_name"
#define MESSAGE_FROM "messages LEFT JOIN forwards f" \
	" ON f.copy_chat_id = messages.chat_id AND f.copy_id = messages.id"

struct srv_counters {
	uint64_t *keys, *vals;		/* key 0: empty slot */
	size_t cap, n;
};

struct srv_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	sqlite3_stmt *ext[SRV_STMT_EXT_COUNT];	/* STMT_EXT(slot) */
	int in_txn;
	int doomed;			/* a unit failed: roll the turn back */
	/*
	 * The disk is full: a write failed with SQLITE_FULL or ENOSPC. Until
	 * full_retry (CLOCK_MONOTONIC ms), and while statvfs(3) shows less
	 * than SRV_STORE_FULL_ROOM free, writes are refused with
	 * ERR_NO_SPACE without being tried (an answer the client can act
	 * on, where a failed commit can only drop the turn's connections);
	 * then the next one tries, and a commit that goes through ends the
	 * episode.
	 */
	int full;
	uint64_t full_retry;
	struct srv_counters pts;	/* user id -> newest pts */
	struct srv_counters last_id;	/* chat id -> newest message id */
	/*
	 * The users who ever wrote a privacy rule, an exception or a block
	 * (value 1). Everybody else has the defaults, which srv_privacy.c
	 * decides without a query: the hot path (a send into a private chat)
	 * then costs nothing more. The set only grows, so a rolled-back turn
	 * leaves at worst a user in it who needs no query; when it cannot
	 * grow (out of memory) every owner is queried from then on.
	 */
	struct srv_counters restricted;
	int restricted_all;
};

/*
 * SQLite integers are signed 64-bit: ids from the wire above INT64_MAX
 * name nothing, and random ids are stored as their two's complement.
 */
static inline sqlite3_int64
srv_store__u2i(uint64_t v)
{
	if (v <= INT64_MAX)
		return (sqlite3_int64)v;
	return -(sqlite3_int64)(UINT64_MAX - v) - 1;
}

/*
 * r, with a constraint (ERR_EXISTS) made a failure like the others
 * (ERR_DB): for the writes whose callers were never told ERR_EXISTS.
 */
static inline int
srv_store__failed(int r)
{
	return r == ERR_EXISTS ? ERR_DB : r;
}

/* The cached value of key, or NULL. */
uint64_t *srv_store__counter_get(struct srv_counters *c, uint64_t key);

/* Marks owner as having privacy rows (srv_store.restricted). */
void srv_store__restrict(struct srv_store *s, uint64_t owner);

/*
 * The store's one binder. which names the statement: a kept one (sql is
 * NULL: its text is srv_store.c's table), STMT_EXT(slot) (kept, prepared
 * from sql) or STMT_ONCE (sql, prepared for this call). Its parameters
 * ?1, ?2, ... are bound from fmt, a letter each:
 *   'i' an sqlite3_int64 (cast every other integer; srv_store__u2i() for
 *       an id stored as its two's complement),
 *   'u' a uint64_t id: above INT64_MAX it names nothing, and the bind
 *       fails with ERR_NOT_FOUND,
 *   't' a text (const char *; NULL binds NULL),
 *   'b' a blob (const void *, size_t; NULL binds NULL),
 *   '-' none: the parameter is left NULL (a number the text skips).
 * fmt names every parameter the statement has, or it does not bind; the
 * letters after a '|' are bound only where the statement has that
 * parameter (one text of several that may not use it). Texts and blobs
 * are borrowed: the statement is stepped and ended (srv_store__end())
 * within the calling function. On success *st is ready; else it is NULL
 * and the result is ERR_NOT_FOUND ('u') or ERR_DB (prepare or bind,
 * logged).
 */
int srv_store__bind(struct srv_store *s, sqlite3_stmt **st,
    enum srv_store__stmt which, const char *sql, const char *fmt, ...);

/*
 * Ends a statement of srv_store__bind: resets a kept one, finalizes one
 * of STMT_ONCE. NULL is a no-op.
 */
void srv_store__end(sqlite3_stmt *st, enum srv_store__stmt which);

/*
 * Runs a write (srv_store__bind's arguments) in the group transaction,
 * opening it when none is open (srv_store__write()), through
 * srv_store__step_done() and its full-disk episode. 0, ERR_NOT_FOUND
 * (a 'u' above INT64_MAX: nothing is opened or run), ERR_EXISTS (a
 * constraint), ERR_NO_SPACE or ERR_DB. sqlite3_changes() of the store's
 * db tells how many rows it touched.
 */
int srv_store__run(struct srv_store *s, enum srv_store__stmt which,
    const char *sql, const char *fmt, ...);

/*
 * Runs a lookup (srv_store__bind's arguments) to its first row: 0 with
 * one (*v, unless NULL, gets its first column), ERR_NOT_FOUND without
 * (or for a 'u' above INT64_MAX), ERR_DB on an error (logged). The
 * statement is ended.
 */
int srv_store__one(struct srv_store *s, enum srv_store__stmt which,
    const char *sql, sqlite3_int64 *v, const char *fmt, ...);

/*
 * Runs a query (srv_store__bind's arguments) and collects its first
 * column, ids, into a malloc()ed array the caller frees. what names the
 * list in the log. 0, ERR_NOMEM, ERR_NOT_FOUND (a 'u' above INT64_MAX)
 * or ERR_DB.
 */
int srv_store__ids(struct srv_store *s, enum srv_store__stmt which,
    const char *sql, const char *what, uint64_t **out, size_t *n,
    const char *fmt, ...);

/*
 * Runs a statement that returns no rows. 0, ERR_EXISTS, ERR_NO_SPACE or
 * ERR_DB.
 */
int srv_store__step_done(struct srv_store *s, sqlite3_stmt *st);

/* Opens the group transaction when none is open. */
int srv_store__write(struct srv_store *s);

/* Column col as text into out (cap bytes, cut and NUL-terminated). */
void srv_store__col_text(sqlite3_stmt *st, int col, char *out, size_t cap);

/* Steps a one-row lookup. 0 (row read by fn), ERR_NOT_FOUND or ERR_DB. */
int srv_store__step_one(struct srv_store *s, sqlite3_stmt *st);

/* Column col as the uint64_t srv_store__u2i() bound. */
uint64_t srv_store__col_u64(sqlite3_stmt *st, int col);

/*
 * Bumps the counter of key: read with get on first use (ERR_NOT_FOUND
 * when there is no such row), then kept in c.
 */
int srv_store__counter(struct srv_store *s, struct srv_counters *c,
    enum srv_store__stmt get, uint64_t key, uint64_t *value);

/*
 * sqlc_migrate() with foreign keys off, as SQLite's own recipe for
 * rebuilding a table asks (migration 6 drops devices, whose children
 * would otherwise be deleted by ON DELETE CASCADE). The pragma is a
 * no-op inside a transaction, hence here and not in the migration.
 * Before each migration commits, every reference must still hold, else
 * it is rolled back and the server does not start. 0, ERR_VERSION or
 * ERR_DB.
 */
int srv_store__migrate(sqlite3 *db);

#endif
