/*
 * The one-row state of a profile (store/store.h): this device's key, the
 * server and its pinned key, the account, the sync positions of the
 * update stream (pts) and of the secret queue (qts), and forgetting the
 * account whole.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "db/sqlc.h"
#include "store/store_int.h"

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

	if ((r = store__prepare(s, &st, "SELECT private_key, public_key "
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
	if ((r = store__column_key(st, 0, priv, STORE_PUBKEY_LEN)) != 0)
		goto out;
	if (pub != NULL &&
	    (r = store__column_key(st, 1, pub, STORE_PUBKEY_LEN)) != 0)
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

	if ((r = store__sq(s, &st, "INSERT OR REPLACE INTO device "
	    "(id, private_key, public_key, created) VALUES (1, ?, ?, ?);",
	    "bbi", priv, (size_t)STORE_PUBKEY_LEN, pub,
	    (size_t)STORE_PUBKEY_LEN, (uint64_t)time(NULL))) != 0)
		return r;
	return store__step_done(st);
}

int
store_get_server(struct store *s, struct store_server *srv)
{
	sqlite3_stmt *st;
	const unsigned char *addr;
	int r = 0, rc;

	memset(srv, 0, sizeof(*srv));
	if ((r = store__prepare(s, &st, "SELECT addr, pinned_key FROM server "
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
		if ((r = store__column_key(st, 1, srv->key,
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
	    (r = store__sq(s, &st, "UPDATE server SET addr = ? "
	    "WHERE id = 1;", "t", addr)) != 0)
		return r;
	return store__step_done(st);
}

int
store_set_server_key(struct store *s, const uint8_t key[STORE_PUBKEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_server_row(s)) != 0 ||
	    (r = store__sq(s, &st, "UPDATE server SET pinned_key = ?, "
	    "pinned_at = ? WHERE id = 1;", "bi", key, (size_t)STORE_PUBKEY_LEN,
	    (uint64_t)time(NULL))) != 0)
		return r;
	return store__step_done(st);
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
	if ((r = store__prepare(s, &st, "SELECT user_id, device_id, username, "
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

	if ((r = store__sq(s, &st, "INSERT OR REPLACE INTO account "
	    "(id, user_id, device_id, username, display_name, phone) "
	    "VALUES (1, ?, ?, ?, ?, ?);", "iittt", a->user_id, a->device_id,
	    a->username, a->display_name, a->phone)) != 0)
		return r;
	return store__step_done(st);
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
	if ((r = store__prepare(s, &st, "SELECT pts FROM sync_state "
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

	if ((r = store__sq(s, &st, "INSERT OR REPLACE INTO sync_state "
	    "(id, pts) VALUES (1, ?);", "i", pts)) != 0)
		return r;
	return store__step_done(st);
}

int
store_get_qts(struct store *s, uint64_t *qts)
{
	return store__u64(s, "SELECT qts FROM secret_queue WHERE id = 1;", qts);
}

int
store_set_qts(struct store *s, uint64_t qts)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "UPDATE secret_queue SET qts = ? "
	    "WHERE id = 1;", "i", qts)) != 0)
		return r;
	return store__step_done(st);
}
