/*
 * The SQLCipher backend of sessions (srv_store_session.h): the tables
 * device_software and session_ttl (migration 13, doc/DATA.md).
 * Session calls are rare next to messages, so the statements are
 * prepared per call (STMT_ONCE), as the tombstones' are.
 */
#include "config.h"

#include "server/srv_store_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlc.h"
#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"

static void
sess_text(char *out, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

int
srv_store_session_begin(struct srv_store *s, uint64_t device_id,
    const char *software, uint64_t now)
{
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	r = srv_store__run(s, STMT_ONCE, "UPDATE devices SET created = ?2, "
	    "last_seen = ?2 WHERE id = ?1;", "ii", (sqlite3_int64)device_id,
	    (sqlite3_int64)now);
	if (r != 0 || software == NULL || *software == '\0')
		return srv_store_unit_end(s, srv_store__failed(r));
	r = srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE INTO "
	    "device_software (device_id, software) VALUES (?1, ?2);", "it",
	    (sqlite3_int64)device_id, software);
	return srv_store_unit_end(s, srv_store__failed(r));
}

int
srv_store_sessions(struct srv_store *s, uint64_t user_id,
    struct srv_session **out, size_t *n)
{
	struct srv_session *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (srv_store__bind(s, &st, STMT_ONCE, "SELECT d.id, d.name, "
	    "coalesce(w.software, ''), d.created, d.last_seen FROM devices d "
	    "LEFT JOIN device_software w ON w.device_id = d.id "
	    "WHERE d.user_id = ?1 ORDER BY d.id;", "i",
	    (sqlite3_int64)user_id) != 0)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap != 0 ? cap * 2 : 4;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				srv_store__end(st, STMT_ONCE);
				free(v);
				return ERR_NOMEM;
			}
			v = nv;
		}
		memset(&v[len], 0, sizeof(v[len]));
		v[len].device_id = (uint64_t)sqlite3_column_int64(st, 0);
		sess_text(v[len].name, sizeof(v[len].name), st, 1);
		sess_text(v[len].software, sizeof(v[len].software), st, 2);
		v[len].created = (uint64_t)sqlite3_column_int64(st, 3);
		v[len].last_seen = (uint64_t)sqlite3_column_int64(st, 4);
		len++;
	}
	srv_store__end(st, STMT_ONCE);
	if (rc != SQLITE_DONE) {
		log_error("step: %s", sqlite3_errmsg(s->db));
		free(v);
		return ERR_DB;
	}
	*out = v;
	*n = len;
	return 0;
}

int
srv_store_session_ttl(struct srv_store *s, uint64_t user_id, uint32_t *days)
{
	sqlite3_int64 v;
	int r;

	*days = SRV_SESSION_TTL_DAYS;
	r = srv_store__one(s, STMT_ONCE, "SELECT days FROM session_ttl "
	    "WHERE user_id = ?1;", &v, "i", (sqlite3_int64)user_id);
	if (r == 0)
		*days = (uint32_t)v;
	return r == ERR_NOT_FOUND ? 0 : r;	/* none: the default */
}

int
srv_store_session_set_ttl(struct srv_store *s, uint64_t user_id,
    uint32_t days)
{
	int r;

	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	r = srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE INTO session_ttl "
	    "(days, user_id) VALUES (?1, ?2);", "ii", (sqlite3_int64)days,
	    (sqlite3_int64)user_id);
	return srv_store_unit_end(s, srv_store__failed(r));
}

int
srv_store_sessions_expired(struct srv_store *s, uint64_t user_id,
    uint64_t now, struct srv_session_expired **out, size_t *n)
{
	struct srv_session_expired *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* One account's (at each connect) by its index; all (the sweep). */
	if (srv_store__bind(s, &st, STMT_ONCE, user_id != 0 ?
	    "SELECT d.user_id, d.id FROM devices d "
	    "LEFT JOIN session_ttl t ON t.user_id = d.user_id "
	    "WHERE d.user_id = ?1 "
	    "AND d.last_seen + coalesce(t.days, ?3) * 86400 < ?2 "
	    "ORDER BY d.id;" :
	    "SELECT d.user_id, d.id FROM devices d "
	    "LEFT JOIN session_ttl t ON t.user_id = d.user_id "
	    "WHERE ?1 = 0 "
	    "AND d.last_seen + coalesce(t.days, ?3) * 86400 < ?2 "
	    "ORDER BY d.id;", "iii", (sqlite3_int64)user_id,
	    (sqlite3_int64)now, (sqlite3_int64)SRV_SESSION_TTL_DAYS) != 0)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap != 0 ? cap * 2 : 4;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				srv_store__end(st, STMT_ONCE);
				free(v);
				return ERR_NOMEM;
			}
			v = nv;
		}
		v[len].user_id = (uint64_t)sqlite3_column_int64(st, 0);
		v[len].device_id = (uint64_t)sqlite3_column_int64(st, 1);
		len++;
	}
	srv_store__end(st, STMT_ONCE);
	if (rc != SQLITE_DONE) {
		log_error("step: %s", sqlite3_errmsg(s->db));
		free(v);
		return ERR_DB;
	}
	*out = v;
	*n = len;
	return 0;
}
