/*
 * The profile database. Each piece of state of schema version 1 sits in a
 * one-row table (the row id is pinned to 1 by a CHECK), which keeps the
 * accessors simple and lets later versions add real tables (chats,
 * messages, outbox, secret sessions) beside them.
 *
 * Migrations are append-only: migration i takes user_version i to i + 1
 * and runs in one transaction with the version bump (db/sqlc.c).
 */
#include "store/store.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "db/sqlc.h"
#include "store/store_int.h"

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
	int purge;		/* indexed text was removed: see store_fts_purge */
};

static const char *const store_migrations[] = {
	/* 1: the device, its server, its account and its sync position. */
	"CREATE TABLE device ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  private_key BLOB NOT NULL,"
	"  public_key BLOB NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE server ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  addr TEXT NOT NULL DEFAULT '',"
	"  pinned_key BLOB,"
	"  pinned_at INTEGER);"
	"CREATE TABLE account ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  user_id INTEGER NOT NULL,"
	"  device_id INTEGER NOT NULL,"
	"  username TEXT NOT NULL,"
	"  display_name TEXT NOT NULL,"
	"  phone TEXT NOT NULL);"
	"CREATE TABLE sync_state ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  pts INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);",

	/*
	 * 2: cloud chats. messages keeps a rowid (beside its (chat_id, id)
	 * key) because the FTS4 index is an external-content index on it.
	 * The index is brought up to date lazily by store_search, from the
	 * rowid fts_state.indexed_rowid it last reached, so applying a page
	 * of messages costs no tokenising.
	 */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL,"
	"  display_name TEXT NOT NULL,"
	"  phone TEXT NOT NULL,"
	"  contact INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX users_username ON users (username);"
	"CREATE INDEX users_phone ON users (phone);"
	"CREATE INDEX users_contact ON users (contact, username);"
	"CREATE TABLE chats ("
	"  id INTEGER PRIMARY KEY,"
	"  kind INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  peer_id INTEGER NOT NULL DEFAULT 0,"
	"  creator_id INTEGER NOT NULL DEFAULT 0,"
	"  left INTEGER NOT NULL DEFAULT 0,"
	"  last_message_id INTEGER NOT NULL DEFAULT 0,"
	"  last_date INTEGER NOT NULL DEFAULT 0,"
	"  last_pts INTEGER NOT NULL DEFAULT 0,"
	"  read_inbox_max_id INTEGER NOT NULL DEFAULT 0,"
	"  read_outbox_max_id INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX chats_peer ON chats (peer_id);"
	"CREATE TABLE members ("
	"  chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL,"
	"  admin INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (chat_id, user_id));"
	"CREATE TABLE messages ("
	"  chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,"
	"  id INTEGER NOT NULL,"
	"  sender_id INTEGER NOT NULL,"
	"  random_id INTEGER NOT NULL DEFAULT 0,"
	"  text TEXT NOT NULL,"
	"  date INTEGER NOT NULL,"
	"  reply_to INTEGER NOT NULL DEFAULT 0,"
	"  edit_date INTEGER NOT NULL DEFAULT 0,"
	"  action INTEGER NOT NULL DEFAULT 0,"
	"  action_user_id INTEGER NOT NULL DEFAULT 0,"
	"  pts INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (chat_id, id));"
	"CREATE VIRTUAL TABLE message_fts USING fts4 (content=\"messages\","
	"  text);"
	"CREATE TABLE fts_state ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  indexed_rowid INTEGER NOT NULL);"
	"INSERT INTO fts_state (id, indexed_rowid) VALUES (1, 0);"
	"CREATE TABLE outbox ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  random_id INTEGER NOT NULL UNIQUE,"
	"  chat_id INTEGER NOT NULL DEFAULT 0,"
	"  to_user_id INTEGER NOT NULL DEFAULT 0,"
	"  peer TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  reply_to INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0);",
	/* 3: secret chats: this device's X3DH keys, sessions, messages. */
	"CREATE TABLE secret_identity ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  sk BLOB NOT NULL,"
	"  pub BLOB NOT NULL);"
	"CREATE TABLE secret_spk ("
	"  id INTEGER PRIMARY KEY,"
	"  priv BLOB NOT NULL,"
	"  pub BLOB NOT NULL,"
	"  sig BLOB NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE secret_opk ("
	"  id INTEGER PRIMARY KEY,"
	"  priv BLOB NOT NULL,"
	"  pub BLOB NOT NULL);"
	"CREATE TABLE secret_opk_max ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  max_id INTEGER NOT NULL);"
	"INSERT INTO secret_opk_max (id, max_id) VALUES (1, 0);"
	"CREATE TABLE secret_chats ("
	"  secret_id INTEGER NOT NULL,"
	"  peer_device INTEGER NOT NULL,"
	"  peer_user INTEGER NOT NULL,"
	"  peer_ik BLOB NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  ttl INTEGER NOT NULL DEFAULT 0,"
	"  initiator INTEGER NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  ek BLOB,"
	"  spk_id INTEGER NOT NULL DEFAULT 0,"
	"  opk_id INTEGER NOT NULL DEFAULT 0,"
	"  ratchet BLOB,"
	"  PRIMARY KEY (secret_id, peer_device));"
	"CREATE TABLE secret_messages ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  secret_id INTEGER NOT NULL,"
	"  random_id INTEGER NOT NULL,"
	"  out INTEGER NOT NULL,"
	"  service INTEGER NOT NULL DEFAULT 0,"
	"  text TEXT NOT NULL,"
	"  date INTEGER NOT NULL,"
	"  ttl INTEGER NOT NULL DEFAULT 0,"
	"  read_date INTEGER NOT NULL DEFAULT 0,"
	"  expires_at INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (secret_id, random_id, out));"
	"CREATE INDEX secret_messages_expiry ON secret_messages (expires_at)"
	"  WHERE expires_at != 0;"
	"CREATE TABLE secret_queue ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  qts INTEGER NOT NULL);"
	"INSERT INTO secret_queue (id, qts) VALUES (1, 0);",
	/*
	 * 4: the secret outbox (each envelope's exact ciphertext, kept until
	 * the server acknowledges it), a send state per message, and the
	 * last identity key seen for each peer device, which outlives the
	 * chats so that a closed chat's key still guards the next one.
	 */
	"ALTER TABLE secret_messages ADD COLUMN state INTEGER NOT NULL "
	"  DEFAULT 0;"
	"CREATE TABLE secret_outbox ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  secret_id INTEGER NOT NULL,"
	"  peer_device INTEGER NOT NULL,"
	"  random_id INTEGER NOT NULL,"
	"  msg_id INTEGER NOT NULL DEFAULT 0,"
	"  data BLOB NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (secret_id, random_id));"
	"CREATE TABLE secret_peer_keys ("
	"  peer_user INTEGER NOT NULL,"
	"  peer_device INTEGER NOT NULL,"
	"  peer_ik BLOB NOT NULL,"
	"  PRIMARY KEY (peer_user, peer_device));"
	"INSERT OR REPLACE INTO secret_peer_keys (peer_user, peer_device, "
	"  peer_ik) SELECT peer_user, peer_device, peer_ik FROM secret_chats;",
	/*
	 * 5: a secret chat's messages by id, so that a window of the newest
	 * (store_secret_msgs_before) and the last one are one index walk
	 * however long the chat is, and its unread messages, so that the
	 * chat list counts them without reading the others.
	 */
	"CREATE INDEX secret_messages_chat ON secret_messages (secret_id, id);"
	"CREATE INDEX secret_messages_unread ON secret_messages (secret_id)"
	"  WHERE out = 0 AND service = 0 AND read_date = 0;",
	/*
	 * 6: the identity-key changes not yet dismissed, so that the
	 * warning (and the chat the change closed) outlives the run.
	 */
	"CREATE TABLE secret_key_warnings ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  peer_user INTEGER NOT NULL,"
	"  peer_device INTEGER NOT NULL,"
	"  secret_id INTEGER NOT NULL,"
	"  date INTEGER NOT NULL);",
	/*
	 * 7: forwards (store/forward.c): what a cloud message that is a
	 * forward copy names (the original's date, its sender's name as it
	 * was, the sender's id when the server linked it), and which outbox
	 * rows are forwards of which message. Tables of their own, so that
	 * messages and outbox keep their columns; an outbox row's forward
	 * goes with it. IF NOT EXISTS: a database taken back to an older
	 * schema with these tables in it (a test does) migrates again.
	 */
	"CREATE TABLE IF NOT EXISTS forwards ("
	"  chat_id INTEGER NOT NULL,"
	"  message_id INTEGER NOT NULL,"
	"  orig_date INTEGER NOT NULL,"
	"  orig_sender_id INTEGER NOT NULL,"
	"  orig_name TEXT NOT NULL,"
	"  PRIMARY KEY (chat_id, message_id));"
	"CREATE TABLE IF NOT EXISTS outbox_forwards ("
	"  random_id INTEGER PRIMARY KEY,"
	"  from_chat_id INTEGER NOT NULL,"
	"  from_id INTEGER NOT NULL);"
	"CREATE TRIGGER IF NOT EXISTS outbox_forwards_gone AFTER DELETE"
	"  ON outbox BEGIN"
	"  DELETE FROM outbox_forwards WHERE random_id = OLD.random_id; END;"
	"CREATE TRIGGER IF NOT EXISTS forwards_gone AFTER DELETE"
	"  ON messages BEGIN"
	"  DELETE FROM forwards WHERE chat_id = OLD.chat_id"
	"    AND message_id = OLD.id; END;",
};

/* The database handle, for the store's other files (store/store_int.h). */
sqlite3 *
store__db(struct store *s)
{
	return s->db;
}

#define STORE_NMIGRATIONS \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

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
	if ((r = sqlc_migrate(s->db, store_migrations, STORE_NMIGRATIONS)) != 0)
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

static int store_flush_last(struct store *);
static int store_fts_purge(struct store *);

/* Prepares sql; 0 or ERR_DB. */
static int
store_prepare(struct store *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return ERR_DB;
	}
	return 0;
}

/* Steps a statement that returns no rows and finalizes it. */
static int
store_step_done(sqlite3_stmt *st)
{
	int rc, r;

	rc = sqlite3_step(st);
	r = sqlc_err(sqlite3_db_handle(st), rc);
	sqlite3_finalize(st);
	return r == 0 && rc != SQLITE_DONE ? ERR_DB : r;
}

/* Copies a blob column of exactly len bytes into out. */
static int
store_column_key(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
	const void *p;

	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    (size_t)sqlite3_column_bytes(st, col) != len ||
	    (p = sqlite3_column_blob(st, col)) == NULL)
		return ERR_DB;
	memcpy(out, p, len);
	return 0;
}

/* A heap copy of a text column ("" for NULL); NULL when out of memory. */
static char *
store_column_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	if (t != NULL)
		memcpy(p, t, n);
	p[t != NULL ? n : 0] = '\0';
	return p;
}

int
store_get_device_key(struct store *s, uint8_t priv[STORE_PUBKEY_LEN],
    uint8_t pub[STORE_PUBKEY_LEN])
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = store_prepare(s, &st, "SELECT private_key, public_key "
	    "FROM device WHERE id = 1;")) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = ERR_DB;
		goto out;
	}
	if ((r = store_column_key(st, 0, priv, STORE_PUBKEY_LEN)) != 0)
		goto out;
	if (pub != NULL &&
	    (r = store_column_key(st, 1, pub, STORE_PUBKEY_LEN)) != 0)
		goto out;
out:
	/* SQLite's own copy of the row goes with the statement. */
	sqlite3_finalize(st);
	if (r != 0)
		sec_wipe(priv, STORE_PUBKEY_LEN);
	return r;
}

int
store_set_device_key(struct store *s, const uint8_t priv[STORE_PUBKEY_LEN],
    const uint8_t pub[STORE_PUBKEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_prepare(s, &st, "INSERT OR REPLACE INTO device "
	    "(id, private_key, public_key, created) VALUES (1, ?, ?, ?);")) != 0)
		return r;
	if (sqlite3_bind_blob(st, 1, priv, STORE_PUBKEY_LEN,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, pub, STORE_PUBKEY_LEN,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL)) != SQLITE_OK) {
		sqlite3_finalize(st);
		return ERR_DB;
	}
	return store_step_done(st);
}

int
store_get_server(struct store *s, struct store_server *srv)
{
	sqlite3_stmt *st;
	const unsigned char *addr;
	int r = 0, rc;

	memset(srv, 0, sizeof(*srv));
	if ((r = store_prepare(s, &st, "SELECT addr, pinned_key FROM server "
	    "WHERE id = 1;")) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		goto out;
	if (rc != SQLITE_ROW) {
		r = ERR_DB;
		goto out;
	}
	if ((addr = sqlite3_column_text(st, 0)) != NULL &&
	    strlen((const char *)addr) < sizeof(srv->addr))
		memcpy(srv->addr, addr, strlen((const char *)addr) + 1);
	if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
		if ((r = store_column_key(st, 1, srv->key,
		    sizeof(srv->key))) != 0)
			goto out;
		srv->has_key = 1;
	}
out:
	sqlite3_finalize(st);
	return r;
}

/*
 * Makes sure the server row exists, so that its columns can be updated one
 * at a time (SQLCipher 3.4's SQLite 3.15 has no UPSERT).
 */
static int
store_server_row(struct store *s)
{
	return sqlc_exec(s->db, "INSERT OR IGNORE INTO server (id) VALUES (1);");
}

int
store_set_server_addr(struct store *s, const char *addr)
{
	sqlite3_stmt *st;
	int r;

	if (addr == NULL || *addr == '\0' || strlen(addr) >= STORE_ADDR_MAX)
		return ERR_INVAL;
	if ((r = store_server_row(s)) != 0 ||
	    (r = store_prepare(s, &st, "UPDATE server SET addr = ? "
	    "WHERE id = 1;")) != 0)
		return r;
	if (sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		sqlite3_finalize(st);
		return ERR_DB;
	}
	return store_step_done(st);
}

int
store_set_server_key(struct store *s, const uint8_t key[STORE_PUBKEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_server_row(s)) != 0 ||
	    (r = store_prepare(s, &st, "UPDATE server SET pinned_key = ?, "
	    "pinned_at = ? WHERE id = 1;")) != 0)
		return r;
	if (sqlite3_bind_blob(st, 1, key, STORE_PUBKEY_LEN,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL)) != SQLITE_OK) {
		sqlite3_finalize(st);
		return ERR_DB;
	}
	return store_step_done(st);
}

void
store_account_free(struct store_account *a)
{
	if (a == NULL)
		return;
	free(a->username);
	free(a->display_name);
	free(a->phone);
	memset(a, 0, sizeof(*a));
}

int
store_get_account(struct store *s, struct store_account *a)
{
	sqlite3_stmt *st;
	int r = 0, rc;

	memset(a, 0, sizeof(*a));
	if ((r = store_prepare(s, &st, "SELECT user_id, device_id, username, "
	    "display_name, phone FROM account WHERE id = 1;")) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = ERR_DB;
		goto out;
	}
	a->user_id = (uint64_t)sqlite3_column_int64(st, 0);
	a->device_id = (uint64_t)sqlite3_column_int64(st, 1);
	if ((a->username = store_column_strdup(st, 2)) == NULL ||
	    (a->display_name = store_column_strdup(st, 3)) == NULL ||
	    (a->phone = store_column_strdup(st, 4)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
out:
	sqlite3_finalize(st);
	if (r != 0)
		store_account_free(a);
	return r;
}

int
store_set_account(struct store *s, const struct store_account *a)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_prepare(s, &st, "INSERT OR REPLACE INTO account "
	    "(id, user_id, device_id, username, display_name, phone) "
	    "VALUES (1, ?, ?, ?, ?, ?);")) != 0)
		return r;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)a->user_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)a->device_id) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(st, 3, a->username != NULL ? a->username : "",
	    -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, a->display_name != NULL ?
	    a->display_name : "", -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, a->phone != NULL ? a->phone : "", -1,
	    SQLITE_TRANSIENT) != SQLITE_OK) {
		sqlite3_finalize(st);
		return ERR_DB;
	}
	return store_step_done(st);
}

int
store_clear_account(struct store *s)
{
	int r;

	s->nlast = 0;
	s->purge = 0;
	if ((r = sqlc_exec(s->db, "BEGIN IMMEDIATE;")) != 0)
		return r;
	if ((r = sqlc_exec(s->db, "DELETE FROM account;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM outbox;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM members;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM messages;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM forwards;")) != 0 ||
	    /* Rebuilt from the now empty messages: no term is left. */
	    (r = sqlc_exec(s->db, "INSERT INTO message_fts (message_fts) "
	    "VALUES ('rebuild');")) != 0 ||
	    (r = sqlc_exec(s->db, "UPDATE fts_state SET indexed_rowid = 0;"))
	    != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM chats;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM users;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM sync_state;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM device;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_outbox;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_peer_keys;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_key_warnings;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_messages;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_chats;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_opk;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_spk;")) != 0 ||
	    (r = sqlc_exec(s->db, "DELETE FROM secret_identity;")) != 0 ||
	    (r = sqlc_exec(s->db, "UPDATE secret_queue SET qts = 0;")) != 0 ||
	    (r = sqlc_exec(s->db, "COMMIT;")) != 0) {
		(void)sqlc_exec(s->db, "ROLLBACK;");
		return r;
	}
	return 0;
}

int
store_get_pts(struct store *s, uint64_t *pts)
{
	sqlite3_stmt *st;
	int r = 0, rc;

	*pts = 0;
	if ((r = store_prepare(s, &st, "SELECT pts FROM sync_state "
	    "WHERE id = 1;")) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*pts = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		r = ERR_DB;
	sqlite3_finalize(st);
	return r;
}

int
store_set_pts(struct store *s, uint64_t pts)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_prepare(s, &st, "INSERT OR REPLACE INTO sync_state "
	    "(id, pts) VALUES (1, ?);")) != 0)
		return r;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)pts) != SQLITE_OK) {
		sqlite3_finalize(st);
		return ERR_DB;
	}
	return store_step_done(st);
}

/* ------------------------------------------------------------ cloud chats */

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
 * The kept statement i, reset and ready for new bindings: prepared on first
 * use and finalized by store_close. NULL when it does not prepare.
 */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt i)
{
	if (s->st[i] == NULL) {
		if (sqlite3_prepare_v2(s->db, store_sql[i], -1, &s->st[i],
		    NULL) != SQLITE_OK) {
			s->st[i] = NULL;
			return NULL;
		}
	} else
		sqlite3_reset(s->st[i]);
	return s->st[i];
}

/* Resets st so that it holds no lock or borrowed string between calls. */
static void
store_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

#define BIND_I64(st, i, v) \
	(sqlite3_bind_int64((st), (i), (sqlite3_int64)(v)) == SQLITE_OK)
/* Borrowed strings: the statement is stepped and reset within the call. */
#define BIND_STR(st, i, v) \
	(sqlite3_bind_text((st), (i), (v) != NULL ? (v) : "", -1, \
	SQLITE_STATIC) == SQLITE_OK)
#define COL_U64(st, i) ((uint64_t)sqlite3_column_int64((st), (i)))
#define COL_STR(st, i) \
	((char *)(sqlite3_column_text((st), (i)) != NULL ? \
	(const char *)sqlite3_column_text((st), (i)) : ""))

/* Steps a kept statement that returns no rows, then resets it. */
static int
store_run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st), r = sqlc_err(sqlite3_db_handle(st), rc);

	store_done(st);
	return r == 0 && rc != SQLITE_DONE ? ERR_DB : r;
}

/*
 * A savepoint around the multi-statement writes, so that they are atomic
 * both on their own and inside store_begin's transaction.
 */
static int
store_sp_begin(struct store *s)
{
	return sqlc_exec(s->db, "SAVEPOINT store_op;");
}

static int
store_sp_end(struct store *s, int r)
{
	if (r == 0 && (r = sqlc_exec(s->db, "RELEASE store_op;")) == 0)
		return 0;
	(void)sqlc_exec(s->db, "ROLLBACK TO store_op;");
	(void)sqlc_exec(s->db, "RELEASE store_op;");
	return r;
}

/*
 * Writes the remembered newest messages into their chats (only where newer
 * than what the chat has) and forgets them. 0 or ERR_DB.
 */
static int
store_flush_last(struct store *s)
{
	sqlite3_stmt *st;
	size_t i;
	int r;

	for (i = 0; i < s->nlast; i++) {
		if ((st = store_stmt(s, ST_CHAT_LAST)) == NULL)
			return ERR_DB;
		if (!BIND_I64(st, 1, s->last[i].id) ||
		    !BIND_I64(st, 2, s->last[i].date) ||
		    !BIND_I64(st, 3, s->last[i].pts) ||
		    !BIND_I64(st, 4, s->last[i].chat_id)) {
			store_done(st);
			return ERR_DB;
		}
		if ((r = store_run(st)) != 0)
			return r;
	}
	s->nlast = 0;
	return 0;
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
	if ((r = store_flush_last(s)) != 0 || (r = store_fts_purge(s)) != 0)
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

/* ------------------------------------------------------------------ users */

/* Fills u from a row of (id, username, display_name, phone, contact). */
static void
store_user_row(sqlite3_stmt *st, struct store_user *u)
{
	u->id = COL_U64(st, 0);
	u->username = COL_STR(st, 1);
	u->display_name = COL_STR(st, 2);
	u->phone = COL_STR(st, 3);
	u->contact = sqlite3_column_int(st, 4) != 0;
}

/* Runs a user lookup and gives *u its own copies of the strings. */
static int
store_user_get(sqlite3_stmt *st, struct store_user *u)
{
	struct store_user b;
	int rc, r = 0;

	memset(u, 0, sizeof(*u));
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else {
		store_user_row(st, &b);
		u->id = b.id;
		u->contact = b.contact;
		if ((u->username = strdup(b.username)) == NULL ||
		    (u->display_name = strdup(b.display_name)) == NULL ||
		    (u->phone = strdup(b.phone)) == NULL) {
			store_user_free(u);
			r = ERR_NOMEM;
		}
	}
	store_done(st);
	return r;
}

int
store_put_user(struct store *s, const struct store_user *u)
{
	sqlite3_stmt *st;
	int i, r;

	/* Insert, or else update only where the stored row differs. */
	for (i = 0; i < 2; i++) {
		if ((st = store_stmt(s, i == 0 ? ST_INS_USER : ST_UPD_USER)) ==
		    NULL)
			return ERR_DB;
		if (!BIND_I64(st, 1, u->id) || !BIND_STR(st, 2, u->username) ||
		    !BIND_STR(st, 3, u->display_name) ||
		    !BIND_STR(st, 4, u->phone) ||
		    !BIND_I64(st, 5, u->contact != 0)) {
			store_done(st);
			return ERR_DB;
		}
		if ((r = store_run(st)) != 0 || sqlite3_changes(s->db) > 0)
			return r;
	}
	return 0;
}

int
store_get_user(struct store *s, uint64_t id, struct store_user *u)
{
	sqlite3_stmt *st;

	memset(u, 0, sizeof(*u));
	if ((st = store_stmt(s, ST_GET_USER)) == NULL || !BIND_I64(st, 1, id)) {
		store_done(st);
		return ERR_DB;
	}
	return store_user_get(st, u);
}

int
store_find_user(struct store *s, const char *username, struct store_user *u)
{
	sqlite3_stmt *st;

	memset(u, 0, sizeof(*u));
	if (username == NULL || *username == '\0')
		return ERR_NOT_FOUND;
	if ((st = store_stmt(s, ST_FIND_USER)) == NULL ||
	    !BIND_STR(st, 1, username)) {
		store_done(st);
		return ERR_DB;
	}
	return store_user_get(st, u);
}

int
store_find_user_by_phone(struct store *s, const char *phone,
    struct store_user *u)
{
	sqlite3_stmt *st;

	memset(u, 0, sizeof(*u));
	if (phone == NULL || *phone == '\0')
		return ERR_NOT_FOUND;
	if ((st = store_stmt(s, ST_FIND_PHONE)) == NULL ||
	    !BIND_STR(st, 1, phone)) {
		store_done(st);
		return ERR_DB;
	}
	return store_user_get(st, u);
}

void
store_user_free(struct store_user *u)
{
	if (u == NULL)
		return;
	free(u->username);
	free(u->display_name);
	free(u->phone);
	memset(u, 0, sizeof(*u));
}

int
store_set_contact(struct store *s, uint64_t user_id, int contact)
{
	sqlite3_stmt *st;
	int r;

	if ((st = store_stmt(s, ST_SET_CONTACT)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, contact != 0) || !BIND_I64(st, 2, user_id)) {
		store_done(st);
		return ERR_DB;
	}
	if ((r = store_run(st)) != 0)
		return r;
	return sqlite3_changes(s->db) > 0 ? 0 : ERR_NOT_FOUND;
}

int
store_list_contacts(struct store *s, store_user_fn *fn, void *ud)
{
	struct store_user u;
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((st = store_stmt(s, ST_LIST_CONTACTS)) == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_user_row(st, &u);
		if ((r = fn(ud, &u)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ERR_DB;
	store_done(st);
	return r;
}

/* ------------------------------------------------------------------ chats */

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
	store_done(st);
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
	if ((st = store_stmt(s, ST_INS_CHAT)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, c->id) || !BIND_I64(st, 2, c->kind) ||
	    !BIND_STR(st, 3, c->title) || !BIND_I64(st, 4, c->peer_id) ||
	    !BIND_I64(st, 5, c->creator_id) || !BIND_I64(st, 6, c->left != 0) ||
	    !BIND_I64(st, 7, c->read_inbox_max_id) ||
	    !BIND_I64(st, 8, c->read_outbox_max_id)) {
		store_done(st);
		return ERR_DB;
	}
	if ((r = store_run(st)) != 0)
		return r;
	if (sqlite3_changes(s->db) > 0) {
		*changed = 1;
		return 0;
	}
	if ((st = store_stmt(s, ST_UPD_CHAT)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, c->kind) || !BIND_STR(st, 2, c->title) ||
	    !BIND_I64(st, 3, c->peer_id) || !BIND_I64(st, 4, c->creator_id) ||
	    !BIND_I64(st, 5, c->id)) {
		store_done(st);
		return ERR_DB;
	}
	if ((r = store_run(st)) != 0)
		return r;
	*changed = sqlite3_changes(s->db) > 0;
	return 0;
}

int
store_get_chat(struct store *s, uint64_t id, struct store_chat *c)
{
	sqlite3_stmt *st;

	memset(c, 0, sizeof(*c));
	if (store_flush_last(s) != 0)
		return ERR_DB;
	if ((st = store_stmt(s, ST_GET_CHAT)) == NULL || !BIND_I64(st, 1, id)) {
		store_done(st);
		return ERR_DB;
	}
	return store_chat_get(st, c);
}

int
store_find_chat_by_peer(struct store *s, uint64_t peer_id,
    struct store_chat *c)
{
	sqlite3_stmt *st;

	memset(c, 0, sizeof(*c));
	if (store_flush_last(s) != 0)
		return ERR_DB;
	if ((st = store_stmt(s, ST_FIND_CHAT)) == NULL ||
	    !BIND_I64(st, 1, peer_id)) {
		store_done(st);
		return ERR_DB;
	}
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

	if ((r = store_flush_last(s)) != 0)
		return r;
	if ((st = store_stmt(s, ST_LIST_CHATS)) == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_chat_row(st, &c);
		if ((r = fn(ud, &c)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ERR_DB;
	store_done(st);
	return r;
}

int
store_set_read_inbox(struct store *s, uint64_t chat_id, uint64_t max_id)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_READ_IN)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, max_id) || !BIND_I64(st, 2, chat_id)) {
		store_done(st);
		return ERR_DB;
	}
	return store_run(st);
}

int
store_set_read_outbox(struct store *s, uint64_t chat_id, uint64_t max_id)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_READ_OUT)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, max_id) || !BIND_I64(st, 2, chat_id)) {
		store_done(st);
		return ERR_DB;
	}
	return store_run(st);
}

/* ---------------------------------------------------------------- members */

static int
store_members_apply(struct store *s, uint64_t chat_id, uint64_t self,
    const uint64_t *ids, const int *is_admin, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int r, rc, in = 0;

	if ((st = store_stmt(s, ST_DEL_MEMBERS)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, chat_id)) {
		store_done(st);
		return ERR_DB;
	}
	if ((r = store_run(st)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (ids[i] == self)
			in = 1;
		if ((st = store_stmt(s, ST_INS_MEMBER)) == NULL)
			return ERR_DB;
		if (!BIND_I64(st, 1, chat_id) || !BIND_I64(st, 2, ids[i]) ||
		    !BIND_I64(st, 3, is_admin != NULL && is_admin[i] != 0)) {
			store_done(st);
			return ERR_DB;
		}
		rc = sqlite3_step(st);
		store_done(st);
		/* The chat is the parent of its members (foreign key). */
		if (rc == SQLITE_CONSTRAINT)
			return ERR_NOT_FOUND;
		if (rc != SQLITE_DONE)
			return ERR_DB;
	}
	if ((st = store_stmt(s, ST_SET_LEFT)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, !in) || !BIND_I64(st, 2, chat_id)) {
		store_done(st);
		return ERR_DB;
	}
	if ((r = store_run(st)) != 0)
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
	if ((r = store_sp_begin(s)) != 0)
		return r;
	return store_sp_end(s, store_members_apply(s, chat_id, self, ids,
	    is_admin, n));
}

int
store_list_members(struct store *s, uint64_t chat_id, store_member_fn *fn,
    void *ud)
{
	struct store_member m;
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((st = store_stmt(s, ST_LIST_MEMBERS)) == NULL ||
	    !BIND_I64(st, 1, chat_id)) {
		store_done(st);
		return ERR_DB;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m.user_id = COL_U64(st, 0);
		m.admin = sqlite3_column_int(st, 1) != 0;
		if ((r = fn(ud, &m)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ERR_DB;
	store_done(st);
	return r;
}

/* --------------------------------------------------------------- messages */

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

	if ((r = store_prepare(s, &st, "SELECT sender_id = ?3 AND random_id = "
	    "?4 AND date = ?5 FROM messages WHERE chat_id = ?1 AND id = ?2;"))
	    != 0)
		return r;
	if (!BIND_I64(st, 1, m->chat_id) || !BIND_I64(st, 2, m->id) ||
	    !BIND_I64(st, 3, m->sender_id) || !BIND_I64(st, 4, m->random_id) ||
	    !BIND_I64(st, 5, m->date)) {
		sqlite3_finalize(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	same = rc != SQLITE_ROW || sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ERR_DB;
	if (same)
		return 0;
	if ((r = store_prepare(s, &st, "UPDATE messages SET id = (SELECT "
	    "max(?3 + ?2, max(id) + 1) FROM messages WHERE chat_id = ?1) "
	    "WHERE chat_id = ?1 AND id = ?2;")) != 0)
		return r;
	if (!BIND_I64(st, 1, m->chat_id) || !BIND_I64(st, 2, m->id) ||
	    !BIND_I64(st, 3, STORE_ASIDE_BASE) || store_step_done(st) != 0 ||
	    sqlite3_changes(s->db) != 1)
		return ERR_DB;
	if ((r = store_prepare(s, &st, "UPDATE chats SET last_message_id = "
	    "?2 - 1 WHERE id = ?1 AND last_message_id >= ?2;")) != 0)
		return r;
	if (!BIND_I64(st, 1, m->chat_id) || !BIND_I64(st, 2, m->id) ||
	    store_step_done(st) != 0)
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
	if ((st = store_stmt(s, ST_INS_MSG)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, m->chat_id) || !BIND_I64(st, 2, m->id) ||
	    !BIND_I64(st, 3, m->sender_id) || !BIND_I64(st, 4, m->random_id) ||
	    !BIND_STR(st, 5, m->text) || !BIND_I64(st, 6, m->date) ||
	    !BIND_I64(st, 7, m->reply_to) || !BIND_I64(st, 8, m->edit_date) ||
	    !BIND_I64(st, 9, m->action) ||
	    !BIND_I64(st, 10, m->action_user_id) || !BIND_I64(st, 11, pts)) {
		store_done(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	store_done(st);
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
		    (r = store_flush_last(s)) != 0)
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
		return store_flush_last(s);
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
static int
store_message_rows(sqlite3_stmt *st, store_message_fn *fn, void *ud)
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
	store_done(st);
	return r;
}

/* SQLite's LIMIT for a limit of 0 meaning "all". */
static sqlite3_int64
store_limit(uint64_t limit)
{
	return limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit;
}

int
store_list_messages(struct store *s, uint64_t chat_id, uint64_t limit,
    store_message_fn *fn, void *ud)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_LIST_MSGS)) == NULL ||
	    !BIND_I64(st, 1, chat_id) || !BIND_I64(st, 2, store_limit(limit))) {
		store_done(st);
		return ERR_DB;
	}
	return store_message_rows(st, fn, ud);
}

int
store_list_messages_before(struct store *s, uint64_t chat_id,
    uint64_t before_id, uint64_t limit, store_message_fn *fn, void *ud)
{
	sqlite3_stmt *st;

	/* Ids above INT64_MAX would compare as negative: 0 means newest. */
	if (before_id == 0 || before_id > INT64_MAX)
		before_id = INT64_MAX;
	if ((st = store_stmt(s, ST_LIST_BEFORE)) == NULL ||
	    !BIND_I64(st, 1, chat_id) || !BIND_I64(st, 2, before_id) ||
	    !BIND_I64(st, 3, store_limit(limit))) {
		store_done(st);
		return ERR_DB;
	}
	return store_message_rows(st, fn, ud);
}

int
store_get_message(struct store *s, uint64_t chat_id, uint64_t id,
    struct store_message *m)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(m, 0, sizeof(*m));
	if ((st = store_stmt(s, ST_GET_MSG)) == NULL ||
	    !BIND_I64(st, 1, chat_id) || !BIND_I64(st, 2, id)) {
		store_done(st);
		return ERR_DB;
	}
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
	store_done(st);
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

/* The rowid up to which message_fts is up to date. */
static int
store_fts_mark(struct store *s, sqlite3_int64 *mark)
{
	sqlite3_stmt *st;
	int r = 0;

	if ((st = store_stmt(s, ST_FTS_MARK)) == NULL)
		return ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW)
		*mark = sqlite3_column_int64(st, 0);
	else
		r = ERR_DB;
	store_done(st);
	return r;
}

static int
store_fts_set_mark(struct store *s, sqlite3_int64 mark)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_FTS_SETMARK)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, mark)) {
		store_done(st);
		return ERR_DB;
	}
	return store_run(st);
}

/*
 * Adds text as rowid's to the FTS index (ins), or removes rowid's current
 * text from it (!ins, text unused): before the row changes or goes.
 */
static int
store_fts_row(struct store *s, int ins, sqlite3_int64 rowid, const char *text)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ins ? ST_FTS_INS : ST_FTS_DEL)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, rowid) || (ins && !BIND_STR(st, 2, text))) {
		store_done(st);
		return ERR_DB;
	}
	return store_run(st);
}

/* Finds (chat_id, id): its rowid in *rowid. ERR_NOT_FOUND. */
static int
store_msg_rowid(struct store *s, uint64_t chat_id, uint64_t id,
    sqlite3_int64 *rowid)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((st = store_stmt(s, ST_MSG_ROWID)) == NULL ||
	    !BIND_I64(st, 1, chat_id) || !BIND_I64(st, 2, id)) {
		store_done(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else
		*rowid = sqlite3_column_int64(st, 0);
	store_done(st);
	return r;
}

/*
 * Merges the FTS index into one segment after indexed text was removed
 * (s->purge), so that the old terms do not linger in the file
 * (secure_delete then zeroes the freed pages). It rewrites the whole
 * index (about 75 ms at 100,000 messages), so it runs once per
 * transaction, at store_commit, or at once outside a transaction.
 */
static int
store_fts_purge(struct store *s)
{
	int r;

	if (!s->purge)
		return 0;
	if ((r = sqlc_exec(s->db, "INSERT INTO message_fts (message_fts) "
	    "VALUES ('optimize');")) == 0)
		s->purge = 0;
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
	if ((r = store_fts_mark(s, &mark)) != 0)
		return r;
	indexed = rowid <= mark;
	if (indexed && (r = store_fts_row(s, 0, rowid, NULL)) != 0)
		return r;
	if ((st = store_stmt(s, ST_UPD_MSG)) == NULL)
		return ERR_DB;
	if (!BIND_STR(st, 1, m->text) || !BIND_I64(st, 2, m->edit_date) ||
	    !BIND_I64(st, 3, rowid)) {
		store_done(st);
		return ERR_DB;
	}
	if ((r = store_run(st)) != 0)
		return r;
	if (indexed) {
		if ((r = store_fts_row(s, 1, rowid, m->text)) != 0)
			return r;
		s->purge = 1;
	}
	return 0;
}

int
store_edit_message(struct store *s, const struct store_message *m)
{
	int r;

	if ((r = store_sp_begin(s)) != 0)
		return r;
	if ((r = store_sp_end(s, store_edit_apply(s, m))) != 0)
		return r;
	return sqlite3_get_autocommit(s->db) ? store_fts_purge(s) : 0;
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
	if ((r = store_flush_last(s)) != 0 ||
	    (r = store_fts_mark(s, &mark)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = store_msg_rowid(s, chat_id, ids[i], &rowid)) ==
		    ERR_NOT_FOUND)
			continue;
		if (r != 0)
			goto out;
		if (rowid <= mark) {
			if ((r = store_fts_row(s, 0, rowid, NULL)) != 0)
				goto out;
			purge = 1;
		}
		if ((st = store_stmt(s, ST_DEL_MSG)) == NULL) {
			r = ERR_DB;
			goto out;
		}
		if (!BIND_I64(st, 1, rowid)) {
			store_done(st);
			r = ERR_DB;
			goto out;
		}
		if ((r = store_run(st)) != 0)
			goto out;
	}
	if (purge)
		s->purge = 1;
	/*
	 * SQLite gives a new row max(rowid) + 1, so a rowid freed at the top
	 * is handed out again: keep the mark below the rows still to index.
	 */
	if ((st = store_stmt(s, ST_FTS_MAXROWID)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_done(st);
		r = ERR_DB;
		goto out;
	}
	maxrow = sqlite3_column_int64(st, 0);
	store_done(st);
	if (maxrow < mark && (r = store_fts_set_mark(s, maxrow)) != 0)
		goto out;
	if ((st = store_stmt(s, ST_CHAT_RELAST)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	if (!BIND_I64(st, 1, chat_id)) {
		store_done(st);
		r = ERR_DB;
		goto out;
	}
	r = store_run(st);
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
	if ((r = store_sp_begin(s)) != 0)
		return r;
	if ((r = store_sp_end(s, store_delete_apply(s, chat_id, ids, n))) != 0)
		return r;
	return sqlite3_get_autocommit(s->db) ? store_fts_purge(s) : 0;
}

/*
 * Brings message_fts up to date with the rows added since it last was,
 * or by at most rows rowids when rows is not 0; *left (may be NULL) says
 * whether newer rows still wait.
 */
static int
store_fts_catch_up(struct store *s, uint64_t rows, int *left)
{
	sqlite3_stmt *st;
	sqlite3_int64 mark, maxrow, upto;
	int r;

	if (left != NULL)
		*left = 0;
	if ((r = store_fts_mark(s, &mark)) != 0)
		return r;
	if ((st = store_stmt(s, ST_FTS_MAXROWID)) == NULL)
		return ERR_DB;
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_done(st);
		return ERR_DB;
	}
	maxrow = sqlite3_column_int64(st, 0);
	store_done(st);
	if (maxrow <= mark)
		return 0;
	upto = maxrow;
	if (rows != 0 && (uint64_t)(maxrow - mark) > rows) {
		upto = mark + (sqlite3_int64)rows;
		if (left != NULL)
			*left = 1;
	}
	if ((st = store_stmt(s, ST_FTS_CATCHUP)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, mark) || !BIND_I64(st, 2, upto)) {
		store_done(st);
		return ERR_DB;
	}
	if ((r = store_run(st)) != 0)
		return r;
	return store_fts_set_mark(s, upto);
}

int
store_fts_index_some(struct store *s, uint64_t rows, int *left)
{
	int r;

	*left = 0;
	if ((r = store_sp_begin(s)) != 0)
		return r;
	return store_sp_end(s, store_fts_catch_up(s, rows, left));
}

int
store_search(struct store *s, uint64_t chat_id, const char *query,
    uint64_t limit, store_message_fn *fn, void *ud)
{
	sqlite3_stmt *st;
	int r;

	if (query == NULL || *query == '\0')
		return ERR_INVAL;
	if ((r = store_sp_begin(s)) != 0)
		return r;
	if ((r = store_sp_end(s, store_fts_catch_up(s, 0, NULL))) != 0)
		return r;
	if ((st = store_stmt(s, ST_SEARCH)) == NULL ||
	    !BIND_STR(st, 1, query) || !BIND_I64(st, 2, chat_id) ||
	    !BIND_I64(st, 3, store_limit(limit))) {
		store_done(st);
		return ERR_DB;
	}
	return store_message_rows(st, fn, ud);
}

/* ----------------------------------------------------------------- outbox */

int
store_outbox_add(struct store *s, const struct store_outbox *o)
{
	sqlite3_stmt *st;
	int rc;

	if (o->random_id == 0)
		return ERR_INVAL;
	if ((st = store_stmt(s, ST_OB_ADD)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, o->random_id) || !BIND_I64(st, 2, o->chat_id) ||
	    !BIND_I64(st, 3, o->to_user_id) || !BIND_STR(st, 4, o->peer) ||
	    !BIND_STR(st, 5, o->text) || !BIND_I64(st, 6, o->reply_to) ||
	    !BIND_I64(st, 7, o->created) || !BIND_I64(st, 8, o->attempts)) {
		store_done(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	store_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return ERR_EXISTS;
	return rc == SQLITE_DONE ? 0 : sqlc_err(s->db, rc);
}

int
store_outbox_first(struct store *s, struct store_outbox *o)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(o, 0, sizeof(*o));
	if ((st = store_stmt(s, ST_OB_FIRST)) == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else {
		o->random_id = COL_U64(st, 0);
		o->chat_id = COL_U64(st, 1);
		o->to_user_id = COL_U64(st, 2);
		o->reply_to = COL_U64(st, 5);
		o->created = COL_U64(st, 6);
		o->attempts = (unsigned)sqlite3_column_int64(st, 7);
		if ((o->peer = strdup(COL_STR(st, 3))) == NULL ||
		    (o->text = strdup(COL_STR(st, 4))) == NULL) {
			store_outbox_free(o);
			r = ERR_NOMEM;
		}
	}
	store_done(st);
	return r;
}

int
store_outbox_has(struct store *s, uint64_t random_id, int *queued)
{
	sqlite3_stmt *st;
	int rc;

	*queued = 0;
	if ((st = store_stmt(s, ST_OB_HAS)) == NULL ||
	    !BIND_I64(st, 1, random_id)) {
		store_done(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	store_done(st);
	if (rc == SQLITE_ROW)
		*queued = 1;
	else if (rc != SQLITE_DONE)
		return ERR_DB;
	return 0;
}

int
store_outbox_count(struct store *s, uint64_t *n)
{
	sqlite3_stmt *st;
	int r = 0;

	*n = 0;
	if ((st = store_stmt(s, ST_OB_COUNT)) == NULL)
		return ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = COL_U64(st, 0);
	else
		r = ERR_DB;
	store_done(st);
	return r;
}

int
store_outbox_attempt(struct store *s, uint64_t random_id)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_OB_ATTEMPT)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, random_id)) {
		store_done(st);
		return ERR_DB;
	}
	return store_run(st);
}

int
store_outbox_remove(struct store *s, uint64_t random_id)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_OB_REMOVE)) == NULL)
		return ERR_DB;
	if (!BIND_I64(st, 1, random_id)) {
		store_done(st);
		return ERR_DB;
	}
	return store_run(st);
}

void
store_outbox_free(struct store_outbox *o)
{
	if (o == NULL)
		return;
	free(o->peer);
	free(o->text);
	memset(o, 0, sizeof(*o));
}

int
store_secure_delete(struct store *s, int *on)
{
	sqlite3_stmt *st;
	int r;

	*on = 0;
	if ((r = store_prepare(s, &st, "PRAGMA secure_delete;")) != 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW)
		*on = sqlite3_column_int(st, 0) != 0;
	else
		r = ERR_DB;
	sqlite3_finalize(st);
	return r;
}

/* ------------------------------------------------------------ secret chats */

/*
 * Prepares sql and binds its parameters from fmt: 'i' an int64 (passed as
 * uint64_t), 'b' a blob (const void *, size_t), 't' a text (const char *).
 * Returns 0 or ERR_DB.
 */
static int
store_sq(struct store *s, sqlite3_stmt **st, const char *sql,
    const char *fmt, ...)
{
	va_list ap;
	const void *p;
	size_t n;
	int i, rc = SQLITE_OK;

	if (store_prepare(s, st, sql) != 0)
		return ERR_DB;
	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			rc = sqlite3_bind_int64(*st, i + 1,
			    (sqlite3_int64)va_arg(ap, uint64_t));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			rc = p == NULL ? sqlite3_bind_null(*st, i + 1) :
			    sqlite3_bind_blob(*st, i + 1, p, (int)n,
			    SQLITE_TRANSIENT);
			break;
		default:
			rc = sqlite3_bind_text(*st, i + 1,
			    va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
			break;
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return ERR_DB;
	}
	return 0;
}

/* Steps a statement once: 0 (a row), ERR_NOT_FOUND (none) or ERR_DB. */
static int
store_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOT_FOUND :
	    ERR_DB;
}

int
store_secret_get_identity(struct store *s, uint8_t sk[STORE_SECRET_SK_LEN],
    uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT sk, pub FROM secret_identity "
	    "WHERE id = 1;", "")) != 0)
		return r;
	if ((r = store_row(st)) == 0 &&
	    (r = store_column_key(st, 0, sk, STORE_SECRET_SK_LEN)) == 0)
		r = store_column_key(st, 1, pub, STORE_SECRET_KEY_LEN);
	sqlite3_finalize(st);
	if (r != 0)
		sec_wipe(sk, STORE_SECRET_SK_LEN);
	return r;
}

int
store_secret_set_identity(struct store *s,
    const uint8_t sk[STORE_SECRET_SK_LEN],
    const uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "INSERT OR REPLACE INTO secret_identity "
	    "(id, sk, pub) VALUES (1, ?, ?);", "bb", sk,
	    (size_t)STORE_SECRET_SK_LEN, pub, (size_t)STORE_SECRET_KEY_LEN))
	    != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_put_spk(struct store *s, const struct store_spk *k,
    const uint8_t priv[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "INSERT OR REPLACE INTO secret_spk "
	    "(id, priv, pub, sig, created) VALUES (?, ?, ?, ?, ?);", "ibbbi",
	    (uint64_t)k->id, priv, (size_t)STORE_SECRET_KEY_LEN, k->pub,
	    (size_t)STORE_SECRET_KEY_LEN, k->sig, (size_t)STORE_SECRET_SIG_LEN,
	    k->created)) != 0)
		return r;
	return store_step_done(st);
}

/* Fills k (and priv unless NULL) from a row id, priv, pub, sig, created. */
static int
store_spk_row(sqlite3_stmt *st, struct store_spk *k, uint8_t *priv)
{
	int r;

	k->id = (uint32_t)sqlite3_column_int64(st, 0);
	k->created = (uint64_t)sqlite3_column_int64(st, 4);
	if ((r = store_column_key(st, 2, k->pub, STORE_SECRET_KEY_LEN)) != 0 ||
	    (r = store_column_key(st, 3, k->sig, STORE_SECRET_SIG_LEN)) != 0)
		return r;
	if (priv != NULL)
		r = store_column_key(st, 1, priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_current_spk(struct store *s, struct store_spk *k, uint8_t *priv)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT id, priv, pub, sig, created FROM "
	    "secret_spk ORDER BY created DESC, id DESC LIMIT 1;", "")) != 0)
		return r;
	if ((r = store_row(st)) == 0)
		r = store_spk_row(st, k, priv);
	sqlite3_finalize(st);
	if (r != 0 && priv != NULL)
		sec_wipe(priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_get_spk(struct store *s, uint32_t id, struct store_spk *k,
    uint8_t priv[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT id, priv, pub, sig, created FROM "
	    "secret_spk WHERE id = ?;", "i", (uint64_t)id)) != 0)
		return r;
	if ((r = store_row(st)) == 0)
		r = store_spk_row(st, k, priv);
	sqlite3_finalize(st);
	if (r != 0)
		sec_wipe(priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_prune_spk(struct store *s, uint64_t before)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "DELETE FROM secret_spk WHERE created < ? "
	    "AND id != (SELECT id FROM secret_spk ORDER BY created DESC, "
	    "id DESC LIMIT 1);", "i", before)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_add_opk(struct store *s, uint32_t id,
    const uint8_t priv[STORE_SECRET_KEY_LEN],
    const uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "INSERT INTO secret_opk (id, priv, pub) "
	    "VALUES (?, ?, ?);", "ibb", (uint64_t)id, priv,
	    (size_t)STORE_SECRET_KEY_LEN, pub, (size_t)STORE_SECRET_KEY_LEN))
	    != 0)
		return r;
	if ((r = store_step_done(st)) != 0)
		return r;
	if ((r = store_sq(s, &st, "UPDATE secret_opk_max SET max_id = ? "
	    "WHERE id = 1 AND max_id < ?;", "ii", (uint64_t)id, (uint64_t)id))
	    != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_get_opk(struct store *s, uint32_t id,
    uint8_t priv[STORE_SECRET_KEY_LEN], uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT priv, pub FROM secret_opk "
	    "WHERE id = ?;", "i", (uint64_t)id)) != 0)
		return r;
	if ((r = store_row(st)) == 0 &&
	    (r = store_column_key(st, 0, priv, STORE_SECRET_KEY_LEN)) == 0)
		r = store_column_key(st, 1, pub, STORE_SECRET_KEY_LEN);
	sqlite3_finalize(st);
	if (r != 0)
		sec_wipe(priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_del_opk(struct store *s, uint32_t id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "DELETE FROM secret_opk WHERE id = ?;", "i",
	    (uint64_t)id)) != 0)
		return r;
	return store_step_done(st);
}

/*
 * The integer in the first column of the one row sql selects (it takes no
 * parameters), or 0 when it selects none. 0 or ERR_DB.
 */
static int
store_u64(struct store *s, const char *sql, uint64_t *out)
{
	sqlite3_stmt *st;
	int r;

	*out = 0;
	if ((r = store_sq(s, &st, sql, "")) != 0)
		return r;
	if ((r = store_row(st)) == 0)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == ERR_NOT_FOUND ? 0 : r;
}

int
store_secret_max_opk_id(struct store *s, uint32_t *id)
{
	uint64_t v;
	int r;

	r = store_u64(s, "SELECT max_id FROM secret_opk_max WHERE id = 1;",
	    &v);
	*id = (uint32_t)v;
	return r;
}

int
store_secret_put_chat(struct store *s, const struct store_secret_chat *c,
    const uint8_t *ratchet, size_t ratchet_len)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "INSERT OR REPLACE INTO secret_chats "
	    "(secret_id, peer_device, peer_user, peer_ik, state, ttl, "
	    "initiator, created, ek, spk_id, opk_id, ratchet) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);", "iiibiiiibiib",
	    c->secret_id, c->peer_device, c->peer_user, c->peer_ik,
	    (size_t)STORE_SECRET_KEY_LEN, (uint64_t)c->state, (uint64_t)c->ttl,
	    (uint64_t)c->initiator, c->created, c->ek,
	    (size_t)STORE_SECRET_KEY_LEN, (uint64_t)c->spk_id,
	    (uint64_t)c->opk_id, ratchet, ratchet_len)) != 0 ||
	    (r = store_step_done(st)) != 0)
		return r;
	/* The key outlives the chat: a later one is compared with it. */
	if ((r = store_sq(s, &st, "INSERT OR REPLACE INTO secret_peer_keys "
	    "(peer_user, peer_device, peer_ik) VALUES (?, ?, ?);", "iib",
	    c->peer_user, c->peer_device, c->peer_ik,
	    (size_t)STORE_SECRET_KEY_LEN)) != 0)
		return r;
	return store_step_done(st);
}

#define STORE_SECRET_COLS "secret_id, peer_device, peer_user, peer_ik, " \
	"state, ttl, initiator, created, ek, spk_id, opk_id"

static int
store_secret_chat_row(sqlite3_stmt *st, struct store_secret_chat *c)
{
	memset(c, 0, sizeof(*c));
	c->secret_id = (uint64_t)sqlite3_column_int64(st, 0);
	c->peer_device = (uint64_t)sqlite3_column_int64(st, 1);
	c->peer_user = (uint64_t)sqlite3_column_int64(st, 2);
	c->state = sqlite3_column_int(st, 4);
	c->ttl = (uint32_t)sqlite3_column_int64(st, 5);
	c->initiator = sqlite3_column_int(st, 6);
	c->created = (uint64_t)sqlite3_column_int64(st, 7);
	c->spk_id = (uint32_t)sqlite3_column_int64(st, 9);
	c->opk_id = (uint32_t)sqlite3_column_int64(st, 10);
	if (sqlite3_column_type(st, 8) == SQLITE_BLOB &&
	    store_column_key(st, 8, c->ek, STORE_SECRET_KEY_LEN) != 0)
		return ERR_DB;
	return store_column_key(st, 3, c->peer_ik, STORE_SECRET_KEY_LEN);
}

int
store_secret_get_chat(struct store *s, uint64_t secret_id,
    uint64_t peer_device, struct store_secret_chat *c)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT " STORE_SECRET_COLS " FROM "
	    "secret_chats WHERE secret_id = ? AND (? = 0 OR peer_device = ?) "
	    "ORDER BY peer_device LIMIT 1;", "iii", secret_id, peer_device,
	    peer_device)) != 0)
		return r;
	if ((r = store_row(st)) == 0)
		r = store_secret_chat_row(st, c);
	sqlite3_finalize(st);
	return r;
}

int
store_secret_find_active(struct store *s, uint64_t peer_user,
    struct store_secret_chat *c)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT " STORE_SECRET_COLS " FROM "
	    "secret_chats WHERE peer_user = ? AND state = ? "
	    "ORDER BY created DESC LIMIT 1;", "ii", peer_user,
	    (uint64_t)STORE_SECRET_ACTIVE)) != 0)
		return r;
	if ((r = store_row(st)) == 0)
		r = store_secret_chat_row(st, c);
	sqlite3_finalize(st);
	return r;
}

int
store_secret_get_ratchet(struct store *s, uint64_t secret_id,
    uint64_t peer_device, uint8_t *blob, size_t cap, size_t *len)
{
	sqlite3_stmt *st;
	size_t n;
	int r;

	*len = 0;
	if ((r = store_sq(s, &st, "SELECT ratchet FROM secret_chats WHERE "
	    "secret_id = ? AND peer_device = ?;", "ii", secret_id,
	    peer_device)) != 0)
		return r;
	if ((r = store_row(st)) == 0) {
		if (sqlite3_column_type(st, 0) != SQLITE_BLOB)
			r = ERR_NOT_FOUND;
		else if ((n = (size_t)sqlite3_column_bytes(st, 0)) > cap)
			r = ERR_TOO_BIG;
		else {
			memcpy(blob, sqlite3_column_blob(st, 0), n);
			*len = n;
		}
	}
	sqlite3_finalize(st);
	return r;
}

int
store_secret_set_ratchet(struct store *s, uint64_t secret_id,
    uint64_t peer_device, const uint8_t *blob, size_t len)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "UPDATE secret_chats SET ratchet = ? WHERE "
	    "secret_id = ? AND peer_device = ?;", "bii", blob, len, secret_id,
	    peer_device)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_set_state(struct store *s, uint64_t secret_id,
    uint64_t peer_device, int state)
{
	sqlite3_stmt *st;
	int r;

	/* The X3DH first message is not needed once the chat is active. */
	if ((r = store_sq(s, &st, "UPDATE secret_chats SET state = ?, "
	    "ek = CASE WHEN ? = 2 THEN ek ELSE NULL END WHERE secret_id = ? "
	    "AND peer_device = ?;", "iiii", (uint64_t)state, (uint64_t)state,
	    secret_id, peer_device)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_set_ttl(struct store *s, uint64_t secret_id, uint32_t ttl)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "UPDATE secret_chats SET ttl = ? WHERE "
	    "secret_id = ?;", "ii", (uint64_t)ttl, secret_id)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_drop_others(struct store *s, uint64_t secret_id,
    uint64_t keep_device)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "DELETE FROM secret_chats WHERE "
	    "secret_id = ? AND peer_device != ?;", "ii", secret_id,
	    keep_device)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_delete_chat(struct store *s, uint64_t secret_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "DELETE FROM secret_outbox WHERE "
	    "secret_id = ?;", "i", secret_id)) != 0 ||
	    (r = store_step_done(st)) != 0)
		return r;
	if ((r = store_sq(s, &st, "DELETE FROM secret_messages WHERE "
	    "secret_id = ?;", "i", secret_id)) != 0 ||
	    (r = store_step_done(st)) != 0)
		return r;
	if ((r = store_sq(s, &st, "DELETE FROM secret_chats WHERE "
	    "secret_id = ?;", "i", secret_id)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_list_chats(struct store *s, store_secret_chat_fn *fn, void *ud)
{
	struct store_secret_chat c;
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT " STORE_SECRET_COLS " FROM "
	    "secret_chats ORDER BY created DESC, secret_id, peer_device;", ""))
	    != 0)
		return r;
	while ((r = store_row(st)) == 0) {
		if ((r = store_secret_chat_row(st, &c)) != 0 ||
		    (r = fn(ud, &c)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r == ERR_NOT_FOUND ? 0 : r;
}

int
store_secret_add_msg(struct store *s, struct store_secret_msg *m)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "INSERT OR IGNORE INTO secret_messages "
	    "(secret_id, random_id, out, service, text, date, ttl, read_date, "
	    "expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);",
	    "iiiitiiiii", m->secret_id, m->random_id, (uint64_t)m->out,
	    (uint64_t)m->service, m->text != NULL ? m->text : "", m->date,
	    (uint64_t)m->ttl, m->read_date, m->expires_at,
	    (uint64_t)m->state)) != 0)
		return r;
	if ((r = store_step_done(st)) != 0)
		return r;
	m->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* The columns every secret message read selects, in this order. */
#define STORE_SMSG_COLS "id, random_id, out, service, text, date, ttl, " \
	"read_date, expires_at, state"

/* Reads the STORE_SMSG_COLS of st's row into *m (text borrowed). */
static void
store_smsg_row(sqlite3_stmt *st, uint64_t secret_id,
    struct store_secret_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->secret_id = secret_id;
	m->id = (uint64_t)sqlite3_column_int64(st, 0);
	m->random_id = (uint64_t)sqlite3_column_int64(st, 1);
	m->out = sqlite3_column_int(st, 2);
	m->service = sqlite3_column_int(st, 3);
	m->text = (char *)sqlite3_column_text(st, 4);
	m->date = (uint64_t)sqlite3_column_int64(st, 5);
	m->ttl = (uint32_t)sqlite3_column_int64(st, 6);
	m->read_date = (uint64_t)sqlite3_column_int64(st, 7);
	m->expires_at = (uint64_t)sqlite3_column_int64(st, 8);
	m->state = sqlite3_column_int(st, 9);
	if (m->text == NULL)
		m->text = (char *)"";
}

/* Calls fn for each row of st, then finalizes it. */
static int
store_smsg_each(sqlite3_stmt *st, uint64_t secret_id,
    store_secret_msg_fn *fn, void *ud)
{
	struct store_secret_msg m;
	int r;

	while ((r = store_row(st)) == 0) {
		store_smsg_row(st, secret_id, &m);
		if ((r = fn(ud, &m)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r == ERR_NOT_FOUND ? 0 : r;
}

int
store_secret_list_msgs(struct store *s, uint64_t secret_id,
    store_secret_msg_fn *fn, void *ud)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT " STORE_SMSG_COLS " FROM "
	    "secret_messages WHERE secret_id = ? ORDER BY id;", "i",
	    secret_id)) != 0)
		return r;
	return store_smsg_each(st, secret_id, fn, ud);
}

int
store_secret_msgs_before(struct store *s, uint64_t secret_id,
    uint64_t before_id, size_t limit, store_secret_msg_fn *fn, void *ud)
{
	sqlite3_stmt *st;
	int r;

	if (limit == 0)
		return 0;
	if (before_id == 0 || before_id > INT64_MAX)
		before_id = INT64_MAX;
	/* The index (secret_id, id) walked backwards from before_id. */
	if ((r = store_sq(s, &st, "SELECT * FROM (SELECT " STORE_SMSG_COLS
	    " FROM secret_messages WHERE secret_id = ? AND id < ? ORDER BY "
	    "id DESC LIMIT ?) ORDER BY id;", "iii", secret_id, before_id,
	    (uint64_t)(limit > INT64_MAX ? INT64_MAX : limit))) != 0)
		return r;
	return store_smsg_each(st, secret_id, fn, ud);
}

int
store_secret_msgs_after(struct store *s, uint64_t secret_id,
    uint64_t after_id, size_t limit, store_secret_msg_fn *fn, void *ud)
{
	sqlite3_stmt *st;
	int r;

	if (limit == 0 || after_id >= INT64_MAX)
		return 0;
	if ((r = store_sq(s, &st, "SELECT " STORE_SMSG_COLS " FROM "
	    "secret_messages WHERE secret_id = ? AND id > ? ORDER BY id "
	    "LIMIT ?;", "iii", secret_id, after_id,
	    (uint64_t)(limit > INT64_MAX ? INT64_MAX : limit))) != 0)
		return r;
	return store_smsg_each(st, secret_id, fn, ud);
}

int
store_secret_summary(struct store *s, uint64_t secret_id, uint64_t *unread,
    store_secret_msg_fn *fn, void *ud)
{
	sqlite3_stmt *st;
	int r;

	*unread = 0;
	/* The partial index secret_messages_unread holds just these rows. */
	if ((r = store_sq(s, &st, "SELECT count(*) FROM secret_messages "
	    "WHERE secret_id = ? AND out = 0 AND service = 0 AND "
	    "read_date = 0;", "i", secret_id)) != 0)
		return r;
	if ((r = store_row(st)) == 0)
		*unread = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	return store_secret_msgs_before(s, secret_id, 0, 1, fn, ud);
}

int
store_secret_mark_read(struct store *s, uint64_t secret_id, uint64_t now,
    uint64_t *ids, size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	uint64_t last = 0;
	int r;

	*n = 0;
	if ((r = store_sq(s, &st, "SELECT random_id, id FROM secret_messages "
	    "WHERE secret_id = ? AND out = 0 AND read_date = 0 "
	    "ORDER BY id LIMIT ?;", "ii", secret_id, (uint64_t)cap)) != 0)
		return r;
	while ((r = store_row(st)) == 0) {
		ids[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
		last = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (r != ERR_NOT_FOUND)
		return r;
	if (*n == 0)
		return 0;
	/* Exactly the rows listed: the rest wait for the next receipt. */
	if ((r = store_sq(s, &st, "UPDATE secret_messages SET read_date = ?, "
	    "expires_at = CASE WHEN ttl > 0 THEN ? + ttl ELSE 0 END "
	    "WHERE secret_id = ? AND out = 0 AND read_date = 0 AND id <= ?;",
	    "iiii", now, now, secret_id, last)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_peer_read(struct store *s, uint64_t secret_id,
    uint64_t random_id, uint64_t date)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "UPDATE secret_messages SET read_date = ?, "
	    "expires_at = CASE WHEN ttl > 0 THEN ? + ttl ELSE 0 END "
	    "WHERE secret_id = ? AND random_id = ? AND out = 1 AND "
	    "read_date = 0;", "iiii", date, date, secret_id, random_id)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_expire(struct store *s, uint64_t now, uint64_t *n)
{
	sqlite3_stmt *st;
	int r;

	if (n != NULL)
		*n = 0;
	if ((r = store_sq(s, &st, "DELETE FROM secret_messages WHERE "
	    "expires_at != 0 AND expires_at <= ?;", "i", now)) != 0)
		return r;
	if ((r = store_step_done(st)) == 0 && n != NULL)
		*n = (uint64_t)sqlite3_changes(s->db);
	return r;
}

int
store_secret_next_expiry(struct store *s, uint64_t *at)
{
	return store_u64(s, "SELECT MIN(expires_at) FROM secret_messages "
	    "WHERE expires_at != 0;", at);
}

int
store_get_qts(struct store *s, uint64_t *qts)
{
	return store_u64(s, "SELECT qts FROM secret_queue WHERE id = 1;", qts);
}

int
store_set_qts(struct store *s, uint64_t qts)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "UPDATE secret_queue SET qts = ? "
	    "WHERE id = 1;", "i", qts)) != 0)
		return r;
	return store_step_done(st);
}

/* ------------------------------------------------------ secret outbox */

int
store_secret_outbox_add(struct store *s, struct store_secret_env *e)
{
	sqlite3_stmt *st;
	int r, rc;

	if (e->random_id == 0 || e->len == 0)
		return ERR_INVAL;
	if ((r = store_sq(s, &st, "INSERT INTO secret_outbox (secret_id, "
	    "peer_device, random_id, msg_id, data, created) VALUES "
	    "(?, ?, ?, ?, ?, ?);", "iiiibi", e->secret_id, e->peer_device,
	    e->random_id, e->msg_id, e->data, e->len, e->created)) != 0)
		return r;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_CONSTRAINT ? ERR_EXISTS : sqlc_err(s->db, rc);
	e->seq = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_secret_outbox_first(struct store *s, struct store_secret_env *e)
{
	sqlite3_stmt *st;
	const void *p;
	int r;

	memset(e, 0, sizeof(*e));
	if ((r = store_sq(s, &st, "SELECT seq, secret_id, peer_device, "
	    "random_id, msg_id, data, created, attempts FROM secret_outbox "
	    "ORDER BY seq LIMIT 1;", "")) != 0)
		return r;
	if ((r = store_row(st)) == 0) {
		e->seq = (uint64_t)sqlite3_column_int64(st, 0);
		e->secret_id = (uint64_t)sqlite3_column_int64(st, 1);
		e->peer_device = (uint64_t)sqlite3_column_int64(st, 2);
		e->random_id = (uint64_t)sqlite3_column_int64(st, 3);
		e->msg_id = (uint64_t)sqlite3_column_int64(st, 4);
		e->created = (uint64_t)sqlite3_column_int64(st, 6);
		e->attempts = (unsigned)sqlite3_column_int64(st, 7);
		p = sqlite3_column_blob(st, 5);
		e->len = (size_t)sqlite3_column_bytes(st, 5);
		if (p == NULL || e->len == 0)
			r = ERR_DB;
		else if ((e->data = malloc(e->len)) == NULL)
			r = ERR_NOMEM;
		else
			memcpy(e->data, p, e->len);
	}
	sqlite3_finalize(st);
	if (r != 0)
		store_secret_env_free(e);
	return r;
}

int
store_secret_outbox_count(struct store *s, uint64_t *n)
{
	return store_u64(s, "SELECT count(*) FROM secret_outbox;", n);
}

int
store_secret_outbox_attempt(struct store *s, uint64_t seq)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "UPDATE secret_outbox SET attempts = "
	    "attempts + 1 WHERE seq = ?;", "i", seq)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_outbox_remove(struct store *s, uint64_t secret_id,
    uint64_t random_id, int *removed)
{
	sqlite3_stmt *st;
	int r;

	if (removed != NULL)
		*removed = 0;
	if ((r = store_sq(s, &st, "DELETE FROM secret_outbox WHERE "
	    "secret_id = ? AND random_id = ?;", "ii", secret_id,
	    random_id)) != 0 || (r = store_step_done(st)) != 0)
		return r;
	if (removed != NULL)
		*removed = sqlite3_changes(s->db) > 0;
	return 0;
}

void
store_secret_env_free(struct store_secret_env *e)
{
	free(e->data);
	e->data = NULL;
	e->len = 0;
}

int
store_secret_set_msg_state(struct store *s, uint64_t id, int state)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "UPDATE secret_messages SET state = ? "
	    "WHERE id = ?;", "ii", (uint64_t)state, id)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_get_msg(struct store *s, uint64_t id, store_secret_msg_fn *fn,
    void *ud)
{
	struct store_secret_msg m;
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT secret_id, random_id, out, service, "
	    "text, date, ttl, read_date, expires_at, state FROM "
	    "secret_messages WHERE id = ?;", "i", id)) != 0)
		return r;
	if ((r = store_row(st)) == 0) {
		memset(&m, 0, sizeof(m));
		m.id = id;
		m.secret_id = (uint64_t)sqlite3_column_int64(st, 0);
		m.random_id = (uint64_t)sqlite3_column_int64(st, 1);
		m.out = sqlite3_column_int(st, 2);
		m.service = sqlite3_column_int(st, 3);
		m.text = (char *)sqlite3_column_text(st, 4);
		m.date = (uint64_t)sqlite3_column_int64(st, 5);
		m.ttl = (uint32_t)sqlite3_column_int64(st, 6);
		m.read_date = (uint64_t)sqlite3_column_int64(st, 7);
		m.expires_at = (uint64_t)sqlite3_column_int64(st, 8);
		m.state = sqlite3_column_int(st, 9);
		if (m.text == NULL)
			m.text = (char *)"";
		r = fn(ud, &m);
	}
	sqlite3_finalize(st);
	return r;
}

int
store_secret_warn_add(struct store *s, struct store_secret_warning *w)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "INSERT INTO secret_key_warnings "
	    "(peer_user, peer_device, secret_id, date) VALUES (?, ?, ?, ?);",
	    "iiii", w->peer_user, w->peer_device, w->secret_id, w->date)) != 0)
		return r;
	if ((r = store_step_done(st)) != 0)
		return r;
	w->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_secret_warn_list(struct store *s, store_secret_warning_fn *fn,
    void *ud)
{
	struct store_secret_warning w;
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT id, peer_user, peer_device, "
	    "secret_id, date FROM secret_key_warnings ORDER BY id;", "")) != 0)
		return r;
	while ((r = store_row(st)) == 0) {
		w.id = (uint64_t)sqlite3_column_int64(st, 0);
		w.peer_user = (uint64_t)sqlite3_column_int64(st, 1);
		w.peer_device = (uint64_t)sqlite3_column_int64(st, 2);
		w.secret_id = (uint64_t)sqlite3_column_int64(st, 3);
		w.date = (uint64_t)sqlite3_column_int64(st, 4);
		if ((r = fn(ud, &w)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r == ERR_NOT_FOUND ? 0 : r;
}

int
store_secret_warn_clear(struct store *s, uint64_t peer_user,
    uint64_t secret_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "DELETE FROM secret_key_warnings WHERE "
	    "(? = 0 OR peer_user = ?) AND (? = 0 OR secret_id = ?);", "iiii",
	    peer_user, peer_user, secret_id, secret_id)) != 0)
		return r;
	return store_step_done(st);
}

int
store_secret_peer_key(struct store *s, uint64_t peer_user,
    uint64_t peer_device, uint8_t ik[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_sq(s, &st, "SELECT peer_ik FROM secret_peer_keys "
	    "WHERE peer_user = ? AND peer_device = ?;", "ii", peer_user,
	    peer_device)) != 0)
		return r;
	if ((r = store_row(st)) == 0)
		r = store_column_key(st, 0, ik, STORE_SECRET_KEY_LEN);
	sqlite3_finalize(st);
	return r;
}
