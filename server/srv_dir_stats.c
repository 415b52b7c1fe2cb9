/*
 * The operator's view of the directory (sottod --stats, and SIGUSR1 to
 * a running sottod, which writes the same lines to its log): the
 * dir_stats counters of the last 24 hours, summed, and the accounts
 * that asked most, by id. The store holds no name, number or address
 * in dir_stats, so none can appear here.
 */
#include "config.h"

#include "server/srv_directory.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv_store.h"

#define STATS_TOP 10
#define STATS_WHAT_MAX 32

/* The counters in the order they are printed, with their words. */
static const struct {
	int what;
	int indent;
	const char *label;
} stats_lines[] = {
	{ 0, 0, "lookups" },
	{ SRV_DIR_ASK_NAME, 1, "by username" },
	{ SRV_DIR_ASK_PHONE, 1, "by phone number" },
	{ SRV_DIR_ASK_IDS, 1, "by id (GetUsers)" },
	{ SRV_DIR_ASK_CONTACT, 1, "contacts added" },
	{ SRV_DIR_ASK_MEMBERS, 1, "member lists" },
	{ SRV_DIR_ASK_IMPORT, 1, "imported numbers" },
	{ SRV_DIR_ASK_KEYS, 1, "prekey bundles" },
	{ SRV_DIR_FOUND, 0, "answered with a user" },
	{ -1, 0, "refused" },
	{ SRV_DIR_ABSENT, 1, "no such user" },
	{ SRV_DIR_HIDDEN, 1, "hidden by phone_discovery" },
	{ SRV_DIR_INVALID, 1, "malformed" },
	{ SRV_DIR_LIMITED, 1, "rate-limited" },
	{ SRV_DIR_OVER_BUDGET, 1, "over the discovery budget" },
	{ SRV_DIR_OVER_CAP, 1, "over the import cap" },
	{ SRV_DIR_LIMITED, 0, "rate-limit hits" },
	{ SRV_DIR_DISCOVERED, 0, "new users discovered" },
	{ SRV_DIR_IMPORTED, 0, "new numbers imported" },
};

struct stats_sum {
	uint64_t v[STATS_WHAT_MAX];
};

static int
stats_put(void *ud, int what, uint64_t n)
{
	struct stats_sum *s = ud;

	if (what > 0 && what < STATS_WHAT_MAX)
		s->v[what] += n;
	return 0;
}

static uint64_t
stats_range(const struct stats_sum *s, int lo, int hi)
{
	uint64_t t = 0;
	int i;

	for (i = lo; i <= hi; i++)
		t += s->v[i];
	return t;
}

static uint64_t
stats_value(const struct stats_sum *s, int what)
{
	if (what == 0)
		return stats_range(s, SRV_DIR_ASK_NAME, SRV_DIR_ASK_KEYS);
	if (what < 0)
		return stats_range(s, SRV_DIR_ABSENT, SRV_DIR_OVER_CAP);
	return s->v[what];
}

struct stats_top {
	struct srv_store *st;
	uint64_t since;
	FILE *f;
	int r;
};

static int
stats_asker(void *ud, uint64_t user_id, uint64_t lookups)
{
	struct stats_top *t = ud;
	struct stats_sum s;
	int r;

	memset(&s, 0, sizeof(s));
	if ((r = srv_store_dir_totals(t->st, user_id, t->since, stats_put,
	    &s)) != 0)
		return r;
	if (fprintf(t->f, "  account %llu: %llu lookups, %llu refused, "
	    "%llu rate-limited, %llu new users, %llu new numbers\n",
	    (unsigned long long)user_id, (unsigned long long)lookups,
	    (unsigned long long)stats_value(&s, -1),
	    (unsigned long long)s.v[SRV_DIR_LIMITED],
	    (unsigned long long)s.v[SRV_DIR_DISCOVERED],
	    (unsigned long long)s.v[SRV_DIR_IMPORTED]) < 0)
		return ERR_IO;
	return 0;
}

int
srv_dir_stats_print(struct srv_store *st, uint64_t now, FILE *f)
{
	struct stats_sum s;
	struct stats_top t;
	uint64_t hour = now / 3600;
	time_t from;
	struct tm tm;
	char when[32];
	size_t i;
	int r;

	memset(&s, 0, sizeof(s));
	t.st = st;
	t.since = hour >= 23 ? hour - 23 : 0;
	t.f = f;
	if ((r = srv_store_dir_totals(st, 0, t.since, stats_put, &s)) != 0)
		return r;
	from = (time_t)(t.since * 3600);
	if (gmtime_r(&from, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:00 UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	fprintf(f, "directory, the last 24 hours (since %s):\n", when);
	for (i = 0; i < sizeof(stats_lines) / sizeof(stats_lines[0]); i++)
		fprintf(f, "%s%s: %llu\n", stats_lines[i].indent ? "  " : "",
		    stats_lines[i].label, (unsigned long long)stats_value(&s,
		    stats_lines[i].what));
	fprintf(f, "top askers (by lookups):\n");
	if ((r = srv_store_dir_top(st, t.since, SRV_DIR_ASK_NAME,
	    SRV_DIR_ASK_KEYS, STATS_TOP, stats_asker, &t)) != 0)
		return r;
	return fflush(f) == 0 && !ferror(f) ? 0 : ERR_IO;
}
