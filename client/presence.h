/*
 * Last seen, online and bios as the server shows them to this account
 * (doc/PROTOCOL.md, "Last seen and online", "Bio"). The engine keeps
 * them in memory only, never in the profile's database: they are the
 * server's to decide and they age, so every run asks again. A cache entry
 * is made from every user a lookup answers (ResolveUser, GetUsers) and
 * moved by the server's UserStatus pushes (CLOUD_EV_PRESENCE).
 *
 * The UI and the command line read it through cloud_presence_get() and
 * ask the server with cloud_user_fetch(); they never call the network
 * or the store themselves.
 */
#ifndef SOTTO_PRESENCE_H
#define SOTTO_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#include "client/cloud.h"
#include "proto/sotto.pb-c.h"

/* The wire's Presence numbers. */
enum presence_status {
	PRESENCE_UNKNOWN = 0,		/* an older server, or never asked */
	PRESENCE_ONLINE = 1,		/* exact; last_seen: this minute */
	PRESENCE_OFFLINE = 2,		/* exact; last_seen: when */
	PRESENCE_RECENTLY = 3,		/* coarse: online or within 3 days */
	PRESENCE_WITHIN_WEEK = 4,
	PRESENCE_WITHIN_MONTH = 5,
	PRESENCE_LONG_AGO = 6,
};

/* What is known of one user; bio borrows the cache ("" for none). */
struct presence_info {
	uint64_t user_id;
	int status;			/* enum presence_status */
	uint64_t last_seen;		/* unix seconds, exact values only */
	const char *bio;		/* as the server sent it: unsanitised */
};

struct presence;

/* A new, empty cache. 0 or ERR_NOMEM. */
int presence_new(struct presence **out);
void presence_free(struct presence *p);

/* Notes what u says (its status, last seen and bio). 0 or ERR_NOMEM. */
int presence_note(struct presence *p, const Sotto__User *u);

/* Notes a push: user_id is now status (at last_seen). 0 or ERR_NOMEM. */
int presence_note_status(struct presence *p, uint64_t user_id, int status,
    uint64_t last_seen);

/* What is known of user_id: 0, or ERR_NOT_FOUND (nothing yet). */
int presence_get(const struct presence *p, uint64_t user_id,
    struct presence_info *out);

/*
 * The JSON word of a status: "online", "offline", "recently",
 * "within_week", "within_month", "long_ago"; NULL for unknown.
 */
const char *presence_word(int status);

/*
 * Writes how i reads to a person into out (cap bytes): "online", "last
 * seen 14:05" (today), "last seen 2026-12-01 14:05", "last seen
 * recently", "last seen within a week", "last seen within a month",
 * "last seen a long time ago", or "" when unknown. now and the times are
 * unix seconds, shown in local time.
 */
void presence_words(const struct presence_info *i, uint64_t now, char *out,
    size_t cap);

/* ---------------------------------------------------------------- engine */

/* The cloud's cache (owned by the cloud). */
struct presence *cloud_presence(struct cloud *c);

/* What is known of user_id (see presence_get()). */
int cloud_presence_get(struct cloud *c, uint64_t user_id,
    struct presence_info *out);

/*
 * Asks the server for user_id as this account may see it (GetUsers):
 * the user is stored and its presence noted before cb runs, with id
 * user_id. A user the server does not show by id (a stranger found by
 * username) gives err 0 with nothing new: what the lookup gave stays.
 * Returns 0 (cb will run, never from inside this call) or an ERR_*.
 */
int cloud_user_fetch(struct cloud *c, uint64_t user_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud);

/*
 * Sets this account's bio ("" clears it); the server checks it and says
 * why it refuses one (ERR_INVAL, why). On success the account's own
 * profile is noted. id in cb is the account's user id.
 */
int cloud_set_bio(struct cloud *c, const char *bio, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud);

#endif
