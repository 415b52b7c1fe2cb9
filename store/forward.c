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

/*
 * Prepares sql with up to three integers bound (n of them, store__sq);
 * NULL when one is above INT64_MAX (SQLite's integers are signed) or it
 * does not prepare.
 */
static sqlite3_stmt *
fwd_prep(struct store *s, const char *sql, int n, uint64_t a, uint64_t b,
    uint64_t c)
{
	static const char *const fmt[] = { "", "i", "ii", "iii" };
	sqlite3_stmt *st = NULL;

	if ((n > 0 && a > INT64_MAX) || (n > 1 && b > INT64_MAX) ||
	    (n > 2 && c > INT64_MAX) ||
	    store__sq(s, &st, sql, fmt[n], a, b, c) != 0)
		return NULL;
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
	sqlite3_stmt *st = NULL;

	if (chat_id > INT64_MAX || id > INT64_MAX || f->date > INT64_MAX ||
	    f->from_id > INT64_MAX)
		return ERR_DB;
	if (store__sq(s, &st, "INSERT OR REPLACE INTO forwards (chat_id, "
	    "message_id, orig_date, orig_sender_id, orig_name) "
	    "VALUES (?, ?, ?, ?, ?);", "iiiit", chat_id, id, f->date,
	    f->from_id, f->name) != 0)
		return ERR_DB;
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
