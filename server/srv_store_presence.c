/*
 * The SQLCipher backend of srv_store's last-seen, bio and forward part
 * (srv_store.h, "Last seen, bio and forwards"). Statements are prepared
 * per call, as in srv_store_secret.c: a seen write happens at most once
 * a minute per account, the rest on rare requests. Writes open the group
 * transaction through an atomic unit of their own, or join the caller's.
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/err.h"
#include "lib/log.h"
#include "db/sqlc.h"

/*
 * Prepares sql and binds a to ?1 and, when sql has a ?2, b. NULL
 * (logged) on failure.
 */
static sqlite3_stmt *
pres_prep(struct srv_store *s, const char *sql, uint64_t a, uint64_t b)
{
	sqlite3 *db = srv_store_sqlite(s);
	sqlite3_stmt *st = NULL;

	if (a > INT64_MAX || b > INT64_MAX)
		return NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)b);
	return st;
}

/* Runs a prepared write in an atomic unit of its own; finalizes it. */
static int
pres_write(struct srv_store *s, sqlite3_stmt *st)
{
	int r, rc;

	if (st == NULL)
		return ERR_DB;
	if ((r = srv_store_atomic_begin(s)) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
		r = ERR_DB;
	}
	sqlite3_finalize(st);
	return srv_store_atomic_end(s, r);
}

int
srv_store_seen_set(struct srv_store *s, uint64_t user_id, uint64_t minute)
{
	return pres_write(s, pres_prep(s, "INSERT OR REPLACE INTO presence"
	    " (user_id, seen) VALUES (?1, ?2)", user_id, minute));
}

int
srv_store_bio_set(struct srv_store *s, uint64_t user_id, const char *bio)
{
	sqlite3_stmt *st;

	if (bio[0] == '\0')
		return pres_write(s, pres_prep(s, "DELETE FROM bios"
		    " WHERE user_id = ?1", user_id, 0));
	st = pres_prep(s, "INSERT OR REPLACE INTO bios (user_id, bio)"
	    " VALUES (?1, ?2)", user_id, 0);
	if (st != NULL)
		sqlite3_bind_text(st, 2, bio, -1, SQLITE_STATIC);
	return pres_write(s, st);
}

int
srv_store_forward_set(struct srv_store *s, uint64_t chat_id, uint64_t id,
    uint64_t date, uint64_t from_id, const char *name)
{
	sqlite3_stmt *st;

	st = pres_prep(s, "INSERT INTO forwards (copy_chat_id, copy_id,"
	    " orig_date, orig_sender_id, orig_name)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", chat_id, id);
	if (st != NULL) {
		if (date > INT64_MAX || from_id > INT64_MAX) {
			sqlite3_finalize(st);
			return ERR_INVAL;
		}
		sqlite3_bind_int64(st, 3, (sqlite3_int64)date);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)from_id);
		sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
	}
	return pres_write(s, st);
}

int
srv_store_watchers(struct srv_store *s, uint64_t user_id, uint64_t **out,
    size_t *n)
{
	sqlite3_stmt *st;
	uint64_t *ids = NULL, *t;
	size_t cap = 0, k = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	st = pres_prep(s, "SELECT user_id FROM contacts WHERE owner = ?1"
	    " UNION SELECT owner FROM contacts WHERE user_id = ?1"
	    " UNION SELECT user_hi FROM pair_chats WHERE user_lo = ?1"
	    "  AND user_hi != ?1"
	    " UNION SELECT user_lo FROM pair_chats WHERE user_hi = ?1"
	    "  AND user_lo != ?1", user_id, 0);
	if (st == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			if ((t = realloc(ids, cap * sizeof(*ids))) == NULL) {
				r = ERR_NOMEM;
				break;
			}
			ids = t;
		}
		ids[k++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("watchers: %s", sqlite3_errmsg(srv_store_sqlite(s)));
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
