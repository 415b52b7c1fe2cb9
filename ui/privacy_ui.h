/*
 * Privacy in the TUI: /block PEER, /unblock PEER and the settings screen
 * (/settings), the glue between client/cloud.h's privacy calls and the
 * screen's model (ui/menu.h), apart from ui/app.c, which calls in here
 * through a few hooks.
 *
 * Nothing of the rules is kept on the device (the server keeps and
 * enforces them): the screen reads them each time it opens, and again
 * when CLOUD_EV_PRIVACY or CLOUD_EV_BLOCKED says they changed (another
 * device, or our own save coming back). A value is saved as soon as it
 * is changed (cloud_set_privacy_value, which keeps the rule's always and
 * never lists); a refusal puts the old value back and says why.
 */
#ifndef SOTTO_UI_PRIVACY_UI_H
#define SOTTO_UI_PRIVACY_UI_H

#include <stddef.h>
#include <stdint.h>

#include "client/cloud.h"
#include "ui/cmd.h"
#include "ui/menu.h"

struct privacy_ui;

/* What the app does for it; every hook is required. */
struct privacy_ui_host {
	void *ud;
	/* A notice for the status line. */
	void (*note)(void *ud, const char *text);
	/* Shows the settings screen m (borrowed), or closes it (NULL). */
	void (*show)(void *ud, struct ui_menu *m);
	/* The screen's model changed: draw a new frame. */
	void (*refresh)(void *ud);
};

/* Listens to c's privacy events. h is copied. 0 or ERR_NOMEM. */
int privacy_ui_new(struct privacy_ui **out, struct cloud *c,
    const struct privacy_ui_host *h);

/*
 * Stops listening and releases p; calls under way complete into a shell
 * that the last one frees, calling no hook. NULL is a no-op.
 */
void privacy_ui_free(struct privacy_ui *p);

/*
 * The commands /block PEER, /unblock PEER and /settings (ui/cmd.h); their
 * ud is the struct privacy_ui.
 */
extern const struct ui_cmd privacy_ui_cmds[];

/* What a key did on the screen (ui_menu_key, or Esc: UI_MA_CLOSE). */
void privacy_ui_action(struct privacy_ui *p, enum ui_menu_action act);

#endif
