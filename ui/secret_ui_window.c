/*
 * The open secret chat's window (see ui/secret_ui.c): a range of its
 * message ids read again on every reload, a page more as the view
 * reaches its top, kept near SUI_WIN_MAX around the screen, with the
 * key-change warnings about its peer between the messages by date.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/secret.h"
#include "lib/err.h"
#include "ui/secret_ui_int.h"
#include "ui/view.h"

/* ------------------------------------------------------------ window */

void
sui__window_clear(struct secret_ui *u)
{
	size_t i;

	for (i = 0; i < u->nmsgs; i++)
		free(u->texts[i]);
	free(u->msgs);
	free(u->texts);
	u->msgs = NULL;
	u->texts = NULL;
	u->nmsgs = 0;
	u->counting = 0;
}

struct sui_win {
	struct secret_ui *u;
	const struct sui_chat *x;
	struct ui_msg *msgs;
	char **texts;
	size_t n, cap;
	int err;
};

static struct ui_msg *
sui_win_add(struct sui_win *w, const char *text)
{
	struct ui_msg *m;
	char **t;
	size_t cap;

	if (w->n == w->cap) {
		cap = w->cap ? w->cap * 2 : 32;
		if ((m = realloc(w->msgs, cap * sizeof(*m))) == NULL)
			return NULL;
		w->msgs = m;
		if ((t = realloc(w->texts, cap * sizeof(*t))) == NULL)
			return NULL;
		w->texts = t;
		w->cap = cap;
	}
	if ((w->texts[w->n] = strdup(text != NULL ? text : "")) == NULL)
		return NULL;
	m = &w->msgs[w->n];
	memset(m, 0, sizeof(*m));
	m->text = w->texts[w->n];
	w->n++;
	return m;
}

/* The key-change warnings about the peer dated up to date (all: ~0). */
static int
sui_win_warns(struct sui_win *w, uint64_t upto, size_t *next)
{
	struct secret_ui *u = w->u;
	struct ui_msg *m;

	for (; *next < u->nwarns; (*next)++) {
		if (u->warns[*next].peer_user != w->x->c.peer_user)
			continue;
		if ((uint64_t)u->warns[*next].date > upto)
			break;
		if ((m = sui_win_add(w, u->warns[*next].text)) == NULL)
			return ERR_NOMEM;
		m->id = 1 + *next;
		m->date = u->warns[*next].date;
		m->flags = UI_MSG_WARN;
	}
	return 0;
}

struct sui_winctx {
	struct sui_win *w;
	size_t next_warn;
	uint64_t from;		/* ids below it are not kept */
	size_t nread;		/* messages kept (warnings not counted) */
	uint64_t oldest;	/* the id of the first one */
	uint64_t newest;	/* and of the last one */
	uint64_t newest_date;
};

static int
sui_win_cb(void *ud, const struct secret_msg *sm)
{
	struct sui_winctx *k = ud;
	struct sui_win *w = k->w;
	struct secret_ui *u = w->u;
	struct ui_msg *m;
	char *svc;

	if (sm->id < k->from)
		return 0;
	if (k->nread++ == 0)
		k->oldest = sm->id;
	k->newest = sm->id;
	k->newest_date = sm->date;
	if ((w->err = sui_win_warns(w, sm->date, &k->next_warn)) != 0)
		return 1;
	svc = sm->service ? sui__service_text(u, sm, w->x->c.peer_user) : NULL;
	m = sm->service && svc == NULL ? NULL : sui_win_add(w, svc != NULL ?
	    svc : sm->text);
	free(svc);
	if (m == NULL) {
		w->err = ERR_NOMEM;
		return 1;
	}
	m->id = sm->id;
	m->date = (time_t)sm->date;
	m->sender = sm->out ? "me" : sui__name(u, w->x->c.peer_user);
	if (sm->service)
		m->flags |= UI_MSG_SERVICE;
	if (sm->out) {
		m->flags |= UI_MSG_OUT;
		if (sm->read_date != 0)
			m->flags |= UI_MSG_READ;
		/* The secret outbox says where it is. */
		if (sm->state == SECRET_MSG_QUEUED)
			m->flags |= UI_MSG_PENDING;
		else if (sm->state == SECRET_MSG_FAILED)
			m->flags |= UI_MSG_FAILED;
	}
	if (!sm->service) {
		m->expires = (time_t)sm->expires_at;
		if (sm->expires_at == 0)
			m->ttl = sm->ttl;
		else
			u->counting = 1;
	}
	return 0;
}

/* How many messages of secret_id are there, up to limit. */
static int
sui_count_cb(void *ud, const struct secret_msg *m)
{
	(void)m;
	(*(size_t *)ud)++;
	return 0;
}

/*
 * Reads the open chat's window and the warnings about its peer again:
 * the limit messages before before_id (0: the newest), of which those
 * from id from on are kept. A reload reads only the range the window
 * holds (sui__window_reload), so its cost is bounded by SUI_WIN_MAX and
 * a page, not by how far the user paged.
 */
static int
sui_window_read(struct secret_ui *u, uint64_t before_id, size_t limit,
    uint64_t from)
{
	struct sui_win w;
	struct sui_winctx k;
	const struct sui_chat *x = sui__entry(u, u->open);
	size_t i, older = 0;
	int r = 0;

	sui__window_clear(u);
	u->more = 0;
	u->nreal = 0;
	if (x == NULL)
		return 0;
	memset(&w, 0, sizeof(w));
	memset(&k, 0, sizeof(k));
	w.u = u;
	w.x = x;
	k.w = &w;
	k.from = from;
	if (!x->ghost)
		r = secret_history_before(u->sec, x->c.secret_id, before_id,
		    limit, sui_win_cb, &k);
	if (r == 0 || r == 1)
		r = w.err;
	/* Anything older than the window? One row at most. */
	if (r == 0 && (k.nread > 0 || u->lo != 0) && !x->ghost &&
	    (r = secret_history_before(u->sec, x->c.secret_id, k.nread > 0 ?
	    k.oldest : u->lo, 1, sui_count_cb, &older)) == 0 && older > 0) {
		u->more = 1;
		/*
		 * The warnings older than the window's oldest message show
		 * once the window reaches back to them.
		 */
		for (i = 0; i < w.n && (w.msgs[i].flags & UI_MSG_WARN); i++)
			free(w.texts[i]);
		memmove(w.msgs, w.msgs + i, (w.n - i) * sizeof(*w.msgs));
		memmove(w.texts, w.texts + i, (w.n - i) * sizeof(*w.texts));
		w.n -= i;
	}
	/* The later warnings, up to the window's newest while it is cut. */
	if (r == 0)
		r = sui_win_warns(&w, u->tail_cut && k.nread > 0 ?
		    k.newest_date : UINT64_MAX, &k.next_warn);
	if (r != 0) {
		for (i = 0; i < w.n; i++)
			free(w.texts[i]);
		free(w.msgs);
		free(w.texts);
		u->counting = 0;
		return r;
	}
	u->msgs = w.msgs;
	u->texts = w.texts;
	u->nmsgs = w.n;
	u->nreal = k.nread;
	if (k.nread > 0)
		u->lo = k.oldest;
	if (u->tail_cut && k.nread > 0)
		u->hi = k.newest;
	return 0;
}

/*
 * The window's range again: from lo to hi while cut (the messages
 * there can only have gone), else from lo to the newest (new ones may
 * have come: a page more is read, and beyond that the window moves
 * up to the newest). The first read is the newest page.
 */
int
sui__window_reload(struct secret_ui *u)
{
	if (u->lo == 0)
		return sui_window_read(u, 0, SUI_PAGE, 0);
	if (u->tail_cut)
		return sui_window_read(u, u->hi + 1, u->nreal, u->lo);
	return sui_window_read(u, 0, u->nreal + SUI_PAGE, u->lo);
}

/* The index of the newest real message of the window at most id. */
static size_t
sui_window_at(const struct secret_ui *u, uint64_t id, int *found)
{
	size_t i;

	*found = 0;
	for (i = u->nmsgs; i-- > 0;)
		if (!(u->msgs[i].flags & UI_MSG_WARN) && u->msgs[i].id <= id) {
			*found = 1;
			return i;
		}
	return 0;
}

/* The id of the newest real message held; 0: none. */
uint64_t
sui__window_newest(const struct secret_ui *u)
{
	size_t i;

	for (i = u->nmsgs; i-- > 0;)
		if (!(u->msgs[i].flags & UI_MSG_WARN))
			return u->msgs[i].id;
	return 0;
}

/* How many entries lie after the newest real message up to id. */
size_t
sui__window_after(const struct secret_ui *u, uint64_t id)
{
	size_t i;
	int found;

	if (id == 0)
		return 0;
	i = sui_window_at(u, id, &found);
	return found ? u->nmsgs - 1 - i : u->nmsgs;
}

/* ------------------------------------------------------------ api */

void
secret_ui_open(struct secret_ui *u, uint64_t chat_id)
{
	uint64_t id = secret_ui_owns(chat_id) ? chat_id : 0;

	if (id != u->open) {
		u->lo = 0;
		u->hi = 0;
		u->tail_cut = 0;
		u->nreal = 0;
	}
	u->open = id;
	u->appended = 0;
	if (sui__window_reload(u) != 0)
		sui__note(u, 0, "cannot read the secret chat");
}

int
secret_ui_older(struct secret_ui *u, uint64_t chat_id)
{
	int r;

	if (chat_id != u->open || u->open == 0 || !u->more)
		return 0;
	/* The window's range and the page before it, in one read. */
	if (u->tail_cut)
		r = sui_window_read(u, u->hi + 1, u->nreal + SUI_PAGE, 0);
	else
		r = sui_window_read(u, 0, u->nreal + SUI_PAGE, 0);
	if (r != 0) {
		sui__note(u, 0, "cannot read older secret messages");
		u->more = 0;	/* not again after every frame */
		return 0;
	}
	return 1;
}

int
secret_ui_trim_due(const struct secret_ui *u, uint64_t chat_id, size_t skip)
{
	struct ui_trim t;

	return chat_id == u->open && u->open != 0 && ui_view_trim(u->nmsgs,
	    skip, SUI_WIN_MAX, SUI_PAGE, 1, u->tail_cut, &t);
}

static int
sui_last_cb(void *ud, const struct secret_msg *m)
{
	struct sui_winctx *k = ud;

	k->nread++;
	k->newest = m->id;
	return 0;
}

long
secret_ui_trim(struct secret_ui *u, uint64_t chat_id, size_t skip)
{
	const struct sui_chat *x = sui__entry(u, u->open);
	struct sui_winctx k;
	struct ui_trim t;
	uint64_t hi;
	size_t i, n;
	long d = 0;

	if (chat_id != u->open || u->open == 0 || x == NULL ||
	    !ui_view_trim(u->nmsgs, skip, SUI_WIN_MAX, SUI_PAGE, 1,
	    u->tail_cut, &t))
		return 0;
	if ((n = t.drop_newest) > 0) {
		for (i = u->nmsgs - n; i < u->nmsgs; i++)
			free(u->texts[i]);
		u->nmsgs -= n;
		u->tail_cut = 1;
		u->hi = sui__window_newest(u);
		d -= (long)n;
	}
	if ((n = t.drop_oldest) > 0) {
		for (i = 0; i < n; i++)
			free(u->texts[i]);
		memmove(u->msgs, u->msgs + n, (u->nmsgs - n) *
		    sizeof(*u->msgs));
		memmove(u->texts, u->texts + n, (u->nmsgs - n) *
		    sizeof(*u->texts));
		u->nmsgs -= n;
		u->more = 1;
		for (i = 0; i < u->nmsgs && (u->msgs[i].flags & UI_MSG_WARN);
		    i++)
			;
		if (i < u->nmsgs)
			u->lo = u->msgs[i].id;
	}
	for (i = 0, u->nreal = 0; i < u->nmsgs; i++)
		if (!(u->msgs[i].flags & UI_MSG_WARN))
			u->nreal++;
	if (t.read_newer && u->tail_cut) {
		/* The page after the window (one forward read), then it. */
		memset(&k, 0, sizeof(k));
		hi = u->hi;
		if (secret_history_after(u->sec, x->c.secret_id, hi, SUI_PAGE,
		    sui_last_cb, &k) != 0)
			return d;
		if (k.nread < SUI_PAGE)
			u->tail_cut = 0;
		else
			u->hi = k.newest;
		if (k.nread > 0 || !u->tail_cut) {
			if (sui_window_read(u, u->tail_cut ? u->hi + 1 : 0,
			    u->nreal + SUI_PAGE, u->lo) != 0) {
				sui__note(u, 0, "cannot read newer secret "
				    "messages");
				return d;
			}
			d += (long)sui__window_after(u, hi);
		}
	}
	return d;
}

size_t
secret_ui_appended(struct secret_ui *u)
{
	size_t n = u->appended;

	u->appended = 0;
	return n;
}

void
secret_ui_bind(const struct secret_ui *u, struct ui_chat *chats, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (chats[i].id == u->open && u->open != 0) {
			chats[i].msgs = u->msgs;
			chats[i].nmsgs = u->nmsgs;
		}
}

int
secret_ui_counting(const struct secret_ui *u)
{
	return u->counting;
}
