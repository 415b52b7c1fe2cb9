/*
 * The server store's schema: its migrations, one a release that changed
 * the tables, applied in order at open by srv_store__migrate(), each in
 * its own transaction and checked for dangling references before it
 * commits. A new migration goes at the end; a released one never
 * changes.
 */
#include "server/srv_store.h"

#include <stdint.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

static const char *const srv_store_migrations[] = {
	/* 1: accounts and their devices. */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  phone TEXT NOT NULL,"
	"  pwhash TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE devices ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  key BLOB NOT NULL UNIQUE CHECK (length(key) = 32),"
	"  name TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);"
	"CREATE INDEX devices_user ON devices(user_id);",

	/*
	 * 2: cloud chats, messages and the per-account update log.
	 *
	 * users.pts and chats.last_message_id are counters rather than
	 * MAX() over the log or the messages, so that numbers are never
	 * reused even once old rows are pruned or deleted. A pair chat is
	 * found through pair_chats: (a, b) with a < b is their private
	 * chat, (u, u) is u's Saved Messages. An update refers to its
	 * message instead of copying it; messages.pts is the pts of the
	 * sender's own entry, which answers a resend without a search.
	 */
	"ALTER TABLE users ADD COLUMN pts INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE chats ("
	"  id INTEGER PRIMARY KEY,"
	"  kind INTEGER NOT NULL,"
	"  title TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL,"
	"  last_message_id INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE chat_members ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (chat_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX chat_members_user ON chat_members(user_id);"
	"CREATE TABLE pair_chats ("
	"  user_lo INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  user_hi INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  chat_id INTEGER NOT NULL UNIQUE"
	"    REFERENCES chats(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (user_lo, user_hi),"
	"  CHECK (user_lo <= user_hi)) WITHOUT ROWID;"
	"CREATE TABLE messages ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,"
	"  id INTEGER NOT NULL,"
	"  sender_id INTEGER NOT NULL,"
	"  random_id INTEGER NOT NULL,"
	"  text TEXT NOT NULL,"
	"  date INTEGER NOT NULL,"
	"  reply_to INTEGER NOT NULL DEFAULT 0,"
	"  pts INTEGER NOT NULL,"
	"  PRIMARY KEY (chat_id, id));"
	"CREATE UNIQUE INDEX messages_random ON messages(sender_id, random_id);"
	"CREATE TABLE updates ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  pts INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  chat_id INTEGER NOT NULL,"
	"  message_id INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, pts)) WITHOUT ROWID;",

	/*
	 * 3: groups, edits, deletes, read state and contacts.
	 *
	 * A message deleted for everyone stays as a tombstone (deleted = 1,
	 * text '') so that its id and random_id are never reused and a
	 * resend still finds it. Service messages keep the group as it was
	 * right after them (snap_*), so a member who catches up later sees
	 * every change as it happened. Service messages other than
	 * ACTION_CREATED have random_id 0, hence the partial index.
	 * messages is rebuilt WITHOUT ROWID: its key is (chat_id, id)
	 * anyway, and one B-tree less is one page less to encrypt per
	 * message at each commit.
	 */
	"ALTER TABLE chats ADD COLUMN creator_id INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_members ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chat_members ADD COLUMN read_max INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE TABLE messages3 ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,"
	"  id INTEGER NOT NULL,"
	"  sender_id INTEGER NOT NULL,"
	"  random_id INTEGER NOT NULL,"
	"  text TEXT NOT NULL,"
	"  date INTEGER NOT NULL,"
	"  reply_to INTEGER NOT NULL DEFAULT 0,"
	"  pts INTEGER NOT NULL,"
	"  edit_date INTEGER NOT NULL DEFAULT 0,"
	"  action INTEGER NOT NULL DEFAULT 0,"
	"  action_user_id INTEGER NOT NULL DEFAULT 0,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  snap_title TEXT,"
	"  snap_members BLOB,"
	"  snap_admins BLOB,"
	"  PRIMARY KEY (chat_id, id)) WITHOUT ROWID;"
	"INSERT INTO messages3 (chat_id, id, sender_id, random_id, text, date,"
	"  reply_to, pts) SELECT chat_id, id, sender_id, random_id, text,"
	"  date, reply_to, pts FROM messages;"
	"DROP TABLE messages;"
	"ALTER TABLE messages3 RENAME TO messages;"
	"CREATE UNIQUE INDEX messages_random ON messages(sender_id, random_id)"
	"  WHERE random_id != 0;"
	"ALTER TABLE updates ADD COLUMN arg INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE updates ADD COLUMN arg2 INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE updates ADD COLUMN ids BLOB;"
	"CREATE TABLE hidden ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  chat_id INTEGER NOT NULL,"
	"  message_id INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, chat_id, message_id)) WITHOUT ROWID;"
	"CREATE TABLE contacts ("
	"  owner INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (owner, user_id)) WITHOUT ROWID;"
	"CREATE INDEX users_phone ON users(phone) WHERE phone != '';",

	/*
	 * 4: secret chats (srv_store_secret.c): public prekeys, the chats
	 * being set up or bound, and the per-device relay queue. devices.qts
	 * is the queue's counter, so numbers are never reused once entries
	 * are acknowledged. Payloads are packed Update events: ciphertext
	 * and public keys only.
	 */
	"ALTER TABLE devices ADD COLUMN qts INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE prekeys ("
	"  device_id INTEGER PRIMARY KEY"
	"    REFERENCES devices(id) ON DELETE CASCADE,"
	"  identity_key BLOB NOT NULL CHECK (length(identity_key) = 32),"
	"  spk_id INTEGER NOT NULL,"
	"  spk BLOB NOT NULL CHECK (length(spk) = 32),"
	"  spk_sig BLOB NOT NULL CHECK (length(spk_sig) = 64));"
	"CREATE TABLE opks ("
	"  device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	"  id INTEGER NOT NULL,"
	"  key BLOB NOT NULL CHECK (length(key) = 32),"
	"  PRIMARY KEY (device_id, id)) WITHOUT ROWID;"
	"CREATE TABLE secret_chats ("
	"  id INTEGER PRIMARY KEY,"
	"  from_user INTEGER NOT NULL,"
	"  from_device INTEGER NOT NULL,"
	"  to_user INTEGER NOT NULL,"
	"  to_device INTEGER NOT NULL DEFAULT 0,"
	"  ttl INTEGER NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE secret_offers ("
	"  secret_id INTEGER NOT NULL"
	"    REFERENCES secret_chats(id) ON DELETE CASCADE,"
	"  device_id INTEGER NOT NULL,"
	"  PRIMARY KEY (secret_id, device_id)) WITHOUT ROWID;"
	"CREATE TABLE secret_sent ("
	"  secret_id INTEGER NOT NULL"
	"    REFERENCES secret_chats(id) ON DELETE CASCADE,"
	"  device_id INTEGER NOT NULL,"
	"  random_id INTEGER NOT NULL,"
	"  PRIMARY KEY (secret_id, device_id, random_id)) WITHOUT ROWID;"
	"CREATE TABLE secret_queue ("
	"  device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	"  qts INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  secret_id INTEGER NOT NULL,"
	"  payload BLOB NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (device_id, qts)) WITHOUT ROWID;"
	"CREATE INDEX secret_queue_created ON secret_queue(created);",

	/*
	 * 5: privacy rules and blocks (srv_privacy.c). A rule row exists
	 * once its owner set it; a key without one has the default that
	 * srv_privacy.c holds, so a default can change without touching
	 * rows. Keys and values are the wire's PrivacyKey and PrivacyValue
	 * numbers. An exception is one user in one key's allow (allow = 1)
	 * or deny list, never both: the key is (owner, key, user_id).
	 */
	"CREATE TABLE privacy ("
	"  owner INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  key INTEGER NOT NULL,"
	"  value INTEGER NOT NULL,"
	"  PRIMARY KEY (owner, key)) WITHOUT ROWID;"
	"CREATE TABLE privacy_exceptions ("
	"  owner INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  key INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  allow INTEGER NOT NULL,"
	"  PRIMARY KEY (owner, key, user_id)) WITHOUT ROWID;"
	"CREATE TABLE blocks ("
	"  owner INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (owner, user_id)) WITHOUT ROWID;",

	/*
	 * 6: device ids are never reused. Without AUTOINCREMENT SQLite gives
	 * a new row the largest rowid + 1, so the newest device's id came
	 * back to the next device once it logged out, and whatever still
	 * named the old id (a secret chat, a peer's memory of its key)
	 * would have meant the new one. The table is rebuilt the usual way
	 * (new table, copy, drop, rename); srv_store_open() runs the
	 * migrations with foreign keys off so that the drop does not
	 * cascade into prekeys, opks and secret_queue. The sequence starts
	 * at the largest device id the database holds anywhere, the secret
	 * chats' columns included, which outlive their devices.
	 */
	"CREATE TABLE devices6 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  key BLOB NOT NULL UNIQUE CHECK (length(key) = 32),"
	"  name TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  qts INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO devices6 (id, user_id, key, name, created, last_seen, qts)"
	"  SELECT id, user_id, key, name, created, last_seen, qts FROM devices;"
	"DROP TABLE devices;"
	"ALTER TABLE devices6 RENAME TO devices;"
	"CREATE INDEX devices_user ON devices(user_id);"
	"DELETE FROM sqlite_sequence WHERE name = 'devices';"
	"INSERT INTO sqlite_sequence (name, seq) SELECT 'devices', max("
	"  (SELECT ifnull(max(id), 0) FROM devices),"
	"  (SELECT ifnull(max(from_device), 0) FROM secret_chats),"
	"  (SELECT ifnull(max(to_device), 0) FROM secret_chats),"
	"  (SELECT ifnull(max(device_id), 0) FROM secret_offers),"
	"  (SELECT ifnull(max(device_id), 0) FROM secret_sent));",

	/*
	 * 7: SendSecret's dedupe rows carry their date, so that they are
	 * purged with the queue (srv_store_queue_purge) instead of living
	 * as long as their chat. Rows from before count from now.
	 */
	"ALTER TABLE secret_sent ADD COLUMN created INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE secret_sent SET created = CAST(strftime('%s', 'now') AS"
	"  INTEGER);"
	"CREATE INDEX secret_sent_created ON secret_sent(created);",

	/*
	 * 8: last seen, bio and forwards (srv_presence.c, srv_profile.c,
	 * srv_forward.c), in tables of their own beside users and messages
	 * (nothing is rebuilt, and the migration can run again over its own
	 * tables). presence.seen is the minute (unix seconds, a multiple of
	 * 60) of the account's newest activity: one value, overwritten, no
	 * history; no row is "never". A forwards row makes a message a
	 * forward copy: its original's date and sender name as they were,
	 * and the sender's id only when their forwards rule allowed the
	 * link (else 0). A copy deleted for everyone loses its row with its
	 * text. pair_chats_hi finds a user's private-chat peers from either
	 * side (who is told of their online changes).
	 */
	"CREATE TABLE IF NOT EXISTS presence ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  seen INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS bios ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  bio TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS forwards ("
	"  copy_chat_id INTEGER NOT NULL,"
	"  copy_id INTEGER NOT NULL,"
	"  orig_date INTEGER NOT NULL,"
	"  orig_sender_id INTEGER NOT NULL,"
	"  orig_name TEXT NOT NULL,"
	"  PRIMARY KEY (copy_chat_id, copy_id),"
	"  FOREIGN KEY (copy_chat_id, copy_id) REFERENCES messages(chat_id, id)"
	"    ON DELETE CASCADE) WITHOUT ROWID;"
	"CREATE TRIGGER IF NOT EXISTS forwards_deleted AFTER UPDATE OF deleted"
	"  ON messages WHEN NEW.deleted != 0 BEGIN"
	"  DELETE FROM forwards WHERE copy_chat_id = NEW.chat_id"
	"    AND copy_id = NEW.id; END;"
	"CREATE INDEX IF NOT EXISTS pair_chats_hi ON pair_chats(user_hi);",

	/*
	 * 9: the directory's counters (srv_directory.c, srv_store_dir.c):
	 * per account and hour, how many lookups of each kind it made and
	 * how they ended, the users it newly discovered and the phone
	 * numbers it newly imported (counts only, never which). They carry
	 * the daily budget and the import cap across restarts and feed
	 * sottod --stats; rows older than 48 hours are deleted.
	 */
	"CREATE TABLE IF NOT EXISTS dir_stats ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  hour INTEGER NOT NULL,"
	"  what INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, what, hour)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS dir_stats_hour ON dir_stats(hour);",

	/*
	 * 10: tombstones of ended device sessions (srv_store_tombstone.c), so
	 * that a device the server terminated is told so, and one it never
	 * heard of (a restored or reset server) is not taken for it. Keyed
	 * by an HMAC of the device key. user_id (no foreign key: the row
	 * outlives the account) is 0 once the account is deleted.
	 */
	"CREATE TABLE IF NOT EXISTS device_tombstones ("
	"  key_hash BLOB PRIMARY KEY CHECK (length(key_hash) = 32),"
	"  device_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  ended INTEGER NOT NULL,"
	"  by_device INTEGER NOT NULL,"
	"  why INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS device_tombstones_ended"
	"  ON device_tombstones(ended);"
	"CREATE INDEX IF NOT EXISTS device_tombstones_user"
	"  ON device_tombstones(user_id);",

	/*
	 * 11: group settings, invite links and reports (srv_store_group.c,
	 * doc/DATA.md). A link is kept as the SHA-256 HMAC of its token
	 * only, so the database cannot be read for working links; it goes
	 * when revoked, used up or expired. A report names ids; its
	 * message_text is the reported message's own text, copied so that
	 * a sender cannot hide it by deleting, and purged with the report
	 * after 30 days. counted says whether the report counts towards the
	 * restriction (the reported user wrote to the reporter).
	 */
	"CREATE TABLE IF NOT EXISTS group_settings ("
	"  chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,"
	"  hide_members INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS invite_links ("
	"  id INTEGER PRIMARY KEY,"
	"  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,"
	"  creator_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  uses_max INTEGER NOT NULL,"
	"  uses INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS invite_links_chat ON invite_links(chat_id);"
	"CREATE INDEX IF NOT EXISTS invite_links_expires ON invite_links(expires)"
	"  WHERE expires != 0;"
	"CREATE TABLE IF NOT EXISTS reports ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  reported_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  reason INTEGER NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  chat_id INTEGER NOT NULL DEFAULT 0,"
	"  message_id INTEGER NOT NULL DEFAULT 0,"
	"  message_text TEXT NOT NULL DEFAULT '',"
	"  counted INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS reports_reported ON reports(reported_id, created);"
	"CREATE INDEX IF NOT EXISTS reports_created ON reports(created);"
	"CREATE TABLE IF NOT EXISTS report_restrictions ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  until INTEGER NOT NULL);",

	/*
	 * 12: who was shown whom (srv_store_visible.c, srv_visible.c,
	 * doc/PROTOCOL.md "Addressing by id"). A row lets asker_id name
	 * user_id by id although no live relation (a contact, a chat in
	 * common, a block, an exception) says so any more: asker found
	 * user in the directory, was offered a secret chat by user, shared
	 * a chat one of them left, or has user in an entry of its log. The
	 * log's entries are read into it here, so that the users an old
	 * log names stay addressable.
	 */
	"CREATE TABLE IF NOT EXISTS shown ("
	"  asker_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (asker_id, user_id)) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO shown (asker_id, user_id)"
	"  SELECT u.user_id, m.sender_id FROM updates u JOIN messages m"
	"  ON m.chat_id = u.chat_id AND m.id = u.message_id"
	"  WHERE u.kind IN (1, 2) AND m.sender_id != u.user_id"
	"  AND m.sender_id IN (SELECT id FROM users);"
	"INSERT OR IGNORE INTO shown (asker_id, user_id)"
	"  SELECT u.user_id, m.action_user_id FROM updates u JOIN messages m"
	"  ON m.chat_id = u.chat_id AND m.id = u.message_id"
	"  WHERE u.kind IN (1, 2) AND m.action_user_id != u.user_id"
	"  AND m.action_user_id IN (SELECT id FROM users);"
	"INSERT OR IGNORE INTO shown (asker_id, user_id)"
	"  SELECT user_id, arg FROM updates WHERE kind IN (5, 6, 8)"
	"  AND arg != user_id AND arg IN (SELECT id FROM users);"
	"INSERT OR IGNORE INTO shown (asker_id, user_id)"
	"  SELECT to_user, from_user FROM secret_chats"
	"  WHERE to_user != from_user AND to_user IN (SELECT id FROM users)"
	"  AND from_user IN (SELECT id FROM users);"
	"INSERT OR IGNORE INTO shown (asker_id, user_id)"
	"  SELECT from_user, to_user FROM secret_chats"
	"  WHERE to_user != from_user AND to_user IN (SELECT id FROM users)"
	"  AND from_user IN (SELECT id FROM users);",

	/*
	 * 13: sessions (srv_session.c, srv_store_session.c), in tables of
	 * their own beside devices and users, so that nothing is rebuilt
	 * and the migration can run again over its own tables. A
	 * device_software row is the software and version a device's
	 * client said at Register or Login (none for an older client); a
	 * session_ttl row is the account's session TTL in days, after which
	 * an inactive device is ended (none: the default, 183).
	 */
	"CREATE TABLE IF NOT EXISTS device_software ("
	"  device_id INTEGER PRIMARY KEY REFERENCES devices(id)"
	"    ON DELETE CASCADE,"
	"  software TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS session_ttl ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  days INTEGER NOT NULL);",
};

#define SRV_STORE_NMIGRATIONS \
	((int)(sizeof(srv_store_migrations) / sizeof(srv_store_migrations[0])))

/* Whether any reference is dangling: 0 none, 1 some, ERR_DB. */
static int
srv_store_fk_broken(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK)
		return ERR_DB;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		log_error("table %s refers to a missing row",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : ERR_DB;
}

/*
 * sqlc_migrate() with foreign keys off, as SQLite's own recipe for
 * rebuilding a table asks (migration 6 drops devices, whose children
 * would otherwise be deleted by ON DELETE CASCADE). The pragma is a
 * no-op inside a transaction, hence here and not in the migration.
 * Before each migration commits, every reference must still hold, else
 * it is rolled back and the server does not start. 0, ERR_VERSION or
 * ERR_DB.
 */
int
srv_store__migrate(sqlite3 *db)
{
	int v, r;

	if ((r = sqlc_user_version(db, &v)) != 0)
		return r;
	if (v > SRV_STORE_NMIGRATIONS)
		return ERR_VERSION;	/* made by a newer sottod */
	if (v == SRV_STORE_NMIGRATIONS)
		return 0;
	if ((r = sqlc_exec(db, "PRAGMA foreign_keys = OFF;")) != 0)
		return r;
	for (; r == 0 && v < SRV_STORE_NMIGRATIONS; v++) {
		if ((r = sqlc_exec(db, "BEGIN IMMEDIATE;")) != 0)
			break;
		if ((r = sqlc_exec(db, srv_store_migrations[v])) != 0 ||
		    (r = srv_store_fk_broken(db)) != 0 ||
		    (r = sqlc_set_user_version(db, v + 1)) != 0 ||
		    (r = sqlc_exec(db, "COMMIT;")) != 0) {
			log_error("migration %d failed: %s", v + 1,
			    sqlite3_errmsg(db));
			(void)sqlc_exec(db, "ROLLBACK;");
			r = ERR_DB;
		}
	}
	if (sqlc_exec(db, "PRAGMA foreign_keys = ON;") != 0)
		r = ERR_DB;
	return r;
}
