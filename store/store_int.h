/*
 * What the client store's files share beside store/store.h: the body of
 * struct store, the kept statements, the SQL helpers and the pieces of
 * one concept that another file's writes need (the store__ names are
 * internal to store/). store.c opens the database and keeps the
 * statements; schema.c, state.c, users.c, chats.c, messages.c, search.c,
 * outbox.c, secret_keys.c, secret_chats.c and forward.c each hold one
 * part of store/store.h.
 */
#ifndef SOTTO_STORE_INT_H
#define SOTTO_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "db/sqlc.h"
#include "store/store.h"

/* The statements of the cloud-chat accessors, prepared once and kept. */
enum store_stmt {
	ST_INS_USER, ST_UPD_USER, ST_GET_USER, ST_FIND_USER, ST_FIND_PHONE,
	ST_SET_CONTACT, ST_LIST_CONTACTS,
	ST_INS_CHAT, ST_UPD_CHAT, ST_GET_CHAT, ST_FIND_CHAT, ST_LIST_CHATS,
	ST_INS_MSG, ST_CHAT_LAST, ST_GET_MSG, ST_LIST_MSGS, ST_LIST_BEFORE,
	ST_MSG_ROWID, ST_UPD_MSG, ST_DEL_MSG, ST_CHAT_RELAST,
	ST_FTS_DEL, ST_FTS_INS, ST_FTS_MARK, ST_FTS_SETMARK, ST_FTS_CATCHUP,
	ST_FTS_MAXROWID, ST_SEARCH,
	ST_READ_IN, ST_READ_OUT,
	ST_DEL_MEMBERS, ST_INS_MEMBER, ST_SET_LEFT, ST_LIST_MEMBERS,
	ST_OB_ADD, ST_OB_FIRST, ST_OB_HAS, ST_OB_COUNT, ST_OB_ATTEMPT,
	ST_OB_REMOVE,
	ST_COUNT
};

/*
 * A chat's newest message seen by store_put_message in the current
 * transaction. Updating the chat row for every message costs SQLCipher
 * a statement-journal page encryption per row (it made applying a page
 * of 1000 messages eight times slower), so the newest message of each
 * chat is remembered here and written once, before the commit or before
 * anything reads or rewrites a chat's last message.
 */
struct store_last {
	uint64_t chat_id, id, date, pts;
};

/*
 * Enough for every chat a page of the catch-up can name (the server's pages
 * hold at most 1000 entries): with fewer slots than chats in a page, the
 * slots are flushed every few messages and each message writes its chat
 * row again (100 chats in turn: 260,000 -> 56,000 messages/s).
 */
#define STORE_NLAST 1024

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct store_last last[STORE_NLAST];
	size_t nlast;
	int purge;		/* indexed text was removed: see store__fts_purge */
};

#define COL_U64(st, i) ((uint64_t)sqlite3_column_int64((st), (i)))
#define COL_STR(st, i) \
	((char *)(sqlite3_column_text((st), (i)) != NULL ? \
	(const char *)sqlite3_column_text((st), (i)) : ""))

/* The open database of s (borrowed). */
sqlite3 *store__db(struct store *s);

/* Runs the migrations that the database at db has not had (schema.c). */
int store__migrate(sqlite3 *db);

/* Prepares sql; 0 or ERR_DB. */
int store__prepare(struct store *s, sqlite3_stmt **st, const char *sql);

/* Steps a statement that returns no rows and finalizes it. */
int store__step_done(sqlite3_stmt *st);

/* Copies a blob column of exactly len bytes into out. */
int store__column_key(sqlite3_stmt *st, int col, uint8_t *out, size_t len);

/*
 * The store's one binder, in its two uses. The parameters are bound from
 * fmt, a letter each: 'i' an int64 (passed as uint64_t: cast every other
 * integer), 'b' a blob (const void *, size_t; NULL binds NULL), 't' a text
 * (const char *; NULL binds ""). Texts and blobs are borrowed: the
 * statement is stepped, and reset or finalized, within the calling
 * function.
 *
 * store__stmt: the kept statement i (store_sql in store.c), reset and
 * bound: prepared on first use and finalized by store_close; reset it with
 * store__done. NULL when it does not prepare or bind.
 */
sqlite3_stmt *store__stmt(struct store *s, enum store_stmt i,
    const char *fmt, ...);

/* Resets st so that it holds no lock or borrowed string between calls. */
void store__done(sqlite3_stmt *st);

/* Steps a kept statement that returns no rows, then resets it. */
int store__run(sqlite3_stmt *st);

/*
 * A savepoint around the multi-statement writes, so that they are atomic
 * both on their own and inside store_begin's transaction; store__sp_end
 * releases it when r is 0 and rolls it back otherwise, and returns r.
 */
int store__sp_begin(struct store *s);
int store__sp_end(struct store *s, int r);

/*
 * store__sq: prepares sql into *st and binds it from fmt, for a statement
 * of one call (finalize it). 0 or ERR_DB.
 */
int store__sq(struct store *s, sqlite3_stmt **st, const char *sql,
    const char *fmt, ...);

/* Steps a statement once: 0 (a row), ERR_NOT_FOUND (none) or ERR_DB. */
int store__row(sqlite3_stmt *st);

/*
 * The integer in the first column of the one row sql selects (it takes no
 * parameters), or 0 when it selects none. 0 or ERR_DB.
 */
int store__u64(struct store *s, const char *sql, uint64_t *out);

/*
 * Writes the remembered newest messages into their chats (only where newer
 * than what the chat has) and forgets them (messages.c). 0 or ERR_DB.
 */
int store__flush_last(struct store *s);

/* SQLite's LIMIT for a limit of 0 meaning "all" (messages.c). */
sqlite3_int64 store__limit(uint64_t limit);

/* Steps st to its end, handing each message row to fn (messages.c). */
int store__message_rows(sqlite3_stmt *st, store_message_fn *fn, void *ud);

/* The rowid up to which message_fts is up to date (search.c). */
int store__fts_mark(struct store *s, sqlite3_int64 *mark);

/* Sets that rowid (search.c). */
int store__fts_set_mark(struct store *s, sqlite3_int64 mark);

/*
 * Adds text as rowid's to the FTS index (ins), or removes rowid's current
 * text from it (!ins, text unused): before the row changes or goes
 * (search.c).
 */
int store__fts_row(struct store *s, int ins, sqlite3_int64 rowid,
    const char *text);

/*
 * Merges the FTS index into one segment after indexed text was removed
 * (s->purge), so that the old terms do not linger in the file (search.c).
 */
int store__fts_purge(struct store *s);

#endif
