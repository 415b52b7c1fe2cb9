/*
 * Addressing by id: the rule (srv_visible.h); the relations it reads are
 * srv_store_visible.c's.
 */
#include "server/srv_visible.h"

#include "lib/err.h"
#include "server/srv_store.h"

int
srv_visible_user(struct srv_store *st, uint64_t asker, uint64_t user)
{
	if (user == 0)
		return ERR_NOT_FOUND;
	if (user == asker)
		return 0;
	return srv_store_shown(st, asker, user);
}

int
srv_visible_profile(struct srv_store *st, uint64_t asker, uint64_t user,
    struct srv_profile *p)
{
	int seen, r;

	/* Both, always: a hidden id must cost what a missing one does. */
	seen = srv_visible_user(st, asker, user);
	r = srv_store_profile_by_id(st, user, p);
	if (seen == ERR_DB || r == ERR_DB)
		return ERR_DB;
	return seen != 0 ? ERR_NOT_FOUND : r;
}

int
srv_visible_mark(struct srv_store *st, uint64_t asker, uint64_t user)
{
	int r;

	if (user == asker || user == 0)
		return 0;
	if ((r = srv_store_unit_begin(st)) != 0)
		return r;
	return srv_store_unit_end(st, srv_store_shown_add(st, asker, user));
}
