/*
 * Sessions: the devices of an account as its owner sees them (GetSessions),
 * ending one or all others (TerminateSession, with the 24-hour guard), and
 * the account's session TTL (SetSessionTtl), enforced when a device
 * connects and by a daily sweep. doc/PROTOCOL.md, "Sessions";
 * doc/SECURITY.md, "Sessions".
 */
#ifndef SOTTO_SRV_SESSION_H
#define SOTTO_SRV_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"
#include "server/srv_store.h"

struct srv;
struct srv_conn;

/* A device younger than this may not end older ones (the guard). */
#define SRV_SESSION_GUARD_SECS (24u * 3600)

/*
 * Now in unix seconds for sessions: time(NULL), plus, only when the
 * environment names a test clock (SOTTOD_TEST_CLOCK_FILE, a file holding
 * an offset in seconds; for tests only, doc/SECURITY.md), that offset.
 */
uint64_t srv_session_now(void);

/* Handlers of the method table (srv_method.c). */
int srv_session_get(struct srv_conn *c, uint64_t id,
    const Sotto__GetSessions *m);
int srv_session_terminate(struct srv_conn *c, uint64_t id,
    const Sotto__TerminateSession *m);
int srv_session_set_ttl(struct srv_conn *c, uint64_t id,
    const Sotto__SetSessionTtl *m);

/*
 * A device connects (srv_auth_welcome): the account's devices inactive
 * for longer than its TTL are ended. ERR_REVOKED when device_id itself
 * was (it is unbound now), 0, or ERR_*.
 */
int srv_session_expire(struct srv *s, uint64_t user_id, uint64_t device_id);

/* From the prune timer: once a day, ends the expired devices of all. */
void srv_session_sweep(struct srv *s);

/*
 * Fills the Welcome of a terminated key from its tombstone: the words
 * (in buf, which must outlive w), and who ended it.
 */
void srv_session_welcome(struct srv *s, const struct srv_tombstone *t,
    Sotto__Welcome *w, char *buf, size_t cap);

/*
 * The software a client said at Register or Login, and the session's
 * start on the session clock. 0 or ERR_DB.
 */
int srv_session_begin(struct srv *s, uint64_t device_id,
    const char *software);

#endif
