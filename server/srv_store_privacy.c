/*
 * The server store's privacy rows: the rules, their exceptions and the
 * blocks of an owner, and the facts srv_privacy.c decides on. An owner
 * who never wrote one has the defaults and costs no query
 * (srv_store__restrict, struct srv_store's restricted set).
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

/* ---------------------------------------------------------------- privacy */

int
srv_store_privacy_restricted(struct srv_store *s, uint64_t owner)
{
	if (s->restricted_all || srv_store__counter_get(&s->restricted,
	    owner) != NULL)
		return 1;
	return 0;
}

int
srv_store_privacy_facts(struct srv_store *s, uint64_t owner, int key,
    uint64_t asker, struct srv_privacy_facts *out)
{
	sqlite3_stmt *st;
	int r;

	memset(out, 0, sizeof(*out));
	out->exception = -1;
	if ((r = srv_store__bind(s, &st, STMT_PRIVACY_FACTS, NULL, "uiu",
	    owner, (sqlite3_int64)key, asker)) != 0)
		return r;
	if ((r = srv_store__step_one(s, st)) != 0)
		return r == ERR_NOT_FOUND ? ERR_DB : r;
	out->blocked = sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		out->exception = sqlite3_column_int(st, 1) != 0;
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		out->value = sqlite3_column_int(st, 2);
	out->contact = sqlite3_column_type(st, 3) != SQLITE_NULL;
	sqlite3_reset(st);
	return 0;
}

int
srv_store_privacy_get(struct srv_store *s, uint64_t owner, int key,
    int *value)
{
	sqlite3_int64 v = 0;
	int r;

	r = srv_store__one(s, STMT_PRIVACY_VALUE, NULL, &v, "ii",
	    srv_store__u2i(owner), (sqlite3_int64)key);
	*value = (int)v;
	return r;
}

int
srv_store_privacy_set(struct srv_store *s, uint64_t owner, int key,
    int value)
{
	srv_store__restrict(s, owner);
	return srv_store__run(s, STMT_PRIVACY_SET, NULL, "iii",
	    srv_store__u2i(owner), (sqlite3_int64)key, (sqlite3_int64)value);
}

int
srv_store_privacy_exceptions(struct srv_store *s, uint64_t owner, int key,
    uint64_t **allow, size_t *n_allow, uint64_t **deny, size_t *n_deny)
{
	uint64_t *v = NULL, *nv, *a = NULL, *d = NULL;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0, i, na = 0, nd = 0;
	int rc, r = 0, *al = NULL, *nal;

	*allow = *deny = NULL;
	*n_allow = *n_deny = 0;
	if ((r = srv_store__bind(s, &st, STMT_PRIVACY_LIST, NULL, "ii",
	    srv_store__u2i(owner), (sqlite3_int64)key)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			v = nv;
			if ((nal = realloc(al, cap * sizeof(*al))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			al = nal;
		}
		v[len] = srv_store__col_u64(st, 0);
		al[len++] = sqlite3_column_int(st, 1) != 0;
	}
	if (rc != SQLITE_DONE) {
		log_error("privacy exceptions: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
		goto out;
	}
	if (len > 0 && ((a = calloc(len, sizeof(*a))) == NULL ||
	    (d = calloc(len, sizeof(*d))) == NULL)) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (al[i])
			a[na++] = v[i];
		else
			d[nd++] = v[i];
	}
	*allow = a;
	*n_allow = na;
	*deny = d;
	*n_deny = nd;
	a = d = NULL;
out:
	sqlite3_reset(st);
	free(v);
	free(al);
	free(a);
	free(d);
	return r;
}

int
srv_store_privacy_clear(struct srv_store *s, uint64_t owner, int key)
{
	return srv_store__run(s, STMT_PRIVACY_CLEAR, NULL, "ii",
	    srv_store__u2i(owner), (sqlite3_int64)key);
}

int
srv_store_privacy_except(struct srv_store *s, uint64_t owner, int key,
    uint64_t user_id, int mode)
{
	if (mode == 0)
		return srv_store__run(s, STMT_PRIVACY_EXCEPT_DEL, NULL, "iii",
		    srv_store__u2i(owner), (sqlite3_int64)key,
		    srv_store__u2i(user_id));
	srv_store__restrict(s, owner);
	return srv_store__run(s, STMT_PRIVACY_EXCEPT_SET, NULL, "iiii",
	    srv_store__u2i(owner), (sqlite3_int64)key, srv_store__u2i(user_id),
	    (sqlite3_int64)(mode > 0));
}

int
srv_store_privacy_except_count(struct srv_store *s, uint64_t owner, int key,
    size_t *n)
{
	sqlite3_int64 v = 0;
	int r;

	r = srv_store__one(s, STMT_PRIVACY_EXCEPT_COUNT, NULL, &v, "ii",
	    srv_store__u2i(owner), (sqlite3_int64)key);
	*n = (size_t)v;
	return r == ERR_NOT_FOUND ? 0 : r;
}

int
srv_store_block_set(struct srv_store *s, uint64_t owner, uint64_t user_id,
    int blocked, uint64_t now)
{
	int r;

	if (!blocked)
		return srv_store__run(s, STMT_BLOCK_REMOVE, NULL, "ii",
		    srv_store__u2i(owner), srv_store__u2i(user_id));
	srv_store__restrict(s, owner);
	r = srv_store__run(s, STMT_BLOCK_ADD, NULL, "iii",
	    srv_store__u2i(owner), srv_store__u2i(user_id),
	    srv_store__u2i(now));
	/* The only constraint left is a user's foreign key. */
	return r == ERR_EXISTS ? ERR_NOT_FOUND : r;
}

int
srv_store_is_blocked(struct srv_store *s, uint64_t owner, uint64_t user_id)
{
	return srv_store__one(s, STMT_IS_BLOCKED, NULL, NULL, "uu", owner,
	    user_id);
}

int
srv_store_blocked(struct srv_store *s, uint64_t owner, uint64_t **out,
    size_t *n)
{
	return srv_store__ids(s, STMT_BLOCKED, NULL, "blocked", out, n, "i",
	    srv_store__u2i(owner));
}

int
srv_store_block_count(struct srv_store *s, uint64_t owner, size_t *n)
{
	sqlite3_int64 v = 0;
	int r;

	r = srv_store__one(s, STMT_BLOCK_COUNT, NULL, &v, "i",
	    srv_store__u2i(owner));
	*n = (size_t)v;
	return r == ERR_NOT_FOUND ? 0 : r;
}
