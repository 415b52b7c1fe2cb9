/*
 * The SQLCipher backend of srv_store's group part: membership (groups,
 * members, admins, titles, rosters and service messages, on the kept
 * statements of srv_store_int.h), and group settings, invite links and
 * reports (srv_store.h, "Group settings, invite links and reports").
 * These last are rare next to messages, so their statements are
 * prepared per call, as in srv_store_secret.c. Writes run inside the
 * caller's unit.
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

/* Membership service messages (ACTION_ADDED, _REMOVED, _LEFT, _JOINED). */
#define GRP_MEMBERSHIP "(2, 3, 4, 7)"

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
		sqlite3_bind_int64(st, i + 1, srv_store__u2i(v[i]));
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
	sqlite3_bind_int64(st, 5, srv_store__u2i(l->expires));
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
	sqlite3_bind_int64(st, 5, srv_store__u2i(rep->chat_id));
	sqlite3_bind_int64(st, 6, srv_store__u2i(rep->message_id));
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

/* ---------------------------------------------------------------- groups */

int
srv_store_service_add(struct srv_store *s, const struct srv_message *m,
    const struct srv_snapshot *snap)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_SERVICE_ADD)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, srv_store__u2i(m->chat_id));
	sqlite3_bind_int64(st, 2, srv_store__u2i(m->id));
	sqlite3_bind_int64(st, 3, srv_store__u2i(m->sender_id));
	sqlite3_bind_int64(st, 4, srv_store__u2i(m->random_id));
	sqlite3_bind_text(st, 5, m->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, srv_store__u2i(m->date));
	sqlite3_bind_int64(st, 7, srv_store__u2i(m->pts));
	sqlite3_bind_int(st, 8, m->action);
	sqlite3_bind_int64(st, 9, srv_store__u2i(m->action_user_id));
	sqlite3_bind_text(st, 10, snap->title, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, snap->members != NULL ? snap->members :
	    (const uint8_t *)"", (int)snap->members_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 12, snap->admins != NULL ? snap->admins :
	    (const uint8_t *)"", (int)snap->admins_len, SQLITE_STATIC);
	return srv_store__step_done(s, st);
}

int
srv_store_group_add(struct srv_store *s, const char *title,
    uint64_t creator_id, struct srv_chat *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_GROUP_ADD)) == NULL)
		return ERR_DB;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 3, srv_store__u2i(creator_id));
	if ((r = srv_store__step_done(s, st)) != 0)
		return r == ERR_EXISTS ? ERR_DB : r;
	memset(out, 0, sizeof(*out));
	out->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	out->kind = SRV_CHAT_GROUP;
	out->creator_id = creator_id;
	snprintf(out->title, sizeof(out->title), "%s", title);
	return 0;
}

int
srv_store_member_add(struct srv_store *s, uint64_t chat_id, uint64_t user_id,
    int admin)
{
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX || user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_member_admin(s, chat_id, user_id)) >= 0)
		return ERR_EXISTS;
	if (r != ERR_NOT_FOUND)
		return r;
	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_MEMBER_ADD_ROLE)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	sqlite3_bind_int(st, 3, admin != 0);
	/* Not a member before, so a constraint is the user's foreign key. */
	if ((r = srv_store__step_done(s, st)) == ERR_EXISTS)
		return ERR_NOT_FOUND;
	return r;
}

int
srv_store_member_remove(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id)
{
	return srv_store__write2(s, STMT_MEMBER_REMOVE, chat_id, user_id, 1);
}

int
srv_store_member_admin(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id)
{
	sqlite3_stmt *st;
	int r, admin;

	if (chat_id > INT64_MAX || user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((st = srv_store__stmt(s, STMT_MEMBER_ADMIN)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)user_id);
	if ((r = srv_store__step_one(s, st)) != 0)
		return r;
	admin = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return admin;
}

int
srv_store_chat_rename(struct srv_store *s, uint64_t chat_id,
    const char *title)
{
	sqlite3_stmt *st;
	int r;

	if (chat_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store__write(s)) != 0)
		return r;
	if ((st = srv_store__stmt(s, STMT_CHAT_RENAME)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)chat_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	if ((r = srv_store__step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_chat_roster(struct srv_store *s, uint64_t chat_id,
    struct srv_member **out, size_t *n)
{
	struct srv_member *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((st = srv_store__stmt(s, STMT_ROSTER)) == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, srv_store__u2i(chat_id));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			if (cap > SIZE_MAX / sizeof(*v) ||
			    (nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		v[len].user_id = srv_store__col_u64(st, 0);
		v[len].admin = sqlite3_column_int(st, 1) != 0;
		len++;
	}
	if (rc != SQLITE_DONE) {
		log_error("roster: %s", sqlite3_errmsg(s->db));
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
