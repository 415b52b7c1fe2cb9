/*
 * Last seen, online and bios in memory (client/presence.h).
 */
#include "config.h"

#include "client/presence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/engine.h"
#include "lib/err.h"

#define PRESENCE_MAX 4096		/* users remembered; the oldest go */

struct presence_entry {
	uint64_t user_id;
	int status;
	uint64_t last_seen;
	char *bio;			/* malloc()ed, "" for none */
	uint64_t stamp;			/* when noted, for replacement */
};

struct presence {
	struct presence_entry *v;
	size_t n, cap;
	uint64_t clock;
};

int
presence_new(struct presence **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ERR_NOMEM;
	return 0;
}

void
presence_free(struct presence *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->v[i].bio);
	free(p->v);
	free(p);
}

static struct presence_entry *
presence_find(const struct presence *p, uint64_t user_id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].user_id == user_id)
			return &p->v[i];
	return NULL;
}

/* user_id's entry, made (or taken from the oldest) when there is none. */
static struct presence_entry *
presence_slot(struct presence *p, uint64_t user_id)
{
	struct presence_entry *e, *t;
	size_t i, old = 0;

	if ((e = presence_find(p, user_id)) != NULL)
		return e;
	if (p->n == PRESENCE_MAX) {
		for (i = 1; i < p->n; i++)
			if (p->v[i].stamp < p->v[old].stamp)
				old = i;
		e = &p->v[old];
		free(e->bio);
	} else {
		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 16;

			if ((t = realloc(p->v, cap * sizeof(*t))) == NULL)
				return NULL;
			p->v = t;
			p->cap = cap;
		}
		e = &p->v[p->n++];
	}
	memset(e, 0, sizeof(*e));
	e->user_id = user_id;
	if ((e->bio = strdup("")) == NULL) {
		p->n--;
		return NULL;
	}
	return e;
}

int
presence_note(struct presence *p, const Sotto__User *u)
{
	struct presence_entry *e;
	char *bio;

	if (p == NULL || u == NULL || u->id == 0)
		return 0;
	if ((bio = strdup(u->bio != NULL ? u->bio : "")) == NULL ||
	    (e = presence_slot(p, u->id)) == NULL) {
		free(bio);
		return ERR_NOMEM;
	}
	free(e->bio);
	e->bio = bio;
	e->status = (int)u->status;
	e->last_seen = u->last_seen;
	e->stamp = ++p->clock;
	return 0;
}

int
presence_note_status(struct presence *p, uint64_t user_id, int status,
    uint64_t last_seen)
{
	struct presence_entry *e;

	if (p == NULL || user_id == 0)
		return 0;
	if ((e = presence_slot(p, user_id)) == NULL)
		return ERR_NOMEM;
	e->status = status;
	e->last_seen = last_seen;
	e->stamp = ++p->clock;
	return 0;
}

int
presence_get(const struct presence *p, uint64_t user_id,
    struct presence_info *out)
{
	const struct presence_entry *e;

	memset(out, 0, sizeof(*out));
	if (p == NULL || (e = presence_find(p, user_id)) == NULL)
		return ERR_NOT_FOUND;
	out->user_id = e->user_id;
	out->status = e->status;
	out->last_seen = e->last_seen;
	out->bio = e->bio;
	return 0;
}

const char *
presence_word(int status)
{
	static const char *const words[] = {
		[PRESENCE_ONLINE] = "online",
		[PRESENCE_OFFLINE] = "offline",
		[PRESENCE_RECENTLY] = "recently",
		[PRESENCE_WITHIN_WEEK] = "within_week",
		[PRESENCE_WITHIN_MONTH] = "within_month",
		[PRESENCE_LONG_AGO] = "long_ago",
	};

	if (status <= 0 || status > PRESENCE_LONG_AGO)
		return NULL;
	return words[status];
}

void
presence_words(const struct presence_info *i, uint64_t now, char *out,
    size_t cap)
{
	struct tm then, today;
	time_t t = (time_t)i->last_seen, n = (time_t)now;
	char when[32];

	switch (i->status) {
	case PRESENCE_ONLINE:
		snprintf(out, cap, "online");
		return;
	case PRESENCE_OFFLINE:
		if (localtime_r(&t, &then) == NULL ||
		    localtime_r(&n, &today) == NULL) {
			snprintf(out, cap, "last seen recently");
			return;
		}
		if (then.tm_year == today.tm_year &&
		    then.tm_yday == today.tm_yday)
			strftime(when, sizeof(when), "%H:%M", &then);
		else
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &then);
		snprintf(out, cap, "last seen %s", when);
		return;
	case PRESENCE_RECENTLY:
		snprintf(out, cap, "last seen recently");
		return;
	case PRESENCE_WITHIN_WEEK:
		snprintf(out, cap, "last seen within a week");
		return;
	case PRESENCE_WITHIN_MONTH:
		snprintf(out, cap, "last seen within a month");
		return;
	case PRESENCE_LONG_AGO:
		snprintf(out, cap, "last seen a long time ago");
		return;
	default:
		if (cap > 0)
			out[0] = '\0';
	}
}

/* ---------------------------------------------------------------- calls */

struct presence_call {
	struct cloud *c;
	uint64_t user_id;
	cloud_done_fn *cb;
	void *ud;
};

/* The User of a UserResult or the Users of a UsersResult: stored, noted. */
static int
presence_take(struct cloud *c, const Sotto__Response *resp)
{
	Sotto__User *one;

	if (resp->result_case == SOTTO__RESPONSE__RESULT_USER &&
	    resp->user->user != NULL) {
		one = resp->user->user;
		return cloud_store_users(c, &one, 1);
	}
	if (resp->result_case == SOTTO__RESPONSE__RESULT_USERS)
		return cloud_store_users(c, resp->users->users,
		    resp->users->n_users);
	return ERR_PROTO;
}

static void
presence_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct presence_call *k = ud;
	char *why = NULL;

	if (err == 0)
		err = presence_take(k->c, resp);
	else
		why = cloud_why(resp);
	k->cb(k->ud, err, why != NULL ? why : "", k->user_id);
	free(why);
	free(k);
}

static int
presence_call(struct cloud *c, const Sotto__Request *req, uint64_t user_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud)
{
	struct presence_call *k;
	int r;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k->c = c;
	k->user_id = user_id;
	k->cb = cb;
	k->ud = ud;
	if ((r = engine_call(cloud_engine(c), req, timeout_ms, presence_reply,
	    k)) != 0)
		free(k);
	return r;
}

int
cloud_user_fetch(struct cloud *c, uint64_t user_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetUsers m = SOTTO__GET_USERS__INIT;

	m.ids = &user_id;
	m.n_ids = 1;
	req.method_case = SOTTO__REQUEST__METHOD_GET_USERS;
	req.get_users = &m;
	return presence_call(c, &req, user_id, timeout_ms, cb, ud);
}

int
cloud_set_bio(struct cloud *c, const char *bio, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SetBio m = SOTTO__SET_BIO__INIT;

	m.bio = (char *)bio;
	req.method_case = SOTTO__REQUEST__METHOD_SET_BIO;
	req.set_bio = &m;
	return presence_call(c, &req, cloud_self(c), timeout_ms, cb, ud);
}

int
cloud_presence_get(struct cloud *c, uint64_t user_id,
    struct presence_info *out)
{
	return presence_get(cloud_presence(c), user_id, out);
}
