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
#include "ui/menu.h"
#include "ui/model.h"
#include "ui/privacy_ui.h"
#include "ui/sanitize.h"
#include "ui/search.h"
#include "ui/secret_ui.h"
#include "ui/settings.h"
#include "ui/tui.h"
#include "ui/view.h"

#define APP_PAGE		100	/* messages read per page */
#define APP_WIN_MAX		1000	/* messages kept in the window */
#define APP_TYPING_MS		6000	/* how long "is typing" shows */
#define APP_TYPING_EVERY_MS	4000	/* our own typing notices at most */
#define APP_NOTE_MS		8000	/* how long a notice shows */
#define APP_CALL_MS		15000	/* timeout of our calls */
#define APP_TYPING_MAX		32
#define APP_NOTIFY_MAX		4	/* notify commands running at once */
#define APP_MEMBERS_MAX		64	/* members named in /group create */
/* The chat shown for a user without a private chat yet (/msg @new). */
#define APP_VIRTUAL_ID		UINT64_MAX

#define EX_SOFTWARE_	70
#define EX_IOERR_	74

/* The wire's ServiceAction values (proto/sotto.proto). */
enum {
	APP_ACT_CREATED = 1,
	APP_ACT_ADDED = 2,
	APP_ACT_REMOVED = 3,
	APP_ACT_LEFT = 4,
	APP_ACT_RENAMED = 5,
	APP_ACT_SETTINGS = 6,
	APP_ACT_JOINED = 7,
};

/* What the model's chat does not say but the app needs. */
struct app_chatx {
	int kind;		/* enum store_chat_kind */
	uint64_t peer_id;
	uint64_t read_outbox;
	uint64_t last_id;	/* its newest message */
	char *title, *preview, *preview_sender;
	char *status, *bio;	/* a private chat's peer (client/presence.h) */
};

/* What a message of the window owns. */
struct app_msgx {
	uint64_t random_id;	/* ours, while pending; else 0 */
	uint64_t sender_id;
	char *text;
	char *reply_text;
	char *fwd_from;		/* a forward copy's original sender */
};

struct app_name {
	uint64_t id;
	char *name;
};

struct app_typing {
	uint64_t chat_id, user_id;
	uint64_t until;		/* uv_now() */
};

struct app {
	uv_loop_t *loop;
	struct cloud *c;
	struct ui_tui *tui;
	struct secret_ui *sui;	/* the secret chats (ui/secret_ui.c) */
	struct privacy_ui *pui;	/* /block, /settings (ui/privacy_ui.c) */
	struct ui_model model;
	struct ui_settings cfg;
	char account[128];
	uint64_t self;

	struct ui_chat *chats;
	struct app_chatx *cx;
	size_t nchats;

	/* The open chat's window, oldest first; pending ones at the end. */
	uint64_t win_chat;
	struct ui_msg *msgs;
	struct app_msgx *mx;
	size_t n, cap;
	int win_all;		/* nothing older is left to load */
	int tail_cut;		/* newer messages were dropped (far up) */
	size_t view_skip;	/* newest ones below the screen (on_view) */

	struct app_name *names;
	size_t nnames, capnames;

	struct app_typing typing[APP_TYPING_MAX];
	size_t ntyping;
	char *typing_names[APP_TYPING_MAX];

	uint64_t virt_user;	/* the user of APP_VIRTUAL_ID, or 0 */
	char *virt_title;
	uint64_t pending_select;	/* a chat to open once listed */

	uv_timer_t tick, clock;
	uv_signal_t sig[3];		/* SIGTERM, SIGHUP, SIGINT */
	int open_handles;
	int need_reload, need_older, need_mark_read, ring, need_window;
	uint64_t notify_chat, notify_user;	/* the last one to announce */
	uint64_t typing_sent_at, typing_sent_chat;
	char note[256];
	uint64_t note_until;
	char conn_note[128];
	int was_online;
	int conn_err;			/* why the connection last went down */
	int stopped;			/* the engine gave up for good */
	int notifying;
	int ops;
	int dead;
	int status;
};

static const char *const app_words[] = {
	"/help", "/msg", "/group", "/quit", "/secret", "/accept", "/decline",
	"/ttl", "/verify", "/close", "/block", "/unblock", "/settings", NULL
};

static void app_kick(struct app *a);
static void app_tick(uv_timer_t *h);
static void app_tui_gone(void *ud);
static void app_open_window(struct app *a, uint64_t chat_id);

static char *
app_strdup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* A notice in the status line for a while. */
static void app_note(struct app *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
app_note(struct app *a, const char *fmt, ...)
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

/* ------------------------------------------------------------ names */

/*
 * The name to show for user id: "me" for this account, else the display
 * name, @username, or "user N". Owned by the cache; stable until exit.
 */
static const char *
app_name(struct app *a, uint64_t id)
{
	struct store_user u;
	struct app_name *v;
	char buf[64], *name;
	size_t i, cap;

	if (id == a->self && id != 0)
		return "me";
	for (i = 0; i < a->nnames; i++)
		if (a->names[i].id == id)
			return a->names[i].name;
	memset(&u, 0, sizeof(u));
	if (cloud_get_user(a->c, id, &u) == 0 && u.display_name != NULL &&
	    u.display_name[0] != '\0')
		name = strdup(u.display_name);
	else if (u.username != NULL && u.username[0] != '\0') {
		snprintf(buf, sizeof(buf), "@%.60s", u.username);
		name = strdup(buf);
	} else {
		snprintf(buf, sizeof(buf), "user %llu", (unsigned long long)id);
		name = strdup(buf);
	}
	store_user_free(&u);
	if (name == NULL)
		return "?";
	if (a->nnames == a->capnames) {
		cap = a->capnames ? a->capnames * 2 : 16;
		if ((v = realloc(a->names, cap * sizeof(*v))) == NULL) {
			free(name);
			return "?";
		}
		a->names = v;
		a->capnames = cap;
	}
	a->names[a->nnames].id = id;
	a->names[a->nnames].name = name;
	a->nnames++;
	return name;
}

/* Forgets a cached name (it changed); old pointers stay valid. */
static void
app_name_forget(struct app *a, uint64_t id)
{
	size_t i;

	for (i = 0; i < a->nnames; i++)
		if (a->names[i].id == id) {
			/* Kept, renamed out of the way: the model may point at it. */
			a->names[i].id = 0;
			return;
		}
}

/* ------------------------------------------------------------ window */

static void
app_msg_release(struct app_msgx *x)
{
	free(x->text);
	free(x->reply_text);
	free(x->fwd_from);
	memset(x, 0, sizeof(*x));
}

static void
app_window_clear(struct app *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		app_msg_release(&a->mx[i]);
	a->n = 0;
	a->win_all = 0;
	a->tail_cut = 0;
	a->view_skip = 0;
}

static int
app_window_room(struct app *a, size_t more)
{
	struct ui_msg *m;
	struct app_msgx *x;
	size_t cap = a->cap ? a->cap : 64;

	if (a->n + more <= a->cap)
		return 0;
	while (cap < a->n + more)
		cap *= 2;
	if ((m = realloc(a->msgs, cap * sizeof(*m))) == NULL)
		return ERR_NOMEM;
	a->msgs = m;
	if ((x = realloc(a->mx, cap * sizeof(*x))) == NULL)
		return ERR_NOMEM;
	a->mx = x;
	a->cap = cap;
	return 0;
}

/* The text a service message shows, e.g. "Alice added Bob". */
static char *
app_service_text(struct app *a, const struct store_message *sm)
{
	const char *who = app_name(a, sm->sender_id), *whom;
	char buf[512];

	whom = sm->action_user_id != 0 ? app_name(a, sm->action_user_id) :
	    "someone";
	switch (sm->action) {
	case APP_ACT_CREATED:
		snprintf(buf, sizeof(buf), "%s created the group %s", who,
		    sm->text != NULL ? sm->text : "");
		break;
	case APP_ACT_ADDED:
		snprintf(buf, sizeof(buf), "%s added %s", who, whom);
		break;
	case APP_ACT_REMOVED:
		snprintf(buf, sizeof(buf), "%s removed %s", who, whom);
		break;
	case APP_ACT_LEFT:
		snprintf(buf, sizeof(buf), "%s left", who);
		break;
	case APP_ACT_RENAMED:
		snprintf(buf, sizeof(buf), "%s renamed the group to %s", who,
		    sm->text != NULL ? sm->text : "");
		break;
	case APP_ACT_SETTINGS:
		snprintf(buf, sizeof(buf), "%s changed the group: %s", who,
		    sm->text != NULL ? sm->text : "");
		break;
	case APP_ACT_JOINED:
		snprintf(buf, sizeof(buf), "%s joined through an invite link",
		    who);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s: %s", who,
		    sm->text != NULL ? sm->text : "");
		break;
	}
	return strdup(buf);
}

static int app_msg_forward(struct app *a, const struct store_message *sm,
    struct ui_msg *m, struct app_msgx *x);

/* Fills a window entry from a stored message. */
static int
app_msg_fill(struct app *a, struct ui_msg *m, struct app_msgx *x,
    const struct store_message *sm)
{
	struct store_message r;
	uint64_t rout = 0;
	size_t i;
	int r2;

	memset(m, 0, sizeof(*m));
	memset(x, 0, sizeof(*x));
	for (i = 0; i < a->nchats; i++)
		if (a->chats[i].id == sm->chat_id)
			rout = a->cx[i].read_outbox;
	x->sender_id = sm->sender_id;
	x->text = sm->action != 0 ? app_service_text(a, sm) :
	    app_strdup(sm->text);
	if (x->text == NULL)
		return ERR_NOMEM;
	m->id = sm->id;
	m->sender = app_name(a, sm->sender_id);
	m->date = (time_t)sm->date;
	m->text = x->text;
	if (sm->action != 0)
		m->flags |= UI_MSG_SERVICE;
	if (sm->edit_date != 0)
		m->flags |= UI_MSG_EDITED;
	if (sm->sender_id == a->self) {
		m->flags |= UI_MSG_OUT;
		if (sm->id <= rout)
			m->flags |= UI_MSG_READ;
	}
	if ((r2 = app_msg_forward(a, sm, m, x)) != 0)
		return r2;
	m->reply_to = sm->reply_to;
	if (sm->reply_to != 0) {
		memset(&r, 0, sizeof(r));
		if (cloud_get_message(a->c, sm->chat_id, sm->reply_to, &r) ==
		    0) {
			x->reply_text = app_strdup(r.text);
			m->reply_text = x->reply_text;
			m->reply_sender = app_name(a, r.sender_id);
		}
		store_message_free(&r);
	}
	return 0;
}

/*
 * A forward copy's line: the original sender's name as it was, and
 * "@user" when the server linked the account and this device knows it.
 */
static int
app_msg_forward(struct app *a, const struct store_message *sm,
    struct ui_msg *m, struct app_msgx *x)
{
	struct store_forward f;
	struct store_user u;
	size_t len;
	int linked = 0;

	if (cloud_forward_get(a->c, sm->chat_id, sm->id, &f) != 0)
		return 0;
	if (f.from_id != 0 && cloud_get_user(a->c, f.from_id, &u) == 0) {
		linked = u.username != NULL && u.username[0] != '\0';
		len = strlen(f.name) + (linked ? strlen(u.username) : 0) + 4;
		if ((x->fwd_from = malloc(len)) != NULL)
			snprintf(x->fwd_from, len, "%s%s%s", f.name,
			    linked ? ", @" : "", linked ? u.username : "");
		store_user_free(&u);
	} else
		x->fwd_from = strdup(f.name);
	store_forward_free(&f);
	if (x->fwd_from == NULL)
		return ERR_NOMEM;
	m->fwd_from = x->fwd_from;
	return 0;
}

/* Where a message with this id belongs (before the pending ones). */
static size_t
app_window_find(const struct app *a, uint64_t id, int *found)
{
	size_t lo = 0, hi = a->n, mid;

	*found = 0;
	/* Pending ones (id 0) are at the end; the rest ascend. */
	while (hi > 0 && a->msgs[hi - 1].id == 0)
		hi--;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a->msgs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < a->n && a->msgs[lo].id == id && id != 0;
	return lo;
}

/*
 * The view's place counts from the newest end of the window, so it is
 * told of every message put in or taken out (ui_tui_msg_added): a user
 * reading far up keeps the lines on screen when one arrives.
 */
static void
app_window_cut(struct app *a, size_t i)
{
	app_msg_release(&a->mx[i]);
	memmove(&a->msgs[i], &a->msgs[i + 1], (a->n - i - 1) *
	    sizeof(*a->msgs));
	memmove(&a->mx[i], &a->mx[i + 1], (a->n - i - 1) * sizeof(*a->mx));
	a->n--;
}

static void
app_window_remove(struct app *a, size_t i)
{
	app_window_cut(a, i);
	if (a->tui != NULL && a->win_chat == a->model.current)
		ui_tui_msg_removed(a->tui, a->n - i);
}

/* Adds a live message of the open chat at its place (once). */
static void
app_window_add(struct app *a, const struct store_message *sm)
{
	size_t i, at;
	int found;

	/* Our own message coming back: the pending entry becomes it. */
	for (i = 0; sm->random_id != 0 && i < a->n; i++)
		if (a->mx[i].random_id == sm->random_id) {
			app_window_remove(a, i);
			break;
		}
	at = app_window_find(a, sm->id, &found);
	/*
	 * Older than the window while older pages are still unread, or
	 * newer while newer ones were dropped: it arrives with its page,
	 * and adding it now would leave a gap.
	 */
	if (found || (at == 0 && a->n > 0 && !a->win_all) || a->tail_cut ||
	    app_window_room(a, 1) != 0)
		return;
	memmove(&a->msgs[at + 1], &a->msgs[at], (a->n - at) *
	    sizeof(*a->msgs));
	memmove(&a->mx[at + 1], &a->mx[at], (a->n - at) * sizeof(*a->mx));
	a->n++;
	if (app_msg_fill(a, &a->msgs[at], &a->mx[at], sm) != 0) {
		app_window_cut(a, at);
		return;
	}
	if (a->tui != NULL && a->win_chat == a->model.current)
		ui_tui_msg_added(a->tui, a->n - 1 - at);
}

struct app_page {
	struct app *a;
	struct store_message *v;	/* copies, newest first */
	size_t n;
	int err;
};

static int
app_page_cb(void *ud, const struct store_message *m)
{
	struct app_page *p = ud;
	struct store_message *d = &p->v[p->n];

	*d = *m;
	d->text = app_strdup(m->text);
	if (d->text == NULL) {
		p->err = ERR_NOMEM;
		return 1;
	}
	p->n++;
	return p->n < APP_PAGE ? 0 : 1;
}

/* Reads the page before before_id (0: the newest) into the window's top. */
static int
app_load_page(struct app *a, uint64_t before_id)
{
	struct store_message v[APP_PAGE];
	struct app_page p = { a, v, 0, 0 };
	size_t i, k;
	int r;

	r = cloud_history_before(a->c, a->win_chat, before_id, APP_PAGE,
	    app_page_cb, &p);
	if (r == 1 || r == 0)
		r = p.err;
	if (r == 0 && p.n < APP_PAGE)
		a->win_all = 1;
	if (r == 0 && (r = app_window_room(a, p.n)) == 0) {
		memmove(&a->msgs[p.n], &a->msgs[0], a->n * sizeof(*a->msgs));
		memmove(&a->mx[p.n], &a->mx[0], a->n * sizeof(*a->mx));
		a->n += p.n;
		/* Newest first in v: the oldest goes to slot 0. */
		for (i = 0, k = p.n; k-- > 0; i++)
			if (app_msg_fill(a, &a->msgs[i], &a->mx[i], &v[k]) !=
			    0) {
				a->msgs[i].text = "";
				r = ERR_NOMEM;
			}
	}
	for (i = 0; i < p.n; i++)
		free(v[i].text);
	return r;
}

static const struct app_chatx *app_chatx(const struct app *a, uint64_t id);

/*
 * Coming back down to a window whose newest messages were dropped: reads
 * the page right after its newest message. The store pages only
 * backwards, so this asks for the page before newest + PAGE + 1 (ids
 * grow within a chat) and keeps what is newer than the window, stepping
 * further when deleted ids left that range empty. Returns how many were
 * appended.
 */
static size_t
app_load_newer(struct app *a)
{
	const struct app_chatx *x = app_chatx(a, a->win_chat);
	struct store_message v[APP_PAGE];
	struct app_page p;
	uint64_t newest, last, before;
	size_t i, k, added = 0;
	int tries, r;

	if (a->n == 0 || x == NULL) {
		a->tail_cut = 0;
		return 0;
	}
	newest = a->msgs[a->n - 1].id;
	last = x->last_id;
	before = newest + APP_PAGE + 1;
	for (tries = 0; newest < last && added == 0 && tries < 64; tries++) {
		if (before > last + 1)
			before = last + 1;
		memset(&p, 0, sizeof(p));
		p.a = a;
		p.v = v;
		r = cloud_history_before(a->c, a->win_chat, before, APP_PAGE,
		    app_page_cb, &p);
		if ((r == 0 || r == 1) && p.err == 0 &&
		    app_window_room(a, p.n) == 0) {
			/* Newest first: append the ones past the window, oldest first. */
			for (k = p.n; k-- > 0;) {
				if (v[k].id <= newest)
					continue;
				if (app_msg_fill(a, &a->msgs[a->n], &a->mx[a->n],
				    &v[k]) != 0)
					break;
				a->n++;
				added++;
			}
		} else
			tries = 64;
		for (i = 0; i < p.n; i++)
			free(v[i].text);
		if (before == last + 1)
			break;
		before += (uint64_t)APP_PAGE * 8;
	}
	if (a->msgs[a->n - 1].id >= last || added == 0)
		a->tail_cut = 0;
	return added;
}

/*
 * Keeps the window at about APP_WIN_MAX messages around the screen: far
 * up a long chat, the newest ones well below the screen are dropped (and
 * read again on the way down); near the newest, the oldest ones well
 * above it. So memory stays bounded however far the user pages.
 */
static void
app_window_adjust(struct app *a)
{
	struct ui_trim t;
	size_t k, i, added;
	long d;

	if (secret_ui_owns(a->win_chat)) {
		/* The same bound, kept by secret_ui over client/secret.h. */
		if ((d = secret_ui_trim(a->sui, a->win_chat, a->view_skip)) !=
		    0) {
			a->view_skip = d < 0 && (size_t)-d > a->view_skip ? 0 :
			    (size_t)((long)a->view_skip + d);
			ui_tui_skip_adjust(a->tui, d);
		}
		return;
	}
	ui_view_trim(a->n, a->view_skip, APP_WIN_MAX, APP_PAGE, a->n > 0 &&
	    a->msgs[a->n - 1].id != 0, a->tail_cut, &t);
	if ((k = t.drop_newest) > 0) {
		for (i = a->n - k; i < a->n; i++)
			app_msg_release(&a->mx[i]);
		a->n -= k;
		a->tail_cut = 1;
		a->view_skip -= k;
		ui_tui_skip_adjust(a->tui, -(long)k);
		ui_tui_trace(a->tui, "dropped_newest", k);
	}
	if ((k = t.drop_oldest) > 0) {
		for (i = 0; i < k; i++)
			app_msg_release(&a->mx[i]);
		memmove(&a->msgs[0], &a->msgs[k], (a->n - k) *
		    sizeof(*a->msgs));
		memmove(&a->mx[0], &a->mx[k], (a->n - k) * sizeof(*a->mx));
		a->n -= k;
		a->win_all = 0;
		ui_tui_trace(a->tui, "dropped_oldest", k);
	}
	if (t.read_newer) {
		added = app_load_newer(a);
		a->view_skip += added;
		ui_tui_skip_adjust(a->tui, (long)added);
		ui_tui_trace(a->tui, "read_newer", added);
	}
}

static void
app_bind_window(struct app *a)
{
	size_t i;

	for (i = 0; i < a->nchats; i++) {
		a->chats[i].msgs = NULL;
		a->chats[i].nmsgs = 0;
		if (a->chats[i].id == a->win_chat) {
			a->chats[i].msgs = a->msgs;
			a->chats[i].nmsgs = a->n;
		}
	}
	if (a->sui != NULL)
		secret_ui_bind(a->sui, a->chats, a->nchats);
}

static void
app_open_window(struct app *a, uint64_t chat_id)
{
	int r;

	app_window_clear(a);
	a->win_chat = chat_id;
	if (a->sui != NULL)
		secret_ui_open(a->sui, chat_id);
	if (secret_ui_owns(chat_id))
		a->win_all = 1;		/* its messages are secret_ui's */
	else if (chat_id != 0 && chat_id != APP_VIRTUAL_ID &&
	    (r = app_load_page(a, 0)) != 0)
		app_note(a, "cannot read the messages: %s", err_str(r));
	if (chat_id == APP_VIRTUAL_ID)
		a->win_all = 1;
	app_bind_window(a);
}

/* ------------------------------------------------------------ chats */

static void
app_chats_free(struct ui_chat *chats, struct app_chatx *cx, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(cx[i].title);
		free(cx[i].preview);
		free(cx[i].preview_sender);
		free(cx[i].status);
		free(cx[i].bio);
	}
	free(chats);
	free(cx);
}

struct app_list {
	struct app *a;
	struct ui_chat *chats;
	struct app_chatx *cx;
	size_t n, cap;
	int err;
	uint64_t virt_chat;	/* the private chat with virt_user, if any */
};

static char *
app_chat_title(struct app *a, const struct store_chat *ch)
{
	char buf[CLOUD_TITLE_MAX + 16];

	switch (ch->kind) {
	case STORE_CHAT_SAVED:
		return strdup("Saved Messages");
	case STORE_CHAT_PRIVATE:
		return strdup(app_name(a, ch->peer_id));
	default:
		snprintf(buf, sizeof(buf), "%s%s", ch->title != NULL &&
		    ch->title[0] != '\0' ? ch->title : "group",
		    ch->left ? " (left)" : "");
		return strdup(buf);
	}
}

/*
 * A private chat's header: the peer's last seen and bio as the engine
 * knows them (the server decided what this account may see). 0 or
 * ERR_NOMEM.
 */
static int
app_presence(struct app *a, struct ui_chat *c, struct app_chatx *x)
{
	struct presence_info i;
	char words[64];

	if (cloud_presence_get(a->c, x->peer_id, &i) != 0)
		return 0;
	presence_words(&i, (uint64_t)time(NULL), words, sizeof(words));
	if ((x->status = strdup(words)) == NULL ||
	    (x->bio = strdup(i.bio)) == NULL)
		return ERR_NOMEM;
	c->status = x->status;
	c->bio = x->bio;
	return 0;
}

static void app_presence_done(void *ud, int err, const char *why,
    uint64_t id);

/* The peer of a private chat as the server shows it now, for its header. */
static void
app_presence_fetch(struct app *a, uint64_t chat_id)
{
	const struct app_chatx *x = app_chatx(a, chat_id);

	if (x == NULL || x->kind != STORE_CHAT_PRIVATE || x->peer_id == 0)
		return;
	a->ops++;
	if (cloud_user_fetch(a->c, x->peer_id, APP_CALL_MS, app_presence_done,
	    a) != 0)
		a->ops--;
}

static int
app_list_cb(void *ud, const struct store_chat *ch)
{
	struct app_list *l = ud;
	struct app *a = l->a;
	struct ui_chat *c, *nc;
	struct app_chatx *x, *nx;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		if ((nc = realloc(l->chats, cap * sizeof(*nc))) == NULL)
			goto nomem;
		l->chats = nc;
		if ((nx = realloc(l->cx, cap * sizeof(*nx))) == NULL)
			goto nomem;
		l->cx = nx;
		l->cap = cap;
	}
	c = &l->chats[l->n];
	x = &l->cx[l->n];
	memset(c, 0, sizeof(*c));
	memset(x, 0, sizeof(*x));
	l->n++;
	c->id = ch->id;
	x->kind = ch->kind;
	x->peer_id = ch->peer_id;
	x->read_outbox = ch->read_outbox_max_id;
	x->last_id = ch->last_message_id;
	if ((x->title = app_chat_title(a, ch)) == NULL ||
	    (x->preview = app_strdup(ch->last_text)) == NULL)
		goto nomem;
	c->title = x->title;
	c->preview = x->preview;
	if (ch->last_message_id != 0 && ch->kind == STORE_CHAT_GROUP)
		c->preview_sender = app_name(a, ch->last_sender_id);
	else if (ch->last_message_id != 0 && ch->last_sender_id == a->self &&
	    ch->kind != STORE_CHAT_SAVED)
		c->preview_sender = "me";
	if (ch->kind == STORE_CHAT_GROUP)
		c->flags |= UI_CHAT_GROUP;
	if (ch->kind == STORE_CHAT_PRIVATE && app_presence(a, c, x) != 0)
		goto nomem;
	c->unread = ch->unread > 99999 ? 99999 : (unsigned)ch->unread;
	c->last_date = (time_t)ch->last_date;
	if (a->virt_user != 0 && ch->kind == STORE_CHAT_PRIVATE &&
	    ch->peer_id == a->virt_user)
		l->virt_chat = ch->id;
	return 0;
nomem:
	l->err = ERR_NOMEM;
	return 1;
}

static void
app_apply_typing(struct app *a)
{
	uint64_t now = uv_now(a->loop);
	size_t i, j, k;

	for (i = 0, k = 0; i < a->ntyping; i++)
		if (a->typing[i].until > now)
			a->typing[k++] = a->typing[i];
	a->ntyping = k;
	for (j = 0; j < a->nchats; j++)
		a->chats[j].typing = NULL;
	for (i = 0; i < a->ntyping; i++)
		for (j = 0; j < a->nchats; j++)
			if (a->chats[j].id == a->typing[i].chat_id)
				a->chats[j].typing = app_name(a,
				    a->typing[i].user_id);
}

/* The secret chats join the list (the view sorts it by activity). */
static void
app_secret_list(struct app *a, struct app_list *l)
{
	const struct ui_chat *sc;
	struct ui_chat *c;
	struct app_chatx *x;
	size_t n, i, k;
	int r;

	if (a->sui == NULL)
		return;
	if ((r = secret_ui_reload(a->sui)) != 0)
		app_note(a, "cannot list the secret chats: %s", err_str(r));
	/* New secret messages: the view keeps its place, as app_window_add. */
	for (k = secret_ui_appended(a->sui); k > 0 && a->tui != NULL; k--)
		ui_tui_msg_added(a->tui, 0);
	sc = secret_ui_chats(a->sui, &n);
	if (n == 0 || (c = realloc(l->chats, (l->n + n) * sizeof(*c))) ==
	    NULL)
		return;
	l->chats = c;
	if ((x = realloc(l->cx, (l->n + n) * sizeof(*x))) == NULL)
		return;
	l->cx = x;
	for (i = 0; i < n; i++) {
		c[l->n] = sc[i];
		memset(&x[l->n], 0, sizeof(*x));
		x[l->n].kind = -1;	/* no cloud chat */
		l->n++;
	}
}

static void
app_reload_chats(struct app *a)
{
	struct app_list l = { a, NULL, NULL, 0, 0, 0, 0 };
	struct ui_chat *c;
	struct app_chatx *x;
	size_t i;
	int r;

	r = cloud_list_chats(a->c, app_list_cb, &l);
	if (r == 0 || r == 1)
		r = l.err;
	if (r != 0) {
		app_chats_free(l.chats, l.cx, l.n);
		app_note(a, "cannot list the chats: %s", err_str(r));
		return;
	}
	/* The private chat /msg was waiting for exists now: open it. */
	if (a->virt_user != 0 && l.virt_chat != 0) {
		if (a->model.current == APP_VIRTUAL_ID)
			a->pending_select = l.virt_chat;
		a->virt_user = 0;
		free(a->virt_title);
		a->virt_title = NULL;
	}
	if (a->virt_user != 0 && (c = realloc(l.chats, (l.n + 1) *
	    sizeof(*c))) != NULL) {
		l.chats = c;
		if ((x = realloc(l.cx, (l.n + 1) * sizeof(*x))) != NULL) {
			l.cx = x;
			memset(&c[l.n], 0, sizeof(*c));
			memset(&x[l.n], 0, sizeof(*x));
			x[l.n].kind = STORE_CHAT_PRIVATE;
			x[l.n].peer_id = a->virt_user;
			x[l.n].title = app_strdup(a->virt_title);
			c[l.n].id = APP_VIRTUAL_ID;
			c[l.n].title = x[l.n].title;
			c[l.n].preview = "(new chat)";
			c[l.n].last_date = time(NULL);
			l.n++;
		}
	}
	app_secret_list(a, &l);
	app_chats_free(a->chats, a->cx, a->nchats);
	a->chats = l.chats;
	a->cx = l.cx;
	a->nchats = l.n;
	a->model.chats = a->chats;
	a->model.nchats = a->nchats;
	for (i = 0; i < a->nchats; i++)
		if (a->chats[i].id == a->model.current)
			a->chats[i].unread = 0;	/* being looked at */
	app_apply_typing(a);
	app_bind_window(a);
	if (a->pending_select != 0) {
		for (i = 0; i < a->nchats; i++)
			if (a->chats[i].id == a->pending_select)
				break;
		if (i < a->nchats) {
			a->pending_select = 0;
			if (a->tui != NULL)
				ui_tui_select(a->tui, a->chats[i].id);
		}
	}
}

static const struct app_chatx *
app_chatx(const struct app *a, uint64_t id)
{
	size_t i;

	for (i = 0; i < a->nchats; i++)
		if (a->chats[i].id == id)
			return &a->cx[i];
	return NULL;
}

/* ------------------------------------------------------------ calls */

/* Counts a call that completes later; see the comment at the top. */
static int
app_op_end(struct app *a)
{
	a->ops--;
	if (a->dead) {
		if (a->ops == 0)
			free(a);
		return 1;
	}
	return 0;
}

static void
app_quiet_done(void *ud, int err, const char *why, uint64_t id)
{
	(void)err;
	(void)why;
	(void)id;
	app_op_end(ud);
}

/* A fetched peer: its header is redrawn with what came (or stays). */
static void
app_presence_done(void *ud, int err, const char *why, uint64_t id)
{
	struct app *a = ud;

	(void)err;
	(void)why;
	(void)id;
	if (app_op_end(a))
		return;
	a->need_reload = 1;
	app_kick(a);
}

static void
app_note_done(void *ud, int err, const char *why, uint64_t id)
{
	struct app *a = ud;

	(void)id;
	if (app_op_end(a))
		return;
	if (err != 0)
		app_note(a, "failed: %s%s%s", err_str(err),
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
	else
		app_note(a, "done");
	a->need_reload = 1;
	app_kick(a);
}

static void
app_group_done(void *ud, int err, const char *why, uint64_t id)
{
	struct app *a = ud;

	if (app_op_end(a))
		return;
	if (err != 0) {
		app_note(a, "cannot create the group: %s%s%s", err_str(err),
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
		return;
	}
	app_note(a, "group created");
	a->pending_select = id;
	a->need_reload = 1;
	app_kick(a);
}

static void
app_mark_read(struct app *a)
{
	uint64_t id = a->model.current;

	if (id == 0 || id == APP_VIRTUAL_ID)
		return;
	if (secret_ui_owns(id)) {
		secret_ui_mark_read(a->sui, id);
		return;
	}
	if (cloud_mark_read(a->c, id, 0, APP_CALL_MS, app_quiet_done, a) ==
	    0)
		a->ops++;
}

/* A peer resolved for a command: what to do with it. */
enum app_want {
	APP_WANT_OPEN,		/* /msg */
	APP_WANT_ADD,		/* /group add */
	APP_WANT_REMOVE,	/* /group remove */
	APP_WANT_MEMBER,	/* one of /group create's members */
};

struct app_group {
	struct app *a;
	char title[CLOUD_TITLE_MAX + 1];
	uint64_t ids[APP_MEMBERS_MAX];
	size_t n, waiting;
	int failed;
};

struct app_resolve {
	struct app *a;
	enum app_want want;
	uint64_t chat_id;
	char peer[128];
	struct app_group *g;
};

/* One lookup (or the placeholder) of /group create is over. */
static void
app_group_step(struct app_group *g)
{
	struct app *a = g->a;

	if (--g->waiting > 0)
		return;
	if (!g->failed && !a->dead) {
		if (cloud_create_group(a->c, g->title, g->ids, g->n,
		    APP_CALL_MS, app_group_done, a) == 0)
			a->ops++;
		else
			app_note(a, "cannot create the group");
	}
	free(g);
}

static void
app_group_member(struct app_group *g, int err, const char *peer,
    uint64_t user_id)
{
	if (err != 0 && !g->failed) {
		g->failed = 1;
		app_note(g->a, "cannot find %s: %s", peer, err_str(err));
	}
	if (err == 0 && g->n < APP_MEMBERS_MAX)
		g->ids[g->n++] = user_id;
	app_group_step(g);
}

static void
app_resolved(void *ud, int err, const char *why, const struct cloud_peer *p)
{
	struct app_resolve *rs = ud;
	struct app *a = rs->a;
	int r;

	(void)why;
	if (rs->want == APP_WANT_MEMBER)
		app_group_member(rs->g, err, rs->peer, err == 0 ? p->user_id :
		    0);
	if (app_op_end(a) || rs->want == APP_WANT_MEMBER) {
		free(rs);
		return;
	}
	if (err != 0) {
		app_note(a, "cannot find %s: %s", rs->peer, err_str(err));
		free(rs);
		return;
	}
	switch (rs->want) {
	case APP_WANT_OPEN:
		if (p->chat_id != 0) {
			a->pending_select = p->chat_id;
		} else if (p->user_id != 0) {
			/* No chat yet: one appears with the first message. */
			free(a->virt_title);
			a->virt_user = p->user_id;
			a->virt_title = app_strdup(app_name(a, p->user_id));
			app_reload_chats(a);
			if (a->tui != NULL)
				ui_tui_select(a->tui, APP_VIRTUAL_ID);
		}
		break;
	case APP_WANT_ADD:
	case APP_WANT_REMOVE:
		if (p->user_id == 0) {
			app_note(a, "%s is not a user", rs->peer);
			break;
		}
		r = rs->want == APP_WANT_ADD ?
		    cloud_add_member(a->c, rs->chat_id, p->user_id,
		    APP_CALL_MS, app_note_done, a) :
		    cloud_remove_member(a->c, rs->chat_id, p->user_id,
		    APP_CALL_MS, app_note_done, a);
		if (r == 0)
			a->ops++;
		else
			app_note(a, "failed: %s", err_str(r));
		break;
	default:
		break;
	}
	a->need_reload = 1;
	app_kick(a);
	free(rs);
}

static int
app_resolve(struct app *a, const char *peer, enum app_want want,
    struct app_group *g)
{
	struct app_resolve *rs;
	int r;

	if (cloud_peer_check(peer) != 0) {
		app_note(a, "not a PEER: %s (use @username, +phone, me or a "
		    "chat id)", peer);
		return ERR_INVAL;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return ERR_NOMEM;
	rs->a = a;
	rs->want = want;
	rs->chat_id = a->model.current;
	rs->g = g;
	snprintf(rs->peer, sizeof(rs->peer), "%s", peer);
	if ((r = cloud_resolve(a->c, peer, 0, APP_CALL_MS, app_resolved,
	    rs)) != 0) {
		app_note(a, "cannot look up %s: %s", peer, err_str(r));
		free(rs);
		return r;
	}
	a->ops++;
	return 0;
}

/* ------------------------------------------------------------ commands */

/* Splits s (modified) into at most max words; returns how many. */
static size_t
app_split(char *s, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t\n", &save); t != NULL && n < max;
	    t = strtok_r(NULL, " \t\n", &save))
		w[n++] = t;
	return n;
}

/* The rest of the line after the first k words of the original text. */
static const char *
app_rest(const char *s, size_t k)
{
	while (k-- > 0) {
		s += strspn(s, " \t\n");
		s += strcspn(s, " \t\n");
	}
	return s + strspn(s, " \t\n");
}

static int
app_is_peer_word(const char *w)
{
	return w[0] == '@' || w[0] == '+';
}

static void
app_cmd_group(struct app *a, const char *line, char **w, size_t n)
{
	const struct app_chatx *x = app_chatx(a, a->model.current);
	struct app_group *g;
	const char *title;
	size_t i, k;
	int r;

	if (n < 2) {
		app_note(a, "/group create TITLE @a @b | add PEER | remove "
		    "PEER | leave | rename TITLE");
		return;
	}
	if (strcmp(w[1], "create") == 0) {
		if ((g = calloc(1, sizeof(*g))) == NULL)
			return;
		g->a = a;
		/* The title runs up to the first @user or +phone. */
		for (k = 2; k < n && !app_is_peer_word(w[k]); k++) {
			if (g->title[0] != '\0')
				strncat(g->title, " ", sizeof(g->title) -
				    strlen(g->title) - 1);
			strncat(g->title, w[k], sizeof(g->title) -
			    strlen(g->title) - 1);
		}
		if (g->title[0] == '\0') {
			app_note(a, "/group create TITLE @a @b: a title first");
			free(g);
			return;
		}
		if (n - k > APP_MEMBERS_MAX) {
			app_note(a, "at most %d members at once",
			    APP_MEMBERS_MAX);
			free(g);
			return;
		}
		g->waiting = n - k + 1;	/* +1 until every lookup started */
		for (i = k; i < n; i++)
			if (app_resolve(a, w[i], APP_WANT_MEMBER, g) != 0)
				app_group_member(g, ERR_INVAL, w[i], 0);
		app_group_step(g);
		return;
	}
	if (x == NULL || x->kind != STORE_CHAT_GROUP) {
		app_note(a, "/group %s: open a group first", w[1]);
		return;
	}
	if ((strcmp(w[1], "add") == 0 || strcmp(w[1], "remove") == 0) &&
	    n == 3) {
		app_resolve(a, w[2], strcmp(w[1], "add") == 0 ? APP_WANT_ADD :
		    APP_WANT_REMOVE, NULL);
		return;
	}
	if (strcmp(w[1], "leave") == 0 && n == 2) {
		if ((r = cloud_leave(a->c, a->model.current, APP_CALL_MS,
		    app_note_done, a)) == 0)
			a->ops++;
		else
			app_note(a, "cannot leave: %s", err_str(r));
		return;
	}
	if (strcmp(w[1], "rename") == 0 && n >= 3) {
		title = app_rest(line, 2);
		if ((r = cloud_rename(a->c, a->model.current, title,
		    APP_CALL_MS, app_note_done, a)) == 0)
			a->ops++;
		else
			app_note(a, "cannot rename: %s", err_str(r));
		return;
	}
	app_note(a, "/group create TITLE @a @b | add PEER | remove PEER | "
	    "leave | rename TITLE");
}

static void
app_command(struct app *a, const char *text)
{
	char *copy, *w[APP_MEMBERS_MAX + 8];
	size_t n;

	if ((copy = strdup(text)) == NULL)
		return;
	n = app_split(copy, w, sizeof(w) / sizeof(w[0]));
	if (n == 0)
		goto out;
	if (strcmp(w[0], "/help") == 0) {
		ui_tui_help(a->tui, 1);
		goto out;
	}
	if (strcmp(w[0], "/quit") == 0) {
		ui_tui_stop(a->tui, app_tui_gone, a);
		goto out;
	}
	if (strcmp(w[0], "/msg") == 0) {
		if (n != 2)
			app_note(a, "/msg PEER: @username, +phone, me or a "
			    "chat id");
		else
			app_resolve(a, w[1], APP_WANT_OPEN, NULL);
		goto out;
	}
	if (strcmp(w[0], "/group") == 0) {
		app_cmd_group(a, text, w, n);
		goto out;
	}
	if (secret_ui_command(a->sui, a->model.current, w, n))
		goto out;
	if (privacy_ui_command(a->pui, w, n))
		goto out;
	app_note(a, "unknown command %.40s; /help lists them", w[0]);
out:
	free(copy);
}

/* ------------------------------------------------------------ tui */

static void
app_send(struct app *a, uint64_t chat_id, const char *text)
{
	const struct app_chatx *x = app_chatx(a, chat_id);
	struct cloud_peer to;
	struct store_message sm;
	uint64_t rid = 0;
	size_t at;
	int r;

	memset(&to, 0, sizeof(to));
	if (chat_id == APP_VIRTUAL_ID)
		to.user_id = a->virt_user;
	else {
		to.chat_id = chat_id;
		to.kind = x != NULL ? x->kind : 0;
		to.user_id = x != NULL && x->kind == STORE_CHAT_PRIVATE ?
		    x->peer_id : 0;
	}
	if ((r = cloud_send(a->c, &to, text, 0, &rid)) != 0) {
		app_note(a, "cannot send: %s", err_str(r));
		return;
	}
	if (chat_id != a->win_chat || app_window_room(a, 1) != 0)
		return;
	/* Shown at once, pending until CLOUD_EV_SENT. */
	memset(&sm, 0, sizeof(sm));
	sm.chat_id = chat_id;
	sm.sender_id = a->self;
	sm.text = (char *)text;
	sm.date = (uint64_t)time(NULL);
	at = a->n++;
	if (app_msg_fill(a, &a->msgs[at], &a->mx[at], &sm) != 0) {
		a->n--;
		return;
	}
	a->msgs[at].flags |= UI_MSG_PENDING;
	a->mx[at].random_id = rid;
	app_bind_window(a);
}

static void
app_on_submit(void *ud, uint64_t chat_id, const char *text)
{
	struct app *a = ud;

	if (text[0] == '/' && text[1] != '/') {
		app_command(a, text);
		return;
	}
	if (secret_ui_owns(chat_id)) {
		secret_ui_send(a->sui, chat_id, text[0] == '/' ? text + 1 :
		    text);
		ui_tui_refresh(a->tui);
		return;
	}
	/* The view is back at the newest: so must the window be. */
	if (a->tail_cut && chat_id == a->win_chat)
		app_open_window(a, chat_id);
	app_send(a, chat_id, text[0] == '/' ? text + 1 : text);
	a->typing_sent_at = 0;
	ui_tui_refresh(a->tui);
}

static void
app_on_select(void *ud, uint64_t chat_id)
{
	struct app *a = ud;
	size_t i;

	app_open_window(a, chat_id);
	for (i = 0; i < a->nchats; i++)
		if (a->chats[i].id == chat_id)
			a->chats[i].unread = 0;
	a->need_mark_read = 1;
	app_presence_fetch(a, chat_id);
	app_kick(a);
}

static void
app_on_quit(void *ud)
{
	struct app *a = ud;

	ui_tui_stop(a->tui, app_tui_gone, a);
}

static void
app_on_edit(void *ud, uint64_t chat_id, const char *text)
{
	struct app *a = ud;
	uint64_t now = uv_now(a->loop);

	/* Secret chats say nothing about typing (no such payload). */
	if (text[0] == '\0' || text[0] == '/' || chat_id == APP_VIRTUAL_ID ||
	    secret_ui_owns(chat_id))
		return;
	if (a->typing_sent_chat == chat_id && a->typing_sent_at != 0 &&
	    now - a->typing_sent_at < APP_TYPING_EVERY_MS)
		return;
	a->typing_sent_chat = chat_id;
	a->typing_sent_at = now;
	if (cloud_typing(a->c, chat_id, APP_CALL_MS, app_quiet_done, a) == 0)
		a->ops++;
}

static void
app_on_top(void *ud, uint64_t chat_id)
{
	struct app *a = ud;

	if (secret_ui_owns(chat_id)) {
		/* Idempotent: it grows only while older messages are left. */
		if (secret_ui_older(a->sui, chat_id)) {
			app_bind_window(a);
			ui_tui_refresh(a->tui);
		}
		return;
	}
	if (chat_id != a->win_chat || a->win_all || a->need_older)
		return;
	a->need_older = 1;
	app_kick(a);
}

static void
app_on_view(void *ud, uint64_t chat_id, size_t skip)
{
	struct app *a = ud;

	struct ui_trim t;

	if (chat_id != a->win_chat)
		return;
	a->view_skip = skip;
	if ((secret_ui_owns(chat_id) ? secret_ui_trim_due(a->sui, chat_id,
	    skip) : ui_view_trim(a->n, skip, APP_WIN_MAX, APP_PAGE, a->n > 0 &&
	    a->msgs[a->n - 1].id != 0, a->tail_cut, &t)) && !a->need_window) {
		a->need_window = 1;
		app_kick(a);
	}
}

/* ------------------------------------------------------------ search */

struct app_find {
	struct app *a;
	struct ui_search *s;
	int err;
};

static int
app_find_cb(void *ud, const struct store_message *m)
{
	struct app_find *f = ud;
	char *svc = NULL;
	int r;

	if (m->action != 0 && (svc = app_service_text(f->a, m)) == NULL) {
		f->err = ERR_NOMEM;
		return 1;
	}
	r = ui_search_add(f->s, m->id, app_name(f->a, m->sender_id),
	    (time_t)m->date, svc != NULL ? svc : m->text);
	free(svc);
	if (r == ERR_TOO_BIG)
		return 1;	/* full: the newest are kept */
	f->err = r;
	return r != 0;
}

/* Ctrl-F's query: the store's full-text index, through the cloud. */
static int
app_on_find(void *ud, uint64_t chat_id, const char *expr,
    struct ui_search *s)
{
	struct app *a = ud;
	struct app_find f = { a, s, 0 };
	uint64_t t0 = uv_hrtime();
	int r;

	if (chat_id == APP_VIRTUAL_ID)
		return 0;
	if (secret_ui_owns(chat_id)) {
		/* Their text is never indexed: it is to self-destruct. */
		app_note(a, "search does not look into secret chats");
		return 0;
	}
	r = cloud_search(a->c, chat_id, expr, UI_SEARCH_HITS_MAX, app_find_cb,
	    &f);
	ui_tui_trace(a->tui, "search_us", (uv_hrtime() - t0) / 1000);
	return r == 1 ? f.err : r;
}

/*
 * Showing a hit: the window becomes the page that ends with it and the
 * page after it, read as paging down reads it (app_load_newer), so that
 * scrolling either way from there goes on as usual.
 */
static size_t
app_on_jump(void *ud, uint64_t chat_id, uint64_t id)
{
	struct app *a = ud;
	uint64_t t0 = uv_hrtime();
	size_t at;
	int found, r;

	if (id == 0 || chat_id == APP_VIRTUAL_ID) {
		app_open_window(a, chat_id);
		return 0;
	}
	app_window_clear(a);
	a->win_chat = chat_id;
	if ((r = app_load_page(a, id + 1)) != 0)
		app_note(a, "cannot read the messages: %s", err_str(r));
	a->tail_cut = 1;
	(void)app_load_newer(a);
	app_bind_window(a);
	at = app_window_find(a, id, &found);
	if (!found)
		app_note(a, "that message is not here any more");
	ui_tui_trace(a->tui, "jump_us", (uv_hrtime() - t0) / 1000);
	return at < a->n ? a->n - at - 1 : 0;
}

/* ------------------------------------------------------------ notify */

static void
app_notify_closed(uv_handle_t *h)
{
	struct app *a = h->data;

	free(h);
	a->open_handles--;
	a->notifying--;
}

static void
app_notify_exit(uv_process_t *p, int64_t status, int sig)
{
	(void)status;
	(void)sig;
	uv_close((uv_handle_t *)p, app_notify_closed);
}

/*
 * Runs the user's notify command with the chat's title (sanitised) as
 * $1, never a message's text: what shows on a desktop or a phone should
 * not carry what was said, least of all in a secret chat.
 */
static void
app_notify(struct app *a, const char *title)
{
	uv_process_options_t o;
	uv_stdio_container_t io[3];
	uv_process_t *p;
	char clean[256], *args[6];

	if (a->cfg.notify[0] == '\0' || a->notifying >= APP_NOTIFY_MAX)
		return;
	if (ui_sanitize_buf(title, strlen(title), NULL, clean,
	    sizeof(clean)) < 0)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	memset(&o, 0, sizeof(o));
	memset(io, 0, sizeof(io));
	io[0].flags = UV_IGNORE;
	io[1].flags = UV_IGNORE;
	io[2].flags = UV_IGNORE;
	args[0] = "sh";
	args[1] = "-c";
	args[2] = a->cfg.notify;
	args[3] = "sotto-notify";
	args[4] = clean;
	args[5] = NULL;
	o.file = "/bin/sh";
	o.args = args;
	o.stdio = io;
	o.stdio_count = 3;
	o.exit_cb = app_notify_exit;
	p->data = a;
	if (uv_spawn(a->loop, p, &o) != 0) {
		/* A failed spawn still has to be closed. */
		a->open_handles++;
		a->notifying++;
		uv_close((uv_handle_t *)p, app_notify_closed);
		return;
	}
	a->open_handles++;
	a->notifying++;
}

/* ------------------------------------------------------------ events */

static void
app_kick(struct app *a)
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
			app_window_add(a, ev->msg);
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
			i = app_window_find(a, ev->msg->id, &found);
			if (found) {
				app_msg_release(&a->mx[i]);
				(void)app_msg_fill(a, &a->msgs[i], &a->mx[i],
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
				size_t at = app_window_find(a, ev->ids[i],
				    &found);
				if (found)
					app_window_remove(a, at);
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
		app_apply_typing(a);
		break;
	case CLOUD_EV_CONTACT:
		if (ev->user != NULL)
			app_name_forget(a, ev->user->id);
		a->need_reload = 1;
		break;
	case CLOUD_EV_SENT:
		for (i = 0; i < a->n; i++)
			if (a->mx[i].random_id == ev->random_id &&
			    ev->random_id != 0)
				break;
		if (i < a->n && ev->msg != NULL) {
			app_window_remove(a, i);
			app_window_add(a, ev->msg);
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
		app_note(a, "a message was refused: %s%s%s",
		    err_str(ev->err), ev->why != NULL && ev->why[0] != '\0' ?
		    ": " : "", ev->why != NULL ? ev->why : "");
		break;
	case CLOUD_EV_SYNCED:
		/* Connected again: the open chat's peer as it is now. */
		app_presence_fetch(a, a->model.current);
		a->need_reload = 1;
		break;
	case CLOUD_EV_PRESENCE:
		/* The open chat's peer changed: its bio may have too. */
		x = app_chatx(a, a->model.current);
		if (x != NULL && x->kind == STORE_CHAT_PRIVATE &&
		    x->peer_id == ev->user_id)
			app_presence_fetch(a, a->model.current);
		a->need_reload = 1;
		break;
	case CLOUD_EV_READ_INBOX:
	case CLOUD_EV_CHAT:
		a->need_reload = 1;
		break;
	default:
		break;
	}
	app_bind_window(a);
	app_kick(a);
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
		app_reload_chats(a);
		ui_tui_trace(a->tui, "chats_us", (uv_hrtime() - t0) / 1000);
	}
	if (a->need_older) {
		a->need_older = 0;
		for (i = 0; i < a->n && oldest == 0; i++)
			oldest = a->msgs[i].id;
		if (oldest != 0 && !a->win_all) {
			t0 = uv_hrtime();
			if ((r = app_load_page(a, oldest)) != 0)
				app_note(a, "cannot read older messages: %s",
				    err_str(r));
			app_bind_window(a);
			ui_tui_trace(a->tui, "page_us", (uv_hrtime() - t0) /
			    1000);
		}
	}
	if (a->need_window) {
		a->need_window = 0;
		t0 = uv_hrtime();
		app_window_adjust(a);
		app_bind_window(a);
		ui_tui_trace(a->tui, "window_us", (uv_hrtime() - t0) / 1000);
	}
	if (a->need_mark_read) {
		a->need_mark_read = 0;
		app_mark_read(a);
	}
	if (a->ring) {
		a->ring = 0;
		if (a->cfg.bell)
			ui_tui_bell(a->tui);
		x = app_chatx(a, a->notify_chat);
		/* A secret chat's notice names neither text nor sender. */
		if (secret_ui_owns(a->notify_chat))
			app_notify(a, "New secret message");
		else
			app_notify(a, x != NULL && x->title != NULL ? x->title :
			    app_name(a, a->notify_user));
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
	app_apply_typing(a);
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
		ui_tui_stop(a->tui, app_tui_gone, a);
}

static void
app_handle_closed(uv_handle_t *h)
{
	struct app *a = h->data;

	a->open_handles--;
}

static void
app_tui_gone(void *ud)
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

	app_window_clear(a);
	free(a->msgs);
	free(a->mx);
	app_chats_free(a->chats, a->cx, a->nchats);
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
	app_note(ud, "%s", text);
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
	return app_name(ud, user_id);
}

static void
app_sui_note(void *ud, int warn, const char *text)
{
	struct app *a = ud;

	if (warn)
		a->model.note_warn = 0;	/* a newer warning replaces one */
	app_note(a, "%s", text);
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
	app_kick(a);
}

static void
app_sui_select(void *ud, uint64_t chat_id)
{
	struct app *a = ud;

	a->pending_select = chat_id;
	a->need_reload = 1;
	app_kick(a);
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
	app_kick(a);
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
	struct ui_tui_events ev = { app_on_submit, app_on_select,
	    app_on_quit, app_on_edit, app_on_top, NULL, app_on_view,
	    app_on_find, app_on_jump, app_on_menu };
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
		app_note(a, "%s: %s", err[0] != '\0' ? "settings" : path,
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
	app_reload_chats(a);
	if (a->nchats > 0) {
		/* The most recent chat opens first. */
		a->model.current = a->chats[0].id;
		for (r = 1; (size_t)r < a->nchats; r++)
			if (a->chats[r].last_date > a->chats[0].last_date)
				a->model.current = a->chats[r].id;
		app_open_window(a, a->model.current);
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
	ui_tui_commands(a->tui, app_words);
	ui_tui_trace_origin(a->tui, origin);
	ui_tui_configure(a->tui, &a->cfg);
	uv_timer_start(&a->clock, app_clock, 1000, 1000);
	uv_signal_start(&a->sig[0], app_on_signal, SIGTERM);
	uv_signal_start(&a->sig[1], app_on_signal, SIGHUP);
	uv_signal_start(&a->sig[2], app_on_signal, SIGINT);
	app_kick(a);
	/* Until the TUI is gone (app_tui_gone stops the loop). */
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
