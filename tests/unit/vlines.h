/*
 * Checks on the lines the UI's models lay out (struct ui_vlines of
 * ui/view.h) that several unit tests make: a line found by its text, and
 * a line that fits its width, has spans that cover its text and carries
 * nothing a terminal would act on.
 */
#ifndef SOTTO_TESTS_VLINES_H
#define SOTTO_TESTS_VLINES_H

#include <string.h>

#include "tests/unit/tap.h"
#include "ui/sanitize.h"
#include "ui/view.h"

/* The index of the first line whose text contains part, or -1. */
TAP_UNUSED static int
vlines_find(const struct ui_vlines *l, const char *part)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strstr(l->v[i].text, part) != NULL)
			return (int)i;
	return -1;
}

/* Whether v is at most width cells wide, as ui_width measures its text. */
TAP_UNUSED static int
vline_fits(const struct ui_vline *v, size_t width)
{
	return v->cells <= width && ui_width(v->text, v->len) == v->cells;
}

/* Whether the spans of v follow each other and cover its text. */
TAP_UNUSED static int
vline_spans_cover(const struct ui_vline *v)
{
	size_t covered;
	int s;

	for (covered = 0, s = 0; s < v->nspan; s++) {
		if (v->span[s].off != covered)
			return 0;
		covered += v->span[s].len;
	}
	return covered == v->len;
}

/* Whether v's text has no C0 control, DEL, C1 control (U+0080..U+009F)
 * or bidi embedding or override (U+202A..U+202E). */
TAP_UNUSED static int
vline_clean(const struct ui_vline *v)
{
	const unsigned char *p = (const unsigned char *)v->text;
	size_t j;

	for (j = 0; j < v->len; j++) {
		if (p[j] < 0x20 || p[j] == 0x7f)
			return 0;
		if (p[j] == 0xc2 && p[j + 1] >= 0x80 && p[j + 1] <= 0x9f)
			return 0;
		if (p[j] == 0xe2 && p[j + 1] == 0x80 &&
		    p[j + 2] >= 0xaa && p[j + 2] <= 0xae)
			return 0;
	}
	return 1;
}

/* Whether l has at most height lines, each fitting width (vline_fits)
 * and clean (vline_clean). */
TAP_UNUSED static int
vlines_fit_clean(const struct ui_vlines *l, size_t width, size_t height)
{
	size_t i;

	if (l->n > height)
		return 0;
	for (i = 0; i < l->n; i++)
		if (!vline_fits(&l->v[i], width) || !vline_clean(&l->v[i]))
			return 0;
	return 1;
}

#endif
