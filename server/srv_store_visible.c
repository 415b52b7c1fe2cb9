/*
 * The SQLCipher backend of srv_store's "shown" part (srv_store.h, "Who
 * was shown whom"; the rule is srv_visible.c's, doc/PROTOCOL.md
 * "Addressing by id"). The check is one statement, kept prepared by the
 * store (a STMT_EXT slot, srv_store_int.h): every relation it reads is an
 * index lookup, and it reads all of them when none holds, so an id that
 * does not exist and one that is not shown cost the same. Writes run
 * inside the caller's unit.
 */
#include "server/srv_store.h"

#include <stdint.h>

#include "lib/err.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

/* Membership service messages (ACTION_ADDED, _REMOVED, _LEFT, _JOINED). */
#define VIS_MEMBERSHIP "(2, 3, 4, 7)"

/*
 * Whether member ?2 of chat x.chat_id is shown to member x (?1 is x's
 * user): the chat does not hide its members, or one of them is an
 * admin, or ?2 wrote there. y is ?2's membership row.
 */
#define VIS_GROUP_SHOWN \
	"(NOT EXISTS (SELECT 1 FROM group_settings g WHERE" \
	" g.chat_id = y.chat_id AND g.hide_members != 0) OR x.admin != 0" \
	" OR y.admin != 0 OR EXISTS (SELECT 1 FROM messages m WHERE" \
	" m.chat_id = y.chat_id AND m.sender_id = y.user_id AND" \
	" m.action NOT IN " VIS_MEMBERSHIP "))"

int
srv_store_shown(struct srv_store *s, uint64_t asker, uint64_t user)
{
	sqlite3_int64 yes = 0;
	int r;

	/*
	 * Each relation is a separate EXISTS over a primary key or index;
	 * with none true SQLite evaluates every one of them.
	 */
	r = srv_store__one(s, STMT_EXT(SRV_STMT_EXT_SHOWN), "SELECT"
	    " EXISTS (SELECT 1 FROM shown WHERE asker_id = ?1 AND"
	    "  user_id = ?2)"
	    " + EXISTS (SELECT 1 FROM contacts WHERE owner = ?1 AND"
	    "  user_id = ?2)"
	    " + EXISTS (SELECT 1 FROM contacts WHERE owner = ?2 AND"
	    "  user_id = ?1)"
	    " + EXISTS (SELECT 1 FROM blocks WHERE owner = ?1 AND"
	    "  user_id = ?2)"
	    " + EXISTS (SELECT 1 FROM privacy_exceptions WHERE owner = ?1 AND"
	    "  user_id = ?2)"
	    " + EXISTS (SELECT 1 FROM chat_members x JOIN chat_members y"
	    "  ON y.chat_id = x.chat_id AND y.user_id = ?2"
	    "  WHERE x.user_id = ?1 AND " VIS_GROUP_SHOWN ")", &yes, "ii",
	    srv_store__u2i(asker), srv_store__u2i(user));
	if (r != 0)
		return r;
	return yes > 0 ? 0 : ERR_NOT_FOUND;
}

int
srv_store_shown_add(struct srv_store *s, uint64_t asker, uint64_t user)
{
	int r;

	if (asker == user)
		return 0;
	r = srv_store__run(s, STMT_EXT(SRV_STMT_EXT_SHOWN_ADD), "INSERT OR"
	    " IGNORE INTO shown (asker_id, user_id) SELECT ?1, id FROM users"
	    " WHERE id = ?2", "ii", srv_store__u2i(asker),
	    srv_store__u2i(user));
	return srv_store__failed(r);
}

int
srv_store_shown_keep(struct srv_store *s, uint64_t chat_id, uint64_t user)
{
	int r;

	/* Whom the leaver x = ?2 was shown in chat ?1 ... */
	r = srv_store__run(s, STMT_ONCE, "INSERT OR IGNORE INTO shown"
	    " (asker_id, user_id)"
	    " SELECT x.user_id, y.user_id FROM chat_members x"
	    " JOIN chat_members y ON y.chat_id = x.chat_id"
	    " WHERE x.chat_id = ?1 AND x.user_id = ?2 AND y.user_id != ?2"
	    " AND " VIS_GROUP_SHOWN, "ii", srv_store__u2i(chat_id),
	    srv_store__u2i(user));
	if (r != 0)
		return srv_store__failed(r);
	/* ... and who was shown the leaver y = ?2 there. */
	r = srv_store__run(s, STMT_ONCE, "INSERT OR IGNORE INTO shown"
	    " (asker_id, user_id)"
	    " SELECT x.user_id, y.user_id FROM chat_members y"
	    " JOIN chat_members x ON x.chat_id = y.chat_id"
	    " WHERE y.chat_id = ?1 AND y.user_id = ?2 AND x.user_id != ?2"
	    " AND " VIS_GROUP_SHOWN, "ii", srv_store__u2i(chat_id),
	    srv_store__u2i(user));
	return srv_store__failed(r);
}

int
srv_store_shown_keep_exceptions(struct srv_store *s, uint64_t owner, int key)
{
	int r;

	r = srv_store__run(s, STMT_ONCE, "INSERT OR IGNORE INTO shown"
	    " (asker_id, user_id)"
	    " SELECT owner, user_id FROM privacy_exceptions"
	    " WHERE owner = ?1 AND key = ?2", "ii", srv_store__u2i(owner),
	    (sqlite3_int64)key);
	return srv_store__failed(r);
}
