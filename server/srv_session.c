/*
 * Sessions (srv_session.h): the session list, TerminateSession with the
 * 24-hour guard, the account's session TTL and its enforcement at connect
 * and by the daily sweep, and the words a terminated device is told.
 * Ending a device goes through srv_tombstone_end_device(), as a logout
 * does, so its secret chats end with it and its next connect is told who
 * ended it and when.
 */
#include "config.h"

#include "server/srv_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "lib/log.h"
#include "server/srv.h"
#include "server/srv_conn.h"
#include "server/srv_reply.h"
#include "server/srv_store_session.h"
#include "server/srv_tombstone.h"

#define SRV_SESSION_SWEEP_SECS (24u * 3600)

/* The TTLs SetSessionTtl takes, in days: 1w, 1m, 3m, 6m, 1y. */
static const uint32_t srv_session_ttls[] = { 7, 30, 91, 183, 365 };

/* When the last sweep ran (srv_session_now()); 0: not since start. */
static uint64_t srv_session_swept;

/* ---------------------------------------------------------------- clock */

uint64_t
srv_session_now(void)
{
	const char *path = getenv("SOTTOD_TEST_CLOCK_FILE");
	uint64_t now = (uint64_t)time(NULL);
	long long off = 0;
	FILE *f;

	/* Test-only: never set in a real deployment (doc/SECURITY.md). */
	if (path == NULL || *path == '\0' || (f = fopen(path, "r")) == NULL)
		return now;
	if (fscanf(f, "%lld", &off) != 1 || off < 0)
		off = 0;
	fclose(f);
	return now + (uint64_t)off;
}

/* ---------------------------------------------------------------- ending */

/*
 * The connections of user_id's device_id other than skip: each gets a
 * Goodbye (ERR_REVOKED, why) and is closed, as a logout's are.
 */
static void
srv_session_drop(struct srv *s, uint64_t user_id, uint64_t device_id,
    const char *why)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Goodbye bye = SOTTO__GOODBYE__INIT;
	struct srv_conn *o, *next;

	bye.code = ERR_REVOKED;
	bye.reason = (char *)why;
	f.body_case = SOTTO__FRAME__BODY_GOODBYE;
	f.goodbye = &bye;
	for (o = srv_user_conns(s, user_id); o != NULL; o = next) {
		next = o->unext;
		if (o->user_id != user_id || o->device_id != device_id ||
		    o->closing)
			continue;
		(void)srv_conn_send(o, &f);
		srv_unbind_user(o);
		o->authed = 0;
		o->user_id = o->device_id = 0;
		srv_conn_close(o, 1);
	}
}

/* Ends one device for why, by by_device, and closes its connections. */
static int
srv_session_end(struct srv *s, uint64_t user_id, uint64_t device_id,
    uint64_t by_device, enum srv_tomb_why why)
{
	char words[128];
	int r;

	if ((r = srv_tombstone_end_device(s, user_id, device_id, by_device,
	    why)) != 0)
		return r;
	if (why == SRV_TOMB_EXPIRED)
		snprintf(words, sizeof(words), "this device was logged out: it "
		    "was inactive for longer than the account's session TTL");
	else
		snprintf(words, sizeof(words), "this device was logged out by "
		    "device %llu", (unsigned long long)by_device);
	log_info("user %llu: device %llu ended (%s)",
	    (unsigned long long)user_id, (unsigned long long)device_id,
	    why == SRV_TOMB_EXPIRED ? "session TTL" : "terminated");
	srv_session_drop(s, user_id, device_id, words);
	return 0;
}

/* Whether user_id's device_id has a live connection. */
static int
srv_session_online(struct srv *s, uint64_t user_id, uint64_t device_id)
{
	struct srv_conn *o;

	for (o = srv_user_conns(s, user_id); o != NULL; o = o->unext)
		if (o->user_id == user_id && o->device_id == device_id &&
		    o->authed && !o->closing)
			return 1;
	return 0;
}

int
srv_session_expire(struct srv *s, uint64_t user_id, uint64_t device_id)
{
	struct srv_session_expired *v = NULL;
	size_t n = 0, i;
	int r, self = 0;

	if ((r = srv_store_sessions_expired(s->store, user_id,
	    srv_session_now(), &v, &n)) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		/* Connected all along is active: its last_seen moves on. */
		if (srv_session_online(s, v[i].user_id, v[i].device_id)) {
			r = srv_store_device_touch(s->store, v[i].device_id,
			    srv_session_now());
			if (r == ERR_NO_SPACE || r == ERR_NOT_FOUND)
				r = 0;
			continue;
		}
		r = srv_session_end(s, v[i].user_id, v[i].device_id, 0,
		    SRV_TOMB_EXPIRED);
		if (r == ERR_NOT_FOUND)
			r = 0;
		self |= v[i].device_id == device_id;
	}
	free(v);
	return r != 0 ? r : self ? ERR_REVOKED : 0;
}

void
srv_session_sweep(struct srv *s)
{
	uint64_t now = srv_session_now();
	int r;

	if (srv_session_swept != 0 &&
	    now < srv_session_swept + SRV_SESSION_SWEEP_SECS)
		return;
	srv_session_swept = now;
	if ((r = srv_session_expire(s, 0, 0)) != 0)
		log_error_err(r, "session sweep");
}

/* ---------------------------------------------------------------- welcome */

void
srv_session_welcome(struct srv *s, const struct srv_tombstone *t,
    Sotto__Welcome *w, char *buf, size_t cap)
{
	struct srv_session *v = NULL;
	size_t n = 0, i;
	time_t at = (time_t)t->ended;
	struct tm tm;
	char when[32] = "";
	const char *name = NULL;

	if (gmtime_r(&at, &tm) != NULL)
		(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	switch (t->why) {
	case SRV_TOMB_LOGOUT:
		snprintf(buf, cap, "this device logged out on %s", when);
		break;
	case SRV_TOMB_DELETED:
		snprintf(buf, cap, "the account was deleted on %s", when);
		break;
	case SRV_TOMB_EXPIRED:
		snprintf(buf, cap, "this device was logged out on %s: it was "
		    "inactive for longer than the account's session TTL", when);
		break;
	default:
		if (t->user_id != 0 && srv_store_sessions(s->store,
		    t->user_id, &v, &n) == 0)
			for (i = 0; i < n; i++)
				if (v[i].device_id == t->by_device)
					name = v[i].name;
		if (name != NULL)
			snprintf(buf, cap, "this device was logged out by "
			    "device %llu (\"%s\") on %s",
			    (unsigned long long)t->by_device, name, when);
		else
			snprintf(buf, cap, "this device was logged out by "
			    "device %llu on %s", (unsigned long long)t->by_device,
			    when);
		w->terminated_by = t->by_device;
		/* name points into v: copy into the tail of buf. */
		w->terminated_by_name = (char *)"";
		if (name != NULL && strlen(buf) + 1 + strlen(name) + 1 <= cap) {
			char *tail = buf + strlen(buf) + 1;

			memcpy(tail, name, strlen(name) + 1);
			w->terminated_by_name = tail;
		}
		free(v);
		break;
	}
	w->revoked_reason = buf;
}

/* ---------------------------------------------------------------- replies */

/* The account's sessions after a call, its TTL and what the call ended. */
static int
srv_session_reply(struct srv_conn *c, uint64_t id, uint64_t *ended,
    size_t nended)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__SessionsResult res = SOTTO__SESSIONS_RESULT__INIT;
	Sotto__Session *sv = NULL, **sp = NULL;
	struct srv_session *v = NULL;
	uint32_t ttl = SRV_SESSION_TTL_DAYS;
	size_t n = 0, i;
	int r;

	if ((r = srv_store_sessions(c->srv->store, c->user_id, &v, &n)) != 0 ||
	    (r = srv_store_session_ttl(c->srv->store, c->user_id, &ttl)) != 0)
		goto out;
	if (n > 0 && ((sv = calloc(n, sizeof(*sv))) == NULL ||
	    (sp = calloc(n, sizeof(*sp))) == NULL)) {
		r = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		sotto__session__init(&sv[i]);
		sv[i].device_id = v[i].device_id;
		sv[i].name = v[i].name;
		sv[i].software = v[i].software;
		sv[i].created = v[i].created;
		sv[i].last_active = v[i].last_seen;
		sv[i].current = v[i].device_id == c->device_id;
		sv[i].online = srv_session_online(c->srv, c->user_id,
		    v[i].device_id);
		sp[i] = &sv[i];
	}
	res.n_sessions = n;
	res.sessions = sp;
	res.ttl_days = ttl;
	res.n_ended = nended;
	res.ended = ended;
	resp.result_case = SOTTO__RESPONSE__RESULT_SESSIONS;
	resp.sessions = &res;
	r = srv_reply(c, id, &resp);
out:
	if (r != 0 && r != ERR_CLOSED)
		r = srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	free(sp);
	free(sv);
	free(v);
	return r;
}

/* ---------------------------------------------------------------- handlers */

int
srv_session_get(struct srv_conn *c, uint64_t id, const Sotto__GetSessions *m)
{
	(void)m;
	return srv_session_reply(c, id, NULL, 0);
}

/* Whether a is older than b: created first, or as old and numbered first. */
static int
srv_session_older(const struct srv_session *a, const struct srv_session *b)
{
	return a->created < b->created ||
	    (a->created == b->created && a->device_id < b->device_id);
}

int
srv_session_terminate(struct srv_conn *c, uint64_t id,
    const Sotto__TerminateSession *m)
{
	struct srv *s = c->srv;
	struct srv_session *v = NULL, *self = NULL;
	uint64_t *ended = NULL, now = srv_session_now();
	size_t n = 0, i, nended = 0, targets = 0;
	int r, fresh;

	if ((r = srv_store_sessions(s->store, c->user_id, &v, &n)) != 0)
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	for (i = 0; i < n; i++)
		if (v[i].device_id == c->device_id)
			self = &v[i];
	if (self == NULL) {
		free(v);
		return srv_conn_error(c, id, ERR_NOT_AUTHED, NULL, 0);
	}
	if (!m->all_others && m->device_id == c->device_id) {
		free(v);
		return srv_conn_error(c, id, ERR_INVAL, "that is this device; "
		    "use --logout to end it", 0);
	}
	/* Mark the targets: device_id 0 stands for "not one". */
	fresh = self->created + SRV_SESSION_GUARD_SECS > now;
	for (i = 0; i < n; i++) {
		if (&v[i] == self ||
		    (!m->all_others && v[i].device_id != m->device_id)) {
			v[i].device_id = v[i].device_id == c->device_id ?
			    v[i].device_id : 0;
			continue;
		}
		if (fresh && srv_session_older(&v[i], self)) {
			free(v);
			return srv_conn_error(c, id, ERR_PERM, "this device "
			    "signed in less than 24 hours ago, so it may not "
			    "end sessions older than itself: a stolen password "
			    "must not be enough to lock out the owner's "
			    "devices; end it from an older device, or wait", 0);
		}
		targets++;
	}
	if (!m->all_others && targets == 0) {
		free(v);
		/* Another account's device is as unknown as none. */
		return srv_conn_error(c, id, ERR_NOT_FOUND, "no such session "
		    "on this account", 0);
	}
	if (targets > 0 && (ended = calloc(targets, sizeof(*ended))) == NULL) {
		free(v);
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	}
	for (i = 0, r = 0; i < n && r == 0; i++) {
		if (&v[i] == self || v[i].device_id == 0)
			continue;
		r = srv_session_end(s, c->user_id, v[i].device_id,
		    c->device_id, SRV_TOMB_TERMINATED);
		if (r == 0)
			ended[nended++] = v[i].device_id;
		else if (r == ERR_NOT_FOUND)
			r = 0;
	}
	free(v);
	if (r != 0) {
		free(ended);
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	}
	r = srv_session_reply(c, id, ended, nended);
	free(ended);
	return r;
}

int
srv_session_set_ttl(struct srv_conn *c, uint64_t id,
    const Sotto__SetSessionTtl *m)
{
	size_t i;

	for (i = 0; i < sizeof(srv_session_ttls) / sizeof(srv_session_ttls[0]);
	    i++)
		if (srv_session_ttls[i] == m->days)
			break;
	if (i == sizeof(srv_session_ttls) / sizeof(srv_session_ttls[0]))
		return srv_conn_error(c, id, ERR_INVAL, "a session TTL is 7, "
		    "30, 91, 183 or 365 days", 0);
	if (srv_store_session_set_ttl(c->srv->store, c->user_id, m->days) != 0)
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	log_info("user %llu: session TTL %u days",
	    (unsigned long long)c->user_id, (unsigned)m->days);
	return srv_session_reply(c, id, NULL, 0);
}

int
srv_session_begin(struct srv *s, uint64_t device_id, const char *software)
{
	return srv_store_session_begin(s->store, device_id, software,
	    srv_session_now());
}
