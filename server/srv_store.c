/*
 * The SQLCipher backend of srv_store. Statements are prepared once, on
 * first use, and kept for the life of the store. Writes open a
 * transaction lazily (BEGIN IMMEDIATE) that srv_store_commit() ends.
 */
#include "server/srv_store.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/err.h"
#include "server/srv_log.h"
#include "store/sqlc.h"

static const char *const srv_store_migrations[] = {
	/* 1: accounts and their devices. */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  phone TEXT NOT NULL,"
	"  pwhash TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE devices ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  key BLOB NOT NULL UNIQUE CHECK (length(key) = 32),"
	"  name TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL);"
	"CREATE INDEX devices_user ON devices(user_id);",
};

enum srv_stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_USER_BY_NAME,
	STMT_USER_BY_ID,
	STMT_USER_ADD,
	STMT_DEVICE_BY_KEY,
	STMT_DEVICE_ADD,
	STMT_DEVICE_REMOVE,
	STMT_DEVICE_TOUCH,
	STMT_DEVICES,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_COUNT
};

#define USER_COLS "id, username, display_name, phone, pwhash, created"
#define DEVICE_COLS "id, user_id, key, name, created, last_seen"

static const char *const srv_stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_USER_BY_NAME] = "SELECT " USER_COLS " FROM users"
	    " WHERE username = ?1",
	[STMT_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[STMT_USER_ADD] = "INSERT INTO users (username, display_name, phone,"
	    " pwhash, created) VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_DEVICE_BY_KEY] = "SELECT " DEVICE_COLS " FROM devices"
	    " WHERE key = ?1",
	[STMT_DEVICE_ADD] = "INSERT INTO devices (user_id, key, name, created,"
	    " last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
	[STMT_DEVICE_REMOVE] = "DELETE FROM devices WHERE id = ?1",
	[STMT_DEVICE_TOUCH] = "UPDATE devices SET last_seen = ?2"
	    " WHERE id = ?1",
	[STMT_DEVICES] = "SELECT " DEVICE_COLS " FROM devices"
	    " WHERE user_id = ?1 ORDER BY id",
	[STMT_SAVEPOINT] = "SAVEPOINT one",
	[STMT_RELEASE] = "RELEASE one",
	[STMT_ROLLBACK_TO] = "ROLLBACK TO one",
};

struct srv_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	int in_txn;
};

#define SRV_STORE_NMIGRATIONS \
	((int)(sizeof(srv_store_migrations) / sizeof(srv_store_migrations[0])))

int
srv_store_open(struct srv_store **out, const char *dir,
    const uint8_t key[32], int full_sync)
{
	struct srv_store *s;
	char path[PATH_MAX];
	int n, r;

	*out = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", dir, SRV_STORE_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ERR_INVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	r = sqlc_open(&s->db, path, key, 1,
	    full_sync ? SQLC_SYNC_FULL : SQLC_SYNC_NORMAL);
	if (r != 0) {
		free(s);
		return r;
	}
	if ((r = sqlc_migrate(s->db, srv_store_migrations,
	    SRV_STORE_NMIGRATIONS)) != 0) {
		sqlc_close(s->db);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

void
srv_store_close(struct srv_store *s)
{
	int i;

	if (s == NULL)
		return;
	if (srv_store_commit(s) != 0)
		srv_error("the last writes could not be committed");
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlc_close(s->db);
	free(s);
}

/* The prepared statement, reset and unbound, ready for new arguments. */
static sqlite3_stmt *
srv_stmt(struct srv_store *s, enum srv_stmt which)
{
	sqlite3_stmt *st = s->stmt[which];

	if (st == NULL) {
		if (sqlite3_prepare_v2(s->db, srv_stmt_sql[which], -1, &st,
		    NULL) != SQLITE_OK) {
			srv_error("prepare %d: %s", (int)which,
			    sqlite3_errmsg(s->db));
			return NULL;
		}
		s->stmt[which] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Runs a statement that returns no rows. 0, ERR_EXISTS or ERR_DB. */
static int
srv_step_done(struct srv_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return ERR_EXISTS;
	srv_error("step: %s", sqlite3_errmsg(s->db));
	return ERR_DB;
}

/* Opens the group transaction when none is open. */
static int
srv_store_write(struct srv_store *s)
{
	sqlite3_stmt *st;

	if (s->in_txn)
		return 0;
	if ((st = srv_stmt(s, STMT_BEGIN)) == NULL ||
	    srv_step_done(s, st) != 0)
		return ERR_DB;
	s->in_txn = 1;
	return 0;
}

int
srv_store_pending(const struct srv_store *s)
{
	return s->in_txn;
}

int
srv_store_commit(struct srv_store *s)
{
	sqlite3_stmt *st;

	if (!s->in_txn)
		return 0;
	s->in_txn = 0;
	if ((st = srv_stmt(s, STMT_COMMIT)) != NULL &&
	    srv_step_done(s, st) == 0)
		return 0;
	srv_error("commit failed; rolling back the turn's writes");
	if ((st = srv_stmt(s, STMT_ROLLBACK)) != NULL)
		(void)srv_step_done(s, st);
	return ERR_DB;
}

static void
srv_col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (t == NULL || n < 0)
		n = 0;
	if ((size_t)n >= cap)
		n = (int)cap - 1;
	if (n > 0)
		memcpy(out, t, (size_t)n);
	out[n] = '\0';
}

static void
srv_row_user(sqlite3_stmt *st, struct srv_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = (uint64_t)sqlite3_column_int64(st, 0);
	srv_col_text(st, 1, u->username, sizeof(u->username));
	srv_col_text(st, 2, u->display_name, sizeof(u->display_name));
	srv_col_text(st, 3, u->phone, sizeof(u->phone));
	srv_col_text(st, 4, u->pwhash, sizeof(u->pwhash));
	u->created = (uint64_t)sqlite3_column_int64(st, 5);
}

static void
srv_row_device(sqlite3_stmt *st, struct srv_device *d)
{
	const void *key = sqlite3_column_blob(st, 2);

	memset(d, 0, sizeof(*d));
	d->id = (uint64_t)sqlite3_column_int64(st, 0);
	d->user_id = (uint64_t)sqlite3_column_int64(st, 1);
	if (key != NULL && sqlite3_column_bytes(st, 2) == NOISE_KEY_LEN)
		memcpy(d->key, key, NOISE_KEY_LEN);
	srv_col_text(st, 3, d->name, sizeof(d->name));
	d->created = (uint64_t)sqlite3_column_int64(st, 4);
	d->last_seen = (uint64_t)sqlite3_column_int64(st, 5);
}

/* Steps a one-row lookup. 0 (row read by fn), ERR_NOT_FOUND or ERR_DB. */
static int
srv_step_one(struct srv_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ERR_NOT_FOUND;
	srv_error("lookup: %s", sqlite3_errmsg(s->db));
	return ERR_DB;
}

int
srv_store_user_by_name(struct srv_store *s, const char *username,
    struct srv_user *out)
{
	sqlite3_stmt *st;
	int r;

	if ((st = srv_stmt(s, STMT_USER_BY_NAME)) == NULL)
		return ERR_DB;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_user(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_user_by_id(struct srv_store *s, uint64_t id, struct srv_user *out)
{
	sqlite3_stmt *st;
	int r;

	if (id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_stmt(s, STMT_USER_BY_ID)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_user(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_user_add(struct srv_store *s, struct srv_user *u)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_USER_ADD)) == NULL)
		return ERR_DB;
	u->created = (uint64_t)time(NULL);
	sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)u->created);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	u->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
srv_store_device_by_key(struct srv_store *s, const uint8_t key[NOISE_KEY_LEN],
    struct srv_device *out)
{
	sqlite3_stmt *st;
	int r;

	if ((st = srv_stmt(s, STMT_DEVICE_BY_KEY)) == NULL)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, key, NOISE_KEY_LEN, SQLITE_STATIC);
	if ((r = srv_step_one(s, st)) != 0)
		return r;
	srv_row_device(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_device_add(struct srv_store *s, struct srv_device *d)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_DEVICE_ADD)) == NULL)
		return ERR_DB;
	d->created = d->last_seen = (uint64_t)time(NULL);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)d->user_id);
	sqlite3_bind_blob(st, 2, d->key, NOISE_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)d->created);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	d->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
srv_store_device_remove(struct srv_store *s, uint64_t device_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_DEVICE_REMOVE)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)device_id);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_device_touch(struct srv_store *s, uint64_t device_id, uint64_t now)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store_write(s)) != 0)
		return r;
	if ((st = srv_stmt(s, STMT_DEVICE_TOUCH)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)device_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if ((r = srv_step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_devices(struct srv_store *s, uint64_t user_id,
    struct srv_device **out, size_t *n)
{
	struct srv_device *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((st = srv_stmt(s, STMT_DEVICES)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4;
			if (cap > SIZE_MAX / sizeof(*v) ||
			    (nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		srv_row_device(st, &v[len++]);
	}
	if (rc != SQLITE_DONE) {
		srv_error("devices: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
out:
	sqlite3_reset(st);
	if (r != 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = len;
	return 0;
}

/* Runs one of the savepoint statements. 0 or ERR_DB. */
static int
srv_store_run(struct srv_store *s, enum srv_stmt which)
{
	sqlite3_stmt *st = srv_stmt(s, which);

	return st != NULL && srv_step_done(s, st) == 0 ? 0 : ERR_DB;
}

int
srv_store_register(struct srv_store *s, struct srv_user *u,
    struct srv_device *d)
{
	int r;

	if ((r = srv_store_write(s)) != 0 ||
	    (r = srv_store_run(s, STMT_SAVEPOINT)) != 0)
		return r;
	if ((r = srv_store_user_add(s, u)) == 0) {
		d->user_id = u->id;
		r = srv_store_device_add(s, d);
	}
	if (r != 0 && srv_store_run(s, STMT_ROLLBACK_TO) != 0)
		r = ERR_DB;
	if (srv_store_run(s, STMT_RELEASE) != 0)
		r = ERR_DB;
	return r;
}
