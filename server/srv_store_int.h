/*
 * What the server store's files share and nothing else includes
 * (srv_store.c, srv_schema.c, srv_store_user.c, srv_store_chat.c,
 * srv_store_group.c, srv_store_log.c, srv_store_privacy.c, and the
 * per-call files srv_store_secret.c, srv_store_visible.c): the store's
 * struct, the kept statements and their column lists, and the one
 * statement cache, binders and row readers every file uses. The API is
 * srv_store.h.
 */
#ifndef SOTTO_SRV_STORE_INT_H
#define SOTTO_SRV_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

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
	STMT_COUNT
};

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
	sqlite3_stmt *ext[SRV_STMT_EXT_COUNT];	/* srv_store_stmt_ext() */
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

/* The cached value of key, or NULL. */
uint64_t *srv_store__counter_get(struct srv_counters *c, uint64_t key);

/* Marks owner as having privacy rows (srv_store.restricted). */
void srv_store__restrict(struct srv_store *s, uint64_t owner);

/* The prepared statement, reset and unbound, ready for new arguments. */
sqlite3_stmt *srv_store__stmt(struct srv_store *s, enum srv_store__stmt which);

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
 * Runs the statement stmt with key bound to ?1 and collects its first
 * column, ids, into a malloc()ed array the caller frees. what names the
 * list in the log. 0, ERR_NOMEM or ERR_DB.
 */
int srv_store__ids(struct srv_store *s, int stmt, uint64_t key,
    const char *what, uint64_t **out, size_t *n);

/*
 * Bumps the counter of key: read with get on first use (ERR_NOT_FOUND
 * when there is no such row), then kept in c.
 */
int srv_store__counter(struct srv_store *s, struct srv_counters *c,
    enum srv_store__stmt get, uint64_t key, uint64_t *value);

/*
 * Runs a one-row check (SELECT 1 ...) on two ids. 0, ERR_NOT_FOUND or
 * ERR_DB.
 */
int srv_store__exists2(struct srv_store *s, enum srv_store__stmt which,
    uint64_t a, uint64_t b);

/*
 * Runs a write on two ids. 0, ERR_NOT_FOUND when no row changed (with
 * need_change), ERR_EXISTS or ERR_DB.
 */
int srv_store__write2(struct srv_store *s, enum srv_store__stmt which,
    uint64_t a, uint64_t b, int need_change);

/* Binds up to four integers (bound when n > i). */
sqlite3_stmt *srv_store__stmt_ints(struct srv_store *s,
    enum srv_store__stmt which, int n, uint64_t a, uint64_t b, uint64_t c,
    uint64_t d);

/* Runs a write of up to four integers. 0, ERR_EXISTS or ERR_DB. */
int srv_store__write_ints(struct srv_store *s, enum srv_store__stmt which,
    int n, uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* Reads the one integer a counting statement returns. 0 or ERR_DB. */
int srv_store__count(struct srv_store *s, sqlite3_stmt *st, size_t *n);

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
