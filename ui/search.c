/*
 * The query is parsed once into tokens (search_parse) for two uses: the
 * FTS4 expression handed to the store, and the words highlighted in the
 * hits. Both cut text as FTS4's simple tokenizer does (runs of ASCII
 * letters and digits and of non-ASCII bytes; ASCII folded), so what is
 * highlighted is what matched. Every token goes out inside double
 * quotes and no quote, parenthesis or operator ever leaves them, which
 * is what makes any input a valid expression.
 */
#include "config.h"

#include "ui/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "ui/sanitize.h"

#define SEARCH_CTRL(c)	((c) & 0x1f)
#define SEARCH_TOKS_MAX	64
#define SEARCH_INDENT	2

static const char search_ellipsis[] = "\xe2\x80\xa6";	/* U+2026 */
static const char search_return[] = "\xe2\x8f\x8e";	/* U+23CE */

struct search_hit {
	uint64_t id;
	char *sender;
	time_t date;
	char *text;
};

struct ui_search {
	enum ui_search_state state;
	uint64_t chat;
	struct ui_editor *ed;
	char query[UI_SEARCH_QUERY_MAX + 1];	/* as it was run */
	struct search_hit *hits;
	size_t nhits, cap, pick;
	int err;
	int running;		/* between ui_search_running and _done */
};

/* The parsed query: tokens, lower-cased, NUL-separated in buf. */
struct search_toks {
	char buf[UI_SEARCH_QUERY_MAX * 2];
	struct {
		size_t off, len;
		int prefix;	/* a word's last token, before a '*' */
		int last;	/* the last token of its word or phrase */
	} t[SEARCH_TOKS_MAX];
	size_t n, items;
};

static int
search_tokch(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static char
search_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The tokens of q[from, to) as one item (a word or a phrase). */
static int
search_item(struct search_toks *st, const char *q, size_t from, size_t to,
    size_t *used)
{
	size_t i = from, start, k, first = st->n;

	while (i < to) {
		if (!search_tokch((unsigned char)q[i])) {
			i++;
			continue;
		}
		for (start = i; i < to &&
		    search_tokch((unsigned char)q[i]); i++)
			;
		if (st->n == SEARCH_TOKS_MAX ||
		    *used + (i - start) + 1 > sizeof(st->buf))
			return ERR_TOO_BIG;
		st->t[st->n].off = *used;
		st->t[st->n].len = i - start;
		st->t[st->n].prefix = 0;
		st->t[st->n].last = 0;
		for (k = start; k < i; k++)
			st->buf[(*used)++] = search_lower(q[k]);
		st->buf[(*used)++] = '\0';
		st->n++;
		/* A '*' right after the last token makes it a prefix. */
		if (i < to && q[i] == '*') {
			for (k = i; k < to &&
			    !search_tokch((unsigned char)q[k]); k++)
				;
			if (k == to)
				st->t[st->n - 1].prefix = 1;
		}
	}
	if (st->n > first) {
		st->t[st->n - 1].last = 1;
		if (++st->items > UI_SEARCH_TERMS_MAX)
			return ERR_TOO_BIG;
	}
	return 0;
}

static int
search_parse(const char *q, struct search_toks *st)
{
	size_t n = strlen(q), i = 0, end, used = 0;
	int r;

	memset(st, 0, sizeof(*st));
	if (n > UI_SEARCH_QUERY_MAX)
		return ERR_TOO_BIG;
	while (i < n) {
		if (q[i] == ' ' || q[i] == '\t' || q[i] == '\n') {
			i++;
			continue;
		}
		if (q[i] == '"') {
			/* A phrase, to the next quote or the end. */
			for (end = ++i; end < n && q[end] != '"'; end++)
				;
			if ((r = search_item(st, q, i, end, &used)) != 0)
				return r;
			i = end < n ? end + 1 : n;
			continue;
		}
		for (end = i; end < n && q[end] != ' ' && q[end] != '\t' &&
		    q[end] != '\n' && q[end] != '"'; end++)
			;
		if ((r = search_item(st, q, i, end, &used)) != 0)
			return r;
		i = end;
	}
	return st->items > 0 ? 0 : ERR_INVAL;
}

int
ui_search_match(const char *query, char *out, size_t cap)
{
	struct search_toks st;
	size_t i, o = 0, need;
	int r, open = 0;

	if (cap == 0)
		return ERR_TOO_BIG;
	out[0] = '\0';
	if ((r = search_parse(query, &st)) != 0)
		return r;
	for (i = 0; i < st.n; i++) {
		/* '"' or ' ' before, the token, '*', '"', ' ' and NUL. */
		need = 1 + st.t[i].len + 4;
		if (o + need > cap)
			return ERR_TOO_BIG;
		if (!open) {
			if (o > 0)
				out[o++] = ' ';
			out[o++] = '"';
			open = 1;
		} else
			out[o++] = ' ';
		memcpy(out + o, st.buf + st.t[i].off, st.t[i].len);
		o += st.t[i].len;
		if (st.t[i].prefix)
			out[o++] = '*';
		if (st.t[i].last) {
			out[o++] = '"';
			open = 0;
		}
		out[o] = '\0';
	}
	return 0;
}

/* ------------------------------------------------------------ state */

int
ui_search_new(struct ui_search **out)
{
	struct ui_search *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	if (ui_editor_new(&s->ed) != 0) {
		free(s);
		return ERR_NOMEM;
	}
	*out = s;
	return 0;
}

void
ui_search_clear(struct ui_search *s)
{
	size_t i;

	for (i = 0; i < s->nhits; i++) {
		free(s->hits[i].sender);
		free(s->hits[i].text);
	}
	s->nhits = 0;
	s->pick = 0;
	s->err = 0;
}

void
ui_search_free(struct ui_search *s)
{
	if (s == NULL)
		return;
	ui_search_clear(s);
	free(s->hits);
	ui_editor_free(s->ed);
	free(s);
}

void
ui_search_begin(struct ui_search *s, uint64_t chat_id)
{
	ui_search_clear(s);
	ui_editor_clear(s->ed);
	s->query[0] = '\0';
	s->chat = chat_id;
	s->state = UI_SEARCH_PROMPT;
}

void
ui_search_edit(struct ui_search *s)
{
	if (s->state != UI_SEARCH_OFF)
		s->state = UI_SEARCH_PROMPT;
}

void
ui_search_shown(struct ui_search *s)
{
	if (s->state != UI_SEARCH_OFF)
		s->state = UI_SEARCH_SHOWN;
}

void
ui_search_end(struct ui_search *s)
{
	ui_search_clear(s);
	s->state = UI_SEARCH_OFF;
	s->chat = 0;
}

enum ui_search_state
ui_search_state(const struct ui_search *s)
{
	return s->state;
}

uint64_t
ui_search_chat(const struct ui_search *s)
{
	return s->chat;
}

struct ui_editor *
ui_search_editor(struct ui_search *s)
{
	return s->ed;
}

void
ui_search_move(struct ui_search *s, long delta)
{
	long p = (long)s->pick + delta;

	if (s->nhits == 0)
		return;
	if (p < 0)
		p = 0;
	if ((size_t)p >= s->nhits)
		p = (long)s->nhits - 1;
	s->pick = (size_t)p;
}

/* The key's direction through the hits: -1 newer, 1 older, 0 neither. */
static int
search_dir(const struct ui_key *k)
{
	if (k->alt)
		return 0;
	if (k->code == UI_KEY_UP || (k->code == UI_KEY_CHAR &&
	    (k->ch == 'N' || k->ch == SEARCH_CTRL('P'))))
		return -1;
	if (k->code == UI_KEY_DOWN || (k->code == UI_KEY_CHAR &&
	    (k->ch == 'n' || k->ch == SEARCH_CTRL('N'))))
		return 1;
	return 0;
}

static int
search_is_enter(const struct ui_key *k)
{
	return k->code == UI_KEY_ENTER || (k->code == UI_KEY_CHAR &&
	    (k->ch == '\r' || k->ch == '\n'));
}

static int
search_is_backspace(const struct ui_key *k)
{
	return k->code == UI_KEY_BACKSPACE || (k->code == UI_KEY_CHAR &&
	    (k->ch == 0x7f || k->ch == SEARCH_CTRL('H')));
}

enum ui_search_action
ui_search_key(struct ui_search *s, const struct ui_key *k)
{
	size_t before = s->pick;
	int dir;

	switch (s->state) {
	case UI_SEARCH_PROMPT:
		if (search_is_enter(k))
			return k->alt ? UI_SA_NONE : UI_SA_RUN;
		/* One line, no history: Up and Down mean nothing here. */
		if (k->code == UI_KEY_UP || k->code == UI_KEY_DOWN)
			return UI_SA_NONE;
		return ui_editor_key(s->ed, k) == UI_ED_CHANGED ?
		    UI_SA_CHANGED : UI_SA_NONE;
	case UI_SEARCH_RESULTS:
		if ((dir = search_dir(k)) != 0 && s->nhits > 0) {
			ui_search_move(s, dir);
			return UI_SA_CHANGED;
		}
		if (search_is_enter(k))
			return s->nhits > 0 && !k->alt ? UI_SA_JUMP :
			    UI_SA_NONE;
		/* Typing goes back to the query. */
		if (search_is_backspace(k) || (k->code == UI_KEY_CHAR &&
		    !k->alt && k->ch >= 0x20)) {
			s->state = UI_SEARCH_PROMPT;
			(void)ui_editor_key(s->ed, k);
			return UI_SA_CHANGED;
		}
		return UI_SA_NONE;
	case UI_SEARCH_SHOWN:
		if ((dir = search_dir(k)) != 0) {
			ui_search_move(s, dir);
			return s->pick != before ? UI_SA_JUMP : UI_SA_NONE;
		}
		if (search_is_enter(k) && !k->alt)
			return UI_SA_STAY;
		return UI_SA_NONE;
	default:
		return UI_SA_NONE;
	}
}

int
ui_search_add(struct ui_search *s, uint64_t id, const char *sender,
    time_t date, const char *text)
{
	struct search_hit *h;
	size_t cap;

	if (s->nhits == UI_SEARCH_HITS_MAX)
		return ERR_TOO_BIG;
	if (s->nhits == s->cap) {
		cap = s->cap ? s->cap * 2 : 16;
		if ((h = realloc(s->hits, cap * sizeof(*h))) == NULL)
			return ERR_NOMEM;
		s->hits = h;
		s->cap = cap;
	}
	h = &s->hits[s->nhits];
	h->id = id;
	h->date = date;
	h->sender = strdup(sender != NULL ? sender : "?");
	h->text = strdup(text != NULL ? text : "");
	if (h->sender == NULL || h->text == NULL) {
		free(h->sender);
		free(h->text);
		return ERR_NOMEM;
	}
	s->nhits++;
	return 0;
}

void
ui_search_running(struct ui_search *s)
{
	snprintf(s->query, sizeof(s->query), "%s", ui_editor_text(s->ed,
	    NULL));
	s->running = 1;
	s->state = UI_SEARCH_RESULTS;
}

void
ui_search_done(struct ui_search *s, int err)
{
	const char *q = ui_editor_text(s->ed, NULL);

	snprintf(s->query, sizeof(s->query), "%s", q);
	s->running = 0;
	s->err = err;
	s->pick = 0;
	s->state = UI_SEARCH_RESULTS;
}

size_t
ui_search_count(const struct ui_search *s)
{
	return s->nhits;
}

size_t
ui_search_pick(const struct ui_search *s)
{
	return s->pick;
}

uint64_t
ui_search_picked(const struct ui_search *s)
{
	return s->pick < s->nhits ? s->hits[s->pick].id : 0;
}

/* ------------------------------------------------------------ lines */

static int
search_clean(const char *raw, struct ui_text *t)
{
	struct ui_san_opts o = { 0, 1, 0 };

	return ui_sanitize(raw, strlen(raw), &o, t);
}

int
ui_search_view_input(const struct ui_search *s, size_t width,
    struct ui_vlines *out, size_t *cursor_x)
{
	struct ui_text q = { 0 };
	struct ui_vline *v;
	char info[160];
	int r;

	if (s->state == UI_SEARCH_PROMPT)
		return ui_view_prompt(s->ed, "search: ", width, out, cursor_x);
	memset(out, 0, sizeof(*out));
	*cursor_x = 0;
	if (s->running)
		snprintf(info, sizeof(info), " | searching...");
	else if (s->nhits == 0)
		snprintf(info, sizeof(info), " | Backspace: edit, Esc: back");
	else if (s->state == UI_SEARCH_RESULTS)
		snprintf(info, sizeof(info), " | %zu/%zu | Up/Down, Enter: "
		    "show, Esc: back", s->pick + 1, s->nhits);
	else
		snprintf(info, sizeof(info), " | %zu/%zu | n/N: next/previous, "
		    "Enter: stay here, Esc: back", s->pick + 1, s->nhits);
	if ((r = search_clean(s->query, &q)) != 0)
		return r;
	r = ERR_NOMEM;
	if ((v = ui_vline_new(out)) == NULL)
		goto out;
	/* The keys matter more than the end of a long query. */
	if ((r = ui_vline_fit(v, UI_ST_DIM, "search: ", 8, width)) != 0 ||
	    (r = ui_vline_fit(v, UI_ST_TEXT, q.s, q.len, width >
	    ui_width(info, strlen(info)) + 12 ? width -
	    ui_width(info, strlen(info)) : width)) != 0 ||
	    (r = ui_vline_fit(v, UI_ST_DIM, info, strlen(info), width)) != 0)
		goto out;
	*cursor_x = v->cells < width ? v->cells : width > 0 ? width - 1 : 0;
out:
	ui_text_free(&q);
	if (r != 0)
		ui_vlines_free(out);
	return r;
}

int
ui_search_view_title(const struct ui_search *s, size_t width,
    struct ui_vlines *out)
{
	struct ui_vline *v;
	char buf[96];
	int r;

	memset(out, 0, sizeof(*out));
	if ((v = ui_vline_new(out)) == NULL)
		return ERR_NOMEM;
	if (s->err != 0 || s->nhits == 0)
		snprintf(buf, sizeof(buf), "Search");
	else if (s->nhits == UI_SEARCH_HITS_MAX)
		snprintf(buf, sizeof(buf), "Search: the newest %zu matches",
		    s->nhits);
	else
		snprintf(buf, sizeof(buf), "Search: %zu message%s match%s",
		    s->nhits, s->nhits == 1 ? "" : "s", s->nhits == 1 ? "es" :
		    "");
	if ((r = ui_vline_fit(v, UI_ST_TITLE, buf, strlen(buf), width)) != 0)
		ui_vlines_free(out);
	return r;
}

/*
 * A cluster that starts a token: the tokenizer's rule, except for the
 * sanitiser's mark for a line break, which stood for a separator.
 */
static int
search_tok_at(const char *p, size_t len)
{
	if (len >= 3 && memcmp(p, search_return, 3) == 0)
		return 0;
	return search_tokch((unsigned char)p[0]);
}

/* The length of the token run at p (whole clusters); 0 when none. */
static size_t
search_run(const char *p, size_t len)
{
	size_t i = 0;
	int w;

	while (i < len && search_tok_at(p + i, len - i))
		i += ui_cluster(p + i, len - i, &w);
	return i;
}

/* Whether the run p[0, len) is one of the query's tokens. */
static int
search_hits_tok(const struct search_toks *st, const char *p, size_t len)
{
	size_t i, k;

	for (i = 0; i < st->n; i++) {
		if (len < st->t[i].len || (!st->t[i].prefix &&
		    len != st->t[i].len))
			continue;
		for (k = 0; k < st->t[i].len; k++)
			if (search_lower(p[k]) != st->buf[st->t[i].off + k])
				break;
		if (k == st->t[i].len)
			return 1;
	}
	return 0;
}

/* The text line of a hit: cut so that its first match shows. */
static int
search_snippet(struct ui_vline *v, const struct search_toks *st,
    const struct ui_text *t, size_t width)
{
	size_t i = 0, k, start = 0, first = t->len, lead, room, limit;
	int w, r, cut;

	for (i = 0; i < t->len && first == t->len; i += k) {
		if ((k = search_run(t->s + i, t->len - i)) > 0) {
			if (search_hits_tok(st, t->s + i, k))
				first = i;
			continue;
		}
		k = ui_cluster(t->s + i, t->len - i, &w);
	}
	if ((r = ui_vline_pad(v, UI_ST_TEXT, SEARCH_INDENT, width)) != 0)
		return r;
	room = width > v->cells ? width - v->cells : 0;
	/* Start a third of the way before the match when it would not show. */
	if (first < t->len && ui_width(t->s, first) + 8 > room) {
		lead = ui_width(t->s, first);
		while (start < first && lead > room / 3) {
			k = ui_cluster(t->s + start, first - start, &w);
			start += k;
			lead -= (size_t)w;
		}
		if ((r = ui_vline_put(v, UI_ST_DIM, search_ellipsis, 3,
		    width)) != 0)
			return r;
	}
	cut = ui_width(t->s + start, t->len - start) > width - v->cells;
	limit = cut && width > 0 ? width - 1 : width;
	for (i = start; i < t->len && v->cells < limit; i += k) {
		enum ui_style sty = UI_ST_TEXT;

		if ((k = search_run(t->s + i, t->len - i)) == 0)
			k = ui_cluster(t->s + i, t->len - i, &w);
		else if (v->nspan < UI_SPANS_MAX - 1 &&
		    search_hits_tok(st, t->s + i, k))
			sty = UI_ST_UNREAD;
		if ((r = ui_vline_put(v, sty, t->s + i, k, limit)) != 0)
			return r;
	}
	if (cut)
		return ui_vline_put(v, UI_ST_DIM, search_ellipsis, 3, width);
	return 0;
}

static int
search_hit_lines(struct ui_vlines *l, const struct search_hit *h,
    const struct search_toks *st, size_t width, const struct ui_clock *clk,
    int picked)
{
	struct ui_text name = { 0 }, body = { 0 };
	struct ui_vline *v, *v2;
	char when[96], fmt[64];
	time_t t = h->date + clk->utc_offset;
	struct tm tm;
	int r;

	snprintf(fmt, sizeof(fmt), "%%d %%b %%Y %s", clk->time_format !=
	    NULL ? clk->time_format : "%H:%M");
	/* The time format is the user's own (ui/settings.c checked it). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when) - 3, fmt, &tm) == 0)
		snprintf(when, sizeof(when), "?");
#pragma GCC diagnostic pop
	strcat(when, "  ");
	if ((r = search_clean(h->sender, &name)) != 0 ||
	    (r = search_clean(h->text, &body)) != 0)
		goto out;
	r = ERR_NOMEM;
	if ((v = ui_vline_new(l)) == NULL)
		goto out;
	v->selected = picked;
	if ((r = ui_vline_fit(v, UI_ST_DATE, when, strlen(when), width)) != 0 ||
	    (r = ui_vline_fit(v, UI_ST_SENDER, name.s, name.len, width)) != 0)
		goto out;
	r = ERR_NOMEM;
	if ((v2 = ui_vline_new(l)) == NULL)
		goto out;
	v2->selected = picked;
	r = search_snippet(v2, st, &body, width);
out:
	ui_text_free(&name);
	ui_text_free(&body);
	return r;
}

int
ui_search_view_hits(const struct ui_search *s, size_t width, size_t height,
    const struct ui_clock *clk, struct ui_vlines *out)
{
	struct search_toks st;
	struct ui_text q = { 0 };
	struct ui_vline *v;
	char why[96];
	size_t i, first = 0, shown;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (height == 0)
		return 0;
	if (s->nhits == 0) {
		if (s->running)
			snprintf(why, sizeof(why), "searching...");
		else if (s->err == ERR_INVAL)
			snprintf(why, sizeof(why), "nothing to search for: "
			    "type a word");
		else if (s->err != 0)
			snprintf(why, sizeof(why), "search failed: %s",
			    err_str(s->err));
		else
			snprintf(why, sizeof(why), "no messages match ");
		if ((v = ui_vline_new(out)) == NULL)
			return ERR_NOMEM;
		if ((r = ui_vline_fit(v, s->running ? UI_ST_DIM : UI_ST_ERROR,
		    why, strlen(why), width)) != 0)
			goto out;
		if (s->err == 0 && !s->running) {
			if ((r = search_clean(s->query, &q)) != 0 ||
			    (r = ui_vline_fit(v, UI_ST_ERROR, "\"", 1, width))
			    != 0 ||
			    (r = ui_vline_fit(v, UI_ST_ERROR, q.s, q.len,
			    width > 1 ? width - 1 : 0)) != 0 ||
			    (r = ui_vline_fit(v, UI_ST_ERROR, "\"", 1, width))
			    != 0)
				goto out;
		}
		goto out;
	}
	/* A query that ran parsed; one that did not shows no highlight. */
	if (search_parse(s->query, &st) != 0)
		memset(&st, 0, sizeof(st));
	shown = height / 2 > 0 ? height / 2 : 1;
	if (s->pick >= shown)
		first = s->pick - shown + 1;
	for (i = first; i < s->nhits && out->n + 2 <= (height < 2 ? 2 :
	    height); i++)
		if ((r = search_hit_lines(out, &s->hits[i], &st, width, clk,
		    i == s->pick)) != 0)
			goto out;
	/* A one-line pane shows the picked hit's text only. */
	if (height < out->n) {
		free(out->v[0].text);
		out->v[0] = out->v[1];
		out->n = 1;
	}
out:
	ui_text_free(&q);
	if (r != 0)
		ui_vlines_free(out);
	return r;
}
