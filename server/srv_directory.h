/*
 * The directory throttle (doc/PROTOCOL.md, "The directory throttle"):
 * every request that can find or reveal an account (ResolveUser by
 * username or phone, GetUsers, AddContact, GetPrekeyBundles, a group's
 * member list, ImportContacts) draws from the same two token buckets,
 * one per account and one per source address (an IPv4 address, an IPv6
 * /64), with a cost that grows with what the request asks for. On top of
 * them, an account may newly discover only so many distinct users in 24
 * hours (the discovery budget), and may import only so many new phone
 * numbers in 24 hours (the import cap).
 *
 * The buckets live in memory (a restart refills them). The budget, the
 * cap and the operator's statistics (sottod --stats) are counted per
 * account and hour in the store's dir_stats table (doc/DATA.md), so a
 * restart changes none of them; rows older than 48 hours are deleted.
 * The counts are held in memory until the next commit (a minute at the
 * latest, and at stop): a lookup writes nothing itself.
 * Which phone numbers an account imported today is known only as keyed
 * hashes in memory, under a key made at start and never written.
 */
#ifndef SOTTO_SRV_DIRECTORY_H
#define SOTTO_SRV_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct srv_conn;
struct srv_store;

/* The limits, set by sottod's --limit KEY=VALUE (sottod(8)). */
struct srv_dir_config {
	double burst, rate;		/* per account: tokens, tokens/s */
	double addr_burst, addr_rate;	/* per source address */
	uint32_t discover_day;		/* new users per account, 24 h */
	uint32_t import_day;		/* new numbers per account, 24 h */
};

#define SRV_DIR_BURST 30.0
#define SRV_DIR_RATE 1.0
#define SRV_DIR_ADDR_BURST 60.0
#define SRV_DIR_ADDR_RATE 2.0
#define SRV_DIR_DISCOVER_DAY 500
#define SRV_DIR_IMPORT_DAY 100
#define SRV_DIR_IMPORT_MAX 100		/* numbers in one ImportContacts */
#define SRV_DIR_KEEP_HOURS 48		/* dir_stats rows are kept this long */

/*
 * The counters of dir_stats (the values of its `what` column; never
 * renumber). Lookups by kind count requests (ids and numbers count
 * one each); the outcomes count users or numbers.
 */
enum srv_dir_what {
	SRV_DIR_ASK_NAME = 1,		/* ResolveUser by username */
	SRV_DIR_ASK_PHONE = 2,		/* ResolveUser by phone */
	SRV_DIR_ASK_IDS = 3,		/* GetUsers, per id */
	SRV_DIR_ASK_CONTACT = 4,	/* AddContact */
	SRV_DIR_ASK_MEMBERS = 5,	/* a member list */
	SRV_DIR_ASK_IMPORT = 6,		/* ImportContacts, per number */
	SRV_DIR_ASK_KEYS = 7,		/* GetPrekeyBundles */
	SRV_DIR_FOUND = 10,		/* answered with a user */
	SRV_DIR_ABSENT = 11,		/* refused: no such user */
	SRV_DIR_HIDDEN = 12,		/* refused: phone_discovery */
	SRV_DIR_INVALID = 13,		/* refused: malformed */
	SRV_DIR_LIMITED = 14,		/* refused: a token bucket */
	SRV_DIR_OVER_BUDGET = 15,	/* refused: the discovery budget */
	SRV_DIR_OVER_CAP = 16,		/* refused: the import cap */
	SRV_DIR_DISCOVERED = 20,	/* users newly discovered */
	SRV_DIR_IMPORTED = 21,		/* new numbers imported */
};

struct srv_dir;

/* Defaults for every field. */
void srv_dir_config_default(struct srv_dir_config *cfg);

/*
 * Sets *cfg's field named key ("burst", "rate", "addr_burst",
 * "addr_rate", "discover_day", "import_day") from text. Returns 0, or
 * ERR_INVAL with *why saying what is wrong.
 */
int srv_dir_config_set(struct srv_dir_config *cfg, const char *key,
    const char *text, const char **why);

/* Returns 0, ERR_NOMEM or ERR_INVAL (a bad cfg). */
int srv_dir_new(struct srv_dir **out, const struct srv_dir_config *cfg);
void srv_dir_free(struct srv_dir *d);	/* NULL is fine; wipes the key */

/* Replaces d's limits (before serving: the buckets start full). */
int srv_dir_configure(struct srv_dir *d, const struct srv_dir_config *cfg);

/*
 * Drops full buckets, the hashes of numbers older than 24 hours and
 * st's counters older than SRV_DIR_KEEP_HOURS.
 */
void srv_dir_prune(struct srv_dir *d, struct srv_store *st, uint64_t now_ms);

/*
 * Takes cost tokens (at least 1) for c's account and c's source address,
 * both or neither, and counts the request as n lookups of kind (a
 * SRV_DIR_ASK_*). Returns 0; or ERR_RATE_LIMITED with *retry_after set,
 * having counted a refusal (the caller answers it; srv_dir_limited).
 */
int srv_dir_take(struct srv_conn *c, int kind, uint64_t n, double cost,
    uint32_t *retry_after);

/* The cost of a request that names n users or numbers: 1 + n / 10. */
double srv_dir_cost(size_t n);

/* Answers a refused srv_dir_take (ERR_RATE_LIMITED with the wait). */
int srv_dir_limited(struct srv_conn *c, uint64_t id, uint32_t retry_after);

/*
 * Lets c's account learn user (found by a directory request): marks the
 * user visible to the account (srv_visible_mark) and, when that is a new
 * discovery, counts it against the daily budget. Returns 0; or
 * ERR_RATE_LIMITED with *retry_after when a new discovery is over the
 * budget (then nothing is marked); or ERR_DB.
 */
int srv_dir_discover(struct srv_conn *c, uint64_t user,
    uint32_t *retry_after);

/* Counts n of what (a SRV_DIR_* outcome) for c's account. */
void srv_dir_count(struct srv_conn *c, int what, uint64_t n);

/*
 * Writes the counts held in memory to st's dir_stats (inside the group
 * transaction, which it opens if need be) and forgets them. 0 or the
 * first ERR_DB (the others are still written; the failed are dropped).
 */
int srv_dir_flush(struct srv_dir *d, struct srv_store *st);

/*
 * ImportContacts' cap of new numbers. import_left: how many new numbers
 * c's account may still import now (0 sets *retry_after to the wait; a
 * store failure also gives 0: fail closed). import_seen: whether phone
 * (checked: "+" and digits) was counted for the account in the last 24
 * hours. import_note: counts phone as a new number and remembers its
 * keyed hash (0 or ERR_DB). import_done: logs the account's id when the
 * request used up the cap (left went from before to 0).
 */
uint32_t srv_dir_import_left(struct srv_conn *c, uint32_t *retry_after);
int srv_dir_import_seen(struct srv_conn *c, const char *phone);
int srv_dir_import_note(struct srv_conn *c, const char *phone);
void srv_dir_import_done(struct srv_conn *c, uint32_t before, uint32_t left);

/*
 * The operator's view (sottod --stats): for the 24 hours up to now
 * (unix seconds), the lookups by kind, the answers and refusals by
 * reason, and the top askers by account id, as text on f. Names, phone
 * numbers and addresses are never in it. Returns 0 or ERR_DB / ERR_IO.
 */
int srv_dir_stats_print(struct srv_store *st, uint64_t now, FILE *f);

#endif
