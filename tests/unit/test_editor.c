/*
 * The line editor model: cursor moves over clusters (wide, combining),
 * editing keys, word moves, history (per chat), Alt-Enter, bracketed
 * paste, drafts per chat and the cursor's display column.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "tests/unit/tap.h"
#include "ui/editor.h"

#define CTRL(c)	((c) & 0x1f)

static enum ui_ed_result
key(struct ui_editor *e, enum ui_keycode code)
{
	struct ui_key k = { code, 0, 0 };

	return ui_editor_key(e, &k);
}

static enum ui_ed_result
ch(struct ui_editor *e, uint32_t c, int alt)
{
	struct ui_key k = { UI_KEY_CHAR, c, alt };

	return ui_editor_key(e, &k);
}

/* Types a UTF-8 string one code point at a time. */
static void
type(struct ui_editor *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;

	while (*p) {
		if (*p < 0x80)
			c = *p++;
		else if (*p < 0xe0) {
			c = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if (*p < 0xf0) {
			c = (uint32_t)(p[0] & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		} else {
			c = (uint32_t)(p[0] & 0x07) << 18 |
			    (uint32_t)(p[1] & 0x3f) << 12 |
			    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
			p += 4;
		}
		ch(e, c, 0);
	}
}

static int
text_is(struct ui_editor *e, const char *want)
{
	const char *got = ui_editor_text(e, NULL);

	if (strcmp(got, want) != 0) {
		printf("#   text \"%s\", want \"%s\"\n", got, want);
		return 0;
	}
	return 1;
}

static size_t
col(struct ui_editor *e)
{
	size_t line, c;

	ui_editor_cursor_pos(e, &line, &c);
	return c;
}

static void
test_clusters(struct ui_editor *e)
{
	/* a, e + acute, CJK, emoji, b */
	type(e, "ae\xcc\x81\xe4\xb8\xad\xf0\x9f\x98\x80" "b");
	ok(text_is(e, "ae\xcc\x81\xe4\xb8\xad\xf0\x9f\x98\x80" "b"),
	    "typed text with a mark, CJK and emoji");
	is_int(col(e), 1 + 1 + 2 + 2 + 1, "cursor column at the end");
	key(e, UI_KEY_LEFT);
	is_int(col(e), 6, "left over b");
	key(e, UI_KEY_LEFT);
	is_int(col(e), 4, "left over the emoji: two cells");
	key(e, UI_KEY_LEFT);
	is_int(col(e), 2, "left over the ideograph: two cells");
	key(e, UI_KEY_LEFT);
	is_int(col(e), 1, "left over e + acute as one");
	is_int(ui_editor_cursor(e), 1, "cursor before the e, not in its mark");
	key(e, UI_KEY_RIGHT);
	is_int(ui_editor_cursor(e), 4, "right skips the e and its mark");
	key(e, UI_KEY_BACKSPACE);
	ok(text_is(e, "a\xe4\xb8\xad\xf0\x9f\x98\x80" "b"),
	    "backspace removes e and its mark together");
	key(e, UI_KEY_DELETE);
	ok(text_is(e, "a\xf0\x9f\x98\x80" "b"), "delete removes the ideograph");
	key(e, UI_KEY_HOME);
	is_int(col(e), 0, "Home");
	key(e, UI_KEY_LEFT);
	is_int(col(e), 0, "left at the start stays");
	ch(e, CTRL('E'), 0);
	is_int(col(e), 4, "Ctrl-E");
	key(e, UI_KEY_RIGHT);
	is_int(col(e), 4, "right at the end stays");
	ch(e, CTRL('A'), 0);
	is_int(ui_editor_cursor(e), 0, "Ctrl-A");

	/* A mark typed after a character joins it; at the start it does not. */
	ui_editor_clear(e);
	ch(e, 0x301, 0);
	ok(text_is(e, ""), "a mark with nothing before it is dropped");
	type(e, "o\xcc\x88");
	ok(text_is(e, "o\xcc\x88"), "a typed mark joins the character");
	is_int(col(e), 1, "o with diaeresis is one cell");
	type(e, "\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81");
	ok(text_is(e, "o\xcc\x88\xcc\x81\xcc\x81\xcc\x81"),
	    "at most four marks per character");
	key(e, UI_KEY_BACKSPACE);
	ok(text_is(e, ""), "backspace takes the whole cluster");
	ui_editor_clear(e);
}

static void
test_kill_and_words(struct ui_editor *e)
{
	type(e, "hello brave new world");
	ch(e, 'b', 1);
	is_int(ui_editor_cursor(e), 16, "Alt-B to the start of world");
	ch(e, 'b', 1);
	is_int(ui_editor_cursor(e), 12, "Alt-B to the start of new");
	ch(e, 'f', 1);
	is_int(ui_editor_cursor(e), 15, "Alt-F to the end of new");
	ch(e, CTRL('K'), 0);
	ok(text_is(e, "hello brave new"), "Ctrl-K kills to the end");
	ch(e, CTRL('W'), 0);
	ok(text_is(e, "hello brave "), "Ctrl-W kills the word before");
	ch(e, CTRL('W'), 0);
	ok(text_is(e, "hello "), "Ctrl-W over white space and a word");
	type(e, "x y");
	ch(e, 0x7f, 1);
	ok(text_is(e, "hello x "), "Alt-Backspace kills the word before");
	ch(e, 0x7f, 0);
	ch(e, 0x7f, 0);
	ok(text_is(e, "hello "), "DEL is backspace");
	type(e, "x");
	key(e, UI_KEY_LEFT);
	ch(e, CTRL('U'), 0);
	ok(text_is(e, "x"), "Ctrl-U kills to the start");
	is_int(ui_editor_cursor(e), 0, "cursor at the start after Ctrl-U");
	ui_editor_clear(e);
	type(e, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xe4\xb8\x96");
	ch(e, 'b', 1);
	is_int(col(e), 8, "Alt-B over a CJK word");
	ch(e, 'b', 1);
	is_int(col(e), 0, "Alt-B over a Cyrillic word");
	ch(e, 'f', 1);
	is_int(col(e), 6, "Alt-F to the end of the Cyrillic word");
	is_int(ch(e, 'z', 1), UI_ED_IGNORED, "unknown Alt key left to the caller");
	is_int(ch(e, '\t', 0), UI_ED_IGNORED, "Tab left to the caller");
	is_int(ch(e, CTRL('L'), 0), UI_ED_IGNORED, "Ctrl-L left to the caller");
	ui_editor_clear(e);
}

static void
test_lines_and_submit(struct ui_editor *e)
{
	char *out;
	size_t line, c;

	type(e, "first");
	is_int(key(e, UI_KEY_ENTER) , UI_ED_SUBMIT, "Enter submits");
	ok(text_is(e, "first"), "Enter alone changes nothing");
	is_int(ch(e, '\r', 1), UI_ED_CHANGED, "Alt-Enter is an edit");
	type(e, "se\xe4\xb8\xad");
	ok(text_is(e, "first\nse\xe4\xb8\xad"), "Alt-Enter inserts a line break");
	ui_editor_cursor_pos(e, &line, &c);
	ok(line == 1 && c == 4, "cursor on the second line, column 4");
	key(e, UI_KEY_UP);
	ui_editor_cursor_pos(e, &line, &c);
	ok(line == 0 && c == 4, "Up moves to the line above, same column");
	ch(e, CTRL('E'), 0);
	is_int(col(e), 5, "Ctrl-E stops at the end of the line");
	key(e, UI_KEY_DOWN);
	ui_editor_cursor_pos(e, &line, &c);
	ok(line == 1 && c == 4, "Down keeps the column, never inside a wide char");
	is_int(ui_editor_submit(e, &out), 0, "submit");
	ok(out != NULL && strcmp(out, "first\nse\xe4\xb8\xad") == 0,
	    "submitted text");
	free(out);
	ok(text_is(e, ""), "editor empty after submit");
	type(e, "  ");
	is_int(ui_editor_submit(e, &out), ERR_NOT_FOUND,
	    "white space alone is not sent");
	ok(out == NULL && text_is(e, "  "), "and stays");
	ui_editor_clear(e);
	type(e, "second");
	ui_editor_submit(e, &out);
	free(out);

	/* History. */
	type(e, "draft");
	key(e, UI_KEY_UP);
	ok(text_is(e, "second"), "Up shows the last sent");
	key(e, UI_KEY_UP);
	ok(text_is(e, "first\nse\xe4\xb8\xad"), "Up again the one before");
	key(e, UI_KEY_UP);
	ui_editor_cursor_pos(e, &line, &c);
	ok(text_is(e, "first\nse\xe4\xb8\xad") && line == 0,
	    "Up in a multi-line entry moves a line first");
	key(e, UI_KEY_UP);
	ok(text_is(e, "first\nse\xe4\xb8\xad"), "oldest entry stays");
	key(e, UI_KEY_DOWN);
	key(e, UI_KEY_DOWN);
	ok(text_is(e, "second"), "Down goes forward");
	key(e, UI_KEY_DOWN);
	ok(text_is(e, "draft"), "Down past the newest restores the draft");
	ui_editor_clear(e);
}

static void
test_paste(struct ui_editor *e)
{
	static const char hostile[] =
	    "line one\n\x1b]0;pwned\x07" "line\ttwo\x1b[2J\r\n\xe2\x80\xae"
	    "end\x03\x04";
	char big[UI_EDITOR_MAX + 1];

	type(e, "<>");
	key(e, UI_KEY_LEFT);
	is_int(ui_editor_paste(e, hostile, sizeof(hostile) - 1), 0, "paste");
	ok(text_is(e, "<line one\nline    two\nend>"),
	    "pasted literally: breaks kept, sequences and controls gone");
	ok(ui_editor_cursor(e) == strlen("<line one\nline    two\nend"),
	    "cursor after the pasted text");
	memset(big, 'x', sizeof(big));
	is_int(ui_editor_paste(e, big, sizeof(big)), ERR_TOO_BIG,
	    "an oversize paste is refused");
	ok(text_is(e, "<line one\nline    two\nend>"), "and changes nothing");
	is_int(ui_editor_paste(e, big, UI_EDITOR_MAX - 10), ERR_TOO_BIG,
	    "a paste that would overflow the buffer is refused");
	ui_editor_clear(e);
	is_int(ui_editor_paste(e, big, UI_EDITOR_MAX), 0, "a full paste fits");
	type(e, "y");
	is_int(strlen(ui_editor_text(e, NULL)), UI_EDITOR_MAX,
	    "typing into a full buffer does nothing");
	ui_editor_clear(e);
}

/*
 * A bracketed paste whose end marker never comes ends once no input came
 * for UI_PASTE_IDLE_MS: what came so far goes into the input line, and
 * Enter is a key again (it submits). Input keeps it going; one with its
 * marker ends at once; one too long is refused whole.
 */
static void
test_paste_bound(struct ui_editor *e)
{
	struct ui_paste *p;
	const char *s;
	uint64_t now = 1000000;
	size_t i;

	if (ui_paste_new(&p) != 0)
		exit(1);
	ok(!ui_paste_on(p) && ui_paste_idle_left(p, now) == 0,
	    "no paste at first");
	ui_paste_begin(p, now);
	for (s = "one\ntwo"; *s != '\0'; s++)
		ui_paste_add(p, (uint32_t)*s, now += 10);
	ok(ui_paste_on(p) && ui_paste_idle_left(p, now) == UI_PASTE_IDLE_MS,
	    "pasting: the idle time starts again with each input");
	ui_paste_add(p, '\r', now += UI_PASTE_IDLE_MS - 1);
	ok(ui_paste_idle_left(p, now) == UI_PASTE_IDLE_MS,
	    "input just before the bound keeps the paste going");
	now += UI_PASTE_IDLE_MS;
	ok(ui_paste_idle_left(p, now) == 0,
	    "%d ms without input: the paste is over", UI_PASTE_IDLE_MS);
	is_int(ui_paste_end(p, e), 0, "ended without its marker");
	ok(!ui_paste_on(p), "paste mode is off");
	ok(text_is(e, "one\ntwo\n"), "what came so far is in the input line");
	is_int(key(e, UI_KEY_ENTER), UI_ED_SUBMIT, "Enter submits again");
	ui_editor_clear(e);

	/* The marker came: ended at once, as before. */
	ui_paste_begin(p, now);
	ui_paste_add(p, 'x', now);
	is_int(ui_paste_end(p, e), 0, "ended by its marker");
	ok(text_is(e, "x"), "its text inserted");
	ui_editor_clear(e);

	/* Too long: refused whole, and the next paste starts clean. */
	ui_paste_begin(p, now);
	for (i = 0; i <= UI_EDITOR_MAX; i++)
		ui_paste_add(p, 'y', now);
	ok(ui_paste_on(p), "a long paste stays a paste (its rest is no key)");
	is_int(ui_paste_end(p, e), ERR_TOO_BIG, "too long: refused");
	ok(text_is(e, ""), "nothing inserted");
	ui_paste_begin(p, now);
	ui_paste_add(p, 'z', now);
	is_int(ui_paste_end(p, NULL), ERR_INVAL, "no editor to take it");
	ui_paste_begin(p, now);
	ui_paste_add(p, 0xd800, now);
	is_int(ui_paste_end(p, e), 0, "a surrogate");
	ok(text_is(e, "\xef\xbf\xbd"), "becomes U+FFFD");
	ui_editor_clear(e);
	ui_paste_free(p);
}

static void
test_drafts(struct ui_editor *e)
{
	is_int(ui_editor_switch(e, 1), 0, "switch to chat 1");
	type(e, "for one");
	key(e, UI_KEY_LEFT);
	ui_editor_switch(e, 2);
	ok(text_is(e, ""), "chat 2 starts empty");
	type(e, "for two");
	ui_editor_switch(e, 1);
	ok(text_is(e, "for one"), "chat 1's draft is back");
	is_int(ui_editor_cursor(e), 6, "with its cursor");
	is_int(ui_editor_chat(e), 1, "current chat");
	ui_editor_clear(e);
	ui_editor_switch(e, 2);
	ok(text_is(e, "for two"), "chat 2's draft is back");
	ui_editor_switch(e, 1);
	ok(text_is(e, ""), "an emptied draft stays empty");
}

/* Up recalls what was sent in the open chat, not in another one. */
static void
test_history_per_chat(struct ui_editor *e)
{
	char *out, buf[32];
	int i, all = 1;

	ui_editor_switch(e, 11);
	type(e, "to eleven 1");
	ui_editor_submit(e, &out);
	free(out);
	type(e, "to eleven 2");
	ui_editor_submit(e, &out);
	free(out);
	ui_editor_switch(e, 12);
	type(e, "to twelve");
	ui_editor_submit(e, &out);
	free(out);
	ui_editor_switch(e, 11);
	type(e, "again to eleven");
	ui_editor_submit(e, &out);
	free(out);
	ui_editor_switch(e, 12);
	type(e, "draft");
	key(e, UI_KEY_UP);
	ok(text_is(e, "to twelve"), "Up in chat 12: what was sent there");
	key(e, UI_KEY_UP);
	ok(text_is(e, "to twelve"), "and nothing from chat 11 before it");
	key(e, UI_KEY_DOWN);
	ok(text_is(e, "draft"), "Down: the draft again");
	ui_editor_clear(e);
	ui_editor_switch(e, 11);
	key(e, UI_KEY_UP);
	ok(text_is(e, "again to eleven"), "Up in chat 11: its newest");
	key(e, UI_KEY_UP);
	ok(text_is(e, "to eleven 2"), "then the one before, skipping 12's");
	key(e, UI_KEY_UP);
	ok(text_is(e, "to eleven 1"), "then its oldest");
	key(e, UI_KEY_DOWN);
	key(e, UI_KEY_DOWN);
	ok(text_is(e, "again to eleven"), "Down skips chat 12's too");
	key(e, UI_KEY_DOWN);
	ok(text_is(e, ""), "and ends at the (empty) text");
	ui_editor_switch(e, 13);
	key(e, UI_KEY_UP);
	ok(text_is(e, ""), "a chat with nothing sent recalls nothing");

	/* A chat keeps its newest UI_EDITOR_HISTORY; others keep theirs. */
	for (i = 0; i < UI_EDITOR_HISTORY + 20; i++) {
		snprintf(buf, sizeof(buf), "n%d", i);
		type(e, buf);
		if (ui_editor_submit(e, &out) != 0)
			all = 0;
		free(out);
	}
	ok(all, "%d sent to chat 13", UI_EDITOR_HISTORY + 20);
	for (i = 0; i < UI_EDITOR_HISTORY + 5; i++)
		key(e, UI_KEY_UP);
	snprintf(buf, sizeof(buf), "n%d", 20);
	ok(text_is(e, buf), "chat 13 recalls its newest %d",
	    UI_EDITOR_HISTORY);
	ui_editor_clear(e);
	ui_editor_switch(e, 12);
	key(e, UI_KEY_UP);
	ok(text_is(e, "to twelve"), "chat 12's entry is still there");
	ui_editor_clear(e);
}

int
main(void)
{
	struct ui_editor *e;

	tap_need_utf8_locale();
	if (ui_editor_new(&e) != 0)
		return 1;
	test_clusters(e);
	test_kill_and_words(e);
	test_lines_and_submit(e);
	test_paste(e);
	test_paste_bound(e);
	test_drafts(e);
	test_history_per_chat(e);
	ui_editor_free(e);
	return tap_done();
}
