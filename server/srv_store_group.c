/*
 * The SQLCipher backend of srv_store's group part (srv_store.h, "Group
 * settings, invite links and reports"). These requests are rare next to
 * messages, so statements are prepared per call, as in
 * srv_store_secret.c. Writes run inside the caller's unit.
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/log.h"
#include "db/sqlc.h"

/* Membership service messages (ACTION_ADDED, _REMOVED, _LEFT, _JOINED). */
#define GRP_MEMBERSHIP "(2, 3, 4, 7)"

static sqlite3_int64
grp_u2i(uint64_t v)
{
	if (v <= INT64_MAX)
		return (sqlite3_int64)v;
	return -(sqlite3_int64)(UINT64_MAX - v) - 1;
}

/* Prepares sql and binds up to three integers (?1..?n). */
static sqlite3_stmt *
grp_prep(struct srv_store *s, const char *sql, int n, uint64_t a,
    uint64_t b, uint64_t c)
{
	sqlite3 *db = srv_store_sqlite(s);
	sqlite3_stmt *st = NULL;
	uint64_t v[3] = { a, b, c };
	int i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	for (i = 0; i < n && i < 3; i++)
		sqlite3_bind_int64(st, i + 1, grp_u2i(v[i]));
	return st;
}

/*
 * Steps st once and finalizes it. With a row, *col0 (unless NULL) gets
 * its first column and the result is 0; without one, ERR_NOT_FOUND for
 * a query or 0 for a write (*changes rows touched, unless NULL).
 */
static int
grp_step(struct srv_store *s, sqlite3_stmt *st, uint64_t *col0,
    int *changes)
{
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && col0 != NULL)
		*col0 = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (changes != NULL)
		*changes = rc == SQLITE_DONE ?
		    sqlite3_changes(srv_store_sqlite(s)) : 0;
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return col0 != NULL || changes == NULL ? ERR_NOT_FOUND : 0;
	if (rc == SQLITE_CONSTRAINT)
		return ERR_EXISTS;
	log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
	return ERR_DB;
}

/* A write: 0, ERR_EXISTS or ERR_DB. */
static int
grp_write(struct srv_store *s, sqlite3_stmt *st)
{
	int changes;

	return grp_step(s, st, NULL, &changes);
}

/* ---------------------------------------------------------------- settings */

int
srv_store_group_hides(struct srv_store *s, uint64_t chat_id)
{
	uint64_t v = 0;
	int r;

	r = grp_step(s, grp_prep(s, "SELECT hide_members FROM group_settings"
	    " WHERE chat_id = ?1", 1, chat_id, 0, 0), &v, NULL);
	if (r == ERR_NOT_FOUND)
		return 0;
	return r == 0 ? v != 0 : r;
}

int
srv_store_group_set_hide(struct srv_store *s, uint64_t chat_id, int on)
{
	return grp_write(s, grp_prep(s, "INSERT OR REPLACE INTO group_settings"
	    " (chat_id, hide_members) VALUES (?1, ?2)", 2, chat_id,
	    on != 0, 0)) == 0 ? 0 : ERR_DB;
}

int
srv_store_group_shown_in(struct srv_store *s, uint64_t chat_id,
    uint64_t user)
{
	uint64_t one;

	return grp_step(s, grp_prep(s, "SELECT 1 FROM chat_members y"
	    " WHERE y.chat_id = ?1 AND y.user_id = ?2 AND (y.admin != 0 OR"
	    " EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = ?1 AND"
	    " m.sender_id = ?2 AND m.action NOT IN " GRP_MEMBERSHIP "))",
	    2, chat_id, user, 0), &one, NULL);
}

/* ---------------------------------------------------------------- links */

int
srv_store_link_add(struct srv_store *s, struct srv_link *l,
    const uint8_t hash[SRV_LINK_HASH_LEN])
{
	sqlite3_stmt *st;
	int r;

	st = grp_prep(s, "INSERT INTO invite_links (chat_id, creator_id,"
	    " token_hash, created, expires, uses_max) VALUES (?1, ?2, ?4, ?3,"
	    " ?5, ?6)", 3, l->chat_id, l->creator_id, l->created);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_blob(st, 4, hash, SRV_LINK_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, grp_u2i(l->expires));
	sqlite3_bind_int64(st, 6, l->uses_max);
	if ((r = grp_write(s, st)) == 0)
		l->id = (uint64_t)sqlite3_last_insert_rowid(
		    srv_store_sqlite(s));
	return r;
}

int
srv_store_link_get(struct srv_store *s,
    const uint8_t hash[SRV_LINK_HASH_LEN], struct srv_link *out)
{
	sqlite3_stmt *st;
	int rc;

	st = grp_prep(s, "SELECT id, chat_id, creator_id, created, expires,"
	    " uses_max, uses FROM invite_links WHERE token_hash = ?1", 0, 0, 0,
	    0);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_blob(st, 1, hash, SRV_LINK_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = (uint64_t)sqlite3_column_int64(st, 0);
		out->chat_id = (uint64_t)sqlite3_column_int64(st, 1);
		out->creator_id = (uint64_t)sqlite3_column_int64(st, 2);
		out->created = (uint64_t)sqlite3_column_int64(st, 3);
		out->expires = (uint64_t)sqlite3_column_int64(st, 4);
		out->uses_max = (uint32_t)sqlite3_column_int64(st, 5);
		out->uses = (uint32_t)sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ERR_NOT_FOUND;
	log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
	return ERR_DB;
}

int
srv_store_link_use(struct srv_store *s, uint64_t id)
{
	return grp_write(s, grp_prep(s, "UPDATE invite_links SET uses ="
	    " uses + 1 WHERE id = ?1", 1, id, 0, 0)) == 0 ? 0 : ERR_DB;
}

int
srv_store_link_remove(struct srv_store *s, uint64_t id)
{
	return grp_write(s, grp_prep(s, "DELETE FROM invite_links WHERE"
	    " id = ?1", 1, id, 0, 0)) == 0 ? 0 : ERR_DB;
}

int
srv_store_link_count(struct srv_store *s, uint64_t chat_id, size_t *n)
{
	uint64_t v = 0;
	int r;

	r = grp_step(s, grp_prep(s, "SELECT count(*) FROM invite_links WHERE"
	    " chat_id = ?1", 1, chat_id, 0, 0), &v, NULL);
	*n = (size_t)v;
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_link_purge(struct srv_store *s, uint64_t now, size_t *n)
{
	int changes = 0, r;

	r = grp_step(s, grp_prep(s, "DELETE FROM invite_links WHERE"
	    " expires != 0 AND expires <= ?1", 1, now, 0, 0), NULL, &changes);
	*n = (size_t)changes;
	return r == 0 ? 0 : ERR_DB;
}

/* ---------------------------------------------------------------- reports */

int
srv_store_report_add(struct srv_store *s, struct srv_report *rep)
{
	sqlite3_stmt *st;
	int r;

	st = grp_prep(s, "INSERT INTO reports (reporter_id, reported_id,"
	    " reason, created, chat_id, message_id, message_text, counted)"
	    " VALUES (?1, ?2, ?4, ?3, ?5, ?6, ?7, ?8)", 3, rep->reporter_id,
	    rep->reported_id, rep->created);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 4, rep->reason);
	sqlite3_bind_int64(st, 5, grp_u2i(rep->chat_id));
	sqlite3_bind_int64(st, 6, grp_u2i(rep->message_id));
	sqlite3_bind_text(st, 7, rep->text != NULL ? rep->text : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, rep->counted != 0);
	if ((r = grp_write(s, st)) == 0)
		rep->id = (uint64_t)sqlite3_last_insert_rowid(
		    srv_store_sqlite(s));
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_report_recent(struct srv_store *s, uint64_t reporter,
    uint64_t reported, uint64_t since)
{
	uint64_t one;

	return grp_step(s, grp_prep(s, "SELECT 1 FROM reports WHERE"
	    " reported_id = ?2 AND reporter_id = ?1 AND created >= ?3 LIMIT 1",
	    3, reporter, reported, since), &one, NULL);
}

int
srv_store_report_reporters(struct srv_store *s, uint64_t user,
    uint64_t since, size_t *n)
{
	uint64_t v = 0;
	int r;

	r = grp_step(s, grp_prep(s, "SELECT count(DISTINCT reporter_id) FROM"
	    " reports WHERE reported_id = ?1 AND created >= ?2 AND counted",
	    2, user, since, 0), &v, NULL);
	*n = (size_t)v;
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_wrote_to(struct srv_store *s, uint64_t user, uint64_t reader)
{
	uint64_t one;

	return grp_step(s, grp_prep(s, "SELECT 1 FROM chat_members x JOIN"
	    " messages m ON m.chat_id = x.chat_id AND m.sender_id = ?1 AND"
	    " m.action = 0 WHERE x.user_id = ?2 LIMIT 1", 2, user, reader, 0),
	    &one, NULL);
}

int
srv_store_reports(struct srv_store *s,
    int (*fn)(void *, const struct srv_report *), void *ud)
{
	struct srv_report rep;
	sqlite3_stmt *st;
	int rc, r = 0;

	st = grp_prep(s, "SELECT id, reporter_id, reported_id, reason,"
	    " created, chat_id, message_id, message_text, counted FROM reports"
	    " ORDER BY id", 0, 0, 0, 0);
	if (st == NULL)
		return ERR_DB;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&rep, 0, sizeof(rep));
		rep.id = (uint64_t)sqlite3_column_int64(st, 0);
		rep.reporter_id = (uint64_t)sqlite3_column_int64(st, 1);
		rep.reported_id = (uint64_t)sqlite3_column_int64(st, 2);
		rep.reason = sqlite3_column_int(st, 3);
		rep.created = (uint64_t)sqlite3_column_int64(st, 4);
		rep.chat_id = (uint64_t)sqlite3_column_int64(st, 5);
		rep.message_id = (uint64_t)sqlite3_column_int64(st, 6);
		rep.text = (const char *)sqlite3_column_text(st, 7);
		rep.counted = sqlite3_column_int(st, 8);
		r = fn(ud, &rep);
	}
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("step: %s", sqlite3_errmsg(srv_store_sqlite(s)));
		r = ERR_DB;
	}
	sqlite3_finalize(st);
	return r;
}

int
srv_store_report_purge(struct srv_store *s, uint64_t before, size_t *n)
{
	int changes = 0, r;

	r = grp_step(s, grp_prep(s, "DELETE FROM reports WHERE created < ?1",
	    1, before, 0, 0), NULL, &changes);
	*n = (size_t)changes;
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_report_restricted(struct srv_store *s, uint64_t user, uint64_t now,
    uint64_t *until)
{
	return grp_step(s, grp_prep(s, "SELECT until FROM report_restrictions"
	    " WHERE user_id = ?1 AND until > ?2", 2, user, now, 0), until,
	    NULL);
}

int
srv_store_report_restrict(struct srv_store *s, uint64_t user, uint64_t until)
{
	return grp_write(s, grp_prep(s, "INSERT OR REPLACE INTO"
	    " report_restrictions (user_id, until) VALUES (?1, max(?2,"
	    " ifnull((SELECT until FROM report_restrictions WHERE user_id ="
	    " ?1), 0)))", 2, user, until,
	    0)) == 0 ? 0 : ERR_DB;
}

int
srv_store_report_unrestrict(struct srv_store *s, uint64_t now)
{
	return grp_write(s, grp_prep(s, "DELETE FROM report_restrictions"
	    " WHERE until <= ?1", 1, now, 0, 0)) == 0 ? 0 : ERR_DB;
}
