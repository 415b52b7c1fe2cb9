/*
 * The lines of the screen models (ui/view.h's building blocks): each
 * line grows by whole clusters of sanitised text while they fit its
 * width, so that no line a model makes can hold a control character or
 * be wider than its pane. ui/view.c, ui/search.c, ui/menu.c and the
 * settings pages build their lines here.
 */
#include "config.h"

#include "ui/view.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "ui/sanitize.h"
#include "ui/wrap.h"

static const char vl_ellipsis[] = "\xe2\x80\xa6";	/* U+2026 */

void
ui_vlines_free(struct ui_vlines *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct ui_vline *
ui_vline_new(struct ui_vlines *l)
{
	struct ui_vline *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	v = &l->v[l->n];
	memset(v, 0, sizeof(*v));
	if ((v->text = malloc(1)) == NULL)
		return NULL;
	v->text[0] = '\0';
	l->n++;
	return v;
}

/*
 * Appends the clusters of sanitised one-line text s while the line stays
 * within width cells. Sets *fit (may be NULL) to whether all of s fitted.
 */
static int
vl_put(struct ui_vline *v, enum ui_style st, const char *s, size_t len,
    size_t width, int *fit)
{
	size_t take = 0, cells = 0, k;
	char *p;
	int w;

	while (take < len) {
		k = ui_cluster(s + take, len - take, &w);
		if (s[take] == '\n' || v->cells + cells + (size_t)w > width)
			break;
		take += k;
		cells += (size_t)w;
	}
	if (fit != NULL)
		*fit = take == len;
	if (take == 0)
		return 0;
	if ((p = realloc(v->text, v->len + take + 1)) == NULL)
		return ERR_NOMEM;
	v->text = p;
	memcpy(v->text + v->len, s, take);
	if (v->nspan > 0 && (v->span[v->nspan - 1].style == st ||
	    v->nspan == UI_SPANS_MAX))
		v->span[v->nspan - 1].len += take;
	else {
		v->span[v->nspan].style = st;
		v->span[v->nspan].off = v->len;
		v->span[v->nspan].len = take;
		v->nspan++;
	}
	v->len += take;
	v->text[v->len] = '\0';
	v->cells += cells;
	return 0;
}

int
ui_vline_put(struct ui_vline *v, enum ui_style st, const char *s, size_t len,
    size_t width)
{
	return vl_put(v, st, s, len, width, NULL);
}

int
ui_vline_str(struct ui_vline *v, enum ui_style st, const char *s,
    size_t width)
{
	return vl_put(v, st, s, strlen(s), width, NULL);
}

/*
 * Appends as much of s as fits, ending in an ellipsis when it does not
 * all fit.
 */
int
ui_vline_fit(struct ui_vline *v, enum ui_style st, const char *s, size_t len,
    size_t width)
{
	size_t room;
	int fit, r;

	if (v->cells + ui_width(s, len) <= width)
		return vl_put(v, st, s, len, width, &fit);
	room = width > v->cells ? width - v->cells : 0;
	if (room == 0)
		return 0;
	if ((r = vl_put(v, st, s, len, v->cells + room - 1, &fit)) != 0)
		return r;
	return ui_vline_str(v, st, vl_ellipsis, width);
}

int
ui_vline_pad(struct ui_vline *v, enum ui_style st, size_t n, size_t width)
{
	static const char sp[] = "                                ";
	size_t k;
	int r;

	while (n > 0 && v->cells < width) {
		k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;
		if ((r = vl_put(v, st, sp, k, width, NULL)) != 0)
			return r;
		n -= k;
	}
	return 0;
}

int
ui_vlines_take(struct ui_vlines *out, struct ui_vlines *all, size_t first,
    size_t last)
{
	size_t i;

	if (last <= first)
		return 0;
	if ((out->v = calloc(last - first, sizeof(*out->v))) == NULL)
		return ERR_NOMEM;
	out->cap = last - first;
	for (i = first; i < last; i++) {
		out->v[out->n++] = all->v[i];
		all->v[i].text = NULL;
	}
	return 0;
}

int
ui_vline_raw(struct ui_vline *v, enum ui_style st, const char *raw,
    size_t width)
{
	struct ui_san_opts o = { 0, 1, 0 };
	struct ui_text t;
	int r;

	if ((r = ui_sanitize(raw, raw != NULL ? strlen(raw) : 0, &o, &t))
	    != 0)
		return r;
	r = ui_vline_fit(v, st, t.s, t.len, width);
	ui_text_free(&t);
	return r;
}
