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

/* ---------------------------------------------------------------- settings */

int
srv_store_group_hides(struct srv_store *s, uint64_t chat_id)
{
	sqlite3_int64 v = 0;
	int r;

	r = srv_store__one(s, STMT_ONCE, "SELECT hide_members FROM"
	    " group_settings WHERE chat_id = ?1", &v, "i",
	    srv_store__u2i(chat_id));
	if (r == ERR_NOT_FOUND)
		return 0;
	return r == 0 ? v != 0 : r;
}

int
srv_store_group_set_hide(struct srv_store *s, uint64_t chat_id, int on)
{
	return srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE INTO"
	    " group_settings (chat_id, hide_members) VALUES (?1, ?2)", "ii",
	    srv_store__u2i(chat_id), (sqlite3_int64)(on != 0)) == 0 ? 0 :
	    ERR_DB;
}

int
srv_store_group_shown_in(struct srv_store *s, uint64_t chat_id,
    uint64_t user)
{
	return srv_store__one(s, STMT_ONCE, "SELECT 1 FROM chat_members y"
	    " WHERE y.chat_id = ?1 AND y.user_id = ?2 AND (y.admin != 0 OR"
	    " EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = ?1 AND"
	    " m.sender_id = ?2 AND m.action NOT IN " GRP_MEMBERSHIP "))",
	    NULL, "ii", srv_store__u2i(chat_id), srv_store__u2i(user));
}

/* ---------------------------------------------------------------- links */

int
srv_store_link_add(struct srv_store *s, struct srv_link *l,
    const uint8_t hash[SRV_LINK_HASH_LEN])
{
	int r;

	if ((r = srv_store__run(s, STMT_ONCE, "INSERT INTO invite_links"
	    " (chat_id, creator_id, token_hash, created, expires, uses_max)"
	    " VALUES (?1, ?2, ?4, ?3, ?5, ?6)", "iiibii",
	    srv_store__u2i(l->chat_id), srv_store__u2i(l->creator_id),
	    srv_store__u2i(l->created), hash, (size_t)SRV_LINK_HASH_LEN,
	    srv_store__u2i(l->expires), (sqlite3_int64)l->uses_max)) == 0)
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

	if (srv_store__bind(s, &st, STMT_ONCE, "SELECT id, chat_id,"
	    " creator_id, created, expires, uses_max, uses FROM invite_links"
	    " WHERE token_hash = ?1", "b", hash,
	    (size_t)SRV_LINK_HASH_LEN) != 0)
		return ERR_DB;
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
	srv_store__end(st, STMT_ONCE);
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
	return srv_store__run(s, STMT_ONCE, "UPDATE invite_links SET uses ="
	    " uses + 1 WHERE id = ?1", "i", srv_store__u2i(id)) == 0 ? 0 :
	    ERR_DB;
}

int
srv_store_link_remove(struct srv_store *s, uint64_t id)
{
	return srv_store__run(s, STMT_ONCE, "DELETE FROM invite_links WHERE"
	    " id = ?1", "i", srv_store__u2i(id)) == 0 ? 0 : ERR_DB;
}

int
srv_store_link_count(struct srv_store *s, uint64_t chat_id, size_t *n)
{
	sqlite3_int64 v = 0;
	int r;

	r = srv_store__one(s, STMT_ONCE, "SELECT count(*) FROM invite_links"
	    " WHERE chat_id = ?1", &v, "i", srv_store__u2i(chat_id));
	*n = (size_t)v;
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_link_purge(struct srv_store *s, uint64_t now, size_t *n)
{
	int r;

	r = srv_store__run(s, STMT_ONCE, "DELETE FROM invite_links WHERE"
	    " expires != 0 AND expires <= ?1", "i", srv_store__u2i(now));
	*n = r == 0 ? (size_t)sqlite3_changes(s->db) : 0;
	return r == 0 ? 0 : ERR_DB;
}

/* ---------------------------------------------------------------- reports */

int
srv_store_report_add(struct srv_store *s, struct srv_report *rep)
{
	int r;

	if ((r = srv_store__run(s, STMT_ONCE, "INSERT INTO reports"
	    " (reporter_id, reported_id, reason, created, chat_id, message_id,"
	    " message_text, counted) VALUES (?1, ?2, ?4, ?3, ?5, ?6, ?7, ?8)",
	    "iiiiiiti", srv_store__u2i(rep->reporter_id),
	    srv_store__u2i(rep->reported_id), srv_store__u2i(rep->created),
	    (sqlite3_int64)rep->reason, srv_store__u2i(rep->chat_id),
	    srv_store__u2i(rep->message_id),
	    rep->text != NULL ? rep->text : "",
	    (sqlite3_int64)(rep->counted != 0))) == 0)
		rep->id = (uint64_t)sqlite3_last_insert_rowid(
		    srv_store_sqlite(s));
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_report_recent(struct srv_store *s, uint64_t reporter,
    uint64_t reported, uint64_t since)
{
	return srv_store__one(s, STMT_ONCE, "SELECT 1 FROM reports WHERE"
	    " reported_id = ?2 AND reporter_id = ?1 AND created >= ?3 LIMIT 1",
	    NULL, "iii", srv_store__u2i(reporter), srv_store__u2i(reported),
	    srv_store__u2i(since));
}

int
srv_store_report_reporters(struct srv_store *s, uint64_t user,
    uint64_t since, size_t *n)
{
	sqlite3_int64 v = 0;
	int r;

	r = srv_store__one(s, STMT_ONCE, "SELECT count(DISTINCT reporter_id)"
	    " FROM reports WHERE reported_id = ?1 AND created >= ?2 AND"
	    " counted", &v, "ii", srv_store__u2i(user), srv_store__u2i(since));
	*n = (size_t)v;
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_wrote_to(struct srv_store *s, uint64_t user, uint64_t reader)
{
	return srv_store__one(s, STMT_ONCE, "SELECT 1 FROM chat_members x"
	    " JOIN messages m ON m.chat_id = x.chat_id AND m.sender_id = ?1 AND"
	    " m.action = 0 WHERE x.user_id = ?2 LIMIT 1", NULL, "ii",
	    srv_store__u2i(user), srv_store__u2i(reader));
}

int
srv_store_reports(struct srv_store *s,
    int (*fn)(void *, const struct srv_report *), void *ud)
{
	struct srv_report rep;
	sqlite3_stmt *st;
	int rc, r = 0;

	if (srv_store__bind(s, &st, STMT_ONCE, "SELECT id, reporter_id,"
	    " reported_id, reason, created, chat_id, message_id, message_text,"
	    " counted FROM reports ORDER BY id", "") != 0)
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
		log_error("step: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
	srv_store__end(st, STMT_ONCE);
	return r;
}

int
srv_store_report_purge(struct srv_store *s, uint64_t before, size_t *n)
{
	int r;

	r = srv_store__run(s, STMT_ONCE, "DELETE FROM reports WHERE"
	    " created < ?1", "i", srv_store__u2i(before));
	*n = r == 0 ? (size_t)sqlite3_changes(s->db) : 0;
	return r == 0 ? 0 : ERR_DB;
}

int
srv_store_report_restricted(struct srv_store *s, uint64_t user, uint64_t now,
    uint64_t *until)
{
	sqlite3_int64 v;
	int r;

	if ((r = srv_store__one(s, STMT_ONCE, "SELECT until FROM"
	    " report_restrictions WHERE user_id = ?1 AND until > ?2", &v, "ii",
	    srv_store__u2i(user), srv_store__u2i(now))) == 0)
		*until = (uint64_t)v;
	return r;
}

int
srv_store_report_restrict(struct srv_store *s, uint64_t user, uint64_t until)
{
	return srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE INTO"
	    " report_restrictions (user_id, until) VALUES (?1, max(?2,"
	    " ifnull((SELECT until FROM report_restrictions WHERE user_id ="
	    " ?1), 0)))", "ii", srv_store__u2i(user), srv_store__u2i(until)) ==
	    0 ? 0 : ERR_DB;
}

int
srv_store_report_unrestrict(struct srv_store *s, uint64_t now)
{
	return srv_store__run(s, STMT_ONCE, "DELETE FROM report_restrictions"
	    " WHERE until <= ?1", "i", srv_store__u2i(now)) == 0 ? 0 : ERR_DB;
}

/* ---------------------------------------------------------------- groups */

int
srv_store_service_add(struct srv_store *s, const struct srv_message *m,
    const struct srv_snapshot *snap)
{
	/* Snapshots without members or admins are empty, not NULL. */
	return srv_store__run(s, STMT_SERVICE_ADD, NULL, "iiiitiiiitbb",
	    srv_store__u2i(m->chat_id), srv_store__u2i(m->id),
	    srv_store__u2i(m->sender_id), srv_store__u2i(m->random_id),
	    m->text, srv_store__u2i(m->date), srv_store__u2i(m->pts),
	    (sqlite3_int64)m->action, srv_store__u2i(m->action_user_id),
	    snap->title, snap->members != NULL ? (const void *)snap->members :
	    "", snap->members_len, snap->admins != NULL ?
	    (const void *)snap->admins : "", snap->admins_len);
}

int
srv_store_group_add(struct srv_store *s, const char *title,
    uint64_t creator_id, struct srv_chat *out)
{
	int r;

	if ((r = srv_store__run(s, STMT_GROUP_ADD, NULL, "tii", title,
	    (sqlite3_int64)time(NULL), srv_store__u2i(creator_id))) != 0)
		return srv_store__failed(r);
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
	int r;

	if (chat_id > INT64_MAX || user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((r = srv_store_member_admin(s, chat_id, user_id)) >= 0)
		return ERR_EXISTS;
	if (r != ERR_NOT_FOUND)
		return r;
	/* Not a member before, so a constraint is the user's foreign key. */
	if ((r = srv_store__run(s, STMT_MEMBER_ADD_ROLE, NULL, "uui", chat_id,
	    user_id, (sqlite3_int64)(admin != 0))) == ERR_EXISTS)
		return ERR_NOT_FOUND;
	return r;
}

int
srv_store_member_remove(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id)
{
	int r;

	if ((r = srv_store__run(s, STMT_MEMBER_REMOVE, NULL, "uu", chat_id,
	    user_id)) != 0)
		return r;
	return sqlite3_changes(s->db) == 0 ? ERR_NOT_FOUND : 0;
}

int
srv_store_member_admin(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id)
{
	sqlite3_int64 admin;
	int r;

	if ((r = srv_store__one(s, STMT_MEMBER_ADMIN, NULL, &admin, "uu",
	    chat_id, user_id)) != 0)
		return r;
	return (int)admin != 0;
}

int
srv_store_chat_rename(struct srv_store *s, uint64_t chat_id,
    const char *title)
{
	int r;

	if ((r = srv_store__run(s, STMT_CHAT_RENAME, NULL, "ut", chat_id,
	    title)) != 0)
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
	if ((r = srv_store__bind(s, &st, STMT_ROSTER, NULL, "i",
	    srv_store__u2i(chat_id))) != 0)
		return r;
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
