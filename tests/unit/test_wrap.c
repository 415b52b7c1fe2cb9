/*
 * Wrapping sanitised text: word breaks, hard breaks, newlines, and the
 * edge widths 40 and 1 with wide and combining characters, which must
 * never be split.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/tap.h"
#include "ui/sanitize.h"
#include "ui/wrap.h"

#define MAXL 256

/* Wraps s at width into "line|line|..." in out. Returns the line count. */
static size_t
wrapped(const char *s, size_t width, char *out, size_t size)
{
	struct ui_line l[MAXL];
	size_t n, i, o = 0;

	n = ui_wrap(s, strlen(s), width, l, MAXL);
	out[0] = '\0';
	for (i = 0; i < n && i < MAXL; i++) {
		if (o + l[i].len + 2 >= size)
			break;
		if (i > 0)
			out[o++] = '|';
		memcpy(out + o, s + l[i].off, l[i].len);
		o += l[i].len;
	}
	out[o] = '\0';
	return n;
}

static void
check(const char *s, size_t width, const char *want, const char *what)
{
	char got[4096];

	wrapped(s, width, got, sizeof(got));
	if (!ok(strcmp(got, want) == 0, "%s", what))
		printf("#   got \"%s\", want \"%s\"\n", got, want);
}

/*
 * Invariants: each line fits (or is one over-wide cluster), starts and
 * ends on cluster boundaries, widths add up, and no non-space byte is
 * lost or repeated.
 */
static int
sound(const char *s, size_t width)
{
	struct ui_line l[MAXL];
	size_t n, i, at, k, len = strlen(s), seen = 0, total = 0;
	int w;

	n = ui_wrap(s, len, width, l, MAXL);
	if (n > MAXL)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\n')
			total++;
	for (i = 0; i < n; i++) {
		if (l[i].off + l[i].len > len)
			return 0;
		if (i > 0 && l[i].off < l[i - 1].off + l[i - 1].len)
			return 0;
		/* Clusters read over the whole text end where the line does. */
		at = 0;
		while (at < l[i].len) {
			k = ui_cluster(s + l[i].off + at, len - l[i].off - at,
			    &w);
			at += k;
		}
		if (at != l[i].len || ui_width(s + l[i].off, l[i].len) !=
		    l[i].cells)
			return 0;
		if (l[i].cells > width && ui_cluster(s + l[i].off, l[i].len,
		    &w) != l[i].len)
			return 0;
		for (at = 0; at < l[i].len; at++)
			if (s[l[i].off + at] != ' ' && s[l[i].off + at] != '\n')
				seen++;
	}
	return seen == total;
}

static void
test_basic(void)
{
	char out[256];

	check("", 40, "", "empty text is one empty line");
	is_int(wrapped("", 40, out, sizeof(out)), 1, "one line");
	check("short", 40, "short", "short text fits");
	check("the quick brown fox jumps over the lazy dog and keeps running",
	    40, "the quick brown fox jumps over the lazy|dog and keeps running",
	    "word wrap at 40");
	check("aaaa bbbb", 4, "aaaa|bbbb", "a space at the edge vanishes");
	check("aaa   bbb", 5, "aaa|bbb", "a run of spaces vanishes at a break");
	check("abcdefghij", 4, "abcd|efgh|ij", "a long word is cut hard");
	check("ab cdefghij", 4, "ab|cdef|ghij", "word moves down, then is cut");
	check("one\ntwo\n\nfour", 40, "one|two||four", "line breaks kept");
	is_int(wrapped("one\n", 40, out, sizeof(out)), 1,
	    "a trailing newline adds no line");
	check("abc", 0, "a|b|c", "width 0 is taken as 1");
}

static void
test_wide(void)
{
	/* 中文字 are two cells each. */
	check("\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97", 4,
	    "\xe4\xb8\xad\xe6\x96\x87|\xe5\xad\x97", "CJK at width 4");
	check("a\xe4\xb8\xad\xe6\x96\x87", 4, "a\xe4\xb8\xad|\xe6\x96\x87",
	    "CJK never split: a wide char that does not fit moves down");
	check("abc\xe4\xb8\xad", 4, "abc|\xe4\xb8\xad",
	    "one free cell is left empty for a wide char");
	check("\xe4\xb8\xad" "a", 1, "\xe4\xb8\xad|a",
	    "width 1: a wide char alone on an over-wide line");
	check("e\xcc\x81" "e\xcc\x81" "e", 1, "e\xcc\x81|e\xcc\x81|e",
	    "width 1: marks stay with their base");
	check("\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 1,
	    "\xf0\x9f\x98\x80|\xf0\x9f\x91\x8d|\xf0\x9f\x8f\xbd",
	    "width 1: emoji each alone");
	check("ab c", 1, "a|b|c", "width 1: spaces vanish at breaks");
}

static void
test_sound(void)
{
	static const char *texts[] = {
		"",
		"plain words that wrap around at some width or other",
		"\xe4\xb8\xad\xe6\x96\x87 mixed \xe5\xad\x97 text "
		    "\xf0\x9f\x98\x80 with e\xcc\x81\xcc\x82 marks",
		"   leading spaces and trailing   ",
		"line\nbreaks\n\n and  spaces \n",
		"averyveryveryveryveryveryveryveryveryveryveryverylongword",
		"\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7 \xe0\xa4\xa8\xe0\xa4\xae"
		    "\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87",
	};
	size_t i, w;
	int all = 1;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (w = 1; w <= 41; w++)
			if (!sound(texts[i], w)) {
				printf("# text %zu width %zu\n", i, w);
				all = 0;
			}
	ok(all, "every width 1..41 keeps clusters whole and loses nothing");
}

static void
test_sanitised_hostile(void)
{
	struct ui_san_opts o = { UI_SAN_MULTILINE, 4, 0 };
	struct ui_text t;
	struct ui_line l[MAXL];
	char *flood;
	size_t i, n;

	/* 10,000 marks on one base, sanitised first: still one cluster. */
	if ((flood = malloc(2 + 20000)) == NULL)
		exit(1);
	flood[0] = 'x';
	for (i = 0; i < 10000; i++)
		memcpy(flood + 1 + 2 * i, "\xcc\x81", 2);
	flood[20001] = 'y';
	ok(ui_sanitize(flood, 20002, &o, &t) == 0, "sanitised flood");
	n = ui_wrap(t.s, t.len, 1, l, MAXL);
	ok(n == 2 && l[0].cells == 1 && l[1].cells == 1,
	    "a capped flood wraps as two one-cell lines at width 1");
	ui_text_free(&t);
	free(flood);
	is_int(ui_wrap("a b c d", 7, 1, NULL, 0), 4,
	    "counting lines without storing them");
}

int
main(void)
{
	tap_need_utf8_locale();
	test_basic();
	test_wide();
	test_sound();
	test_sanitised_hostile();
	return tap_done();
}
