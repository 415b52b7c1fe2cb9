/*
 * The session calls (client/sessions.h): the requests of --sessions,
 * --terminate-session and --set-session-ttl, and the words of a TTL.
 */
#include "config.h"

#include "client/sessions.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"

static const struct {
	const char *word;
	uint32_t days;
} sessions_ttls[] = {
	{ "1w", 7 }, { "1m", 30 }, { "3m", 91 }, { "6m", 183 }, { "1y", 365 },
};

#define SESSIONS_NTTLS (sizeof(sessions_ttls) / sizeof(sessions_ttls[0]))

int
sessions_get(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetSessions m = SOTTO__GET_SESSIONS__INIT;

	req.method_case = SOTTO__REQUEST__METHOD_GET_SESSIONS;
	req.get_sessions = &m;
	return engine_call(e, &req, timeout_ms, cb, ud);
}

int
sessions_terminate(struct engine *e, uint64_t device_id, int all_others,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__TerminateSession m = SOTTO__TERMINATE_SESSION__INIT;

	m.device_id = all_others ? 0 : device_id;
	m.all_others = all_others != 0;
	req.method_case = SOTTO__REQUEST__METHOD_TERMINATE_SESSION;
	req.terminate_session = &m;
	return engine_call(e, &req, timeout_ms, cb, ud);
}

int
sessions_set_ttl(struct engine *e, uint32_t days, uint64_t timeout_ms,
    engine_reply_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SetSessionTtl m = SOTTO__SET_SESSION_TTL__INIT;

	m.days = days;
	req.method_case = SOTTO__REQUEST__METHOD_SET_SESSION_TTL;
	req.set_session_ttl = &m;
	return engine_call(e, &req, timeout_ms, cb, ud);
}

/* ------------------------------------------------------------ values */

struct sessions_req {
	sessions_fn *cb;
	void *ud;
};

static void
sessions_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct sessions_req *q = ud;
	const Sotto__SessionsResult *res;
	struct session_info *v = NULL;
	struct session_list l;
	size_t i;

	if (err == 0 && (resp == NULL || resp->result_case !=
	    SOTTO__RESPONSE__RESULT_SESSIONS))
		err = ERR_PROTO;
	if (err == 0) {
		res = resp->sessions;
		if (res->n_sessions > 0 && (v = calloc(res->n_sessions,
		    sizeof(*v))) == NULL)
			err = ERR_NOMEM;
	}
	if (err != 0) {
		q->cb(q->ud, err, resp != NULL && resp->error != NULL ?
		    resp->error->message : NULL, NULL);
		free(q);
		return;
	}
	for (i = 0; i < res->n_sessions; i++) {
		v[i].id = res->sessions[i]->device_id;
		v[i].name = res->sessions[i]->name;
		v[i].software = res->sessions[i]->software;
		v[i].created = res->sessions[i]->created;
		v[i].last_active = res->sessions[i]->last_active;
		v[i].online = res->sessions[i]->online;
		v[i].current = res->sessions[i]->current;
	}
	l.v = v;
	l.n = res->n_sessions;
	l.ttl_days = res->ttl_days;
	l.ended = res->ended;
	l.n_ended = res->n_ended;
	q->cb(q->ud, 0, NULL, &l);
	free(v);
	free(q);
}

int
sessions_call(struct engine *e, enum sessions_op op, uint64_t arg,
    int all_others, uint64_t timeout_ms, sessions_fn *cb, void *ud)
{
	struct sessions_req *q;
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return ERR_NOMEM;
	q->cb = cb;
	q->ud = ud;
	switch (op) {
	case SESSIONS_TERMINATE:
		r = sessions_terminate(e, arg, all_others, timeout_ms,
		    sessions_reply, q);
		break;
	case SESSIONS_SET_TTL:
		r = arg > UINT32_MAX ? ERR_INVAL : sessions_set_ttl(e,
		    (uint32_t)arg, timeout_ms, sessions_reply, q);
		break;
	default:
		r = sessions_get(e, timeout_ms, sessions_reply, q);
		break;
	}
	if (r != 0)
		free(q);
	return r;
}

/* ------------------------------------------------------------ words */

int
sessions_ttl_parse(const char *word, uint32_t *days)
{
	size_t i;

	for (i = 0; word != NULL && i < SESSIONS_NTTLS; i++)
		if (strcmp(word, sessions_ttls[i].word) == 0) {
			*days = sessions_ttls[i].days;
			return 0;
		}
	return ERR_INVAL;
}

const char *
sessions_ttl_word(uint32_t days)
{
	size_t i;

	for (i = 0; i < SESSIONS_NTTLS; i++)
		if (sessions_ttls[i].days == days)
			return sessions_ttls[i].word;
	return NULL;
}
