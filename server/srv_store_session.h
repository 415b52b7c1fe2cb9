/*
 * The store's part of sessions (srv_session.h): the software a device
 * said it runs, the account's session TTL, the sessions of an account
 * and the devices whose TTL ran out. Backed by srv_store_session.c.
 */
#ifndef SOTTO_SRV_STORE_SESSION_H
#define SOTTO_SRV_STORE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "server/srv_store.h"

#define SRV_SOFTWARE_MAX 64
#define SRV_SESSION_TTL_DAYS 183	/* without a session_ttl row */

/* One device of an account, as the session list shows it. */
struct srv_session {
	uint64_t device_id;
	uint64_t created;		/* unix seconds */
	uint64_t last_seen;		/* unix seconds */
	char name[SRV_DEVICE_NAME_MAX + 1];
	char software[SRV_SOFTWARE_MAX + 1];
};

/* A device whose TTL ran out. */
struct srv_session_expired {
	uint64_t user_id;
	uint64_t device_id;
};

/*
 * A device's session starts: its software, and created and last_seen set
 * to now (the session clock, srv_session_now()). 0 or ERR_DB.
 */
int srv_store_session_begin(struct srv_store *s, uint64_t device_id,
    const char *software, uint64_t now);

/*
 * The devices of user_id, oldest first, in a malloc()ed array the caller
 * frees. 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_sessions(struct srv_store *s, uint64_t user_id,
    struct srv_session **out, size_t *n);

/* The account's TTL in days (the default without a row). 0 or ERR_DB. */
int srv_store_session_ttl(struct srv_store *s, uint64_t user_id,
    uint32_t *days);
int srv_store_session_set_ttl(struct srv_store *s, uint64_t user_id,
    uint32_t days);

/*
 * The devices (of user_id, or of every account when user_id is 0) last
 * seen more than their account's TTL before now, in a malloc()ed array.
 * 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_sessions_expired(struct srv_store *s, uint64_t user_id,
    uint64_t now, struct srv_session_expired **out, size_t *n);

#endif
