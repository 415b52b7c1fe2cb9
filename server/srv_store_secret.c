/*
 * The SQLCipher backend of srv_store's secret-chat part (srv_store.h,
 * "Secret chats"). Secret-chat traffic is light next to cloud chats, so
 * its statements are prepared per call rather than cached in the store.
 * Writes run inside the caller's atomic unit (srv_store_atomic_begin()),
 * which also opens the group transaction.
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

static uint64_t
sec_col(sqlite3_stmt *st, int col)
{
	return (uint64_t)sqlite3_column_int64(st, col);
}

/* Prepares sql and binds up to three integers (bound when n > i). */
static sqlite3_stmt *
sec_prep(struct srv_store *s, const char *sql, int n, uint64_t a,
    uint64_t b, uint64_t c)
{
	sqlite3 *db = srv_store_sqlite(s);
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	if (n > 0)
		sqlite3_bind_int64(st, 1, srv_store__u2i(a));
	if (n > 1)
		sqlite3_bind_int64(st, 2, srv_store__u2i(b));
	if (n > 2)
		sqlite3_bind_int64(st, 3, srv_store__u2i(c));
	return st;
}

/* Runs and finalizes a statement without rows. 0, ERR_EXISTS, ERR_DB. */
static int
sec_done(struct srv_store *s, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return ERR_EXISTS;
	log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
	return ERR_DB;
}

/* Runs a write; *changes is how many rows it touched. */
static int
sec_write(struct srv_store *s, sqlite3_stmt *st, int *changes)
{
	int r = sec_done(s, st);

	if (changes != NULL)
		*changes = r == 0 ? sqlite3_changes(srv_store_sqlite(s)) : 0;
	return r;
}

/* Steps once: 0 with a row, ERR_NOT_FOUND, or ERR_DB (finalized then). */
static int
sec_row(struct srv_store *s, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return ERR_NOT_FOUND;
	log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
	return ERR_DB;
}

/* Copies a fixed-length blob column; 0 or ERR_DB when its length differs. */
static int
sec_blob(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
	const void *p = sqlite3_column_blob(st, col);

	if (p == NULL || (size_t)sqlite3_column_bytes(st, col) != len)
		return ERR_DB;
	memcpy(out, p, len);
	return 0;
}

/* Reads one integer column of every row into a malloc()ed array. */
static int
sec_ids(struct srv_store *s, sqlite3_stmt *st, uint64_t **out, size_t *n)
{
	uint64_t *ids = NULL, *t;
	size_t cap = 0, k = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			if ((t = realloc(ids, cap * sizeof(*ids))) == NULL) {
				r = ERR_NOMEM;
				break;
			}
			ids = t;
		}
		ids[k++] = sec_col(st, 0);
	}
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
		r = ERR_DB;
	}
	sqlite3_finalize(st);
	if (r != 0) {
		free(ids);
		return r;
	}
	*out = ids;
	*n = k;
	return 0;
}

/* ---------------------------------------------------------------- prekeys */

int
srv_store_prekeys_get(struct srv_store *s, uint64_t device_id,
    struct srv_prekeys *out)
{
	sqlite3_stmt *st;
	int r;

	st = sec_prep(s, "SELECT identity_key, spk_id, spk, spk_sig"
	    " FROM prekeys WHERE device_id = ?1", 1, device_id, 0, 0);
	if ((r = sec_row(s, st)) != 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->device_id = device_id;
	out->spk_id = (uint32_t)sqlite3_column_int64(st, 1);
	if (sec_blob(st, 0, out->ik, sizeof(out->ik)) != 0 ||
	    sec_blob(st, 2, out->spk, sizeof(out->spk)) != 0 ||
	    sec_blob(st, 3, out->sig, sizeof(out->sig)) != 0)
		r = ERR_DB;
	sqlite3_finalize(st);
	return r;
}

int
srv_store_prekeys_set(struct srv_store *s, const struct srv_prekeys *p)
{
	sqlite3_stmt *st;

	st = sec_prep(s, "INSERT OR REPLACE INTO prekeys (device_id,"
	    " identity_key, spk_id, spk, spk_sig) VALUES (?1, ?4, ?2, ?5, ?6)",
	    2, p->device_id, p->spk_id, 0);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_blob(st, 4, p->ik, sizeof(p->ik), SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, p->spk, sizeof(p->spk), SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, p->sig, sizeof(p->sig), SQLITE_STATIC);
	return sec_done(s, st) == 0 ? 0 : ERR_DB;
}

int
srv_store_opk_add(struct srv_store *s, uint64_t device_id, uint32_t id,
    const uint8_t key[SRV_PK_LEN])
{
	sqlite3_stmt *st;

	st = sec_prep(s, "INSERT OR REPLACE INTO opks (device_id, id, key)"
	    " VALUES (?1, ?2, ?3)", 2, device_id, id, 0);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_blob(st, 3, key, SRV_PK_LEN, SQLITE_STATIC);
	return sec_done(s, st) == 0 ? 0 : ERR_DB;
}

int
srv_store_opk_count(struct srv_store *s, uint64_t device_id, uint32_t *n)
{
	sqlite3_stmt *st;
	int r;

	*n = 0;
	st = sec_prep(s, "SELECT count(*) FROM opks WHERE device_id = ?1", 1,
	    device_id, 0, 0);
	if ((r = sec_row(s, st)) != 0)
		return r == ERR_NOT_FOUND ? ERR_DB : r;
	*n = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
srv_store_opk_take(struct srv_store *s, struct srv_prekeys *p)
{
	sqlite3_stmt *st;
	uint32_t id;
	int r;

	p->opk_id = 0;
	memset(p->opk, 0, sizeof(p->opk));
	st = sec_prep(s, "SELECT id, key FROM opks WHERE device_id = ?1"
	    " ORDER BY id LIMIT 1", 1, p->device_id, 0, 0);
	if ((r = sec_row(s, st)) != 0)
		return r == ERR_NOT_FOUND ? 0 : r;
	id = (uint32_t)sqlite3_column_int64(st, 0);
	r = sec_blob(st, 1, p->opk, sizeof(p->opk));
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	st = sec_prep(s, "DELETE FROM opks WHERE device_id = ?1 AND id = ?2",
	    2, p->device_id, id, 0);
	if (sec_done(s, st) != 0)
		return ERR_DB;
	p->opk_id = id;
	return 0;
}

int
srv_store_prekey_devices(struct srv_store *s, uint64_t user_id,
    uint64_t **out, size_t *n)
{
	return sec_ids(s, sec_prep(s, "SELECT d.id FROM devices d"
	    " JOIN prekeys p ON p.device_id = d.id WHERE d.user_id = ?1"
	    " ORDER BY d.id", 1, user_id, 0, 0), out, n);
}

/* ---------------------------------------------------------------- chats */

int
srv_store_secret_add(struct srv_store *s, const struct srv_secret *sc)
{
	sqlite3_stmt *st;

	st = sec_prep(s, "INSERT INTO secret_chats (id, from_user,"
	    " from_device, to_user, to_device, ttl, created)"
	    " VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)", 3, sc->id, sc->from_user,
	    sc->from_device);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 4, srv_store__u2i(sc->to_user));
	sqlite3_bind_int64(st, 5, sc->ttl);
	sqlite3_bind_int64(st, 6, srv_store__u2i(sc->created));
	return sec_done(s, st);
}

int
srv_store_secret_get(struct srv_store *s, uint64_t id,
    struct srv_secret *out)
{
	sqlite3_stmt *st;
	int r;

	st = sec_prep(s, "SELECT from_user, from_device, to_user, to_device,"
	    " ttl, created FROM secret_chats WHERE id = ?1", 1, id, 0, 0);
	if ((r = sec_row(s, st)) != 0)
		return r;
	out->id = id;
	out->from_user = sec_col(st, 0);
	out->from_device = sec_col(st, 1);
	out->to_user = sec_col(st, 2);
	out->to_device = sec_col(st, 3);
	out->ttl = (uint32_t)sqlite3_column_int64(st, 4);
	out->created = sec_col(st, 5);
	sqlite3_finalize(st);
	return 0;
}

int
srv_store_secret_bind(struct srv_store *s, uint64_t id, uint64_t device)
{
	int changes, r;

	r = sec_write(s, sec_prep(s, "UPDATE secret_chats SET to_device = ?2"
	    " WHERE id = ?1 AND to_device = 0", 2, id, device, 0), &changes);
	if (r != 0)
		return ERR_DB;
	return changes == 1 ? 0 : ERR_EXISTS;
}

int
srv_store_secret_remove(struct srv_store *s, uint64_t id)
{
	/* Offers and dedupe rows go with it (ON DELETE CASCADE). */
	if (sec_done(s, sec_prep(s, "DELETE FROM secret_offers"
	    " WHERE secret_id = ?1", 1, id, 0, 0)) != 0 ||
	    sec_done(s, sec_prep(s, "DELETE FROM secret_sent"
	    " WHERE secret_id = ?1", 1, id, 0, 0)) != 0 ||
	    sec_done(s, sec_prep(s, "DELETE FROM secret_chats WHERE id = ?1",
	    1, id, 0, 0)) != 0)
		return ERR_DB;
	return 0;
}

int
srv_store_offer_add(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id)
{
	return sec_done(s, sec_prep(s, "INSERT INTO secret_offers"
	    " (secret_id, device_id) VALUES (?1, ?2)", 2, secret_id,
	    device_id, 0));
}

int
srv_store_offer_has(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id)
{
	sqlite3_stmt *st;
	int r;

	st = sec_prep(s, "SELECT 1 FROM secret_offers WHERE secret_id = ?1"
	    " AND device_id = ?2", 2, secret_id, device_id, 0);
	if ((r = sec_row(s, st)) != 0)
		return r;
	sqlite3_finalize(st);
	return 0;
}

int
srv_store_offers(struct srv_store *s, uint64_t secret_id, uint64_t **out,
    size_t *n)
{
	return sec_ids(s, sec_prep(s, "SELECT device_id FROM secret_offers"
	    " WHERE secret_id = ?1 ORDER BY device_id", 1, secret_id, 0, 0),
	    out, n);
}

int
srv_store_device_secrets(struct srv_store *s, uint64_t device_id,
    uint64_t **out, size_t *n)
{
	return sec_ids(s, sec_prep(s, "SELECT id FROM secret_chats"
	    " WHERE from_device = ?1 OR to_device = ?1 ORDER BY id", 1,
	    device_id, 0, 0), out, n);
}

int
srv_store_device_offered(struct srv_store *s, uint64_t device_id,
    uint64_t **out, size_t *n)
{
	return sec_ids(s, sec_prep(s, "SELECT o.secret_id FROM secret_offers o"
	    " JOIN secret_chats c ON c.id = o.secret_id"
	    " WHERE o.device_id = ?1 AND c.to_device = 0 ORDER BY o.secret_id",
	    1, device_id, 0, 0), out, n);
}

int
srv_store_device_secret_forget(struct srv_store *s, uint64_t device_id)
{
	/*
	 * The last three would go with the device row (ON DELETE CASCADE);
	 * deleting them here does not make that depend on the pragma.
	 */
	if (sec_done(s, sec_prep(s, "DELETE FROM secret_offers"
	    " WHERE device_id = ?1", 1, device_id, 0, 0)) != 0 ||
	    sec_done(s, sec_prep(s, "DELETE FROM secret_queue"
	    " WHERE device_id = ?1", 1, device_id, 0, 0)) != 0 ||
	    sec_done(s, sec_prep(s, "DELETE FROM opks WHERE device_id = ?1",
	    1, device_id, 0, 0)) != 0 ||
	    sec_done(s, sec_prep(s, "DELETE FROM prekeys WHERE device_id = ?1",
	    1, device_id, 0, 0)) != 0)
		return ERR_DB;
	return 0;
}

int
srv_store_secret_sent(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id, uint64_t random_id, uint64_t now)
{
	sqlite3_stmt *st;
	int changes, r;

	st = sec_prep(s, "INSERT OR IGNORE INTO secret_sent (secret_id,"
	    " device_id, random_id, created) VALUES (?1, ?2, ?3, ?4)", 3,
	    secret_id, device_id, random_id);
	if (st != NULL)
		sqlite3_bind_int64(st, 4, srv_store__u2i(now));
	r = sec_write(s, st, &changes);
	if (r != 0)
		return ERR_DB;
	return changes == 1 ? 0 : ERR_EXISTS;
}

/* ---------------------------------------------------------------- queue */

int
srv_store_queue_add(struct srv_store *s, uint64_t device_id, int kind,
    uint64_t secret_id, const uint8_t *payload, size_t len, uint64_t now,
    uint64_t *qts)
{
	sqlite3_stmt *st;
	int changes, r;

	*qts = 0;
	r = sec_write(s, sec_prep(s, "UPDATE devices SET qts = qts + 1"
	    " WHERE id = ?1", 1, device_id, 0, 0), &changes);
	if (r != 0)
		return ERR_DB;
	if (changes != 1)
		return ERR_NOT_FOUND;
	st = sec_prep(s, "SELECT qts FROM devices WHERE id = ?1", 1,
	    device_id, 0, 0);
	if ((r = sec_row(s, st)) != 0)
		return ERR_DB;
	*qts = sec_col(st, 0);
	sqlite3_finalize(st);
	st = sec_prep(s, "INSERT INTO secret_queue (device_id, qts, kind,"
	    " secret_id, payload, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    3, device_id, *qts, (uint64_t)kind);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 4, srv_store__u2i(secret_id));
	sqlite3_bind_blob(st, 5, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, srv_store__u2i(now));
	return sec_done(s, st) == 0 ? 0 : ERR_DB;
}

int
srv_store_queue_read(struct srv_store *s, uint64_t device_id, uint64_t qts,
    size_t limit,
    int (*fn)(void *, uint64_t, int, const uint8_t *, size_t), void *ud)
{
	sqlite3_stmt *st;
	const uint8_t *p;
	int rc, r = 0;

	if (qts > INT64_MAX)
		return 0;
	st = sec_prep(s, "SELECT qts, kind, payload FROM secret_queue"
	    " WHERE device_id = ?1 AND qts > ?2 ORDER BY qts LIMIT ?3", 3,
	    device_id, qts, limit > INT64_MAX ? INT64_MAX : limit);
	if (st == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 2);
		r = fn(ud, sec_col(st, 0), (int)sqlite3_column_int64(st, 1),
		    p, (size_t)sqlite3_column_bytes(st, 2));
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
		r = ERR_DB;
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int
srv_store_queue_ack(struct srv_store *s, uint64_t device_id, uint64_t qts)
{
	if (qts > INT64_MAX)
		qts = INT64_MAX;
	return sec_done(s, sec_prep(s, "DELETE FROM secret_queue"
	    " WHERE device_id = ?1 AND qts <= ?2", 2, device_id, qts, 0)) == 0 ?
	    0 : ERR_DB;
}

int
srv_store_queue_drop(struct srv_store *s, uint64_t device_id,
    uint64_t secret_id, int kind)
{
	return sec_done(s, sec_prep(s, "DELETE FROM secret_queue"
	    " WHERE device_id = ?1 AND secret_id = ?2 AND kind = ?3", 3,
	    device_id, secret_id, (uint64_t)kind)) == 0 ? 0 : ERR_DB;
}

int
srv_store_queue_purge(struct srv_store *s, uint64_t before, size_t *n,
    size_t *sent)
{
	int changes, r;

	*n = 0;
	if (sent != NULL)
		*sent = 0;
	r = sec_write(s, sec_prep(s, "DELETE FROM secret_queue"
	    " WHERE created < ?1", 1, before, 0, 0), &changes);
	if (r != 0)
		return ERR_DB;
	*n = (size_t)changes;
	/* A request nobody answered within the queue's life is void. */
	if (sec_done(s, sec_prep(s, "DELETE FROM secret_chats"
	    " WHERE to_device = 0 AND created < ?1", 1, before, 0, 0)) != 0)
		return ERR_DB;
	/*
	 * A dedupe row is kept as long as the entry it stands for could
	 * still wait in the queue; a resend after that is past what the
	 * relay promises (doc/PROTOCOL.md) and is queued again.
	 */
	r = sec_write(s, sec_prep(s, "DELETE FROM secret_sent"
	    " WHERE created < ?1", 1, before, 0, 0), &changes);
	if (r != 0)
		return ERR_DB;
	if (sent != NULL)
		*sent = (size_t)changes;
	return 0;
}
