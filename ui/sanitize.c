/*
 * The sanitiser reads its input one code point at a time. Escape
 * sequences are skipped by small scanners that know where each kind
 * ends (ECMA-48 section 5); everything else is classified by
 * ui_cp_class() and either copied, replaced or dropped. The output is
 * built in one allocation whose size is bounded from the input length,
 * so no input can make it grow without limit.
 */
#include "config.h"

#include "ui/sanitize.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "proto/textrule.h"

#define SAN_ESC		0x1b
#define SAN_BEL		0x07
#define SAN_CAN		0x18
#define SAN_SUB		0x1a
#define SAN_DCS		0x90
#define SAN_SOS		0x98
#define SAN_CSI		0x9b
#define SAN_ST		0x9c
#define SAN_OSC		0x9d
#define SAN_PM		0x9e
#define SAN_APC		0x9f

#define SAN_FFFD	0xfffdu
#define SAN_RETURN_SYM	0x23ceu		/* RETURN SYMBOL, for one-line text */
#define SAN_ELLIPSIS	0x2026u

enum ui_cp_class
ui_cp_class(uint32_t c, int *width)
{
	int w;

	*width = 0;
	if (c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029)
		return UI_CP_NEWLINE;
	if (c == '\t') {
		*width = 1;
		return UI_CP_TAB;
	}
	/* Controls and Bidi_Control: the rule all of Sotto shares. */
	if (textrule_kind(c) != TEXTRULE_PLAIN)
		return UI_CP_DROP;
	/* Width-changing joiners and selectors, see the header. */
	if (c == 0x200d || c == 0xfe0e || c == 0xfe0f)
		return UI_CP_DROP;
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*width = 1;
		return UI_CP_REPLACE;
	}
	if ((w = wcwidth((wchar_t)c)) < 0) {
		*width = 1;
		return UI_CP_REPLACE;
	}
	if (w == 0)
		return UI_CP_MARK;
	*width = w > 2 ? 2 : w;
	return UI_CP_BASE;
}

/*
 * Code point at p[i] for the scanners. A raw byte in 0x80..0x9f that is
 * not part of valid UTF-8 counts as the 8-bit control it would be to a
 * terminal not in UTF-8 mode, when it stands in ASCII context; after
 * another byte above 0x7f it is read as what it more likely is, the
 * debris of a broken multi-byte character (U+FFFD).
 */
static size_t
san_next(const char *p, size_t i, size_t n, uint32_t *c)
{
	size_t k = utf8_decode(p + i, n - i, c);
	unsigned char b = (unsigned char)p[i];

	if (*c == UTF8_INVALID && k == 1 && b >= 0x80 && b <= 0x9f &&
	    (i == 0 || (unsigned char)p[i - 1] < 0x80))
		*c = b;
	return k;
}

/* Skips a control sequence's parameters, intermediates and final byte. */
static size_t
san_skip_csi(const char *p, size_t i, size_t n)
{
	while (i < n && p[i] >= 0x20 && p[i] <= 0x3f)
		i++;
	while (i < n && p[i] >= 0x20 && p[i] <= 0x2f)
		i++;
	if (i < n && p[i] >= 0x40 && p[i] <= 0x7e)
		i++;
	return i;
}

/*
 * Skips a command or character string (OSC, DCS, SOS, PM, APC) up to and
 * including its terminator. An ESC that does not start ST ends the string
 * and is read again as the start of what follows, as terminals do.
 */
static size_t
san_skip_string(const char *p, size_t i, size_t n)
{
	uint32_t c;
	size_t k;

	while (i < n) {
		k = san_next(p, i, n, &c);
		if (c == SAN_BEL || c == SAN_CAN || c == SAN_SUB || c == SAN_ST)
			return i + k;
		if (c == SAN_ESC) {
			if (i + 1 < n && p[i + 1] == '\\')
				return i + 2;
			return i;
		}
		i += k;
	}
	return n;
}

/* Skips what follows an ESC at p[i - 1]. */
static size_t
san_skip_esc(const char *p, size_t i, size_t n)
{
	if (i >= n)
		return n;
	switch (p[i]) {
	case '[':
		return san_skip_csi(p, i + 1, n);
	case ']':
	case 'P':
	case 'X':
	case '^':
	case '_':
		return san_skip_string(p, i + 1, n);
	default:
		break;
	}
	while (i < n && p[i] >= 0x20 && p[i] <= 0x2f)
		i++;
	if (i < n && p[i] >= 0x30 && p[i] <= 0x7e)
		i++;
	return i;
}

/* Output under construction. */
struct san_out {
	char *buf;
	size_t len;
	size_t line_cells;
	int marks;		/* zero-width code points on the last cell */
	int have_base;		/* a cell exists on this line to attach to */
	struct ui_text *t;
};

static void
san_put(struct san_out *o, uint32_t c, int width)
{
	o->len += utf8_encode(c, o->buf + o->len);
	o->line_cells += (size_t)width;
	if (o->line_cells > o->t->cells)
		o->t->cells = o->line_cells;
	o->have_base = 1;
	o->marks = 0;
}

static void
san_newline(struct san_out *o)
{
	o->buf[o->len++] = '\n';
	o->t->lines++;
	o->line_cells = 0;
	o->have_base = 0;
	o->marks = 0;
}

int
ui_sanitize(const char *in, size_t len, const struct ui_san_opts *opts,
    struct ui_text *t)
{
	struct ui_san_opts def = { 0, 1, UI_SAN_MAX_INPUT };
	struct san_out o;
	size_t i = 0, k, n, per_byte, j;
	uint32_t c;
	int w;

	memset(t, 0, sizeof(*t));
	if (opts == NULL)
		opts = &def;
	if (opts->tab_width > UI_SAN_MAX_TAB)
		return ERR_INVAL;
	if (in == NULL)
		len = 0;
	n = len;
	if (n > (opts->max_input ? opts->max_input : UI_SAN_MAX_INPUT)) {
		n = opts->max_input ? opts->max_input : UI_SAN_MAX_INPUT;
		/* Cut before a lead byte, never inside a character. */
		for (k = 0; k < 3 && n > 0 &&
		    ((unsigned char)in[n] & 0xc0) == 0x80; k++)
			n--;
		t->truncated = 1;
	}
	/* Each input byte yields at most 3 bytes (U+FFFD) or one tab. */
	per_byte = opts->tab_width > 3 ? opts->tab_width : 3;
	if (n > (SIZE_MAX - 4) / per_byte)
		return ERR_NOMEM;
	memset(&o, 0, sizeof(o));
	o.t = t;
	if ((o.buf = malloc(n * per_byte + 4)) == NULL)
		return ERR_NOMEM;
	t->lines = 1;
	while (i < n) {
		k = san_next(in, i, n, &c);
		i += k;
		if (c == SAN_ESC) {
			i = san_skip_esc(in, i, n);
			continue;
		}
		if (c == SAN_CSI) {
			i = san_skip_csi(in, i, n);
			continue;
		}
		if (c == SAN_OSC || c == SAN_DCS || c == SAN_SOS ||
		    c == SAN_PM || c == SAN_APC) {
			i = san_skip_string(in, i, n);
			continue;
		}
		if (c == UTF8_INVALID) {
			san_put(&o, SAN_FFFD, 1);
			continue;
		}
		switch (ui_cp_class(c, &w)) {
		case UI_CP_NEWLINE:
			/* CR LF is one break. */
			if (c == '\r' && i < n && in[i] == '\n')
				i++;
			if (opts->flags & UI_SAN_MULTILINE)
				san_newline(&o);
			else
				san_put(&o, SAN_RETURN_SYM, 1);
			break;
		case UI_CP_TAB:
			for (j = 0; j < (opts->tab_width ? opts->tab_width : 1);
			    j++)
				san_put(&o, ' ', 1);
			break;
		case UI_CP_BASE:
			san_put(&o, c, w);
			break;
		case UI_CP_REPLACE:
			san_put(&o, SAN_FFFD, 1);
			break;
		case UI_CP_MARK:
			if (o.have_base && o.marks < UI_SAN_MAX_MARKS) {
				o.len += utf8_encode(c, o.buf + o.len);
				o.marks++;
			}
			break;
		case UI_CP_DROP:
			break;
		}
	}
	if (t->truncated)
		san_put(&o, SAN_ELLIPSIS, 1);
	o.buf[o.len] = '\0';
	t->s = o.buf;
	t->len = o.len;
	return 0;
}

int
ui_sanitize_buf(const char *in, size_t len, const struct ui_san_opts *opts,
    char *buf, size_t size)
{
	struct ui_text t;
	size_t used = 0, k;
	int r, w;

	buf[0] = '\0';
	if ((r = ui_sanitize(in, len, opts, &t)) != 0)
		return r;
	while (used < t.len) {
		k = ui_cluster(t.s + used, t.len - used, &w);
		if (used + k >= size)
			break;
		used += k;
	}
	memcpy(buf, t.s, used);
	buf[used] = '\0';
	ui_text_free(&t);
	return (int)used;
}

void
ui_text_free(struct ui_text *t)
{
	if (t == NULL)
		return;
	free(t->s);
	memset(t, 0, sizeof(*t));
}

size_t
ui_cluster(const char *s, size_t len, int *cells)
{
	size_t i, k;
	uint32_t c;
	int w;

	*cells = 0;
	if (len == 0)
		return 0;
	i = utf8_decode(s, len, &c);
	if (c == '\n')
		return 1;
	if (c == UTF8_INVALID) {
		*cells = 1;
		return i;
	}
	switch (ui_cp_class(c, &w)) {
	case UI_CP_BASE:
	case UI_CP_REPLACE:
	case UI_CP_TAB:
		*cells = w;
		break;
	default:
		/* Not from the sanitiser: no width, but its own cluster. */
		return i;
	}
	while (i < len) {
		k = utf8_decode(s + i, len - i, &c);
		if (c == UTF8_INVALID || ui_cp_class(c, &w) != UI_CP_MARK)
			break;
		i += k;
	}
	return i;
}

size_t
ui_width(const char *s, size_t len)
{
	size_t i = 0, k, total = 0;
	int w;

	while (i < len) {
		k = ui_cluster(s + i, len - i, &w);
		total += (size_t)w;
		i += k;
	}
	return total;
}
