/*
 * The outboxes of the client store (store/store.h): cloud messages waiting
 * for the server, and each secret envelope's exact ciphertext, kept until
 * the server acknowledges it.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "db/sqlc.h"
#include "store/store_int.h"

int
store_outbox_add(struct store *s, const struct store_outbox *o)
{
	sqlite3_stmt *st;
	int rc;

	if (o->random_id == 0)
		return ERR_INVAL;
	if ((st = store__stmt(s, ST_OB_ADD, "iiittiii", o->random_id,
	    o->chat_id, o->to_user_id, o->peer, o->text, o->reply_to,
	    o->created, (uint64_t)o->attempts)) == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	store__done(st);
	if (rc == SQLITE_CONSTRAINT)
		return ERR_EXISTS;
	return rc == SQLITE_DONE ? 0 : sqlc_err(s->db, rc);
}

int
store_outbox_first(struct store *s, struct store_outbox *o)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	memset(o, 0, sizeof(*o));
	if ((st = store__stmt(s, ST_OB_FIRST, "")) == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else {
		o->random_id = COL_U64(st, 0);
		o->chat_id = COL_U64(st, 1);
		o->to_user_id = COL_U64(st, 2);
		o->reply_to = COL_U64(st, 5);
		o->created = COL_U64(st, 6);
		o->attempts = (unsigned)sqlite3_column_int64(st, 7);
		if ((o->peer = strdup(COL_STR(st, 3))) == NULL ||
		    (o->text = strdup(COL_STR(st, 4))) == NULL) {
			store_outbox_free(o);
			r = ERR_NOMEM;
		}
	}
	store__done(st);
	return r;
}

int
store_outbox_has(struct store *s, uint64_t random_id, int *queued)
{
	sqlite3_stmt *st;
	int rc;

	*queued = 0;
	if ((st = store__stmt(s, ST_OB_HAS, "i", random_id)) == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	store__done(st);
	if (rc == SQLITE_ROW)
		*queued = 1;
	else if (rc != SQLITE_DONE)
		return ERR_DB;
	return 0;
}

int
store_outbox_count(struct store *s, uint64_t *n)
{
	sqlite3_stmt *st;
	int r = 0;

	*n = 0;
	if ((st = store__stmt(s, ST_OB_COUNT, "")) == NULL)
		return ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = COL_U64(st, 0);
	else
		r = ERR_DB;
	store__done(st);
	return r;
}

int
store_outbox_attempt(struct store *s, uint64_t random_id)
{
	sqlite3_stmt *st;

	if ((st = store__stmt(s, ST_OB_ATTEMPT, "i", random_id)) == NULL)
		return ERR_DB;
	return store__run(st);
}

int
store_outbox_remove(struct store *s, uint64_t random_id)
{
	sqlite3_stmt *st;

	if ((st = store__stmt(s, ST_OB_REMOVE, "i", random_id)) == NULL)
		return ERR_DB;
	return store__run(st);
}

void
store_outbox_free(struct store_outbox *o)
{
	if (o == NULL)
		return;
	free(o->peer);
	free(o->text);
	memset(o, 0, sizeof(*o));
}

/* ------------------------------------------------------ secret outbox */

int
store_secret_outbox_add(struct store *s, struct store_secret_env *e)
{
	sqlite3_stmt *st;
	int r, rc;

	if (e->random_id == 0 || e->len == 0)
		return ERR_INVAL;
	if ((r = store__sq(s, &st, "INSERT INTO secret_outbox (secret_id, "
	    "peer_device, random_id, msg_id, data, created) VALUES "
	    "(?, ?, ?, ?, ?, ?);", "iiiibi", e->secret_id, e->peer_device,
	    e->random_id, e->msg_id, e->data, e->len, e->created)) != 0)
		return r;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_CONSTRAINT ? ERR_EXISTS : sqlc_err(s->db, rc);
	e->seq = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_secret_outbox_first(struct store *s, struct store_secret_env *e)
{
	sqlite3_stmt *st;
	const void *p;
	int r;

	memset(e, 0, sizeof(*e));
	if ((r = store__sq(s, &st, "SELECT seq, secret_id, peer_device, "
	    "random_id, msg_id, data, created, attempts FROM secret_outbox "
	    "ORDER BY seq LIMIT 1;", "")) != 0)
		return r;
	if ((r = store__row(st)) == 0) {
		e->seq = (uint64_t)sqlite3_column_int64(st, 0);
		e->secret_id = (uint64_t)sqlite3_column_int64(st, 1);
		e->peer_device = (uint64_t)sqlite3_column_int64(st, 2);
		e->random_id = (uint64_t)sqlite3_column_int64(st, 3);
		e->msg_id = (uint64_t)sqlite3_column_int64(st, 4);
		e->created = (uint64_t)sqlite3_column_int64(st, 6);
		e->attempts = (unsigned)sqlite3_column_int64(st, 7);
		p = sqlite3_column_blob(st, 5);
		e->len = (size_t)sqlite3_column_bytes(st, 5);
		if (p == NULL || e->len == 0)
			r = ERR_DB;
		else if ((e->data = malloc(e->len)) == NULL)
			r = ERR_NOMEM;
		else
			memcpy(e->data, p, e->len);
	}
	sqlite3_finalize(st);
	if (r != 0)
		store_secret_env_free(e);
	return r;
}

int
store_secret_outbox_count(struct store *s, uint64_t *n)
{
	return store__u64(s, "SELECT count(*) FROM secret_outbox;", n);
}

int
store_secret_outbox_attempt(struct store *s, uint64_t seq)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "UPDATE secret_outbox SET attempts = "
	    "attempts + 1 WHERE seq = ?;", "i", seq)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_outbox_remove(struct store *s, uint64_t secret_id,
    uint64_t random_id, int *removed)
{
	sqlite3_stmt *st;
	int r;

	if (removed != NULL)
		*removed = 0;
	if ((r = store__sq(s, &st, "DELETE FROM secret_outbox WHERE "
	    "secret_id = ? AND random_id = ?;", "ii", secret_id,
	    random_id)) != 0 || (r = store__step_done(st)) != 0)
		return r;
	if (removed != NULL)
		*removed = sqlite3_changes(s->db) > 0;
	return 0;
}

void
store_secret_env_free(struct store_secret_env *e)
{
	free(e->data);
	e->data = NULL;
	e->len = 0;
}
