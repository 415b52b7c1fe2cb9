/*
 * Secret chats and their messages in the client store (store/store.h):
 * the sessions with their ratchet state, and the messages with their
 * read dates, timers and send states.
 */
#include "store/store.h"

#include <string.h>

#include "lib/err.h"
#include "store/store_int.h"

int
store_secret_put_chat(struct store *s, const struct store_secret_chat *c,
    const uint8_t *ratchet, size_t ratchet_len)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "INSERT OR REPLACE INTO secret_chats "
	    "(secret_id, peer_device, peer_user, peer_ik, state, ttl, "
	    "initiator, created, ek, spk_id, opk_id, ratchet) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);", "iiibiiiibiib",
	    c->secret_id, c->peer_device, c->peer_user, c->peer_ik,
	    (size_t)STORE_SECRET_KEY_LEN, (uint64_t)c->state, (uint64_t)c->ttl,
	    (uint64_t)c->initiator, c->created, c->ek,
	    (size_t)STORE_SECRET_KEY_LEN, (uint64_t)c->spk_id,
	    (uint64_t)c->opk_id, ratchet, ratchet_len)) != 0 ||
	    (r = store__step_done(st)) != 0)
		return r;
	/* The key outlives the chat: a later one is compared with it. */
	if ((r = store__sq(s, &st, "INSERT OR REPLACE INTO secret_peer_keys "
	    "(peer_user, peer_device, peer_ik) VALUES (?, ?, ?);", "iib",
	    c->peer_user, c->peer_device, c->peer_ik,
	    (size_t)STORE_SECRET_KEY_LEN)) != 0)
		return r;
	return store__step_done(st);
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
	    store__column_key(st, 8, c->ek, STORE_SECRET_KEY_LEN) != 0)
		return ERR_DB;
	return store__column_key(st, 3, c->peer_ik, STORE_SECRET_KEY_LEN);
}

int
store_secret_get_chat(struct store *s, uint64_t secret_id,
    uint64_t peer_device, struct store_secret_chat *c)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT " STORE_SECRET_COLS " FROM "
	    "secret_chats WHERE secret_id = ? AND (? = 0 OR peer_device = ?) "
	    "ORDER BY peer_device LIMIT 1;", "iii", secret_id, peer_device,
	    peer_device)) != 0)
		return r;
	if ((r = store__row(st)) == 0)
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

	if ((r = store__sq(s, &st, "SELECT " STORE_SECRET_COLS " FROM "
	    "secret_chats WHERE peer_user = ? AND state = ? "
	    "ORDER BY created DESC LIMIT 1;", "ii", peer_user,
	    (uint64_t)STORE_SECRET_ACTIVE)) != 0)
		return r;
	if ((r = store__row(st)) == 0)
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
	if ((r = store__sq(s, &st, "SELECT ratchet FROM secret_chats WHERE "
	    "secret_id = ? AND peer_device = ?;", "ii", secret_id,
	    peer_device)) != 0)
		return r;
	if ((r = store__row(st)) == 0) {
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

	if ((r = store__sq(s, &st, "UPDATE secret_chats SET ratchet = ? WHERE "
	    "secret_id = ? AND peer_device = ?;", "bii", blob, len, secret_id,
	    peer_device)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_set_state(struct store *s, uint64_t secret_id,
    uint64_t peer_device, int state)
{
	sqlite3_stmt *st;
	int r;

	/* The X3DH first message is not needed once the chat is active. */
	if ((r = store__sq(s, &st, "UPDATE secret_chats SET state = ?, "
	    "ek = CASE WHEN ? = 2 THEN ek ELSE NULL END WHERE secret_id = ? "
	    "AND peer_device = ?;", "iiii", (uint64_t)state, (uint64_t)state,
	    secret_id, peer_device)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_set_ttl(struct store *s, uint64_t secret_id, uint32_t ttl)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "UPDATE secret_chats SET ttl = ? WHERE "
	    "secret_id = ?;", "ii", (uint64_t)ttl, secret_id)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_drop_others(struct store *s, uint64_t secret_id,
    uint64_t keep_device)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "DELETE FROM secret_chats WHERE "
	    "secret_id = ? AND peer_device != ?;", "ii", secret_id,
	    keep_device)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_delete_chat(struct store *s, uint64_t secret_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "DELETE FROM secret_outbox WHERE "
	    "secret_id = ?;", "i", secret_id)) != 0 ||
	    (r = store__step_done(st)) != 0)
		return r;
	if ((r = store__sq(s, &st, "DELETE FROM secret_messages WHERE "
	    "secret_id = ?;", "i", secret_id)) != 0 ||
	    (r = store__step_done(st)) != 0)
		return r;
	if ((r = store__sq(s, &st, "DELETE FROM secret_chats WHERE "
	    "secret_id = ?;", "i", secret_id)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_list_chats(struct store *s, store_secret_chat_fn *fn, void *ud)
{
	struct store_secret_chat c;
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT " STORE_SECRET_COLS " FROM "
	    "secret_chats ORDER BY created DESC, secret_id, peer_device;", ""))
	    != 0)
		return r;
	while ((r = store__row(st)) == 0) {
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

	if ((r = store__sq(s, &st, "INSERT OR IGNORE INTO secret_messages "
	    "(secret_id, random_id, out, service, text, date, ttl, read_date, "
	    "expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);",
	    "iiiitiiiii", m->secret_id, m->random_id, (uint64_t)m->out,
	    (uint64_t)m->service, m->text, m->date,
	    (uint64_t)m->ttl, m->read_date, m->expires_at,
	    (uint64_t)m->state)) != 0)
		return r;
	if ((r = store__step_done(st)) != 0)
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

	while ((r = store__row(st)) == 0) {
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

	if ((r = store__sq(s, &st, "SELECT " STORE_SMSG_COLS " FROM "
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
	if ((r = store__sq(s, &st, "SELECT * FROM (SELECT " STORE_SMSG_COLS
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
	if ((r = store__sq(s, &st, "SELECT " STORE_SMSG_COLS " FROM "
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
	if ((r = store__sq(s, &st, "SELECT count(*) FROM secret_messages "
	    "WHERE secret_id = ? AND out = 0 AND service = 0 AND "
	    "read_date = 0;", "i", secret_id)) != 0)
		return r;
	if ((r = store__row(st)) == 0)
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
	if ((r = store__sq(s, &st, "SELECT random_id, id FROM secret_messages "
	    "WHERE secret_id = ? AND out = 0 AND read_date = 0 "
	    "ORDER BY id LIMIT ?;", "ii", secret_id, (uint64_t)cap)) != 0)
		return r;
	while ((r = store__row(st)) == 0) {
		ids[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
		last = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (r != ERR_NOT_FOUND)
		return r;
	if (*n == 0)
		return 0;
	/* Exactly the rows listed: the rest wait for the next receipt. */
	if ((r = store__sq(s, &st, "UPDATE secret_messages SET read_date = ?, "
	    "expires_at = CASE WHEN ttl > 0 THEN ? + ttl ELSE 0 END "
	    "WHERE secret_id = ? AND out = 0 AND read_date = 0 AND id <= ?;",
	    "iiii", now, now, secret_id, last)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_peer_read(struct store *s, uint64_t secret_id,
    uint64_t random_id, uint64_t date)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "UPDATE secret_messages SET read_date = ?, "
	    "expires_at = CASE WHEN ttl > 0 THEN ? + ttl ELSE 0 END "
	    "WHERE secret_id = ? AND random_id = ? AND out = 1 AND "
	    "read_date = 0;", "iiii", date, date, secret_id, random_id)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_expire(struct store *s, uint64_t now, uint64_t *n)
{
	sqlite3_stmt *st;
	int r;

	if (n != NULL)
		*n = 0;
	if ((r = store__sq(s, &st, "DELETE FROM secret_messages WHERE "
	    "expires_at != 0 AND expires_at <= ?;", "i", now)) != 0)
		return r;
	if ((r = store__step_done(st)) == 0 && n != NULL)
		*n = (uint64_t)sqlite3_changes(s->db);
	return r;
}

int
store_secret_next_expiry(struct store *s, uint64_t *at)
{
	return store__u64(s, "SELECT MIN(expires_at) FROM secret_messages "
	    "WHERE expires_at != 0;", at);
}

int
store_secret_set_msg_state(struct store *s, uint64_t id, int state)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "UPDATE secret_messages SET state = ? "
	    "WHERE id = ?;", "ii", (uint64_t)state, id)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_get_msg(struct store *s, uint64_t id, store_secret_msg_fn *fn,
    void *ud)
{
	struct store_secret_msg m;
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT secret_id, random_id, out, service, "
	    "text, date, ttl, read_date, expires_at, state FROM "
	    "secret_messages WHERE id = ?;", "i", id)) != 0)
		return r;
	if ((r = store__row(st)) == 0) {
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
