/*
 * The SQLCipher backend of srv_store's last-seen, bio and forward part
 * (srv_store.h, "Last seen, bio and forwards"). Statements are prepared
 * per call, as in srv_store_secret.c: a seen write happens at most once
 * a minute per account, the rest on rare requests. Writes open the group
 * transaction through an atomic unit of their own, or join the caller's.
 */
#include "server/srv_store.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/err.h"
#include "server/srv_store_int.h"
#include "db/sqlc.h"

/*
 * Ends the atomic unit of one of this file's writes with its result r:
 * a constraint is no answer here, but a failure like the others (ERR_DB).
 */
static int
pres_end(struct srv_store *s, int r)
{
	return srv_store_atomic_end(s, srv_store__failed(r));
}

int
srv_store_seen_set(struct srv_store *s, uint64_t user_id, uint64_t minute)
{
	int r;

	if (user_id > INT64_MAX || minute > INT64_MAX)
		return ERR_DB;
	if ((r = srv_store_atomic_begin(s)) != 0)
		return r;
	return pres_end(s, srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE"
	    " INTO presence (user_id, seen) VALUES (?1, ?2)", "uu", user_id,
	    minute));
}

int
srv_store_bio_set(struct srv_store *s, uint64_t user_id, const char *bio)
{
	int r;

	if (user_id > INT64_MAX)
		return ERR_DB;
	if ((r = srv_store_atomic_begin(s)) != 0)
		return r;
	if (bio[0] == '\0')
		return pres_end(s, srv_store__run(s, STMT_ONCE, "DELETE FROM"
		    " bios WHERE user_id = ?1", "u", user_id));
	return pres_end(s, srv_store__run(s, STMT_ONCE, "INSERT OR REPLACE"
	    " INTO bios (user_id, bio) VALUES (?1, ?2)", "ut", user_id, bio));
}

int
srv_store_forward_set(struct srv_store *s, uint64_t chat_id, uint64_t id,
    uint64_t date, uint64_t from_id, const char *name)
{
	int r;

	if (chat_id > INT64_MAX || id > INT64_MAX)
		return ERR_DB;
	if (date > INT64_MAX || from_id > INT64_MAX)
		return ERR_INVAL;
	if ((r = srv_store_atomic_begin(s)) != 0)
		return r;
	return pres_end(s, srv_store__run(s, STMT_ONCE, "INSERT INTO forwards"
	    " (copy_chat_id, copy_id, orig_date, orig_sender_id, orig_name)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", "uuuut", chat_id, id, date,
	    from_id, name));
}

int
srv_store_watchers(struct srv_store *s, uint64_t user_id, uint64_t **out,
    size_t *n)
{
	*out = NULL;
	*n = 0;
	if (user_id > INT64_MAX)
		return ERR_DB;
	return srv_store__ids(s, STMT_ONCE, "SELECT user_id FROM contacts"
	    " WHERE owner = ?1"
	    " UNION SELECT owner FROM contacts WHERE user_id = ?1"
	    " UNION SELECT user_hi FROM pair_chats WHERE user_lo = ?1"
	    "  AND user_hi != ?1"
	    " UNION SELECT user_lo FROM pair_chats WHERE user_hi = ?1"
	    "  AND user_lo != ?1", "watchers", out, n, "u", user_id);
}
