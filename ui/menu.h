/*
 * The settings screen's model (/settings), apart from drawing (STYLE.md)
 * and from the engine: three pages, Privacy (the eight rules, each with
 * its value and how many users are always or never allowed), Blocked
 * users and Security (ui/settings_security.h, whose model the menu holds
 * and whose keys it passes on); which row is picked; what is being loaded or saved. It turns
 * keys into actions for the caller (ui/privacy_ui.c, which asks the
 * server) and computes the screen's lines. No curses, no cloud here.
 *
 * Rules and values are numbered as client/cloud.h numbers them (keys
 * 0..UI_MENU_RULES-1 from phone number to secret chats; values 0
 * everybody, 1 my contacts, 2 nobody); ui/privacy_ui.c checks that the
 * two agree at compile time.
 */
#ifndef SOTTO_UI_MENU_H
#define SOTTO_UI_MENU_H

#include <stddef.h>
#include <stdint.h>

#include "ui/editor.h"
#include "ui/settings_security.h"
#include "ui/view.h"

#define UI_MENU_RULES	8
#define UI_MENU_VALUES	3

struct ui_menu;

enum ui_menu_page {
	UI_MENU_PRIVACY,
	UI_MENU_BLOCKED,
	UI_MENU_SECURITY,	/* ui/settings_security.h */
	UI_MENU_PAGES
};

/* What a key asks the caller to do. */
enum ui_menu_action {
	UI_MA_NONE,		/* nothing */
	UI_MA_CHANGED,		/* redraw */
	UI_MA_SET,		/* save the picked rule's new value */
	UI_MA_UNBLOCK,		/* unblock the picked user */
	UI_MA_PAGE,		/* another page shows: it may want reading */
	UI_MA_SET_TTL,		/* save the Security page's session TTL */
	UI_MA_TERMINATE,	/* end the session the user confirmed */
	UI_MA_CLOSE,		/* Esc (the TUI's): back to the chats */
};

/* Returns 0 and a new menu (Privacy, nothing loaded) or ERR_NOMEM. */
int ui_menu_new(struct ui_menu **out);
void ui_menu_free(struct ui_menu *m);	/* NULL is fine */

/* Back to the Privacy page, nothing loaded, no status. */
void ui_menu_reset(struct ui_menu *m);

/*
 * Privacy rules as the server said: ui_menu_set_rule per rule, then
 * ui_menu_rules_done with 0 or the error that stopped the reading.
 * Out-of-range keys or values are ignored; the value of a rule being
 * saved is left as the user set it (its counts are taken).
 */
void ui_menu_set_rule(struct ui_menu *m, int key, int value, size_t n_allow,
    size_t n_deny);
void ui_menu_rules_done(struct ui_menu *m, int err);

/*
 * Blocked users: clear, add each (name raw, copied: sanitised when
 * drawn), then done with 0 or an error. add returns 0 or ERR_NOMEM.
 */
void ui_menu_blocked_clear(struct ui_menu *m);
int ui_menu_blocked_add(struct ui_menu *m, uint64_t user_id,
    const char *name);
void ui_menu_blocked_done(struct ui_menu *m, int err);

/*
 * A line under the page: what was saved or why not (raw; sanitised when
 * drawn), error drawn loud. NULL clears it.
 */
void ui_menu_status(struct ui_menu *m, int error, const char *text);

/*
 * A key: Tab switches pages (UI_MA_PAGE); Up/Down (Ctrl-P/Ctrl-N) pick
 * a row; on Privacy,
 * Right, Enter or Space move the picked rule's value on (Everybody, My
 * contacts, Nobody, Everybody...) and Left back, which changes the model
 * at once and asks the caller to save it (UI_MA_SET); on Blocked users,
 * Enter, Delete or u ask to unblock the picked user (UI_MA_UNBLOCK); on
 * Security, as ui_security_key() says (UI_MA_SET_TTL, UI_MA_TERMINATE).
 * Esc is the caller's. Nothing changes while the page is not loaded.
 */
enum ui_menu_action ui_menu_key(struct ui_menu *m, const struct ui_key *k);

enum ui_menu_page ui_menu_page(const struct ui_menu *m);
/* The Security page's model (borrowed), which the caller fills. */
struct ui_security *ui_menu_security(struct ui_menu *m);
/* The picked rule: its key, and its value now (after a SET: the new). */
int ui_menu_picked_rule(const struct ui_menu *m, int *value);
/*
 * The save of rule key ended: it shows value (the new one, or the old one
 * when the server refused) and is no longer "saving".
 */
void ui_menu_restore(struct ui_menu *m, int key, int value);
/*
 * As ui_menu_restore, for the save of value sent: unless the rule was
 * changed again since (it no longer shows sent), when the later save
 * decides.
 */
void ui_menu_saved(struct ui_menu *m, int key, int sent, int value);
/* The picked blocked user (0 when none) and its name (raw). */
uint64_t ui_menu_picked_user(const struct ui_menu *m, const char **name);

/* The human names: "Secret chats", "My contacts". */
const char *ui_menu_rule_label(int key);
const char *ui_menu_value_label(int value);

/*
 * The lines: the page (title, the two page names with the current one
 * marked, the rows, the picked one selected, a description of the picked
 * rule, the status) in width x height; and the input line while the
 * screen is open (the keys). Return 0 or ERR_NOMEM.
 */
int ui_menu_view(const struct ui_menu *m, size_t width, size_t height,
    struct ui_vlines *out);
int ui_menu_view_input(const struct ui_menu *m, size_t width,
    struct ui_vlines *out, size_t *cursor_x);

#endif
