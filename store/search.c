/*
 * Full-text search over the cloud messages (store/store.h, "Search"):
 * the FTS4 index is brought up to date lazily, from the rowid it last
 * reached, and merged after indexed text was removed.
 */
#include "store/store.h"

#include "lib/err.h"
#include "db/sqlc.h"
#include "store/store_int.h"

/* The rowid up to which message_fts is up to date. */
int
store__fts_mark(struct store *s, sqlite3_int64 *mark)
{
	sqlite3_stmt *st;
	int r = 0;

	if ((st = store__stmt(s, ST_FTS_MARK, "")) == NULL)
		return ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW)
		*mark = sqlite3_column_int64(st, 0);
	else
		r = ERR_DB;
	store__done(st);
	return r;
}

int
store__fts_set_mark(struct store *s, sqlite3_int64 mark)
{
	sqlite3_stmt *st;

	if ((st = store__stmt(s, ST_FTS_SETMARK, "i", (uint64_t)mark)) == NULL)
		return ERR_DB;
	return store__run(st);
}

/*
 * Adds text as rowid's to the FTS index (ins), or removes rowid's current
 * text from it (!ins, text unused): before the row changes or goes.
 */
int
store__fts_row(struct store *s, int ins, sqlite3_int64 rowid, const char *text)
{
	sqlite3_stmt *st;

	if ((st = store__stmt(s, ins ? ST_FTS_INS : ST_FTS_DEL,
	    ins ? "it" : "i", (uint64_t)rowid, text)) == NULL)
		return ERR_DB;
	return store__run(st);
}

/*
 * Merges the FTS index into one segment after indexed text was removed
 * (s->purge), so that the old terms do not linger in the file
 * (secure_delete then zeroes the freed pages). It rewrites the whole
 * index (about 75 ms at 100,000 messages), so it runs once per
 * transaction, at store_commit, or at once outside a transaction.
 */
int
store__fts_purge(struct store *s)
{
	int r;

	if (!s->purge)
		return 0;
	if ((r = sqlc_exec(s->db, "INSERT INTO message_fts (message_fts) "
	    "VALUES ('optimize');")) == 0)
		s->purge = 0;
	return r;
}

/*
 * Brings message_fts up to date with the rows added since it last was,
 * or by at most rows rowids when rows is not 0; *left (may be NULL) says
 * whether newer rows still wait.
 */
static int
store_fts_catch_up(struct store *s, uint64_t rows, int *left)
{
	sqlite3_stmt *st;
	sqlite3_int64 mark, maxrow, upto;
	int r;

	if (left != NULL)
		*left = 0;
	if ((r = store__fts_mark(s, &mark)) != 0)
		return r;
	if ((st = store__stmt(s, ST_FTS_MAXROWID, "")) == NULL)
		return ERR_DB;
	if (sqlite3_step(st) != SQLITE_ROW) {
		store__done(st);
		return ERR_DB;
	}
	maxrow = sqlite3_column_int64(st, 0);
	store__done(st);
	if (maxrow <= mark)
		return 0;
	upto = maxrow;
	if (rows != 0 && (uint64_t)(maxrow - mark) > rows) {
		upto = mark + (sqlite3_int64)rows;
		if (left != NULL)
			*left = 1;
	}
	if ((st = store__stmt(s, ST_FTS_CATCHUP, "ii", (uint64_t)mark,
	    (uint64_t)upto)) == NULL)
		return ERR_DB;
	if ((r = store__run(st)) != 0)
		return r;
	return store__fts_set_mark(s, upto);
}

int
store_fts_index_some(struct store *s, uint64_t rows, int *left)
{
	int r;

	*left = 0;
	if ((r = store__sp_begin(s)) != 0)
		return r;
	return store__sp_end(s, store_fts_catch_up(s, rows, left));
}

int
store_search(struct store *s, uint64_t chat_id, const char *query,
    uint64_t limit, store_message_fn *fn, void *ud)
{
	sqlite3_stmt *st;
	int r;

	if (query == NULL || *query == '\0')
		return ERR_INVAL;
	if ((r = store__sp_begin(s)) != 0)
		return r;
	if ((r = store__sp_end(s, store_fts_catch_up(s, 0, NULL))) != 0)
		return r;
	if ((st = store__stmt(s, ST_SEARCH, "tii", query, chat_id,
	    (uint64_t)store__limit(limit))) == NULL)
		return ERR_DB;
	return store__message_rows(st, fn, ud);
}
