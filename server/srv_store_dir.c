/*
 * The SQLCipher backend of the directory's hourly counters (srv_store.h,
 * "The directory's hourly counters"; the table is dir_stats, migration
 * 9). The counters are written on every directory request, so the two
 * writes are plain statements in the group transaction; the reads serve
 * the budget (one account, one counter) and sottod --stats.
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

/* Ids and hours are far below INT64_MAX; larger ones are never stored. */
static int
dir_fits(uint64_t a, uint64_t b)
{
	return a <= INT64_MAX && b <= INT64_MAX;
}

int
srv_store_dir_add(struct srv_store *s, uint64_t user_id, uint64_t hour,
    int what, uint64_t n)
{
	/* SQLCipher 3.4.1's SQLite has no upsert: insert, then add. */
	static const char ins[] = "INSERT OR IGNORE INTO dir_stats"
	    " (user_id, hour, what, n) VALUES (?1, ?2, ?3, 0)";
	static const char add[] = "UPDATE dir_stats SET n = n + ?4"
	    " WHERE user_id = ?1 AND hour = ?2 AND what = ?3";
	int r;

	if (n == 0)
		return 0;
	if (!dir_fits(user_id, hour) || n > INT64_MAX)
		return ERR_INVAL;
	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	r = srv_store__run(s, STMT_ONCE, ins, "uui", user_id, hour,
	    (sqlite3_int64)what);
	if (r == 0)
		r = srv_store__run(s, STMT_ONCE, add, "uuiu", user_id, hour,
		    (sqlite3_int64)what, n);
	return srv_store_unit_end(s, srv_store__failed(r));
}

int
srv_store_dir_sum(struct srv_store *s, uint64_t user_id, int what,
    uint64_t since, uint64_t *sum, uint64_t *oldest)
{
	static const char sql[] = "SELECT ifnull(sum(n), 0), ifnull(min(hour),"
	    " 0) FROM dir_stats WHERE user_id = ?1 AND what = ?2"
	    " AND hour >= ?3 AND n > 0";
	sqlite3_stmt *st;
	int rc;

	*sum = *oldest = 0;
	if (!dir_fits(user_id, since))
		return 0;
	if (srv_store__bind(s, &st, STMT_ONCE, sql, "uiu", user_id,
	    (sqlite3_int64)what, since) != 0)
		return ERR_DB;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*sum = (uint64_t)sqlite3_column_int64(st, 0);
		*oldest = (uint64_t)sqlite3_column_int64(st, 1);
	}
	srv_store__end(st, STMT_ONCE);
	if (rc != SQLITE_ROW) {
		log_error("dir sum: %s", sqlite3_errmsg(s->db));
		return ERR_DB;
	}
	return 0;
}

int
srv_store_dir_totals(struct srv_store *s, uint64_t user_id, uint64_t since,
    int (*fn)(void *, int, uint64_t), void *ud)
{
	static const char sql[] = "SELECT what, sum(n) FROM dir_stats"
	    " WHERE hour >= ?2 AND (?1 = 0 OR user_id = ?1)"
	    " GROUP BY what ORDER BY what";
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, r = 0;

	if (!dir_fits(user_id, since))
		return 0;
	if (srv_store__bind(s, &st, STMT_ONCE, sql, "uu", user_id, since) !=
	    0)
		return ERR_DB;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(ud, sqlite3_column_int(st, 0),
		    (uint64_t)sqlite3_column_int64(st, 1));
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("dir totals: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
	srv_store__end(st, STMT_ONCE);
	return r;
}

int
srv_store_dir_top(struct srv_store *s, uint64_t since, int lo, int hi,
    size_t limit, int (*fn)(void *, uint64_t, uint64_t), void *ud)
{
	static const char sql[] = "SELECT user_id, sum(n) AS t FROM dir_stats"
	    " WHERE hour >= ?1 AND what BETWEEN ?2 AND ?3 GROUP BY user_id"
	    " ORDER BY t DESC, user_id LIMIT ?4";
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, r = 0;

	if (!dir_fits(since, limit))
		return ERR_INVAL;
	if (srv_store__bind(s, &st, STMT_ONCE, sql, "uiiu", since,
	    (sqlite3_int64)lo, (sqlite3_int64)hi, (uint64_t)limit) != 0)
		return ERR_DB;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(ud, (uint64_t)sqlite3_column_int64(st, 0),
		    (uint64_t)sqlite3_column_int64(st, 1));
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("dir top: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
	srv_store__end(st, STMT_ONCE);
	return r;
}

int
srv_store_dir_prune(struct srv_store *s, uint64_t before)
{
	int r;

	if (before > INT64_MAX)
		return ERR_INVAL;
	if ((r = srv_store_unit_begin(s)) != 0)
		return r;
	r = srv_store__run(s, STMT_ONCE, "DELETE FROM dir_stats"
	    " WHERE hour < ?1", "u", before);
	return srv_store_unit_end(s, srv_store__failed(r));
}
