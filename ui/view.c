/*
 * Every model string enters through view_clean() (ui_sanitize) and every
 * line is built by ui_vline_put() (ui/vline.c), which adds whole clusters
 * only while they fit: together they guarantee that no line holds a control character
 * and none is wider than its pane, whatever the model holds.
 */
#include "config.h"

#include "ui/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "ui/duration.h"
#include "ui/sanitize.h"
#include "ui/wrap.h"

#define VIEW_INDENT	2	/* message text under its header */
#define VIEW_DAY	86400

static const char view_lock[] = "\xf0\x9f\x94\x92";	/* U+1F512, 2 cells */
static const char view_check[] = "\xe2\x9c\x93";	/* U+2713 */
/* The top row when older messages are above (view_more). */
static const char view_more_text[] = "\xe2\x86\x91 more above \xe2\x86\x91";
static const char view_timer[] = "\xe2\x8c\x9b";	/* U+231B, 2 cells */

/* Sanitises a model string: one line, or keeping line breaks. */
static int
view_clean(const char *raw, int multiline, struct ui_text *t)
{
	struct ui_san_opts o = { multiline ? UI_SAN_MULTILINE : 0,
	    multiline ? 4 : 1, 0 };

	return ui_sanitize(raw, raw != NULL ? strlen(raw) : 0, &o, t);
}

static int
view_cmp_chat(const void *a, const void *b)
{
	const struct ui_chat *x = *(const struct ui_chat *const *)a;
	const struct ui_chat *y = *(const struct ui_chat *const *)b;

	if (x->last_date != y->last_date)
		return x->last_date > y->last_date ? -1 : 1;
	if (x->id != y->id)
		return x->id > y->id ? -1 : 1;
	return 0;
}

/* The chats in list order, in a malloc()ed array (NULL when none). */
static const struct ui_chat **
view_sorted(const struct ui_model *m)
{
	const struct ui_chat **v;
	size_t i;

	if (m->nchats == 0 || (v = calloc(m->nchats, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < m->nchats; i++)
		v[i] = &m->chats[i];
	qsort(v, m->nchats, sizeof(*v), view_cmp_chat);
	return v;
}

const struct ui_chat *
ui_model_current(const struct ui_model *m)
{
	size_t i;

	for (i = 0; i < m->nchats; i++)
		if (m->chats[i].id == m->current && m->current != 0)
			return &m->chats[i];
	return NULL;
}

const struct ui_chat *
ui_model_step(const struct ui_model *m, int dir)
{
	const struct ui_chat **v, *c = NULL;
	size_t i;

	if ((v = view_sorted(m)) == NULL)
		return NULL;
	for (i = 0; i < m->nchats; i++)
		if (v[i]->id == m->current)
			break;
	if (i == m->nchats)
		c = v[0];
	else if (dir >= 0)
		c = v[(i + 1) % m->nchats];
	else
		c = v[(i + m->nchats - 1) % m->nchats];
	free(v);
	return c;
}

/* A secret chat's timer, "5s ", in the mark's style. */
static int
view_timer_mark(struct ui_vline *v, const char *timer, size_t width)
{
	struct ui_text t = { 0 };
	int r;

	if ((r = view_clean(timer, 0, &t)) == 0 &&
	    (r = ui_vline_fit(v, UI_ST_MARK, t.s, t.len, width)) == 0)
		r = ui_vline_str(v, UI_ST_MARK, " ", width);
	ui_text_free(&t);
	return r;
}

/* Title line and preview line of one chat. */
static int
view_chat(struct ui_vlines *l, const struct ui_chat *c, size_t width,
    int selected)
{
	struct ui_vline *v;
	struct ui_text t = { 0 }, p = { 0 };
	char badge[16];
	size_t bw = 0;
	int r = ERR_NOMEM;

	if (c->unread > 0) {
		if (c->unread > 999)
			snprintf(badge, sizeof(badge), " 999+");
		else
			snprintf(badge, sizeof(badge), " %u", c->unread);
		bw = strlen(badge);
	}
	if ((r = view_clean(c->title, 0, &t)) != 0)
		goto out;
	r = ERR_NOMEM;
	if ((v = ui_vline_new(l)) == NULL)
		goto out;
	v->selected = selected;
	if ((c->flags & UI_CHAT_SECRET) &&
	    (r = ui_vline_str(v, UI_ST_MARK, view_lock, width)) != 0)
		goto out;
	if (c->timer != NULL && (r = view_timer_mark(v, c->timer, width)) != 0)
		goto out;
	if ((r = ui_vline_fit(v, UI_ST_TITLE, t.s, t.len,
	    width > bw ? width - bw : 0)) != 0)
		goto out;
	if (bw > 0 && bw <= width) {
		if ((r = ui_vline_pad(v, UI_ST_TEXT, width - bw - v->cells,
		    width - bw)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_UNREAD, badge, width)) != 0)
			goto out;
	}
	r = ERR_NOMEM;
	if ((v = ui_vline_new(l)) == NULL)
		goto out;
	v->selected = selected;
	if ((r = ui_vline_pad(v, UI_ST_DIM, 2, width)) != 0)
		goto out;
	if (c->typing != NULL) {
		/* The name gives way to " is typing", which says what matters. */
		if ((r = view_clean(c->typing, 0, &p)) != 0 ||
		    (r = ui_vline_fit(v, UI_ST_MARK, p.s, p.len,
		    width > 12 ? width - 10 : width)) != 0 ||
		    (r = ui_vline_fit(v, UI_ST_MARK, " is typing", 10, width)) != 0)
			goto out;
	} else {
		if (c->preview_sender != NULL) {
			/* The sender takes at most half, the text the rest. */
			if ((r = view_clean(c->preview_sender, 0, &p)) != 0 ||
			    (r = ui_vline_fit(v, UI_ST_SENDER, p.s, p.len, v->cells +
			    (width - v->cells) / 2)) != 0 ||
			    (r = ui_vline_str(v, UI_ST_SENDER, ": ", width)) != 0)
				goto out;
			ui_text_free(&p);
		}
		if ((r = view_clean(c->preview, 0, &p)) != 0 ||
		    (r = ui_vline_fit(v, UI_ST_DIM, p.s, p.len, width)) != 0)
			goto out;
	}
	r = 0;
out:
	ui_text_free(&t);
	ui_text_free(&p);
	return r;
}

int
ui_view_chatlist(const struct ui_model *m, size_t width, size_t height,
    struct ui_vlines *out)
{
	struct ui_vlines all = { 0 };
	const struct ui_chat **v = NULL;
	size_t i, first = 0, sel = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (m->nchats > 0 && (v = view_sorted(m)) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < m->nchats; i++) {
		if (v[i]->id == m->current)
			sel = i;
		if ((r = view_chat(&all, v[i], width, v[i]->id == m->current))
		    != 0)
			goto out;
	}
	/* Scroll so that the open chat's two lines are on screen. */
	if (2 * sel + 2 > height)
		first = 2 * sel + 2 - height;
	r = ui_vlines_take(out, &all, first, all.n < first + height ? all.n :
	    first + height);
out:
	for (i = 0; i < all.n; i++)
		free(all.v[i].text);
	free(all.v);
	free(v);
	return r;
}

static void
view_day_name(const struct ui_clock *clk, time_t date, char *buf,
    size_t size)
{
	long long day = ((long long)date + clk->utc_offset) / VIEW_DAY;
	long long today = ((long long)clk->now + clk->utc_offset) / VIEW_DAY;
	time_t t = date + clk->utc_offset;
	struct tm tm;

	if (day == today)
		snprintf(buf, size, "Today");
	else if (day == today - 1)
		snprintf(buf, size, "Yesterday");
	else if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%a %d %b %Y", &tm) == 0)
		snprintf(buf, size, "?");
}

/* A line of text centred in width, e.g. a date separator. */
static int
view_centred(struct ui_vlines *l, enum ui_style st, const char *s,
    size_t len, size_t width)
{
	struct ui_vline *v;
	size_t w = ui_width(s, len);
	int r;

	if ((v = ui_vline_new(l)) == NULL)
		return ERR_NOMEM;
	if (w < width && (r = ui_vline_pad(v, st, (width - w) / 2, width)) != 0)
		return r;
	return ui_vline_fit(v, st, s, len, width);
}

/* The wrapped lines of sanitised multi-line text, indented. */
static int
view_wrapped(struct ui_vlines *l, enum ui_style st, const struct ui_text *t,
    size_t indent, size_t width)
{
	struct ui_line *lines = NULL;
	struct ui_vline *v;
	size_t n, i, inner;
	int r = 0;

	if (indent >= width)
		indent = 0;
	inner = width - indent;
	n = ui_wrap(t->s, t->len, inner, NULL, 0);
	if ((lines = calloc(n, sizeof(*lines))) == NULL)
		return ERR_NOMEM;
	ui_wrap(t->s, t->len, inner, lines, n);
	for (i = 0; i < n; i++) {
		if ((v = ui_vline_new(l)) == NULL) {
			r = ERR_NOMEM;
			break;
		}
		/* An over-wide cluster (width 1, a wide char) is clipped. */
		if ((r = ui_vline_pad(v, st, indent, width)) != 0 ||
		    (r = ui_vline_put(v, st, t->s + lines[i].off, lines[i].len, width)) != 0)
			break;
	}
	free(lines);
	return r;
}

static int
view_message(struct ui_vlines *l, const struct ui_msg *msg, size_t width,
    const struct ui_clock *clk)
{
	struct ui_text name = { 0 }, body = { 0 }, q = { 0 };
	struct ui_vline *v;
	char hhmm[48], marks[64], left[UI_DURATION_LEN];
	time_t t = msg->date + clk->utc_offset;
	struct tm tm;
	size_t mw;
	int r;

	if ((r = view_clean(msg->text, 1, &body)) != 0)
		goto out;
	if (msg->flags & UI_MSG_WARN) {
		/* Loud: not a dim centred notice but the error style, under
		 * a header of its own, wrapped whole. */
		r = ERR_NOMEM;
		if ((v = ui_vline_new(l)) == NULL ||
		    (r = ui_vline_str(v, UI_ST_ERROR, "!! WARNING", width)) != 0)
			goto out;
		r = view_wrapped(l, UI_ST_ERROR, &body, VIEW_INDENT, width);
		goto out;
	}
	if (msg->flags & UI_MSG_SERVICE) {
		r = view_centred(l, UI_ST_SERVICE, body.s, body.len, width);
		goto out;
	}
	if ((r = view_clean(msg->sender != NULL ? msg->sender : "?", 0,
	    &name)) != 0)
		goto out;
	/* The format is the user's own (ui/config.c refused controls). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(hhmm, sizeof(hhmm) - 1, clk->time_format != NULL ?
	    clk->time_format : "%H:%M", &tm) == 0)
		snprintf(hhmm, sizeof(hhmm), "--:--");
#pragma GCC diagnostic pop
	strcat(hhmm, " ");
	marks[0] = '\0';
	if (msg->flags & UI_MSG_EDITED)
		strcat(marks, " (edited)");
	if (msg->flags & UI_MSG_OUT) {
		if (msg->flags & UI_MSG_FAILED)
			strcat(marks, " !");
		else if (msg->flags & UI_MSG_PENDING)
			strcat(marks, " ...");
		else {
			strcat(marks, " ");
			strcat(marks, view_check);
			if (msg->flags & UI_MSG_READ)
				strcat(marks, view_check);
		}
	}
	/* Self-destruct: the time left, or the timer still to start. */
	if (msg->expires != 0 || msg->ttl != 0) {
		ui_duration_format(msg->expires == 0 ? msg->ttl :
		    msg->expires > clk->now ? (uint64_t)(msg->expires -
		    clk->now) : 0, left, sizeof(left));
		strcat(marks, " ");
		strcat(marks, view_timer);
		strcat(marks, left);
	}
	mw = ui_width(marks, strlen(marks));
	r = ERR_NOMEM;
	if ((v = ui_vline_new(l)) == NULL)
		goto out;
	if ((r = ui_vline_str(v, UI_ST_DIM, hhmm, width)) != 0 ||
	    (r = ui_vline_fit(v, (msg->flags & UI_MSG_OUT) ? UI_ST_SELF :
	    UI_ST_SENDER, name.s, name.len, width > mw ? width - mw : 0)) != 0 ||
	    (r = ui_vline_str(v, (msg->flags & UI_MSG_FAILED) ? UI_ST_ERROR :
	    UI_ST_MARK, marks, width)) != 0)
		goto out;
	if (msg->fwd_from != NULL) {
		r = ERR_NOMEM;
		if ((v = ui_vline_new(l)) == NULL)
			goto out;
		if ((r = view_clean(msg->fwd_from, 0, &q)) != 0 ||
		    (r = ui_vline_pad(v, UI_ST_QUOTE, VIEW_INDENT, width)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_QUOTE, "forwarded from ", width)) !=
		    0 || (r = ui_vline_fit(v, UI_ST_QUOTE, q.s, q.len, width)) != 0)
			goto out;
		ui_text_free(&q);
	}
	if (msg->reply_to != 0) {
		r = ERR_NOMEM;
		if ((v = ui_vline_new(l)) == NULL)
			goto out;
		if ((r = ui_vline_pad(v, UI_ST_QUOTE, VIEW_INDENT, width)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_QUOTE, "| ", width)) != 0)
			goto out;
		if (msg->reply_text == NULL) {
			r = ui_vline_fit(v, UI_ST_QUOTE, "(earlier message)", 17,
			    width);
			if (r != 0)
				goto out;
		} else {
			if (msg->reply_sender != NULL) {
				if ((r = view_clean(msg->reply_sender, 0,
				    &q)) != 0 ||
				    (r = ui_vline_fit(v, UI_ST_QUOTE, q.s, q.len,
				    width)) != 0 ||
				    (r = ui_vline_str(v, UI_ST_QUOTE, ": ", width))
				    != 0)
					goto out;
				ui_text_free(&q);
			}
			if ((r = view_clean(msg->reply_text, 0, &q)) != 0 ||
			    (r = ui_vline_fit(v, UI_ST_QUOTE, q.s, q.len, width))
			    != 0)
				goto out;
		}
	}
	r = view_wrapped(l, UI_ST_TEXT, &body, VIEW_INDENT, width);
out:
	ui_text_free(&name);
	ui_text_free(&body);
	ui_text_free(&q);
	return r;
}

/* The day of date as a number, in the clock's time zone. */
static long long
view_day(const struct ui_clock *clk, time_t date)
{
	return ((long long)date + clk->utc_offset) / VIEW_DAY;
}

int
ui_view_messages(const struct ui_model *m, size_t width, size_t height,
    const struct ui_clock *clk, size_t *scroll, struct ui_vlines *out)
{
	return ui_view_messages_at(m, width, height, clk, NULL, scroll, out,
	    NULL);
}

/*
 * Message i's lines: the day's separator when the day changed, then it,
 * highlighted when it is found (a search hit being shown).
 */
static int
view_block(struct ui_vlines *l, const struct ui_chat *c, size_t i,
    size_t width, const struct ui_clock *clk, uint64_t found)
{
	char day[64];
	size_t from;
	int r;

	if (i == 0 || view_day(clk, c->msgs[i].date) !=
	    view_day(clk, c->msgs[i - 1].date)) {
		view_day_name(clk, c->msgs[i].date, day + 3, sizeof(day) - 6);
		memcpy(day, "-- ", 3);
		strcat(day, " --");
		if ((r = view_centred(l, UI_ST_DATE, day, strlen(day), width))
		    != 0)
			return r;
	}
	from = l->n;
	if ((r = view_message(l, &c->msgs[i], width, clk)) != 0)
		return r;
	for (; found != 0 && c->msgs[i].id == found && from < l->n; from++)
		l->v[from].selected = 1;
	return 0;
}

/*
 * When older messages lie above the viewport (laid out or not, loaded or
 * about to be: the caller loads the next page once the oldest loaded one
 * shows), the top row says so instead of the line it would show. Paging
 * moves by a screen less one line, so that line shows on the next page
 * either way. A pane of less than three rows keeps its text.
 */
static int
view_more(struct ui_vlines *l, int more, size_t width, size_t height)
{
	struct ui_vlines m = { 0 };
	int r;

	if (!more || l->n == 0 || l->n < height || height < 3)
		return 0;
	if ((r = view_centred(&m, UI_ST_DIM, view_more_text,
	    sizeof(view_more_text) - 1, width)) != 0) {
		ui_vlines_free(&m);
		return r;
	}
	free(l->v[0].text);
	l->v[0] = m.v[0];
	free(m.v);
	return 0;
}

int
ui_view_messages_at(const struct ui_model *m, size_t width, size_t height,
    const struct ui_clock *clk, size_t *skip, size_t *scroll,
    struct ui_vlines *out, int *top)
{
	const struct ui_chat *c = ui_model_current(m);
	struct ui_vlines all = { 0 }, *blk = NULL, b;
	size_t i, j, k, nblk = 0, total = 0, need, first, last, sk, end;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (top != NULL)
		*top = 1;
	if (c == NULL) {
		*scroll = 0;
		if (skip != NULL)
			*skip = 0;
		return 0;
	}
	sk = skip != NULL && *skip < c->nmsgs ? *skip : 0;
	/*
	 * While messages are skipped, keep at least a screen of lines
	 * below the viewport: bring skipped ones back as the user pages
	 * down.
	 */
	while (sk > 0 && *scroll < height) {
		memset(&b, 0, sizeof(b));
		r = view_block(&b, c, c->nmsgs - sk, width, clk, m->found);
		*scroll += b.n;
		ui_vlines_free(&b);
		if (r != 0)
			return r;
		sk--;
	}
	end = c->nmsgs - sk;
	if (end > 0 && (blk = calloc(end, sizeof(*blk))) == NULL)
		return ERR_NOMEM;
	/*
	 * Newest first, one block of lines per message, until the lines
	 * reach scroll + height: the older ones would not show.
	 */
	need = *scroll + height;
	for (i = end; i-- > 0 && total < need; nblk++) {
		if ((r = view_block(&blk[nblk], c, i, width, clk, m->found))
		    != 0) {
			nblk++;
			goto out;
		}
		total += blk[nblk].n;
	}
	if (total > 0 && (all.v = calloc(total, sizeof(*all.v))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	all.cap = total;
	for (k = nblk; k-- > 0;) {
		for (j = 0; j < blk[k].n; j++) {
			all.v[all.n++] = blk[k].v[j];
			blk[k].v[j].text = NULL;
		}
	}
	/* Bottom-aligned: the last height lines, scroll lines up. */
	if (all.n <= height)
		*scroll = 0;
	else if (*scroll > all.n - height)
		*scroll = all.n - height;
	last = all.n - *scroll;
	first = last > height ? last - height : 0;
	if (top != NULL)
		*top = nblk == end && first == 0;
	if ((r = ui_vlines_take(out, &all, first, last)) != 0 ||
	    (r = view_more(out, !(nblk == end && first == 0), width,
	    height)) != 0)
		goto out;
	/*
	 * The newest messages laid out wholly more than a screen below the
	 * viewport are skipped from the next frame on (their lines leave
	 * scroll), so that a frame costs about three screens of layout
	 * however far up the user has paged.
	 */
	for (k = 0; skip != NULL && k + 1 < nblk &&
	    *scroll >= blk[k].n + height; k++) {
		*scroll -= blk[k].n;
		sk++;
	}
	if (skip != NULL)
		*skip = sk;
out:
	for (k = 0; k < nblk; k++) {
		for (j = 0; j < blk[k].n; j++)
			free(blk[k].v[j].text);
		free(blk[k].v);
	}
	free(blk);
	for (i = 0; i < all.n; i++)
		free(all.v[i].text);
	free(all.v);
	if (r != 0)
		ui_vlines_free(out);
	return r;
}

void
ui_view_added(size_t *skip, size_t *scroll, size_t below)
{
	/* At the newest the view follows it. */
	if (*skip == 0 && *scroll == 0)
		return;
	/*
	 * Skipped, it lies below what scroll counts; a view less than a
	 * screen up takes it back next frame, adding its lines to scroll.
	 */
	if (below <= *skip)
		(*skip)++;
}

void
ui_view_removed(size_t *skip, size_t *scroll, size_t below)
{
	(void)scroll;
	if (below < *skip)
		(*skip)--;
}

int
ui_view_trim(size_t n, size_t skip, size_t max, size_t page,
    int fixed_newest, int tail_cut, struct ui_trim *t)
{
	memset(t, 0, sizeof(*t));
	if (n > max && skip > 2 * page && fixed_newest) {
		t->drop_newest = skip - page;
		n -= t->drop_newest;
		skip -= t->drop_newest;
		tail_cut = 1;
	}
	if (n > max && skip + 3 * page < n)
		t->drop_oldest = n - (skip + 3 * page);
	t->read_newer = tail_cut && skip < page / 2;
	return t->drop_newest > 0 || t->drop_oldest > 0 || t->read_newer;
}

/* Appends " - s" (sanitised, dim) to a title line, when there is room. */
static int
view_title_extra(struct ui_vline *v, const char *s, size_t width)
{
	struct ui_text t = { 0 };
	int r;

	if (s == NULL || s[0] == '\0' || v->cells + 4 > width)
		return 0;
	if ((r = view_clean(s, 0, &t)) == 0 && t.len > 0 &&
	    (r = ui_vline_str(v, UI_ST_DIM, " - ", width)) == 0)
		r = ui_vline_fit(v, UI_ST_DIM, t.s, t.len, width);
	ui_text_free(&t);
	return r;
}

int
ui_view_title(const struct ui_model *m, size_t width, struct ui_vlines *out)
{
	const struct ui_chat *c = ui_model_current(m);
	struct ui_text t = { 0 };
	struct ui_vline *v;
	int r;

	memset(out, 0, sizeof(*out));
	if ((v = ui_vline_new(out)) == NULL)
		return ERR_NOMEM;
	if (c == NULL) {
		r = ui_vline_fit(v, UI_ST_DIM, "Tab: next chat", 14, width);
		goto out;
	}
	if ((c->flags & UI_CHAT_SECRET) &&
	    (r = ui_vline_str(v, UI_ST_MARK, view_lock, width)) != 0)
		goto out;
	if ((r = view_clean(c->title, 0, &t)) != 0 ||
	    (r = ui_vline_fit(v, UI_ST_TITLE, t.s, t.len, width)) != 0)
		goto out;
	/* The peer's last seen, then its bio, as far as they fit. */
	if ((r = view_title_extra(v, c->status, width)) != 0)
		goto out;
	r = view_title_extra(v, c->bio, width);
out:
	ui_text_free(&t);
	if (r != 0)
		ui_vlines_free(out);
	return r;
}

int
ui_view_input(const struct ui_editor *e, size_t width, struct ui_vlines *out,
    size_t *cursor_x)
{
	return ui_view_prompt(e, NULL, width, out, cursor_x);
}

int
ui_view_prompt(const struct ui_editor *e, const char *given, size_t width,
    struct ui_vlines *out, size_t *cursor_x)
{
	const char *s;
	char prompt[32];
	size_t len, cur, start, end, line, col, skip = 0, k, nlines = 1, i;
	struct ui_vline *v;
	size_t pw, room;
	int w, r;

	memset(out, 0, sizeof(*out));
	*cursor_x = 0;
	s = ui_editor_text(e, &len);
	cur = ui_editor_cursor(e);
	ui_editor_cursor_pos(e, &line, &col);
	for (i = 0; i < len; i++)
		if (s[i] == '\n')
			nlines++;
	if (given != NULL)
		snprintf(prompt, sizeof(prompt), "%s", given);
	else if (nlines > 1)
		snprintf(prompt, sizeof(prompt), "[%zu/%zu]> ", line + 1,
		    nlines);
	else
		snprintf(prompt, sizeof(prompt), "> ");
	for (start = cur; start > 0 && s[start - 1] != '\n'; start--)
		;
	for (end = cur; end < len && s[end] != '\n'; end++)
		;
	if ((v = ui_vline_new(out)) == NULL)
		return ERR_NOMEM;
	pw = strlen(prompt);
	if (pw + 2 > width)
		pw = 0;
	else if ((r = ui_vline_str(v, UI_ST_DIM, prompt, width)) != 0)
		goto out;
	/* Keep a cell free after the cursor; scroll whole clusters. */
	room = width > pw + 1 ? width - pw - 1 : 0;
	while (col - skip > room && start < cur) {
		k = ui_cluster(s + start, cur - start, &w);
		start += k;
		skip += (size_t)w;
	}
	if ((r = ui_vline_put(v, UI_ST_TEXT, s + start, end - start, width)) != 0)
		goto out;
	*cursor_x = pw + (col - skip);
	if (*cursor_x >= width)
		*cursor_x = width > 0 ? width - 1 : 0;
out:
	if (r != 0)
		ui_vlines_free(out);
	return r;
}

int
ui_view_status(const struct ui_model *m, size_t width, struct ui_vlines *out)
{
	static const char *const conn[] = { "offline", "connecting", "online" };
	const struct ui_chat *c = ui_model_current(m);
	struct ui_text t = { 0 };
	struct ui_vline *v;
	int r;

	memset(out, 0, sizeof(*out));
	if ((v = ui_vline_new(out)) == NULL)
		return ERR_NOMEM;
	if ((r = view_clean(m->account != NULL ? m->account :
	    "(not logged in)", 0, &t)) != 0 ||
	    (r = ui_vline_str(v, UI_ST_STATUS, " ", width)) != 0 ||
	    (r = ui_vline_fit(v, UI_ST_STATUS, t.s, t.len, width)) != 0 ||
	    (r = ui_vline_str(v, UI_ST_STATUS, " | ", width)) != 0 ||
	    (r = ui_vline_str(v, m->conn == UI_CONN_ONLINE ? UI_ST_STATUS :
	    UI_ST_ERROR, conn[m->conn <= UI_CONN_ONLINE ? m->conn : 0],
	    width)) != 0)
		goto out;
	ui_text_free(&t);
	if (c != NULL && c->typing != NULL) {
		if ((r = view_clean(c->typing, 0, &t)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_STATUS, " | ", width)) != 0 ||
		    (r = ui_vline_fit(v, UI_ST_STATUS, t.s, t.len, width)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_STATUS, " is typing", width)) != 0)
			goto out;
		ui_text_free(&t);
	}
	if (m->note != NULL) {
		if ((r = view_clean(m->note, 0, &t)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_STATUS, " | ", width)) != 0 ||
		    (r = ui_vline_fit(v, m->note_warn ? UI_ST_ERROR : UI_ST_STATUS,
		    t.s, t.len, width)) != 0)
			goto out;
	}
	r = ui_vline_pad(v, UI_ST_STATUS, width - v->cells, width);
out:
	ui_text_free(&t);
	if (r != 0)
		ui_vlines_free(out);
	return r;
}
