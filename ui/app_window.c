/*
 * The open chat's window of ui/app.c: about APP_WIN_MAX of its messages
 * around the screen, read a page at a time from the store as the view
 * scrolls (older at the top, newer again on the way down), patched in
 * place by live events, and what the TUI asks of it: sending, the
 * input line's typing notices, paging, and Ctrl-F's search and jump.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "ui/app_int.h"
#include "ui/search.h"
#include "ui/secret_ui.h"
#include "ui/tui.h"
#include "ui/view.h"

/* ------------------------------------------------------------ window */

void
app__msg_release(struct app_msgx *x)
{
	free(x->text);
	free(x->reply_text);
	free(x->fwd_from);
	memset(x, 0, sizeof(*x));
}

void
app__window_clear(struct app *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		app__msg_release(&a->mx[i]);
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
app_service_text(struct app *a, const struct cloud_message *sm)
{
	const char *who = app__name(a, sm->sender_id), *whom;
	char buf[512];

	whom = sm->action_user_id != 0 ? app__name(a, sm->action_user_id) :
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

static int app_msg_forward(struct app *a, const struct cloud_message *sm,
    struct ui_msg *m, struct app_msgx *x);

/* Fills a window entry from a stored message. */
int
app__msg_fill(struct app *a, struct ui_msg *m, struct app_msgx *x,
    const struct cloud_message *sm)
{
	struct cloud_message r;
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
	    app__strdup(sm->text);
	if (x->text == NULL)
		return ERR_NOMEM;
	m->id = sm->id;
	m->sender = app__name(a, sm->sender_id);
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
			x->reply_text = app__strdup(r.text);
			m->reply_text = x->reply_text;
			m->reply_sender = app__name(a, r.sender_id);
		}
		cloud_message_free(&r);
	}
	return 0;
}

/*
 * A forward copy's line: the original sender's name as it was, and
 * "@user" when the server linked the account and this device knows it.
 */
static int
app_msg_forward(struct app *a, const struct cloud_message *sm,
    struct ui_msg *m, struct app_msgx *x)
{
	struct cloud_forward f;
	struct cloud_user u;
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
		cloud_user_free(&u);
	} else
		x->fwd_from = strdup(f.name);
	cloud_forward_free(&f);
	if (x->fwd_from == NULL)
		return ERR_NOMEM;
	m->fwd_from = x->fwd_from;
	return 0;
}

/* Where a message with this id belongs (before the pending ones). */
size_t
app__window_find(const struct app *a, uint64_t id, int *found)
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
	app__msg_release(&a->mx[i]);
	memmove(&a->msgs[i], &a->msgs[i + 1], (a->n - i - 1) *
	    sizeof(*a->msgs));
	memmove(&a->mx[i], &a->mx[i + 1], (a->n - i - 1) * sizeof(*a->mx));
	a->n--;
}

void
app__window_remove(struct app *a, size_t i)
{
	app_window_cut(a, i);
	if (a->tui != NULL && a->win_chat == a->model.current)
		ui_tui_msg_removed(a->tui, a->n - i);
}

/* Adds a live message of the open chat at its place (once). */
void
app__window_add(struct app *a, const struct cloud_message *sm)
{
	size_t i, at;
	int found;

	/* Our own message coming back: the pending entry becomes it. */
	for (i = 0; sm->random_id != 0 && i < a->n; i++)
		if (a->mx[i].random_id == sm->random_id) {
			app__window_remove(a, i);
			break;
		}
	at = app__window_find(a, sm->id, &found);
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
	if (app__msg_fill(a, &a->msgs[at], &a->mx[at], sm) != 0) {
		app_window_cut(a, at);
		return;
	}
	if (a->tui != NULL && a->win_chat == a->model.current)
		ui_tui_msg_added(a->tui, a->n - 1 - at);
}

struct app_page {
	struct app *a;
	struct cloud_message *v;	/* copies, newest first */
	size_t n;
	int err;
};

static int
app_page_cb(void *ud, const struct cloud_message *m)
{
	struct app_page *p = ud;
	struct cloud_message *d = &p->v[p->n];

	*d = *m;
	d->text = app__strdup(m->text);
	if (d->text == NULL) {
		p->err = ERR_NOMEM;
		return 1;
	}
	p->n++;
	return p->n < APP_PAGE ? 0 : 1;
}

/* Reads the page before before_id (0: the newest) into the window's top. */
int
app__load_page(struct app *a, uint64_t before_id)
{
	struct cloud_message v[APP_PAGE];
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
			if (app__msg_fill(a, &a->msgs[i], &a->mx[i], &v[k]) !=
			    0) {
				a->msgs[i].text = "";
				r = ERR_NOMEM;
			}
	}
	for (i = 0; i < p.n; i++)
		free(v[i].text);
	return r;
}

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
	const struct app_chatx *x = app__chatx(a, a->win_chat);
	struct cloud_message v[APP_PAGE];
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
				if (app__msg_fill(a, &a->msgs[a->n],
				    &a->mx[a->n], &v[k]) != 0)
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
void
app__window_adjust(struct app *a)
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
			app__msg_release(&a->mx[i]);
		a->n -= k;
		a->tail_cut = 1;
		a->view_skip -= k;
		ui_tui_skip_adjust(a->tui, -(long)k);
		ui_tui_trace(a->tui, "dropped_newest", k);
	}
	if ((k = t.drop_oldest) > 0) {
		for (i = 0; i < k; i++)
			app__msg_release(&a->mx[i]);
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

void
app__bind_window(struct app *a)
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

void
app__open_window(struct app *a, uint64_t chat_id)
{
	int r;

	app__window_clear(a);
	a->win_chat = chat_id;
	if (a->sui != NULL)
		secret_ui_open(a->sui, chat_id);
	if (secret_ui_owns(chat_id))
		a->win_all = 1;		/* its messages are secret_ui's */
	else if (chat_id != 0 && chat_id != APP_VIRTUAL_ID &&
	    (r = app__load_page(a, 0)) != 0)
		app__note(a, "cannot read the messages: %s", err_str(r));
	if (chat_id == APP_VIRTUAL_ID)
		a->win_all = 1;
	app__bind_window(a);
}

/* ------------------------------------------------------------ tui */

static void
app_send(struct app *a, uint64_t chat_id, const char *text)
{
	const struct app_chatx *x = app__chatx(a, chat_id);
	struct cloud_peer to;
	struct cloud_message sm;
	uint64_t rid = 0;
	size_t at;
	int r;

	memset(&to, 0, sizeof(to));
	if (chat_id == APP_VIRTUAL_ID)
		to.user_id = a->virt_user;
	else {
		to.chat_id = chat_id;
		to.kind = x != NULL ? x->kind : 0;
		to.user_id = x != NULL && x->kind == CLOUD_CHAT_PRIVATE ?
		    x->peer_id : 0;
	}
	if ((r = cloud_send(a->c, &to, text, 0, &rid)) != 0) {
		app__note(a, "cannot send: %s", err_str(r));
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
	if (app__msg_fill(a, &a->msgs[at], &a->mx[at], &sm) != 0) {
		a->n--;
		return;
	}
	a->msgs[at].flags |= UI_MSG_PENDING;
	a->mx[at].random_id = rid;
	app__bind_window(a);
}

void
app__on_submit(void *ud, uint64_t chat_id, const char *text)
{
	struct app *a = ud;

	if (text[0] == '/' && text[1] != '/') {
		app__command(a, text);
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
		app__open_window(a, chat_id);
	app_send(a, chat_id, text[0] == '/' ? text + 1 : text);
	a->typing_sent_at = 0;
	ui_tui_refresh(a->tui);
}

void
app__on_select(void *ud, uint64_t chat_id)
{
	struct app *a = ud;
	size_t i;

	app__open_window(a, chat_id);
	for (i = 0; i < a->nchats; i++)
		if (a->chats[i].id == chat_id)
			a->chats[i].unread = 0;
	a->need_mark_read = 1;
	app__presence_fetch(a, chat_id);
	app__kick(a);
}

void
app__on_quit(void *ud)
{
	struct app *a = ud;

	ui_tui_stop(a->tui, app__tui_gone, a);
}

void
app__on_edit(void *ud, uint64_t chat_id, const char *text)
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
	if (cloud_typing(a->c, chat_id, APP_CALL_MS, app__quiet_done, a) == 0)
		a->ops++;
}

void
app__on_top(void *ud, uint64_t chat_id)
{
	struct app *a = ud;

	if (secret_ui_owns(chat_id)) {
		/* Idempotent: it grows only while older messages are left. */
		if (secret_ui_older(a->sui, chat_id)) {
			app__bind_window(a);
			ui_tui_refresh(a->tui);
		}
		return;
	}
	if (chat_id != a->win_chat || a->win_all || a->need_older)
		return;
	a->need_older = 1;
	app__kick(a);
}

void
app__on_view(void *ud, uint64_t chat_id, size_t skip)
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
		app__kick(a);
	}
}

/* ------------------------------------------------------------ search */

struct app_find {
	struct app *a;
	struct ui_search *s;
	int err;
};

static int
app_find_cb(void *ud, const struct cloud_message *m)
{
	struct app_find *f = ud;
	char *svc = NULL;
	int r;

	if (m->action != 0 && (svc = app_service_text(f->a, m)) == NULL) {
		f->err = ERR_NOMEM;
		return 1;
	}
	r = ui_search_add(f->s, m->id, app__name(f->a, m->sender_id),
	    (time_t)m->date, svc != NULL ? svc : m->text);
	free(svc);
	if (r == ERR_TOO_BIG)
		return 1;	/* full: the newest are kept */
	f->err = r;
	return r != 0;
}

/* Ctrl-F's query: the store's full-text index, through the cloud. */
int
app__on_find(void *ud, uint64_t chat_id, const char *expr,
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
		app__note(a, "search does not look into secret chats");
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
size_t
app__on_jump(void *ud, uint64_t chat_id, uint64_t id)
{
	struct app *a = ud;
	uint64_t t0 = uv_hrtime();
	size_t at;
	int found, r;

	if (id == 0 || chat_id == APP_VIRTUAL_ID) {
		app__open_window(a, chat_id);
		return 0;
	}
	app__window_clear(a);
	a->win_chat = chat_id;
	if ((r = app__load_page(a, id + 1)) != 0)
		app__note(a, "cannot read the messages: %s", err_str(r));
	a->tail_cut = 1;
	(void)app_load_newer(a);
	app__bind_window(a);
	at = app__window_find(a, id, &found);
	if (!found)
		app__note(a, "that message is not here any more");
	ui_tui_trace(a->tui, "jump_us", (uv_hrtime() - t0) / 1000);
	return at < a->n ? a->n - at - 1 : 0;
}
