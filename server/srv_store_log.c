/*
 * The server store's update log: an account's entries, each with its own
 * pts from the account's counter, and the page of entries after a pts
 * that GetDifference answers (srv_store.h, "Update log").
 */
#include "server/srv_store.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

/* ---------------------------------------------------------------- updates */

int
srv_store_update_add(struct srv_store *s, uint64_t user_id,
    const struct srv_entry *e, uint64_t *pts)
{
	uint64_t n;
	int r;

	if ((r = srv_store__counter(s, &s->pts, STMT_PTS, user_id, &n)) != 0)
		return r;
	/* No ids: NULL. */
	if ((r = srv_store__run(s, STMT_UPDATE_ADD, NULL, "uiiiiiib", user_id,
	    srv_store__u2i(n), (sqlite3_int64)e->kind,
	    srv_store__u2i(e->chat_id), srv_store__u2i(e->message_id),
	    srv_store__u2i(e->arg), srv_store__u2i(e->arg2),
	    e->ids_len > 0 ? (const void *)e->ids : NULL, e->ids_len)) != 0)
		return srv_store__failed(r);
	*pts = n;
	return 0;
}

int
srv_store_pts(struct srv_store *s, uint64_t user_id, uint64_t *pts)
{
	sqlite3_int64 v0;
	uint64_t *v;
	int r;

	if (user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	if ((v = srv_store__counter_get(&s->pts, user_id)) != NULL) {
		*pts = *v;
		return 0;
	}
	if ((r = srv_store__one(s, STMT_PTS, NULL, &v0, "u", user_id)) != 0)
		return r;
	*pts = (uint64_t)v0;
	return 0;
}

int
srv_store_updates(struct srv_store *s, uint64_t user_id, uint64_t pts,
    size_t limit, int (*fn)(void *, const struct srv_update *), void *ud)
{
	struct srv_update u;
	sqlite3_stmt *st;
	int rc, r = 0;

	if (user_id > INT64_MAX || pts > INT64_MAX || limit == 0)
		return 0;
	if (limit > INT_MAX)
		limit = INT_MAX;
	if ((r = srv_store__bind(s, &st, STMT_UPDATES, NULL, "uui", user_id,
	    pts, (sqlite3_int64)limit)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		u.pts = srv_store__col_u64(st, 0);
		u.kind = sqlite3_column_int(st, 1);
		u.chat_id = srv_store__col_u64(st, 2);
		u.message_id = srv_store__col_u64(st, 3);
		u.arg = srv_store__col_u64(st, 4);
		u.arg2 = srv_store__col_u64(st, 5);
		u.ids = sqlite3_column_blob(st, 6);
		u.ids_len = (size_t)sqlite3_column_bytes(st, 6);
		u.has_message = sqlite3_column_int(st, 7) != 0;
		if (u.has_message) {
			u.msg.chat_id = u.chat_id;
			u.msg.id = u.message_id;
			u.msg.sender_id = srv_store__col_u64(st, 8);
			u.msg.random_id = srv_store__col_u64(st, 9);
			u.msg.text = (char *)sqlite3_column_text(st, 10);
			u.msg.date = srv_store__col_u64(st, 11);
			u.msg.reply_to = srv_store__col_u64(st, 12);
			u.msg.pts = srv_store__col_u64(st, 13);
			u.msg.edit_date = srv_store__col_u64(st, 14);
			u.msg.action = sqlite3_column_int(st, 15);
			u.msg.action_user_id = srv_store__col_u64(st, 16);
			u.msg.fwd_date = srv_store__col_u64(st, 26);
			u.msg.fwd_from_id = srv_store__col_u64(st, 27);
			srv_store__col_text(st, 28, u.msg.fwd_name,
			    sizeof(u.msg.fwd_name));
			if (sqlite3_column_type(st, 17) != SQLITE_NULL) {
				u.has_snap = 1;
				u.snap.title =
				    (const char *)sqlite3_column_text(st, 17);
				u.snap.members = sqlite3_column_blob(st, 18);
				u.snap.members_len =
				    (size_t)sqlite3_column_bytes(st, 18);
				u.snap.admins = sqlite3_column_blob(st, 19);
				u.snap.admins_len =
				    (size_t)sqlite3_column_bytes(st, 19);
				if (u.snap.title == NULL)
					u.has_snap = 0;
			}
			if (u.msg.text == NULL)
				u.has_message = 0;
		}
		u.chat.id = u.chat_id;
		u.chat.kind = sqlite3_column_int(st, 20);
		srv_store__col_text(st, 21, u.chat.title, sizeof(u.chat.title));
		u.chat.user_lo = srv_store__col_u64(st, 22);
		u.chat.user_hi = srv_store__col_u64(st, 23);
		u.chat.creator_id = srv_store__col_u64(st, 24);
		u.chat.last_id = srv_store__col_u64(st, 25);
		if ((r = fn(ud, &u)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE) {
		log_error("updates: %s", sqlite3_errmsg(s->db));
		r = ERR_DB;
	}
	sqlite3_reset(st);
	return r < 0 ? r : 0;
}
