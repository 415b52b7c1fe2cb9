/*
 * The SQLCipher backend of srv_store's export (srv_store.h, "Export";
 * doc/DATA.md). Each table sottod keeps is one section: a query that
 * selects the table's rows that are the account's (?1), whole (t.*), so
 * that a column added by a migration is exported without a change here.
 * A new table is one more entry of exp_sections[].
 *
 * A section's first two columns are its keyset cursor, the rest the row.
 * Pages resume after (?2, ?3) with a row-value comparison (after ?2 for
 * a one-column key), so a page costs one index range however far the
 * export has gone. Tables whose
 * rows are dedupe records or queued payloads are exported as counts.
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <string.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

struct exp_section {
	const char *table;
	const char *sql;
};

/* The account's devices, for the tables keyed by device. */
#define EXP_MY_DEVICES "(SELECT id FROM devices WHERE user_id = ?1)"
/* After the cursor, in its order. */
#define EXP_AFTER(k1, k2) " AND (" k1 ", " k2 ") > (?2, ?3) ORDER BY 1, 2"
/* The same for a table with a one-column key (an index range for sure). */
#define EXP_AFTER1(k1) " AND " k1 " > ?2 ORDER BY 1"

static const struct exp_section exp_sections[] = {
	{ "users", "SELECT t.id, 0, t.* FROM users t WHERE t.id = ?1"
	    EXP_AFTER1("t.id") },
	{ "devices", "SELECT t.id, 0, t.* FROM devices t"
	    " WHERE t.user_id = ?1" EXP_AFTER1("t.id") },
	{ "presence", "SELECT t.user_id, 0, t.* FROM presence t"
	    " WHERE t.user_id = ?1" EXP_AFTER1("t.user_id") },
	{ "bios", "SELECT t.user_id, 0, t.* FROM bios t WHERE t.user_id = ?1"
	    EXP_AFTER1("t.user_id") },
	/* The other account's @username, which the owner chose them by. */
	{ "contacts", "SELECT t.user_id, 0, t.*, u.username AS username"
	    " FROM contacts t JOIN users u ON u.id = t.user_id"
	    " WHERE t.owner = ?1" EXP_AFTER1("t.user_id") },
	{ "privacy", "SELECT t.key, 0, t.* FROM privacy t WHERE t.owner = ?1"
	    EXP_AFTER1("t.key") },
	{ "privacy_exceptions", "SELECT t.key, t.user_id, t.*,"
	    " u.username AS username FROM privacy_exceptions t"
	    " JOIN users u ON u.id = t.user_id WHERE t.owner = ?1"
	    EXP_AFTER("t.key", "t.user_id") },
	{ "blocks", "SELECT t.user_id, 0, t.*, u.username AS username"
	    " FROM blocks t JOIN users u ON u.id = t.user_id"
	    " WHERE t.owner = ?1" EXP_AFTER1("t.user_id") },
	/* The chats the account is in or has log entries of. */
	{ "chats", "SELECT t.id, 0, t.* FROM chats t WHERE t.id IN"
	    " (SELECT chat_id FROM chat_members WHERE user_id = ?1 UNION"
	    " SELECT chat_id FROM updates WHERE user_id = ?1)"
	    EXP_AFTER1("t.id") },
	{ "chat_members", "SELECT t.chat_id, 0, t.* FROM chat_members t"
	    " WHERE t.user_id = ?1" EXP_AFTER1("t.chat_id") },
	{ "pair_chats", "SELECT t.chat_id, 0, t.* FROM pair_chats t"
	    " WHERE ?1 IN (t.user_lo, t.user_hi)" EXP_AFTER1("t.chat_id") },
	/*
	 * The messages the account was given (its log's new-message
	 * entries, its own included): never one of a chat it was not in,
	 * nor one from before it joined a group. Walked in log order, by
	 * the log's key, so a page costs its rows whatever came before.
	 */
	{ "messages", "SELECT u.pts, 0, t.* FROM updates u JOIN messages t"
	    " ON t.chat_id = u.chat_id AND t.id = u.message_id"
	    " WHERE u.user_id = ?1 AND u.kind = 1" EXP_AFTER1("u.pts") },
	/* The forward copies among those messages. */
	{ "forwards", "SELECT u.pts, 0, t.* FROM updates u JOIN forwards t"
	    " ON t.copy_chat_id = u.chat_id AND t.copy_id = u.message_id"
	    " WHERE u.user_id = ?1 AND u.kind = 1" EXP_AFTER1("u.pts") },
	{ "updates", "SELECT t.pts, 0, t.* FROM updates t WHERE t.user_id = ?1"
	    EXP_AFTER1("t.pts") },
	{ "hidden", "SELECT t.chat_id, t.message_id, t.* FROM hidden t"
	    " WHERE t.user_id = ?1" EXP_AFTER("t.chat_id", "t.message_id") },
	{ "prekeys", "SELECT t.device_id, 0, t.* FROM prekeys t"
	    " WHERE t.device_id IN " EXP_MY_DEVICES
	    EXP_AFTER1("t.device_id") },

	{ "secret_chats", "SELECT t.id, 0, t.* FROM secret_chats t"
	    " WHERE ?1 IN (t.from_user, t.to_user)" EXP_AFTER1("t.id") },
	{ "secret_offers", "SELECT t.secret_id, t.device_id, t.*"
	    " FROM secret_offers t WHERE t.device_id IN " EXP_MY_DEVICES
	    EXP_AFTER("t.secret_id", "t.device_id") },
	/* Sessions (srv_store_session.c): its devices' software, its TTL. */
	{ "device_software", "SELECT t.device_id, 0, t.* FROM device_software t"
	    " WHERE t.device_id IN " EXP_MY_DEVICES
	    EXP_AFTER1("t.device_id") },
	{ "session_ttl", "SELECT t.user_id, 0, t.* FROM session_ttl t"
	    " WHERE t.user_id = ?1" EXP_AFTER1("t.user_id") },
	/* The account's ended device sessions (srv_tombstone.h). */
	{ "device_tombstones", "SELECT t.ended, t.device_id, t.*"
	    " FROM device_tombstones t WHERE t.user_id = ?1"
	    EXP_AFTER("t.ended", "t.device_id") },
	/*
	 * Groups (srv_store_group.c): the settings of its groups, the
	 * invite links it made (the hash held, not shown), the reports it
	 * made (never those about it: they name who reported) and its own
	 * restriction.
	 */
	{ "group_settings", "SELECT t.chat_id, 0, t.* FROM group_settings t"
	    " WHERE t.chat_id IN (SELECT chat_id FROM chat_members"
	    " WHERE user_id = ?1)" EXP_AFTER1("t.chat_id") },
	{ "invite_links", "SELECT t.id, 0, t.* FROM invite_links t"
	    " WHERE t.creator_id = ?1" EXP_AFTER1("t.id") },
	{ "reports", "SELECT t.id, 0, t.* FROM reports t"
	    " WHERE t.reporter_id = ?1" EXP_AFTER1("t.id") },
	{ "report_restrictions", "SELECT t.user_id, 0, t.* FROM"
	    " report_restrictions t WHERE t.user_id = ?1"
	    EXP_AFTER1("t.user_id") },
	/* Whom the account may name by id beyond its live relations. */
	{ "shown", "SELECT t.user_id, 0, t.*, u.username AS username"
	    " FROM shown t JOIN users u ON u.id = t.user_id"
	    " WHERE t.asker_id = ?1" EXP_AFTER1("t.user_id") },
	/* The directory throttle's counters of the account's lookups. */
	{ "dir_stats", "SELECT t.what, t.hour, t.* FROM dir_stats t"
	    " WHERE t.user_id = ?1" EXP_AFTER("t.what", "t.hour") },
	/*
	 * Public one-time prekeys, dedupe records and queued events: how
	 * many, not what (a pool of a hundred public keys says nothing).
	 */
	{ "opks", "SELECT device_id, 0, device_id, count(*) AS entries,"
	    " min(id) AS lowest_id, max(id) AS highest_id FROM opks"
	    " WHERE device_id IN " EXP_MY_DEVICES " GROUP BY device_id"
	    " HAVING (device_id, 0) > (?2, ?3) ORDER BY 1, 2" },
	{ "secret_sent", "SELECT secret_id, device_id, secret_id, device_id,"
	    " count(*) AS entries, min(created) AS oldest FROM secret_sent"
	    " WHERE device_id IN " EXP_MY_DEVICES
	    " GROUP BY secret_id, device_id"
	    " HAVING (secret_id, device_id) > (?2, ?3) ORDER BY 1, 2" },
	{ "secret_queue", "SELECT device_id, kind, device_id, kind,"
	    " count(*) AS entries, min(created) AS oldest FROM secret_queue"
	    " WHERE device_id IN " EXP_MY_DEVICES " GROUP BY device_id, kind"
	    " HAVING (device_id, kind) > (?2, ?3) ORDER BY 1, 2" },
};

#define EXP_SECTIONS (sizeof(exp_sections) / sizeof(exp_sections[0]))

/*
 * Columns that hold what proves a secret (a password's hash, a token's):
 * exported as being held, never their value, whichever table adds one.
 */
static int
exp_masked(const char *column)
{
	static const char *const words[] = { "hash", "token", "password",
	    "salt" };
	size_t i, n = strlen(column);

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(column, words[i]) != NULL)
			return 1;
	/* "totp_secret", not "secret_id". */
	return n >= 6 && strcmp(column + n - 6, "secret") == 0;
}

size_t
srv_store_export_tables(const char *const **names)
{
	static const char *list[EXP_SECTIONS];
	size_t i;

	for (i = 0; i < EXP_SECTIONS; i++)
		list[i] = exp_sections[i].table;
	*names = list;
	return EXP_SECTIONS;
}

/* Column col of st as an export value. */
static void
exp_value(sqlite3_stmt *st, int col, struct srv_export_value *v)
{
	memset(v, 0, sizeof(*v));
	v->column = sqlite3_column_name(st, col);
	if (v->column == NULL)
		v->column = "";
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		v->type = SRV_EXPORT_NULL;
		return;
	case SQLITE_INTEGER:
		v->type = SRV_EXPORT_INT;
		v->i = sqlite3_column_int64(st, col);
		return;
	case SQLITE_BLOB:
		v->type = SRV_EXPORT_BLOB;
		v->p = sqlite3_column_blob(st, col);
		v->len = (size_t)sqlite3_column_bytes(st, col);
		return;
	default:
		/* TEXT, and a REAL no table has, as its text. */
		v->type = SRV_EXPORT_TEXT;
		v->p = sqlite3_column_text(st, col);
		v->len = (size_t)sqlite3_column_bytes(st, col);
		if (v->p == NULL)
			v->type = SRV_EXPORT_NULL;
		return;
	}
}

/*
 * Hands the rows of section cur->section after the cursor to fn.
 * 0: fn asked to stop (the cursor is on the last row it took); 1: the
 * section is done; ERR_DB or fn's error.
 */
static int
exp_section_run(struct srv_store *s, uint64_t user_id,
    struct srv_export_cursor *cur, srv_export_row_fn *fn, void *ud)
{
	sqlite3 *db = srv_store_sqlite(s);
	sqlite3_stmt *st;
	struct srv_export_value v[SRV_EXPORT_COLS_MAX];
	int rc, ncol, i, r = 0, stopped = 0;

	/* A one-column key has no ?3. */
	if (srv_store__bind(s, &st, STMT_ONCE, exp_sections[cur->section].sql,
	    "ii|i", (sqlite3_int64)user_id, (sqlite3_int64)cur->k1,
	    (sqlite3_int64)cur->k2) != 0)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ncol = sqlite3_column_count(st) - 2;
		if (ncol < 0 || ncol > SRV_EXPORT_COLS_MAX) {
			r = ERR_INTERNAL;
			break;
		}
		for (i = 0; i < ncol; i++) {
			exp_value(st, i + 2, &v[i]);
			if (v[i].type != SRV_EXPORT_NULL &&
			    exp_masked(v[i].column)) {
				v[i].type = SRV_EXPORT_TEXT;
				v[i].p = "(held, not shown)";
				v[i].len = strlen(v[i].p);
			}
		}
		if ((r = fn(ud, exp_sections[cur->section].table, v,
		    (size_t)ncol)) != 0) {
			stopped = r == SRV_EXPORT_FULL;
			break;
		}
		cur->k1 = sqlite3_column_int64(st, 0);
		cur->k2 = sqlite3_column_int64(st, 1);
	}
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_error("export %s: %s", exp_sections[cur->section].table,
		    sqlite3_errmsg(db));
		r = ERR_DB;
	}
	srv_store__end(st, STMT_ONCE);
	if (stopped)
		return 0;
	return r < 0 ? r : 1;
}

int
srv_store_export(struct srv_store *s, uint64_t user_id,
    struct srv_export_cursor *cur, srv_export_row_fn *fn, void *ud)
{
	int r;

	if (user_id > INT64_MAX)
		return ERR_NOT_FOUND;
	while (cur->section < EXP_SECTIONS) {
		if ((r = exp_section_run(s, user_id, cur, fn, ud)) != 1)
			return r;
		cur->section++;
		cur->k1 = cur->k2 = INT64_MIN;
	}
	return 1;
}
