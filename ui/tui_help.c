/*
 * F1's key help (see ui/tui.c): fixed lines, the lines of the bindable
 * actions made from the bindings in force (ui/keys.h), and after them
 * the caller's lines about its commands (ui_tui_commands).
 */
#include "config.h"

#include <stdio.h>

#include "ui/keys.h"
#include "ui/tui_int.h"

/*
 * F1: every key, in the order doc/TUI.md lists them, then the commands.
 * At most 21 lines in all, so that all of it shows in an 80x24 terminal
 * (the box takes two rows, the input line one). The lines of the
 * bindable actions are made from the bindings in force (tui__help_make),
 * so a [keys] section shows here; NULL in this table stands for the next
 * of them.
 */
static const char *const tui_help_lines[] = {
	"Keys (any key closes this)",
	NULL,			/* next / previous chat */
	NULL,			/* scroll */
	NULL,			/* send / new line */
	NULL,			/* search */
	"  Enter runs, Up/Down or n/N pick, Enter shows, Esc goes back",
	"Left / Right, Ctrl-B; Alt-B / F    a character; a word",
	"Home / End, Ctrl-A / Ctrl-E        start / end of the line",
	"Backspace, Delete, Ctrl-D          delete",
	"Ctrl-K / Ctrl-U                    kill to end / start of line",
	"Ctrl-W, Alt-Backspace              kill the word before",
	"Up / Down                          line, or this chat's history",
	NULL,			/* repaint; help */
	NULL,			/* quit */
};
_Static_assert(sizeof(tui_help_lines) / sizeof(tui_help_lines[0]) <=
    TUI_HELP_LINES - TUI_HELP_CMDS, "the key help must fit an 80x24 "
    "terminal, with room for the commands");

/* The bound lines of the help: one or two actions and what they do. */
static const struct {
	enum ui_action a, b;
	const char *what;
} tui_help_bound[TUI_HELP_BOUND] = {
	{ UI_ACT_NEXT_CHAT, UI_ACT_PREV_CHAT, "next / previous chat" },
	{ UI_ACT_PAGE_UP, UI_ACT_PAGE_DOWN, "scroll (older messages load)" },
	{ UI_ACT_SEND, UI_ACT_NEWLINE, "send / new line" },
	{ UI_ACT_SEARCH, UI_ACT_NONE, "search the open chat:" },
	{ UI_ACT_REDRAW, UI_ACT_HELP, "repaint; this help" },
	{ UI_ACT_QUIT, UI_ACT_NONE, "quit" },
};

/* Fills the key help from the bindings in force. */
void
tui__help_make(struct ui_tui *t)
{
	char a[64], b[64], keys[136];
	size_t i, n = 0, k = 0;

	for (i = 0; i < sizeof(tui_help_lines) / sizeof(tui_help_lines[0]);
	    i++) {
		if (tui_help_lines[i] != NULL || k >= TUI_HELP_BOUND) {
			t->help_lines[n++] = tui_help_lines[i] != NULL ?
			    tui_help_lines[i] : "";
			continue;
		}
		ui_keys_describe(&t->keys, tui_help_bound[k].a, a, sizeof(a));
		if (tui_help_bound[k].b != UI_ACT_NONE) {
			ui_keys_describe(&t->keys, tui_help_bound[k].b, b,
			    sizeof(b));
			snprintf(keys, sizeof(keys), "%s %s %s", a,
			    k == TUI_HELP_BOUND - 2 ? ";" : "/", b);
		} else
			snprintf(keys, sizeof(keys), "%s", a);
		snprintf(t->help_bound[k], sizeof(t->help_bound[k]),
		    "%-34s %s", keys, tui_help_bound[k].what);
		t->help_lines[n++] = t->help_bound[k++];
	}
	for (i = 0; i < t->ncmd_help && n < TUI_HELP_LINES; i++)
		t->help_lines[n++] = t->cmd_help[i];
	t->nhelp = n;
}
