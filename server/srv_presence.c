/*
 * Last seen and online: see srv_presence.h for the rules.
 */
#include "config.h"

#include "server/srv_presence.h"

#include <stdlib.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "lib/log.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"

/*
 * The one server of this process. srv_chat_user() fills users from the
 * store alone; whether a user is online is in the server's connection
 * index, which this borrows.
 */
static struct srv *pres_srv;

void
srv_presence_init(struct srv *s)
{
	pres_srv = s;
}

static uint64_t
pres_minute(void)
{
	return (uint64_t)time(NULL) / 60 * 60;
}

int
srv_presence_coarse(uint64_t now, uint64_t seen, int online)
{
	uint64_t ago;

	if (online)
		return SOTTO__PRESENCE__PRESENCE_RECENTLY;
	if (seen == 0)
		return SOTTO__PRESENCE__PRESENCE_LONG_AGO;
	ago = now > seen ? now - seen : 0;
	if (ago <= SRV_PRESENCE_RECENT)
		return SOTTO__PRESENCE__PRESENCE_RECENTLY;
	if (ago <= SRV_PRESENCE_WEEK)
		return SOTTO__PRESENCE__PRESENCE_WITHIN_WEEK;
	if (ago <= SRV_PRESENCE_MONTH)
		return SOTTO__PRESENCE__PRESENCE_WITHIN_MONTH;
	return SOTTO__PRESENCE__PRESENCE_LONG_AGO;
}

int
srv_presence_online(struct srv *s, uint64_t user_id,
    const struct srv_conn *except)
{
	struct srv_conn *c;

	if (s == NULL)
		return 0;
	for (c = srv_user_conns(s, user_id); c != NULL; c = c->unext)
		if (c != except && c->user_id == user_id && c->authed &&
		    !c->closing)
			return 1;
	return 0;
}

/*
 * Whether asker sees owner's last seen exactly: owner's rule allows
 * asker and asker's own rule allows owner. 1, 0, or ERR_DB.
 */
static int
pres_exact(struct srv_store *st, uint64_t owner, uint64_t asker)
{
	int r;

	if (owner == asker)
		return 1;
	if ((r = srv_privacy_allows(st, owner, SRV_PRIV_LAST_SEEN,
	    asker)) == 0)
		r = srv_privacy_allows(st, asker, SRV_PRIV_LAST_SEEN, owner);
	if (r == ERR_PERM)
		return 0;
	return r == 0 ? 1 : r;
}

int
srv_presence_fill(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u)
{
	int online = srv_presence_online(pres_srv, p->id, NULL), r;

	u->last_seen = 0;
	if ((r = pres_exact(st, p->id, asker)) < 0)
		return r;
	if (r == 1) {
		if (online) {
			u->status = SOTTO__PRESENCE__PRESENCE_ONLINE;
			u->last_seen = pres_minute();
		} else if (p->seen != 0) {
			u->status = SOTTO__PRESENCE__PRESENCE_OFFLINE;
			u->last_seen = p->seen;
		} else
			u->status = SOTTO__PRESENCE__PRESENCE_LONG_AGO;
		return 0;
	}
	/* A block is "long ago", as for one who has not been seen for it. */
	if ((r = srv_privacy_blocked(st, p->id, asker)) < 0)
		return r;
	u->status = r == 1 ? SOTTO__PRESENCE__PRESENCE_LONG_AGO :
	    (Sotto__Presence)srv_presence_coarse((uint64_t)time(NULL),
	    p->seen, online);
	return 0;
}

/* Tells the connected watchers of user_id who see it exactly. */
static void
pres_push(struct srv *s, uint64_t user_id, int online, uint64_t minute)
{
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__UserStatus us = SOTTO__USER_STATUS__INIT;
	uint64_t *ids = NULL;
	size_t n = 0, i;
	int r;

	if ((r = srv_store_watchers(s->store, user_id, &ids, &n)) != 0) {
		log_error_err(r, "user %llu: watchers",
		    (unsigned long long)user_id);
		return;
	}
	us.user_id = user_id;
	us.status = online ? SOTTO__PRESENCE__PRESENCE_ONLINE :
	    SOTTO__PRESENCE__PRESENCE_OFFLINE;
	us.last_seen = minute;
	up.pts = 0;
	up.event_case = SOTTO__UPDATE__EVENT_USER_STATUS;
	up.user_status = &us;
	for (i = 0; i < n; i++) {
		if (!srv_presence_online(s, ids[i], NULL))
			continue;
		if (pres_exact(s->store, user_id, ids[i]) == 1)
			srv_reply_push(s, ids[i], &up);
	}
	free(ids);
}

void
srv_presence_refresh(struct srv *s, uint64_t owner)
{
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__UserStatus us = SOTTO__USER_STATUS__INIT;
	struct srv_profile p;
	Sotto__User u;
	uint64_t *ids = NULL;
	size_t n = 0, i;
	int r;

	if ((r = srv_store_profile_by_id(s->store, owner, &p)) != 0 ||
	    (r = srv_store_watchers(s->store, owner, &ids, &n)) != 0) {
		log_error_err(r, "user %llu: watchers",
		    (unsigned long long)owner);
		return;
	}
	up.event_case = SOTTO__UPDATE__EVENT_USER_STATUS;
	up.user_status = &us;
	us.user_id = owner;
	for (i = 0; i < n; i++) {
		if (!srv_presence_online(s, ids[i], NULL))
			continue;
		sotto__user__init(&u);
		if (srv_presence_fill(s->store, ids[i], &p, &u) != 0)
			break;
		us.status = u.status;
		us.last_seen = u.last_seen;
		srv_reply_push(s, ids[i], &up);
	}
	free(ids);
}

void
srv_presence_changed(struct srv_conn *c, int online)
{
	struct srv *s = c->srv;
	uint64_t minute = pres_minute();
	int r;

	if (c->user_id == 0)
		return;
	c->seen_minute = minute;
	if ((r = srv_store_seen_set(s->store, c->user_id, minute)) != 0)
		log_error_err(r, "conn %llu: last seen",
		    (unsigned long long)c->serial);
	if (!s->stopping && !srv_presence_online(s, c->user_id, c))
		pres_push(s, c->user_id, online, minute);
	/* A close callback runs after the turn's commit: ask for one. */
	if (!online)
		srv_commit_soon(s);
}

void
srv_presence_touch(struct srv_conn *c)
{
	uint64_t minute;
	int r;

	if (!c->authed || c->user_id == 0)
		return;
	if ((minute = pres_minute()) == c->seen_minute)
		return;
	c->seen_minute = minute;
	if ((r = srv_store_seen_set(c->srv->store, c->user_id, minute)) != 0)
		log_error_err(r, "conn %llu: last seen",
		    (unsigned long long)c->serial);
}
