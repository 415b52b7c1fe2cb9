/*
 * Text from the network or from another user, made safe to show in a
 * terminal. Every such string passes through ui_sanitize() before any
 * other ui/ code looks at it; what comes out is valid UTF-8 in which each
 * code point is either a character with a known cell width or '\n', and
 * whose width every terminal agrees on:
 *
 *  - escape sequences are removed whole, payload included: ESC with its
 *    intermediates and final byte, CSI (ESC [ and the 8-bit 0x9b), OSC,
 *    DCS, SOS, PM and APC strings up to their terminator (ST, BEL, CAN,
 *    SUB) or to the end of the input when the terminator is missing. The
 *    8-bit introducers count both as U+0080..U+009F and as the lone raw
 *    bytes a non-UTF-8 terminal would read;
 *  - other C0 and C1 controls and DEL are dropped; tabs become spaces;
 *    line breaks (LF, CR LF, CR, U+2028, U+2029) stay '\n' in multi-line
 *    text and become a visible U+23CE otherwise;
 *  - bidirectional embeddings, overrides, isolates and marks (U+202A..202E,
 *    U+2066..2069, U+200E, U+200F, U+061C) are dropped, so that another
 *    user's text can never reorder what surrounds it;
 *  - invalid UTF-8 becomes U+FFFD, one per maximal ill-formed subpart
 *    (overlong forms, surrogates and values above U+10FFFF included);
 *  - code points the C library does not know as printable (wcwidth -1,
 *    e.g. unassigned ones) become U+FFFD, whose width is known;
 *  - zero-width code points attach to the character before them; at most
 *    UI_SAN_MAX_MARKS per character are kept (the room ncurses has in one
 *    cell), and none at the start of a line, where there is nothing to
 *    attach to;
 *  - ZERO WIDTH JOINER and the emoji/text variation selectors (U+FE0E,
 *    U+FE0F) are dropped: terminals disagree on the width of the
 *    sequences they build (tmux draws a ZWJ family in two cells, ncurses
 *    counts six), and a disagreement shifts every later cell of the line.
 *    Skin-tone modifiers stay: everybody draws them as their own two cells;
 *  - input beyond a byte limit is cut at a character boundary and marked
 *    with U+2026.
 *
 * Widths come from wcwidth(3): the process must run with a UTF-8 LC_CTYPE
 * (setlocale(LC_CTYPE, "") under a UTF-8 environment, or "C.UTF-8").
 */
#ifndef SOTTO_UI_SANITIZE_H
#define SOTTO_UI_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

#define UI_SAN_MULTILINE	0x1	/* keep line breaks as '\n' */

#define UI_SAN_MAX_MARKS	4		/* zero-width code points per cell */
#define UI_SAN_MAX_INPUT	(64 * 1024)	/* default input limit, bytes */
#define UI_SAN_MAX_TAB		8		/* largest tab_width */

struct ui_san_opts {
	unsigned flags;		/* UI_SAN_* */
	unsigned tab_width;	/* spaces per tab, 1..UI_SAN_MAX_TAB; 0 means 1 */
	size_t max_input;	/* bytes read at most; 0 means UI_SAN_MAX_INPUT */
};

/* A sanitised string. */
struct ui_text {
	char *s;		/* NUL-terminated UTF-8, owned */
	size_t len;		/* bytes, without the NUL */
	size_t cells;		/* width of its widest line, in cells */
	size_t lines;		/* 1 + the number of '\n' */
	int truncated;		/* the input was longer than the limit */
};

/*
 * Sanitises len bytes at in (NULL is taken as empty) as opts say (NULL:
 * one line, tab as one space, default limit). Returns 0 and fills *out,
 * which the caller releases with ui_text_free(); ERR_NOMEM, or ERR_INVAL
 * for a tab_width above UI_SAN_MAX_TAB. *out is zeroed on failure.
 */
int ui_sanitize(const char *in, size_t len, const struct ui_san_opts *opts,
    struct ui_text *out);

/*
 * As ui_sanitize() into a caller's buffer of size bytes (size > 0),
 * always NUL-terminated; the text is cut at a cell boundary when it does
 * not fit. Returns the number of bytes written without the NUL, or a
 * negative ERR_* (then buf holds "").
 */
int ui_sanitize_buf(const char *in, size_t len,
    const struct ui_san_opts *opts, char *buf, size_t size);

/* Releases t->s and zeroes *t. NULL is a no-op. */
void ui_text_free(struct ui_text *t);

/*
 * What the sanitiser does with one code point, for code that builds text
 * a character at a time (the line editor).
 */
enum ui_cp_class {
	UI_CP_DROP,		/* never shown */
	UI_CP_BASE,		/* takes *width (1 or 2) cells */
	UI_CP_MARK,		/* zero width: attaches to the character before */
	UI_CP_NEWLINE,		/* a line break */
	UI_CP_TAB,
	UI_CP_REPLACE,		/* shown as U+FFFD, one cell */
};
enum ui_cp_class ui_cp_class(uint32_t cp, int *width);

/*
 * Splits sanitised text into cells: returns the byte length of the
 * cluster at s (a character with the zero-width ones after it, or a lone
 * '\n'), 0 when len is 0, and sets *cells to its width (0 for '\n').
 * Text that did not come from ui_sanitize() is handled without harm: a
 * stray byte is one cluster of one cell.
 */
size_t ui_cluster(const char *s, size_t len, int *cells);

/* The width of sanitised text in cells ('\n' counts 0). */
size_t ui_width(const char *s, size_t len);

#endif
