/*
 * The directory throttle (srv_directory.h). Three things bound what one
 * account, or one address, can learn of the directory:
 *
 *   buckets   two token buckets (srv_limit), one keyed by account id and
 *             one by source address (srv_limit_addr_key: an IPv6 /64).
 *             A request pays its cost in both or in neither, so two
 *             accounts on one address share the address's bucket, and
 *             one account on many connections or addresses still has
 *             one bucket.
 *   budget    distinct users newly discovered in the last 24 hours
 *             (a discovery is new when the account may not name that
 *             user yet, srv_visible.h; it is then recorded in the
 *             shown table, so a user is new to an account once): the
 *             count is dir_stats' SRV_DIR_DISCOVERED rows, so a
 *             restart does not reset it.
 *   cap       new phone numbers imported in the last 24 hours, likewise
 *             counted in dir_stats (SRV_DIR_IMPORTED). Whether a number
 *             is new is decided by a keyed hash of (account, number) in
 *             memory only, under a key made at start and never written:
 *             a number never found leaves no trace in the database or
 *             the log, and after a restart every number counts as new
 *             again (fail closed: a restart never widens the cap).
 *
 * Counts are held in memory (dir_pend) and written with the next commit
 * that happens anyway, once a minute at the latest and at stop
 * (srv_dir_flush): a lookup writes nothing but the shown row of a new
 * discovery, so only that answer waits for a commit; a crash loses at
 * most the last minute's counts.
 *
 * "24 hours" is the current hour and the 23 before it, by the wall
 * clock; a refusal's retry_after is the time until the oldest of those
 * hours with a count drops out.
 */
#include "config.h"

#include "server/srv_directory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/prim.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_conn.h"
#include "server/srv_limit.h"
#include "lib/log.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

#define DIR_BUCKET_KEYS 65536		/* live keys per bucket table */
#define DIR_SEEN_MAX (1u << 18)		/* imported-number hashes kept */
#define DIR_DAY_HOURS 24

#define DIR_PEND_MAX (1u << 16)		/* counters held before a flush */

/*
 * A counter not yet written: dir_stats' row (user, hour, what) gets n
 * more at the next flush (srv_dir_flush), so that a lookup writes
 * nothing to the store and its answer waits for no commit.
 */
struct dir_pend {
	uint64_t user, hour, n;		/* n 0: an empty slot */
	int what;
};

/* One imported number of one account: a keyed hash and its hour. */
struct dir_seen {
	uint8_t mac[16];		/* HMAC(key, user id || number) */
	uint64_t hour;			/* 0: an empty slot */
};

struct srv_dir {
	struct srv_dir_config cfg;
	struct srv_limit *acct, *addr;
	struct dir_seen *seen;		/* open addressing, a power of two */
	size_t cap, n;
	struct dir_pend *pend;		/* open addressing, DIR_PEND_MAX */
	size_t npend;
	uint8_t *key;			/* secure memory, 32 bytes */
};

/* ---------------------------------------------------------------- config */

void
srv_dir_config_default(struct srv_dir_config *cfg)
{
	cfg->burst = SRV_DIR_BURST;
	cfg->rate = SRV_DIR_RATE;
	cfg->addr_burst = SRV_DIR_ADDR_BURST;
	cfg->addr_rate = SRV_DIR_ADDR_RATE;
	cfg->discover_day = SRV_DIR_DISCOVER_DAY;
	cfg->import_day = SRV_DIR_IMPORT_DAY;
}

/* A positive decimal number of at most 1e6. 0 or ERR_INVAL. */
static int
dir_number(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(v > 0) ||
	    v > 1e6)
		return ERR_INVAL;
	*out = v;
	return 0;
}

int
srv_dir_config_set(struct srv_dir_config *cfg, const char *key,
    const char *text, const char **why)
{
	double v;

	*why = "takes a number above 0, at most 1000000";
	if (dir_number(text, &v) != 0)
		return ERR_INVAL;
	*why = "a burst is at least 1 (one lookup)";
	if (strcmp(key, "burst") == 0 || strcmp(key, "addr_burst") == 0) {
		if (v < 1)
			return ERR_INVAL;
		*(key[0] == 'b' ? &cfg->burst : &cfg->addr_burst) = v;
	} else if (strcmp(key, "rate") == 0)
		cfg->rate = v;
	else if (strcmp(key, "addr_rate") == 0)
		cfg->addr_rate = v;
	else if (strcmp(key, "discover_day") == 0 ||
	    strcmp(key, "import_day") == 0) {
		*why = "takes a whole number above 0";
		if (v != (double)(uint32_t)v)
			return ERR_INVAL;
		*(key[0] == 'd' ? &cfg->discover_day : &cfg->import_day) =
		    (uint32_t)v;
	} else {
		*why = "is not a limit (burst, rate, addr_burst, addr_rate, "
		    "discover_day, import_day)";
		return ERR_INVAL;
	}
	*why = NULL;
	return 0;
}

int
srv_dir_new(struct srv_dir **out, const struct srv_dir_config *cfg)
{
	struct srv_dir *d;
	int r;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return ERR_NOMEM;
	if ((r = srv_dir_configure(d, cfg)) != 0)
		goto fail;
	if ((d->key = sec_alloc(32)) == NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	sec_random(d->key, 32);
	*out = d;
	return 0;
fail:
	srv_dir_free(d);
	return r;
}

int
srv_dir_configure(struct srv_dir *d, const struct srv_dir_config *cfg)
{
	struct srv_limit *acct = NULL, *addr = NULL;
	int r;

	if (cfg->discover_day == 0 || cfg->import_day == 0)
		return ERR_INVAL;
	if ((r = srv_limit_new(&acct, cfg->burst, cfg->rate,
	    DIR_BUCKET_KEYS, sec_random_u64())) != 0 ||
	    (r = srv_limit_new(&addr, cfg->addr_burst, cfg->addr_rate,
	    DIR_BUCKET_KEYS, sec_random_u64())) != 0) {
		srv_limit_free(acct);
		return r;
	}
	srv_limit_free(d->acct);
	srv_limit_free(d->addr);
	d->acct = acct;
	d->addr = addr;
	d->cfg = *cfg;
	return 0;
}

void
srv_dir_free(struct srv_dir *d)
{
	if (d == NULL)
		return;
	srv_limit_free(d->acct);
	srv_limit_free(d->addr);
	sec_free(d->key);		/* wipes */
	if (d->seen != NULL)
		sec_wipe(d->seen, d->cap * sizeof(*d->seen));
	free(d->seen);
	free(d->pend);
	free(d);
}

/* ---------------------------------------------------------------- time */

static uint64_t
dir_hour(void)
{
	return (uint64_t)time(NULL) / 3600;
}

/* The first hour that still counts as "the last 24 hours". */
static uint64_t
dir_since(uint64_t hour)
{
	return hour >= DIR_DAY_HOURS - 1 ? hour - (DIR_DAY_HOURS - 1) : 0;
}

/* Seconds until the hour `oldest` no longer counts (at least 1). */
static uint32_t
dir_wait(uint64_t oldest)
{
	uint64_t now = (uint64_t)time(NULL), end;

	end = (oldest + DIR_DAY_HOURS) * 3600;
	return end > now ? (uint32_t)(end - now) : 1;
}

/* ---------------------------------------------------------------- counts */

/* The slot of (user, hour, what), or the empty one it would take. */
static struct dir_pend *
dir_pend_slot(struct srv_dir *d, uint64_t user, uint64_t hour, int what)
{
	uint64_t h = user * 0x9e3779b97f4a7c15ULL ^ (hour * 31 +
	    (uint64_t)what);
	size_t i = (size_t)((h * 0x9e3779b97f4a7c15ULL) >> 40) &
	    (DIR_PEND_MAX - 1);
	struct dir_pend *p;

	for (;; i = (i + 1) & (DIR_PEND_MAX - 1)) {
		p = &d->pend[i];
		if (p->n == 0 || (p->user == user && p->hour == hour &&
		    p->what == what))
			return p;
	}
}

/* What is held for (user, hour, what). */
static uint64_t
dir_pend_get(struct srv_dir *d, uint64_t user, uint64_t hour, int what)
{
	return d->pend != NULL ? dir_pend_slot(d, user, hour, what)->n : 0;
}

void
srv_dir_count(struct srv_conn *c, int what, uint64_t n)
{
	struct srv_dir *d = c->srv->dir;
	struct dir_pend *p;
	uint64_t hour = dir_hour();
	int r;

	if (n == 0)
		return;
	if (d->pend == NULL)
		d->pend = calloc(DIR_PEND_MAX, sizeof(*d->pend));
	/*
	 * Held while the table is at most three quarters full (so a probe
	 * always ends); beyond that, or without memory, the count goes to
	 * the store at once.
	 */
	if (d->pend != NULL) {
		p = dir_pend_slot(d, c->user_id, hour, what);
		if (p->n != 0 || d->npend < DIR_PEND_MAX / 4 * 3) {
			if (p->n == 0) {
				p->user = c->user_id;
				p->hour = hour;
				p->what = what;
				d->npend++;
			}
			p->n += n;
			return;
		}
	}
	if ((r = srv_store_dir_add(c->srv->store, c->user_id, hour, what,
	    n)) != 0)
		log_warn_err(r, "conn %llu: directory counter",
		    (unsigned long long)c->serial);
}

int
srv_dir_flush(struct srv_dir *d, struct srv_store *st)
{
	struct dir_pend *p;
	size_t i;
	int r, failed = 0;

	if (d == NULL || d->pend == NULL || d->npend == 0)
		return 0;
	for (i = 0; i < DIR_PEND_MAX; i++) {
		p = &d->pend[i];
		if (p->n == 0)
			continue;
		if ((r = srv_store_dir_add(st, p->user, p->hour, p->what,
		    p->n)) != 0 && failed == 0) {
			log_warn_err(r, "directory counters: flush");
			failed = r;
		}
	}
	memset(d->pend, 0, DIR_PEND_MAX * sizeof(*d->pend));
	d->npend = 0;
	return failed;
}

/*
 * A counter of c's account over the last 24 hours, the store's rows and
 * what is held; *oldest is the oldest hour with a count. 0 or ERR_DB.
 */
static int
dir_used(struct srv_conn *c, int what, uint64_t *used, uint64_t *oldest)
{
	uint64_t hour = dir_hour(), h, n;
	int r;

	if ((r = srv_store_dir_sum(c->srv->store, c->user_id, what,
	    dir_since(hour), used, oldest)) != 0)
		return r;
	for (h = dir_since(hour); h <= hour; h++) {
		if ((n = dir_pend_get(c->srv->dir, c->user_id, h, what)) == 0)
			continue;
		*used += n;
		if (*oldest == 0 || h < *oldest)
			*oldest = h;
	}
	return 0;
}

/* ---------------------------------------------------------------- buckets */

void
srv_dir_prune(struct srv_dir *d, struct srv_store *st, uint64_t now_ms)
{
	struct dir_seen *old = d->seen, *slot;
	uint64_t hour = dir_hour(), since = dir_since(hour);
	size_t i, j, cap = d->cap;
	int r;

	srv_limit_prune(d->acct, now_ms);
	srv_limit_prune(d->addr, now_ms);
	if (hour >= SRV_DIR_KEEP_HOURS && (r = srv_store_dir_prune(st,
	    hour - SRV_DIR_KEEP_HOURS + 1)) != 0)
		log_warn_err(r, "directory counters: prune");
	if (old == NULL)
		return;
	/* Linear probing cannot delete in place: rebuild without the old. */
	if ((d->seen = calloc(cap, sizeof(*d->seen))) == NULL) {
		d->seen = old;		/* keep them one more round */
		return;
	}
	d->n = 0;
	for (i = 0; i < cap; i++) {
		if (old[i].hour == 0 || old[i].hour < since)
			continue;
		memcpy(&j, old[i].mac, sizeof(j));
		for (j &= cap - 1; d->seen[j].hour != 0; j = (j + 1) & (cap - 1))
			;
		slot = &d->seen[j];
		*slot = old[i];
		d->n++;
	}
	sec_wipe(old, cap * sizeof(*old));
	free(old);
}

double
srv_dir_cost(size_t n)
{
	return 1.0 + (double)n / 10.0;
}

int
srv_dir_take(struct srv_conn *c, int kind, uint64_t n, double cost,
    uint32_t *retry_after)
{
	struct srv_dir *d = c->srv->dir;
	uint8_t ak[SRV_LIMIT_ADDR_KEY];
	size_t alen = srv_limit_addr_key(c->addr, ak);
	uint64_t now = srv_now_ms(c->srv);
	int r;

	r = srv_limit_take_n(d->acct, &c->user_id, sizeof(c->user_id), now,
	    cost, retry_after);
	if (r == 0 && (r = srv_limit_take_n(d->addr, ak, alen, now, cost,
	    retry_after)) != 0)
		srv_limit_give_n(d->acct, &c->user_id, sizeof(c->user_id),
		    now, cost);
	srv_dir_count(c, kind, n);
	if (r == 0)
		return 0;
	srv_dir_count(c, SRV_DIR_LIMITED, 1);
	if (*retry_after == 0)
		*retry_after = 1;
	return ERR_RATE_LIMITED;
}

int
srv_dir_limited(struct srv_conn *c, uint64_t id, uint32_t retry_after)
{
	return srv_conn_error(c, id, ERR_RATE_LIMITED,
	    "too many lookups; slow down", retry_after);
}

/* ---------------------------------------------------------------- budget */

/* The budget check of a new discovery, inside the caller's unit. */
static int
dir_budget(struct srv_conn *c, uint32_t *retry_after)
{
	uint32_t budget = c->srv->dir->cfg.discover_day;
	uint64_t used, oldest;
	int r;

	if ((r = dir_used(c, SRV_DIR_DISCOVERED, &used, &oldest)) != 0)
		return r;
	if (used >= budget) {
		*retry_after = dir_wait(oldest);
		return ERR_RATE_LIMITED;
	}
	srv_dir_count(c, SRV_DIR_DISCOVERED, 1);
	if (used + 1 == budget)
		log_info("directory: account %llu used up its daily budget of "
		    "%u new users", (unsigned long long)c->user_id, budget);
	return 0;
}

/* ---------------------------------------------------------------- import */

static void
dir_mac(const struct srv_dir *d, uint64_t user, const char *phone,
    uint8_t out[16])
{
	uint8_t in[8 + 16 + 1], mac[32];
	size_t len = strlen(phone);
	int i;

	if (len > 16)
		len = 16;	/* checked earlier: "+" and at most 15 digits */
	for (i = 0; i < 8; i++)
		in[i] = (uint8_t)(user >> (56 - 8 * i));
	memcpy(in + 8, phone, len);
	prim_hmac_sha256(mac, d->key, in, 8 + len);
	memcpy(out, mac, 16);
	sec_wipe(in, sizeof(in));
	sec_wipe(mac, sizeof(mac));
}

/* The slot of mac, or the empty one it would take; d->cap > 0. */
static struct dir_seen *
dir_slot(struct srv_dir *d, const uint8_t mac[16])
{
	size_t i;

	memcpy(&i, mac, sizeof(i));
	for (i &= d->cap - 1; d->seen[i].hour != 0; i = (i + 1) & (d->cap - 1))
		if (memcmp(d->seen[i].mac, mac, 16) == 0)
			break;
	return &d->seen[i];
}

/* Grows the table to keep it at most half full. 0 or ERR_NOMEM. */
static int
dir_grow(struct srv_dir *d)
{
	struct dir_seen *old = d->seen;
	size_t i, oldcap = d->cap, cap = d->cap ? d->cap * 2 : 1024;

	if (d->n + 1 <= d->cap / 2)
		return 0;
	if (cap > DIR_SEEN_MAX * 2 ||
	    (d->seen = calloc(cap, sizeof(*d->seen))) == NULL) {
		d->seen = old;
		return ERR_NOMEM;
	}
	d->cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i].hour != 0)
			*dir_slot(d, old[i].mac) = old[i];
	if (old != NULL)
		sec_wipe(old, oldcap * sizeof(*old));
	free(old);
	return 0;
}

uint32_t
srv_dir_import_left(struct srv_conn *c, uint32_t *retry_after)
{
	uint32_t cap = c->srv->dir->cfg.import_day;
	uint64_t used, oldest;

	*retry_after = 0;
	if (dir_used(c, SRV_DIR_IMPORTED, &used, &oldest) != 0)
		return 0;	/* fail closed */
	if (used < cap)
		return (uint32_t)(cap - used);
	*retry_after = dir_wait(oldest);
	return 0;
}

int
srv_dir_import_seen(struct srv_conn *c, const char *phone)
{
	struct srv_dir *d = c->srv->dir;
	struct dir_seen *slot;
	uint8_t mac[16];
	int seen;

	if (d->cap == 0)
		return 0;
	dir_mac(d, c->user_id, phone, mac);
	slot = dir_slot(d, mac);
	seen = slot->hour != 0 && slot->hour >= dir_since(dir_hour());
	sec_wipe(mac, sizeof(mac));
	return seen;
}

/* Remembers (user, name) for 24 hours; when full, not (fail closed). */
static void
dir_remember(struct srv_dir *d, uint64_t user, const char *name)
{
	struct dir_seen *slot;
	uint8_t mac[16];

	if (dir_grow(d) != 0)
		return;
	dir_mac(d, user, name, mac);
	slot = dir_slot(d, mac);
	if (slot->hour == 0)
		d->n++;
	memcpy(slot->mac, mac, sizeof(mac));
	slot->hour = dir_hour();
	sec_wipe(mac, sizeof(mac));
}

int
srv_dir_import_note(struct srv_conn *c, const char *phone)
{
	srv_dir_count(c, SRV_DIR_IMPORTED, 1);
	dir_remember(c->srv->dir, c->user_id, phone);
	return 0;
}

void
srv_dir_import_done(struct srv_conn *c, uint32_t before, uint32_t left)
{
	uint32_t cap = c->srv->dir->cfg.import_day;

	if (before > 0 && left == 0)
		log_info("directory: account %llu used up its daily cap of "
		    "%u imported numbers", (unsigned long long)c->user_id,
		    cap);
}

/* ---------------------------------------------------------------- discover */

int
srv_dir_discover(struct srv_conn *c, uint64_t user, uint32_t *retry_after)
{
	struct srv_store *st = c->srv->store;
	int r;

	*retry_after = 0;
	/* Not new: oneself, or a user the account may name already. */
	if ((r = srv_visible_user(st, c->user_id, user)) != ERR_NOT_FOUND)
		return r;
	if ((r = dir_budget(c, retry_after)) == ERR_RATE_LIMITED)
		srv_dir_count(c, SRV_DIR_OVER_BUDGET, 1);
	if (r == 0)
		r = srv_visible_mark(st, c->user_id, user);
	return r;
}
