/*
 * The display sanitiser against a hostile corpus: escape sequences of
 * every kind (7- and 8-bit, truncated), bidi controls, broken UTF-8,
 * floods of zero-width marks; then widths of CJK, emoji and combining
 * text as wcwidth(3) in a UTF-8 locale gives them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "tests/unit/tap.h"
#include "ui/sanitize.h"

/*
 * Checks the invariants every sanitised string must hold; returns 1 when
 * all hold, else prints why.
 */
static int
safe(const struct ui_text *t, int multiline)
{
	size_t i = 0, k;
	uint32_t c;
	int marks = 0, base = 0, w;

	if (t->s == NULL || strlen(t->s) != t->len)
		return 0;
	while (i < t->len) {
		k = utf8_decode(t->s + i, t->len - i, &c);
		if (c == UTF8_INVALID) {
			printf("# invalid UTF-8 at %zu\n", i);
			return 0;
		}
		if (c == '\n' && multiline) {
			base = marks = 0;
			i += k;
			continue;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
			printf("# control U+%04X at %zu\n", (unsigned)c, i);
			return 0;
		}
		if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 &&
		    c <= 0x2069) || c == 0x200e || c == 0x200f ||
		    c == 0x061c || c == 0x200d) {
			printf("# bidi or joiner U+%04X at %zu\n", (unsigned)c,
			    i);
			return 0;
		}
		switch (ui_cp_class(c, &w)) {
		case UI_CP_BASE:
			base = 1;
			marks = 0;
			break;
		case UI_CP_MARK:
			if (!base || ++marks > UI_SAN_MAX_MARKS) {
				printf("# mark U+%04X out of place at %zu\n",
				    (unsigned)c, i);
				return 0;
			}
			break;
		default:
			printf("# U+%04X should not survive\n", (unsigned)c);
			return 0;
		}
		i += k;
	}
	return 1;
}

/* Sanitises s (length n) and compares with want. */
static void
check(const char *s, size_t n, unsigned flags, const char *want,
    const char *what)
{
	struct ui_san_opts o = { flags, 1, 0 };
	struct ui_text t;
	int r;

	r = ui_sanitize(s, n, &o, &t);
	if (!ok(r == 0 && safe(&t, flags & UI_SAN_MULTILINE) &&
	    strcmp(t.s, want) == 0, "%s", what))
		printf("#   got \"%s\", want \"%s\"\n", r == 0 ? t.s : "(err)",
		    want);
	ui_text_free(&t);
}

#define CHECK(lit, flags, want, what) \
	check((lit), sizeof(lit) - 1, (flags), (want), (what))

static size_t
width_of(const char *s)
{
	struct ui_text t;
	size_t w;

	if (ui_sanitize(s, strlen(s), NULL, &t) != 0)
		return (size_t)-1;
	w = ui_width(t.s, t.len);
	if (w != t.cells)
		w = (size_t)-2;
	ui_text_free(&t);
	return w;
}

static void
test_sequences(void)
{
	CHECK("a\x1b]0;owned\x07" "b", 0, "ab", "OSC 0 title with BEL removed");
	CHECK("a\x1b]2;owned\x1b\\b", 0, "ab", "OSC 2 title with ST removed");
	CHECK("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b", 0, "alinkb",
	    "OSC 8 hyperlink removed, its text kept");
	CHECK("\x1b[2J\x1b[H\x1b[3Jhi", 0, "hi", "clear screen removed");
	CHECK("x\x1b[10;20Hy\x1b[5A\x1b[?25l\x1b[?1049h", 0, "xy",
	    "cursor moves and private modes removed");
	CHECK("\x1b[38;2;255;0;0mred\x1b[0m", 0, "red", "SGR removed");
	CHECK("\x1b" "c" "reset", 0, "reset", "RIS removed");
	CHECK("\x1b(0qq\x1b(B", 0, "qq", "charset designation removed");
	CHECK("\x1b" "7\x1b" "8ok", 0, "ok", "save/restore cursor removed");
	CHECK("a\x9b" "2Jb", 0, "ab", "raw 8-bit CSI removed");
	CHECK("\x9b" "1;1H\x9b" "2Jb", 0, "b", "raw 8-bit CSI at the start");
	CHECK("a\xff\x9b" "2J", 0, "a\xef\xbf\xbd\xef\xbf\xbd" "2J",
	    "a raw 0x9b after a broken byte is a broken byte");
	CHECK("a\xc2\x9b" "31mb", 0, "ab", "U+009B CSI removed");
	CHECK("a\xc2\x9d" "0;t\xc2\x9c" "b", 0, "ab",
	    "U+009D OSC to U+009C ST removed");
	CHECK("a\x9d" "0;t\x07" "b", 0, "ab", "raw 8-bit OSC removed");
	CHECK("a\x1bPq#0;2;0;0;0\x1b\\b", 0, "ab", "DCS (sixel) removed");
	CHECK("a\x1bP+q544e\x1b\\b", 0, "ab", "DCS request removed");
	CHECK("a\x1b_Gi=1;AAAA\x1b\\b", 0, "ab", "APC (kitty graphics) removed");
	CHECK("a\x1b^pm\x1b\\b\x1bXsos\x1b\\c", 0, "abc", "PM and SOS removed");
	CHECK("a\xc2\x90q\xc2\x9c" "b\xc2\x9f" "x\xc2\x9c" "c", 0, "abc",
	    "8-bit DCS and APC removed");
	CHECK("a\x1b]0;\xe2\x9c\x9c\x07" "b", 0, "ab",
	    "a 0x9c inside UTF-8 does not end an OSC early");
	CHECK("a\x1b]0;t\x18" "b", 0, "ab", "CAN ends a string");
	CHECK("a\x1b]0;t\x1b[31mb", 0, "ab",
	    "an ESC ends a string and starts the next sequence");
	CHECK("ab\x1b", 0, "ab", "lone ESC at end");
	CHECK("ab\x1b[", 0, "ab", "truncated CSI at end");
	CHECK("ab\x1b[12;3", 0, "ab", "truncated CSI parameters at end");
	CHECK("ab\x1b]0;never ends", 0, "ab", "unterminated OSC eats the rest");
	CHECK("ab\x1bP", 0, "ab", "truncated DCS at end");
	CHECK("ab\x9b", 0, "ab", "truncated 8-bit CSI at end");
	CHECK("ab\xc2", 0, "ab\xef\xbf\xbd", "truncated UTF-8 at end");
	CHECK("\x1b\x1b[1mX", 0, "X", "double ESC");
	CHECK("a\x07\x08\x7f\x0b\x0c\x00z", 0, "az",
	    "BEL, BS, DEL, VT, FF and NUL removed");
	CHECK("a\xc2\x85\xc2\x80z", 0, "az", "NEL and other C1 removed");
}

static void
test_lines(void)
{
	struct ui_san_opts o = { 0, 4, 0 };
	struct ui_text t;

	CHECK("one\ntwo\r\nthree\rfour", UI_SAN_MULTILINE,
	    "one\ntwo\nthree\nfour", "line breaks kept in multi-line text");
	CHECK("one\ntwo", 0, "one\xe2\x8f\x8etwo",
	    "a line break is visible in one-line text");
	CHECK("a\xe2\x80\xa8" "b", UI_SAN_MULTILINE, "a\nb",
	    "LINE SEPARATOR is a break");
	CHECK("a\tb", 0, "a b", "tab as one space");
	ok(ui_sanitize("a\tb\nxy\nlong line", 17, &o, &t) == 0 &&
	    strcmp(t.s, "a    b\xe2\x8f\x8exy\xe2\x8f\x8elong line") == 0,
	    "tab as four spaces");
	ui_text_free(&t);
	o.flags = UI_SAN_MULTILINE;
	ok(ui_sanitize("ab\ncdef\n", 8, &o, &t) == 0 && t.lines == 3 &&
	    t.cells == 4, "lines and widest line counted");
	ui_text_free(&t);
	o.tab_width = UI_SAN_MAX_TAB + 1;
	is_int(ui_sanitize("a", 1, &o, &t), ERR_INVAL, "tab width bounded");
	ok(t.s == NULL, "nothing returned on error");
}

static void
test_bidi(void)
{
	CHECK("evil\xe2\x80\xaegnp.exe", 0, "evilgnp.exe",
	    "RIGHT-TO-LEFT OVERRIDE removed");
	CHECK("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xadx", 0, "x",
	    "embeddings and LRO removed");
	CHECK("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8x\xe2\x81\xa9", 0, "x",
	    "isolates removed");
	CHECK("\xe2\x80\x8e" "a\xe2\x80\x8f\xd8\x9c", 0, "a",
	    "LRM, RLM, ALM removed");
	CHECK("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 0,
	    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "Hebrew letters kept");
}

static void
test_utf8(void)
{
	CHECK("\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd", "overlong slash");
	CHECK("\xe0\x80\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "overlong 3-byte");
	CHECK("\xf0\x80\x80\xaf", 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "overlong 4-byte");
	CHECK("\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "high surrogate");
	CHECK("\xed\xbf\xbf", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "low surrogate");
	CHECK("\xf4\x90\x80\x80", 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "above U+10FFFF");
	CHECK("\xf8\x88\x80\x80\x80", 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "5-byte form");
	CHECK("\xe4\xb8x", 0, "\xef\xbf\xbdx",
	    "a truncated sequence is one replacement");
	CHECK("\xe4\x9b" "2J", 0, "\xef\xbf\xbd" "2J",
	    "a continuation byte of a broken sequence is not a CSI");
	CHECK("\xfe\xff", 0, "\xef\xbf\xbd\xef\xbf\xbd", "FE FF");
	CHECK("\xcd\xb8", 0, "\xef\xbf\xbd", "unassigned U+0378 replaced");
	CHECK("\xf4\x8f\xbf\xbf", 0, "\xef\xbf\xbd", "U+10FFFF replaced");
	CHECK("caf\xc3\xa9 \xe4\xb8\xad", 0, "caf\xc3\xa9 \xe4\xb8\xad",
	    "valid text unchanged");
}

static void
test_marks(void)
{
	struct ui_text t;
	char *flood;
	size_t i, n = 10000;
	int w;

	/* 'a' followed by 10,000 COMBINING ACUTE ACCENTs. */
	if ((flood = malloc(1 + 2 * n + 1)) == NULL)
		exit(1);
	flood[0] = 'a';
	for (i = 0; i < n; i++)
		memcpy(flood + 1 + 2 * i, "\xcc\x81", 2);
	flood[1 + 2 * n] = 'b';
	ok(ui_sanitize(flood, 2 + 2 * n, NULL, &t) == 0 && safe(&t, 0),
	    "combining flood sanitised");
	is_int(t.len, 1 + 2 * UI_SAN_MAX_MARKS + 1, "flood capped at %d marks",
	    UI_SAN_MAX_MARKS);
	is_int(t.cells, 2, "flood is two cells wide");
	is_int(ui_cluster(t.s, t.len, &w), 1 + 2 * UI_SAN_MAX_MARKS,
	    "the base and its marks are one cluster");
	ui_text_free(&t);
	free(flood);

	CHECK("\xcc\x81\xcc\x81x", 0, "x", "marks with no base dropped");
	CHECK("a\n\xcc\x81x", UI_SAN_MULTILINE, "a\nx",
	    "marks at a line start dropped");
	CHECK("e\xcc\x81", 0, "e\xcc\x81", "one mark kept");
	CHECK("a\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b"
	    "\xe2\x80\x8b" "b", 0,
	    "a\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b" "b",
	    "zero-width spaces capped");
	/* man ZWJ woman ZWJ girl: joiners dropped, three emoji remain. */
	CHECK("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
	    "\xf0\x9f\x91\xa7", 0,
	    "\xf0\x9f\x91\xa8\xf0\x9f\x91\xa9\xf0\x9f\x91\xa7",
	    "ZWJ sequence split");
	CHECK("\xe2\x9d\xa4\xef\xb8\x8f", 0, "\xe2\x9d\xa4",
	    "emoji presentation selector dropped");
	CHECK("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 0,
	    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "skin tone kept");
}

static void
test_widths(void)
{
	is_int(width_of("abc"), 3, "ASCII");
	is_int(width_of("\xe4\xb8\xad\xe6\x96\x87"), 4, "two CJK ideographs");
	is_int(width_of("\xef\xbd\x81"), 2, "fullwidth a");
	is_int(width_of("\xea\xb0\x80"), 2, "Hangul syllable");
	is_int(width_of("\xf0\x9f\x98\x80"), 2, "emoji");
	is_int(width_of("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 4,
	    "emoji with skin tone: two cells each");
	is_int(width_of("e\xcc\x81"), 1, "e with combining acute");
	is_int(width_of("\xe4\xb8\xad\xcc\x81"), 2, "CJK with a mark");
	is_int(width_of("\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa"), 2,
	    "flag: two regional indicators");
	is_int(width_of("\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7"), 2,
	    "Devanagari with virama");
	is_int(width_of("\x1b[31m\xe4\xb8\xad\x1b[0m"), 2,
	    "escape sequences take no cells");
	is_int(width_of("\xcd\xb8"), 1, "wcwidth -1 is one replacement cell");
}

static void
test_limits(void)
{
	struct ui_san_opts o = { 0, 1, 10 };
	struct ui_text t;
	char buf[8], big[100];
	int r;

	/* 9 ASCII bytes then a 3-byte ideograph crossing the limit. */
	ok(ui_sanitize("123456789\xe4\xb8\xad", 12, &o, &t) == 0 &&
	    t.truncated && strcmp(t.s, "123456789\xe2\x80\xa6") == 0,
	    "long input cut at a character boundary and marked");
	ui_text_free(&t);
	o.max_input = 0;
	memset(big, 'x', sizeof(big));
	ok(ui_sanitize(big, sizeof(big), &o, &t) == 0 && !t.truncated &&
	    t.len == sizeof(big), "input under the default limit kept");
	ui_text_free(&t);

	r = ui_sanitize_buf("ab\xe4\xb8\xad\xe4\xb8\xad", 8, NULL, buf,
	    sizeof(buf));
	ok(r == 5 && strcmp(buf, "ab\xe4\xb8\xad") == 0,
	    "buffer version cuts at a cell boundary");
	r = ui_sanitize_buf("\x1b]0;x\x07ok", 9, NULL, buf, sizeof(buf));
	ok(r == 2 && strcmp(buf, "ok") == 0, "buffer version sanitises");
	ok(ui_sanitize(NULL, 5, NULL, &t) == 0 && t.len == 0 &&
	    strcmp(t.s, "") == 0, "NULL is empty");
	ui_text_free(&t);
	ui_text_free(NULL);
}

/* Random bytes from a fixed-seed generator must always come out safe. */
static void
test_random(void)
{
	struct ui_san_opts o = { UI_SAN_MULTILINE, 2, 0 };
	struct ui_text t;
	unsigned char buf[512];
	uint32_t x = 2463534242u;
	int round, all = 1;
	size_t i;
	const unsigned char pick[] = { 0x1b, '[', ']', 'P', 0x07, 0x9b, 0x9c,
	    0xc2, 0xe2, 0x80, 0xae, 0xcc, 0x81, '\n', '\r', 'a', 0xf0, 0x9f };

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (x & 1) ? pick[(x >> 8) % sizeof(pick)] :
			    (unsigned char)(x >> 16);
		}
		if (ui_sanitize((const char *)buf, sizeof(buf), &o, &t) != 0 ||
		    !safe(&t, 1) || ui_width(t.s, t.len) > 2 * sizeof(buf) * 2)
			all = 0;
		ui_text_free(&t);
	}
	ok(all, "2000 random hostile buffers come out safe");
}

int
main(void)
{
	tap_need_utf8_locale();
	test_sequences();
	test_lines();
	test_bidi();
	test_utf8();
	test_marks();
	test_widths();
	test_limits();
	test_random();
	return tap_done();
}
