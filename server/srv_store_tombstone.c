/*
 * The SQLCipher backend of srv_store's tombstones (srv_store.h,
 * "Tombstones"). A logout or a terminated session is rare next to
 * messages, so the statements are prepared per call.
 */
#include "config.h"

#include "server/srv_store.h"

#include <string.h>

#include "lib/err.h"
#include "lib/log.h"
#include "db/sqlc.h"

static sqlite3_stmt *
tomb_prep(struct srv_store *s, const char *sql)
{
	sqlite3 *db = srv_store_sqlite(s);
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

/* Steps a statement without rows and finalizes it. 0 or ERR_DB. */
static int
tomb_done(struct srv_store *s, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
	return ERR_DB;
}

int
srv_store_tombstone_add(struct srv_store *s, const struct srv_tombstone *t,
    uint64_t purge_before)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	st = tomb_prep(s, "DELETE FROM device_tombstones WHERE ended < ?1;");
	if (st != NULL)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)purge_before);
	if ((r = tomb_done(s, st)) != 0)
		return r;
	st = tomb_prep(s, "INSERT OR REPLACE INTO device_tombstones "
	    "(key_hash, device_id, user_id, ended, by_device, why) "
	    "VALUES (?1, ?2, ?6, ?3, ?4, ?5);");
	if (st != NULL) {
		sqlite3_bind_blob(st, 1, t->key_hash, SRV_TOMB_HASH_LEN,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)t->device_id);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)t->ended);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)t->by_device);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)t->why);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)t->user_id);
	}
	return tomb_done(s, st);
}

int
srv_store_tombstone_get(struct srv_store *s,
    const uint8_t key_hash[SRV_TOMB_HASH_LEN], struct srv_tombstone *out)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(out, 0, sizeof(*out));
	if ((st = tomb_prep(s, "SELECT device_id, ended, by_device, why, "
	    "user_id "
	    "FROM device_tombstones WHERE key_hash = ?1;")) == NULL)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, key_hash, SRV_TOMB_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memcpy(out->key_hash, key_hash, SRV_TOMB_HASH_LEN);
		out->device_id = (uint64_t)sqlite3_column_int64(st, 0);
		out->ended = (uint64_t)sqlite3_column_int64(st, 1);
		out->by_device = (uint64_t)sqlite3_column_int64(st, 2);
		out->why = (uint32_t)sqlite3_column_int64(st, 3);
		out->user_id = (uint64_t)sqlite3_column_int64(st, 4);
	} else if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else {
		log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
		r = ERR_DB;
	}
	sqlite3_finalize(st);
	return r;
}

int
srv_store_tombstone_unlink(struct srv_store *s, uint64_t user_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	st = tomb_prep(s, "UPDATE device_tombstones SET user_id = 0 "
	    "WHERE user_id = ?1;");
	if (st != NULL)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	return tomb_done(s, st);
}

int
srv_store_tombstone_remove(struct srv_store *s,
    const uint8_t key_hash[SRV_TOMB_HASH_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	st = tomb_prep(s, "DELETE FROM device_tombstones WHERE key_hash = ?1;");
	if (st != NULL)
		sqlite3_bind_blob(st, 1, key_hash, SRV_TOMB_HASH_LEN,
		    SQLITE_STATIC);
	return tomb_done(s, st);
}
