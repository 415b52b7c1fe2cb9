/*
 * The client store's secret chats on a real SQLCipher file with a random
 * key: the identity, signed prekeys (the newest, rotation and pruning that
 * keeps the newest), one-time prekeys (used ones deleted, ids never
 * reused), chat rows per peer device and what accepting leaves, ratchet
 * blobs, messages and their read / self-destruct times, expiry, qts, the
 * secret outbox (exact bytes, order, removal, a chat's deletion taking its
 * envelopes) with the messages' send state, the peer keys that outlive a
 * chat, that clear_account forgets all of it, and the migration of a
 * schema 3 profile (its messages count as sent, its chats' keys known).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "db/sqlc.h"
#include "store/store.h"
#include "tests/unit/tap.h"

#define SID 77
#define BOB 200

struct seen {
	uint64_t id[16];
	char text[16][32];
	uint64_t expires[16];
	int state[16];
	size_t n;
};

static int
collect_msg(void *ud, const struct store_secret_msg *m)
{
	struct seen *s = ud;

	if (s->n < 16) {
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", m->text);
		s->expires[s->n] = m->expires_at;
		s->state[s->n] = m->state;
		s->id[s->n++] = m->random_id;
	}
	return 0;
}

static int
collect_chat(void *ud, const struct store_secret_chat *c)
{
	struct seen *s = ud;

	if (s->n < 16)
		s->id[s->n++] = c->peer_device;
	return 0;
}

static int
add(struct store *s, uint64_t rid, int out, const char *text, uint32_t ttl)
{
	struct store_secret_msg m;

	memset(&m, 0, sizeof(m));
	m.secret_id = SID;
	m.random_id = rid;
	m.out = out;
	m.text = (char *)text;
	m.date = 1000;
	m.ttl = ttl;
	return store_secret_add_msg(s, &m);
}

/*
 * One store through the whole file: each behaviour below starts from what
 * the ones before it left (the chat with bob's devices, its messages).
 */
static struct store *s;
static char dir[] = "/tmp/sotto-test-ssecret-XXXXXX", path[256];
static uint8_t key[STORE_KEY_LEN];
/* The chat with bob and its ratchet blob, stored again by later steps. */
static struct store_secret_chat chat;
static uint8_t blob[100];

static void
identity_round_trips(void)
{
	uint8_t sk[64], pub[32], sk2[64], pub2[32];

	is_int(store_open(&s, path, key, 1), 0, "a new store is created");
	is_int(store_secret_get_identity(s, sk2, pub2), ERR_NOT_FOUND,
	    "a new store has no identity yet");
	sec_random(sk, sizeof(sk));
	sec_random(pub, sizeof(pub));
	is_int(store_secret_set_identity(s, sk, pub), 0,
	    "the identity is stored");
	ok(store_secret_get_identity(s, sk2, pub2) == 0 &&
	    memcmp(sk, sk2, 64) == 0 && memcmp(pub, pub2, 32) == 0,
	    "the identity reads back as stored");
}

/* Signed prekeys: the newest is current; pruning keeps it. */
static void
newest_spk_is_current_and_survives_pruning(void)
{
	struct store_spk k, k2;
	uint8_t priv[32];

	is_int(store_secret_current_spk(s, &k, NULL), ERR_NOT_FOUND,
	    "there is no signed prekey yet");
	memset(&k, 0, sizeof(k));
	k.id = 1;
	k.created = 100;
	memset(k.pub, 1, 32);
	memset(k.sig, 2, 64);
	memset(priv, 3, 32);
	is_int(store_secret_put_spk(s, &k, priv), 0,
	    "signed prekey 1 is stored");
	k.id = 2;
	k.created = 200;
	memset(k.pub, 4, 32);
	memset(priv, 5, 32);
	is_int(store_secret_put_spk(s, &k, priv), 0,
	    "signed prekey 2 is stored");
	memset(priv, 0, 32);
	ok(store_secret_current_spk(s, &k2, priv) == 0 && k2.id == 2 &&
	    k2.created == 200 && priv[0] == 5 && k2.pub[0] == 4 &&
	    k2.sig[63] == 2, "the newest is current, with its private half");
	ok(store_secret_get_spk(s, 1, &k2, priv) == 0 && priv[0] == 3,
	    "the old one still answers late requests");
	is_int(store_secret_prune_spk(s, 150), 0,
	    "the prekeys made before 150 are pruned");
	is_int(store_secret_get_spk(s, 1, &k2, priv), ERR_NOT_FOUND,
	    "the old one is gone after its grace period");
	is_int(store_secret_prune_spk(s, 10000), 0,
	    "every old prekey is pruned");
	ok(store_secret_current_spk(s, &k2, NULL) == 0 && k2.id == 2,
	    "pruning never removes the current one");
}

static void
opk_ids_never_repeat(void)
{
	uint8_t priv[32], pub2[32];
	uint32_t max;
	int i;

	ok(store_secret_max_opk_id(s, &max) == 0 && max == 0,
	    "there is no one-time prekey yet");
	for (i = 1; i <= 3; i++) {
		memset(priv, i, 32);
		memset(pub2, 0x10 + i, 32);
		is_int(store_secret_add_opk(s, (uint32_t)i, priv, pub2), 0,
		    "one-time prekey %d is stored", i);
	}
	is_int(store_secret_add_opk(s, 2, priv, pub2), ERR_DB,
	    "a one-time prekey id is not reused");
	ok(store_secret_get_opk(s, 2, priv, pub2) == 0 && priv[0] == 2 &&
	    pub2[0] == 0x12, "one-time prekey 2 reads back");
	is_int(store_secret_del_opk(s, 3), 0,
	    "the used one-time prekey is deleted");
	is_int(store_secret_get_opk(s, 3, priv, pub2), ERR_NOT_FOUND,
	    "the deleted one-time prekey is gone");
	ok(store_secret_max_opk_id(s, &max) == 0 && max == 3,
	    "the highest id survives deleting it, so ids never repeat");
}

/* A pending-out chat with two of bob's devices; one accepts. */
static void
accepting_device_keeps_its_row(void)
{
	struct store_secret_chat g;
	struct seen seen;
	uint8_t out[100];
	size_t len;
	int i;

	memset(&chat, 0, sizeof(chat));
	chat.secret_id = SID;
	chat.peer_user = BOB;
	chat.state = STORE_SECRET_PENDING_OUT;
	chat.initiator = 1;
	chat.created = 5;
	chat.ttl = 30;
	for (i = 1; i <= 2; i++) {
		chat.peer_device = (uint64_t)i;
		memset(chat.peer_ik, i, 32);
		memset(blob, 0x20 + i, sizeof(blob));
		is_int(store_secret_put_chat(s, &chat, blob, sizeof(blob)), 0,
		    "a row for device %d is stored", i);
	}
	is_int(store_secret_find_active(s, BOB, &g), ERR_NOT_FOUND,
	    "nothing is active yet");
	is_int(store_secret_set_state(s, SID, 2, STORE_SECRET_ACTIVE), 0,
	    "device 2 accepts");
	is_int(store_secret_drop_others(s, SID, 2), 0,
	    "the other devices' rows are dropped");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_list_chats(s, collect_chat, &seen) == 0 &&
	    seen.n == 1 && seen.id[0] == 2, "one row is left: device 2's");
	ok(store_secret_find_active(s, BOB, &g) == 0 && g.peer_device == 2 &&
	    g.peer_ik[0] == 2 && g.ttl == 30 && g.initiator,
	    "the active chat is device 2's");
	ok(store_secret_get_ratchet(s, SID, 2, out, sizeof(out), &len) == 0 &&
	    len == sizeof(blob) && out[0] == 0x22,
	    "its ratchet blob reads back");
	is_int(store_secret_get_ratchet(s, SID, 2, out, 10, &len),
	    ERR_TOO_BIG, "a too small buffer for the blob is refused");
	memset(blob, 0x33, 50);
	ok(store_secret_set_ratchet(s, SID, 2, blob, 50) == 0 &&
	    store_secret_get_ratchet(s, SID, 2, out, sizeof(out), &len) == 0 &&
	    len == 50 && out[49] == 0x33, "the ratchet blob is replaced");
}

/* Messages, reading and self-destruct. */
static void
messages_expire_after_their_read(void)
{
	struct seen seen;
	uint64_t ids[8], n, at;
	size_t cnt;

	is_int(add(s, 1, 0, "one", 10), 0, "incoming 1 (ttl 10) is stored");
	is_int(add(s, 2, 0, "two", 0), 0, "incoming 2 (no ttl) is stored");
	is_int(add(s, 3, 1, "three", 10), 0, "outgoing 3 (ttl 10) is stored");
	is_int(add(s, 4, 0, "four", 20), 0, "incoming 4 (ttl 20) is stored");
	is_int(add(s, 1, 0, "dup", 10), 0, "a duplicate is ignored");
	ok(store_secret_mark_read(s, SID, 1000, ids, 2, &cnt) == 0 &&
	    cnt == 2 && ids[0] == 1 && ids[1] == 2,
	    "reading marks the oldest two (the cap)");
	ok(store_secret_mark_read(s, SID, 1001, ids, 8, &cnt) == 0 &&
	    cnt == 1 && ids[0] == 4, "reading again marks the rest");
	ok(store_secret_mark_read(s, SID, 1002, ids, 8, &cnt) == 0 &&
	    cnt == 0, "reading then marks nothing");
	is_int(store_secret_peer_read(s, SID, 3, 1005), 0,
	    "the peer reads ours");
	ok(store_secret_next_expiry(s, &at) == 0 && at == 1010,
	    "the first to go goes at 1010");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_list_msgs(s, SID, collect_msg, &seen) == 0 &&
	    seen.n == 4 && strcmp(seen.text[0], "one") == 0 &&
	    seen.expires[0] == 1010 && seen.expires[1] == 0 &&
	    seen.expires[2] == 1015 && seen.expires[3] == 1021,
	    "each countdown runs from its read");
	ok(store_secret_expire(s, 1015, &n) == 0 && n == 2,
	    "at 1015 two are deleted");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_list_msgs(s, SID, collect_msg, &seen) == 0 &&
	    seen.n == 2 && seen.id[0] == 2 && seen.id[1] == 4,
	    "the untimed one and the later one stay");
}

static void
qts_round_trips(void)
{
	uint64_t n;

	ok(store_get_qts(s, &n) == 0 && n == 0, "qts starts at 0");
	ok(store_set_qts(s, 42) == 0 && store_get_qts(s, &n) == 0 && n == 42,
	    "qts 42 is stored and read back");
}

/* The secret outbox and the send state of our messages. */
static void
outbox_keeps_exact_bytes_and_send_state(void)
{
	struct store_secret_env e, f;
	struct store_secret_msg m;
	struct seen seen;
	uint8_t ct1[40], ct2[70];
	uint64_t n;
	int removed;

	ok(store_secret_outbox_count(s, &n) == 0 && n == 0,
	    "the secret outbox is empty");
	is_int(store_secret_outbox_first(s, &f), ERR_NOT_FOUND,
	    "there is nothing to send");
	memset(&m, 0, sizeof(m));
	m.secret_id = SID;
	m.random_id = 60;
	m.out = 1;
	m.text = (char *)"queued one";
	m.date = 1100;
	m.state = STORE_SECRET_MSG_QUEUED;
	is_int(store_secret_add_msg(s, &m), 0, "a queued message is stored");
	sec_random(ct1, sizeof(ct1));
	sec_random(ct2, sizeof(ct2));
	memset(&e, 0, sizeof(e));
	e.secret_id = SID;
	e.peer_device = 2;
	e.random_id = 60;
	e.msg_id = m.id;
	e.data = ct1;
	e.len = sizeof(ct1);
	e.created = 1100;
	is_int(store_secret_outbox_add(s, &e), 0, "its envelope is queued");
	e.random_id = 61;
	e.msg_id = 0;
	e.data = ct2;
	e.len = sizeof(ct2);
	is_int(store_secret_outbox_add(s, &e), 0,
	    "a read receipt's envelope is queued");
	is_int(store_secret_outbox_add(s, &e), ERR_EXISTS,
	    "the same random_id twice is refused");
	e.random_id = 0;
	is_int(store_secret_outbox_add(s, &e), ERR_INVAL,
	    "random_id 0 is refused");
	ok(store_secret_outbox_count(s, &n) == 0 && n == 2,
	    "two envelopes wait");
	ok(store_secret_outbox_first(s, &f) == 0 && f.random_id == 60 &&
	    f.msg_id == m.id && f.peer_device == 2 &&
	    f.len == sizeof(ct1) && memcmp(f.data, ct1, f.len) == 0 &&
	    f.attempts == 0, "the oldest comes first, with its exact bytes");
	is_int(store_secret_outbox_attempt(s, f.seq), 0,
	    "an attempt is recorded");
	store_secret_env_free(&f);
	ok(store_secret_outbox_first(s, &f) == 0 && f.attempts == 1,
	    "the attempt is counted");
	store_secret_env_free(&f);
	ok(store_secret_outbox_remove(s, SID, 60, &removed) == 0 &&
	    removed == 1, "the acknowledged envelope is removed");
	ok(store_secret_outbox_remove(s, SID, 60, &removed) == 0 &&
	    removed == 0, "removing it again is no error");
	is_int(store_secret_set_msg_state(s, m.id,
	    STORE_SECRET_MSG_SENT), 0, "the message is marked sent");
	ok(store_secret_outbox_first(s, &f) == 0 && f.random_id == 61 &&
	    f.msg_id == 0 && f.len == sizeof(ct2) &&
	    memcmp(f.data, ct2, f.len) == 0, "the receipt comes next");
	store_secret_env_free(&f);
	memset(&m, 0, sizeof(m));
	m.secret_id = SID;
	m.random_id = 62;
	m.out = 1;
	m.text = (char *)"refused one";
	m.state = STORE_SECRET_MSG_QUEUED;
	ok(store_secret_add_msg(s, &m) == 0 &&
	    store_secret_set_msg_state(s, m.id,
	    STORE_SECRET_MSG_FAILED) == 0, "another message is refused");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_list_msgs(s, SID, collect_msg, &seen) == 0 &&
	    seen.n == 4 && seen.id[2] == 60 &&
	    seen.state[2] == STORE_SECRET_MSG_SENT &&
	    seen.id[3] == 62 &&
	    seen.state[3] == STORE_SECRET_MSG_FAILED &&
	    seen.state[0] == STORE_SECRET_MSG_SENT,
	    "each message says where it is");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_get_msg(s, m.id, collect_msg, &seen) == 0 &&
	    seen.n == 1 && seen.id[0] == 62 &&
	    strcmp(seen.text[0], "refused one") == 0,
	    "one message is read by its id");
	is_int(store_secret_get_msg(s, m.id + 100, collect_msg, &seen),
	    ERR_NOT_FOUND, "an unknown message id is not found");
}

/* The peer's keys, per device, from every chat row stored. */
static void
peer_keys_known_per_device(void)
{
	uint8_t pub2[32];

	ok(store_secret_peer_key(s, BOB, 1, pub2) == 0 && pub2[0] == 1 &&
	    store_secret_peer_key(s, BOB, 2, pub2) == 0 && pub2[31] == 2,
	    "each device's key is known, the dropped one's too");
	is_int(store_secret_peer_key(s, BOB, 3, pub2), ERR_NOT_FOUND,
	    "an unknown device has no key");
}

/* Close wipes the chat, its messages and its envelopes. */
static void
deleting_a_chat_takes_its_messages_and_envelopes(void)
{
	struct store_secret_chat g;
	struct seen seen;
	uint8_t pub2[32];
	uint64_t n;

	is_int(store_secret_delete_chat(s, SID), 0, "the chat is deleted");
	is_int(store_secret_get_chat(s, SID, 0, &g), ERR_NOT_FOUND,
	    "its rows are gone");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_list_msgs(s, SID, collect_msg, &seen) == 0 &&
	    seen.n == 0, "its messages are gone");
	ok(store_secret_outbox_count(s, &n) == 0 && n == 0,
	    "its queued receipt is gone");
	ok(store_secret_peer_key(s, BOB, 2, pub2) == 0 && pub2[0] == 2,
	    "the peer's key outlives the chat");
}

/* Reopen, then clear_account forgets every secret. */
static void
clear_account_forgets_every_secret(void)
{
	struct store_secret_chat g;
	struct store_spk k2;
	struct seen seen;
	uint8_t sk2[64], pub2[32], priv[32];
	uint64_t n;

	store_close(s);
	is_int(store_open(&s, path, key, 0), 0, "the store reopens");
	ok(store_get_qts(s, &n) == 0 && n == 42, "qts survived reopening");
	chat.peer_device = 9;
	is_int(store_secret_put_chat(s, &chat, NULL, 0), 0,
	    "another chat is stored");
	is_int(add(s, 5, 0, "five", 0), 0, "and a message in it");
	is_int(store_clear_account(s), 0, "the account is cleared");
	is_int(store_secret_get_identity(s, sk2, pub2), ERR_NOT_FOUND,
	    "the identity is gone");
	is_int(store_secret_current_spk(s, &k2, NULL), ERR_NOT_FOUND,
	    "the signed prekeys are gone");
	is_int(store_secret_get_opk(s, 1, priv, pub2), ERR_NOT_FOUND,
	    "the one-time prekeys are gone");
	is_int(store_secret_get_chat(s, SID, 0, &g), ERR_NOT_FOUND,
	    "the chats are gone");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_list_msgs(s, SID, collect_msg, &seen) == 0 &&
	    seen.n == 0, "the messages are gone");
	ok(store_get_qts(s, &n) == 0 && n == 0, "qts is back to 0");
	is_int(store_secret_peer_key(s, BOB, 2, pub2), ERR_NOT_FOUND,
	    "the peers' keys are gone");
	store_close(s);
}

/*
 * Schema 3 to 4: a profile made now is taken back to what schema 3
 * had (no outbox, no peer keys, messages without a state), then
 * opened again.
 */
static void
schema_3_profile_migrates(void)
{
	struct seen seen;
	sqlite3 *db = NULL;
	uint8_t pub2[32];
	uint64_t n;
	int v = 0;

	snprintf(path, sizeof(path), "%s/old.db", dir);
	is_int(store_open(&s, path, key, 1), 0,
	    "a second profile is created");
	chat.secret_id = SID;
	chat.peer_device = 7;
	chat.state = STORE_SECRET_ACTIVE;
	memset(chat.peer_ik, 7, 32);
	ok(store_secret_put_chat(s, &chat, blob, sizeof(blob)) == 0 &&
	    add(s, 8, 1, "old", 0) == 0, "it gets a chat and a message");
	store_close(s);
	is_int(sqlc_open(&db, path, key, 0, SQLC_SYNC_NORMAL), 0,
	    "the profile opens raw");
	is_int(sqlc_exec(db, "BEGIN;"
	    "DROP TABLE secret_outbox;"
	    "DROP TABLE secret_peer_keys;"
	    /* Schema 6's; schema 5's indexes go with the table. */
	    "DROP TABLE secret_key_warnings;"
	    "CREATE TABLE sm3 ("
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
	    "INSERT INTO sm3 SELECT id, secret_id, random_id, out, "
	    "  service, text, date, ttl, read_date, expires_at "
	    "  FROM secret_messages;"
	    "DROP TABLE secret_messages;"
	    "ALTER TABLE sm3 RENAME TO secret_messages;"
	    "CREATE INDEX secret_messages_expiry ON secret_messages "
	    "  (expires_at) WHERE expires_at != 0;"
	    "PRAGMA user_version = 3;"
	    "COMMIT;"), 0, "it is taken back to schema 3");
	sqlc_close(db);
	db = NULL;
	is_int(store_open(&s, path, key, 0), 0, "it is migrated on open");
	store_close(s);
	if (sqlc_open(&db, path, key, 0, SQLC_SYNC_NORMAL) != 0 ||
	    sqlc_user_version(db, &v) != 0)
		v = -1;
	ok(v >= 4, "its user_version is 4 or later (%d)", v);
	sqlc_close(db);
	is_int(store_open(&s, path, key, 0), 0, "the migrated profile reopens");
	ok(store_secret_peer_key(s, BOB, 7, pub2) == 0 &&
	    pub2[0] == 7 && pub2[31] == 7,
	    "the existing chat's key is known");
	memset(&seen, 0, sizeof(seen));
	ok(store_secret_list_msgs(s, SID, collect_msg, &seen) == 0 &&
	    seen.n == 1 && seen.id[0] == 8 &&
	    seen.state[0] == STORE_SECRET_MSG_SENT,
	    "the old message counts as sent");
	ok(store_secret_outbox_count(s, &n) == 0 && n == 0,
	    "the outbox starts empty");
	store_close(s);
}

int
main(void)
{
	char cmd[300];

	if (sec_init() != 0)
		return 1;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	sec_random(key, sizeof(key));

	identity_round_trips();
	newest_spk_is_current_and_survives_pruning();
	opk_ids_never_repeat();
	accepting_device_keeps_its_row();
	messages_expire_after_their_read();
	qts_round_trips();
	outbox_keeps_exact_bytes_and_send_state();
	peer_keys_known_per_device();
	deleting_a_chat_takes_its_messages_and_envelopes();
	clear_account_forgets_every_secret();
	schema_3_profile_migrates();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "the test directory is removed");
	return tap_done();
}
