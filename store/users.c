/*
 * Users and contacts in the client store (store/store.h, "Users").
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "store/store_int.h"

/* Fills u from a row of (id, username, display_name, phone, contact). */
static void
store_user_row(sqlite3_stmt *st, struct store_user *u)
{
	u->id = COL_U64(st, 0);
	u->username = COL_STR(st, 1);
	u->display_name = COL_STR(st, 2);
	u->phone = COL_STR(st, 3);
	u->contact = sqlite3_column_int(st, 4) != 0;
}

/* Runs a user lookup and gives *u its own copies of the strings. */
static int
store_user_get(sqlite3_stmt *st, struct store_user *u)
{
	struct store_user b;
	int rc, r = 0;

	memset(u, 0, sizeof(*u));
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = ERR_DB;
	else {
		store_user_row(st, &b);
		u->id = b.id;
		u->contact = b.contact;
		if ((u->username = strdup(b.username)) == NULL ||
		    (u->display_name = strdup(b.display_name)) == NULL ||
		    (u->phone = strdup(b.phone)) == NULL) {
			store_user_free(u);
			r = ERR_NOMEM;
		}
	}
	store__done(st);
	return r;
}

int
store_put_user(struct store *s, const struct store_user *u)
{
	sqlite3_stmt *st;
	int i, r;

	/* Insert, or else update only where the stored row differs. */
	for (i = 0; i < 2; i++) {
		if ((st = store__stmt(s, i == 0 ? ST_INS_USER : ST_UPD_USER,
		    "ittti", u->id, u->username, u->display_name, u->phone,
		    (uint64_t)(u->contact != 0))) == NULL)
			return ERR_DB;
		if ((r = store__run(st)) != 0 || sqlite3_changes(s->db) > 0)
			return r;
	}
	return 0;
}

int
store_get_user(struct store *s, uint64_t id, struct store_user *u)
{
	sqlite3_stmt *st;

	memset(u, 0, sizeof(*u));
	if ((st = store__stmt(s, ST_GET_USER, "i", id)) == NULL)
		return ERR_DB;
	return store_user_get(st, u);
}

int
store_find_user(struct store *s, const char *username, struct store_user *u)
{
	sqlite3_stmt *st;

	memset(u, 0, sizeof(*u));
	if (username == NULL || *username == '\0')
		return ERR_NOT_FOUND;
	if ((st = store__stmt(s, ST_FIND_USER, "t", username)) == NULL)
		return ERR_DB;
	return store_user_get(st, u);
}

int
store_find_user_by_phone(struct store *s, const char *phone,
    struct store_user *u)
{
	sqlite3_stmt *st;

	memset(u, 0, sizeof(*u));
	if (phone == NULL || *phone == '\0')
		return ERR_NOT_FOUND;
	if ((st = store__stmt(s, ST_FIND_PHONE, "t", phone)) == NULL)
		return ERR_DB;
	return store_user_get(st, u);
}

void
store_user_free(struct store_user *u)
{
	if (u == NULL)
		return;
	free(u->username);
	free(u->display_name);
	free(u->phone);
	memset(u, 0, sizeof(*u));
}

int
store_set_contact(struct store *s, uint64_t user_id, int contact)
{
	sqlite3_stmt *st;
	int r;

	if ((st = store__stmt(s, ST_SET_CONTACT, "ii",
	    (uint64_t)(contact != 0), user_id)) == NULL)
		return ERR_DB;
	if ((r = store__run(st)) != 0)
		return r;
	return sqlite3_changes(s->db) > 0 ? 0 : ERR_NOT_FOUND;
}

int
store_list_contacts(struct store *s, store_user_fn *fn, void *ud)
{
	struct store_user u;
	sqlite3_stmt *st;
	int rc, r = 0;

	if ((st = store__stmt(s, ST_LIST_CONTACTS, "")) == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_user_row(st, &u);
		if ((r = fn(ud, &u)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ERR_DB;
	store__done(st);
	return r;
}
