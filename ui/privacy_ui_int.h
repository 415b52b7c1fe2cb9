/*
 * What the settings screen's glue (ui/privacy_ui.c) shares with its
 * Security page (ui/security_ui.c): the struct, the count of calls
 * under way that keeps a freed screen's completions harmless, and the
 * status line.
 */
#ifndef SOTTO_UI_PRIVACY_UI_INT_H
#define SOTTO_UI_PRIVACY_UI_INT_H

#include "ui/privacy_ui.h"

#define PUI_CALL_MS	15000

struct privacy_ui {
	struct cloud *c;
	struct privacy_ui_host h;
	struct ui_menu *menu;
	int open;
	int saved[UI_MENU_RULES];	/* the values the server confirmed */
	int ops;
	int dead;
};

/* A call ended; 1 when p is dead (and maybe freed now): touch nothing. */
int pui__end(struct privacy_ui *p);

/* The menu's status line, when the screen is open. */
void pui__status(struct privacy_ui *p, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The Security page (ui/security_ui.c): read the sessions; act on a key. */
void pui__security_read(struct privacy_ui *p);
void pui__security_action(struct privacy_ui *p, enum ui_menu_action act);

#endif
