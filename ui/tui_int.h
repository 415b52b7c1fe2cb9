/*
 * What the files of ui/tui.c share (tui.c, tui_help.c, tui_search.c):
 * the TUI's state and its tui__ internals. The rest of the program sees
 * ui/tui.h only.
 */
#ifndef SOTTO_UI_TUI_INT_H
#define SOTTO_UI_TUI_INT_H

#include <stdint.h>
#include <stdio.h>

#include "ui/keys.h"
#include "ui/settings.h"
#include "ui/tui.h"

/* Key codes we teach curses for bracketed paste (ESC [ 200~ / 201~). */
#define TUI_PASTE_BEGIN	(KEY_MAX + 1)
#define TUI_PASTE_END	(KEY_MAX + 2)

#define TUI_HELP_LINES	21	/* the key help's lines at most */
#define TUI_HELP_CMDS	7	/* of them, those left for the commands */
#define TUI_HELP_BOUND	6	/* of them, those made from the bindings */

struct ui_tui {
	uv_loop_t *loop;
	uv_poll_t poll;
	uv_signal_t winch;
	uv_prepare_t prepare;
	uv_timer_t paste_timer;	/* ends a paste whose end marker is lost */
	int open_handles;

	struct ui_model *m;
	struct ui_tui_events ev;
	void *ud;

	struct ui_screen *scr;
	struct ui_editor *ed;
	size_t scroll, skip;	/* see ui_view_messages_at */
	int dirty, resized, stopping;
	int help;
	const char *const *ov;	/* the caller's overlay (ui_tui_overlay) */
	size_t nov;
	const char *const *words;
	const char *const *cmd_help;	/* the caller's (ui_tui_commands) */
	size_t ncmd_help;
	char time_format[UI_SETTINGS_TIMEFMT_MAX];
	struct ui_keys keys;	/* the bindings in force (ui/keys.h) */
	const char *help_lines[TUI_HELP_LINES];	/* F1, made by tui__help_make */
	size_t nhelp;
	char help_bound[TUI_HELP_BOUND][200];

	/* Ctrl-F; the view as it was when the search began, to go back. */
	struct ui_search *srch;
	size_t save_skip, save_scroll;
	uint64_t save_anchor;	/* the lowest message shown; 0: the newest */
	int jumped;		/* a hit was shown: the window moved */

	struct ui_menu *menu;	/* the settings screen, while it shows */

	struct ui_paste *paste;	/* a bracketed paste being received */

	void (*done)(void *);
	void *done_ud;

	/* $SOTTO_TUI_TRACE: frame timings for bench/tui_bench.py. */
	FILE *trace;
	uint64_t origin;	/* uv_hrtime() of the caller's start */
	int frames;
};

/* tui.c: the clock the view is drawn with. */
void tui__clock(const struct ui_tui *t, struct ui_clock *clk);

/* tui_help.c: fills the key help from the bindings in force. */
void tui__help_make(struct ui_tui *t);

/* tui_search.c: Ctrl-F, its keys, and its end (restore: go back). */
void tui__search_begin(struct ui_tui *t);
void tui__search_leave(struct ui_tui *t, int restore);
void tui__search_key(struct ui_tui *t, const struct ui_key *k);

#endif
