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
#include "server/srv_store_int.h"
#include "db/sqlc.h"

int
srv_store_tombstone_add(struct srv_store *s, const struct srv_tombstone *t,
    uint64_t purge_before)
{
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	if ((r = srv_store__run(s, STMT_ONCE, "DELETE FROM device_tombstones"
	    " WHERE ended < ?1;", "i", (sqlite3_int64)purge_before)) != 0)
		return srv_store__failed(r);
	r = srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE INTO"
	    " device_tombstones (key_hash, device_id, user_id, ended,"
	    " by_device, why) VALUES (?1, ?2, ?6, ?3, ?4, ?5);", "biiiii",
	    t->key_hash, (size_t)SRV_TOMB_HASH_LEN, (sqlite3_int64)t->device_id,
	    (sqlite3_int64)t->ended, (sqlite3_int64)t->by_device,
	    (sqlite3_int64)t->why, (sqlite3_int64)t->user_id);
	return srv_store__failed(r);
}

int
srv_store_tombstone_get(struct srv_store *s,
    const uint8_t key_hash[SRV_TOMB_HASH_LEN], struct srv_tombstone *out)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(out, 0, sizeof(*out));
	if (srv_store__bind(s, &st, STMT_ONCE, "SELECT device_id, ended,"
	    " by_device, why, user_id FROM device_tombstones"
	    " WHERE key_hash = ?1;", "b", key_hash,
	    (size_t)SRV_TOMB_HASH_LEN) != 0)
		return ERR_DB;
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
		log_error("step: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
	srv_store__end(st, STMT_ONCE);
	return r;
}

int
srv_store_tombstone_unlink(struct srv_store *s, uint64_t user_id)
{
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	r = srv_store__run(s, STMT_ONCE, "UPDATE device_tombstones"
	    " SET user_id = 0 WHERE user_id = ?1;", "i",
	    (sqlite3_int64)user_id);
	return srv_store__failed(r);
}

int
srv_store_tombstone_remove(struct srv_store *s,
    const uint8_t key_hash[SRV_TOMB_HASH_LEN])
{
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	r = srv_store__run(s, STMT_ONCE, "DELETE FROM device_tombstones"
	    " WHERE key_hash = ?1;", "b", key_hash, (size_t)SRV_TOMB_HASH_LEN);
	return srv_store__failed(r);
}
