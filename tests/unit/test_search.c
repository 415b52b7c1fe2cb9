/*
 * The search's model (ui/search.c): the user's query becomes an FTS4
 * expression that always parses (checked against a real SQLCipher
 * store, with hostile and random queries) and finds what the syntax in
 * doc/TUI.md promises; the keys move through the states; the lines show
 * the hits sanitised, within their width, the match visible and marked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "store/store.h"
#include "ui/sanitize.h"
#include "ui/search.h"
#include "tests/unit/tap.h"
#include "tests/unit/vlines.h"

#define NOW	1790000000

static const struct ui_clock clk = { NOW, 0, NULL };

static const char *
match(const char *q)
{
	static char buf[UI_SEARCH_MATCH_MAX];

	if (ui_search_match(q, buf, sizeof(buf)) != 0)
		return "(error)";
	return buf;
}

static void
test_match(void)
{
	char small[8], many[256];
	size_t i;

	ok(strcmp(match("hello"), "\"hello\"") == 0, "a word: %s",
	    match("hello"));
	ok(strcmp(match("  Hello\tWORLD "), "\"hello\" \"world\"") == 0,
	    "words, folded: %s", match("  Hello\tWORLD "));
	ok(strcmp(match("app*"), "\"app*\"") == 0, "a prefix");
	ok(strcmp(match("\"two Words\" x"), "\"two words\" \"x\"") == 0,
	    "a phrase: %s", match("\"two Words\" x"));
	ok(strcmp(match("foo-bar"), "\"foo bar\"") == 0,
	    "a word the tokenizer cuts is a phrase");
	ok(strcmp(match("\"unbalanced OR (x"), "\"unbalanced or x\"") == 0,
	    "an open quote runs to the end: %s", match("\"unbalanced OR (x"));
	ok(strcmp(match("a OR b NOT c"), "\"a\" \"or\" \"b\" \"not\" \"c\"")
	    == 0, "operators are words");
	ok(strcmp(match("NEAR/3 text:x ^y"), "\"near 3\" \"text x\" \"y\"")
	    == 0, "NEAR, columns and anchors are words: %s",
	    match("NEAR/3 text:x ^y"));
	ok(strcmp(match("'; DROP TABLE messages;--"),
	    "\"drop\" \"table\" \"messages\"") == 0, "SQL is words: %s",
	    match("'; DROP TABLE messages;--"));
	ok(strcmp(match("gr\xc3\xbc\xc3\x9f" "e"), "\"gr\xc3\xbc\xc3\x9f"
	    "e\"") == 0, "non-ASCII kept as typed");
	ok(strcmp(match("ab* cd"), "\"ab*\" \"cd\"") == 0 &&
	    strcmp(match("a*b"), "\"a b\"") == 0,
	    "only a last '*' makes a prefix");
	is_int(ui_search_match("", small, sizeof(small)), ERR_INVAL,
	    "empty: no word");
	is_int(ui_search_match(" *** \"\" () - ", small, sizeof(small)),
	    ERR_INVAL, "only operators: no word");
	is_int(ui_search_match("abcdefgh", small, sizeof(small)), ERR_TOO_BIG,
	    "too small a buffer");
	many[0] = '\0';
	for (i = 0; i < UI_SEARCH_TERMS_MAX + 1; i++)
		strcat(many, "w ");
	is_int(ui_search_match(many, small, sizeof(small)), ERR_TOO_BIG,
	    "too many words");
}

struct hits {
	size_t n;
	uint64_t id[16];
};

static int
collect(void *ud, const struct store_message *m)
{
	struct hits *h = ud;

	if (h->n < 16)
		h->id[h->n++] = m->id;
	return 0;
}

static int
search(struct store *s, const char *q, struct hits *h)
{
	char expr[UI_SEARCH_MATCH_MAX];
	int r;

	memset(h, 0, sizeof(*h));
	if ((r = ui_search_match(q, expr, sizeof(expr))) != 0)
		return r;
	return store_search(s, 7, expr, 16, collect, h);
}

/* Every query the user can type makes an expression the store takes. */
static void
test_store(void)
{
	static const char *const texts[] = {
		"an apple pie recipe", "Banana bread, twice", "cherry-tart",
		"gr\xc3\xbc\xc3\x9f" "e aus Berlin", "or and not near",
		"the apple and the banana",
	};
	static const char alphabet[] = "ab\"*()-^:/ ORNEAR\xc3\xbc'%_\\";
	char dir[] = "/tmp/sotto-search-XXXXXX", path[64], q[24];
	uint8_t key[STORE_KEY_LEN];
	struct store *s = NULL;
	struct store_chat c;
	struct store_message m;
	struct hits h;
	size_t i, k, bad = 0, ran = 0;
	int r;

	if (sec_init() != 0 || mkdtemp(dir) == NULL) {
		ok(0, "a temporary store");
		return;
	}
	snprintf(path, sizeof(path), "%s/t.db", dir);
	sec_random(key, sizeof(key));
	if (!ok(store_open(&s, path, key, 1) == 0, "a store"))
		return;
	memset(&c, 0, sizeof(c));
	c.id = 7;
	c.kind = STORE_CHAT_PRIVATE;
	c.peer_id = 2;
	c.title = "";
	(void)store_put_chat(s, &c);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.chat_id = 7;
		m.id = i + 1;
		m.sender_id = 2;
		m.text = (char *)texts[i];
		m.date = NOW - 100 + i;
		(void)store_put_message(s, &m, 0, NULL);
	}
	ok(search(s, "banana", &h) == 0 && h.n == 2 && h.id[0] == 6 &&
	    h.id[1] == 2, "a word: both, newest first");
	ok(search(s, "BANANA Apple", &h) == 0 && h.n == 1 && h.id[0] == 6,
	    "all words, any case");
	ok(search(s, "appl*", &h) == 0 && h.n == 2, "a prefix");
	ok(search(s, "\"apple pie\"", &h) == 0 && h.n == 1 && h.id[0] == 1,
	    "a phrase");
	ok(search(s, "\"pie apple\"", &h) == 0 && h.n == 0,
	    "a phrase in order only");
	ok(search(s, "cherry-tart", &h) == 0 && h.n == 1 && h.id[0] == 3,
	    "a hyphenated word");
	ok(search(s, "gr\xc3\xbc\xc3\x9f" "e", &h) == 0 && h.n == 1 &&
	    h.id[0] == 4, "non-ASCII");
	ok(search(s, "OR", &h) == 0 && h.n == 1 && h.id[0] == 5 &&
	    search(s, "NEAR not", &h) == 0 && h.n == 1,
	    "operators found as words");
	ok(search(s, "\"unbalanced", &h) == 0 && h.n == 0,
	    "an open quote: no error, no hit");
	srand(1);
	for (i = 0; i < 3000; i++) {
		for (k = 0; k < sizeof(q) - 1; k++)
			q[k] = alphabet[(size_t)rand() %
			    (sizeof(alphabet) - 1)];
		q[(size_t)rand() % sizeof(q)] = '\0';
		q[sizeof(q) - 1] = '\0';
		r = search(s, q, &h);
		if (r == ERR_INVAL)
			continue;	/* no word in it: never sent */
		ran++;
		if (r != 0) {
			if (bad++ < 3)
				printf("# query [%s] -> %d\n", q, r);
		}
	}
	ok(bad == 0 && ran > 1000, "3000 random queries: %zu ran, %zu "
	    "refused by the store", ran, bad);
	store_close(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

static enum ui_search_action
key(struct ui_search *s, int code, uint32_t ch)
{
	struct ui_key k = { (enum ui_keycode)code, ch, 0 };

	return ui_search_key(s, &k);
}

static void
type(struct ui_search *s, const char *text)
{
	for (; *text != '\0'; text++)
		(void)key(s, UI_KEY_CHAR, (unsigned char)*text);
}

static void
test_keys(void)
{
	struct ui_search *s;
	const char *q;

	if (!ok(ui_search_new(&s) == 0, "new"))
		return;
	is_int(ui_search_state(s), UI_SEARCH_OFF, "off at first");
	ui_search_begin(s, 42);
	ok(ui_search_state(s) == UI_SEARCH_PROMPT && ui_search_chat(s) == 42,
	    "Ctrl-F: typing the query");
	type(s, "banana");
	q = ui_editor_text(ui_search_editor(s), NULL);
	ok(strcmp(q, "banana") == 0, "typed into the query");
	is_int(key(s, UI_KEY_UP, 0), UI_SA_NONE, "Up means nothing there");
	is_int(key(s, UI_KEY_ENTER, 0), UI_SA_RUN, "Enter runs it");
	ui_search_clear(s);
	ok(ui_search_add(s, 30, "Bob", NOW, "banana") == 0 &&
	    ui_search_add(s, 20, "Bob", NOW, "banana") == 0 &&
	    ui_search_add(s, 10, "me", NOW, "banana") == 0, "three hits");
	ui_search_done(s, 0);
	ok(ui_search_state(s) == UI_SEARCH_RESULTS && ui_search_count(s) == 3 &&
	    ui_search_picked(s) == 30, "the hits, the newest picked");
	is_int(key(s, UI_KEY_DOWN, 0), UI_SA_CHANGED, "Down");
	is_int(key(s, UI_KEY_CHAR, 'n'), UI_SA_CHANGED, "n");
	ok(ui_search_picked(s) == 10, "two down: the oldest");
	(void)key(s, UI_KEY_CHAR, 'n');
	ok(ui_search_picked(s) == 10, "no further than the last");
	(void)key(s, UI_KEY_CHAR, 'N');
	ok(ui_search_picked(s) == 20, "N: back up");
	is_int(key(s, UI_KEY_ENTER, 0), UI_SA_JUMP, "Enter shows the hit");
	ui_search_shown(s);
	is_int(key(s, UI_KEY_CHAR, 'n'), UI_SA_JUMP, "n shows the next");
	ok(ui_search_picked(s) == 10, "the next is the older one");
	is_int(key(s, UI_KEY_CHAR, 'n'), UI_SA_NONE, "none after the last");
	is_int(key(s, UI_KEY_CHAR, 'x'), UI_SA_NONE,
	    "typing does nothing while a hit shows");
	is_int(key(s, UI_KEY_ENTER, 0), UI_SA_STAY, "Enter stays there");
	ui_search_edit(s);
	ok(ui_search_state(s) == UI_SEARCH_PROMPT, "Ctrl-F edits the query");
	(void)key(s, UI_KEY_ENTER, 0);
	ui_search_clear(s);
	ui_search_done(s, 0);
	is_int(key(s, UI_KEY_ENTER, 0), UI_SA_NONE, "no hits: Enter does "
	    "nothing");
	is_int(key(s, UI_KEY_BACKSPACE, 0), UI_SA_CHANGED,
	    "Backspace edits again");
	ok(ui_search_state(s) == UI_SEARCH_PROMPT && strcmp(ui_editor_text(
	    ui_search_editor(s), NULL), "banan") == 0, "the query, one less");
	ui_search_end(s);
	ok(ui_search_state(s) == UI_SEARCH_OFF && ui_search_count(s) == 0,
	    "ended");
	ui_search_free(s);
}

/* Within width, widths add up, spans cover the text, nothing unsafe. */
static int
lines_ok(const struct ui_vlines *l, size_t width)
{
	size_t i;

	if (!vlines_fit_clean(l, width, SIZE_MAX))
		return 0;
	for (i = 0; i < l->n; i++)
		if (!vline_spans_cover(&l->v[i]))
			return 0;
	return 1;
}

/* The text of the spans of style st in line v, joined by '|'. */
static void
styled(const struct ui_vline *v, enum ui_style st, char *out, size_t size)
{
	int sp;

	out[0] = '\0';
	for (sp = 0; sp < v->nspan; sp++)
		if (v->span[sp].style == st) {
			if (out[0] != '\0')
				strncat(out, "|", size - strlen(out) - 1);
			strncat(out, v->text + v->span[sp].off,
			    v->span[sp].len < size - strlen(out) - 1 ?
			    v->span[sp].len : size - strlen(out) - 1);
		}
}

static void
test_lines(void)
{
	static const char hostile[] = "Eve\033]0;PWNED\007\033[2J\xe2\x80\xae"
	    "gnp.exe\xe2\x80\xac\n\xff";
	char longtext[600], buf[256];
	struct ui_search *s;
	struct ui_vlines l = { 0 };
	size_t cx, w;
	int all = 1;

	if (!ok(ui_search_new(&s) == 0, "new"))
		return;
	ui_search_begin(s, 1);
	type(s, "Banana br*");
	ok(ui_search_view_input(s, 40, &l, &cx) == 0 && l.n == 1 &&
	    strcmp(l.v[0].text, "search: Banana br*") == 0 && cx == 18,
	    "the input line says search, the cursor after the query");
	ui_vlines_free(&l);
	memset(longtext, 'x', sizeof(longtext));
	memcpy(longtext, "start ", 6);
	memcpy(longtext + 500, " BANANA bread end", 17);
	longtext[517] = '\0';
	(void)key(s, UI_KEY_ENTER, 0);
	ui_search_clear(s);
	ui_search_add(s, 9, hostile, NOW - 86400, "I like banana BREAD a lot");
	ui_search_add(s, 8, "Bob", NOW - 2 * 86400, longtext);
	ui_search_add(s, 7, "Bob", NOW - 3 * 86400, hostile);
	ui_search_done(s, 0);
	if (ui_search_view_hits(s, 40, 20, &clk, &l) != 0)
		exit(1);
	if (!ok(l.n == 6, "two lines per hit"))
		exit(1);
	ok(lines_ok(&l, 40), "lines within width, clean");
	ok(strstr(l.v[0].text, "PWNED") == NULL &&
	    strstr(l.v[0].text, "Eve") != NULL, "the sender sanitised");
	ok(l.v[0].selected && l.v[1].selected && !l.v[2].selected,
	    "the picked hit selected");
	ok(strstr(l.v[0].text, "2026") != NULL, "a date: %s", l.v[0].text);
	styled(&l.v[1], UI_ST_UNREAD, buf, sizeof(buf));
	ok(strcmp(buf, "banana|BREAD") == 0, "the matches marked: %s", buf);
	ok(strstr(l.v[3].text, "BANANA") != NULL &&
	    strncmp(l.v[3].text, "  \xe2\x80\xa6", 5) == 0,
	    "a long text is cut around its match: %s", l.v[3].text);
	styled(&l.v[3], UI_ST_UNREAD, buf, sizeof(buf));
	ok(strcmp(buf, "BANANA|bread") == 0, "marked there too: %s", buf);
	ui_vlines_free(&l);
	for (w = 1; w <= 60 && all; w++) {
		if (ui_search_view_hits(s, w, 7, &clk, &l) != 0 ||
		    !lines_ok(&l, w) || l.n > 7)
			all = 0;
		ui_vlines_free(&l);
		if (ui_search_view_input(s, w, &l, &cx) != 0 ||
		    !lines_ok(&l, w) || cx >= w)
			all = 0;
		ui_vlines_free(&l);
		if (ui_search_view_title(s, w, &l) != 0 || !lines_ok(&l, w))
			all = 0;
		ui_vlines_free(&l);
	}
	ok(all, "widths 1..60: every line fits, none unclean");
	(void)key(s, UI_KEY_DOWN, 0);
	(void)key(s, UI_KEY_DOWN, 0);
	ok(ui_search_view_hits(s, 40, 4, &clk, &l) == 0 && l.n == 4 &&
	    l.v[2].selected && l.v[3].selected,
	    "a short pane scrolls the picked hit into view");
	ui_vlines_free(&l);
	ok(ui_search_view_title(s, 40, &l) == 0 &&
	    strcmp(l.v[0].text, "Search: 3 messages match") == 0, "the title");
	ui_vlines_free(&l);
	if (ui_search_view_input(s, 80, &l, &cx) != 0 || l.n != 1)
		exit(1);
	ok(strstr(l.v[0].text, "3/3") != NULL, "which hit: %s", l.v[0].text);
	ui_vlines_free(&l);

	ui_search_clear(s);
	ui_search_running(s);
	ok(ui_search_state(s) == UI_SEARCH_RESULTS &&
	    ui_search_view_hits(s, 60, 5, &clk, &l) == 0 && l.n == 1 &&
	    strcmp(l.v[0].text, "searching...") == 0,
	    "while it runs: searching...");
	ui_vlines_free(&l);
	ok(ui_search_view_input(s, 80, &l, &cx) == 0 &&
	    strstr(l.v[0].text, "| searching...") != NULL,
	    "the input line too");
	ui_vlines_free(&l);
	ui_search_done(s, 0);
	ok(ui_search_view_hits(s, 60, 5, &clk, &l) == 0 && l.n == 1 &&
	    strcmp(l.v[0].text, "no messages match \"Banana br*\"") == 0,
	    "none: says so");
	ui_vlines_free(&l);
	ui_search_done(s, ERR_INVAL);
	ok(ui_search_view_hits(s, 60, 5, &clk, &l) == 0 && l.n == 1 &&
	    strstr(l.v[0].text, "type a word") != NULL, "no word: says so");
	ui_vlines_free(&l);
	ui_search_free(s);
}

int
main(void)
{
	tap_need_utf8_locale();
	test_match();
	test_store();
	test_keys();
	test_lines();
	return tap_done();
}
