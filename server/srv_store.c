/*
 * The SQLCipher backend of srv_store: open and close, the group
 * transaction and its atomic units, the full-disk episode, the in-memory
 * counters, the kept statements, and the one binder (srv_store__bind,
 * with srv_store__run, srv_store__one and srv_store__ids on it) and the
 * row readers the other store files share (srv_store_int.h), whether
 * their statements are kept or prepared per call. Kept statements are
 * prepared once, on first use, and kept for the life of the store. Writes
 * open a transaction lazily (BEGIN IMMEDIATE) that srv_store_commit()
 * ends. The schema is srv_schema.c's; the tables of each concept are read
 * and written by srv_store_user.c, srv_store_chat.c, srv_store_group.c,
 * srv_store_log.c, srv_store_privacy.c and the others.
 */
#include "server/srv_store.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

static const char *const srv_stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_USER_BY_NAME] = "SELECT " USER_COLS " FROM users"
	    " WHERE username = ?1",
	[STMT_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[STMT_USER_ADD] = "INSERT INTO users (username, display_name, phone,"
	    " pwhash, created) VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_DEVICE_BY_KEY] = "SELECT " DEVICE_COLS " FROM devices"
	    " WHERE key = ?1",
	[STMT_DEVICE_ADD] = "INSERT INTO devices (user_id, key, name, created,"
	    " last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
	[STMT_DEVICE_REMOVE] = "DELETE FROM devices WHERE id = ?1",
	[STMT_DEVICE_TOUCH] = "UPDATE devices SET last_seen = ?2"
	    " WHERE id = ?1",
	[STMT_DEVICES] = "SELECT " DEVICE_COLS " FROM devices"
	    " WHERE user_id = ?1 ORDER BY id",
	[STMT_SAVEPOINT] = "SAVEPOINT one",
	[STMT_RELEASE] = "RELEASE one",
	[STMT_ROLLBACK_TO] = "ROLLBACK TO one",
	[STMT_PROFILE_BY_NAME] = "SELECT " PROFILE_COLS " FROM users"
	    " WHERE username = ?1",
	[STMT_PROFILE_BY_ID] = "SELECT " PROFILE_COLS " FROM users"
	    " WHERE id = ?1",
	[STMT_CHAT_BY_ID] = "SELECT " CHAT_COLS " FROM chats c"
	    " LEFT JOIN pair_chats p ON p.chat_id = c.id WHERE c.id = ?1",
	[STMT_CHAT_PAIR] = "SELECT " CHAT_COLS " FROM pair_chats p"
	    " JOIN chats c ON c.id = p.chat_id"
	    " WHERE p.user_lo = ?1 AND p.user_hi = ?2",
	[STMT_CHAT_ADD] = "INSERT INTO chats (kind, created) VALUES (?1, ?2)",
	[STMT_PAIR_ADD] = "INSERT INTO pair_chats (user_lo, user_hi, chat_id)"
	    " VALUES (?1, ?2, ?3)",
	[STMT_MEMBER_ADD] = "INSERT INTO chat_members (chat_id, user_id)"
	    " VALUES (?1, ?2)",
	[STMT_MEMBER] = "SELECT 1 FROM chat_members"
	    " WHERE chat_id = ?1 AND user_id = ?2",
	[STMT_MEMBERS] = "SELECT user_id FROM chat_members WHERE chat_id = ?1"
	    " ORDER BY user_id",
	[STMT_CHAT_LAST_ID] = "SELECT max(c.last_message_id, ifnull((SELECT"
	    " max(id) FROM messages WHERE chat_id = c.id), 0)) FROM chats c"
	    " WHERE c.id = ?1",
	[STMT_MESSAGE_ADD] = "INSERT INTO messages (chat_id, id, sender_id,"
	    " random_id, text, date, reply_to, pts)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_MESSAGE_BY_RANDOM] = "SELECT " MESSAGE_COLS " FROM " MESSAGE_FROM
	    " WHERE sender_id = ?1 AND random_id = ?2 AND random_id != 0",
	[STMT_MESSAGE_EXISTS] = "SELECT 1 FROM messages"
	    " WHERE chat_id = ?1 AND id = ?2",
	/* The log's newest entry, or the old counter: whichever is larger. */
	[STMT_PTS] = "SELECT max(u.pts, ifnull((SELECT max(pts) FROM updates"
	    " WHERE user_id = u.id), 0)) FROM users u WHERE u.id = ?1",
	[STMT_UPDATE_ADD] = "INSERT INTO updates (user_id, pts, kind, chat_id,"
	    " message_id, arg, arg2, ids) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " ?8)",
	/*
	 * Left joins: an entry whose rows are gone still keeps its pts. Only
	 * message entries look for their message; a hidden or deleted one
	 * comes back as no message.
	 */
	[STMT_UPDATES] = "SELECT u.pts, u.kind, u.chat_id, u.message_id,"
	    " u.arg, u.arg2, u.ids,"
	    " m.id IS NOT NULL AND m.deleted = 0 AND h.message_id IS NULL,"
	    " m.sender_id, m.random_id, m.text, m.date, m.reply_to, m.pts,"
	    " m.edit_date, m.action, m.action_user_id,"
	    " m.snap_title, m.snap_members, m.snap_admins,"
	    " c.kind, c.title, p.user_lo, p.user_hi, c.creator_id,"
	    " c.last_message_id, f.orig_date, f.orig_sender_id, f.orig_name"
	    " FROM updates u"
	    " LEFT JOIN messages m ON u.kind IN (1, 2) AND m.chat_id = u.chat_id"
	    "  AND m.id = u.message_id"
	    " LEFT JOIN hidden h ON u.kind IN (1, 2) AND h.user_id = u.user_id"
	    "  AND h.chat_id = u.chat_id AND h.message_id = u.message_id"
	    " LEFT JOIN chats c ON c.id = u.chat_id"
	    " LEFT JOIN pair_chats p ON p.chat_id = u.chat_id"
	    " LEFT JOIN forwards f ON u.kind IN (1, 2)"
	    "  AND f.copy_chat_id = u.chat_id AND f.copy_id = u.message_id"
	    " WHERE u.user_id = ?1 AND u.pts > ?2 ORDER BY u.pts LIMIT ?3",
	[STMT_SERVICE_ADD] = "INSERT INTO messages (chat_id, id, sender_id,"
	    " random_id, text, date, reply_to, pts, action, action_user_id,"
	    " snap_title, snap_members, snap_admins)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12)",
	[STMT_MESSAGE_GET] = "SELECT " MESSAGE_COLS " FROM " MESSAGE_FROM
	    " WHERE chat_id = ?1 AND id = ?2",
	[STMT_MESSAGE_EDIT] = "UPDATE messages SET text = ?3, edit_date = ?4"
	    " WHERE chat_id = ?1 AND id = ?2 AND deleted = 0",
	[STMT_MESSAGE_DELETE] = "UPDATE messages SET text = '', deleted = 1,"
	    " snap_title = NULL WHERE chat_id = ?1 AND id = ?2 AND deleted = 0",
	[STMT_HIDE] = "INSERT INTO hidden (user_id, chat_id, message_id)"
	    " VALUES (?1, ?2, ?3)",
	[STMT_HIDDEN] = "SELECT 1 FROM hidden WHERE user_id = ?1"
	    " AND chat_id = ?2 AND message_id = ?3",
	[STMT_GROUP_ADD] = "INSERT INTO chats (kind, title, created,"
	    " creator_id) VALUES (3, ?1, ?2, ?3)",
	[STMT_MEMBER_ADD_ROLE] = "INSERT INTO chat_members (chat_id, user_id,"
	    " admin) VALUES (?1, ?2, ?3)",
	[STMT_MEMBER_REMOVE] = "DELETE FROM chat_members"
	    " WHERE chat_id = ?1 AND user_id = ?2",
	[STMT_MEMBER_ADMIN] = "SELECT admin FROM chat_members"
	    " WHERE chat_id = ?1 AND user_id = ?2",
	[STMT_CHAT_RENAME] = "UPDATE chats SET title = ?2 WHERE id = ?1",
	[STMT_ROSTER] = "SELECT user_id, admin FROM chat_members"
	    " WHERE chat_id = ?1 ORDER BY user_id",
	[STMT_READ_SET] = "UPDATE chat_members SET read_max = ?3"
	    " WHERE chat_id = ?1 AND user_id = ?2 AND read_max < ?3",
	[STMT_PROFILE_BY_PHONE] = "SELECT " PROFILE_COLS " FROM users"
	    " WHERE phone = ?1 AND phone != ''",
	[STMT_CONTACT_ADD] = "INSERT OR IGNORE INTO contacts (owner, user_id)"
	    " VALUES (?1, ?2)",
	[STMT_CONTACT_REMOVE] = "DELETE FROM contacts"
	    " WHERE owner = ?1 AND user_id = ?2",
	[STMT_IS_CONTACT] = "SELECT 1 FROM contacts"
	    " WHERE owner = ?1 AND user_id = ?2",
	[STMT_CONTACTS] = "SELECT user_id FROM contacts WHERE owner = ?1"
	    " ORDER BY user_id",
	/* Everything one privacy decision needs, in one step. */
	[STMT_PRIVACY_FACTS] = "SELECT"
	    " (SELECT 1 FROM blocks WHERE owner = ?1 AND user_id = ?3),"
	    " (SELECT allow FROM privacy_exceptions WHERE owner = ?1"
	    "  AND key = ?2 AND user_id = ?3),"
	    " (SELECT value FROM privacy WHERE owner = ?1 AND key = ?2),"
	    " (SELECT 1 FROM contacts WHERE owner = ?1 AND user_id = ?3)",
	[STMT_PRIVACY_VALUE] = "SELECT value FROM privacy"
	    " WHERE owner = ?1 AND key = ?2",
	[STMT_PRIVACY_SET] = "INSERT OR REPLACE INTO privacy (owner, key,"
	    " value) VALUES (?1, ?2, ?3)",
	[STMT_PRIVACY_LIST] = "SELECT user_id, allow FROM privacy_exceptions"
	    " WHERE owner = ?1 AND key = ?2 ORDER BY user_id",
	[STMT_PRIVACY_CLEAR] = "DELETE FROM privacy_exceptions"
	    " WHERE owner = ?1 AND key = ?2",
	[STMT_PRIVACY_EXCEPT_SET] = "INSERT OR REPLACE INTO privacy_exceptions"
	    " (owner, key, user_id, allow) VALUES (?1, ?2, ?3, ?4)",
	[STMT_PRIVACY_EXCEPT_DEL] = "DELETE FROM privacy_exceptions"
	    " WHERE owner = ?1 AND key = ?2 AND user_id = ?3",
	[STMT_PRIVACY_EXCEPT_COUNT] = "SELECT count(*) FROM privacy_exceptions"
	    " WHERE owner = ?1 AND key = ?2",
	[STMT_BLOCK_ADD] = "INSERT OR IGNORE INTO blocks (owner, user_id,"
	    " created) VALUES (?1, ?2, ?3)",
	[STMT_BLOCK_REMOVE] = "DELETE FROM blocks"
	    " WHERE owner = ?1 AND user_id = ?2",
	[STMT_IS_BLOCKED] = "SELECT 1 FROM blocks"
	    " WHERE owner = ?1 AND user_id = ?2",
	[STMT_BLOCKED] = "SELECT user_id FROM blocks WHERE owner = ?1"
	    " ORDER BY created, user_id",
	[STMT_BLOCK_COUNT] = "SELECT count(*) FROM blocks WHERE owner = ?1",
	/* The chat's rows by its key; a private chat is short of senders. */
	[STMT_SENDER_WROTE] = "SELECT 1 FROM messages WHERE chat_id = ?1"
	    " AND sender_id = ?2 AND action = 0 LIMIT 1",
};

/*
 * Counters (an account's newest pts, a chat's newest message id) live in
 * memory once read: bumping them with UPDATE made SQLite copy, and
 * SQLCipher encrypt, the row's page into a statement journal on every
 * message. The database holds the truth through the rows themselves
 * (the newest log entry, the newest message), which are never deleted;
 * after a rolled-back commit the cache is dropped and read again.
 */
/* How long writes are refused without a try once the disk was full. */
#define SRV_STORE_FULL_RETRY_MS 1000
/* The room a full disk must have again before a write is tried. */
#define SRV_STORE_FULL_ROOM (256 * 1024)

/* The slot of key, or the empty one it would take; c->cap > 0. */
static uint64_t *
srv_counter_slot(struct srv_counters *c, uint64_t key)
{
	size_t i;

	i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (c->cap - 1);
	while (c->keys[i] != 0 && c->keys[i] != key)
		i = (i + 1) & (c->cap - 1);
	return &c->keys[i];
}

/* The cached value of key, or NULL. */
uint64_t *
srv_store__counter_get(struct srv_counters *c, uint64_t key)
{
	uint64_t *k;

	if (c->cap == 0)
		return NULL;
	k = srv_counter_slot(c, key);
	if (*k != key)
		return NULL;
	return &c->vals[k - c->keys];
}

/* Caches key = val. 0 or ERR_NOMEM (then nothing is cached). */
static int
srv_counter_put(struct srv_counters *c, uint64_t key, uint64_t val)
{
	struct srv_counters n;
	uint64_t *k;
	size_t i;

	if (c->n * 2 >= c->cap) {
		memset(&n, 0, sizeof(n));
		n.cap = c->cap ? c->cap * 2 : 1024;
		if ((n.keys = calloc(n.cap, sizeof(*n.keys))) == NULL ||
		    (n.vals = calloc(n.cap, sizeof(*n.vals))) == NULL) {
			free(n.keys);
			return ERR_NOMEM;
		}
		for (i = 0; i < c->cap; i++)
			if (c->keys[i] != 0) {
				k = srv_counter_slot(&n, c->keys[i]);
				*k = c->keys[i];
				n.vals[k - n.keys] = c->vals[i];
				n.n++;
			}
		free(c->keys);
		free(c->vals);
		*c = n;
	}
	k = srv_counter_slot(c, key);
	if (*k != key) {
		*k = key;
		c->n++;
	}
	c->vals[k - c->keys] = val;
	return 0;
}

static void
srv_counter_clear(struct srv_counters *c)
{
	free(c->keys);
	free(c->vals);
	memset(c, 0, sizeof(*c));
}

/* Marks owner as having privacy rows (srv_store.restricted). */
void
srv_store__restrict(struct srv_store *s, uint64_t owner)
{
	if (!s->restricted_all &&
	    srv_counter_put(&s->restricted, owner, 1) != 0)
		s->restricted_all = 1;
}

/* Fills the restricted set from the rows at open. 0 or ERR_DB. */
static int
srv_store_restricted_load(struct srv_store *s)
{
	static const char sql[] = "SELECT owner FROM privacy UNION"
	    " SELECT owner FROM privacy_exceptions UNION"
	    " SELECT owner FROM blocks";
	sqlite3_stmt *st;
	int rc;

	if (srv_store__bind(s, &st, STMT_ONCE, sql, "") != 0)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		srv_store__restrict(s, (uint64_t)sqlite3_column_int64(st, 0));
	srv_store__end(st, STMT_ONCE);
	if (rc != SQLITE_DONE) {
		log_error("privacy owners: %s", sqlite3_errmsg(s->db));
		return ERR_DB;
	}
	return 0;
}

int
srv_store_open(struct srv_store **out, const char *dir,
    const uint8_t key[32], int full_sync)
{
	struct srv_store *s;
	char path[PATH_MAX];
	int n, r;

	*out = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", dir, SRV_STORE_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ERR_INVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	r = sqlc_open(&s->db, path, key, 1,
	    full_sync ? SQLC_SYNC_FULL : SQLC_SYNC_NORMAL);
	if (r != 0) {
		free(s);
		return r;
	}
	if ((r = srv_store__migrate(s->db)) != 0) {
		sqlc_close(s->db);
		free(s);
		return r;
	}
	if ((r = srv_store_restricted_load(s)) != 0) {
		sqlc_close(s->db);
		free(s);
		return r;
	}
	/*
	 * Every page read from the file is authenticated and decrypted:
	 * keep the hot part of the update logs and messages (64 MiB) in
	 * SQLite's cache of plaintext pages instead of the default 2 MiB.
	 */
	if (sqlite3_exec(s->db, "PRAGMA cache_size = -65536;", NULL, NULL,
	    NULL) != SQLITE_OK)
		log_warn("cache_size: %s", sqlite3_errmsg(s->db));
	*out = s;
	return 0;
}

void
srv_store_close(struct srv_store *s)
{
	int i;

	if (s == NULL)
		return;
	if (srv_store_commit(s) != 0)
		log_error("the last writes could not be committed");
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	for (i = 0; i < SRV_STMT_EXT_COUNT; i++)
		sqlite3_finalize(s->ext[i]);
	sqlc_close(s->db);
	srv_counter_clear(&s->pts);
	srv_counter_clear(&s->last_id);
	srv_counter_clear(&s->restricted);
	free(s);
}

/*
 * Binds st's parameters from fmt (srv_store_int.h, srv_store__bind).
 * 0, ERR_NOT_FOUND or ERR_DB.
 */
static int
srv_store_bindv(struct srv_store *s, sqlite3_stmt *st, const char *fmt,
    va_list ap)
{
	const void *p;
	sqlite3_int64 v;
	uint64_t u;
	size_t n;
	int i, k = 0, opt = 0, skip, rc = SQLITE_OK, r = 0;

	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		if (fmt[i] == '|') {
			opt = 1;
			continue;
		}
		k++;
		skip = opt && k > sqlite3_bind_parameter_count(st);
		switch (fmt[i]) {
		case 'i':
			v = va_arg(ap, sqlite3_int64);
			if (!skip)
				rc = sqlite3_bind_int64(st, k, v);
			break;
		case 'u':
			if ((u = va_arg(ap, uint64_t)) > INT64_MAX)
				r = ERR_NOT_FOUND;
			else if (!skip)
				rc = sqlite3_bind_int64(st, k,
				    (sqlite3_int64)u);
			break;
		case 't':
			p = va_arg(ap, const char *);
			if (!skip)
				rc = sqlite3_bind_text(st, k, p, -1,
				    SQLITE_STATIC);
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			if (!skip)
				rc = sqlite3_bind_blob(st, k, p, (int)n,
				    SQLITE_STATIC);
			break;
		case '-':
			break;
		default:
			log_error("bind: no letter '%c'", fmt[i]);
			return ERR_DB;
		}
		if (r != 0)
			return r;
	}
	if (rc != SQLITE_OK) {
		log_error("bind %d: %s", k, sqlite3_errmsg(s->db));
		return ERR_DB;
	}
	if (!opt && k != sqlite3_bind_parameter_count(st)) {
		log_error("bind: %d parameters for %s", k, sqlite3_sql(st));
		return ERR_DB;
	}
	return 0;
}

/* The slot that keeps which (NULL for STMT_ONCE), and its text. */
static sqlite3_stmt **
srv_store_slot(struct srv_store *s, enum srv_store__stmt which,
    const char **sql)
{
	int i = (int)which;

	if (i < STMT_COUNT) {
		*sql = srv_stmt_sql[i];
		return &s->stmt[i];
	}
	if (i > STMT_ONCE && i - STMT_ONCE - 1 < SRV_STMT_EXT_COUNT)
		return &s->ext[i - STMT_ONCE - 1];
	return NULL;
}

/* srv_store__bind with its arguments in ap. */
static int
srv_store_bindst(struct srv_store *s, sqlite3_stmt **out,
    enum srv_store__stmt which, const char *sql, const char *fmt,
    va_list ap)
{
	sqlite3_stmt **slot = srv_store_slot(s, which, &sql), *st = NULL;
	int r;

	*out = NULL;
	if (slot != NULL && *slot != NULL) {
		st = *slot;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		if (slot != NULL)
			log_error("prepare %d: %s", (int)which,
			    sqlite3_errmsg(s->db));
		else
			log_error("prepare: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		return ERR_DB;
	} else if (slot != NULL)
		*slot = st;
	if ((r = srv_store_bindv(s, st, fmt, ap)) != 0) {
		srv_store__end(st, which);
		return r;
	}
	*out = st;
	return 0;
}

int
srv_store__bind(struct srv_store *s, sqlite3_stmt **st,
    enum srv_store__stmt which, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = srv_store_bindst(s, st, which, sql, fmt, ap);
	va_end(ap);
	return r;
}

void
srv_store__end(sqlite3_stmt *st, enum srv_store__stmt which)
{
	if (st == NULL)
		return;
	if (which == STMT_ONCE)
		sqlite3_finalize(st);
	else
		sqlite3_reset(st);
}

static uint64_t
srv_store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether a write may be tried while the disk was last seen full. */
static int
srv_store_room(struct srv_store *s)
{
	struct statvfs vfs;
	const char *path = sqlite3_db_filename(s->db, "main");

	if (srv_store_now_ms() < s->full_retry)
		return 0;
	if (path == NULL || statvfs(path, &vfs) != 0)
		return 1;	/* cannot tell: let the write find out */
	return (uint64_t)vfs.f_bavail * vfs.f_frsize >= SRV_STORE_FULL_ROOM;
}

/*
 * ERR_NO_SPACE for a write that failed on a full disk (said once per
 * episode, with the path), else ERR_DB (said each time).
 */
static int
srv_store_fault(struct srv_store *s, int rc)
{
	if (sqlc_err(s->db, rc) != ERR_NO_SPACE) {
		log_error("step: %s", sqlite3_errmsg(s->db));
		return ERR_DB;
	}
	if (!s->full)
		log_error("no space left on the device holding %s: the "
		    "writes of this turn are rolled back and not "
		    "acknowledged, and writes are refused (ERR_NO_SPACE) "
		    "until there is room", sqlite3_db_filename(s->db, "main"));
	s->full = 1;
	s->full_retry = srv_store_now_ms() + SRV_STORE_FULL_RETRY_MS;
	/* SQLite may have ended the transaction: the turn goes back whole. */
	if (s->in_txn)
		s->doomed = 1;
	return ERR_NO_SPACE;
}

/* Runs a statement that returns no rows. 0, ERR_EXISTS, ERR_NO_SPACE or ERR_DB. */
int
srv_store__step_done(struct srv_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return ERR_EXISTS;
	return srv_store_fault(s, rc);
}

/* Opens the group transaction when none is open. */
int
srv_store__write(struct srv_store *s)
{
	sqlite3_stmt *st;

	int r;

	if (s->in_txn)
		return 0;
	if (s->full && !srv_store_room(s))
		return ERR_NO_SPACE;	/* not even tried: see struct */
	if (srv_store__bind(s, &st, STMT_BEGIN, NULL, "") != 0)
		return ERR_DB;
	if ((r = srv_store__step_done(s, st)) != 0)
		return r;
	s->in_txn = 1;
	return 0;
}

int
srv_store_pending(const struct srv_store *s)
{
	return s->in_txn;
}

int
srv_store_commit(struct srv_store *s)
{
	sqlite3_stmt *st;

	int r;

	if (!s->in_txn)
		return 0;
	s->in_txn = 0;
	if (s->doomed) {
		s->doomed = 0;
		log_error("a write failed half-way; rolling back the turn");
		if (!sqlite3_get_autocommit(s->db) &&
		    srv_store__bind(s, &st, STMT_ROLLBACK, NULL, "") == 0)
			(void)srv_store__step_done(s, st);
		srv_counter_clear(&s->pts);
		srv_counter_clear(&s->last_id);
		return s->full ? ERR_NO_SPACE : ERR_DB;
	}
	r = ERR_DB;
	if (srv_store__bind(s, &st, STMT_COMMIT, NULL, "") == 0 &&
	    (r = srv_store__step_done(s, st)) == 0) {
		if (s->full)
			log_info("there is room on the disk again: writes are "
			    "accepted");
		s->full = 0;
		return 0;
	}
	srv_counter_clear(&s->pts);
	srv_counter_clear(&s->last_id);
	log_error("commit failed; rolling back the turn's writes");
	/* SQLite may have rolled back by itself (SQLITE_FULL does). */
	if (!sqlite3_get_autocommit(s->db) &&
	    srv_store__bind(s, &st, STMT_ROLLBACK, NULL, "") == 0)
		(void)srv_store__step_done(s, st);
	return r == ERR_NO_SPACE ? r : ERR_DB;
}

void
srv_store__col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (t == NULL || n < 0)
		n = 0;
	if ((size_t)n >= cap)
		n = (int)cap - 1;
	if (n > 0)
		memcpy(out, t, (size_t)n);
	out[n] = '\0';
}

/* Steps a one-row lookup. 0 (row read by fn), ERR_NOT_FOUND or ERR_DB. */
int
srv_store__step_one(struct srv_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ERR_NOT_FOUND;
	log_error("lookup: %s", sqlite3_errmsg(s->db));
	return ERR_DB;
}

/* Runs one of the savepoint statements. 0 or ERR_DB. */
static int
srv_store_run(struct srv_store *s, enum srv_store__stmt which)
{
	sqlite3_stmt *st;

	return srv_store__bind(s, &st, which, NULL, "") == 0 &&
	    srv_store__step_done(s, st) == 0 ? 0 : ERR_DB;
}

int
srv_store_atomic_begin(struct srv_store *s)
{
	int r;

	if ((r = srv_store__write(s)) != 0)
		return r;
	return srv_store_run(s, STMT_SAVEPOINT);
}

int
srv_store_atomic_end(struct srv_store *s, int r)
{
	if (r != 0 && srv_store_run(s, STMT_ROLLBACK_TO) != 0)
		r = ERR_DB;
	if (srv_store_run(s, STMT_RELEASE) != 0)
		r = ERR_DB;
	return r;
}

int
srv_store_unit_begin(struct srv_store *s)
{
	return srv_store__write(s);
}

int
srv_store_unit_end(struct srv_store *s, int r)
{
	if (r != 0 && s->in_txn)
		s->doomed = 1;
	return r;
}

struct sqlite3 *
srv_store_sqlite(struct srv_store *s)
{
	return s->db;
}

uint64_t
srv_store__col_u64(sqlite3_stmt *st, int col)
{
	return (uint64_t)sqlite3_column_int64(st, col);
}

int
srv_store__ids(struct srv_store *s, enum srv_store__stmt which,
    const char *sql, const char *what, uint64_t **out, size_t *n,
    const char *fmt, ...)
{
	uint64_t *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	va_list ap;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	va_start(ap, fmt);
	r = srv_store_bindst(s, &st, which, sql, fmt, ap);
	va_end(ap);
	if (r != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			if (cap > SIZE_MAX / sizeof(*v) ||
			    (nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		v[len++] = srv_store__col_u64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		log_error("%s: %s", what, sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
out:
	srv_store__end(st, which);
	if (r != 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = len;
	return 0;
}

/*
 * Bumps the counter of key: read with get on first use (ERR_NOT_FOUND
 * when there is no such row), then kept in c.
 */
int
srv_store__counter(struct srv_store *s, struct srv_counters *c,
    enum srv_store__stmt get, uint64_t key, uint64_t *value)
{
	sqlite3_int64 v0;
	uint64_t *v, now;
	int r;

	if (key == 0 || key > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((v = srv_store__counter_get(c, key)) != NULL) {
		*value = ++*v;
		return 0;
	}
	if ((r = srv_store__one(s, get, NULL, &v0, "u", key)) != 0)
		return r;
	now = (uint64_t)v0 + 1;
	if ((r = srv_counter_put(c, key, now)) != 0)
		return r;
	*value = now;
	return 0;
}

int
srv_store__run(struct srv_store *s, enum srv_store__stmt which,
    const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = srv_store_bindst(s, &st, which, sql, fmt, ap);
	va_end(ap);
	if (r != 0)
		return r;
	if ((r = srv_store__write(s)) == 0)
		r = srv_store__step_done(s, st);
	srv_store__end(st, which);
	return r;
}

int
srv_store__one(struct srv_store *s, enum srv_store__stmt which,
    const char *sql, sqlite3_int64 *v, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = srv_store_bindst(s, &st, which, sql, fmt, ap);
	va_end(ap);
	if (r != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) == 0 && v != NULL)
		*v = sqlite3_column_int64(st, 0);
	srv_store__end(st, which);
	return r;
}
