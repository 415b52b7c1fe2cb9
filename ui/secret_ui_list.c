/*
 * The secret chats' entries of the chat list (see ui/secret_ui.c): each
 * chat of this device summed up by two indexed reads, never its
 * messages' text; the chats a key change closed, kept as ghosts with
 * their warning; and the reload that reads the list and the open chat's
 * window again.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/secret.h"
#include "lib/err.h"
#include "ui/duration.h"
#include "ui/sanitize.h"
#include "ui/secret_ui_int.h"

/* ------------------------------------------------------------ list */

/*
 * A timer change as people say it: client/secret.c stores "self-destruct
 * timer set to N s"; this names who did it and shows N as /ttl takes it.
 * Any other service text is kept as it is. Returns a malloc()ed string.
 */
char *
sui__service_text(struct secret_ui *u, const struct secret_msg *m,
    uint64_t peer)
{
	char buf[256], dur[UI_DURATION_LEN];
	const char *who = m->out ? "You" : sui__name(u, peer);
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
sui_sum_cb(void *ud, const struct secret_msg *m)
{
	struct sui_sum *s = ud;

	s->count++;
	s->last_date = m->date;
	s->last_service = m->service;
	s->last_out = m->out;
	free(s->last_text);
	s->last_text = m->service ? sui__service_text(s->u, m, s->peer) : NULL;
	return 0;
}

struct sui_list {
	struct secret_ui *u;
	struct ui_chat *chats;
	struct sui_chat *sx;
	size_t n, cap;
	int err;
};

void
sui__free_entries(struct ui_chat *chats, struct sui_chat *sx, size_t n)
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
sui_list_cb(void *ud, const struct secret_chat *c)
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
	e->id = sui__id(u, c->secret_id);
	e->flags = UI_CHAT_SECRET;
	e->title = sui__name(u, c->peer_user);
	s.unread = unread > UINT_MAX ? UINT_MAX : (unsigned)unread;
	e->unread = s.unread;
	e->last_date = (time_t)(s.count > 0 ? s.last_date : c->created);
	if (c->ttl != 0) {
		ui_duration_format(c->ttl, x->timer, sizeof(x->timer));
		e->timer = x->timer;
	}
	switch (c->state) {
	case SECRET_CHAT_PENDING_IN:
		snprintf(buf, sizeof(buf), "secret chat request: /accept or "
		    "/decline");
		break;
	case SECRET_CHAT_PENDING_OUT:
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
void
sui__clean_name(struct secret_ui *u, uint64_t user, char *name, size_t size)
{
	const char *who = sui__name(u, user);

	if (ui_sanitize_buf(who, strlen(who), NULL, name, size) < 0)
		snprintf(name, size, "?");
}

void
sui__warns_clear(struct secret_ui *u)
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
sui_wload_cb(void *ud, const struct secret_warning *sw)
{
	struct sui_wload *l = ud;
	struct sui_warn *v;
	char text[512], name[64];

	sui__clean_name(l->u, sw->peer_user, name, sizeof(name));
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
	sui__warns_clear(u);
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
		x->c.state = SECRET_CHAT_CLOSED;
		x->ghost = 1;
		if ((x->preview = strdup("CLOSED: key changed"))
		    == NULL)
			return ERR_NOMEM;
		e->id = sui__id(u, x->c.secret_id);
		e->flags = UI_CHAT_SECRET;
		e->title = sui__name(u, x->c.peer_user);
		e->preview = x->preview;
		e->last_date = u->warns[i].date;
	}
	return 0;
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
		sui__free_entries(l.chats, l.sx, l.n);
		return r;
	}
	sui__free_entries(u->chats, u->sx, u->n);
	u->chats = l.chats;
	u->sx = l.sx;
	u->n = l.n;
	newest = u->tail_cut ? 0 : sui__window_newest(u);
	if ((r = sui__window_reload(u)) != 0)
		return r;
	/* New messages at the newest end: the view keeps its place. */
	u->appended = sui__window_after(u, newest);
	return 0;
}

const struct ui_chat *
secret_ui_chats(const struct secret_ui *u, size_t *n)
{
	*n = u->n;
	return u->chats;
}
