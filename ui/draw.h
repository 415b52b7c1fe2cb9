/*
 * The painter: ncurses windows and panels for the chat list, the message
 * pane, the status line and the input line, filled from the lines that
 * ui/view.c computes. It decides nothing about content; it only places
 * lines and colours spans. It never calls doupdate(): the caller does,
 * once per loop turn, after ui_draw_frame().
 */
#ifndef SOTTO_UI_DRAW_H
#define SOTTO_UI_DRAW_H

#include <stddef.h>

#include <curses.h>

#include "ui/editor.h"
#include "ui/model.h"
#include "ui/view.h"

struct ui_screen;

/*
 * Starts curses on the terminal (initscr, colours, raw input). The locale
 * must already be set to a UTF-8 one. Returns 0, ERR_IO when the terminal
 * cannot be used, or ERR_NOMEM.
 */
int ui_draw_open(struct ui_screen **out);

/* Ends curses and restores the terminal; releases s. NULL is a no-op. */
void ui_draw_close(struct ui_screen *s);

/*
 * Lays the windows out again for a terminal of rows x cols (after
 * SIGWINCH) and forces a full repaint on the next frame. Returns 0 or
 * ERR_NOMEM.
 */
int ui_draw_resize(struct ui_screen *s, int rows, int cols);

/*
 * Paints a frame into curses' virtual screen: every pane from the model
 * and the editor, and the cursor in the input line. scroll is the
 * message pane's offset from the bottom, clamped here. Returns 0 or
 * ERR_NOMEM (the previous frame stays).
 */
int ui_draw_frame(struct ui_screen *s, const struct ui_model *m,
    const struct ui_editor *e, const struct ui_clock *clk, size_t *scroll);

/*
 * As ui_draw_frame(), with the message pane placed by *skip and *scroll
 * and *top set as ui_view_messages_at() says.
 */
int ui_draw_frame_at(struct ui_screen *s, const struct ui_model *m,
    const struct ui_editor *e, const struct ui_clock *clk, size_t *skip,
    size_t *scroll, int *top);

/*
 * Paints lines (trusted constant text, e.g. the key help) in a boxed
 * window centred over the frame, after ui_draw_frame(). n 0 removes it.
 * Returns 0 or ERR_NOMEM.
 */
int ui_draw_overlay(struct ui_screen *s, const char *const *lines, size_t n);

/*
 * Colours: fg[style] is -2 (the built-in choice), -1 (the terminal's
 * default) or 0..7; colors 0 draws without colour. Takes effect on the
 * next frame.
 */
void ui_draw_theme(struct ui_screen *s, int colors, const short *fg,
    size_t nfg);

/*
 * The search to show (borrowed; NULL: none): while it is on, the input
 * line is its, and while it lists hits they replace the messages.
 */
struct ui_search;
void ui_draw_search(struct ui_screen *s, const struct ui_search *q);

/*
 * The settings screen to show over the chats (borrowed; NULL: none): it
 * covers everything above the status line, and the input line says its
 * keys.
 */
struct ui_menu;
void ui_draw_menu(struct ui_screen *s, const struct ui_menu *m);

/* Lines of the message pane (for paging). */
int ui_draw_msg_rows(const struct ui_screen *s);

/*
 * The window keys are read from: the input line, which each frame leaves
 * refreshed, so that reading never triggers a refresh of its own.
 */
WINDOW *ui_draw_input_window(struct ui_screen *s);

#endif
