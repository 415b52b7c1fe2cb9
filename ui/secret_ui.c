/*
 * See ui/secret_ui.h. Events only record what happened and ask the app
 * for a reload (host->changed); the reload reads every secret chat and
 * the open one's window of messages again through client/secret.h, and
 * the app reloads at most once per loop turn. A chat of the list costs
 * two indexed reads (secret_summary: its newest message and how many are
 * unread), never its messages; the open chat holds its newest SUI_PAGE
 * messages and SUI_PAGE more each time the view reaches the oldest
 * (secret_ui_older), kept near SUI_WIN_MAX around the screen
 * (secret_ui_trim), so that a long chat (a timer is optional) costs what
 * the screen needs, not its length nor how far the user paged. The
 * window is a range of ids (lo, and hi once its newest were dropped),
 * and a reload reads that range again, not more.
 *
 * The chat list never shows a secret message's text: an unread message's
 * timer has not started, and a preview would let it be read (and kept on
 * a screen or in a terminal's scrollback) without the countdown the
 * sender asked for. The preview says what there is ("2 new messages").
 */
#include "config.h"

#include "ui/secret_ui.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/qr.h"
#include "client/secret.h"
#include "lib/err.h"
#include "ui/duration.h"
#include "ui/sanitize.h"
#include "ui/view.h"

#define SUI_BASE	0xffffffff00000000ULL	/* our list ids start here */
#define SUI_CALL_MS	15000
#define SUI_CONFIRM_MS	10000	/* /close must come again this soon */
#define SUI_OV_MAX	64	/* overlay lines */
#define SUI_PAGE	100	/* messages read per page of the open chat */
#define SUI_WIN_MAX	1000	/* messages held, as ui/app.c holds */

/* A secret_id's list id, stable for the run. */
struct sui_map {
	uint64_t secret_id;
	uint64_t id;
};

/* What an entry of the list knows besides its struct ui_chat. */
struct sui_chat {
	struct store_secret_chat c;
	char *preview;
	char timer[UI_DURATION_LEN];
	int ghost;		/* closed by a key change; kept, warning */
};

/*
 * An identity key that changed, and the chat it closed: read from the
 * store (secret_warnings) on every reload, so that it outlives the run
 * until the user starts a new chat with the peer or dismisses it.
 */
struct sui_warn {
	uint64_t peer_user;
	uint64_t secret_id;
	time_t date;
	char *text;
};

struct secret_ui {
	struct cloud *c;
	struct secret *sec;
	struct secret_ui_host h;

	struct ui_chat *chats;
	struct sui_chat *sx;
	size_t n;

	struct sui_map *map;
	size_t nmap, capmap;

	struct sui_warn *warns;
	size_t nwarns;

	uint64_t open;		/* the open chat's list id, or 0 */
	struct ui_msg *msgs;
	char **texts;
	size_t nmsgs;
	int counting;
	/*
	 * The window of the open chat: its messages from lo up to the
	 * newest, or up to hi while tail_cut (newer ones were dropped, far
	 * up a long chat); nreal of them held, warnings not counted.
	 */
	uint64_t lo, hi;
	int tail_cut;
	size_t nreal;
	int more;		/* older ones than lo are left */
	size_t appended;	/* at the newest end by the last reload */

	char *ov[SUI_OV_MAX];	/* owned; NULL where memory ran out */
	const char *ovp[SUI_OV_MAX];	/* what the overlay shows */
	size_t nov;

	uint64_t confirm_id;	/* /close asked once for this chat ... */
	uint64_t confirm_until;	/* ... until then (uv_now) */

	int ops;		/* calls under way */
	int dead;		/* freed by the last one */
};

static void sui_on_event(void *ud, const struct secret_event *ev);

static void
sui_note(struct secret_ui *u, int warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sui_note(struct secret_ui *u, int warn, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	u->h.note(u->h.ud, warn, buf);
}

int
secret_ui_owns(uint64_t chat_id)
{
	return chat_id >= SUI_BASE && chat_id != UINT64_MAX;
}

/* The list id of secret_id (made on first sight); 0 when out of memory. */
static uint64_t
sui_id(struct secret_ui *u, uint64_t secret_id)
{
	struct sui_map *v;
	size_t i, cap;

	for (i = 0; i < u->nmap; i++)
		if (u->map[i].secret_id == secret_id)
			return u->map[i].id;
	if (u->nmap == u->capmap) {
		cap = u->capmap ? u->capmap * 2 : 16;
		if ((v = realloc(u->map, cap * sizeof(*v))) == NULL)
			return 0;
		u->map = v;
		u->capmap = cap;
	}
	u->map[u->nmap].secret_id = secret_id;
	u->map[u->nmap].id = SUI_BASE + 1 + u->nmap;
	return u->map[u->nmap++].id;
}

static struct sui_chat *
sui_entry(const struct secret_ui *u, uint64_t chat_id)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (u->chats[i].id == chat_id && chat_id != 0)
			return &u->sx[i];
	return NULL;
}

static const char *
sui_name(struct secret_ui *u, uint64_t user)
{
	return u->h.name(u->h.ud, user);
}

/* ------------------------------------------------------------ calls */

/* Counts a call that completes later; 1 when u is dead (then freed). */
static void sui_release(struct secret_ui *u);

static int
sui_op_end(struct secret_ui *u)
{
	u->ops--;
	if (u->dead) {
		if (u->ops == 0)
			sui_release(u);
		return 1;
	}
	return 0;
}

static void
sui_why(char *buf, size_t size, int err, const char *why)
{
	snprintf(buf, size, "%s%s%s", err_str(err), why != NULL &&
	    why[0] != '\0' ? ": " : "", why != NULL ? why : "");
}

/* A call whose end only needs a reload, or a notice when it failed. */
struct sui_call {
	struct secret_ui *u;
	char what[96];		/* "cannot accept" */
	char ok[160];		/* said when it worked; "" says nothing */
	int select;		/* open the chat it names */
};

static void
sui_call_done(void *ud, int err, const char *why, uint64_t id)
{
	struct sui_call *k = ud;
	struct secret_ui *u = k->u;
	char buf[160];
	uint64_t cid;

	if (sui_op_end(u)) {
		free(k);
		return;
	}
	if (err != 0) {
		sui_why(buf, sizeof(buf), err, why);
		sui_note(u, 0, "%s: %s", k->what, buf);
	} else if (k->ok[0] != '\0')
		sui_note(u, 0, "%s", k->ok);
	if (err == 0 && k->select && (cid = sui_id(u, id)) != 0)
		u->h.select(u->h.ud, cid);
	u->h.changed(u->h.ud);
	free(k);
}

static struct sui_call *
sui_call(struct secret_ui *u, const char *what, const char *ok)
{
	struct sui_call *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->u = u;
	snprintf(k->what, sizeof(k->what), "%s", what);
	snprintf(k->ok, sizeof(k->ok), "%s", ok != NULL ? ok : "");
	return k;
}

/* Starts a call through fn's return r: counts it or says why not. */
static void
sui_started(struct secret_ui *u, struct sui_call *k, int r)
{
	if (r == 0) {
		u->ops++;
		return;
	}
	sui_note(u, 0, "%s: %s", k->what, r == ERR_NOT_FOUND ?
	    "no such secret chat here" : err_str(r));
	free(k);
}

/* ------------------------------------------------------------ list */

/*
 * A timer change as people say it: client/secret.c stores "self-destruct
 * timer set to N s"; this names who did it and shows N as /ttl takes it.
 * Any other service text is kept as it is. Returns a malloc()ed string.
 */
static char *
sui_service_text(struct secret_ui *u, const struct store_secret_msg *m,
    uint64_t peer)
{
	char buf[256], dur[UI_DURATION_LEN];
	const char *who = m->out ? "You" : sui_name(u, peer);
	unsigned long n;
	int end = 0;

	if (sscanf(m->text, "self-destruct timer set to %lu s%n", &n, &end) !=
	    1 || end == 0 || m->text[end] != '\0')
		return strdup(m->text);
	ui_duration_format(n, dur, sizeof(dur));
	if (n == 0)
		snprintf(buf, sizeof(buf), "%s turned the self-destruct timer "
		    "off", who);
	else
		snprintf(buf, sizeof(buf), "%s set the self-destruct timer to "
		    "%s", who, dur);
	return strdup(buf);
}

struct sui_sum {
	struct secret_ui *u;
	uint64_t peer;
	uint64_t last_date;
	int last_service, last_out;
	char *last_text;	/* a service message's (our own words) */
	unsigned unread;
	size_t count;
};

static int
sui_sum_cb(void *ud, const struct store_secret_msg *m)
{
	struct sui_sum *s = ud;

	s->count++;
	s->last_date = m->date;
	s->last_service = m->service;
	s->last_out = m->out;
	free(s->last_text);
	s->last_text = m->service ? sui_service_text(s->u, m, s->peer) : NULL;
	return 0;
}

struct sui_list {
	struct secret_ui *u;
	struct ui_chat *chats;
	struct sui_chat *sx;
	size_t n, cap;
	int err;
};

static void
sui_free_entries(struct ui_chat *chats, struct sui_chat *sx, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(sx[i].preview);
	free(chats);
	free(sx);
}

/* A new zeroed entry at the end of l; NULL when out of memory. */
static size_t
sui_list_add(struct sui_list *l)
{
	struct ui_chat *nc;
	struct sui_chat *nx;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		if ((nc = realloc(l->chats, cap * sizeof(*nc))) == NULL)
			return SIZE_MAX;
		l->chats = nc;
		if ((nx = realloc(l->sx, cap * sizeof(*nx))) == NULL)
			return SIZE_MAX;
		l->sx = nx;
		l->cap = cap;
	}
	memset(&l->chats[l->n], 0, sizeof(l->chats[0]));
	memset(&l->sx[l->n], 0, sizeof(l->sx[0]));
	return l->n++;
}

static int
sui_list_cb(void *ud, const struct store_secret_chat *c)
{
	struct sui_list *l = ud;
	struct secret_ui *u = l->u;
	struct sui_sum s;
	struct ui_chat *e;
	struct sui_chat *x;
	char buf[160];
	uint64_t unread = 0;
	size_t i;
	int r;

	memset(&s, 0, sizeof(s));
	s.u = u;
	s.peer = c->peer_user;
	/* The newest message and the unread count: never all of them. */
	if ((r = secret_summary(u->sec, c->secret_id, &unread, sui_sum_cb,
	    &s)) != 0 || (i = sui_list_add(l)) == SIZE_MAX) {
		free(s.last_text);
		l->err = r != 0 ? r : ERR_NOMEM;
		return 1;
	}
	e = &l->chats[i];
	x = &l->sx[i];
	x->c = *c;
	e->id = sui_id(u, c->secret_id);
	e->flags = UI_CHAT_SECRET;
	e->title = sui_name(u, c->peer_user);
	s.unread = unread > UINT_MAX ? UINT_MAX : (unsigned)unread;
	e->unread = s.unread;
	e->last_date = (time_t)(s.count > 0 ? s.last_date : c->created);
	if (c->ttl != 0) {
		ui_duration_format(c->ttl, x->timer, sizeof(x->timer));
		e->timer = x->timer;
	}
	switch (c->state) {
	case STORE_SECRET_PENDING_IN:
		snprintf(buf, sizeof(buf), "secret chat request: /accept or "
		    "/decline");
		break;
	case STORE_SECRET_PENDING_OUT:
		snprintf(buf, sizeof(buf), "waiting for the peer to accept");
		break;
	default:
		if (s.count == 0)
			snprintf(buf, sizeof(buf), "secret chat started");
		else if (s.unread > 0)
			snprintf(buf, sizeof(buf), "%u new message%s",
			    s.unread, s.unread == 1 ? "" : "s");
		else if (s.last_service)
			snprintf(buf, sizeof(buf), "%s", s.last_text != NULL ?
			    s.last_text : "");
		else
			snprintf(buf, sizeof(buf), "%s", s.last_out ?
			    "you sent a message" : "a message");
		break;
	}
	free(s.last_text);
	if ((x->preview = strdup(buf)) == NULL) {
		l->err = ERR_NOMEM;
		return 1;
	}
	e->preview = x->preview;
	return 0;
}

/* The peer's name, sanitised, one line. */
static void
sui_clean_name(struct secret_ui *u, uint64_t user, char *name, size_t size)
{
	const char *who = sui_name(u, user);

	if (ui_sanitize_buf(who, strlen(who), NULL, name, size) < 0)
		snprintf(name, size, "?");
}

static void
sui_warns_clear(struct secret_ui *u)
{
	size_t i;

	for (i = 0; i < u->nwarns; i++)
		free(u->warns[i].text);
	free(u->warns);
	u->warns = NULL;
	u->nwarns = 0;
}

struct sui_wload {
	struct secret_ui *u;
	struct sui_warn *v;
	size_t n;
	int err;
};

static int
sui_wload_cb(void *ud, const struct store_secret_warning *sw)
{
	struct sui_wload *l = ud;
	struct sui_warn *v;
	char text[512], name[64];

	sui_clean_name(l->u, sw->peer_user, name, sizeof(name));
	snprintf(text, sizeof(text), "The identity key of %s CHANGED%s. "
	    "Whoever uses it now may not be %s: compare the new chat's "
	    "fingerprint (/verify) before you trust it.", name,
	    sw->secret_id != 0 ? "; the secret chat with the old key is "
	    "closed" : " since the last secret chat", name);
	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL) {
		l->err = ERR_NOMEM;
		return 1;
	}
	l->v = v;
	if ((v[l->n].text = strdup(text)) == NULL) {
		l->err = ERR_NOMEM;
		return 1;
	}
	v[l->n].peer_user = sw->peer_user;
	v[l->n].secret_id = sw->secret_id;
	v[l->n].date = (time_t)sw->date;
	l->n++;
	return 0;
}

/* Reads the key-change warnings that are not dismissed yet. */
static int
sui_warns_load(struct secret_ui *u)
{
	struct sui_wload l;
	size_t i;
	int r;

	memset(&l, 0, sizeof(l));
	l.u = u;
	r = secret_warnings(u->sec, sui_wload_cb, &l);
	if (r == 0 || r == 1)
		r = l.err;
	if (r != 0) {
		for (i = 0; i < l.n; i++)
			free(l.v[i].text);
		free(l.v);
		return r;
	}
	sui_warns_clear(u);
	u->warns = l.v;
	u->nwarns = l.n;
	return 0;
}

/*
 * The chats a key change closed stay listed, with the warning, until the
 * user starts a new chat with the peer or dismisses it (/close on it).
 */
static int
sui_list_ghosts(struct secret_ui *u, struct sui_list *l)
{
	struct ui_chat *e;
	struct sui_chat *x;
	size_t i, k, at;

	for (i = 0; i < u->nwarns; i++) {
		if (u->warns[i].secret_id == 0)
			continue;	/* no chat was open with the old key */
		for (k = 0; k < l->n; k++)
			if (l->sx[k].c.secret_id == u->warns[i].secret_id)
				break;
		if (k < l->n)
			continue;
		if ((at = sui_list_add(l)) == SIZE_MAX)
			return ERR_NOMEM;
		e = &l->chats[at];
		x = &l->sx[at];
		x->c.secret_id = u->warns[i].secret_id;
		x->c.peer_user = u->warns[i].peer_user;
		x->c.state = STORE_SECRET_CLOSED;
		x->ghost = 1;
		if ((x->preview = strdup("CLOSED: key changed"))
		    == NULL)
			return ERR_NOMEM;
		e->id = sui_id(u, x->c.secret_id);
		e->flags = UI_CHAT_SECRET;
		e->title = sui_name(u, x->c.peer_user);
		e->preview = x->preview;
		e->last_date = u->warns[i].date;
	}
	return 0;
}

/* ------------------------------------------------------------ window */

static void
sui_window_clear(struct secret_ui *u)
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
sui_win_cb(void *ud, const struct store_secret_msg *sm)
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
	svc = sm->service ? sui_service_text(u, sm, w->x->c.peer_user) : NULL;
	m = sm->service && svc == NULL ? NULL : sui_win_add(w, svc != NULL ?
	    svc : sm->text);
	free(svc);
	if (m == NULL) {
		w->err = ERR_NOMEM;
		return 1;
	}
	m->id = sm->id;
	m->date = (time_t)sm->date;
	m->sender = sm->out ? "me" : sui_name(u, w->x->c.peer_user);
	if (sm->service)
		m->flags |= UI_MSG_SERVICE;
	if (sm->out) {
		m->flags |= UI_MSG_OUT;
		if (sm->read_date != 0)
			m->flags |= UI_MSG_READ;
		/* The secret outbox says where it is. */
		if (sm->state == STORE_SECRET_MSG_QUEUED)
			m->flags |= UI_MSG_PENDING;
		else if (sm->state == STORE_SECRET_MSG_FAILED)
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
sui_count_cb(void *ud, const struct store_secret_msg *m)
{
	(void)m;
	(*(size_t *)ud)++;
	return 0;
}

/*
 * Reads the open chat's window and the warnings about its peer again:
 * the limit messages before before_id (0: the newest), of which those
 * from id from on are kept. A reload reads only the range the window
 * holds (sui_window_reload), so its cost is bounded by SUI_WIN_MAX and
 * a page, not by how far the user paged.
 */
static int
sui_window_read(struct secret_ui *u, uint64_t before_id, size_t limit,
    uint64_t from)
{
	struct sui_win w;
	struct sui_winctx k;
	const struct sui_chat *x = sui_entry(u, u->open);
	size_t i, older = 0;
	int r = 0;

	sui_window_clear(u);
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
static int
sui_window_reload(struct secret_ui *u)
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
static uint64_t
sui_window_newest(const struct secret_ui *u)
{
	size_t i;

	for (i = u->nmsgs; i-- > 0;)
		if (!(u->msgs[i].flags & UI_MSG_WARN))
			return u->msgs[i].id;
	return 0;
}

/* How many entries lie after the newest real message up to id. */
static size_t
sui_window_after(const struct secret_ui *u, uint64_t id)
{
	size_t i;
	int found;

	if (id == 0)
		return 0;
	i = sui_window_at(u, id, &found);
	return found ? u->nmsgs - 1 - i : u->nmsgs;
}

/* ------------------------------------------------------------ api */

int
secret_ui_reload(struct secret_ui *u)
{
	struct sui_list l;
	uint64_t newest;
	int r;

	if ((r = sui_warns_load(u)) != 0)
		return r;
	memset(&l, 0, sizeof(l));
	l.u = u;
	r = secret_list_chats(u->sec, sui_list_cb, &l);
	if (r == 0 || r == 1)
		r = l.err;
	if (r == 0)
		r = sui_list_ghosts(u, &l);
	if (r != 0) {
		sui_free_entries(l.chats, l.sx, l.n);
		return r;
	}
	sui_free_entries(u->chats, u->sx, u->n);
	u->chats = l.chats;
	u->sx = l.sx;
	u->n = l.n;
	newest = u->tail_cut ? 0 : sui_window_newest(u);
	if ((r = sui_window_reload(u)) != 0)
		return r;
	/* New messages at the newest end: the view keeps its place. */
	u->appended = sui_window_after(u, newest);
	return 0;
}

const struct ui_chat *
secret_ui_chats(const struct secret_ui *u, size_t *n)
{
	*n = u->n;
	return u->chats;
}

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
	if (sui_window_reload(u) != 0)
		sui_note(u, 0, "cannot read the secret chat");
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
		sui_note(u, 0, "cannot read older secret messages");
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
sui_last_cb(void *ud, const struct store_secret_msg *m)
{
	struct sui_winctx *k = ud;

	k->nread++;
	k->newest = m->id;
	return 0;
}

long
secret_ui_trim(struct secret_ui *u, uint64_t chat_id, size_t skip)
{
	const struct sui_chat *x = sui_entry(u, u->open);
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
		u->hi = sui_window_newest(u);
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
				sui_note(u, 0, "cannot read newer secret "
				    "messages");
				return d;
			}
			d += (long)sui_window_after(u, hi);
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

void
secret_ui_mark_read(struct secret_ui *u, uint64_t chat_id)
{
	const struct sui_chat *x = sui_entry(u, chat_id);
	struct sui_call *k;
	size_t i;

	if (x == NULL || x->ghost || x->c.state != STORE_SECRET_ACTIVE)
		return;
	for (i = 0; i < u->n; i++)
		if (u->chats[i].id == chat_id && u->chats[i].unread == 0)
			return;
	if ((k = sui_call(u, "cannot mark the secret chat read", NULL)) ==
	    NULL)
		return;
	sui_started(u, k, secret_mark_read(u->sec, x->c.secret_id,
	    SUI_CALL_MS, sui_call_done, k));
}

/*
 * A send ended: ERR_AGAIN only means it waits in the secret outbox for a
 * later connection (the message shows as pending meanwhile).
 */
static void
sui_sent(void *ud, int err, const char *why, uint64_t id)
{
	struct secret_ui *u = ud;
	char buf[160];

	(void)id;
	if (sui_op_end(u))
		return;
	if (err != 0 && err != ERR_AGAIN) {
		sui_why(buf, sizeof(buf), err, why);
		sui_note(u, 0, "a secret message was not sent: %s", buf);
	}
	u->h.changed(u->h.ud);
}

void
secret_ui_send(struct secret_ui *u, uint64_t chat_id, const char *text)
{
	const struct sui_chat *x = sui_entry(u, chat_id);
	int r;

	if (x == NULL || x->ghost) {
		sui_note(u, 0, "this secret chat is closed");
		return;
	}
	if (x->c.state == STORE_SECRET_PENDING_IN) {
		sui_note(u, 0, "accept the secret chat first: /accept");
		return;
	}
	if (x->c.state != STORE_SECRET_ACTIVE) {
		sui_note(u, 0, "the peer has not accepted the secret chat yet");
		return;
	}
	if ((r = secret_send(u->sec, x->c.peer_user, text, -1, SUI_CALL_MS,
	    sui_sent, u)) != 0) {
		sui_note(u, 0, "cannot send: %s", err_str(r));
		return;
	}
	/* The view is back at the newest: so must the window be. */
	if (chat_id == u->open && u->tail_cut) {
		u->lo = 0;
		u->hi = 0;
		u->tail_cut = 0;
		u->nreal = 0;
	}
	u->ops++;
	u->h.changed(u->h.ud);
}

/* ------------------------------------------------------------ commands */

/* /secret PEER [TTL]: the peer is resolved first. */
struct sui_start {
	struct secret_ui *u;
	uint32_t ttl;
	char peer[128];
};

static void
sui_resolved(void *ud, int err, const char *why, const struct cloud_peer *p)
{
	struct sui_start *s = ud;
	struct secret_ui *u = s->u;
	struct sui_call *k;
	char buf[160];

	if (sui_op_end(u)) {
		free(s);
		return;
	}
	if (err != 0 || p->user_id == 0) {
		sui_why(buf, sizeof(buf), err != 0 ? err : ERR_NOT_FOUND, why);
		sui_note(u, 0, "cannot find %s: %s", s->peer, err != 0 ? buf :
		    "not a user");
	} else if (p->user_id == cloud_self(u->c))
		sui_note(u, 0, "no secret chat with yourself");
	else if ((k = sui_call(u, "cannot start the secret chat",
	    "secret chat requested: waiting for the peer to accept")) !=
	    NULL) {
		k->select = 1;
		sui_started(u, k, secret_start(u->sec, p->user_id, s->ttl,
		    SUI_CALL_MS, sui_call_done, k));
	}
	free(s);
}

static void
sui_cmd_start(struct secret_ui *u, char **w, size_t n)
{
	struct sui_start *s;
	uint32_t ttl = 0;
	int r;

	if (n < 2 || n > 3) {
		sui_note(u, 0, "/secret PEER [TTL]: e.g. /secret @bob 1m");
		return;
	}
	if (n == 3 && (r = ui_duration_parse(w[2], SECRET_TTL_MAX, &ttl)) !=
	    0) {
		sui_note(u, 0, "%s: %s", w[2], r == ERR_TOO_BIG ?
		    "at most 7 days (1w)" : "not a timer (off, 5s, 1m, 1h, "
		    "1d, 1w)");
		return;
	}
	if (cloud_peer_check(w[1]) != 0) {
		sui_note(u, 0, "not a PEER: %s (use @username or +phone)",
		    w[1]);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	s->u = u;
	s->ttl = ttl;
	snprintf(s->peer, sizeof(s->peer), "%s", w[1]);
	if ((r = cloud_resolve(u->c, w[1], 0, SUI_CALL_MS, sui_resolved, s)) !=
	    0) {
		sui_note(u, 0, "cannot look up %s: %s", w[1], err_str(r));
		free(s);
		return;
	}
	u->ops++;
}

/* The fingerprint overlay's QR rows. */
static void
sui_ov_row(void *ud, const char *row)
{
	struct secret_ui *u = ud;

	if (u->nov < SUI_OV_MAX)
		u->ov[u->nov++] = strdup(row);
}

static void
sui_ov_add(struct secret_ui *u, const char *s)
{
	if (u->nov < SUI_OV_MAX)
		u->ov[u->nov++] = strdup(s);
}

static void
sui_ov_clear(struct secret_ui *u)
{
	size_t i;

	for (i = 0; i < u->nov; i++)
		free(u->ov[i]);
	u->nov = 0;
}

static void
sui_cmd_verify(struct secret_ui *u, const struct sui_chat *x)
{
	char hex[SFP_HEX_TEXT_LEN], emoji[SFP_EMOJI_TEXT_LEN], name[128],
	    line[256];
	const char *who;
	size_t i;
	int r;

	if ((r = secret_fingerprint(u->sec, &x->c, hex, emoji)) != 0) {
		sui_note(u, 0, "no fingerprint: %s", err_str(r));
		return;
	}
	/* The overlay shows the old lines until it is handed the new. */
	u->h.overlay(u->h.ud, NULL, 0);
	sui_ov_clear(u);
	/* The name came from the network: sanitised, one line, short. */
	who = sui_name(u, x->c.peer_user);
	if (ui_sanitize_buf(who, strlen(who), NULL, name, 48) < 0)
		snprintf(name, sizeof(name), "?");
	snprintf(line, sizeof(line), "Secret chat with %s", name);
	sui_ov_add(u, line);
	sui_ov_add(u, "Compare with the other device; both must match:");
	sui_ov_add(u, "");
	/* 16 groups of 4: two lines of 8. */
	snprintf(line, sizeof(line), "%.39s", hex);
	sui_ov_add(u, line);
	snprintf(line, sizeof(line), "%s", strlen(hex) > 40 ? hex + 40 : "");
	sui_ov_add(u, line);
	sui_ov_add(u, "");
	sui_ov_add(u, emoji);
	/* Before the QR code, which a short terminal cuts. */
	sui_ov_add(u, "Any key closes this.");
	sui_ov_add(u, "");
	(void)qr_fingerprint(hex, sui_ov_row, u);
	for (i = 0; i < u->nov; i++)
		u->ovp[i] = u->ov[i] != NULL ? u->ov[i] : "";
	u->h.overlay(u->h.ud, u->ovp, u->nov);
}

/* The open secret chat for a command, or NULL after saying why. */
static const struct sui_chat *
sui_need(struct secret_ui *u, uint64_t current, const char *cmd)
{
	const struct sui_chat *x = sui_entry(u, current);

	if (x == NULL)
		sui_note(u, 0, "%s: open a secret chat first", cmd);
	else if (x->ghost) {
		sui_note(u, 0, "%s: this secret chat is closed", cmd);
		return NULL;
	}
	return x;
}

int
secret_ui_command(struct secret_ui *u, uint64_t current, char **w, size_t n)
{
	const struct sui_chat *x;
	struct sui_call *k;
	uint64_t now = uv_now(cloud_loop(u->c));
	char ok[160], left[UI_DURATION_LEN];
	uint32_t ttl;
	int r;

	if (strcmp(w[0], "/secret") == 0) {
		sui_cmd_start(u, w, n);
		return 1;
	}
	if (strcmp(w[0], "/accept") != 0 && strcmp(w[0], "/decline") != 0 &&
	    strcmp(w[0], "/ttl") != 0 && strcmp(w[0], "/verify") != 0 &&
	    strcmp(w[0], "/close") != 0 && strcmp(w[0], "/secret-close") != 0)
		return 0;
	if ((x = sui_entry(u, current)) != NULL && x->ghost &&
	    (strcmp(w[0], "/close") == 0 ||
	    strcmp(w[0], "/secret-close") == 0)) {
		/* Nothing to wipe: the warning goes, at once. */
		if ((r = secret_dismiss_warnings(u->sec, x->c.peer_user,
		    x->c.secret_id)) != 0)
			sui_note(u, 0, "cannot dismiss the warning: %s",
			    err_str(r));
		else
			sui_note(u, 0, "key-change warning dismissed");
		u->h.changed(u->h.ud);
		return 1;
	}
	if ((x = sui_need(u, current, w[0])) == NULL)
		return 1;
	if (strcmp(w[0], "/accept") == 0 || strcmp(w[0], "/decline") == 0) {
		if (x->c.state != STORE_SECRET_PENDING_IN) {
			sui_note(u, 0, "%s: no request to answer here", w[0]);
			return 1;
		}
		if (w[0][1] == 'a') {
			if ((k = sui_call(u, "cannot accept",
			    "secret chat accepted")) != NULL)
				sui_started(u, k, secret_accept(u->sec,
				    x->c.secret_id, SUI_CALL_MS, sui_call_done,
				    k));
		} else if ((k = sui_call(u, "cannot decline",
		    "secret chat declined")) != NULL)
			sui_started(u, k, secret_decline(u->sec,
			    x->c.secret_id, SUI_CALL_MS, sui_call_done, k));
		return 1;
	}
	if (strcmp(w[0], "/ttl") == 0) {
		if (n != 2) {
			sui_note(u, 0, "/ttl off|5s|1m|1h|1d|1w");
			return 1;
		}
		if ((r = ui_duration_parse(w[1], SECRET_TTL_MAX, &ttl)) != 0) {
			sui_note(u, 0, "%s: %s", w[1], r == ERR_TOO_BIG ?
			    "at most 7 days (1w)" : "not a timer (off, 5s, "
			    "1m, 1h, 1d, 1w)");
			return 1;
		}
		if (x->c.state != STORE_SECRET_ACTIVE) {
			sui_note(u, 0, "/ttl: the secret chat is not active");
			return 1;
		}
		ui_duration_format(ttl, left, sizeof(left));
		snprintf(ok, sizeof(ok), ttl == 0 ? "self-destruct timer off" :
		    "self-destruct timer set to %s", left);
		if ((k = sui_call(u, "cannot set the timer", ok)) != NULL)
			sui_started(u, k, secret_set_ttl(u->sec,
			    x->c.peer_user, ttl, SUI_CALL_MS, sui_call_done,
			    k));
		u->h.changed(u->h.ud);
		return 1;
	}
	if (strcmp(w[0], "/verify") == 0) {
		sui_cmd_verify(u, x);
		return 1;
	}
	/* /close, /secret-close: only when asked twice. */
	if (u->confirm_id != current || now > u->confirm_until) {
		u->confirm_id = current;
		u->confirm_until = now + SUI_CONFIRM_MS;
		sui_note(u, 0, "%s again within 10 s closes this secret chat "
		    "and wipes its messages on both sides", w[0]);
		return 1;
	}
	u->confirm_id = 0;
	if ((k = sui_call(u, "cannot close", "secret chat closed and wiped"))
	    != NULL)
		sui_started(u, k, secret_close(u->sec, x->c.secret_id,
		    SUI_CALL_MS, sui_call_done, k));
	return 1;
}

/* ------------------------------------------------------------ events */

static void
sui_on_event(void *ud, const struct secret_event *ev)
{
	struct secret_ui *u = ud;
	char name[64];
	uint64_t id;

	switch (ev->kind) {
	case SECRET_EV_REQUEST:
		if (ev->chat != NULL && (id = sui_id(u, ev->chat->secret_id)) !=
		    0 && id != u->h.current(u->h.ud)) {
			u->h.incoming(u->h.ud, id);
			sui_note(u, 0, "a new secret chat request: open it and "
			    "/accept or /decline");
		}
		break;
	case SECRET_EV_MESSAGE:
		if (ev->chat != NULL && ev->msg != NULL && !ev->msg->out &&
		    !ev->msg->service &&
		    (id = sui_id(u, ev->chat->secret_id)) != 0)
			u->h.incoming(u->h.ud, id);
		break;
	case SECRET_EV_FAILED:
		if (ev->msg != NULL)
			sui_note(u, 0, "a secret message was refused: %s",
			    err_str(-(int)ev->n));
		break;
	case SECRET_EV_ACCEPTED:
		sui_note(u, 0, "a secret chat was accepted");
		break;
	case SECRET_EV_GONE:
		if (ev->chat != NULL && sui_id(u, ev->chat->secret_id) ==
		    u->h.current(u->h.ud))
			sui_note(u, 0, "this secret chat was closed");
		break;
	case SECRET_EV_KEY_CHANGED:
		/* The warning line itself is in the store (sui_warns_load). */
		if (ev->chat == NULL)
			break;
		sui_clean_name(u, ev->chat->peer_user, name, sizeof(name));
		sui_note(u, 1, "WARNING: the identity key of %s changed%s",
		    name, ev->chat->secret_id != 0 ? "; its secret chat was "
		    "closed" : "");
		break;
	default:
		break;
	}
	u->h.changed(u->h.ud);
}

/* ------------------------------------------------------------ life */

int
secret_ui_new(struct secret_ui **out, struct cloud *c,
    const struct secret_ui_host *h)
{
	struct secret_ui *u;
	int r;

	*out = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return ERR_NOMEM;
	u->c = c;
	u->sec = cloud_secret(c);
	u->h = *h;
	if ((r = secret_subscribe(u->sec, sui_on_event, u)) != 0) {
		free(u);
		return r;
	}
	*out = u;
	return 0;
}

static void
sui_release(struct secret_ui *u)
{
	sui_window_clear(u);
	sui_free_entries(u->chats, u->sx, u->n);
	free(u->map);
	sui_warns_clear(u);
	sui_ov_clear(u);
	free(u);
}

void
secret_ui_free(struct secret_ui *u)
{
	if (u == NULL)
		return;
	secret_unsubscribe(u->sec, sui_on_event, u);
	if (u->ops > 0)
		u->dead = 1;
	else
		sui_release(u);
}
