/*
 * The session calls (client/sessions.h): the requests of --sessions,
 * --terminate-session and --set-session-ttl, and the words of a TTL.
 */
#include "config.h"

#include "client/sessions.h"

#include <stddef.h>
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
