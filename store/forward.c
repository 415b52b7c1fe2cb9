/*
 * Forwards in the client store (store/store.h, "Forwards").
 */
#include "config.h"

#include "store/store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "store/store_int.h"

/* Prepares sql with up to three integers bound (n of them). */
static sqlite3_stmt *
fwd_prep(struct store *s, const char *sql, int n, uint64_t a, uint64_t b,
    uint64_t c)
{
	sqlite3_stmt *st = NULL;
	const uint64_t v[3] = { a, b, c };
	int i;

	if (sqlite3_prepare_v2(store__db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i] > INT64_MAX || sqlite3_bind_int64(st, i + 1,
		    (sqlite3_int64)v[i]) != SQLITE_OK) {
			sqlite3_finalize(st);
			return NULL;
		}
	return st;
}

static int
fwd_done(sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int
store_forward_put(struct store *s, uint64_t chat_id, uint64_t id,
    const struct store_forward *f)
{
	sqlite3_stmt *st;

	st = fwd_prep(s, "INSERT OR REPLACE INTO forwards (chat_id, "
	    "message_id, orig_date, orig_sender_id, orig_name) "
	    "VALUES (?, ?, ?, ?, ?);", 2, chat_id, id, 0);
	if (st == NULL)
		return ERR_DB;
	if (f->date > INT64_MAX || f->from_id > INT64_MAX ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)f->date) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, (sqlite3_int64)f->from_id) !=
	    SQLITE_OK || sqlite3_bind_text(st, 5, f->name != NULL ? f->name :
	    "", -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		sqlite3_finalize(st);
		return ERR_DB;
	}
	return fwd_done(st);
}

int
store_forward_get(struct store *s, uint64_t chat_id, uint64_t id,
    struct store_forward *f)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc, r = 0;

	memset(f, 0, sizeof(*f));
	if ((st = fwd_prep(s, "SELECT orig_date, orig_sender_id, orig_name "
	    "FROM forwards WHERE chat_id = ? AND message_id = ?;", 2, chat_id,
	    id, 0)) == NULL)
		return ERR_DB;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f->date = (uint64_t)sqlite3_column_int64(st, 0);
		f->from_id = (uint64_t)sqlite3_column_int64(st, 1);
		t = sqlite3_column_text(st, 2);
		if ((f->name = strdup(t != NULL ? (const char *)t : "")) ==
		    NULL)
			r = ERR_NOMEM;
	} else
		r = rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
	sqlite3_finalize(st);
	return r;
}

void
store_forward_free(struct store_forward *f)
{
	free(f->name);
	f->name = NULL;
}

int
store_outbox_forward_put(struct store *s, uint64_t random_id,
    uint64_t from_chat_id, uint64_t id)
{
	return fwd_done(fwd_prep(s, "INSERT INTO outbox_forwards (random_id, "
	    "from_chat_id, from_id) VALUES (?, ?, ?);", 3, random_id,
	    from_chat_id, id));
}

int
store_outbox_forward_get(struct store *s, uint64_t random_id,
    uint64_t *from_chat_id, uint64_t *id)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	*from_chat_id = *id = 0;
	if ((st = fwd_prep(s, "SELECT from_chat_id, from_id FROM "
	    "outbox_forwards WHERE random_id = ?;", 1, random_id, 0, 0)) ==
	    NULL)
		return ERR_DB;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*from_chat_id = (uint64_t)sqlite3_column_int64(st, 0);
		*id = (uint64_t)sqlite3_column_int64(st, 1);
	} else
		r = rc == SQLITE_DONE ? ERR_NOT_FOUND : ERR_DB;
	sqlite3_finalize(st);
	return r;
}
