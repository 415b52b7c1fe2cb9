/*
 * Ctrl-F in the TUI (see ui/tui.c): the search's keys, running the query
 * through the caller (on_find) with a frame painted first, and showing a
 * hit (on_jump) or going back to where the view was.
 */
#include "config.h"

#include "ui/draw.h"
#include "ui/editor.h"
#include "ui/search.h"
#include "ui/tui_int.h"

/*
 * Ctrl-F: starts a search of the open chat, remembering where the view
 * is; during one, goes back to editing the query.
 */
void
tui__search_begin(struct ui_tui *t)
{
	const struct ui_chat *c = ui_model_current(t->m);

	if (t->ev.on_find == NULL) {
		if (t->ev.on_search != NULL)
			t->ev.on_search(t->ud, t->m->current);
		return;
	}
	if (ui_search_state(t->srch) != UI_SEARCH_OFF) {
		ui_search_edit(t->srch);
		return;
	}
	if (c == NULL) {
		beep();
		return;
	}
	t->save_skip = t->skip;
	t->save_scroll = t->scroll;
	t->save_anchor = t->skip < c->nmsgs ?
	    c->msgs[c->nmsgs - 1 - t->skip].id : 0;
	t->jumped = 0;
	ui_search_begin(t->srch, c->id);
}

/* Ends the search: back where it began (restore), or staying here. */
void
tui__search_leave(struct ui_tui *t, int restore)
{
	uint64_t chat = ui_search_chat(t->srch);

	ui_search_end(t->srch);
	t->m->found = 0;
	if (!restore)
		return;
	if (t->jumped && t->ev.on_jump != NULL && chat == t->m->current)
		t->skip = t->ev.on_jump(t->ud, chat, t->save_anchor);
	else
		t->skip = t->save_skip;
	t->scroll = t->save_scroll;
	t->jumped = 0;
}

/*
 * Paints a frame now, outside the loop's turn: before work that may
 * keep the loop busy for a while (the first search after many messages
 * arrived indexes them all), so that the screen says what is going on.
 */
static void
tui_paint_now(struct ui_tui *t)
{
	struct ui_clock clk;
	int top;

	if (t->stopping || t->scr == NULL)
		return;
	tui__clock(t, &clk);
	(void)ui_draw_frame_at(t->scr, t->m, t->ed, &clk, &t->skip,
	    &t->scroll, &top);
	doupdate();
}

static void
tui_search_run(struct ui_tui *t)
{
	char expr[UI_SEARCH_MATCH_MAX];
	const char *q = ui_editor_text(ui_search_editor(t->srch), NULL);
	int r;

	ui_search_clear(t->srch);
	if ((r = ui_search_match(q, expr, sizeof(expr))) == 0) {
		ui_search_running(t->srch);
		tui_paint_now(t);
		r = t->ev.on_find(t->ud, ui_search_chat(t->srch), expr,
		    t->srch);
	}
	ui_search_done(t->srch, r);
}

/* Shows the picked hit: the window moves there, the hit lowest. */
static void
tui_search_jump(struct ui_tui *t)
{
	uint64_t id = ui_search_picked(t->srch);

	if (id == 0 || t->ev.on_jump == NULL)
		return;
	t->skip = t->ev.on_jump(t->ud, ui_search_chat(t->srch), id);
	t->scroll = 0;
	t->jumped = 1;
	t->m->found = id;
	ui_search_shown(t->srch);
}

void
tui__search_key(struct ui_tui *t, const struct ui_key *k)
{
	switch (ui_search_key(t->srch, k)) {
	case UI_SA_RUN:
		tui_search_run(t);
		break;
	case UI_SA_JUMP:
		tui_search_jump(t);
		break;
	case UI_SA_STAY:
		tui__search_leave(t, 0);
		break;
	default:
		break;
	}
}
