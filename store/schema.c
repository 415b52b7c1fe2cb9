/*
 * The client store's schema. Each piece of state of schema version 1 sits
 * in a one-row table (the row id is pinned to 1 by a CHECK), which keeps
 * the accessors simple and lets later versions add real tables (chats,
 * messages, outbox, secret sessions) beside them.
 *
 * Migrations are append-only: migration i takes user_version i to i + 1
 * and runs in one transaction with the version bump (db/sqlc.c).
 */
#include "store/store.h"

#include "db/sqlc.h"
#include "store/store_int.h"

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

#define STORE_NMIGRATIONS \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

int
store__migrate(sqlite3 *db)
{
	return sqlc_migrate(db, store_migrations, STORE_NMIGRATIONS);
}
