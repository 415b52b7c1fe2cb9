/*
 * Token buckets keyed by short byte strings (a source address, an account
 * id): `burst` tokens at most, refilled at `rate` tokens per second. Used
 * to slow down password guessing and, later, directory scraping.
 *
 * The table is bounded: keys whose bucket has refilled completely carry no
 * information and are pruned; when the table is full of live keys a new
 * key is refused (fail closed), never let through. Time comes from the
 * caller, in milliseconds, so tests and the loop agree on it.
 */
#ifndef SOTTO_SRV_LIMIT_H
#define SOTTO_SRV_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#define SRV_LIMIT_KEY_MAX 64

struct srv_limit;

/* Returns 0 or ERR_NOMEM / ERR_INVAL (burst < 1, rate <= 0, max_keys 0). */
int srv_limit_new(struct srv_limit **out, double burst, double rate,
    size_t max_keys, uint64_t seed);
void srv_limit_free(struct srv_limit *l);	/* NULL is fine */

/*
 * Takes one token from key's bucket. Returns 0; or ERR_RATE_LIMITED and
 * sets *retry_after to the seconds until a token is back (at least 1);
 * ERR_INVAL for an empty or over-long key.
 */
int srv_limit_take(struct srv_limit *l, const void *key, size_t len,
    uint64_t now_ms, uint32_t *retry_after);

/* Gives back one token taken earlier (e.g. the attempt succeeded). */
void srv_limit_give(struct srv_limit *l, const void *key, size_t len,
    uint64_t now_ms);

/* Drops the buckets that are full again. Returns how many keys remain. */
size_t srv_limit_prune(struct srv_limit *l, uint64_t now_ms);

#endif
