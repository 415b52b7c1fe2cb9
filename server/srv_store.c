/*
 * The SQLCipher backend of srv_store. Statements are prepared once, on
 * first use, and kept for the life of the store. Writes open a
 * transaction lazily (BEGIN IMMEDIATE) that srv_store_commit() ends.
 */
#include "server/srv_store.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "lib/err.h"
#include "lib/log.h"
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
};

enum srv_stmt {
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
static uint64_t *
srv_counter_get(struct srv_counters *c, uint64_t key)
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
static void
srv_store_restrict(struct srv_store *s, uint64_t owner)
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
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("privacy owners: %s", sqlite3_errmsg(s->db));
		return ERR_DB;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		srv_store_restrict(s, (uint64_t)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_error("privacy owners: %s", sqlite3_errmsg(s->db));
		return ERR_DB;
	}
	return 0;
}

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
static int
srv_store_migrate(sqlite3 *db)
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
	if ((r = srv_store_migrate(s->db)) != 0) {
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

sqlite3_stmt *
srv_store_stmt_ext(struct srv_store *s, enum srv_stmt_ext slot,
    const char *sql)
{
	sqlite3_stmt *st = s->ext[slot];

	if (st == NULL) {
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) !=
		    SQLITE_OK) {
			log_error("prepare ext %d: %s", (int)slot,
			    sqlite3_errmsg(s->db));
			return NULL;
		}
		s->ext[slot] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* The prepared statement, reset and unbound, ready for new arguments. */
static sqlite3_stmt *
srv_stmt(struct srv_store *s, enum srv_stmt which)
{
	sqlite3_stmt *st = s->stmt[which];

	if (st == NULL) {
		if (sqlite3_prepare_v2(s->db, srv_stmt_sql[which], -1, &st,
		    NULL) != SQLITE_OK) {
			log_error("prepare %d: %s", (int)which,
			    sqlite3_errmsg(s->db));
			return NULL;
		}
		s->stmt[which] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
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
static int
srv_step_done(struct srv_store *s, sqlite3_stmt *st)
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
static int
srv_store_write(struct srv_store *s)
{
	sqlite3_stmt *st;

	int r;

	if (s->in_txn)
		return 0;
	if (s->full && !srv_store_room(s))
		return ERR_NO_SPACE;	/* not even tried: see struct */
	if ((st = srv_stmt(s, STMT_BEGIN)) == NULL)
		return ERR_DB;
	if ((r = srv_step_done(s, st)) != 0)
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
		    (st = srv_stmt(s, STMT_ROLLBACK)) != NULL)
			(void)srv_step_done(s, st);
		srv_counter_clear(&s->pts);
		srv_counter_clear(&s->last_id);
		return s->full ? ERR_NO_SPACE : ERR_DB;
	}
	r = ERR_DB;
	if ((st = srv_stmt(s, STMT_COMMIT)) != NULL &&
	    (r = srv_step_done(s, st)) == 0) {
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
	    (st = srv_stmt(s, STMT_ROLLBACK)) != NULL)
		(void)srv_step_done(s, st);
	return r == ERR_NO_SPACE ? r : ERR_DB;
}

static void
srv_col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
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

static void
srv_row_user(sqlite3_stmt *st, struct srv_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = (uint64_t)sqlite3_column_int64(st, 0);
	srv_col_text(st, 1, u->username, sizeof(u->username));
	srv_col_text(st, 2, u->display_name, sizeof(u->display_name));
	srv_col_text(st, 3, u->phone, sizeof(u->phone));
	srv_col_text(st, 4, u->pwhash, sizeof(u->pwhash));
	u->created = (uint64_t)sqlite3_column_int64(st, 5);
}

static void
srv_row_device(sqlite3_stmt *st, struct srv_device *d)
{
	const void *key = sqlite3_column_blob(st, 2);

	memset(d, 0, sizeof(*d));
	d->id = (uint64_t)sqlite3_column_int64(st, 0);
	d->user_id = (uint64_t)sqlite3_column_int64(st, 1);
	if (key != NULL && sqlite3_column_bytes(st, 2) == NOISE_KEY_LEN)
		memcpy(d->key, key, NOISE_KEY_LEN);
	srv_col_text(st, 3, d->name, sizeof(d->name));
	d->created = (uint64_t)sqlite3_column_int64(st, 4);
	d->last_seen = (uint64_t)sqlite3_column_int64(st, 5);
}

/* Steps a one-row lookup. 0 (row read by fn), ERR_NOT_FOUND or ERR_DB. */
static int
srv_step_one(struct srv_store *s, sqlite3_stmt *st)
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

int
srv_store_user_by_name(struct srv_store *s, const char *username,
    struct srv_user *out)
{
	sqlite3_stmt *st;
	int r;

	if ((st = srv_stmt(s, STMT_USER_BY_NAME)) == NULL)
		return ERR_DB;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_user(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_user_by_id(struct srv_store *s, uint64_t id, struct srv_user *out)
{
	sqlite3_stmt *st;
	int r;

	if (id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt(s, STMT_USER_BY_ID)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_user(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_user_add(struct srv_store *s, struct srv_user *u)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_USER_ADD)) == NULL)
		return ERR_DB;
	u->created = (uint64_t)time(NULL);
	sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)u->created);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	u->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
srv_store_device_by_key(struct srv_store *s, const uint8_t key[NOISE_KEY_LEN],
    struct srv_device *out)
{
	sqlite3_stmt *st;
	int r;

	if ((st = srv_stmt(s, STMT_DEVICE_BY_KEY)) == NULL)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, key, NOISE_KEY_LEN, SQLITE_STATIC);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_device(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_device_add(struct srv_store *s, struct srv_device *d)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_DEVICE_ADD)) == NULL)
		return ERR_DB;
	d->created = d->last_seen = (uint64_t)time(NULL);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)d->user_id);
	sqlite3_bind_blob(st, 2, d->key, NOISE_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)d->created);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	d->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
srv_store_device_remove(struct srv_store *s, uint64_t device_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_DEVICE_REMOVE)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)device_id);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_device_touch(struct srv_store *s, uint64_t device_id, uint64_t now)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_DEVICE_TOUCH)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)device_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_devices(struct srv_store *s, uint64_t user_id,
    struct srv_device **out, size_t *n)
{
	struct srv_device *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((st = srv_stmt(s, STMT_DEVICES)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4;
			if (cap > SIZE_MAX / sizeof(*v) ||
			    (nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		srv_row_device(st, &v[len++]);
	}
	if (rc != SQLITE_DONE) {
		log_error("devices: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
out:
	sqlite3_reset(st);
	if (r != 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = len;
	return 0;
}

/* Runs one of the savepoint statements. 0 or ERR_DB. */
static int
srv_store_run(struct srv_store *s, enum srv_stmt which)
{
	sqlite3_stmt *st = srv_stmt(s, which);

	return st != NULL && srv_step_done(s, st) == 0 ? 0 : ERR_DB;
}

int
srv_store_atomic_begin(struct srv_store *s)
{
	int r;

	if ((r = srv_store_write(s)) != 0)
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
	return srv_store_write(s);
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

int
srv_store_register(struct srv_store *s, struct srv_user *u,
    struct srv_device *d)
{
	int r;

	if ((r = srv_store_atomic_begin(s)) != 0)
		return r;
	if ((r = srv_store_user_add(s, u)) == 0) {
		d->user_id = u->id;
		r = srv_store_device_add(s, d);
	}
	return srv_store_atomic_end(s, r);
}

/* ---------------------------------------------------------------- chats */

/*
 * SQLite integers are signed 64-bit: ids from the wire above INT64_MAX
 * name nothing, and random ids are stored as their two's complement.
 */
static sqlite3_int64
srv_u2i(uint64_t v)
{
	if (v <= INT64_MAX)
		return (sqlite3_int64)v;
	return -(sqlite3_int64)(UINT64_MAX - v) - 1;
}

static uint64_t
srv_col_u64(sqlite3_stmt *st, int col)
{
	return (uint64_t)sqlite3_column_int64(st, col);
}

static void
srv_row_profile(sqlite3_stmt *st, struct srv_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->id = srv_col_u64(st, 0);
	srv_col_text(st, 1, p->username, sizeof(p->username));
	srv_col_text(st, 2, p->display_name, sizeof(p->display_name));
	srv_col_text(st, 3, p->phone, sizeof(p->phone));
	srv_col_text(st, 4, p->bio, sizeof(p->bio));
	p->seen = srv_col_u64(st, 5);
}

/* CHAT_COLS from column col on. */
static void
srv_row_chat(sqlite3_stmt *st, int col, struct srv_chat *c)
{
	memset(c, 0, sizeof(*c));
	c->id = srv_col_u64(st, col);
	c->kind = sqlite3_column_int(st, col + 1);
	srv_col_text(st, col + 2, c->title, sizeof(c->title));
	c->user_lo = srv_col_u64(st, col + 3);
	c->user_hi = srv_col_u64(st, col + 4);
	c->creator_id = srv_col_u64(st, col + 5);
	c->last_id = srv_col_u64(st, col + 6);
}

int
srv_store_profile_by_name(struct srv_store *s, const char *username,
    struct srv_profile *out)
{
	sqlite3_stmt *st;
	int r;

	if ((st = srv_stmt(s, STMT_PROFILE_BY_NAME)) == NULL)
		return ERR_DB;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_profile(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_profile_by_id(struct srv_store *s, uint64_t id,
    struct srv_profile *out)
{
	sqlite3_stmt *st;
	int r;

	if (id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt(s, STMT_PROFILE_BY_ID)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_profile(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_chat_by_id(struct srv_store *s, uint64_t id, struct srv_chat *out)
{
	sqlite3_stmt *st;
	uint64_t *v;
	int r;

	if (id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt(s, STMT_CHAT_BY_ID)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_chat(st, 0, out);
	sqlite3_reset(st);
	/* The newest message id is a counter kept in memory. */
	if ((v = srv_counter_get(&s->last_id, id)) != NULL) {
		out->last_id = *v;
		return 0;
	}
	if ((st = srv_stmt(s, STMT_CHAT_LAST_ID)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	out->last_id = srv_col_u64(st, 0);
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
	if ((st = srv_stmt(s, STMT_CHAT_PAIR)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hi);
	if ((r = srv_step_one(s, st)) == 0) {
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
	if ((st = srv_stmt(s, STMT_CHAT_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int(st, 1, out->kind);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	if ((r = srv_step_done(s, st)) != 0)
		goto out;
	out->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	if ((st = srv_stmt(s, STMT_PAIR_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hi);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)out->id);
	if ((r = srv_step_done(s, st)) != 0)
		goto out;
	if ((st = srv_stmt(s, STMT_MEMBER_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)out->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)lo);
	if ((r = srv_step_done(s, st)) != 0 || lo == hi)
		goto out;
	if ((st = srv_stmt(s, STMT_MEMBER_ADD)) == NULL) {
		r = ERR_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)out->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hi);
	r = srv_step_done(s, st);
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
	if ((st = srv_stmt(s, STMT_MEMBER)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	sqlite3_reset(st);
	return 0;
}

/*
 * Runs the statement stmt with key bound to ?1 and collects its first
 * column, ids, into a malloc()ed array the caller frees. what names the
 * list in the log. 0, ERR_NOMEM or ERR_DB.
 */
static int
srv_store_ids(struct srv_store *s, int stmt, uint64_t key, const char *what,
    uint64_t **out, size_t *n)
{
	uint64_t *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((st = srv_stmt(s, stmt)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, srv_u2i(key));
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
		v[len++] = srv_col_u64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		log_error("%s: %s", what, sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
out:
	sqlite3_reset(st);
	if (r != 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = len;
	return 0;
}

int
srv_store_chat_members(struct srv_store *s, uint64_t chat_id,
    uint64_t **out, size_t *n)
{
	return srv_store_ids(s, STMT_MEMBERS, chat_id, "members", out, n);
}

/*
 * Bumps the counter of key: read with get on first use (ERR_NOT_FOUND
 * when there is no such row), then kept in c.
 */
static int
srv_store_counter(struct srv_store *s, struct srv_counters *c,
    enum srv_stmt get, uint64_t key, uint64_t *value)
{
	sqlite3_stmt *st;
	uint64_t *v, now;
	int r;

	if (key == 0 || key > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((v = srv_counter_get(c, key)) != NULL) {
		*value = ++*v;
		return 0;
	}
	if ((st = srv_stmt(s, get)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)key);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	now = srv_col_u64(st, 0) + 1;
	sqlite3_reset(st);
	if ((r = srv_counter_put(c, key, now)) != 0)
		return r;
	*value = now;
	return 0;
}

int
srv_store_chat_next_id(struct srv_store *s, uint64_t chat_id, uint64_t *id)
{
	return srv_store_counter(s, &s->last_id, STMT_CHAT_LAST_ID, chat_id,
	    id);
}

int
srv_store_message_add(struct srv_store *s, const struct srv_message *m)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_MESSAGE_ADD)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, srv_u2i(m->chat_id));
	sqlite3_bind_int64(st, 2, srv_u2i(m->id));
	sqlite3_bind_int64(st, 3, srv_u2i(m->sender_id));
	sqlite3_bind_int64(st, 4, srv_u2i(m->random_id));
	sqlite3_bind_text(st, 5, m->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, srv_u2i(m->date));
	sqlite3_bind_int64(st, 7, srv_u2i(m->reply_to));
	sqlite3_bind_int64(st, 8, srv_u2i(m->pts));
	return srv_step_done(s, st);
}

/* MESSAGE_COLS from column col on; text is left to the caller. */
static void
srv_row_message(sqlite3_stmt *st, int col, struct srv_message *m)
{
	memset(m, 0, sizeof(*m));
	m->chat_id = srv_col_u64(st, col);
	m->id = srv_col_u64(st, col + 1);
	m->sender_id = srv_col_u64(st, col + 2);
	m->random_id = srv_col_u64(st, col + 3);
	m->date = srv_col_u64(st, col + 5);
	m->reply_to = srv_col_u64(st, col + 6);
	m->pts = srv_col_u64(st, col + 7);
	m->edit_date = srv_col_u64(st, col + 8);
	m->action = sqlite3_column_int(st, col + 9);
	m->action_user_id = srv_col_u64(st, col + 10);
	m->deleted = sqlite3_column_int(st, col + 11);
	m->fwd_date = srv_col_u64(st, col + 12);
	m->fwd_from_id = srv_col_u64(st, col + 13);
	srv_col_text(st, col + 14, m->fwd_name, sizeof(m->fwd_name));
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
	if ((st = srv_stmt(s, STMT_MESSAGE_BY_RANDOM)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)sender);
	sqlite3_bind_int64(st, 2, srv_u2i(random_id));
	if ((r = srv_step_one(s, st)) != 0)
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
	if ((st = srv_stmt(s, STMT_MESSAGE_EXISTS)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	sqlite3_reset(st);
	return 0;
}

/* ---------------------------------------------------------------- updates */

int
srv_store_update_add(struct srv_store *s, uint64_t user_id,
    const struct srv_entry *e, uint64_t *pts)
{
	sqlite3_stmt *st;
	uint64_t n;
	int r;

	if ((r = srv_store_counter(s, &s->pts, STMT_PTS, user_id, &n)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_UPDATE_ADD)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 2, srv_u2i(n));
	sqlite3_bind_int(st, 3, e->kind);
	sqlite3_bind_int64(st, 4, srv_u2i(e->chat_id));
	sqlite3_bind_int64(st, 5, srv_u2i(e->message_id));
	sqlite3_bind_int64(st, 6, srv_u2i(e->arg));
	sqlite3_bind_int64(st, 7, srv_u2i(e->arg2));
	if (e->ids != NULL && e->ids_len > 0)
		sqlite3_bind_blob(st, 8, e->ids, (int)e->ids_len,
		    SQLITE_STATIC);
	if ((r = srv_step_done(s, st)) != 0)
		return r == ERR_EXISTS ? ERR_DB : r;
	*pts = n;
	return 0;
}

int
srv_store_pts(struct srv_store *s, uint64_t user_id, uint64_t *pts)
{
	sqlite3_stmt *st;
	uint64_t *v;
	int r;

	if (user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((v = srv_counter_get(&s->pts, user_id)) != NULL) {
		*pts = *v;
		return 0;
	}
	if ((st = srv_stmt(s, STMT_PTS)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	*pts = srv_col_u64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_updates(struct srv_store *s, uint64_t user_id, uint64_t pts,
    size_t limit, int (*fn)(void *, const struct srv_update *), void *ud)
{
	struct srv_update u;
	sqlite3_stmt *st;
	int rc, r = 0;

	if (user_id > INT64_MAX || pts > INT64_MAX || limit == 0)
		return 0;
	if (limit > INT_MAX)
		limit = INT_MAX;
	if ((st = srv_stmt(s, STMT_UPDATES)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)pts);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		u.pts = srv_col_u64(st, 0);
		u.kind = sqlite3_column_int(st, 1);
		u.chat_id = srv_col_u64(st, 2);
		u.message_id = srv_col_u64(st, 3);
		u.arg = srv_col_u64(st, 4);
		u.arg2 = srv_col_u64(st, 5);
		u.ids = sqlite3_column_blob(st, 6);
		u.ids_len = (size_t)sqlite3_column_bytes(st, 6);
		u.has_message = sqlite3_column_int(st, 7) != 0;
		if (u.has_message) {
			u.msg.chat_id = u.chat_id;
			u.msg.id = u.message_id;
			u.msg.sender_id = srv_col_u64(st, 8);
			u.msg.random_id = srv_col_u64(st, 9);
			u.msg.text = (char *)sqlite3_column_text(st, 10);
			u.msg.date = srv_col_u64(st, 11);
			u.msg.reply_to = srv_col_u64(st, 12);
			u.msg.pts = srv_col_u64(st, 13);
			u.msg.edit_date = srv_col_u64(st, 14);
			u.msg.action = sqlite3_column_int(st, 15);
			u.msg.action_user_id = srv_col_u64(st, 16);
			u.msg.fwd_date = srv_col_u64(st, 26);
			u.msg.fwd_from_id = srv_col_u64(st, 27);
			srv_col_text(st, 28, u.msg.fwd_name,
			    sizeof(u.msg.fwd_name));
			if (sqlite3_column_type(st, 17) != SQLITE_NULL) {
				u.has_snap = 1;
				u.snap.title =
				    (const char *)sqlite3_column_text(st, 17);
				u.snap.members = sqlite3_column_blob(st, 18);
				u.snap.members_len =
				    (size_t)sqlite3_column_bytes(st, 18);
				u.snap.admins = sqlite3_column_blob(st, 19);
				u.snap.admins_len =
				    (size_t)sqlite3_column_bytes(st, 19);
				if (u.snap.title == NULL)
					u.has_snap = 0;
			}
			if (u.msg.text == NULL)
				u.has_message = 0;
		}
		u.chat.id = u.chat_id;
		u.chat.kind = sqlite3_column_int(st, 20);
		srv_col_text(st, 21, u.chat.title, sizeof(u.chat.title));
		u.chat.user_lo = srv_col_u64(st, 22);
		u.chat.user_hi = srv_col_u64(st, 23);
		u.chat.creator_id = srv_col_u64(st, 24);
		u.chat.last_id = srv_col_u64(st, 25);
		if ((r = fn(ud, &u)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("updates: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
	sqlite3_reset(st);
	return r < 0 ? r : 0;
}

/* ---------------------------------------------------------------- groups */

/* Runs a one-row check (SELECT 1 ...) on two ids. 0, ERR_NOT_FOUND, ERR_DB. */
static int
srv_store_exists2(struct srv_store *s, enum srv_stmt which, uint64_t a,
    uint64_t b)
{
	sqlite3_stmt *st;
	int r;

	if (a > INT64_MAX || b > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt(s, which)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)b);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	sqlite3_reset(st);
	return 0;
}

/*
 * Runs a write on two ids. 0, ERR_NOT_FOUND when no row changed (with
 * need_change), ERR_EXISTS or ERR_DB.
 */
static int
srv_store_write2(struct srv_store *s, enum srv_stmt which, uint64_t a,
    uint64_t b, int need_change)
{
	sqlite3_stmt *st;
	int r;

	if (a > INT64_MAX || b > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, which)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)b);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	if (need_change && sqlite3_changes(s->db) == 0)
		return ERR_NOT_FOUND;
	return 0;
}

int
srv_store_service_add(struct srv_store *s, const struct srv_message *m,
    const struct srv_snapshot *snap)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_SERVICE_ADD)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, srv_u2i(m->chat_id));
	sqlite3_bind_int64(st, 2, srv_u2i(m->id));
	sqlite3_bind_int64(st, 3, srv_u2i(m->sender_id));
	sqlite3_bind_int64(st, 4, srv_u2i(m->random_id));
	sqlite3_bind_text(st, 5, m->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, srv_u2i(m->date));
	sqlite3_bind_int64(st, 7, srv_u2i(m->pts));
	sqlite3_bind_int(st, 8, m->action);
	sqlite3_bind_int64(st, 9, srv_u2i(m->action_user_id));
	sqlite3_bind_text(st, 10, snap->title, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, snap->members != NULL ? snap->members :
	    (const uint8_t *)"", (int)snap->members_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 12, snap->admins != NULL ? snap->admins :
	    (const uint8_t *)"", (int)snap->admins_len, SQLITE_STATIC);
	return srv_step_done(s, st);
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
	if ((st = srv_stmt(s, STMT_MESSAGE_GET)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
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
	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_MESSAGE_EDIT)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, srv_u2i(edit_date));
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_message_delete(struct srv_store *s, uint64_t chat_id, uint64_t id)
{
	return srv_store_write2(s, STMT_MESSAGE_DELETE, chat_id, id, 1);
}

int
srv_store_message_hide(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id)
{
	sqlite3_stmt *st;
	int r;

	if (user_id > INT64_MAX || chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_HIDE)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
	return srv_step_done(s, st);
}

int
srv_store_message_hidden(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id)
{
	sqlite3_stmt *st;
	int r;

	if (user_id > INT64_MAX || chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt(s, STMT_HIDDEN)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	sqlite3_reset(st);
	return 0;
}

int
srv_store_group_add(struct srv_store *s, const char *title,
    uint64_t creator_id, struct srv_chat *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_GROUP_ADD)) == NULL)
		return ERR_DB;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 3, srv_u2i(creator_id));
	if ((r = srv_step_done(s, st)) != 0)
		return r == ERR_EXISTS ? ERR_DB : r;
	memset(out, 0, sizeof(*out));
	out->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	out->kind = SRV_CHAT_GROUP;
	out->creator_id = creator_id;
	snprintf(out->title, sizeof(out->title), "%s", title);
	return 0;
}

int
srv_store_member_add(struct srv_store *s, uint64_t chat_id, uint64_t user_id,
    int admin)
{
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX || user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_member_admin(s, chat_id, user_id)) >= 0)
		return ERR_EXISTS;
	if (r != ERR_NOT_FOUND)
		return r;
	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_MEMBER_ADD_ROLE)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	sqlite3_bind_int(st, 3, admin != 0);
	/* Not a member before, so a constraint is the user's foreign key. */
	if ((r = srv_step_done(s, st)) == ERR_EXISTS)
		return ERR_NOT_FOUND;
	return r;
}

int
srv_store_member_remove(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id)
{
	return srv_store_write2(s, STMT_MEMBER_REMOVE, chat_id, user_id, 1);
}

int
srv_store_member_admin(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id)
{
	sqlite3_stmt *st;
	int r, admin;

	if (chat_id > INT64_MAX || user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt(s, STMT_MEMBER_ADMIN)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	admin = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return admin;
}

int
srv_store_chat_rename(struct srv_store *s, uint64_t chat_id,
    const char *title)
{
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_CHAT_RENAME)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_chat_roster(struct srv_store *s, uint64_t chat_id,
    struct srv_member **out, size_t *n)
{
	struct srv_member *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((st = srv_stmt(s, STMT_ROSTER)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, srv_u2i(chat_id));
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
		v[len].user_id = srv_col_u64(st, 0);
		v[len].admin = sqlite3_column_int(st, 1) != 0;
		len++;
	}
	if (rc != SQLITE_DONE) {
		log_error("roster: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
out:
	sqlite3_reset(st);
	if (r != 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = len;
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
	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_READ_SET)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max_id);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_EXISTS;
}

int
srv_store_profile_by_phone(struct srv_store *s, const char *phone,
    struct srv_profile *out)
{
	sqlite3_stmt *st;
	int r;

	if ((st = srv_stmt(s, STMT_PROFILE_BY_PHONE)) == NULL)
		return ERR_DB;
	sqlite3_bind_text(st, 1, phone, -1, SQLITE_STATIC);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_profile(st, out);
	sqlite3_reset(st);
	return 0;
}

/* ---------------------------------------------------------------- contacts */

int
srv_store_contact_add(struct srv_store *s, uint64_t owner, uint64_t user_id)
{
	int r = srv_store_write2(s, STMT_CONTACT_ADD, owner, user_id, 0);

	/* The only constraint left is a user's foreign key. */
	return r == ERR_EXISTS ? ERR_NOT_FOUND : r;
}

int
srv_store_contact_remove(struct srv_store *s, uint64_t owner,
    uint64_t user_id)
{
	return srv_store_write2(s, STMT_CONTACT_REMOVE, owner, user_id, 0);
}

int
srv_store_is_contact(struct srv_store *s, uint64_t owner, uint64_t user_id)
{
	return srv_store_exists2(s, STMT_IS_CONTACT, owner, user_id);
}

int
srv_store_contacts(struct srv_store *s, uint64_t owner, uint64_t **out,
    size_t *n)
{
	return srv_store_ids(s, STMT_CONTACTS, owner, "contacts", out, n);
}

/* ---------------------------------------------------------------- privacy */

/* Binds up to four integers (bound when n > i). */
static sqlite3_stmt *
srv_stmt_ints(struct srv_store *s, enum srv_stmt which, int n, uint64_t a,
    uint64_t b, uint64_t c, uint64_t d)
{
	sqlite3_stmt *st;

	if ((st = srv_stmt(s, which)) == NULL)
		return NULL;
	if (n > 0)
		sqlite3_bind_int64(st, 1, srv_u2i(a));
	if (n > 1)
		sqlite3_bind_int64(st, 2, srv_u2i(b));
	if (n > 2)
		sqlite3_bind_int64(st, 3, srv_u2i(c));
	if (n > 3)
		sqlite3_bind_int64(st, 4, srv_u2i(d));
	return st;
}

/* Runs a write of up to four integers. 0, ERR_EXISTS or ERR_DB. */
static int
srv_store_write_ints(struct srv_store *s, enum srv_stmt which, int n,
    uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt_ints(s, which, n, a, b, c, d)) == NULL)
		return ERR_DB;
	return srv_step_done(s, st);
}

/* Reads the one integer a counting statement returns. 0 or ERR_DB. */
static int
srv_store_count(struct srv_store *s, sqlite3_stmt *st, size_t *n)
{
	int r;

	*n = 0;
	if (st == NULL)
		return ERR_DB;
	if ((r = srv_step_one(s, st)) != 0)
		return r == ERR_NOT_FOUND ? 0 : r;
	*n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_privacy_restricted(struct srv_store *s, uint64_t owner)
{
	if (s->restricted_all || srv_counter_get(&s->restricted,
	    owner) != NULL)
		return 1;
	return 0;
}

int
srv_store_privacy_facts(struct srv_store *s, uint64_t owner, int key,
    uint64_t asker, struct srv_privacy_facts *out)
{
	sqlite3_stmt *st;
	int r;

	memset(out, 0, sizeof(*out));
	out->exception = -1;
	if (owner > INT64_MAX || asker > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt_ints(s, STMT_PRIVACY_FACTS, 3, owner,
	    (uint64_t)key, asker, 0)) == NULL)
		return ERR_DB;
	if ((r = srv_step_one(s, st)) != 0)
		return r == ERR_NOT_FOUND ? ERR_DB : r;
	out->blocked = sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		out->exception = sqlite3_column_int(st, 1) != 0;
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		out->value = sqlite3_column_int(st, 2);
	out->contact = sqlite3_column_type(st, 3) != SQLITE_NULL;
	sqlite3_reset(st);
	return 0;
}

int
srv_store_privacy_get(struct srv_store *s, uint64_t owner, int key,
    int *value)
{
	sqlite3_stmt *st;
	int r;

	*value = 0;
	if ((st = srv_stmt_ints(s, STMT_PRIVACY_VALUE, 2, owner,
	    (uint64_t)key, 0, 0)) == NULL)
		return ERR_DB;
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	*value = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_privacy_set(struct srv_store *s, uint64_t owner, int key,
    int value)
{
	srv_store_restrict(s, owner);
	return srv_store_write_ints(s, STMT_PRIVACY_SET, 3, owner,
	    (uint64_t)key, (uint64_t)value, 0);
}

int
srv_store_privacy_exceptions(struct srv_store *s, uint64_t owner, int key,
    uint64_t **allow, size_t *n_allow, uint64_t **deny, size_t *n_deny)
{
	uint64_t *v = NULL, *nv, *a = NULL, *d = NULL;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0, i, na = 0, nd = 0;
	int rc, r = 0, *al = NULL, *nal;

	*allow = *deny = NULL;
	*n_allow = *n_deny = 0;
	if ((st = srv_stmt_ints(s, STMT_PRIVACY_LIST, 2, owner,
	    (uint64_t)key, 0, 0)) == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			v = nv;
			if ((nal = realloc(al, cap * sizeof(*al))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			al = nal;
		}
		v[len] = srv_col_u64(st, 0);
		al[len++] = sqlite3_column_int(st, 1) != 0;
	}
	if (rc != SQLITE_DONE) {
		log_error("privacy exceptions: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
		goto out;
	}
	if (len > 0 && ((a = calloc(len, sizeof(*a))) == NULL ||
	    (d = calloc(len, sizeof(*d))) == NULL)) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (al[i])
			a[na++] = v[i];
		else
			d[nd++] = v[i];
	}
	*allow = a;
	*n_allow = na;
	*deny = d;
	*n_deny = nd;
	a = d = NULL;
out:
	sqlite3_reset(st);
	free(v);
	free(al);
	free(a);
	free(d);
	return r;
}

int
srv_store_privacy_clear(struct srv_store *s, uint64_t owner, int key)
{
	return srv_store_write_ints(s, STMT_PRIVACY_CLEAR, 2, owner,
	    (uint64_t)key, 0, 0);
}

int
srv_store_privacy_except(struct srv_store *s, uint64_t owner, int key,
    uint64_t user_id, int mode)
{
	if (mode == 0)
		return srv_store_write_ints(s, STMT_PRIVACY_EXCEPT_DEL, 3,
		    owner, (uint64_t)key, user_id, 0);
	srv_store_restrict(s, owner);
	return srv_store_write_ints(s, STMT_PRIVACY_EXCEPT_SET, 4, owner,
	    (uint64_t)key, user_id, mode > 0);
}

int
srv_store_privacy_except_count(struct srv_store *s, uint64_t owner, int key,
    size_t *n)
{
	return srv_store_count(s, srv_stmt_ints(s, STMT_PRIVACY_EXCEPT_COUNT,
	    2, owner, (uint64_t)key, 0, 0), n);
}

int
srv_store_block_set(struct srv_store *s, uint64_t owner, uint64_t user_id,
    int blocked, uint64_t now)
{
	int r;

	if (!blocked)
		return srv_store_write_ints(s, STMT_BLOCK_REMOVE, 2, owner,
		    user_id, 0, 0);
	srv_store_restrict(s, owner);
	r = srv_store_write_ints(s, STMT_BLOCK_ADD, 3, owner, user_id, now,
	    0);
	/* The only constraint left is a user's foreign key. */
	return r == ERR_EXISTS ? ERR_NOT_FOUND : r;
}

int
srv_store_is_blocked(struct srv_store *s, uint64_t owner, uint64_t user_id)
{
	return srv_store_exists2(s, STMT_IS_BLOCKED, owner, user_id);
}

int
srv_store_blocked(struct srv_store *s, uint64_t owner, uint64_t **out,
    size_t *n)
{
	return srv_store_ids(s, STMT_BLOCKED, owner, "blocked", out, n);
}

int
srv_store_block_count(struct srv_store *s, uint64_t owner, size_t *n)
{
	return srv_store_count(s, srv_stmt_ints(s, STMT_BLOCK_COUNT, 1, owner,
	    0, 0, 0), n);
}

int
srv_store_sender_wrote(struct srv_store *s, uint64_t chat_id,
    uint64_t sender)
{
	return srv_store_exists2(s, STMT_SENDER_WROTE, chat_id, sender);
}
