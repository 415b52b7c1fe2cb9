/*
 * Layout, for a terminal of R rows and C columns:
 *
 *   +-- list --+-+-- title ------------+
 *   |          |||-- messages ---------|
 *   |          |||                     |
 *   +----------+-+---------------------+
 *   | status line                      |   row R-2
 *   | > input line                     |   row R-1
 *
 * Each pane is its own window with a panel, so that menus and forms can
 * later be stacked over them. Windows are rebuilt on every resize rather
 * than moved: a rebuilt window has no stale cells, which is what keeps a
 * resize from leaving garbage behind. Every cell a frame owns is written
 * on every frame (lines are padded to the pane's width, empty rows
 * cleared); curses then sends only what changed.
 */
#include "config.h"

#include "ui/draw.h"

#include <panel.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "ui/menu.h"
#include "ui/sanitize.h"
#include "ui/search.h"

#define DRAW_MIN_ROWS	5
#define DRAW_MIN_COLS	20

enum {
	DRAW_LIST,
	DRAW_SEP,
	DRAW_TITLE,
	DRAW_MSGS,
	DRAW_STATUS,
	DRAW_INPUT,
	DRAW_OVERLAY,
	DRAW_MENU,
	DRAW_NWIN
};

struct ui_screen {
	WINDOW *win[DRAW_NWIN];
	PANEL *pan[DRAW_NWIN];
	int rows, cols;
	int too_small;
	SCREEN *term;
	int colors;		/* the terminal has colours */
	int use_colors;		/* and the theme wants them */
	const char *const *ov;	/* the overlay's lines, or NULL */
	size_t nov;
	const struct ui_search *search;	/* or NULL */
	const struct ui_menu *menu;	/* the settings screen, or NULL */
};

/* The built-in colour of each pair (draw_pair), by pair number. */
static const short draw_default_fg[8] = {
	-1, COLOR_CYAN, COLOR_GREEN, COLOR_YELLOW, COLOR_MAGENTA, COLOR_BLUE,
	COLOR_RED, COLOR_WHITE
};

/* The built-in colour pair of a style (draw_default_fg); 0: default. */
static short
draw_builtin(enum ui_style st)
{
	switch (st) {
	case UI_ST_SENDER:	return 1;
	case UI_ST_SELF:	return 2;
	case UI_ST_DATE:	return 3;
	case UI_ST_UNREAD:	return 4;
	case UI_ST_MARK:	return 5;
	case UI_ST_ERROR:	return 6;
	case UI_ST_QUOTE:	return 7;
	default:		return 0;
	}
}

/* Each style has its own pair, 1 + style, so a theme can recolour it. */
static short
draw_pair(enum ui_style st)
{
	return (short)(1 + (int)st);
}

void
ui_draw_theme(struct ui_screen *s, int colors, const short *fg, size_t nfg)
{
	short c;
	int st;

	s->use_colors = s->colors && colors;
	if (!s->colors)
		return;
	for (st = 0; st < UI_ST_COUNT; st++) {
		c = draw_default_fg[draw_builtin((enum ui_style)st)];
		if (fg != NULL && (size_t)st < nfg && fg[st] >= -1)
			c = fg[st];
		init_pair(draw_pair((enum ui_style)st), c, -1);
	}
	clearok(curscr, TRUE);
}

static attr_t
draw_attr(enum ui_style st)
{
	switch (st) {
	case UI_ST_DIM:
	case UI_ST_SERVICE:
	case UI_ST_QUOTE:
		return A_DIM;
	case UI_ST_TITLE:
	case UI_ST_UNREAD:
	case UI_ST_SENDER:
	case UI_ST_SELF:
		return A_BOLD;
	case UI_ST_STATUS:
		return A_REVERSE;
	case UI_ST_ERROR:
		return A_REVERSE | A_BOLD;
	default:
		return A_NORMAL;
	}
}

static void
draw_free_windows(struct ui_screen *s)
{
	int i;

	for (i = 0; i < DRAW_NWIN; i++) {
		if (s->pan[i] != NULL)
			del_panel(s->pan[i]);
		if (s->win[i] != NULL)
			delwin(s->win[i]);
		s->pan[i] = NULL;
		s->win[i] = NULL;
	}
}

int
ui_draw_open(struct ui_screen **out)
{
	struct ui_screen *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	/* newterm, not initscr: an unknown TERM is an error, not an exit. */
	if ((s->term = newterm(NULL, stdout, stdin)) == NULL) {
		free(s);
		return ERR_IO;
	}
	raw();
	noecho();
	nonl();
	set_escdelay(25);
	curs_set(1);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		s->colors = 1;
		ui_draw_theme(s, 1, NULL, 0);
	}
	if (ui_draw_resize(s, LINES, COLS) != 0) {
		ui_draw_close(s);
		return ERR_NOMEM;
	}
	*out = s;
	return 0;
}

void
ui_draw_close(struct ui_screen *s)
{
	if (s == NULL)
		return;
	draw_free_windows(s);
	/*
	 * The SCREEN stays (no delscreen): the panel library keeps a panel
	 * of its own per screen that delscreen would leave unreachable.
	 */
	endwin();
	free(s);
}

static int
draw_add(int i, struct ui_screen *s, int h, int w, int y, int x)
{
	if ((s->win[i] = newwin(h, w, y, x)) == NULL ||
	    (s->pan[i] = new_panel(s->win[i])) == NULL)
		return ERR_NOMEM;
	return 0;
}

int
ui_draw_resize(struct ui_screen *s, int rows, int cols)
{
	int lw, mw, body, r;

	draw_free_windows(s);
	if (rows != LINES || cols != COLS)
		resizeterm(rows, cols);
	s->rows = rows;
	s->cols = cols;
	s->too_small = rows < DRAW_MIN_ROWS || cols < DRAW_MIN_COLS;
	/* The terminal may have reflowed its contents: repaint it all. */
	clearok(curscr, TRUE);
	if (s->too_small) {
		if ((r = draw_add(DRAW_INPUT, s, rows, cols, 0, 0)) != 0)
			return r;
	} else {
		lw = cols / 3;
		if (lw > 32)
			lw = 32;
		mw = cols - lw - 1;
		body = rows - 2;
		if ((r = draw_add(DRAW_LIST, s, body, lw, 0, 0)) != 0 ||
		    (r = draw_add(DRAW_SEP, s, body, 1, 0, lw)) != 0 ||
		    (r = draw_add(DRAW_TITLE, s, 1, mw, 0, lw + 1)) != 0 ||
		    (r = draw_add(DRAW_MSGS, s, body - 1, mw, 1, lw + 1)) != 0 ||
		    (r = draw_add(DRAW_STATUS, s, 1, cols, rows - 2, 0)) != 0 ||
		    (r = draw_add(DRAW_INPUT, s, 1, cols, rows - 1, 0)) != 0)
			return r;
	}
	keypad(s->win[DRAW_INPUT], TRUE);
	nodelay(s->win[DRAW_INPUT], TRUE);
	return 0;
}

/* Writes one cluster of sanitised text as one cell (or two, when wide). */
static void
draw_cluster(WINDOW *w, const char *p, size_t len, attr_t attr, short pair)
{
	wchar_t wc[CCHARW_MAX + 1];
	cchar_t cc;
	size_t i = 0, k;
	uint32_t c;
	int n = 0;

	while (i < len && n < CCHARW_MAX) {
		k = utf8_decode(p + i, len - i, &c);
		wc[n++] = c == UTF8_INVALID ? (wchar_t)0xfffd : (wchar_t)c;
		i += k;
	}
	wc[n] = L'\0';
	if (setcchar(&cc, wc, attr, pair, NULL) == OK)
		wadd_wch(w, &cc);
}

/* Paints line v in row y of w, padded to the window's width. */
static void
draw_line(struct ui_screen *s, WINDOW *w, int y, const struct ui_vline *v)
{
	int width = getmaxx(w), sp, cells = 0, cw;
	attr_t attr, extra = v != NULL && v->selected ? A_REVERSE : A_NORMAL;
	size_t i, k;
	short pair;
	cchar_t blank;

	wmove(w, y, 0);
	for (sp = 0; v != NULL && sp < v->nspan; sp++) {
		attr = draw_attr(v->span[sp].style) | extra;
		pair = s->use_colors ? draw_pair(v->span[sp].style) : 0;
		/* Reverse video already marks the selection; keep it legible. */
		if (extra != A_NORMAL)
			pair = 0;
		for (i = v->span[sp].off; i < v->span[sp].off + v->span[sp].len;
		    i += k) {
			k = ui_cluster(v->text + i, v->span[sp].off +
			    v->span[sp].len - i, &cw);
			if (cells + cw > width)
				break;
			draw_cluster(w, v->text + i, k, attr, pair);
			cells += cw;
		}
	}
	/* Pad with blanks of the line's look, to the last column. */
	attr = extra;
	if (v != NULL && v->nspan > 0 &&
	    v->span[v->nspan - 1].style == UI_ST_STATUS)
		attr |= A_REVERSE;
	setcchar(&blank, L" ", attr, 0, NULL);
	if (cells < width)
		mvwhline_set(w, y, cells, &blank, width - cells);
}

static int
draw_pane(struct ui_screen *s, WINDOW *w, const struct ui_vlines *l,
    int top_pad)
{
	int y, rows = getmaxy(w), first = 0;

	if (top_pad && (int)l->n < rows)
		first = rows - (int)l->n;
	for (y = 0; y < rows; y++) {
		if (y >= first && (size_t)(y - first) < l->n)
			draw_line(s, w, y, &l->v[y - first]);
		else
			draw_line(s, w, y, NULL);
	}
	wnoutrefresh(w);
	return 0;
}

int
ui_draw_frame(struct ui_screen *s, const struct ui_model *m,
    const struct ui_editor *e, const struct ui_clock *clk, size_t *scroll)
{
	size_t skip = 0;
	int top;

	return ui_draw_frame_at(s, m, e, clk, &skip, scroll, &top);
}

int
ui_draw_overlay(struct ui_screen *s, const char *const *lines, size_t n)
{
	s->ov = n > 0 ? lines : NULL;
	s->nov = n;
	return 0;
}

/* Whole clusters of line while they fit in cells columns. */
static void
draw_clipped(WINDOW *w, int y, int x, const char *line, size_t cells)
{
	size_t len = strlen(line), take = 0, used = 0, k;
	int cw;

	while (take < len) {
		k = ui_cluster(line + take, len - take, &cw);
		if (used + (size_t)cw > cells)
			break;
		take += k;
		used += (size_t)cw;
	}
	if (take > 0)
		mvwaddnstr(w, y, x, line, (int)take);
}

/* The overlay as a boxed panel on top of the others, clipped to fit. */
static void
draw_overlay(struct ui_screen *s)
{
	size_t i, w = 0, len;
	int h, ww, y, x;

	if (s->win[DRAW_OVERLAY] != NULL) {
		del_panel(s->pan[DRAW_OVERLAY]);
		delwin(s->win[DRAW_OVERLAY]);
		s->pan[DRAW_OVERLAY] = NULL;
		s->win[DRAW_OVERLAY] = NULL;
	}
	if (s->ov == NULL || s->too_small)
		return;
	/* In cells: a line may hold wide or multi-byte characters. */
	for (i = 0; i < s->nov; i++)
		if ((len = ui_width(s->ov[i], strlen(s->ov[i]))) > w)
			w = len;
	h = (int)s->nov + 2 < s->rows - 1 ? (int)s->nov + 2 : s->rows - 1;
	ww = (int)w + 4 < s->cols ? (int)w + 4 : s->cols;
	y = (s->rows - 1 - h) / 2;
	x = (s->cols - ww) / 2;
	if (draw_add(DRAW_OVERLAY, s, h, ww, y, x) != 0)
		return;
	werase(s->win[DRAW_OVERLAY]);
	box(s->win[DRAW_OVERLAY], 0, 0);
	for (i = 0; i < s->nov && (int)i < h - 2; i++)
		draw_clipped(s->win[DRAW_OVERLAY], 1 + (int)i, 2, s->ov[i],
		    ww > 4 ? (size_t)ww - 4 : 0);
	wnoutrefresh(s->win[DRAW_OVERLAY]);
}

/*
 * The settings screen as a panel over the chats (all rows above the
 * status line), made again each frame like the overlay, which is made
 * after it and so stays on top.
 */
static int
draw_menu(struct ui_screen *s)
{
	struct ui_vlines l = { 0 };
	int r;

	if (s->win[DRAW_MENU] != NULL) {
		del_panel(s->pan[DRAW_MENU]);
		delwin(s->win[DRAW_MENU]);
		s->pan[DRAW_MENU] = NULL;
		s->win[DRAW_MENU] = NULL;
	}
	if (s->menu == NULL || s->too_small)
		return 0;
	if ((r = draw_add(DRAW_MENU, s, s->rows - 2, s->cols, 0, 0)) != 0 ||
	    (r = ui_menu_view(s->menu, (size_t)s->cols, (size_t)s->rows - 2,
	    &l)) != 0)
		return r;
	draw_pane(s, s->win[DRAW_MENU], &l, 0);
	ui_vlines_free(&l);
	return 0;
}

int
ui_draw_frame_at(struct ui_screen *s, const struct ui_model *m,
    const struct ui_editor *e, const struct ui_clock *clk, size_t *skip,
    size_t *scroll, int *top)
{
	struct ui_vlines list = { 0 }, title = { 0 }, msgs = { 0 },
	    status = { 0 }, input = { 0 };
	WINDOW *in = s->win[DRAW_INPUT];
	enum ui_search_state qs = s->search != NULL ?
	    ui_search_state(s->search) : UI_SEARCH_OFF;
	size_t cx = 0;
	int y, r;

	*top = 0;
	if (s->too_small) {
		werase(in);
		mvwaddnstr(in, 0, 0, "terminal too small", s->cols);
		update_panels();
		return 0;
	}
	if ((r = ui_view_chatlist(m, (size_t)getmaxx(s->win[DRAW_LIST]),
	    (size_t)getmaxy(s->win[DRAW_LIST]), &list)) != 0 ||
	    (r = ui_view_status(m, (size_t)s->cols, &status)) != 0)
		goto out;
	if (qs == UI_SEARCH_RESULTS) {
		if ((r = ui_search_view_title(s->search,
		    (size_t)getmaxx(s->win[DRAW_TITLE]), &title)) != 0 ||
		    (r = ui_search_view_hits(s->search,
		    (size_t)getmaxx(s->win[DRAW_MSGS]),
		    (size_t)getmaxy(s->win[DRAW_MSGS]), clk, &msgs)) != 0)
			goto out;
	} else if ((r = ui_view_title(m, (size_t)getmaxx(s->win[DRAW_TITLE]),
	    &title)) != 0 ||
	    (r = ui_view_messages_at(m, (size_t)getmaxx(s->win[DRAW_MSGS]),
	    (size_t)getmaxy(s->win[DRAW_MSGS]), clk, skip, scroll, &msgs,
	    top)) != 0)
		goto out;
	if (s->menu != NULL)
		r = ui_menu_view_input(s->menu, (size_t)s->cols, &input, &cx);
	else if (qs != UI_SEARCH_OFF)
		r = ui_search_view_input(s->search, (size_t)s->cols, &input,
		    &cx);
	else
		r = ui_view_input(e, (size_t)s->cols, &input, &cx);
	if (r != 0)
		goto out;
	draw_pane(s, s->win[DRAW_LIST], &list, 0);
	for (y = 0; y < getmaxy(s->win[DRAW_SEP]); y++)
		mvwadd_wch(s->win[DRAW_SEP], y, 0, WACS_VLINE);
	wnoutrefresh(s->win[DRAW_SEP]);
	draw_pane(s, s->win[DRAW_TITLE], &title, 0);
	/* Messages sit at the bottom, search hits at the top. */
	draw_pane(s, s->win[DRAW_MSGS], &msgs, qs != UI_SEARCH_RESULTS);
	draw_pane(s, s->win[DRAW_STATUS], &status, 0);
	draw_pane(s, in, &input, 0);
	(void)draw_menu(s);
	draw_overlay(s);
	update_panels();
	/* The input line goes last, so the terminal's cursor is its. */
	wmove(in, 0, (int)cx);
	wnoutrefresh(in);
out:
	ui_vlines_free(&list);
	ui_vlines_free(&title);
	ui_vlines_free(&msgs);
	ui_vlines_free(&status);
	ui_vlines_free(&input);
	return r;
}

void
ui_draw_menu(struct ui_screen *s, const struct ui_menu *m)
{
	s->menu = m;
}

void
ui_draw_search(struct ui_screen *s, const struct ui_search *q)
{
	s->search = q;
}

int
ui_draw_msg_rows(const struct ui_screen *s)
{
	return s->win[DRAW_MSGS] != NULL ? getmaxy(s->win[DRAW_MSGS]) : 1;
}

WINDOW *
ui_draw_input_window(struct ui_screen *s)
{
	return s->win[DRAW_INPUT];
}
