/*
 * This device's secret-chat keys in the client store (store/store.h): the
 * X3DH identity, signed and one-time prekeys, the last identity key seen
 * for each peer device and the warnings of a changed one.
 */
#include "store/store.h"

#include <string.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store_int.h"

int
store_secret_get_identity(struct store *s, uint8_t sk[STORE_SECRET_SK_LEN],
    uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT sk, pub FROM secret_identity "
	    "WHERE id = 1;", "")) != 0)
		return r;
	if ((r = store__row(st)) == 0 &&
	    (r = store__column_key(st, 0, sk, STORE_SECRET_SK_LEN)) == 0)
		r = store__column_key(st, 1, pub, STORE_SECRET_KEY_LEN);
	sqlite3_finalize(st);
	if (r != 0)
		sec_wipe(sk, STORE_SECRET_SK_LEN);
	return r;
}

int
store_secret_set_identity(struct store *s,
    const uint8_t sk[STORE_SECRET_SK_LEN],
    const uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "INSERT OR REPLACE INTO secret_identity "
	    "(id, sk, pub) VALUES (1, ?, ?);", "bb", sk,
	    (size_t)STORE_SECRET_SK_LEN, pub, (size_t)STORE_SECRET_KEY_LEN))
	    != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_put_spk(struct store *s, const struct store_spk *k,
    const uint8_t priv[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "INSERT OR REPLACE INTO secret_spk "
	    "(id, priv, pub, sig, created) VALUES (?, ?, ?, ?, ?);", "ibbbi",
	    (uint64_t)k->id, priv, (size_t)STORE_SECRET_KEY_LEN, k->pub,
	    (size_t)STORE_SECRET_KEY_LEN, k->sig, (size_t)STORE_SECRET_SIG_LEN,
	    k->created)) != 0)
		return r;
	return store__step_done(st);
}

/* Fills k (and priv unless NULL) from a row id, priv, pub, sig, created. */
static int
store_spk_row(sqlite3_stmt *st, struct store_spk *k, uint8_t *priv)
{
	int r;

	k->id = (uint32_t)sqlite3_column_int64(st, 0);
	k->created = (uint64_t)sqlite3_column_int64(st, 4);
	if ((r = store__column_key(st, 2, k->pub, STORE_SECRET_KEY_LEN)) != 0 ||
	    (r = store__column_key(st, 3, k->sig, STORE_SECRET_SIG_LEN)) != 0)
		return r;
	if (priv != NULL)
		r = store__column_key(st, 1, priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_current_spk(struct store *s, struct store_spk *k, uint8_t *priv)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT id, priv, pub, sig, created FROM "
	    "secret_spk ORDER BY created DESC, id DESC LIMIT 1;", "")) != 0)
		return r;
	if ((r = store__row(st)) == 0)
		r = store_spk_row(st, k, priv);
	sqlite3_finalize(st);
	if (r != 0 && priv != NULL)
		sec_wipe(priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_get_spk(struct store *s, uint32_t id, struct store_spk *k,
    uint8_t priv[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT id, priv, pub, sig, created FROM "
	    "secret_spk WHERE id = ?;", "i", (uint64_t)id)) != 0)
		return r;
	if ((r = store__row(st)) == 0)
		r = store_spk_row(st, k, priv);
	sqlite3_finalize(st);
	if (r != 0)
		sec_wipe(priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_prune_spk(struct store *s, uint64_t before)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "DELETE FROM secret_spk WHERE created < ? "
	    "AND id != (SELECT id FROM secret_spk ORDER BY created DESC, "
	    "id DESC LIMIT 1);", "i", before)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_add_opk(struct store *s, uint32_t id,
    const uint8_t priv[STORE_SECRET_KEY_LEN],
    const uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "INSERT INTO secret_opk (id, priv, pub) "
	    "VALUES (?, ?, ?);", "ibb", (uint64_t)id, priv,
	    (size_t)STORE_SECRET_KEY_LEN, pub, (size_t)STORE_SECRET_KEY_LEN))
	    != 0)
		return r;
	if ((r = store__step_done(st)) != 0)
		return r;
	if ((r = store__sq(s, &st, "UPDATE secret_opk_max SET max_id = ? "
	    "WHERE id = 1 AND max_id < ?;", "ii", (uint64_t)id, (uint64_t)id))
	    != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_get_opk(struct store *s, uint32_t id,
    uint8_t priv[STORE_SECRET_KEY_LEN], uint8_t pub[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT priv, pub FROM secret_opk "
	    "WHERE id = ?;", "i", (uint64_t)id)) != 0)
		return r;
	if ((r = store__row(st)) == 0 &&
	    (r = store__column_key(st, 0, priv, STORE_SECRET_KEY_LEN)) == 0)
		r = store__column_key(st, 1, pub, STORE_SECRET_KEY_LEN);
	sqlite3_finalize(st);
	if (r != 0)
		sec_wipe(priv, STORE_SECRET_KEY_LEN);
	return r;
}

int
store_secret_del_opk(struct store *s, uint32_t id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "DELETE FROM secret_opk WHERE id = ?;", "i",
	    (uint64_t)id)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_max_opk_id(struct store *s, uint32_t *id)
{
	uint64_t v;
	int r;

	r = store__u64(s, "SELECT max_id FROM secret_opk_max WHERE id = 1;",
	    &v);
	*id = (uint32_t)v;
	return r;
}

int
store_secret_warn_add(struct store *s, struct store_secret_warning *w)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "INSERT INTO secret_key_warnings "
	    "(peer_user, peer_device, secret_id, date) VALUES (?, ?, ?, ?);",
	    "iiii", w->peer_user, w->peer_device, w->secret_id, w->date)) != 0)
		return r;
	if ((r = store__step_done(st)) != 0)
		return r;
	w->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_secret_warn_list(struct store *s, store_secret_warning_fn *fn,
    void *ud)
{
	struct store_secret_warning w;
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT id, peer_user, peer_device, "
	    "secret_id, date FROM secret_key_warnings ORDER BY id;", "")) != 0)
		return r;
	while ((r = store__row(st)) == 0) {
		w.id = (uint64_t)sqlite3_column_int64(st, 0);
		w.peer_user = (uint64_t)sqlite3_column_int64(st, 1);
		w.peer_device = (uint64_t)sqlite3_column_int64(st, 2);
		w.secret_id = (uint64_t)sqlite3_column_int64(st, 3);
		w.date = (uint64_t)sqlite3_column_int64(st, 4);
		if ((r = fn(ud, &w)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r == ERR_NOT_FOUND ? 0 : r;
}

int
store_secret_warn_clear(struct store *s, uint64_t peer_user,
    uint64_t secret_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "DELETE FROM secret_key_warnings WHERE "
	    "(? = 0 OR peer_user = ?) AND (? = 0 OR secret_id = ?);", "iiii",
	    peer_user, peer_user, secret_id, secret_id)) != 0)
		return r;
	return store__step_done(st);
}

int
store_secret_peer_key(struct store *s, uint64_t peer_user,
    uint64_t peer_device, uint8_t ik[STORE_SECRET_KEY_LEN])
{
	sqlite3_stmt *st;
	int r;

	if ((r = store__sq(s, &st, "SELECT peer_ik FROM secret_peer_keys "
	    "WHERE peer_user = ? AND peer_device = ?;", "ii", peer_user,
	    peer_device)) != 0)
		return r;
	if ((r = store__row(st)) == 0)
		r = store__column_key(st, 0, ik, STORE_SECRET_KEY_LEN);
	sqlite3_finalize(st);
	return r;
}
