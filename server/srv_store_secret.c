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

/* ---------------------------------------------------------------- prekeys */

int
srv_store_prekeys_get(struct srv_store *s, uint64_t device_id,
    struct srv_prekeys *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store__bind(s, &st, STMT_ONCE, "SELECT identity_key,"
	    " spk_id, spk, spk_sig FROM prekeys WHERE device_id = ?1", "i",
	    srv_store__u2i(device_id))) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0) {
		srv_store__end(st, STMT_ONCE);
		return r;
	}
	memset(out, 0, sizeof(*out));
	out->device_id = device_id;
	out->spk_id = (uint32_t)sqlite3_column_int64(st, 1);
	if (sec_blob(st, 0, out->ik, sizeof(out->ik)) != 0 ||
	    sec_blob(st, 2, out->spk, sizeof(out->spk)) != 0 ||
	    sec_blob(st, 3, out->sig, sizeof(out->sig)) != 0)
		r = ERR_DB;
	srv_store__end(st, STMT_ONCE);
	return r;
}

int
srv_store_prekeys_set(struct srv_store *s, const struct srv_prekeys *p)
{
	return srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE INTO prekeys"
	    " (device_id, identity_key, spk_id, spk, spk_sig)"
	    " VALUES (?1, ?4, ?2, ?5, ?6)", "ii-bbb",
	    srv_store__u2i(p->device_id), (sqlite3_int64)p->spk_id,
	    p->ik, sizeof(p->ik), p->spk, sizeof(p->spk), p->sig,
	    sizeof(p->sig)) == 0 ? 0 : ERR_DB;
}

int
srv_store_opk_add(struct srv_store *s, uint64_t device_id, uint32_t id,
    const uint8_t key[SRV_PK_LEN])
{
	return srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE INTO opks"
	    " (device_id, id, key) VALUES (?1, ?2, ?3)", "iib",
	    srv_store__u2i(device_id), (sqlite3_int64)id, key,
	    (size_t)SRV_PK_LEN) == 0 ? 0 : ERR_DB;
}

int
srv_store_opk_count(struct srv_store *s, uint64_t device_id, uint32_t *n)
{
	sqlite3_int64 v;
	int r;

	*n = 0;
	if ((r = srv_store__one(s, STMT_ONCE, "SELECT count(*) FROM opks"
	    " WHERE device_id = ?1", &v, "i", srv_store__u2i(device_id))) != 0)
		return r == ERR_NOT_FOUND ? ERR_DB : r;
	*n = (uint32_t)v;
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
	if ((r = srv_store__bind(s, &st, STMT_ONCE, "SELECT id, key FROM opks"
	    " WHERE device_id = ?1 ORDER BY id LIMIT 1", "i",
	    srv_store__u2i(p->device_id))) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0) {
		srv_store__end(st, STMT_ONCE);
		return r == ERR_NOT_FOUND ? 0 : r;
	}
	id = (uint32_t)sqlite3_column_int64(st, 0);
	r = sec_blob(st, 1, p->opk, sizeof(p->opk));
	srv_store__end(st, STMT_ONCE);
	if (r != 0)
		return r;
	if (srv_store__run(s, STMT_ONCE, "DELETE FROM opks WHERE"
	    " device_id = ?1 AND id = ?2", "ii", srv_store__u2i(p->device_id),
	    (sqlite3_int64)id) != 0)
		return ERR_DB;
	p->opk_id = id;
	return 0;
}

int
srv_store_prekey_devices(struct srv_store *s, uint64_t user_id,
    uint64_t **out, size_t *n)
{
	return srv_store__ids(s, STMT_ONCE, "SELECT d.id FROM devices d"
	    " JOIN prekeys p ON p.device_id = d.id WHERE d.user_id = ?1"
	    " ORDER BY d.id", "step", out, n, "i", srv_store__u2i(user_id));
}

/* ---------------------------------------------------------------- chats */

int
srv_store_secret_add(struct srv_store *s, const struct srv_secret *sc)
{
	return srv_store__run(s, STMT_ONCE, "INSERT INTO secret_chats (id,"
	    " from_user, from_device, to_user, to_device, ttl, created)"
	    " VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)", "iiiiii",
	    srv_store__u2i(sc->id), srv_store__u2i(sc->from_user),
	    srv_store__u2i(sc->from_device), srv_store__u2i(sc->to_user),
	    (sqlite3_int64)sc->ttl, srv_store__u2i(sc->created));
}

int
srv_store_secret_get(struct srv_store *s, uint64_t id,
    struct srv_secret *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store__bind(s, &st, STMT_ONCE, "SELECT from_user,"
	    " from_device, to_user, to_device, ttl, created FROM secret_chats"
	    " WHERE id = ?1", "i", srv_store__u2i(id))) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0) {
		srv_store__end(st, STMT_ONCE);
		return r;
	}
	out->id = id;
	out->from_user = srv_store__col_u64(st, 0);
	out->from_device = srv_store__col_u64(st, 1);
	out->to_user = srv_store__col_u64(st, 2);
	out->to_device = srv_store__col_u64(st, 3);
	out->ttl = (uint32_t)sqlite3_column_int64(st, 4);
	out->created = srv_store__col_u64(st, 5);
	srv_store__end(st, STMT_ONCE);
	return 0;
}

int
srv_store_secret_bind(struct srv_store *s, uint64_t id, uint64_t device)
{
	if (srv_store__run(s, STMT_ONCE, "UPDATE secret_chats SET"
	    " to_device = ?2 WHERE id = ?1 AND to_device = 0", "ii",
	    srv_store__u2i(id), srv_store__u2i(device)) != 0)
		return ERR_DB;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_EXISTS;
}

int
srv_store_secret_remove(struct srv_store *s, uint64_t id)
{
	/* Offers and dedupe rows go with it (ON DELETE CASCADE). */
	if (srv_store__run(s, STMT_ONCE, "DELETE FROM secret_offers"
	    " WHERE secret_id = ?1", "i", srv_store__u2i(id)) != 0 ||
	    srv_store__run(s, STMT_ONCE, "DELETE FROM secret_sent"
	    " WHERE secret_id = ?1", "i", srv_store__u2i(id)) != 0 ||
	    srv_store__run(s, STMT_ONCE, "DELETE FROM secret_chats"
	    " WHERE id = ?1", "i", srv_store__u2i(id)) != 0)
		return ERR_DB;
	return 0;
}

int
srv_store_offer_add(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id)
{
	return srv_store__run(s, STMT_ONCE, "INSERT INTO secret_offers"
	    " (secret_id, device_id) VALUES (?1, ?2)", "ii",
	    srv_store__u2i(secret_id), srv_store__u2i(device_id));
}

int
srv_store_offer_has(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id)
{
	return srv_store__one(s, STMT_ONCE, "SELECT 1 FROM secret_offers"
	    " WHERE secret_id = ?1 AND device_id = ?2", NULL, "ii",
	    srv_store__u2i(secret_id), srv_store__u2i(device_id));
}

int
srv_store_offers(struct srv_store *s, uint64_t secret_id, uint64_t **out,
    size_t *n)
{
	return srv_store__ids(s, STMT_ONCE, "SELECT device_id FROM"
	    " secret_offers WHERE secret_id = ?1 ORDER BY device_id", "step",
	    out, n, "i", srv_store__u2i(secret_id));
}

int
srv_store_device_secrets(struct srv_store *s, uint64_t device_id,
    uint64_t **out, size_t *n)
{
	return srv_store__ids(s, STMT_ONCE, "SELECT id FROM secret_chats"
	    " WHERE from_device = ?1 OR to_device = ?1 ORDER BY id", "step",
	    out, n, "i", srv_store__u2i(device_id));
}

int
srv_store_device_offered(struct srv_store *s, uint64_t device_id,
    uint64_t **out, size_t *n)
{
	return srv_store__ids(s, STMT_ONCE, "SELECT o.secret_id FROM"
	    " secret_offers o JOIN secret_chats c ON c.id = o.secret_id"
	    " WHERE o.device_id = ?1 AND c.to_device = 0 ORDER BY o.secret_id",
	    "step", out, n, "i", srv_store__u2i(device_id));
}

int
srv_store_device_secret_forget(struct srv_store *s, uint64_t device_id)
{
	/*
	 * The last three would go with the device row (ON DELETE CASCADE);
	 * deleting them here does not make that depend on the pragma.
	 */
	static const char *const sql[] = {
		"DELETE FROM secret_offers WHERE device_id = ?1",
		"DELETE FROM secret_queue WHERE device_id = ?1",
		"DELETE FROM opks WHERE device_id = ?1",
		"DELETE FROM prekeys WHERE device_id = ?1",
	};
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (srv_store__run(s, STMT_ONCE, sql[i], "i",
		    srv_store__u2i(device_id)) != 0)
			return ERR_DB;
	return 0;
}

int
srv_store_secret_sent(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id, uint64_t random_id, uint64_t now)
{
	if (srv_store__run(s, STMT_ONCE, "INSERT OR IGNORE INTO secret_sent"
	    " (secret_id, device_id, random_id, created)"
	    " VALUES (?1, ?2, ?3, ?4)", "iiii", srv_store__u2i(secret_id),
	    srv_store__u2i(device_id), srv_store__u2i(random_id),
	    srv_store__u2i(now)) != 0)
		return ERR_DB;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_EXISTS;
}

/* ---------------------------------------------------------------- queue */

int
srv_store_queue_add(struct srv_store *s, uint64_t device_id, int kind,
    uint64_t secret_id, const uint8_t *payload, size_t len, uint64_t now,
    uint64_t *qts)
{
	sqlite3_int64 v;

	*qts = 0;
	if (srv_store__run(s, STMT_ONCE, "UPDATE devices SET qts = qts + 1"
	    " WHERE id = ?1", "i", srv_store__u2i(device_id)) != 0)
		return ERR_DB;
	if (sqlite3_changes(s->db) != 1)
		return ERR_NOT_FOUND;
	if (srv_store__one(s, STMT_ONCE, "SELECT qts FROM devices"
	    " WHERE id = ?1", &v, "i", srv_store__u2i(device_id)) != 0)
		return ERR_DB;
	*qts = (uint64_t)v;
	return srv_store__run(s, STMT_ONCE, "INSERT INTO secret_queue"
	    " (device_id, qts, kind, secret_id, payload, created)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "iiiibi",
	    srv_store__u2i(device_id), srv_store__u2i(*qts),
	    srv_store__u2i((uint64_t)kind), srv_store__u2i(secret_id),
	    (const void *)payload, len, srv_store__u2i(now)) == 0 ? 0 : ERR_DB;
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
	if (srv_store__bind(s, &st, STMT_ONCE, "SELECT qts, kind, payload"
	    " FROM secret_queue WHERE device_id = ?1 AND qts > ?2"
	    " ORDER BY qts LIMIT ?3", "iii", srv_store__u2i(device_id),
	    srv_store__u2i(qts), srv_store__u2i(limit > INT64_MAX ? INT64_MAX :
	    limit)) != 0)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 2);
		r = fn(ud, srv_store__col_u64(st, 0),
		    (int)sqlite3_column_int64(st, 1), p,
		    (size_t)sqlite3_column_bytes(st, 2));
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("step: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
	srv_store__end(st, STMT_ONCE);
	return r < 0 ? r : 0;
}

int
srv_store_queue_ack(struct srv_store *s, uint64_t device_id, uint64_t qts)
{
	if (qts > INT64_MAX)
		qts = INT64_MAX;
	return srv_store__run(s, STMT_ONCE, "DELETE FROM secret_queue"
	    " WHERE device_id = ?1 AND qts <= ?2", "ii",
	    srv_store__u2i(device_id), srv_store__u2i(qts)) == 0 ? 0 : ERR_DB;
}

int
srv_store_queue_drop(struct srv_store *s, uint64_t device_id,
    uint64_t secret_id, int kind)
{
	return srv_store__run(s, STMT_ONCE, "DELETE FROM secret_queue"
	    " WHERE device_id = ?1 AND secret_id = ?2 AND kind = ?3", "iii",
	    srv_store__u2i(device_id), srv_store__u2i(secret_id),
	    srv_store__u2i((uint64_t)kind)) == 0 ? 0 : ERR_DB;
}

int
srv_store_queue_purge(struct srv_store *s, uint64_t before, size_t *n,
    size_t *sent)
{
	*n = 0;
	if (sent != NULL)
		*sent = 0;
	if (srv_store__run(s, STMT_ONCE, "DELETE FROM secret_queue"
	    " WHERE created < ?1", "i", srv_store__u2i(before)) != 0)
		return ERR_DB;
	*n = (size_t)sqlite3_changes(s->db);
	/* A request nobody answered within the queue's life is void. */
	if (srv_store__run(s, STMT_ONCE, "DELETE FROM secret_chats"
	    " WHERE to_device = 0 AND created < ?1", "i",
	    srv_store__u2i(before)) != 0)
		return ERR_DB;
	/*
	 * A dedupe row is kept as long as the entry it stands for could
	 * still wait in the queue; a resend after that is past what the
	 * relay promises (doc/PROTOCOL.md) and is queued again.
	 */
	if (srv_store__run(s, STMT_ONCE, "DELETE FROM secret_sent"
	    " WHERE created < ?1", "i", srv_store__u2i(before)) != 0)
		return ERR_DB;
	if (sent != NULL)
		*sent = (size_t)sqlite3_changes(s->db);
	return 0;
}
