/*
 * The server store's accounts: users, their devices, the profile a
 * request shows of a user (by id, username or phone) and the contact
 * lists (srv_store.h, "Users and devices", "Contacts").
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

static void
srv_row_user(sqlite3_stmt *st, struct srv_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = (uint64_t)sqlite3_column_int64(st, 0);
	srv_store__col_text(st, 1, u->username, sizeof(u->username));
	srv_store__col_text(st, 2, u->display_name, sizeof(u->display_name));
	srv_store__col_text(st, 3, u->phone, sizeof(u->phone));
	srv_store__col_text(st, 4, u->pwhash, sizeof(u->pwhash));
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
	srv_store__col_text(st, 3, d->name, sizeof(d->name));
	d->created = (uint64_t)sqlite3_column_int64(st, 4);
	d->last_seen = (uint64_t)sqlite3_column_int64(st, 5);
}

int
srv_store_user_by_name(struct srv_store *s, const char *username,
    struct srv_user *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store__bind(s, &st, STMT_USER_BY_NAME, NULL, "t",
	    username)) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0)
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

	if ((r = srv_store__bind(s, &st, STMT_USER_BY_ID, NULL, "u", id)) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	srv_row_user(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_user_add(struct srv_store *s, struct srv_user *u)
{
	int r;

	u->created = (uint64_t)time(NULL);
	if ((r = srv_store__run(s, STMT_USER_ADD, NULL, "tttti", u->username,
	    u->display_name, u->phone, u->pwhash,
	    (sqlite3_int64)u->created)) != 0)
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

	if ((r = srv_store__bind(s, &st, STMT_DEVICE_BY_KEY, NULL, "b", key,
	    (size_t)NOISE_KEY_LEN)) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	srv_row_device(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_device_add(struct srv_store *s, struct srv_device *d)
{
	int r;

	d->created = d->last_seen = (uint64_t)time(NULL);
	if ((r = srv_store__run(s, STMT_DEVICE_ADD, NULL, "ibti",
	    (sqlite3_int64)d->user_id, d->key, (size_t)NOISE_KEY_LEN, d->name,
	    (sqlite3_int64)d->created)) != 0)
		return r;
	d->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
srv_store_device_remove(struct srv_store *s, uint64_t device_id)
{
	int r;

	if ((r = srv_store__run(s, STMT_DEVICE_REMOVE, NULL, "i",
	    (sqlite3_int64)device_id)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_device_touch(struct srv_store *s, uint64_t device_id, uint64_t now)
{
	int r;

	if ((r = srv_store__run(s, STMT_DEVICE_TOUCH, NULL, "ii",
	    (sqlite3_int64)device_id, (sqlite3_int64)now)) != 0)
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
	if ((r = srv_store__bind(s, &st, STMT_DEVICES, NULL, "i",
	    (sqlite3_int64)user_id)) != 0)
		return r;
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
		log_error("devices: %s", sqlite3_errmsg(s->db));
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

int
srv_store_register(struct srv_store *s, struct srv_user *u,
    struct srv_device *d)
{
	int r;

	if ((r = srv_store_atomic_begin(s)) != 0)
		return r;
	if ((r = srv_store_user_add(s, u)) == 0) {
		d->user_id = u->id;
		r = srv_store_device_add(s, d);
	}
	return srv_store_atomic_end(s, r);
}

static void
srv_row_profile(sqlite3_stmt *st, struct srv_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->id = srv_store__col_u64(st, 0);
	srv_store__col_text(st, 1, p->username, sizeof(p->username));
	srv_store__col_text(st, 2, p->display_name, sizeof(p->display_name));
	srv_store__col_text(st, 3, p->phone, sizeof(p->phone));
	srv_store__col_text(st, 4, p->bio, sizeof(p->bio));
	p->seen = srv_store__col_u64(st, 5);
}

/* The profile a bound lookup st finds: 0, ERR_NOT_FOUND or ERR_DB. */
static int
srv_profile_lookup(struct srv_store *s, sqlite3_stmt *st, int r,
    struct srv_profile *out)
{
	if (r != 0 || (r = srv_store__step_one(s, st)) != 0)
		return r;
	srv_row_profile(st, out);
	sqlite3_reset(st);
	return 0;
}

int
srv_store_profile_by_name(struct srv_store *s, const char *username,
    struct srv_profile *out)
{
	sqlite3_stmt *st;
	int r = srv_store__bind(s, &st, STMT_PROFILE_BY_NAME, NULL, "t",
	    username);

	return srv_profile_lookup(s, st, r, out);
}

int
srv_store_profile_by_id(struct srv_store *s, uint64_t id,
    struct srv_profile *out)
{
	sqlite3_stmt *st;
	int r = srv_store__bind(s, &st, STMT_PROFILE_BY_ID, NULL, "u", id);

	return srv_profile_lookup(s, st, r, out);
}

int
srv_store_profile_by_phone(struct srv_store *s, const char *phone,
    struct srv_profile *out)
{
	sqlite3_stmt *st;
	int r = srv_store__bind(s, &st, STMT_PROFILE_BY_PHONE, NULL, "t",
	    phone);

	return srv_profile_lookup(s, st, r, out);
}

/* ---------------------------------------------------------------- contacts */

int
srv_store_contact_add(struct srv_store *s, uint64_t owner, uint64_t user_id)
{
	int r = srv_store__run(s, STMT_CONTACT_ADD, NULL, "uu", owner,
	    user_id);

	/* The only constraint left is a user's foreign key. */
	return r == ERR_EXISTS ? ERR_NOT_FOUND : r;
}

int
srv_store_contact_remove(struct srv_store *s, uint64_t owner,
    uint64_t user_id)
{
	return srv_store__run(s, STMT_CONTACT_REMOVE, NULL, "uu", owner,
	    user_id);
}

int
srv_store_is_contact(struct srv_store *s, uint64_t owner, uint64_t user_id)
{
	return srv_store__one(s, STMT_IS_CONTACT, NULL, NULL, "uu", owner,
	    user_id);
}

int
srv_store_contacts(struct srv_store *s, uint64_t owner, uint64_t **out,
    size_t *n)
{
	return srv_store__ids(s, STMT_CONTACTS, NULL, "contacts", out, n, "i",
	    srv_store__u2i(owner));
}
