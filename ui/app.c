/*
 * Events from the cloud only set flags and patch the open chat's window;
 * a zero-delay timer (app_tick) turns the flags into at most one reload
 * of the chat list, one page of older messages and one mark-read per
 * loop turn, so a catch-up that brings a thousand messages costs one
 * reload, not a thousand. A timer (not a prepare handle) is used because
 * a due timer keeps libuv from sleeping, and ui/tui.c draws in its
 * prepare handle, right after.
 *
 * Every string in the model is owned here and stays unchanged until the
 * next reload; the view sanitises all of them, so names and texts are
 * stored as they came.
 *
 * Calls that complete later (mark-read, typing, resolve, groups) count
 * in app->ops; when the user quits while some are pending, the app stays
 * allocated (dead) until the last one completes, since cloud_free()
 * completes them after ui_app_run() has returned.
 */
#include "config.h"

#include "ui/app.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cloud.h"
#include "client/presence.h"
#include "lib/err.h"
#include "ui/app_int.h"
#include "ui/menu.h"
#include "ui/model.h"
#include "ui/privacy_ui.h"
#include "ui/sanitize.h"
#include "ui/search.h"
#include "ui/secret_ui.h"
#include "ui/settings.h"
#include "ui/tui.h"
#include "ui/view.h"

static void app_tick(uv_timer_t *h);

char *
app__strdup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* A notice in the status line for a while. */
void
app__note(struct app *a, const char *fmt, ...)
{
	va_list ap;

	/* A warning (a key change) is not pushed away by ordinary notes. */
	if (a->model.note_warn && a->note[0] != '\0' &&
	    uv_now(a->loop) < a->note_until)
		return;
	va_start(ap, fmt);
	vsnprintf(a->note, sizeof(a->note), fmt, ap);
	va_end(ap);
	a->note_until = uv_now(a->loop) + APP_NOTE_MS;
	a->model.note = a->note;
	a->model.note_warn = 0;
	if (a->tui != NULL)
		ui_tui_refresh(a->tui);
}

static void
app_update_note(struct app *a)
{
	if (a->note[0] != '\0' && uv_now(a->loop) >= a->note_until)
		a->note[0] = '\0';
	if (a->note[0] == '\0')
		a->model.note_warn = 0;
	a->model.note = a->note[0] != '\0' ? a->note :
	    a->conn_note[0] != '\0' ? a->conn_note : NULL;
}

/* ------------------------------------------------------------ events */

void
app__kick(struct app *a)
{
	if (!a->dead && a->tui != NULL)
		uv_timer_start(&a->tick, app_tick, 0, 0);
}

/*
 * While offline, the status line says why and when the engine tries
 * again ("retrying in 4 s: connection refused"); the clock keeps the
 * count fresh.
 */
static void
app_retry_note(struct app *a)
{
	uint64_t ms;
	const char *why;

	if (a->model.conn != UI_CONN_OFFLINE || a->stopped)
		return;
	ms = engine_retry_in(cloud_engine(a->c));
	why = a->conn_err != 0 ? err_str(a->conn_err) : "";
	if (ms > 0)
		snprintf(a->conn_note, sizeof(a->conn_note),
		    "retrying in %llu s%s%s",
		    (unsigned long long)((ms + 999) / 1000),
		    *why != '\0' ? ": " : "", why);
	else
		snprintf(a->conn_note, sizeof(a->conn_note), "retrying%s%s",
		    *why != '\0' ? ": " : "", why);
}

static void
app_set_conn(struct app *a, enum engine_state st, int err)
{
	switch (st) {
	case ENGINE_READY:
		a->model.conn = UI_CONN_ONLINE;
		a->conn_note[0] = '\0';
		a->conn_err = 0;
		a->was_online = 1;
		/* A reset or restored server: nothing is wiped (cmd_reset.h). */
		if (engine_welcome(cloud_engine(a->c))->unknown)
			snprintf(a->conn_note, sizeof(a->conn_note), "the "
			    "server does not know this device (reset or "
			    "restored?): nothing deleted; quit and run sotto "
			    "--login USER");
		break;
	case ENGINE_CONNECTING:
	case ENGINE_IDLE:
		a->model.conn = a->was_online || err != 0 ? UI_CONN_OFFLINE :
		    UI_CONN_CONNECTING;
		if (err != 0)
			a->conn_err = err;
		app_retry_note(a);
		break;
	case ENGINE_STOPPED:
		a->model.conn = UI_CONN_OFFLINE;
		a->stopped = 1;
		snprintf(a->conn_note, sizeof(a->conn_note), "stopped: %s",
		    err_str(err));
		break;
	}
	app_update_note(a);
}

static void
app_on_event(void *ud, const struct cloud_event *ev)
{
	struct app *a = ud;
	const struct app_chatx *x;
	size_t i;
	int found;

	switch (ev->kind) {
	case CLOUD_EV_STATE:
		app_set_conn(a, ev->state, ev->err);
		if (ev->state == ENGINE_READY && a->self == 0)
			a->self = cloud_self(a->c);
		break;
	case CLOUD_EV_MESSAGE:
		if (ev->msg == NULL)
			break;
		for (i = 0; i < a->ntyping; i++)
			if (a->typing[i].chat_id == ev->msg->chat_id &&
			    a->typing[i].user_id == ev->msg->sender_id)
				a->typing[i].until = 0;
		if (ev->msg->chat_id == a->win_chat)
			app__window_add(a, ev->msg);
		if (ev->msg->sender_id != a->self) {
			if (ev->msg->chat_id == a->model.current)
				a->need_mark_read = 1;
			else {
				/* Announced once per loop turn (app_tick). */
				a->ring = 1;
				a->notify_chat = ev->msg->chat_id;
				a->notify_user = ev->msg->sender_id;
			}
		}
		a->need_reload = 1;
		break;
	case CLOUD_EV_EDITED:
		if (ev->msg != NULL && ev->msg->chat_id == a->win_chat) {
			i = app__window_find(a, ev->msg->id, &found);
			if (found) {
				app__msg_release(&a->mx[i]);
				(void)app__msg_fill(a, &a->msgs[i], &a->mx[i],
				    ev->msg);
				if (a->mx[i].text == NULL)
					a->msgs[i].text = "";
			}
		}
		a->need_reload = 1;
		break;
	case CLOUD_EV_DELETED:
		if (ev->chat_id == a->win_chat)
			for (i = 0; i < ev->n_ids; i++) {
				size_t at = app__window_find(a, ev->ids[i],
				    &found);
				if (found)
					app__window_remove(a, at);
			}
		a->need_reload = 1;
		break;
	case CLOUD_EV_READ_OUTBOX:
		if (ev->chat_id == a->win_chat)
			for (i = 0; i < a->n; i++)
				if ((a->msgs[i].flags & UI_MSG_OUT) &&
				    a->msgs[i].id != 0 &&
				    a->msgs[i].id <= ev->max_id)
					a->msgs[i].flags |= UI_MSG_READ;
		a->need_reload = 1;
		break;
	case CLOUD_EV_TYPING:
		if (ev->user_id == a->self)
			break;
		for (i = 0; i < a->ntyping; i++)
			if (a->typing[i].chat_id == ev->chat_id &&
			    a->typing[i].user_id == ev->user_id)
				break;
		if (i == a->ntyping) {
			if (a->ntyping == APP_TYPING_MAX)
				break;
			a->ntyping++;
		}
		a->typing[i].chat_id = ev->chat_id;
		a->typing[i].user_id = ev->user_id;
		a->typing[i].until = uv_now(a->loop) + APP_TYPING_MS;
		app__apply_typing(a);
		break;
	case CLOUD_EV_CONTACT:
		if (ev->user != NULL)
			app__name_forget(a, ev->user->id);
		a->need_reload = 1;
		break;
	case CLOUD_EV_SENT:
		for (i = 0; i < a->n; i++)
			if (a->mx[i].random_id == ev->random_id &&
			    ev->random_id != 0)
				break;
		if (i < a->n && ev->msg != NULL) {
			app__window_remove(a, i);
			app__window_add(a, ev->msg);
		}
		a->need_reload = 1;
		break;
	case CLOUD_EV_REFUSED:
		for (i = 0; i < a->n; i++)
			if (a->mx[i].random_id == ev->random_id &&
			    ev->random_id != 0) {
				a->msgs[i].flags &= ~UI_MSG_PENDING;
				a->msgs[i].flags |= UI_MSG_FAILED;
			}
		app__note(a, "a message was refused: %s%s%s",
		    err_str(ev->err), ev->why != NULL && ev->why[0] != '\0' ?
		    ": " : "", ev->why != NULL ? ev->why : "");
		break;
	case CLOUD_EV_SYNCED:
		/* Connected again: the open chat's peer as it is now. */
		app__presence_fetch(a, a->model.current);
		a->need_reload = 1;
		break;
	case CLOUD_EV_PRESENCE:
		/* The open chat's peer changed: its bio may have too. */
		x = app__chatx(a, a->model.current);
		if (x != NULL && x->kind == CLOUD_CHAT_PRIVATE &&
		    x->peer_id == ev->user_id)
			app__presence_fetch(a, a->model.current);
		a->need_reload = 1;
		break;
	case CLOUD_EV_READ_INBOX:
	case CLOUD_EV_CHAT:
		a->need_reload = 1;
		break;
	default:
		break;
	}
	app__bind_window(a);
	app__kick(a);
}

static void
app_tick(uv_timer_t *h)
{
	struct app *a = h->data;
	const struct app_chatx *x;
	uint64_t oldest = 0, t0;
	size_t i;
	int r;

	if (a->tui == NULL)
		return;
	if (a->need_reload) {
		a->need_reload = 0;
		t0 = uv_hrtime();
		app__reload_chats(a);
		ui_tui_trace(a->tui, "chats_us", (uv_hrtime() - t0) / 1000);
	}
	if (a->need_older) {
		a->need_older = 0;
		for (i = 0; i < a->n && oldest == 0; i++)
			oldest = a->msgs[i].id;
		if (oldest != 0 && !a->win_all) {
			t0 = uv_hrtime();
			if ((r = app__load_page(a, oldest)) != 0)
				app__note(a, "cannot read older messages: %s",
				    err_str(r));
			app__bind_window(a);
			ui_tui_trace(a->tui, "page_us", (uv_hrtime() - t0) /
			    1000);
		}
	}
	if (a->need_window) {
		a->need_window = 0;
		t0 = uv_hrtime();
		app__window_adjust(a);
		app__bind_window(a);
		ui_tui_trace(a->tui, "window_us", (uv_hrtime() - t0) / 1000);
	}
	if (a->need_mark_read) {
		a->need_mark_read = 0;
		app__mark_read(a);
	}
	if (a->ring) {
		a->ring = 0;
		if (a->cfg.bell)
			ui_tui_bell(a->tui);
		x = app__chatx(a, a->notify_chat);
		/* A secret chat's notice names neither text nor sender. */
		if (secret_ui_owns(a->notify_chat))
			app__notify(a, "New secret message");
		else
			app__notify(a, x != NULL && x->title != NULL ?
			    x->title : app__name(a, a->notify_user));
	}
	app_update_note(a);
	ui_tui_refresh(a->tui);
}

/* Once a second: typing notices and notes expire. */
static void
app_clock(uv_timer_t *h)
{
	struct app *a = h->data;
	size_t before = a->ntyping;
	const char *note = a->model.note;

	if (a->tui == NULL)
		return;
	app__apply_typing(a);
	app_retry_note(a);
	app_update_note(a);
	if (before != a->ntyping || note != a->model.note ||
	    a->model.conn == UI_CONN_OFFLINE ||
	    (a->sui != NULL && secret_ui_counting(a->sui)))
		ui_tui_refresh(a->tui);
}

/*
 * SIGTERM, SIGHUP or SIGINT: quit as Ctrl-Q does, so that the terminal
 * is given back and the outbox stays for the next run.
 */
static void
app_on_signal(uv_signal_t *h, int signum)
{
	struct app *a = h->data;

	(void)signum;
	if (a->tui != NULL)
		ui_tui_stop(a->tui, app__tui_gone, a);
}

static void
app_handle_closed(uv_handle_t *h)
{
	struct app *a = h->data;

	a->open_handles--;
}

void
app__tui_gone(void *ud)
{
	struct app *a = ud;

	a->tui = NULL;
	uv_stop(a->loop);
}

/* A UTF-8 LC_CTYPE: the user's, else C.UTF-8. */
static int
app_locale(void)
{
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		return 0;
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL &&
	    strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		return 0;
	return -1;
}

static void
app_release(struct app *a)
{
	size_t i;

	app__window_clear(a);
	free(a->msgs);
	free(a->mx);
	app__chats_free(a->chats, a->cx, a->nchats);
	for (i = 0; i < a->nnames; i++)
		free(a->names[i].name);
	free(a->names);
	free(a->virt_title);
	if (a->ops > 0)
		a->dead = 1;	/* freed by the last call's completion */
	else
		free(a);
}

/* ------------------------------------------------------------ privacy */

/* The hooks of ui/privacy_ui.c (struct privacy_ui_host). */
static void
app_pui_note(void *ud, const char *text)
{
	app__note(ud, "%s", text);
}

static void
app_pui_show(void *ud, struct ui_menu *m)
{
	struct app *a = ud;

	if (a->tui != NULL)
		ui_tui_menu(a->tui, m);
}

static void
app_pui_refresh(void *ud)
{
	struct app *a = ud;

	if (a->tui != NULL)
		ui_tui_refresh(a->tui);
}

static void
app_on_menu(void *ud, int act)
{
	privacy_ui_action(((struct app *)ud)->pui,
	    (enum ui_menu_action)act);
}

/* ------------------------------------------------------------ secret */

/* The hooks of ui/secret_ui.c (struct secret_ui_host). */
static const char *
app_sui_name(void *ud, uint64_t user_id)
{
	return app__name(ud, user_id);
}

static void
app_sui_note(void *ud, int warn, const char *text)
{
	struct app *a = ud;

	if (warn)
		a->model.note_warn = 0;	/* a newer warning replaces one */
	app__note(a, "%s", text);
	if (warn) {
		/* A warning stays longer and is drawn loud. */
		a->note_until = uv_now(a->loop) + 4 * APP_NOTE_MS;
		a->model.note_warn = 1;
	}
}

static void
app_sui_changed(void *ud)
{
	struct app *a = ud;

	a->need_reload = 1;
	app__kick(a);
}

static void
app_sui_select(void *ud, uint64_t chat_id)
{
	struct app *a = ud;

	a->pending_select = chat_id;
	a->need_reload = 1;
	app__kick(a);
}

static void
app_sui_incoming(void *ud, uint64_t chat_id)
{
	struct app *a = ud;

	if (chat_id == a->model.current)
		a->need_mark_read = 1;
	else {
		a->ring = 1;
		a->notify_chat = chat_id;
		a->notify_user = 0;
	}
	app__kick(a);
}

static void
app_sui_overlay(void *ud, const char *const *lines, size_t n)
{
	struct app *a = ud;

	if (a->tui != NULL)
		ui_tui_overlay(a->tui, lines, n);
}

static uint64_t
app_sui_current(void *ud)
{
	return ((struct app *)ud)->model.current;
}

int
ui_app_run(uv_loop_t *loop, struct cloud *c, const char *account_label)
{
	struct ui_tui_events ev = { app__on_submit, app__on_select,
	    app__on_quit, app__on_edit, app__on_top, NULL, app__on_view,
	    app__on_find, app__on_jump, app_on_menu };
	struct privacy_ui_host ph = { NULL, app_pui_note, app_pui_show,
	    app_pui_refresh };
	struct secret_ui_host sh = { NULL, app_sui_name, app_sui_note,
	    app_sui_changed, app_sui_select, app_sui_incoming,
	    app_sui_overlay, app_sui_current };
	char path[1024], err[256];
	uint64_t origin = uv_hrtime();
	struct app *a;
	int r;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sotto: the terminal UI needs a terminal; for "
		    "scripts, give an action (see sotto --help)\n");
		return EX_IOERR_;
	}
	if (app_locale() != 0) {
		fprintf(stderr, "sotto: the terminal UI needs a UTF-8 locale "
		    "(set LANG, e.g. LANG=C.UTF-8)\n");
		return EX_IOERR_;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return EX_SOFTWARE_;
	sh.ud = a;
	ph.ud = a;
	a->loop = loop;
	a->c = c;
	a->self = cloud_self(c);
	snprintf(a->account, sizeof(a->account), "%s",
	    account_label != NULL ? account_label : "");
	a->model.account = a->account[0] != '\0' ? a->account : NULL;
	a->model.conn = UI_CONN_CONNECTING;
	ui_settings_default(&a->cfg);
	err[0] = '\0';
	/*
	 * The loop's clock stands where it was before the unlock (Argon2id
	 * takes seconds), which would cut the note below short.
	 */
	uv_update_time(loop);
	/* A bad line is named without the path, which would crowd it out. */
	if (ui_settings_path(path, sizeof(path)) == 0 &&
	    ui_settings_load(path, &a->cfg, err, sizeof(err)) != 0)
		app__note(a, "%s: %s", err[0] != '\0' ? "settings" : path,
		    err[0] != '\0' ? err : "cannot be read");
	app_set_conn(a, cloud_synced(c) ? ENGINE_READY : ENGINE_CONNECTING,
	    0);
	if (secret_ui_new(&a->sui, c, &sh) != 0 ||
	    privacy_ui_new(&a->pui, c, &ph) != 0) {
		fprintf(stderr, "sotto: out of memory\n");
		secret_ui_free(a->sui);
		free(a);
		return EX_SOFTWARE_;
	}
	app__reload_chats(a);
	if (a->nchats > 0) {
		/* The most recent chat opens first. */
		a->model.current = a->chats[0].id;
		for (r = 1; (size_t)r < a->nchats; r++)
			if (a->chats[r].last_date > a->chats[0].last_date)
				a->model.current = a->chats[r].id;
		app__open_window(a, a->model.current);
		a->need_mark_read = 1;
	}
	uv_timer_init(loop, &a->tick);
	a->tick.data = a;
	a->open_handles++;
	uv_timer_init(loop, &a->clock);
	a->clock.data = a;
	a->open_handles++;
	for (r = 0; r < 3; r++) {
		uv_signal_init(loop, &a->sig[r]);
		a->sig[r].data = a;
		a->open_handles++;
	}
	if ((r = cloud_subscribe(c, app_on_event, a)) != 0) {
		fprintf(stderr, "sotto: out of memory\n");
		a->status = EX_SOFTWARE_;
		goto close;
	}
	if ((r = ui_tui_start(&a->tui, loop, &a->model, &ev, a)) != 0) {
		cloud_unsubscribe(c, app_on_event, a);
		fprintf(stderr, "sotto: cannot start the terminal UI: %s\n",
		    r == ERR_NOMEM ? "out of memory" : "no usable terminal");
		a->status = r == ERR_NOMEM ? EX_SOFTWARE_ : EX_IOERR_;
		goto close;
	}
	/* Ctrl-F should find the index done, not build it then. */
	cloud_index_in_background(c, 1);
	app__commands_show(a);
	ui_tui_trace_origin(a->tui, origin);
	ui_tui_configure(a->tui, &a->cfg);
	uv_timer_start(&a->clock, app_clock, 1000, 1000);
	uv_signal_start(&a->sig[0], app_on_signal, SIGTERM);
	uv_signal_start(&a->sig[1], app_on_signal, SIGHUP);
	uv_signal_start(&a->sig[2], app_on_signal, SIGINT);
	app__kick(a);
	/* Until the TUI is gone (app__tui_gone stops the loop). */
	while (a->tui != NULL)
		(void)uv_run(loop, UV_RUN_DEFAULT);
	cloud_unsubscribe(c, app_on_event, a);
close:
	uv_close((uv_handle_t *)&a->tick, app_handle_closed);
	uv_close((uv_handle_t *)&a->clock, app_handle_closed);
	for (r = 0; r < 3; r++)
		uv_close((uv_handle_t *)&a->sig[r], app_handle_closed);
	while (a->open_handles > 0)
		(void)uv_run(loop, UV_RUN_ONCE);
	r = a->status;
	secret_ui_free(a->sui);
	a->sui = NULL;
	privacy_ui_free(a->pui);
	a->pui = NULL;
	app_release(a);
	return r;
}
