/*
 * The interactive terminal UI on a libuv loop: stdin watched with
 * uv_poll and read with wget_wch, SIGWINCH through uv_signal, and one
 * frame (one doupdate()) per loop turn, only when something changed.
 * It shows a struct ui_model owned by the caller and reports what the
 * user does through callbacks; it never touches the network or the
 * database (DESIGN.md section 9).
 *
 * Keys: Tab / Shift-Tab and Ctrl-N / Ctrl-P next and previous chat (Tab
 * completes a /command instead while one is being typed), PgUp/PgDn
 * scroll the messages, Enter sends, Alt-Enter starts a new line, Ctrl-F
 * searches the open chat (ui/search.h: Enter runs the query, Up/Down or
 * n/N pick a hit, Enter shows it, Esc goes back), F1 shows the keys,
 * Ctrl-L repaints, Ctrl-C, Ctrl-Q or F10 quit; the rest edit the input
 * line (ui/editor.h). Those that run an action are the defaults of
 * ui/keys.h: the settings' [keys] section rebinds them (ui_tui_configure),
 * and F1 shows the bindings in force.
 */
#ifndef SOTTO_UI_TUI_H
#define SOTTO_UI_TUI_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ui/model.h"

struct ui_tui;
struct ui_search;

struct ui_tui_events {
	/*
	 * The user sent text (sanitised, NUL-terminated, borrowed for the
	 * call) to chat_id. May be NULL.
	 */
	void (*on_submit)(void *ud, uint64_t chat_id, const char *text);
	/* The user opened chat_id (model->current is already set). May be NULL. */
	void (*on_select)(void *ud, uint64_t chat_id);
	/* The user asked to quit. The caller stops the TUI. */
	void (*on_quit)(void *ud);
	/*
	 * The input line changed by a key (text borrowed for the call), e.g.
	 * to say "typing". May be NULL.
	 */
	void (*on_edit)(void *ud, uint64_t chat_id, const char *text);
	/*
	 * A frame showed the oldest loaded message of chat_id: load older
	 * ones if there are any (then ui_tui_refresh). It is called after
	 * every such frame, so loading must be idempotent. May be NULL.
	 */
	void (*on_top)(void *ud, uint64_t chat_id);
	/* Ctrl-F in chat_id. May be NULL. */
	void (*on_search)(void *ud, uint64_t chat_id);
	/*
	 * After every frame: how many of the newest loaded messages of
	 * chat_id lie below the screen (see ui_view_messages_at), so that a
	 * caller holding a window of a long chat can drop or add messages
	 * far from the screen (then ui_tui_skip_adjust). May be NULL.
	 */
	void (*on_view)(void *ud, uint64_t chat_id, size_t skip);
	/*
	 * Search (Ctrl-F; without on_find, Ctrl-F only calls on_search):
	 * adds the messages of chat_id that match expr (an FTS4 expression
	 * from ui_search_match) to s with ui_search_add, newest first;
	 * returns 0 or an ERR_*. May be NULL.
	 */
	int (*on_find)(void *ud, uint64_t chat_id, const char *expr,
	    struct ui_search *s);
	/*
	 * Moves the window of chat_id to message id (0: to the newest) and
	 * returns how many loaded messages are newer than it, which the
	 * view then skips, so that id is the lowest message on screen. May
	 * be NULL.
	 */
	size_t (*on_jump)(void *ud, uint64_t chat_id, uint64_t id);
	/*
	 * A key on the settings screen (ui_tui_menu) asked for act (an
	 * enum ui_menu_action; UI_MA_CLOSE for Esc, after which the caller
	 * closes the screen). May be NULL.
	 */
	void (*on_menu)(void *ud, int act);
};

/*
 * Takes over the terminal and starts showing m (borrowed: it must outlive
 * the TUI) on loop. The locale must be a UTF-8 one already. Returns 0,
 * ERR_IO (no usable terminal, or a libuv call failed) or ERR_NOMEM.
 */
int ui_tui_start(struct ui_tui **out, uv_loop_t *loop, struct ui_model *m,
    const struct ui_tui_events *ev, void *ud);

/* The model changed: a new frame is drawn at the end of this loop turn. */
void ui_tui_refresh(struct ui_tui *t);

/*
 * Opens chat_id as if the user had picked it (drafts switch, on_select
 * runs). The chat must be in the model.
 */
void ui_tui_select(struct ui_tui *t, uint64_t chat_id);

/*
 * Timings for bench/tui_bench.py, written only when $SOTTO_TUI_TRACE
 * names a file: every frame's cost ("frame_us N scroll S"), the first
 * frame's distance from origin (a uv_hrtime() the caller took at its
 * start), and the caller's own figures ("what us").
 */
void ui_tui_trace_origin(struct ui_tui *t, uint64_t hrtime);
void ui_tui_trace(struct ui_tui *t, const char *what, uint64_t us);

/*
 * The caller removed (delta < 0) or appended (delta > 0) messages at the
 * newest end of the open chat's window, all of them below the screen:
 * the view keeps its place.
 */
void ui_tui_skip_adjust(struct ui_tui *t, long delta);

/*
 * A message was put into (ui_tui_msg_added) or taken out of the open
 * chat's window, below loaded messages newer than it (0: the newest): a
 * view scrolled up keeps its lines, one at the newest shows the new
 * message (ui_view_added).
 */
void ui_tui_msg_added(struct ui_tui *t, size_t below);
void ui_tui_msg_removed(struct ui_tui *t, size_t below);

/* Rings the terminal's bell. */
void ui_tui_bell(struct ui_tui *t);

/*
 * The words Tab completes at the start of the input line, e.g. "/help",
 * NULL-terminated, and the nhelp lines about the commands that the key
 * help shows after the keys (ui/cmd.h makes both). Borrowed: they must
 * outlive t.
 */
void ui_tui_commands(struct ui_tui *t, const char *const *words,
    const char *const *help, size_t nhelp);

/*
 * Colours, the time format and the key bindings (see ui/settings.h); cfg
 * is copied.
 */
struct ui_settings;
void ui_tui_configure(struct ui_tui *t, const struct ui_settings *cfg);

/*
 * Shows the settings screen m (borrowed: ui/menu.h) over the chats, or
 * closes it (NULL). While it shows, keys go to it (ui_menu_key) and what
 * they ask reaches on_menu.
 */
struct ui_menu;
void ui_tui_menu(struct ui_tui *t, struct ui_menu *m);

/* Shows (on 1) or hides the key help (F1 shows it; any key hides it). */
void ui_tui_help(struct ui_tui *t, int on);

/*
 * Shows lines (borrowed: they must stay unchanged until the overlay is
 * closed or replaced) in a box over the frame, e.g. a fingerprint; any
 * key closes it. n 0 closes it. The lines are drawn as they are: the
 * caller sanitises anything that came from elsewhere.
 */
void ui_tui_overlay(struct ui_tui *t, const char *const *lines, size_t n);

/*
 * Gives the terminal back and releases t once libuv has closed its
 * handles; then done(ud) runs (done may be NULL). May be called from a
 * callback of t.
 */
void ui_tui_stop(struct ui_tui *t, void (*done)(void *), void *ud);

#endif
