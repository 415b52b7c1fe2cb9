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

/*
 * Takes n tokens (n >= 1, at most the burst) at once, or none: as
 * srv_limit_take, with *retry_after the seconds until n are back.
 */
int srv_limit_take_n(struct srv_limit *l, const void *key, size_t len,
    uint64_t now_ms, double n, uint32_t *retry_after);

/* Gives back one token taken earlier (e.g. the attempt succeeded). */
void srv_limit_give(struct srv_limit *l, const void *key, size_t len,
    uint64_t now_ms);
void srv_limit_give_n(struct srv_limit *l, const void *key, size_t len,
    uint64_t now_ms, double n);

/*
 * The bucket key of a source address in text form (as uv_ip4_name or
 * uv_ip6_name write it): an IPv4 address is its 4 bytes; an IPv6 one is
 * its /64, because one host commonly holds a whole /64 and could
 * otherwise take a fresh bucket for every address in it; an IPv4-mapped
 * IPv6 address counts as its IPv4 address. Anything else ("?") shares
 * one key. Writes at most SRV_LIMIT_ADDR_KEY bytes to out; returns the
 * length.
 */
#define SRV_LIMIT_ADDR_KEY 9
size_t srv_limit_addr_key(const char *addr, uint8_t out[SRV_LIMIT_ADDR_KEY]);

/* Drops the buckets that are full again. Returns how many keys remain. */
size_t srv_limit_prune(struct srv_limit *l, uint64_t now_ms);

#endif
