/*
 * Events set flags; a uv_prepare handle, which runs once per loop turn
 * just before libuv waits for I/O, turns the flags into at most one
 * relayout and one frame, ending in the turn's single doupdate(). Doing
 * the relayout there too (not in the SIGWINCH callback) means windows are
 * only ever created right before they are painted, so reading keys never
 * meets a window curses would want to refresh on its own.
 */
#include "config.h"

#include "ui/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "ui/settings.h"
#include "ui/draw.h"
#include "ui/editor.h"
#include "ui/keys.h"
#include "ui/menu.h"
#include "ui/sanitize.h"
#include "ui/search.h"
#include "ui/tui_int.h"
#include "ui/view.h"

static const char tui_paste_on[] = "\033[?2004h";
static const char tui_paste_off[] = "\033[?2004l";

static void
tui_term_write(const char *s, size_t n)
{
	/* Our own constant mode switch; a short write only loses a mode. */
	if (write(STDOUT_FILENO, s, n) < 0)
		return;
}

void
tui__clock(const struct ui_tui *t, struct ui_clock *clk)
{
	struct tm tm;

	clk->now = time(NULL);
	clk->utc_offset = 0;
	clk->time_format = t->time_format[0] != '\0' ? t->time_format : NULL;
	if (localtime_r(&clk->now, &tm) != NULL)
		clk->utc_offset = tm.tm_gmtoff;
}

static void
tui_select(struct ui_tui *t, const struct ui_chat *c)
{
	if (c == NULL || c->id == t->m->current)
		return;
	t->m->current = c->id;
	t->scroll = 0;
	t->skip = 0;
	/* On failure the old draft stays in the editor: nothing is lost. */
	(void)ui_editor_switch(t->ed, c->id);
	if (t->ev.on_select != NULL)
		t->ev.on_select(t->ud, c->id);
}

static void
tui_submit(struct ui_tui *t)
{
	char *text;

	if (t->m->current == 0)
		return;
	if (ui_editor_submit(t->ed, &text) != 0)
		return;
	t->scroll = 0;
	t->skip = 0;
	if (t->ev.on_submit != NULL)
		t->ev.on_submit(t->ud, t->m->current, text);
	free(text);
}

static void
tui_edited(struct ui_tui *t)
{
	const char *text;
	size_t len;

	if (t->ev.on_edit == NULL || t->m->current == 0)
		return;
	text = ui_editor_text(t->ed, &len);
	t->ev.on_edit(t->ud, t->m->current, text);
}

/*
 * Tab while a /command is typed (the cursor at its end, no space yet):
 * completes it when one word fits, else as far as all that fit agree.
 * Returns 0 when the input is not a command being typed.
 */
static int
tui_complete(struct ui_tui *t)
{
	const char *text, *match = NULL;
	size_t len, i, common = 0, k;
	char buf[64];

	text = ui_editor_text(t->ed, &len);
	if (t->words == NULL || len == 0 || text[0] != '/' ||
	    ui_editor_cursor(t->ed) != len || memchr(text, ' ', len) != NULL ||
	    len >= sizeof(buf) - 1)
		return 0;
	for (i = 0; t->words[i] != NULL; i++) {
		if (strncmp(t->words[i], text, len) != 0)
			continue;
		if (match == NULL) {
			match = t->words[i];
			common = strlen(match);
			continue;
		}
		for (k = 0; k < common && match[k] == t->words[i][k]; k++)
			;
		common = k;
		match = t->words[i];
	}
	if (match == NULL) {
		beep();
		return 1;
	}
	if (common >= sizeof(buf) - 1)
		common = sizeof(buf) - 2;
	memcpy(buf, match, common);
	buf[common] = '\0';
	/* A unique match is complete: a space starts its arguments. */
	if (common == strlen(match) && strcmp(buf, match) == 0) {
		for (i = 0, k = 0; t->words[i] != NULL; i++)
			if (strncmp(t->words[i], buf, common) == 0)
				k++;
		if (k == 1)
			strcat(buf, " ");
	}
	if (strlen(buf) == len)
		beep();
	ui_editor_clear(t->ed);
	(void)ui_editor_paste(t->ed, buf, strlen(buf));
	return 1;
}

/*
 * The paste ends (its end marker came, or no input for
 * UI_PASTE_IDLE_MS): its text goes to the input line, or the query
 * being typed; nowhere, with a beep, when neither is there to take it.
 */
static void
tui_paste_end(struct ui_tui *t)
{
	struct ui_editor *to = NULL;

	uv_timer_stop(&t->paste_timer);
	if (t->menu == NULL && ui_search_state(t->srch) == UI_SEARCH_PROMPT)
		to = ui_search_editor(t->srch);
	else if (t->menu == NULL && ui_search_state(t->srch) ==
	    UI_SEARCH_OFF)
		to = t->ed;
	if (ui_paste_end(t->paste, to) != 0)
		beep();
	if (ui_search_state(t->srch) == UI_SEARCH_OFF)
		tui_edited(t);
}

/* A key on the settings screen. */
static void
tui_menu_key(struct ui_tui *t, const struct ui_key *k)
{
	enum ui_menu_action act = ui_menu_key(t->menu, k);

	if (act != UI_MA_NONE && act != UI_MA_CHANGED &&
	    t->ev.on_menu != NULL)
		t->ev.on_menu(t->ud, (int)act);
}
/* Maps a curses function key to the editor's; -1 when it has none. */
static int
tui_editor_code(int key)
{
	switch (key) {
	case KEY_LEFT:		return UI_KEY_LEFT;
	case KEY_RIGHT:		return UI_KEY_RIGHT;
	case KEY_UP:		return UI_KEY_UP;
	case KEY_DOWN:		return UI_KEY_DOWN;
	case KEY_HOME:		return UI_KEY_HOME;
	case KEY_END:		return UI_KEY_END;
	case KEY_BACKSPACE:	return UI_KEY_BACKSPACE;
	case KEY_DC:		return UI_KEY_DELETE;
	case KEY_ENTER:		return UI_KEY_ENTER;
	default:		return -1;
	}
}

static void
tui_quit(struct ui_tui *t)
{
	if (t->ev.on_quit != NULL)
		t->ev.on_quit(t->ud);
}

/* The key (ui/keys.h) that wget_wch returned; 0 when it names none. */
static ui_keysym
tui_keysym(int fkey, wint_t ch, int alt)
{
	ui_keysym k = 0;

	if (!fkey)
		k = ch == '\r' || ch == '\n' ? UI_KS_ENTER : (ui_keysym)ch;
	else if (ch >= KEY_F(1) && ch <= KEY_F(24))
		k = UI_KS_F(ch - KEY_F0);
	else {
		switch (ch) {
		case KEY_ENTER:	k = UI_KS_ENTER; break;
		case KEY_BTAB:	k = UI_KS_BTAB; break;
		case KEY_PPAGE:	k = UI_KS_PGUP; break;
		case KEY_NPAGE:	k = UI_KS_PGDN; break;
		case KEY_HOME:	k = UI_KS_HOME; break;
		case KEY_END:	k = UI_KS_END; break;
		case KEY_UP:	k = UI_KS_UP; break;
		case KEY_DOWN:	k = UI_KS_DOWN; break;
		case KEY_LEFT:	k = UI_KS_LEFT; break;
		case KEY_RIGHT:	k = UI_KS_RIGHT; break;
		default:	break;
		}
	}
	return k == 0 || !alt ? k : k | UI_KS_ALT;
}

/* A key that runs no action: to the settings screen, search or editor. */
static void
tui_plain_key(struct ui_tui *t, int fkey, wint_t ch, int alt)
{
	struct ui_key k = { UI_KEY_CHAR, fkey ? 0 : (uint32_t)ch, alt };
	int code;

	if (fkey) {
		if ((code = tui_editor_code((int)ch)) < 0)
			return;
		k.code = (enum ui_keycode)code;
	}
	if (t->menu != NULL) {
		tui_menu_key(t, &k);
		return;
	}
	if (ui_search_state(t->srch) != UI_SEARCH_OFF) {
		tui__search_key(t, &k);
		return;
	}
	switch (ui_editor_key(t->ed, &k)) {
	case UI_ED_SUBMIT:
		tui_submit(t);
		break;
	case UI_ED_CHANGED:
		tui_edited(t);
		break;
	default:
		break;
	}
}

/*
 * Every key but those of a paste: looked up in the bindings (ui/keys.h),
 * the action run, else the key goes on as it is. The settings screen and
 * a search take every key but quitting, repainting, the help and paging
 * (and Ctrl-F, or what search is bound to, in a search); a printable key
 * always goes to them, so that a binding such as quit = q cannot make a
 * query impossible to type.
 */
static void
tui_key(struct ui_tui *t, int fkey, wint_t ch, int alt)
{
	ui_keysym ks = tui_keysym(fkey, ch, alt);
	enum ui_action act = ui_keys_lookup(&t->keys, ks);
	int page = ui_draw_msg_rows(t->scr) - 1, srch, modal, printable, pass;

	if (fkey && ch == TUI_PASTE_BEGIN) {
		ui_paste_begin(t->paste, uv_now(t->loop));
		return;
	}
	if (fkey && ch == KEY_RESIZE) {
		t->resized = 1;
		return;
	}
	if (page < 1)
		page = 1;
	srch = ui_search_state(t->srch) != UI_SEARCH_OFF;
	modal = t->menu != NULL || srch;
	printable = !fkey && !alt && ch >= 0x20 && ch != 0x7f;
	pass = act == UI_ACT_QUIT || act == UI_ACT_REDRAW ||
	    act == UI_ACT_HELP || act == UI_ACT_PAGE_UP ||
	    act == UI_ACT_PAGE_DOWN ||
	    (act == UI_ACT_SEARCH && t->menu == NULL);
	if (modal && (printable || !pass)) {
		tui_plain_key(t, fkey, ch, alt);
		return;
	}
	/* Tab completes a /command being typed, whatever it is bound to. */
	if (!modal && ks == '\t' && tui_complete(t))
		return;
	switch (act) {
	case UI_ACT_NEXT_CHAT:
	case UI_ACT_PREV_CHAT:
		tui_select(t, ui_model_step(t->m,
		    act == UI_ACT_NEXT_CHAT ? 1 : -1));
		return;
	case UI_ACT_PAGE_UP:
		if (ui_search_state(t->srch) == UI_SEARCH_RESULTS)
			ui_search_move(t->srch, -(long)(page / 2));
		else
			t->scroll += (size_t)page;
		return;
	case UI_ACT_PAGE_DOWN:
		if (ui_search_state(t->srch) == UI_SEARCH_RESULTS)
			ui_search_move(t->srch, (long)(page / 2));
		else
			t->scroll = t->scroll > (size_t)page ?
			    t->scroll - (size_t)page : 0;
		return;
	case UI_ACT_SEND:
	case UI_ACT_NEWLINE:
		/* As the editor's own Enter and Alt-Enter. */
		tui_plain_key(t, 1, KEY_ENTER, act == UI_ACT_NEWLINE);
		return;
	case UI_ACT_SEARCH:
		tui__search_begin(t);
		return;
	case UI_ACT_HELP:
		t->help = 1;
		return;
	case UI_ACT_REDRAW:
		clearok(curscr, TRUE);
		return;
	case UI_ACT_QUIT:
		tui_quit(t);
		return;
	default:
		break;
	}
	/* A default key the settings took away does nothing. */
	if (ui_keys_default_key(ks))
		return;
	tui_plain_key(t, fkey, ch, alt);
}

static void tui_paste_idle(uv_timer_t *h);

static void
tui_read(struct ui_tui *t)
{
	WINDOW *w = ui_draw_input_window(t->scr);
	wint_t ch, next;
	int r, r2;

	while (!t->stopping && (r = wget_wch(w, &ch)) != ERR) {
		t->dirty = 1;
		if (ui_paste_on(t->paste)) {
			if (r == KEY_CODE_YES) {
				if (ch == TUI_PASTE_END)
					tui_paste_end(t);
				continue;	/* keys inside a paste are text */
			}
			ui_paste_add(t->paste, (uint32_t)ch, uv_now(t->loop));
			continue;
		}
		if ((t->help || t->ov != NULL) && !(r == KEY_CODE_YES &&
		    (ch == KEY_RESIZE || ch == TUI_PASTE_BEGIN))) {
			/* Any key closes the help, and does nothing else. */
			t->help = 0;
			t->ov = NULL;
			continue;
		}
		if (r == KEY_CODE_YES) {
			tui_key(t, 1, ch, 0);
			continue;
		}
		if (ch == 0x1b) {
			/*
			 * Alt sends ESC first; a lone ESC leaves a search
			 * and otherwise does nothing.
			 */
			r2 = wget_wch(w, &next);
			if (r2 == ERR || (r2 != KEY_CODE_YES && next == 0x1b)) {
				if (t->menu != NULL && t->ev.on_menu != NULL)
					t->ev.on_menu(t->ud, UI_MA_CLOSE);
				else if (ui_search_state(t->srch) !=
				    UI_SEARCH_OFF)
					tui__search_leave(t, 1);
				continue;
			}
			if (r2 == KEY_CODE_YES)
				tui_key(t, 1, next, 1);
			else if (next != 0x1b)
				tui_key(t, 0, next, 1);
			continue;
		}
		tui_key(t, 0, ch, 0);
	}
	/* A paste under way ends if no more input comes for a while. */
	if (!t->stopping && ui_paste_on(t->paste))
		uv_timer_start(&t->paste_timer, tui_paste_idle,
		    ui_paste_idle_left(t->paste, uv_now(t->loop)) + 1, 0);
}

/*
 * No input for a while during a paste: its end marker was lost. Input
 * waiting unread (the loop was busy) still counts as part of it.
 */
static void
tui_paste_idle(uv_timer_t *h)
{
	struct ui_tui *t = h->data;

	if (t->stopping || !ui_paste_on(t->paste))
		return;
	uv_update_time(t->loop);
	tui_read(t);
	if (!t->stopping && ui_paste_on(t->paste) &&
	    ui_paste_idle_left(t->paste, uv_now(t->loop)) == 0) {
		tui_paste_end(t);
		t->dirty = 1;
	}
}

static void
tui_on_poll(uv_poll_t *h, int status, int events)
{
	struct ui_tui *t = h->data;

	if (status < 0 || (events & UV_DISCONNECT)) {
		/* The terminal went away: nobody is left to ask. */
		uv_poll_stop(h);
		tui_quit(t);
		return;
	}
	tui_read(t);
}

static void
tui_on_winch(uv_signal_t *h, int sig)
{
	struct ui_tui *t = h->data;

	t->resized = 1;
	t->dirty = 1;
}

static void
tui_on_prepare(uv_prepare_t *h)
{
	struct ui_tui *t = h->data;
	struct ui_clock clk;
	struct winsize ws;
	uint64_t t0, t1;
	int top;

	if (t->stopping || (!t->dirty && !t->resized))
		return;
	if (t->resized) {
		t->resized = 0;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
		    ws.ws_row > 0 && ws.ws_col > 0)
			(void)ui_draw_resize(t->scr, ws.ws_row, ws.ws_col);
	}
	t->dirty = 0;
	t0 = t->trace != NULL ? uv_hrtime() : 0;
	tui__clock(t, &clk);
	if (t->help)
		(void)ui_draw_overlay(t->scr, t->help_lines, t->nhelp);
	else
		(void)ui_draw_overlay(t->scr, t->ov, t->ov != NULL ? t->nov : 0);
	(void)ui_draw_frame_at(t->scr, t->m, t->ed, &clk, &t->skip,
	    &t->scroll, &top);
	doupdate();
	if (t->trace != NULL) {
		t1 = uv_hrtime();
		if (t->frames++ == 0 && t->origin != 0)
			fprintf(t->trace, "first_frame_us %llu\n",
			    (unsigned long long)(t1 - t->origin) / 1000);
		fprintf(t->trace, "frame_us %llu scroll %zu skip %zu\n",
		    (unsigned long long)(t1 - t0) / 1000, t->scroll, t->skip);
		fflush(t->trace);
	}
	if (t->m->current != 0 && t->ev.on_view != NULL)
		t->ev.on_view(t->ud, t->m->current, t->skip);
	if (top && t->m->current != 0 && t->ev.on_top != NULL)
		t->ev.on_top(t->ud, t->m->current);
}

static void
tui_free(struct ui_tui *t)
{
	if (t->trace != NULL)
		fclose(t->trace);
	ui_editor_free(t->ed);
	ui_search_free(t->srch);
	ui_paste_free(t->paste);
	free(t);
}

static void
tui_on_close(uv_handle_t *h)
{
	struct ui_tui *t = h->data;
	void (*done)(void *) = t->done;
	void *ud = t->done_ud;

	if (--t->open_handles > 0)
		return;
	tui_free(t);
	if (done != NULL)
		done(ud);
}

int
ui_tui_start(struct ui_tui **out, uv_loop_t *loop, struct ui_model *m,
    const struct ui_tui_events *ev, void *ud)
{
	struct ui_tui *t;
	int r;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ERR_NOMEM;
	t->loop = loop;
	t->m = m;
	if (ev != NULL)
		t->ev = *ev;
	t->ud = ud;
	if ((r = ui_paste_new(&t->paste)) != 0 ||
	    (r = ui_editor_new(&t->ed)) != 0 ||
	    (r = ui_search_new(&t->srch)) != 0) {
		tui_free(t);
		return ERR_NOMEM;
	}
	if (m->current != 0)
		(void)ui_editor_switch(t->ed, m->current);
	ui_keys_default(&t->keys);
	tui__help_make(t);
	if (getenv("SOTTO_TUI_TRACE") != NULL)
		t->trace = fopen(getenv("SOTTO_TUI_TRACE"), "ae");
	if ((r = ui_draw_open(&t->scr)) != 0) {
		tui_free(t);
		return r;
	}
	ui_draw_search(t->scr, t->srch);
	define_key("\033[200~", TUI_PASTE_BEGIN);
	define_key("\033[201~", TUI_PASTE_END);
	tui_term_write(tui_paste_on, sizeof(tui_paste_on) - 1);
	/*
	 * libuv's handler replaces the one curses installed for SIGWINCH;
	 * the prepare callback resizes curses itself.
	 */
	if (uv_poll_init(loop, &t->poll, STDIN_FILENO) != 0)
		goto fail;
	t->poll.data = t;
	t->open_handles++;
	uv_signal_init(loop, &t->winch);
	t->winch.data = t;
	t->open_handles++;
	uv_prepare_init(loop, &t->prepare);
	t->prepare.data = t;
	t->open_handles++;
	uv_timer_init(loop, &t->paste_timer);
	t->paste_timer.data = t;
	t->open_handles++;
	if (uv_poll_start(&t->poll, UV_READABLE | UV_DISCONNECT,
	    tui_on_poll) != 0 ||
	    uv_signal_start(&t->winch, tui_on_winch, SIGWINCH) != 0 ||
	    uv_prepare_start(&t->prepare, tui_on_prepare) != 0)
		goto fail;
	t->dirty = 1;
	*out = t;
	return 0;
fail:
	ui_tui_stop(t, NULL, NULL);
	return ERR_IO;
}

void
ui_tui_refresh(struct ui_tui *t)
{
	t->dirty = 1;
}

void
ui_tui_select(struct ui_tui *t, uint64_t chat_id)
{
	size_t i;

	for (i = 0; i < t->m->nchats; i++)
		if (t->m->chats[i].id == chat_id) {
			tui_select(t, &t->m->chats[i]);
			t->dirty = 1;
			return;
		}
}

void
ui_tui_trace_origin(struct ui_tui *t, uint64_t hrtime)
{
	t->origin = hrtime;
}

void
ui_tui_trace(struct ui_tui *t, const char *what, uint64_t us)
{
	if (t->trace == NULL)
		return;
	fprintf(t->trace, "%s %llu\n", what, (unsigned long long)us);
	fflush(t->trace);
}

void
ui_tui_skip_adjust(struct ui_tui *t, long delta)
{
	if (delta < 0 && (size_t)-delta > t->skip)
		t->skip = 0;
	else
		t->skip = (size_t)((long)t->skip + delta);
	t->dirty = 1;
}

/* The place a search goes back to (Esc) counts from the newest too. */
void
ui_tui_msg_added(struct ui_tui *t, size_t below)
{
	ui_view_added(&t->skip, &t->scroll, below);
	if (ui_search_state(t->srch) != UI_SEARCH_OFF && !t->jumped)
		ui_view_added(&t->save_skip, &t->save_scroll, below);
	t->dirty = 1;
}

void
ui_tui_msg_removed(struct ui_tui *t, size_t below)
{
	ui_view_removed(&t->skip, &t->scroll, below);
	if (ui_search_state(t->srch) != UI_SEARCH_OFF && !t->jumped)
		ui_view_removed(&t->save_skip, &t->save_scroll, below);
	t->dirty = 1;
}

void
ui_tui_bell(struct ui_tui *t)
{
	if (!t->stopping)
		beep();
}

void
ui_tui_commands(struct ui_tui *t, const char *const *words,
    const char *const *help, size_t nhelp)
{
	t->words = words;
	t->cmd_help = help;
	t->ncmd_help = nhelp;
	tui__help_make(t);
}

void
ui_tui_configure(struct ui_tui *t, const struct ui_settings *cfg)
{
	snprintf(t->time_format, sizeof(t->time_format), "%s",
	    cfg->time_format);
	t->keys = cfg->keys;
	tui__help_make(t);
	if (t->scr != NULL)
		ui_draw_theme(t->scr, cfg->colors, cfg->fg, UI_ST_COUNT);
	t->dirty = 1;
}

void
ui_tui_menu(struct ui_tui *t, struct ui_menu *m)
{
	t->menu = m;
	if (t->scr != NULL)
		ui_draw_menu(t->scr, m);
	t->dirty = 1;
}

void
ui_tui_help(struct ui_tui *t, int on)
{
	t->help = on;
	t->dirty = 1;
}

void
ui_tui_overlay(struct ui_tui *t, const char *const *lines, size_t n)
{
	t->ov = n > 0 ? lines : NULL;
	t->nov = n;
	t->help = 0;
	t->dirty = 1;
}

void
ui_tui_stop(struct ui_tui *t, void (*done)(void *), void *ud)
{
	if (t->stopping)
		return;
	t->stopping = 1;
	t->done = done;
	t->done_ud = ud;
	tui_term_write(tui_paste_off, sizeof(tui_paste_off) - 1);
	ui_draw_close(t->scr);
	t->scr = NULL;
	if (t->open_handles == 0) {
		tui_free(t);
		if (done != NULL)
			done(ud);
		return;
	}
	if (t->open_handles >= 1)
		uv_close((uv_handle_t *)&t->poll, tui_on_close);
	if (t->open_handles >= 2)
		uv_close((uv_handle_t *)&t->winch, tui_on_close);
	if (t->open_handles >= 3)
		uv_close((uv_handle_t *)&t->prepare, tui_on_close);
	if (t->open_handles >= 4)
		uv_close((uv_handle_t *)&t->paste_timer, tui_on_close);
}
