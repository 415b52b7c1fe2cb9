/*
 * The session calls of the account (doc/PROTOCOL.md, "Sessions"):
 * GetSessions, TerminateSession and SetSessionTtl, made on the engine as
 * engine_call() does, each answered with a SessionsResult; and the TTL
 * words of --set-session-ttl.
 */
#ifndef SOTTO_CLIENT_SESSIONS_H
#define SOTTO_CLIENT_SESSIONS_H

#include <stdint.h>

#include "client/engine.h"

int sessions_get(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud);
/* Ends device_id, or with all_others every other device of the account. */
int sessions_terminate(struct engine *e, uint64_t device_id, int all_others,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud);
int sessions_set_ttl(struct engine *e, uint32_t days, uint64_t timeout_ms,
    engine_reply_fn *cb, void *ud);

/* 1w, 1m, 3m, 6m or 1y in days (7, 30, 91, 183, 365). 0 or ERR_INVAL. */
int sessions_ttl_parse(const char *word, uint32_t *days);
/* The word of a TTL in days, or NULL for another number. */
const char *sessions_ttl_word(uint32_t days);

#endif
