/*
 * The screen model without a terminal: chat list order, badges, marks
 * and scrolling; the message view's separators, headers, quotes, marks,
 * wrapping and paging; the input line's sideways scrolling; and, for
 * every width from 1 to 60 over a model full of hostile strings, that no
 * line is wider than asked or carries a control character.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/tap.h"
#include "tests/unit/vlines.h"
#include "ui/editor.h"
#include "ui/sanitize.h"
#include "ui/view.h"

#define NOW	((time_t)1795000000)	/* a fixed "now", UTC */
#define DAY	86400

static const char hostile[] =
    "x\033]0;TITLE\007\033[2J\033[1;1H\xe2\x80\xae" "y\xc2\x9b" "31m\tz\r\n"
    "w\xff\xc0\xaf\xed\xa0\x80" "e\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81"
    "\xcc\x81 \xe4\xb8\xad\xf0\x9f\x98\x80\xe2\x80\x8d\xf0\x9f\x98\x80";

static struct ui_msg msgs[] = {
	{ 1, "Alice", NOW - 3 * DAY, "old one", 0, 0, NULL, NULL, 0, 0,
	    "Carol, @carol" },
	{ 2, "me", NOW - DAY, "yesterday's", UI_MSG_OUT | UI_MSG_READ, 0,
	    NULL, NULL, 0, 0, NULL },
	{ 3, NULL, NOW - 100, "Alice created the group", UI_MSG_SERVICE, 0,
	    NULL, NULL, 0, 0, NULL },
	{ 4, "Alice", NOW - 60, "a reply with quite a lot of words to wrap",
	    UI_MSG_EDITED, 2, "me", "yesterday's", 0, 0, NULL },
	{ 5, "me", NOW - 30, "sending", UI_MSG_OUT | UI_MSG_PENDING, 9, NULL,
	    NULL, 0, 0, NULL },
	{ 6, hostile, NOW - 10, hostile, 0, 0, hostile, hostile, 0, 0,
	    hostile },
};

static struct ui_chat chats[] = {
	{ 10, "Older", 0, 0, NOW - 5 * DAY, "Bob", "hi", NULL, NULL, 0,
	    NULL, "last seen recently", "likes tea" },
	{ 20, "Newest", UI_CHAT_SECRET, 5, NOW - 10, "Alice", "last words",
	    NULL, msgs, sizeof(msgs) / sizeof(msgs[0]), NULL, NULL, NULL },
	{ 30, hostile, 0, 1234, NOW - 1000, hostile, hostile, hostile, NULL,
	    0, hostile, hostile, hostile },
};

static struct ui_model model = { chats, 3, 20, UI_CONN_ONLINE, "@me",
    NULL, 0, 0 };
static const struct ui_clock clk = { NOW, 0, NULL };

/* Every line: within width, widths add up, spans cover it, all safe. */
static int
lines_ok(const struct ui_vlines *l, size_t width, size_t height)
{
	size_t i;

	if (!vlines_fit_clean(l, width, height))
		return 0;
	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i].text) != l->v[i].len ||
		    !vline_spans_cover(&l->v[i]))
			return 0;
	return 1;
}

static int
has_line(const struct ui_vlines *l, const char *want)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].text, want) == 0)
			return 1;
	return 0;
}

static void
dump(const struct ui_vlines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		printf("#   [%s]\n", l->v[i].text);
}

static void
test_chatlist(void)
{
	struct ui_vlines l;
	int order;

	ok(ui_view_chatlist(&model, 30, 100, &l) == 0, "chat list");
	is_int(l.n, 6, "two lines per chat");
	order = vlines_find(&l, "Newest") == 0 && vlines_find(&l, "Older") == 4;
	if (!ok(order, "most recent first"))
		dump(&l);
	ok(strcmp(l.v[0].text, "\xf0\x9f\x94\x92Newest") != 0 &&
	    strncmp(l.v[0].text, "\xf0\x9f\x94\x92Newest", 10) == 0,
	    "secret chat has a lock mark");
	ok(l.v[0].cells == 30 && strcmp(l.v[0].text + l.v[0].len - 2, " 5")
	    == 0, "unread count flush right");
	ok(l.v[0].selected && l.v[1].selected && !l.v[4].selected,
	    "the open chat is selected");
	ok(strcmp(l.v[1].text, "  Alice: last words") == 0,
	    "preview with its sender");
	ok(strstr(l.v[3].text, " is typing") != NULL, "typing replaces preview");
	ok(strstr(l.v[2].text, " 999+") != NULL, "big counts capped");
	ok(strstr(l.v[2].text, "TITLE") == NULL, "title sequence removed");
	ok(lines_ok(&l, 30, 100), "lines within width and clean");
	ui_vlines_free(&l);

	/* Narrow: titles end in an ellipsis and the badge stays. */
	ok(ui_view_chatlist(&model, 8, 100, &l) == 0, "narrow list");
	ok(strcmp(l.v[4].text, "Older") == 0, "a short title fits");
	ok(l.v[1].cells == 8 && strstr(l.v[1].text, "\xe2\x80\xa6") != NULL,
	    "a long preview ends in an ellipsis");
	ui_vlines_free(&l);

	/* Short: the open chat scrolls into view. */
	model.current = 10;
	ok(ui_view_chatlist(&model, 30, 3, &l) == 0 && l.n == 3,
	    "three rows");
	ok(vlines_find(&l, "Older") == 1 && l.v[1].selected,
	    "the open chat (last) is visible");
	ui_vlines_free(&l);
	model.current = 20;

	is_int(ui_model_step(&model, 1)->id, 30, "next chat in list order");
	is_int(ui_model_step(&model, -1)->id, 10, "previous wraps around");
	model.current = 0;
	is_int(ui_model_step(&model, 1)->id, 20, "first chat when none open");
	ok(ui_model_current(&model) == NULL, "none open");
	model.current = 20;
}

static void
test_messages(void)
{
	struct ui_vlines l;
	size_t scroll = 0, all;
	char *last, *third;
	int a, b, c;

	ok(ui_view_messages(&model, 40, 100, &clk, &scroll, &l) == 0,
	    "message view");
	all = l.n;
	a = vlines_find(&l, "-- Yesterday --");
	b = vlines_find(&l, "-- Today --");
	c = vlines_find(&l, "-- ");
	if (!ok(c >= 0 && c < a && a < b, "date separators in order"))
		dump(&l);
	ok(strstr(l.v[c].text, "2026") != NULL || strstr(l.v[c].text, "2025")
	    != NULL, "an older day is named with its date");
	ok(has_line(&l, "  old one"), "text indented under its header");
	b = vlines_find(&l, "  forwarded from Carol, @carol");
	ok(b >= 0 && b + 1 < (int)l.n && strcmp(l.v[b + 1].text,
	    "  old one") == 0, "a forward copy: 'forwarded from' above its "
	    "text");
	ok(vlines_find(&l, "me \xe2\x9c\x93\xe2\x9c\x93") >= 0,
	    "sent and read: two checks");
	ok(vlines_find(&l, "me ...") >= 0, "pending mark");
	ok(vlines_find(&l, "Alice (edited)") >= 0, "edited mark");
	ok(vlines_find(&l, "  | me: yesterday's") >= 0, "reply quote");
	ok(vlines_find(&l, "  | (earlier message)") >= 0,
	    "a reply to an unloaded message");
	a = vlines_find(&l, "Alice created the group");
	ok(a >= 0 && l.v[a].text[0] == ' ' && l.v[a].cells <= 40,
	    "service message centred");
	a = vlines_find(&l, "a reply with");
	ok(a >= 0 && l.v[a].cells <= 40 && l.v[a].cells > 35 &&
	    strcmp(l.v[a + 1].text, "  wrap") == 0,
	    "text wrapped at the width");
	ok(vlines_find(&l, "TITLE") < 0, "no OSC payload");
	ok(lines_ok(&l, 40, 100), "lines within width and clean");
	if ((last = strdup(l.v[all - 1].text)) == NULL ||
	    (third = strdup(l.v[all - 3].text)) == NULL)
		exit(1);
	ui_vlines_free(&l);

	/* Bottom-aligned paging. */
	ok(ui_view_messages(&model, 40, 3, &clk, &scroll, &l) == 0 &&
	    l.n == 3, "three rows");
	ok(strcmp(l.v[2].text, last) == 0, "the newest line at the bottom");
	ui_vlines_free(&l);
	scroll = 2;
	ok(ui_view_messages(&model, 40, 3, &clk, &scroll, &l) == 0 &&
	    scroll == 2 && l.n == 3, "scrolled two lines up");
	ok(strcmp(l.v[2].text, third) == 0,
	    "two lines up, the third from the end is at the bottom");
	ui_vlines_free(&l);
	free(last);
	free(third);
	scroll = 10000;
	ok(ui_view_messages(&model, 40, 3, &clk, &scroll, &l) == 0 &&
	    scroll == all - 3, "scroll clamped to the top");
	ok(l.n == 3 && strstr(l.v[0].text, "-- ") != NULL,
	    "the top shows the first separator");
	ui_vlines_free(&l);

	model.current = 0;
	scroll = 5;
	ok(ui_view_messages(&model, 40, 3, &clk, &scroll, &l) == 0 &&
	    l.n == 0 && scroll == 0, "no chat open: nothing");
	ui_vlines_free(&l);
	model.current = 20;
}

static void
test_input(void)
{
	struct ui_editor *e;
	struct ui_vlines l;
	struct ui_key k = { UI_KEY_CHAR, 0, 0 };
	size_t cx, i;

	if (ui_editor_new(&e) != 0)
		exit(1);
	ok(ui_view_input(e, 20, &l, &cx) == 0 && strcmp(l.v[0].text, "> ")
	    == 0 && cx == 2, "empty input: prompt and cursor");
	ui_vlines_free(&l);
	/* 30 ideographs: 60 cells, the cursor at the end must be visible. */
	for (i = 0; i < 30; i++)
		ui_editor_paste(e, "\xe4\xb8\xad", 3);
	ok(ui_view_input(e, 20, &l, &cx) == 0, "long input");
	ok(cx < 20 && l.v[0].cells <= 20 && cx == l.v[0].cells,
	    "scrolled so the cursor (at the end) shows");
	ok(cx % 2 == 0, "never half a wide character");
	ui_vlines_free(&l);
	k.code = UI_KEY_HOME;
	ui_editor_key(e, &k);
	ok(ui_view_input(e, 20, &l, &cx) == 0 && cx == 2 &&
	    l.v[0].cells <= 20, "Home: cursor after the prompt");
	ui_vlines_free(&l);
	ui_editor_clear(e);
	ui_editor_paste(e, "one\ntwo", 7);
	ok(ui_view_input(e, 20, &l, &cx) == 0 &&
	    strcmp(l.v[0].text, "[2/2]> two") == 0 && cx == 10,
	    "multi-line input shows the cursor's line");
	ui_vlines_free(&l);
	for (i = 1; i <= 6; i++) {
		ok(ui_view_input(e, i, &l, &cx) == 0 && lines_ok(&l, i, 1) &&
		    cx < i, "input at width %zu", i);
		ui_vlines_free(&l);
	}
	ui_editor_free(e);
}

static void
test_status(void)
{
	struct ui_vlines l;

	ok(ui_view_status(&model, 50, &l) == 0 &&
	    strncmp(l.v[0].text, " @me | online", 13) == 0 &&
	    l.v[0].cells == 50, "status line, padded to the width");
	ui_vlines_free(&l);
	model.conn = UI_CONN_CONNECTING;
	model.note = hostile;
	ok(ui_view_status(&model, 50, &l) == 0 &&
	    strstr(l.v[0].text, "connecting") != NULL &&
	    lines_ok(&l, 50, 1), "connecting, with a hostile note");
	ui_vlines_free(&l);
	model.conn = UI_CONN_ONLINE;
	model.note = NULL;
	ok(ui_view_title(&model, 30, &l) == 0 &&
	    strcmp(l.v[0].text, "\xf0\x9f\x94\x92Newest") == 0,
	    "title of the open chat");
	ui_vlines_free(&l);
	model.current = 10;
	ok(ui_view_title(&model, 60, &l) == 0 &&
	    strcmp(l.v[0].text, "Older - last seen recently - likes tea") == 0,
	    "a private chat's title: the peer's last seen, then the bio");
	ui_vlines_free(&l);
	ok(ui_view_title(&model, 26, &l) == 0 &&
	    strncmp(l.v[0].text, "Older - last seen recentl", 25) == 0 &&
	    lines_ok(&l, 26, 1), "narrow: the last seen is cut, no bio");
	ui_vlines_free(&l);
	model.current = 30;
	ok(ui_view_title(&model, 200, &l) == 0 && lines_ok(&l, 200, 1) &&
	    strchr(l.v[0].text, '\033') == NULL,
	    "a hostile last seen and bio are sanitised in the title");
	ui_vlines_free(&l);
	model.current = 20;
}

/* Every pane at every width from 1 to 60, with the hostile chat open. */
static void
test_all_widths(void)
{
	struct ui_vlines l;
	size_t w, h, scroll;
	int all = 1;

	for (model.current = 20; model.current <= 30; model.current += 10) {
		chats[2].msgs = msgs;
		chats[2].nmsgs = sizeof(msgs) / sizeof(msgs[0]);
		for (w = 1; w <= 60; w++) {
			for (h = 1; h <= 12; h += 11) {
				scroll = 0;
				if (ui_view_chatlist(&model, w, h, &l) != 0 ||
				    !lines_ok(&l, w, h))
					all = 0;
				ui_vlines_free(&l);
				if (ui_view_messages(&model, w, h, &clk,
				    &scroll, &l) != 0 || !lines_ok(&l, w, h))
					all = 0;
				ui_vlines_free(&l);
			}
			if (ui_view_status(&model, w, &l) != 0 ||
			    !lines_ok(&l, w, 1))
				all = 0;
			ui_vlines_free(&l);
			if (ui_view_title(&model, w, &l) != 0 ||
			    !lines_ok(&l, w, 1))
				all = 0;
			ui_vlines_free(&l);
		}
	}
	model.current = 20;
	ok(all, "widths 1..60: no line too wide, none unclean");
}

/* Lines of l joined by '|', for comparing two views. */
static void
joined(const struct ui_vlines *l, char *out, size_t size)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o + l->v[i].len + 2 < size; i++) {
		memcpy(out + o, l->v[i].text, l->v[i].len);
		o += l->v[i].len;
		out[o++] = '|';
		out[o] = '\0';
	}
}

/*
 * n messages "message I short" into many (their texts in texts), every
 * long_every-th one with a tail that wraps; from me and Bob in turn, 15
 * minutes apart from three days ago on.
 */
static void
long_chat(struct ui_msg *many, char (*texts)[64], size_t n,
    size_t long_every)
{
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(texts[i], sizeof(texts[i]), "message %zu %s", i,
		    i % long_every == 0 ?
		    "with a longer tail that wraps over lines" : "short");
		many[i].id = i + 1;
		many[i].sender = i % 2 ? "Bob" : "me";
		many[i].flags = i % 2 ? 0 : UI_MSG_OUT;
		many[i].date = NOW - 3 * 86400 + (time_t)i * 900;
		many[i].text = texts[i];
	}
}

/*
 * Paging a long chat with skip (only a few screens laid out per frame)
 * shows exactly what paging by lines from the newest shows, going up to
 * the top and back down.
 */
static void
test_skip_paging(void)
{
	static struct ui_msg many[300];
	static char texts[300][64];
	struct ui_chat ch = { 7, "long", 0, 0, NOW, NULL, NULL, NULL, many,
	    300, NULL, NULL, NULL };
	struct ui_model mm = { &ch, 1, 7, UI_CONN_ONLINE, "@me", NULL, 0,
	    0 };
	struct ui_vlines a = { 0 }, b = { 0 };
	static char ja[8192], jb[8192];
	size_t abs = 0, skip = 0, scroll = 0, page = 9, maxskip = 0;
	int same = 1, step, top = 0, sawtop = 0;

	long_chat(many, texts, 300, 7);
	for (step = 0; step < 400 && same; step++) {
		if (step < 200) {
			abs += page;
			scroll += page;
		} else {
			abs = abs > page ? abs - page : 0;
			scroll = scroll > page ? scroll - page : 0;
		}
		if (ui_view_messages(&mm, 30, 10, &clk, &abs, &a) != 0 ||
		    ui_view_messages_at(&mm, 30, 10, &clk, &skip, &scroll, &b,
		    &top) != 0) {
			same = 0;
			break;
		}
		joined(&a, ja, sizeof(ja));
		joined(&b, jb, sizeof(jb));
		if (strcmp(ja, jb) != 0) {
			same = 0;
			printf("# step %d: abs %zu skip %zu scroll %zu\n# %s\n# %s\n",
			    step, abs, skip, scroll, ja, jb);
		}
		if (skip > maxskip)
			maxskip = skip;
		if (top)
			sawtop = 1;
		ui_vlines_free(&a);
		ui_vlines_free(&b);
	}
	ui_vlines_free(&a);
	ui_vlines_free(&b);
	ok(same, "paging with skip shows what paging by lines shows");
	ok(maxskip > 200, "far up, most newer messages are skipped (%zu)",
	    maxskip);
	ok(sawtop, "the top is reported when the oldest shows");
	ok(skip == 0 && scroll == 0, "back at the newest, nothing skipped");
}

/*
 * A live message arrives at the newest end while the user reads far up
 * (and while a little up): the rows on screen stay the same. At the
 * newest, the new message shows.
 */
static void
test_live_append(void)
{
	static struct ui_msg many[301];
	static char texts[301][64];
	struct ui_chat ch = { 7, "long", 0, 0, NOW, NULL, NULL, NULL, many,
	    300, NULL, NULL, NULL };
	struct ui_model mm = { &ch, 1, 7, UI_CONN_ONLINE, "@me", NULL, 0,
	    0 };
	struct ui_vlines a = { 0 }, b = { 0 };
	static char ja[8192], jb[8192];
	static const size_t ups[] = { 0, 4, 9, 18, 27, 200, 900 };
	size_t i, u, skip, scroll;
	int same = 1, bottom;

	long_chat(many, texts, 301, 5);
	for (u = 0; u < sizeof(ups) / sizeof(ups[0]); u++) {
		ch.nmsgs = 300;
		skip = 0;
		scroll = 0;
		/* Paged up a page at a time, as the TUI does. */
		for (i = 0; i < ups[u]; i += 9) {
			scroll += i + 9 <= ups[u] ? 9 : ups[u] - i;
			if (ui_view_messages_at(&mm, 30, 10, &clk, &skip,
			    &scroll, &a, NULL) != 0)
				exit(1);
			ui_vlines_free(&a);
		}
		if (ui_view_messages_at(&mm, 30, 10, &clk, &skip, &scroll, &a,
		    NULL) != 0)
			exit(1);
		ch.nmsgs = 301;
		ui_view_added(&skip, &scroll, 0);
		if (ui_view_messages_at(&mm, 30, 10, &clk, &skip, &scroll, &b,
		    NULL) != 0)
			exit(1);
		joined(&a, ja, sizeof(ja));
		joined(&b, jb, sizeof(jb));
		if (ups[u] == 0) {
			bottom = vlines_find(&b, "message 300") >= 0;
			ok(bottom, "at the newest, a new message shows");
		} else if (strcmp(ja, jb) != 0) {
			same = 0;
			printf("# %zu lines up:\n# %s\n# %s\n", ups[u], ja,
			    jb);
		}
		ui_vlines_free(&a);
		ui_vlines_free(&b);
		/*
		 * Far up it goes away again (deleted): still the same rows.
		 * (Less than a screen up its lines are laid out below the
		 * screen, which ui_view_removed cannot know.)
		 */
		if (skip > 0) {
			if (ui_view_messages_at(&mm, 30, 10, &clk, &skip,
			    &scroll, &a, NULL) != 0)
				exit(1);
			ch.nmsgs = 300;
			ui_view_removed(&skip, &scroll, 0);
			if (ui_view_messages_at(&mm, 30, 10, &clk, &skip,
			    &scroll, &b, NULL) != 0)
				exit(1);
			joined(&a, ja, sizeof(ja));
			joined(&b, jb, sizeof(jb));
			if (strcmp(ja, jb) != 0) {
				same = 0;
				printf("# %zu lines up, removed:\n# %s\n# %s\n",
				    ups[u], ja, jb);
			}
			ui_vlines_free(&a);
			ui_vlines_free(&b);
		}
	}
	ok(same, "scrolled up (a little, a page, far), a live message "
	    "arriving at the newest end moves no row, nor far up one that "
	    "leaves");
}

/*
 * The window of a long chat kept near max messages by ui_view_trim (as
 * ui/app.c and ui/secret_ui.c use it): paging up through 2000 messages
 * and back down with a window of at most 300 shows, row for row, what
 * paging the whole chat shows, while the window never holds more than
 * max and two pages; on the way it drops its newest ones and reads them
 * again, and it ends whole at the newest.
 */
static void
test_trim(void)
{
	enum { N = 2000, PG = 30, MAX = 300, W = 30, H = 20 };
	static struct ui_msg all[N];
	static char texts[N][64];
	struct ui_chat full = { 7, "long", 0, 0, NOW, NULL, NULL, NULL, all,
	    N, NULL, NULL, NULL };
	struct ui_chat win = full;
	struct ui_model fm = { &full, 1, 7, UI_CONN_ONLINE, "@me", NULL, 0,
	    0 };
	struct ui_model wm = { &win, 1, 7, UI_CONN_ONLINE, "@me", NULL, 0,
	    0 };
	struct ui_vlines a = { 0 }, b = { 0 };
	static char ja[8192], jb[8192];
	struct ui_trim t;
	size_t i, abs = 0, skip = 0, scroll = 0, wlo = N - PG, whi = N, k;
	size_t maxn = 0, dropped = 0, reread = 0, oldest = 0;
	int same = 1, top, tail_cut = 0, step, up = 1;

	for (i = 0; i < N; i++) {
		snprintf(texts[i], sizeof(texts[i]), "m%zu %s", i, i % 3 == 0 ?
		    "with a longer tail that wraps over lines" : "short");
		all[i].id = i + 1;
		all[i].sender = i % 2 ? "Bob" : "me";
		all[i].date = NOW - 3 * 86400 + (time_t)i * 60;
		all[i].text = texts[i];
	}
	for (step = 0; step < 4000 && same; step++) {
		if (up) {
			abs += H - 1;
			scroll += H - 1;
		} else {
			abs = abs > H - 1 ? abs - (H - 1) : 0;
			scroll = scroll > H - 1 ? scroll - (H - 1) : 0;
		}
		/*
		 * Older pages are read before the screen reaches them (the
		 * TUI reads one when the oldest shows, before the next key),
		 * so that no page up stops short at the window's top.
		 */
		while (wlo > 0 && whi - wlo < skip + 2 * PG)
			wlo -= wlo < PG ? wlo : PG;
		win.msgs = all + wlo;
		win.nmsgs = whi - wlo;
		if (ui_view_messages(&fm, W, H, &clk, &abs, &a) != 0 ||
		    ui_view_messages_at(&wm, W, H, &clk, &skip, &scroll, &b,
		    &top) != 0)
			exit(1);
		joined(&a, ja, sizeof(ja));
		joined(&b, jb, sizeof(jb));
		if (strcmp(ja, jb) != 0) {
			same = 0;
			printf("# step %d: window %zu..%zu skip %zu scroll %zu"
			    "\n# %s\n# %s\n", step, wlo, whi, skip, scroll, ja,
			    jb);
		}
		if (vlines_find(&a, "m0 with") >= 0)
			oldest = 1;
		if (up && oldest && top)
			up = 0;
		ui_vlines_free(&a);
		ui_vlines_free(&b);
		if (!up && abs == 0 && skip == 0 && scroll == 0 && !tail_cut)
			break;
		/* After the frame (on_view): the window kept near MAX. */
		ui_view_trim(whi - wlo, skip, MAX, PG, 1, tail_cut, &t);
		if ((k = t.drop_newest) > 0) {
			whi -= k;
			skip -= k;
			tail_cut = 1;
			dropped += k;
		}
		wlo += t.drop_oldest;
		if (t.read_newer) {
			k = N - whi < PG ? N - whi : PG;
			whi += k;
			skip += k;
			reread += k;
			if (whi == N)
				tail_cut = 0;
		}
		if (whi - wlo > maxn)
			maxn = whi - wlo;
	}
	ok(same, "paging a window kept by ui_view_trim shows what paging "
	    "the whole chat shows");
	ok(oldest, "it reached the oldest message");
	ok(maxn <= MAX + 2 * PG, "the window held at most %zu messages (max "
	    "%d)", maxn, MAX);
	ok(dropped > N / 2 && reread == dropped, "far up it dropped the "
	    "newest (%zu) and read them again on the way down (%zu)",
	    dropped, reread);
	ok(whi == N && !tail_cut && skip == 0 && scroll == 0,
	    "back at the newest with the newest held");
}

/*
 * Secret chats: the timer after the lock in the list, a countdown (or
 * the timer still to start) in a message's header, a key change as a
 * loud warning line, and a warning note in the status line.
 */
static void
test_secret_marks(void)
{
	static struct ui_msg sm[] = {
		{ 1, "Bob", NOW - 30, "counting", 0, 0, NULL, NULL, NOW + 65,
		    5, NULL },
		{ 2, "me", NOW - 20, "not read yet", UI_MSG_OUT, 0, NULL, NULL,
		    0, 3600, NULL },
		{ 3, NULL, NOW - 10, "The identity key of Bob CHANGED.",
		    UI_MSG_WARN, 0, NULL, NULL, 0, 0, NULL },
		{ 4, "Bob", NOW - 5, "overdue", 0, 0, NULL, NULL, NOW - 3, 5,
		    NULL },
	};
	struct ui_chat ch = { 7, "Bob", UI_CHAT_SECRET, 0, NOW, NULL, "x",
	    NULL, sm, 4, "5s", NULL, NULL };
	struct ui_model mm = { &ch, 1, 7, UI_CONN_ONLINE, "@me",
	    "WARNING: the key changed", 1, 0 };
	struct ui_vlines l = { 0 };
	size_t k;
	int i, err = 0;

	ok(ui_view_chatlist(&mm, 30, 10, &l) == 0, "secret chat list");
	ok(l.n > 0 && strncmp(l.v[0].text, "\xf0\x9f\x94\x92" "5s Bob", 10)
	    == 0, "the timer follows the lock");
	ui_vlines_free(&l);
	ok(ui_view_messages(&mm, 60, 30, &clk, &(size_t){ 0 }, &l) == 0,
	    "secret messages");
	i = vlines_find(&l, "Bob");
	ok(i >= 0 && strstr(l.v[i].text, "\xe2\x8c\x9b" "1m5s") !=
	    NULL, "a countdown shows the time left");
	i = vlines_find(&l, "me");
	ok(i >= 0 && strstr(l.v[i].text, "\xe2\x8c\x9b" "1h") !=
	    NULL, "a timer not started shows as it is");
	ok(vlines_find(&l, "\xe2\x8c\x9b" "0s") != -1,
	    "an overdue one shows 0s until it is gone");
	i = vlines_find(&l, "!! WARNING");
	ok(i >= 0 && l.v[i].nspan == 1 &&
	    l.v[i].span[0].style == UI_ST_ERROR && (size_t)i + 1 < l.n &&
	    strstr(l.v[i + 1].text, "CHANGED") != NULL &&
	    l.v[i + 1].span[l.v[i + 1].nspan - 1].style == UI_ST_ERROR,
	    "a key change is a loud line of its own");
	if (i < 0)
		dump(&l);
	ui_vlines_free(&l);
	ok(ui_view_status(&mm, 80, &l) == 0, "status");
	for (k = 0; l.n > 0 && k < (size_t)l.v[0].nspan; k++)
		if (l.v[0].span[k].style == UI_ST_ERROR &&
		    strncmp(l.v[0].text + l.v[0].span[k].off, "WARNING", 7) ==
		    0)
			err = 1;
	ok(err, "a warning note is drawn loud");
	ui_vlines_free(&l);
}

/* Older messages above the viewport: the top row says so. */
static void
test_more_above(void)
{
	static const char more[] = "\xe2\x86\x91 more above \xe2\x86\x91";
	struct ui_vlines l = { 0 }, all = { 0 };
	size_t scroll = 0, n;
	int top;

	if (ui_view_messages(&model, 40, 100, &clk, &scroll, &all) != 0)
		exit(1);
	n = all.n;
	if (ui_view_messages_at(&model, 40, 5, &clk, NULL, &scroll, &l,
	    &top) != 0 || l.n != 5)
		exit(1);
	ok(strstr(l.v[0].text, more) != NULL && l.v[0].cells <= 40 &&
	    l.v[0].text[0] == ' ', "at the newest: the top row says more "
	    "above, centred");
	ok(!top, "and the oldest is not on screen");
	ok(strcmp(l.v[4].text, all.v[n - 1].text) == 0 &&
	    strcmp(l.v[1].text, all.v[n - 4].text) == 0,
	    "the other rows are the newest lines");
	ui_vlines_free(&l);
	scroll = 4;
	if (ui_view_messages(&model, 40, 5, &clk, &scroll, &l) != 0)
		exit(1);
	ok(strcmp(l.v[4].text, all.v[n - 5].text) == 0 &&
	    strstr(l.v[0].text, more) != NULL,
	    "a page up (a screen less one line): the row the marker hid "
	    "shows at the bottom");
	ui_vlines_free(&l);
	scroll = 10000;
	if (ui_view_messages_at(&model, 40, 5, &clk, NULL, &scroll, &l,
	    &top) != 0)
		exit(1);
	ok(top && strcmp(l.v[0].text, all.v[0].text) == 0,
	    "at the top: no marker, the first line shows");
	ui_vlines_free(&l);
	scroll = 0;
	if (ui_view_messages(&model, 40, 2, &clk, &scroll, &l) != 0)
		exit(1);
	ok(l.n == 2 && strstr(l.v[0].text, more) == NULL,
	    "a pane of two rows keeps its text");
	ui_vlines_free(&l);
	if (ui_view_messages(&model, 40, n, &clk, &scroll, &l) != 0)
		exit(1);
	ok(strstr(l.v[0].text, more) == NULL, "all of it on screen: none");
	ui_vlines_free(&l);
	ui_vlines_free(&all);
}

/* A search hit being shown: its lines, and only its, are highlighted. */
static void
test_found(void)
{
	struct ui_vlines l = { 0 };
	size_t scroll = 0, i, sel = 0;
	int others = 0, sep = 0;

	model.found = 4;
	if (ui_view_messages(&model, 40, 100, &clk, &scroll, &l) != 0)
		exit(1);
	for (i = 0; i < l.n; i++) {
		if (!l.v[i].selected)
			continue;
		sel++;
		if (strstr(l.v[i].text, "-- ") != NULL)
			sep = 1;
		else if (strstr(l.v[i].text, "Alice") == NULL &&
		    strstr(l.v[i].text, "yesterday's") == NULL &&
		    strstr(l.v[i].text, "reply") == NULL &&
		    strstr(l.v[i].text, "wrap") == NULL)
			others = 1;
	}
	ok(sel >= 3 && !sep && !others, "the found message's header, quote "
	    "and text are highlighted (%zu lines), nothing else", sel);
	ui_vlines_free(&l);
	model.found = 0;
	if (ui_view_messages(&model, 40, 100, &clk, &scroll, &l) != 0)
		exit(1);
	for (i = 0, sel = 0; i < l.n; i++)
		sel += l.v[i].selected;
	ok(sel == 0, "none when nothing is found");
	ui_vlines_free(&l);
}

int
main(void)
{
	tap_need_utf8_locale();
	test_chatlist();
	test_messages();
	test_input();
	test_status();
	test_all_widths();
	test_skip_paging();
	test_live_append();
	test_trim();
	test_found();
	test_more_above();
	test_secret_marks();
	return tap_done();
}
