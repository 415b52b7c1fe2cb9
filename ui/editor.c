/*
 * The editor keeps one contiguous buffer; messages are short, so moving
 * by a cluster scans from the start of the cursor's line, which keeps the
 * code free of any second index that could go stale.
 */
#include "config.h"

#include "ui/editor.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "ui/sanitize.h"

#define ED_CTRL(c)	((c) & 0x1f)

struct ed_draft {
	uint64_t chat;
	char *text;
	size_t cur;
};

/* What was sent, and to which chat: Up recalls the open chat's only. */
struct ed_hist {
	uint64_t chat;
	char *text;
};

struct ui_editor {
	char *buf;		/* NUL-terminated */
	size_t len, cap, cur;

	struct ed_hist hist[UI_EDITOR_HISTORY_ALL];	/* oldest first */
	size_t nhist;
	size_t hpos;		/* entry shown; nhist when not browsing */
	char *pending;		/* the text before browsing began */

	struct ed_draft *drafts;
	size_t ndrafts;
	uint64_t chat;
};

int
ui_editor_new(struct ui_editor **out)
{
	struct ui_editor *e;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return ERR_NOMEM;
	if ((e->buf = malloc(64)) == NULL) {
		free(e);
		return ERR_NOMEM;
	}
	e->cap = 64;
	e->buf[0] = '\0';
	*out = e;
	return 0;
}

void
ui_editor_free(struct ui_editor *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nhist; i++)
		free(e->hist[i].text);
	for (i = 0; i < e->ndrafts; i++)
		free(e->drafts[i].text);
	free(e->drafts);
	free(e->pending);
	free(e->buf);
	free(e);
}

/* Makes room for extra more bytes. 0, ERR_TOO_BIG or ERR_NOMEM. */
static int
ed_reserve(struct ui_editor *e, size_t extra)
{
	size_t want;
	char *p;

	if (extra > UI_EDITOR_MAX || e->len + extra > UI_EDITOR_MAX)
		return ERR_TOO_BIG;
	want = e->len + extra + 1;
	if (want <= e->cap)
		return 0;
	if (want < e->cap * 2)
		want = e->cap * 2;
	if ((p = realloc(e->buf, want)) == NULL)
		return ERR_NOMEM;
	e->buf = p;
	e->cap = want;
	return 0;
}

static int
ed_insert(struct ui_editor *e, const char *s, size_t n)
{
	int r;

	if ((r = ed_reserve(e, n)) != 0)
		return r;
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, s, n);
	e->len += n;
	e->cur += n;
	return 0;
}

/* Removes [from, to) and leaves the cursor at from. */
static void
ed_delete(struct ui_editor *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	e->cur = from;
}

/* Replaces the whole text; the cursor goes to cur (clamped). */
static int
ed_set(struct ui_editor *e, const char *s, size_t cur)
{
	size_t n = s != NULL ? strlen(s) : 0;
	int r;

	e->len = 0;
	e->cur = 0;
	e->buf[0] = '\0';
	if (n > 0 && (r = ed_insert(e, s, n)) != 0)
		return r;
	e->cur = cur < e->len ? cur : e->len;
	return 0;
}

static size_t
ed_line_start(const struct ui_editor *e, size_t pos)
{
	while (pos > 0 && e->buf[pos - 1] != '\n')
		pos--;
	return pos;
}

static size_t
ed_line_end(const struct ui_editor *e, size_t pos)
{
	while (pos < e->len && e->buf[pos] != '\n')
		pos++;
	return pos;
}

static size_t
ed_next(const struct ui_editor *e, size_t pos)
{
	int w;

	return pos + ui_cluster(e->buf + pos, e->len - pos, &w);
}

static size_t
ed_prev(const struct ui_editor *e, size_t pos)
{
	size_t at, nx;

	if (pos == 0)
		return 0;
	at = ed_line_start(e, pos);
	if (at == pos)
		return pos - 1;		/* the '\n' before this line */
	while ((nx = ed_next(e, at)) < pos)
		at = nx;
	return at;
}

/* Whether the cluster at pos is part of a word (letters and digits). */
static int
ed_is_word(const struct ui_editor *e, size_t pos)
{
	uint32_t c;

	utf8_decode(e->buf + pos, e->len - pos, &c);
	return c != UTF8_INVALID && (c == '_' || iswalnum((wint_t)c));
}

static int
ed_is_space(const struct ui_editor *e, size_t pos)
{
	return e->buf[pos] == ' ' || e->buf[pos] == '\n';
}

static size_t
ed_word_left(const struct ui_editor *e, size_t pos)
{
	size_t p;

	while (pos > 0 && !ed_is_word(e, (p = ed_prev(e, pos))))
		pos = p;
	while (pos > 0 && ed_is_word(e, (p = ed_prev(e, pos))))
		pos = p;
	return pos;
}

static size_t
ed_word_right(const struct ui_editor *e, size_t pos)
{
	while (pos < e->len && !ed_is_word(e, pos))
		pos = ed_next(e, pos);
	while (pos < e->len && ed_is_word(e, pos))
		pos = ed_next(e, pos);
	return pos;
}

/* Moves to the cell column col of the line starting at start. */
static size_t
ed_to_column(const struct ui_editor *e, size_t start, size_t col)
{
	size_t pos = start, k, have = 0;
	int w;

	while (pos < e->len && e->buf[pos] != '\n') {
		k = ui_cluster(e->buf + pos, e->len - pos, &w);
		if (have + (size_t)w > col)
			break;
		have += (size_t)w;
		pos += k;
	}
	return pos;
}

/* Inserts one typed code point as the sanitiser would let it through. */
static enum ui_ed_result
ed_type(struct ui_editor *e, uint32_t c)
{
	char enc[4];
	size_t start, at, k;
	uint32_t m;
	int w, marks = 0;

	switch (ui_cp_class(c, &w)) {
	case UI_CP_BASE:
		break;
	case UI_CP_REPLACE:
		c = 0xfffd;
		break;
	case UI_CP_MARK:
		/* Only onto a character, and no more than one cell holds. */
		start = ed_line_start(e, e->cur);
		if (e->cur == start)
			return UI_ED_CHANGED;
		at = ed_prev(e, e->cur);
		at += utf8_decode(e->buf + at, e->len - at, &m);
		for (; at < e->cur; at += k, marks++)
			k = utf8_decode(e->buf + at, e->len - at, &m);
		if (marks >= UI_SAN_MAX_MARKS)
			return UI_ED_CHANGED;
		break;
	default:
		return UI_ED_IGNORED;
	}
	/* A full buffer takes no more; the key is still the editor's. */
	(void)ed_insert(e, enc, utf8_encode(c, enc));
	return UI_ED_CHANGED;
}

static void
ed_history_load(struct ui_editor *e, const char *s)
{
	/* History and pending text fit: they came from this buffer. */
	(void)ed_set(e, s, (size_t)-1);
}

static enum ui_ed_result
ed_up(struct ui_editor *e)
{
	size_t start = ed_line_start(e, e->cur), col, i;

	if (start > 0) {
		col = ui_width(e->buf + start, e->cur - start);
		e->cur = ed_to_column(e, ed_line_start(e, start - 1), col);
		return UI_ED_CHANGED;
	}
	/* The open chat's entry before the one shown, if any. */
	for (i = e->hpos; i > 0 && e->hist[i - 1].chat != e->chat; i--)
		;
	if (i == 0)
		return UI_ED_CHANGED;
	if (e->hpos == e->nhist) {
		free(e->pending);
		if ((e->pending = strdup(e->buf)) == NULL)
			return UI_ED_CHANGED;
	}
	e->hpos = i - 1;
	ed_history_load(e, e->hist[e->hpos].text);
	return UI_ED_CHANGED;
}

static enum ui_ed_result
ed_down(struct ui_editor *e)
{
	size_t end = ed_line_end(e, e->cur), start, col;

	if (end < e->len) {
		start = ed_line_start(e, e->cur);
		col = ui_width(e->buf + start, e->cur - start);
		e->cur = ed_to_column(e, end + 1, col);
		return UI_ED_CHANGED;
	}
	if (e->hpos == e->nhist)
		return UI_ED_CHANGED;
	/* The open chat's next entry, else the text before browsing. */
	for (e->hpos++; e->hpos < e->nhist &&
	    e->hist[e->hpos].chat != e->chat; e->hpos++)
		;
	if (e->hpos == e->nhist) {
		ed_history_load(e, e->pending);
		free(e->pending);
		e->pending = NULL;
	} else
		ed_history_load(e, e->hist[e->hpos].text);
	return UI_ED_CHANGED;
}

static enum ui_ed_result
ed_ctrl(struct ui_editor *e, uint32_t c)
{
	size_t p;

	switch (c) {
	case ED_CTRL('A'):
		e->cur = ed_line_start(e, e->cur);
		break;
	case ED_CTRL('E'):
		e->cur = ed_line_end(e, e->cur);
		break;
	case ED_CTRL('B'):
		e->cur = ed_prev(e, e->cur);
		break;
	case ED_CTRL('F'):
		if (e->cur < e->len)
			e->cur = ed_next(e, e->cur);
		break;
	case ED_CTRL('D'):
		if (e->cur < e->len)
			ed_delete(e, e->cur, ed_next(e, e->cur));
		break;
	case ED_CTRL('H'):
		if (e->cur > 0)
			ed_delete(e, ed_prev(e, e->cur), e->cur);
		break;
	case ED_CTRL('K'):
		ed_delete(e, e->cur, ed_line_end(e, e->cur));
		break;
	case ED_CTRL('U'):
		ed_delete(e, ed_line_start(e, e->cur), e->cur);
		break;
	case ED_CTRL('W'):
		/* As a shell: white space first, then up to the next one. */
		p = e->cur;
		while (p > 0 && ed_is_space(e, ed_prev(e, p)))
			p = ed_prev(e, p);
		while (p > 0 && !ed_is_space(e, ed_prev(e, p)))
			p = ed_prev(e, p);
		ed_delete(e, p, e->cur);
		break;
	default:
		return UI_ED_IGNORED;
	}
	return UI_ED_CHANGED;
}

enum ui_ed_result
ui_editor_key(struct ui_editor *e, const struct ui_key *k)
{
	uint32_t c = k->ch;

	if (k->code == UI_KEY_CHAR && (c == '\r' || c == '\n'))
		return ui_editor_key(e,
		    &(struct ui_key){ UI_KEY_ENTER, 0, k->alt });
	if (k->code == UI_KEY_CHAR && (c == 0x7f || c == ED_CTRL('H')) &&
	    !k->alt)
		return ui_editor_key(e, &(struct ui_key){ UI_KEY_BACKSPACE,
		    0, 0 });
	switch (k->code) {
	case UI_KEY_ENTER:
		if (!k->alt)
			return UI_ED_SUBMIT;
		(void)ed_insert(e, "\n", 1);
		return UI_ED_CHANGED;
	case UI_KEY_BACKSPACE:
		return ed_ctrl(e, ED_CTRL('H'));
	case UI_KEY_DELETE:
		return ed_ctrl(e, ED_CTRL('D'));
	case UI_KEY_LEFT:
		return ed_ctrl(e, ED_CTRL('B'));
	case UI_KEY_RIGHT:
		return ed_ctrl(e, ED_CTRL('F'));
	case UI_KEY_HOME:
		return ed_ctrl(e, ED_CTRL('A'));
	case UI_KEY_END:
		return ed_ctrl(e, ED_CTRL('E'));
	case UI_KEY_UP:
		return ed_up(e);
	case UI_KEY_DOWN:
		return ed_down(e);
	case UI_KEY_CHAR:
		break;
	}
	if (k->alt) {
		if (c == 0x7f || c == ED_CTRL('H'))
			return ed_ctrl(e, ED_CTRL('W'));
		if (c == 'b' || c == 'B')
			e->cur = ed_word_left(e, e->cur);
		else if (c == 'f' || c == 'F')
			e->cur = ed_word_right(e, e->cur);
		else
			return UI_ED_IGNORED;
		return UI_ED_CHANGED;
	}
	if (c < 0x20)
		return ed_ctrl(e, c);
	return ed_type(e, c);
}

int
ui_editor_paste(struct ui_editor *e, const char *s, size_t len)
{
	struct ui_san_opts o = { UI_SAN_MULTILINE, 4, UI_EDITOR_MAX + 1 };
	struct ui_text t;
	int r;

	if (len > UI_EDITOR_MAX)
		return ERR_TOO_BIG;
	if ((r = ui_sanitize(s, len, &o, &t)) != 0)
		return r;
	r = ed_insert(e, t.s, t.len);
	ui_text_free(&t);
	return r;
}

const char *
ui_editor_text(const struct ui_editor *e, size_t *len)
{
	if (len != NULL)
		*len = e->len;
	return e->buf;
}

size_t
ui_editor_cursor(const struct ui_editor *e)
{
	return e->cur;
}

void
ui_editor_cursor_pos(const struct ui_editor *e, size_t *line, size_t *col)
{
	size_t start = ed_line_start(e, e->cur), i, n = 0;

	for (i = 0; i < start; i++)
		if (e->buf[i] == '\n')
			n++;
	*line = n;
	*col = ui_width(e->buf + start, e->cur - start);
}

/* Forgets history entry i. */
static void
ed_hist_drop(struct ui_editor *e, size_t i)
{
	free(e->hist[i].text);
	memmove(&e->hist[i], &e->hist[i + 1],
	    (e->nhist - i - 1) * sizeof(e->hist[0]));
	e->nhist--;
}

int
ui_editor_submit(struct ui_editor *e, char **out)
{
	size_t i, last = 0, n = 0, oldest = 0;
	char *text, *h = NULL;

	*out = NULL;
	for (i = 0; i < e->len; i++)
		if (e->buf[i] != ' ' && e->buf[i] != '\n')
			break;
	if (i == e->len)
		return ERR_NOT_FOUND;
	if ((text = strdup(e->buf)) == NULL)
		return ERR_NOMEM;
	/* This chat's entries: how many, its oldest and its newest. */
	for (i = 0; i < e->nhist; i++)
		if (e->hist[i].chat == e->chat) {
			if (n++ == 0)
				oldest = i;
			last = i;
		}
	if (n == 0 || strcmp(e->hist[last].text, text) != 0) {
		if ((h = strdup(text)) == NULL) {
			free(text);
			return ERR_NOMEM;
		}
		if (n == UI_EDITOR_HISTORY)
			ed_hist_drop(e, oldest);
		else if (e->nhist == UI_EDITOR_HISTORY_ALL)
			ed_hist_drop(e, 0);
		e->hist[e->nhist].chat = e->chat;
		e->hist[e->nhist].text = h;
		e->nhist++;
	}
	e->hpos = e->nhist;
	free(e->pending);
	e->pending = NULL;
	ui_editor_clear(e);
	*out = text;
	return 0;
}

static struct ed_draft *
ed_find_draft(struct ui_editor *e, uint64_t chat)
{
	size_t i;

	for (i = 0; i < e->ndrafts; i++)
		if (e->drafts[i].chat == chat)
			return &e->drafts[i];
	return NULL;
}

int
ui_editor_switch(struct ui_editor *e, uint64_t chat_id)
{
	struct ed_draft *d, *grown;
	char *copy = NULL;
	size_t cur = 0;

	if (chat_id == e->chat)
		return 0;
	/* Keep the text as the old chat's draft; an empty one is none. */
	d = ed_find_draft(e, e->chat);
	if (e->len > 0) {
		if ((copy = strdup(e->buf)) == NULL)
			return ERR_NOMEM;
		if (d == NULL) {
			grown = realloc(e->drafts,
			    (e->ndrafts + 1) * sizeof(*grown));
			if (grown == NULL) {
				free(copy);
				return ERR_NOMEM;
			}
			e->drafts = grown;
			d = &e->drafts[e->ndrafts++];
			d->chat = e->chat;
			d->text = NULL;
		}
		free(d->text);
		d->text = copy;
		d->cur = e->cur;
	} else if (d != NULL) {
		free(d->text);
		*d = e->drafts[--e->ndrafts];
	}
	e->chat = chat_id;
	e->hpos = e->nhist;
	free(e->pending);
	e->pending = NULL;
	/* A draft came from this buffer, so it fits. */
	if ((d = ed_find_draft(e, chat_id)) != NULL) {
		cur = d->cur;
		(void)ed_set(e, d->text, cur);
	} else
		ui_editor_clear(e);
	return 0;
}

uint64_t
ui_editor_chat(const struct ui_editor *e)
{
	return e->chat;
}

void
ui_editor_clear(struct ui_editor *e)
{
	e->len = 0;
	e->cur = 0;
	e->buf[0] = '\0';
}

/* ------------------------------------------------------------ paste */

struct ui_paste {
	char buf[UI_EDITOR_MAX];
	size_t len;
	int on;
	int over;		/* longer than the editor takes */
	uint64_t last;		/* when input last came */
};

int
ui_paste_new(struct ui_paste **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ERR_NOMEM;
	return 0;
}

void
ui_paste_free(struct ui_paste *p)
{
	free(p);
}

void
ui_paste_begin(struct ui_paste *p, uint64_t now)
{
	p->on = 1;
	p->len = 0;
	p->over = 0;
	p->last = now;
}

int
ui_paste_on(const struct ui_paste *p)
{
	return p->on;
}

void
ui_paste_add(struct ui_paste *p, uint32_t cp, uint64_t now)
{
	char enc[4];
	size_t n;

	if (!p->on)
		return;
	p->last = now;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	n = utf8_encode(cp, enc);
	if (p->over || p->len + n > sizeof(p->buf)) {
		p->over = 1;
		return;
	}
	memcpy(p->buf + p->len, enc, n);
	p->len += n;
}

uint64_t
ui_paste_idle_left(const struct ui_paste *p, uint64_t now)
{
	if (!p->on || now >= p->last + UI_PASTE_IDLE_MS)
		return 0;
	return p->last + UI_PASTE_IDLE_MS - now;
}

int
ui_paste_end(struct ui_paste *p, struct ui_editor *e)
{
	int r;

	if (p->over)
		r = ERR_TOO_BIG;
	else if (e == NULL)
		r = ERR_INVAL;
	else
		r = ui_editor_paste(e, p->buf, p->len);
	p->on = 0;
	p->len = 0;
	p->over = 0;
	return r;
}
