/*
 * Paging a secret chat (store_secret_msgs_before, and forwards with
 * store_secret_msgs_after) and its summary for the
 * chat list (store_secret_summary) on a real SQLCipher file: a chat of
 * 20,000 messages beside a short one, read back page by page from the
 * newest with nothing skipped or repeated and nothing of the other chat
 * mixed in, a page before any id, a stop asked by the callback, and the
 * unread count and newest message before and after messages are read
 * and expire. That these reads use the index of schema 5 is what
 * bench/secret_bench prints figures for; no timing is asserted here.
 * Also the key-change warnings of schema 6: added, listed oldest first,
 * kept across a reopen, cleared by peer and by chat, and forgotten with
 * the account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store.h"
#include "tests/unit/tap.h"

#define LONG_SID	77
#define SHORT_SID	78
#define NLONG		20000
#define NSHORT		5
#define PAGE		100

struct page {
	uint64_t id[PAGE + 1];
	uint64_t rid[PAGE + 1];
	size_t n;
	int bad;		/* a row of another chat, or out of order */
	uint64_t sid;
	size_t stop_at;		/* return 7 after this many rows; 0 never */
};

static int
page_cb(void *ud, const struct store_secret_msg *m)
{
	struct page *p = ud;

	if (m->secret_id != p->sid || (p->n > 0 && m->id <= p->id[p->n - 1]))
		p->bad = 1;
	if (p->n < PAGE + 1) {
		p->id[p->n] = m->id;
		p->rid[p->n] = m->random_id;
	}
	p->n++;
	return p->stop_at != 0 && p->n == p->stop_at ? 7 : 0;
}

struct last {
	int calls;
	uint64_t rid;
	char text[32];
};

static int
last_cb(void *ud, const struct store_secret_msg *m)
{
	struct last *l = ud;

	l->calls++;
	l->rid = m->random_id;
	snprintf(l->text, sizeof(l->text), "%s", m->text);
	return 0;
}

static int
add(struct store *s, uint64_t sid, uint64_t rid, int out, int service,
    uint32_t ttl, const char *text)
{
	struct store_secret_msg m;

	memset(&m, 0, sizeof(m));
	m.secret_id = sid;
	m.random_id = rid;
	m.out = out;
	m.service = service;
	m.text = (char *)text;
	m.date = 1000 + rid;
	m.ttl = ttl;
	return store_secret_add_msg(s, &m);
}

static void
page(struct store *s, uint64_t sid, uint64_t before, size_t limit,
    struct page *p, int *r)
{
	memset(p, 0, sizeof(*p));
	p->sid = sid;
	*r = store_secret_msgs_before(s, sid, before, limit, page_cb, p);
}

struct warns {
	uint64_t sid[8], peer[8];
	size_t n;
};

static int
warn_cb(void *ud, const struct store_secret_warning *w)
{
	struct warns *v = ud;

	if (v->n < 8) {
		v->sid[v->n] = w->secret_id;
		v->peer[v->n] = w->peer_user;
	}
	v->n++;
	return 0;
}

static int
warn_add(struct store *s, uint64_t peer, uint64_t device, uint64_t sid)
{
	struct store_secret_warning w = { 0, peer, device, sid, 1234 };

	return store_secret_warn_add(s, &w);
}

static void
test_warnings(const char *path, const uint8_t *key)
{
	struct store *s;
	struct warns v;

	if (store_open(&s, path, key, 0) != 0) {
		ok(0, "reopened for the warnings");
		return;
	}
	ok(warn_add(s, 200, 1, 77) == 0 && warn_add(s, 300, 2, 0) == 0 &&
	    warn_add(s, 200, 3, 0) == 0 && warn_add(s, 200, 1, 79) == 0,
	    "four key-change warnings stored");
	store_close(s);
	if (store_open(&s, path, key, 0) != 0) {
		ok(0, "reopened");
		return;
	}
	memset(&v, 0, sizeof(v));
	ok(store_secret_warn_list(s, warn_cb, &v) == 0 && v.n == 4 &&
	    v.sid[0] == 77 && v.peer[1] == 300 && v.sid[3] == 79,
	    "they outlive a reopen, oldest first");
	memset(&v, 0, sizeof(v));
	ok(store_secret_warn_clear(s, 200, 77) == 0 &&
	    store_secret_warn_list(s, warn_cb, &v) == 0 && v.n == 3 &&
	    v.sid[0] == 0 && v.peer[0] == 300,
	    "dismissing one chat's leaves the others");
	memset(&v, 0, sizeof(v));
	ok(store_secret_warn_clear(s, 200, 0) == 0 &&
	    store_secret_warn_list(s, warn_cb, &v) == 0 && v.n == 1 &&
	    v.peer[0] == 300, "clearing a peer's leaves another peer's");
	memset(&v, 0, sizeof(v));
	ok(store_clear_account(s) == 0 &&
	    store_secret_warn_list(s, warn_cb, &v) == 0 && v.n == 0,
	    "forgotten with the account");
	store_close(s);
}

int
main(void)
{
	char dir[] = "/tmp/sotto-test-spage-XXXXXX", path[256], cmd[300],
	    text[32];
	uint8_t key[STORE_KEY_LEN];
	uint64_t ids[64], unread, before, expected, expired;
	struct store *s;
	struct page p;
	struct last l;
	size_t i, n, total, pages;
	int r, bad;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/t.db", dir);
	sec_random(key, sizeof(key));
	is_int(store_open(&s, path, key, 1), 0, "store created");

	/*
	 * The long chat: every third message ours, every hundredth a timer
	 * change; the short one interleaved at the start and the end, so
	 * its ids fall among the long chat's.
	 */
	bad = store_begin(s) != 0;
	for (i = 1; i <= NSHORT - 2; i++)
		bad |= add(s, SHORT_SID, i, 0, 0, 0, "short") != 0;
	for (i = 1; i <= NLONG; i++) {
		snprintf(text, sizeof(text), "m%zu", i);
		bad |= add(s, LONG_SID, i, i % 3 == 0, i % 100 == 0,
		    i % 100 == 0 ? 5 : 0, text) != 0;
	}
	for (i = NSHORT - 1; i <= NSHORT; i++)
		bad |= add(s, SHORT_SID, i, 0, 0, 0, "short end") != 0;
	bad |= store_commit(s) != 0;
	ok(!bad, "%d + %d messages stored", NLONG, NSHORT);

	page(s, LONG_SID, 0, PAGE, &p, &r);
	ok(r == 0 && p.n == PAGE && !p.bad && p.rid[PAGE - 1] == NLONG &&
	    p.rid[0] == NLONG - PAGE + 1, "the newest page: %zu rows, "
	    "oldest first, ending with the newest", p.n);

	/* Every page back to the first: nothing skipped, nothing twice. */
	total = 0;
	pages = 0;
	before = 0;
	expected = NLONG;
	bad = 0;
	for (;;) {
		page(s, LONG_SID, before, PAGE, &p, &r);
		if (r != 0 || p.bad) {
			bad = 1;
			break;
		}
		if (p.n == 0)
			break;
		for (i = p.n; i > 0; i--)
			if (p.rid[i - 1] != expected--)
				bad = 1;
		total += p.n;
		pages++;
		before = p.id[0];
	}
	ok(!bad && total == NLONG && pages == NLONG / PAGE && expected == 0,
	    "paged back in %zu pages: %zu messages, each once, in order",
	    pages, total);

	/*
	 * Forwards (store_secret_msgs_after, how the TUI reads back the
	 * newest messages its window dropped): each once, in order.
	 */
	total = 0;
	pages = 0;
	before = 0;
	expected = 1;
	bad = 0;
	for (;;) {
		memset(&p, 0, sizeof(p));
		p.sid = LONG_SID;
		r = store_secret_msgs_after(s, LONG_SID, before, PAGE, page_cb,
		    &p);
		if (r != 0 || p.bad) {
			bad = 1;
			break;
		}
		if (p.n == 0)
			break;
		for (i = 0; i < p.n; i++)
			if (p.rid[i] != expected++)
				bad = 1;
		total += p.n;
		pages++;
		before = p.id[p.n - 1];
	}
	ok(!bad && total == NLONG && pages == NLONG / PAGE &&
	    expected == NLONG + 1, "paged forwards in %zu pages: %zu "
	    "messages, each once, in order", pages, total);

	page(s, SHORT_SID, 0, PAGE, &p, &r);
	ok(r == 0 && p.n == NSHORT && !p.bad && p.rid[0] == 1 &&
	    p.rid[NSHORT - 1] == NSHORT,
	    "the short chat: its %d alone, though its ids straddle the "
	    "long chat's", NSHORT);
	before = p.id[NSHORT - 1];
	page(s, SHORT_SID, before, PAGE, &p, &r);
	ok(r == 0 && p.n == NSHORT - 1 && p.rid[NSHORT - 2] == NSHORT - 1,
	    "before its newest: the %d older", NSHORT - 1);
	page(s, SHORT_SID, before, 2, &p, &r);
	ok(r == 0 && p.n == 2 && p.rid[0] == NSHORT - 2 &&
	    p.rid[1] == NSHORT - 1, "a limit of 2: the two just before");
	page(s, LONG_SID, 0, 0, &p, &r);
	ok(r == 0 && p.n == 0, "a limit of 0 reads nothing");
	page(s, 999, 0, PAGE, &p, &r);
	ok(r == 0 && p.n == 0, "no such chat: nothing");

	memset(&p, 0, sizeof(p));
	p.sid = LONG_SID;
	p.stop_at = 3;
	r = store_secret_msgs_before(s, LONG_SID, 0, PAGE, page_cb, &p);
	ok(r == 7 && p.n == 3, "the callback stops the read (%d)", r);

	/* The summary: unread = received, not service, not read. */
	for (i = 1, expected = 0; i <= NLONG; i++)
		if (i % 3 != 0 && i % 100 != 0)
			expected++;
	memset(&l, 0, sizeof(l));
	r = store_secret_summary(s, LONG_SID, &unread, last_cb, &l);
	ok(r == 0 && unread == expected && l.calls == 1 && l.rid == NLONG &&
	    strcmp(l.text, "m20000") == 0,
	    "summary: %llu unread of %d, the newest message once",
	    (unsigned long long)unread, NLONG);
	memset(&l, 0, sizeof(l));
	r = store_secret_summary(s, 999, &unread, last_cb, &l);
	ok(r == 0 && unread == 0 && l.calls == 0,
	    "an empty chat: none unread, no newest message");

	/* Read 64 of them: the count drops by 64. */
	r = store_secret_mark_read(s, LONG_SID, 5000, ids, 64, &n);
	ok(r == 0 && n == 64, "64 marked read");
	r = store_secret_summary(s, LONG_SID, &unread, last_cb, &l);
	ok(r == 0 && unread == expected - 64, "then %llu unread",
	    (unsigned long long)unread);

	/* The newest messages expire: the summary names the one before. */
	bad = store_begin(s) != 0;
	bad |= add(s, LONG_SID, NLONG + 1, 1, 0, 1, "soon gone") != 0;
	bad |= store_commit(s) != 0;
	memset(&l, 0, sizeof(l));
	ok(!bad && store_secret_summary(s, LONG_SID, &unread, last_cb, &l) ==
	    0 && l.rid == NLONG + 1, "a timed message of ours is the newest");
	r = store_secret_peer_read(s, LONG_SID, NLONG + 1, 4000000000ULL);
	ok(r == 0, "the peer read it");
	r = store_secret_expire(s, 4000000002ULL, &expired);
	memset(&l, 0, sizeof(l));
	ok(r == 0 && expired >= 1 && store_secret_summary(s, LONG_SID,
	    &unread, last_cb, &l) == 0 && l.rid == NLONG,
	    "once it expired the newest is m%d again", NLONG);

	store_close(s);
	test_warnings(path, key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
