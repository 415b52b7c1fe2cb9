/*
 * Wrapping sanitised text (ui/sanitize.h) into lines of at most a given
 * number of cells, for the message view. Lines end at '\n' and where the
 * next cluster would not fit: after the last space when the line has one,
 * else right before that cluster. A cluster is never split: a character
 * stays with its combining marks and a wide character is never cut in
 * half.
 */
#ifndef SOTTO_UI_WRAP_H
#define SOTTO_UI_WRAP_H

#include <stddef.h>

/* One line: bytes [off, off + len) of the text, cells wide. */
struct ui_line {
	size_t off;
	size_t len;
	size_t cells;
};

/*
 * Wraps len bytes of sanitised text at s into lines of at most width
 * cells (width 0 is taken as 1). Fills up to max entries of lines (which
 * may be NULL when max is 0) and returns how many lines the whole text
 * needs, which may be more than max. Empty text is one empty line; a
 * trailing '\n' ends the last line without starting another. The spaces
 * at a soft break belong to neither line. A cluster wider than width (a
 * wide character at width 1) is a line of its own, cells > width: the
 * painter must clip it.
 */
size_t ui_wrap(const char *s, size_t len, size_t width,
    struct ui_line *lines, size_t max);

#endif
