/*
 * The Security page of the settings screen (/settings, ui/menu.h): the
 * account's session TTL, "end all other sessions", and each session
 * (device) of the account with its software and when it was last
 * active. Apart from drawing and from the engine, as ui/menu.c: it keeps
 * what the server said, which row is picked and what waits for the
 * user's "y", turns keys into actions for ui/security_ui.c and computes
 * the page's rows. Ending a session asks first; nothing here ends one.
 */
#ifndef SOTTO_UI_SETTINGS_SECURITY_H
#define SOTTO_UI_SETTINGS_SECURITY_H

#include <stddef.h>
#include <stdint.h>

#include "ui/editor.h"
#include "ui/view.h"

struct ui_security;

/* What a key asks the caller to do (ui/menu.h turns it into its own). */
enum ui_security_action {
	UI_SEC_NONE,
	UI_SEC_CHANGED,		/* redraw */
	UI_SEC_SET_TTL,		/* save ui_security_ttl() */
	UI_SEC_TERMINATE,	/* end ui_security_confirmed() */
};

int ui_security_new(struct ui_security **out);	/* 0 or ERR_NOMEM */
void ui_security_free(struct ui_security *s);	/* NULL is fine */

/* Nothing read, the first row picked, no question asked. */
void ui_security_reset(struct ui_security *s);

/*
 * The sessions as the server said: clear, add each (name and software
 * raw, copied: sanitised when drawn), then done with the account's TTL
 * in days, or with the error that stopped the reading (ttl ignored).
 * add returns 0 or ERR_NOMEM.
 */
void ui_security_clear(struct ui_security *s);
int ui_security_add(struct ui_security *s, uint64_t id, const char *name,
    const char *software, uint64_t last_active, int online, int current);
void ui_security_done(struct ui_security *s, int err, uint32_t ttl_days);

/*
 * Up/Down are the caller's (ui_security_move). On the TTL row, Right,
 * Enter or Space move the TTL on (1 week .. 1 year) and Left back, at
 * once in the model ("saving"), and ask for UI_SEC_SET_TTL; on "end all
 * other sessions" or another device's session, Enter or Delete ask
 * "end ...? y/n" and a following y gives UI_SEC_TERMINATE (any other key
 * drops the question). Nothing happens while the sessions are not read.
 */
enum ui_security_action ui_security_key(struct ui_security *s,
    const struct ui_key *k);
/* Picks the row dir (-1, 1) away; 1 when the pick moved. */
int ui_security_move(struct ui_security *s, int dir);

/* The TTL in days as the model has it now (after a SET: the new one). */
uint32_t ui_security_ttl(const struct ui_security *s);
/* The save of the TTL ended: it shows days and no longer "saving". */
void ui_security_ttl_saved(struct ui_security *s, uint32_t days);
/* It was refused: back to the last TTL the server said. */
void ui_security_ttl_refused(struct ui_security *s);
/*
 * What the y confirmed: 1 for every other session (*id 0), 0 for the
 * session *id; its name (raw) in *name when not NULL.
 */
int ui_security_confirmed(const struct ui_security *s, uint64_t *id,
    const char **name);
/* Whether a y/n question is open (the help line shows it then). */
int ui_security_asking(const struct ui_security *s);

/* The line under the rows: the open question or what the row does. */
void ui_security_help(const struct ui_security *s, char *buf, size_t size);

/* The rows, at most n of them, scrolled to show the pick. */
int ui_security_rows(const struct ui_security *s, struct ui_vlines *l,
    size_t width, size_t n);

#endif
