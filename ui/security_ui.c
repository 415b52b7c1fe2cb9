/*
 * The Security page's calls (ui/settings_security.h): reading the
 * account's sessions, saving the session TTL and ending a session the
 * user confirmed, each through client/sessions.h and each answered with
 * the sessions as they are after it, which the page shows. The page is
 * re-read when it opens; a refused change puts the old value back and
 * says why.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/sessions.h"
#include "lib/err.h"
#include "ui/privacy_ui_int.h"

/* One call of the page: what it was, for the words of its result. */
struct sui_call {
	struct privacy_ui *p;
	enum sessions_op op;
};

static void
sui_done(void *ud, int err, const char *why, const struct session_list *l)
{
	struct sui_call *q = ud;
	struct privacy_ui *p = q->p;
	struct ui_security *s;
	size_t i;

	if (pui__end(p) || !p->open) {
		free(q);
		return;
	}
	s = ui_menu_security(p->menu);
	if (err != 0) {
		if (q->op == SESSIONS_SET_TTL)
			ui_security_ttl_refused(s);
		if (q->op == SESSIONS_GET)
			ui_security_done(s, err, 0);
		pui__status(p, 1, "%s: %s%s%s", q->op == SESSIONS_GET ?
		    "cannot read the sessions" : q->op == SESSIONS_SET_TTL ?
		    "session TTL not saved" : "not ended", err_str(err),
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
		free(q);
		return;
	}
	ui_security_clear(s);
	for (i = 0; i < l->n && err == 0; i++)
		err = ui_security_add(s, l->v[i].id, l->v[i].name,
		    l->v[i].software, l->v[i].last_active, l->v[i].online,
		    l->v[i].current);
	if (q->op == SESSIONS_SET_TTL)
		ui_security_ttl_saved(s, l->ttl_days);
	ui_security_done(s, err, l->ttl_days);
	if (q->op == SESSIONS_SET_TTL)
		pui__status(p, 0, "saved: inactive sessions end after %s",
		    sessions_ttl_word(l->ttl_days) != NULL ?
		    sessions_ttl_word(l->ttl_days) : "?");
	else if (q->op == SESSIONS_TERMINATE && l->n_ended == 0)
		pui__status(p, 0, "no other session to end");
	else if (q->op == SESSIONS_TERMINATE)
		pui__status(p, 0, "ended %zu session%s", l->n_ended,
		    l->n_ended == 1 ? "" : "s");
	else
		p->h.refresh(p->h.ud);
	free(q);
}

static void
sui_call(struct privacy_ui *p, enum sessions_op op, uint64_t arg,
    int others)
{
	struct ui_security *s = ui_menu_security(p->menu);
	struct sui_call *q;
	int r;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	q->p = p;
	q->op = op;
	if ((r = sessions_call(cloud_engine(p->c), op, arg, others,
	    PUI_CALL_MS, sui_done, q)) != 0)
		goto fail;
	p->ops++;
	p->h.refresh(p->h.ud);
	return;
fail:
	free(q);
	if (op == SESSIONS_GET)
		ui_security_done(s, r, 0);
	if (op == SESSIONS_SET_TTL)
		ui_security_ttl_refused(s);
	pui__status(p, 1, "%s", err_str(r));
}

void
pui__security_read(struct privacy_ui *p)
{
	sui_call(p, SESSIONS_GET, 0, 0);
}

void
pui__security_action(struct privacy_ui *p, enum ui_menu_action act)
{
	struct ui_security *s = ui_menu_security(p->menu);
	uint64_t id;
	int others;

	if (act == UI_MA_SET_TTL) {
		sui_call(p, SESSIONS_SET_TTL, ui_security_ttl(s), 0);
		return;
	}
	others = ui_security_confirmed(s, &id, NULL);
	pui__status(p, 0, "ending...");
	sui_call(p, SESSIONS_TERMINATE, id, others);
}
