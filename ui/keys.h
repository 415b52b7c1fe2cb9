/*
 * Key bindings: which keys run which of the TUI's actions, the [keys]
 * section of the settings file (ui/settings.h). No curses here: a key is
 * a plain number (a ui_keysym) that ui/tui.c makes from what wget_wch
 * returns, so that parsing and naming keys is tested without a terminal.
 *
 * A binding names one or more keys, separated by spaces, and replaces the
 * action's default keys; a key bound to one action leaves every other
 * action, so a key never does two things. A key that was bound by default
 * and that the file took away does nothing (Enter taken from send does not
 * send any more). "none" unbinds an action.
 */
#ifndef SOTTO_UI_KEYS_H
#define SOTTO_UI_KEYS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A key: a code point (Ctrl-A..Ctrl-Z are 1..26, Tab is 9), or one of the
 * UI_KS_ names beyond Unicode; UI_KS_ALT added for Alt (ESC prefix). 0 is
 * no key.
 */
typedef uint32_t ui_keysym;

#define UI_KS_ALT	0x1000000u
#define UI_KS_SPECIAL	0x110000u
#define UI_KS_F(n)	(UI_KS_SPECIAL + (n))	/* F1..F24 */
enum {
	UI_KS_ENTER = UI_KS_SPECIAL + 0x100,
	UI_KS_BTAB,		/* Shift-Tab */
	UI_KS_PGUP,
	UI_KS_PGDN,
	UI_KS_HOME,
	UI_KS_END,
	UI_KS_UP,
	UI_KS_DOWN,
	UI_KS_LEFT,
	UI_KS_RIGHT,
};

/* What ui/tui.c does for a bound key. */
enum ui_action {
	UI_ACT_NONE,
	UI_ACT_NEXT_CHAT,
	UI_ACT_PREV_CHAT,
	UI_ACT_PAGE_UP,		/* older messages; a search's hits: up */
	UI_ACT_PAGE_DOWN,
	UI_ACT_SEND,		/* Enter in the input line */
	UI_ACT_NEWLINE,		/* a line break in the input line */
	UI_ACT_SEARCH,
	UI_ACT_HELP,
	UI_ACT_REDRAW,
	UI_ACT_QUIT,
	UI_ACT_COUNT
};

#define UI_KEYS_PER_ACTION	4

struct ui_keys {
	ui_keysym key[UI_ACT_COUNT][UI_KEYS_PER_ACTION];	/* 0: unused */
};

/* Fills *k with the default bindings (doc/TUI.md, "Keys"). */
void ui_keys_default(struct ui_keys *k);

/*
 * The action name as the settings file spells it ("next_chat"), NULL for
 * UI_ACT_NONE or out of range.
 */
const char *ui_keys_action_name(enum ui_action a);

/* The action named name, or UI_ACT_NONE. */
enum ui_action ui_keys_action_by_name(const char *name);

/*
 * Parses one key as the settings file writes it: "C-n", "M-f", "M-C-x",
 * "F2", "PageUp" (or "PgUp"), "PageDown", "Home", "End", "Up", "Down",
 * "Left", "Right", "Tab", "S-Tab", "Enter", "M-Enter", "Space", or a
 * single printable character ("M-" may precede each). Returns the key, or
 * 0 when s is not one.
 */
ui_keysym ui_keys_parse(const char *s);

/*
 * Binds value (keys separated by white space, or "none") to the action
 * named name, replacing its keys and taking them from any other action.
 * Returns 0; -1 for an unknown action, -2 for a key that does not parse
 * (then nothing changed; the offending word is copied to bad, size
 * bytes, when bad is not NULL), -3 for more than UI_KEYS_PER_ACTION keys.
 */
int ui_keys_bind(struct ui_keys *k, const char *name, const char *value,
    char *bad, size_t size);

/* The action bound to key, or UI_ACT_NONE. */
enum ui_action ui_keys_lookup(const struct ui_keys *k, ui_keysym key);

/*
 * 1 when key is bound to something by default (so that, once the file
 * took it away, it does nothing rather than reach the input line).
 */
int ui_keys_default_key(ui_keysym key);

/*
 * Writes the keys of action a as the key help shows them ("Tab, Ctrl-N")
 * into buf (size bytes, always terminated); "(none)" when unbound.
 */
void ui_keys_describe(const struct ui_keys *k, enum ui_action a, char *buf,
    size_t size);

#endif
