/*
 * The open secret chat's window (ui/secret_ui.c) over a real store: a
 * chat of 3,000 messages paged up to the oldest and back down to the
 * newest through the view (ui_view_messages_at), with the older pages
 * read on reaching the top (secret_ui_older) and the window kept after
 * every frame (secret_ui_trim), as ui/app.c drives it. The window stays
 * near 1,000 messages (it used to keep all it paged through), every
 * message shows on the way down once and in order, a reload far up
 * keeps the window where it is (it reads its range again, not the newest
 * down to it), and a message arriving while the view is a little up
 * leaves the rows on screen as they were (secret_ui_appended).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "client/cloud.h"
#include "client/secret.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store.h"
#include "tests/unit/tap.h"
#include "ui/secret_ui.h"
#include "ui/view.h"

#define SID	41
#define NMSG	3000
#define W	40
#define H	20
#define NOW	((time_t)1795000000)

static const char *
h_name(void *ud, uint64_t id)
{
	(void)ud;
	(void)id;
	return "Bob";
}

static void
h_note(void *ud, int warn, const char *text)
{
	(void)ud;
	(void)warn;
	printf("# note: %s\n", text);
}

static void
h_changed(void *ud)
{
	(void)ud;
}

static void
h_select(void *ud, uint64_t id)
{
	(void)ud;
	(void)id;
}

static void
h_overlay(void *ud, const char *const *l, size_t n)
{
	(void)ud;
	(void)l;
	(void)n;
}

static void
h_incoming(void *ud, uint64_t id)
{
	(void)ud;
	(void)id;
}

static uint64_t open_id;

static uint64_t
h_current(void *ud)
{
	(void)ud;
	return open_id;
}

static int
add(struct store *s, uint64_t rid)
{
	struct store_secret_msg m;
	char text[32];

	snprintf(text, sizeof(text), "m%04llu", (unsigned long long)rid);
	memset(&m, 0, sizeof(m));
	m.secret_id = SID;
	m.random_id = rid;
	m.out = rid % 3 == 0;
	m.text = text;
	m.date = (uint64_t)NOW - 100000 + rid;
	m.read_date = 1;
	return store_secret_add_msg(s, &m);
}

/* The open chat as the app shows it: its entry, bound to the window. */
struct scene {
	struct secret_ui *u;
	struct ui_chat ch;
	struct ui_model m;
	struct ui_clock clk;
	size_t skip, scroll;
};

static void
scene_bind(struct scene *sc)
{
	const struct ui_chat *v;
	size_t n;

	v = secret_ui_chats(sc->u, &n);
	if (n != 1)
		exit(1);
	sc->ch = v[0];
	secret_ui_bind(sc->u, &sc->ch, 1);
	sc->m.chats = &sc->ch;
	sc->m.nchats = 1;
	sc->m.current = sc->ch.id;
}

/*
 * One frame and what the app does after it: an older page at the top,
 * the window kept (the view's skip moved with it). Returns the rows.
 */
static void
frame(struct scene *sc, char *rows, size_t size)
{
	struct ui_vlines l = { 0 };
	size_t i, o = 0;
	long d;
	int top;

	if (ui_view_messages_at(&sc->m, W, H, &sc->clk, &sc->skip,
	    &sc->scroll, &l, &top) != 0)
		exit(1);
	rows[0] = '\0';
	for (i = 0; i < l.n && o + l.v[i].len + 2 < size; i++) {
		memcpy(rows + o, l.v[i].text, l.v[i].len);
		o += l.v[i].len;
		rows[o++] = '|';
		rows[o] = '\0';
	}
	ui_vlines_free(&l);
	if (top && secret_ui_older(sc->u, sc->ch.id))
		scene_bind(sc);
	if ((d = secret_ui_trim(sc->u, sc->ch.id, sc->skip)) != 0) {
		sc->skip = d < 0 && (size_t)-d > sc->skip ? 0 :
		    (size_t)((long)sc->skip + d);
		scene_bind(sc);
	}
}

int
main(void)
{
	char dir[] = "/tmp/sotto-test-sui-XXXXXX", path[256], cmd[300];
	static char rows[8192], before[8192];
	uint8_t key[STORE_KEY_LEN], priv[32];
	struct engine_config cfg = { "127.0.0.1:1", "test", NULL };
	struct secret_ui_host host = { NULL, h_name, h_note, h_changed,
	    h_select, h_incoming, h_overlay, h_current };
	struct store_secret_chat c;
	struct scene sc;
	struct cloud *cl = NULL;
	struct store *s;
	uv_loop_t loop;
	size_t i, maxn = 0, next = 1, n0, k;
	uint64_t first, last, t0;
	const char *p;
	int bad = 0, oldest = 0, steps, order = 1;

	tap_need_utf8_locale();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/t.db", dir);
	sec_random(key, sizeof(key));
	sec_random(priv, sizeof(priv));
	is_int(store_open(&s, path, key, 1), 0, "store created");
	memset(&c, 0, sizeof(c));
	c.secret_id = SID;
	c.peer_user = 2;
	c.peer_device = 3;
	c.state = STORE_SECRET_ACTIVE;
	c.created = (uint64_t)NOW - 200000;
	bad = store_begin(s) != 0;
	bad |= store_secret_put_chat(s, &c, (const uint8_t *)"r", 1) != 0;
	for (i = 1; i <= NMSG; i++)
		bad |= add(s, i) != 0;
	bad |= store_commit(s) != 0;
	ok(!bad, "a secret chat of %d messages", NMSG);

	uv_loop_init(&loop);
	memset(&sc, 0, sizeof(sc));
	if (cloud_new(&cl, &loop, s, priv, &cfg) != 0 ||
	    secret_ui_new(&sc.u, cl, &host) != 0)
		return 1;
	sc.clk.now = NOW;
	ok(secret_ui_reload(sc.u) == 0, "listed");
	scene_bind(&sc);
	open_id = sc.ch.id;
	secret_ui_open(sc.u, sc.ch.id);
	scene_bind(&sc);
	ok(sc.ch.nmsgs == 100, "opened: the newest 100 (%zu)", sc.ch.nmsgs);

	/* Up to the oldest. */
	for (steps = 0; steps < 5000 && !oldest; steps++) {
		sc.scroll += H - 1;
		frame(&sc, rows, sizeof(rows));
		if (sc.ch.nmsgs > maxn)
			maxn = sc.ch.nmsgs;
		oldest = strstr(rows, "m0001") != NULL;
	}
	ok(oldest, "paging up reaches the oldest (%d pages)", steps);
	ok(maxn <= 1200, "the window held at most %zu messages", maxn);

	/* A reload far up reads the window's range again, nothing else. */
	n0 = sc.ch.nmsgs;
	first = sc.ch.msgs[0].id;
	last = sc.ch.msgs[n0 - 1].id;
	strcpy(before, rows);
	t0 = uv_hrtime();
	ok(secret_ui_reload(sc.u) == 0, "a reload far up");
	/* A figure, not asserted: what a reload costs here. */
	printf("# a reload far up: %.2f ms, %zu messages held\n",
	    (double)(uv_hrtime() - t0) / 1e6, n0);
	scene_bind(&sc);
	ok(sc.ch.nmsgs == n0 && sc.ch.msgs[0].id == first &&
	    sc.ch.msgs[n0 - 1].id == last, "keeps the window as it was "
	    "(%zu messages)", n0);
	frame(&sc, rows, sizeof(rows));
	ok(strcmp(rows, before) == 0, "and the screen");

	/* Down again: every message once, in order. */
	for (steps = 0; steps < 5000; steps++) {
		for (p = rows; (p = strstr(p, "m")) != NULL; p++) {
			if (p[1] < '0' || p[1] > '9')
				continue;
			k = strtoul(p + 1, NULL, 10);
			if (k == next)
				next++;
			else if (k > next)
				order = 0;
		}
		if (sc.skip == 0 && sc.scroll == 0)
			break;
		sc.scroll = sc.scroll > H - 1 ? sc.scroll - (H - 1) : 0;
		frame(&sc, rows, sizeof(rows));
		if (sc.ch.nmsgs > maxn)
			maxn = sc.ch.nmsgs;
	}
	ok(order && next == NMSG + 1, "paging down shows every message once, "
	    "in order (up to m%04zu)", next - 1);
	ok(maxn <= 1200, "the window held at most %zu messages all the way",
	    maxn);
	ok(strstr(rows, "m3000") != NULL, "back at the newest");

	/* A little up, a message arrives: the rows stay. */
	sc.scroll = 5;
	frame(&sc, rows, sizeof(rows));
	strcpy(before, rows);
	bad = store_begin(s) != 0 || add(s, NMSG + 1) != 0 ||
	    store_commit(s) != 0;
	ok(!bad && secret_ui_reload(sc.u) == 0, "a new message, reloaded");
	scene_bind(&sc);
	for (k = secret_ui_appended(sc.u), i = k; i > 0; i--)
		ui_view_added(&sc.skip, &sc.scroll, 0);
	frame(&sc, rows, sizeof(rows));
	ok(k == 1 && strcmp(rows, before) == 0, "one appended (%zu), the "
	    "rows on screen unchanged", k);
	if (strcmp(rows, before) != 0)
		printf("# %s\n# %s\n", before, rows);

	secret_ui_free(sc.u);
	cloud_free(cl, NULL, NULL);
	(void)uv_run(&loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&loop);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
