/*
 * The screen model: from a struct ui_model and the size of each pane,
 * compute exactly the lines to show, as sanitised text in styled spans,
 * each at most the pane's width in cells. No curses here (STYLE.md: keep
 * the screen model apart from drawing); ui/draw.c paints these lines and
 * nothing else, so what the tests see in a ui_vlines is what the
 * terminal gets.
 */
#ifndef SOTTO_UI_VIEW_H
#define SOTTO_UI_VIEW_H

#include <stddef.h>
#include <time.h>

#include "ui/editor.h"
#include "ui/model.h"

enum ui_style {
	UI_ST_TEXT,
	UI_ST_DIM,
	UI_ST_TITLE,
	UI_ST_SENDER,
	UI_ST_SELF,
	UI_ST_SERVICE,
	UI_ST_QUOTE,
	UI_ST_DATE,
	UI_ST_UNREAD,
	UI_ST_MARK,
	UI_ST_STATUS,
	UI_ST_ERROR,
	UI_ST_COUNT
};

#define UI_SPANS_MAX	8

struct ui_span {
	enum ui_style style;
	size_t off, len;	/* bytes of the line's text */
};

/* One screen line. */
struct ui_vline {
	char *text;		/* sanitised, no '\n', owned by the set */
	size_t len;		/* bytes */
	size_t cells;		/* never more than the width asked for */
	struct ui_span span[UI_SPANS_MAX];
	int nspan;
	int selected;		/* drawn highlighted (the open chat) */
};

struct ui_vlines {
	struct ui_vline *v;
	size_t n, cap;
};

/* Releases the lines and zeroes *l. */
void ui_vlines_free(struct ui_vlines *l);

/* Seconds east of UTC and "now", injected so that tests are stable. */
struct ui_clock {
	time_t now;
	long utc_offset;	/* added to every time before formatting */
	const char *time_format;	/* strftime; NULL: "%H:%M" */
};

/*
 * The chat list, newest activity first: per chat a title line (lock mark,
 * title, unread count on the right) and a preview line (sender: text, or
 * who is typing). At most height lines, scrolled so that the open chat is
 * visible. Returns 0 or ERR_NOMEM; *out is filled (and owned by the
 * caller) only on success.
 */
int ui_view_chatlist(const struct ui_model *m, size_t width, size_t height,
    struct ui_vlines *out);

/*
 * The open chat's messages, bottom-aligned: scroll lines up from the
 * newest. Date separators where the day changes, then per message a
 * header (time, sender, edited mark, sent/read marks), a reply quote and
 * the wrapped text; service messages on one centred line each. At most
 * height lines. *scroll is clamped to what exists. Returns 0 or
 * ERR_NOMEM.
 */
int ui_view_messages(const struct ui_model *m, size_t width, size_t height,
    const struct ui_clock *clk, size_t *scroll, struct ui_vlines *out);

/*
 * As ui_view_messages(), for a view that keeps its place far up a long
 * chat: *skip (in and out; NULL: none) is how many of the newest messages
 * lie below what *scroll counts, so that only about three screens of
 * messages are laid out per frame however far up the user has paged;
 * both are renormalised on each call (keep them together, and reset both
 * to 0 to show the newest). *top (may be NULL) tells whether the oldest
 * loaded message is on screen, i.e. whether older ones should be loaded.
 */
int ui_view_messages_at(const struct ui_model *m, size_t width,
    size_t height, const struct ui_clock *clk, size_t *skip, size_t *scroll,
    struct ui_vlines *out, int *top);

/*
 * A view's place (*skip and *scroll of ui_view_messages_at) counts from
 * the newest loaded message, so a message put into the window, or taken
 * out of it, below what scroll counts would move every line a
 * scrolled-up view shows. The window's owner says so with these: below
 * is how many loaded messages are newer than the one added or removed (0:
 * it is the newest). A view at the newest (both 0) stays there and shows
 * a new message; one scrolled up counts it among the skipped ones and
 * keeps its lines. A message put among, or taken from, the lines laid
 * out above the skipped ones (one arriving out of order, one deleted
 * less than a screen below the view) is not accounted for: that would
 * need its lines.
 */
void ui_view_added(size_t *skip, size_t *scroll, size_t below);
void ui_view_removed(size_t *skip, size_t *scroll, size_t below);

/*
 * What keeps the window of a long chat near max messages around the
 * screen, however far the user pages (ui/app.c's cloud chats and
 * ui/secret_ui.c's secret ones share it): for a window of n messages,
 * skip of them below the screen (ui_view_messages_at), read page at a
 * time. Far up, the newest ones well below the screen are dropped
 * (drop_newest: to a page below it; not when fixed_newest is 0, e.g. a
 * message still pending there), to be read again on the way down
 * (read_newer: newer ones were dropped, tail_cut, and the view is within
 * half a page of the window's newest); near the newest, the oldest ones
 * more than three pages above the skipped ones (drop_oldest, counted
 * after drop_newest). Nothing is dropped while n is at most max.
 */
struct ui_trim {
	size_t drop_newest;
	size_t drop_oldest;
	int read_newer;
};

/* Fills *t; returns whether it asks for anything. */
int ui_view_trim(size_t n, size_t skip, size_t max, size_t page,
    int fixed_newest, int tail_cut, struct ui_trim *t);

/* The title line over the messages: the open chat's name, or a hint. */
int ui_view_title(const struct ui_model *m, size_t width,
    struct ui_vlines *out);

/*
 * The input line: a prompt and the cursor's line of the editor, scrolled
 * sideways so that the cursor is visible. *cursor_x is the cell column
 * of the cursor within the line. Returns 0 or ERR_NOMEM.
 */
int ui_view_input(const struct ui_editor *e, size_t width,
    struct ui_vlines *out, size_t *cursor_x);

/* The status line: account, connection state, the open chat, a note. */
int ui_view_status(const struct ui_model *m, size_t width,
    struct ui_vlines *out);

/*
 * The building blocks of every screen model (ui/vline.c): a new empty
 * line at the end of l (NULL: out of memory); appending sanitised
 * one-line text s of len bytes in style st while the line stays within
 * width cells, whole clusters only (ui_vline_put clips, ui_vline_fit ends
 * in an ellipsis when not all of s fits; ui_vline_str is ui_vline_put of
 * a C string); ui_vline_raw, text from the network or another user
 * (raw), sanitised to one line and fitted; and n cells of blanks. They
 * return 0 or ERR_NOMEM.
 */
struct ui_vline *ui_vline_new(struct ui_vlines *l);
int ui_vline_put(struct ui_vline *v, enum ui_style st, const char *s,
    size_t len, size_t width);
int ui_vline_str(struct ui_vline *v, enum ui_style st, const char *s,
    size_t width);
int ui_vline_fit(struct ui_vline *v, enum ui_style st, const char *s,
    size_t len, size_t width);
int ui_vline_raw(struct ui_vline *v, enum ui_style st, const char *raw,
    size_t width);
int ui_vline_pad(struct ui_vline *v, enum ui_style st, size_t n,
    size_t width);
/*
 * Moves lines [first, last) of all into out (empty); the rest stay in all
 * for the caller to free. Returns 0 or ERR_NOMEM.
 */
int ui_vlines_take(struct ui_vlines *out, struct ui_vlines *all,
    size_t first, size_t last);

/*
 * The input line with the given prompt (NULL: "> ", or "[line/lines]> "
 * for multi-line text), as ui_view_input().
 */
int ui_view_prompt(const struct ui_editor *e, const char *prompt,
    size_t width, struct ui_vlines *out, size_t *cursor_x);

/* The open chat, or NULL. */
const struct ui_chat *ui_model_current(const struct ui_model *m);

/*
 * The chat after (dir 1) or before (dir -1) the open one in list order,
 * wrapping around; the first chat when none is open; NULL when there are
 * none.
 */
const struct ui_chat *ui_model_step(const struct ui_model *m, int dir);

#endif
