/*
 * The session calls of the account (doc/PROTOCOL.md, "Sessions"):
 * GetSessions, TerminateSession and SetSessionTtl, made on the engine as
 * engine_call() does, each answered with a SessionsResult; and the TTL
 * words of --set-session-ttl.
 */
#ifndef SOTTO_CLIENT_SESSIONS_H
#define SOTTO_CLIENT_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "client/engine.h"

int sessions_get(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud);
/* Ends device_id, or with all_others every other device of the account. */
int sessions_terminate(struct engine *e, uint64_t device_id, int all_others,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud);
int sessions_set_ttl(struct engine *e, uint32_t days, uint64_t timeout_ms,
    engine_reply_fn *cb, void *ud);

/*
 * The same calls for a front end that reads no protocol: the answer as
 * value types. The strings point into the answer and live for the
 * callback only; name and software are the clients' own words, raw
 * (sanitise them to show them). On an error, why is the server's reason
 * (raw) or NULL, and l is NULL.
 */
struct session_info {
	uint64_t id;
	const char *name;
	const char *software;	/* "" when the client did not say */
	uint64_t created, last_active;	/* unix seconds */
	int online, current;
};

struct session_list {
	const struct session_info *v;
	size_t n;
	uint32_t ttl_days;
	const uint64_t *ended;	/* what a terminate ended */
	size_t n_ended;
};

typedef void sessions_fn(void *ud, int err, const char *why,
    const struct session_list *l);

/* What sessions_call does: SESSIONS_GET, _TERMINATE or _SET_TTL. */
enum sessions_op { SESSIONS_GET, SESSIONS_TERMINATE, SESSIONS_SET_TTL };

/*
 * One of the three calls: arg is the device id for SESSIONS_TERMINATE
 * (0 with all_others), the days for SESSIONS_SET_TTL. As engine_call:
 * 0 and cb runs once, or an error and it never runs.
 */
int sessions_call(struct engine *e, enum sessions_op op, uint64_t arg,
    int all_others, uint64_t timeout_ms, sessions_fn *cb, void *ud);

/* 1w, 1m, 3m, 6m or 1y in days (7, 30, 91, 183, 365). 0 or ERR_INVAL. */
int sessions_ttl_parse(const char *word, uint32_t *days);
/* The word of a TTL in days, or NULL for another number. */
const char *sessions_ttl_word(uint32_t days);

#endif
