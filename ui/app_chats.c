/*
 * The chat list of ui/app.c: the cloud's chats, the secret ones and the
 * chat /msg opened for a user who has none yet, read again (at most once
 * a loop turn) into the model; the names shown for users, cached for the
 * run; and the calls whose only answer is a fresh list (mark-read,
 * typing, a peer's presence).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/presence.h"
#include "lib/err.h"
#include "ui/app_int.h"
#include "ui/secret_ui.h"
#include "ui/tui.h"

/* ------------------------------------------------------------ names */

/*
 * The name to show for user id: "me" for this account, else the display
 * name, @username, or "user N". Owned by the cache; stable until exit.
 */
const char *
app__name(struct app *a, uint64_t id)
{
	struct cloud_user u;
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
	cloud_user_free(&u);
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
void
app__name_forget(struct app *a, uint64_t id)
{
	size_t i;

	for (i = 0; i < a->nnames; i++)
		if (a->names[i].id == id) {
			/* Kept, renamed out of the way: the model may point at it. */
			a->names[i].id = 0;
			return;
		}
}

/* ------------------------------------------------------------ chats */

void
app__chats_free(struct ui_chat *chats, struct app_chatx *cx, size_t n)
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
app_chat_title(struct app *a, const struct cloud_chat *ch)
{
	char buf[CLOUD_TITLE_MAX + 16];

	switch (ch->kind) {
	case CLOUD_CHAT_SAVED:
		return strdup("Saved Messages");
	case CLOUD_CHAT_PRIVATE:
		return strdup(app__name(a, ch->peer_id));
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
void
app__presence_fetch(struct app *a, uint64_t chat_id)
{
	const struct app_chatx *x = app__chatx(a, chat_id);

	if (x == NULL || x->kind != CLOUD_CHAT_PRIVATE || x->peer_id == 0)
		return;
	a->ops++;
	if (cloud_user_fetch(a->c, x->peer_id, APP_CALL_MS, app_presence_done,
	    a) != 0)
		a->ops--;
}

static int
app_list_cb(void *ud, const struct cloud_chat *ch)
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
	    (x->preview = app__strdup(ch->last_text)) == NULL)
		goto nomem;
	c->title = x->title;
	c->preview = x->preview;
	if (ch->last_message_id != 0 && ch->kind == CLOUD_CHAT_GROUP)
		c->preview_sender = app__name(a, ch->last_sender_id);
	else if (ch->last_message_id != 0 && ch->last_sender_id == a->self &&
	    ch->kind != CLOUD_CHAT_SAVED)
		c->preview_sender = "me";
	if (ch->kind == CLOUD_CHAT_GROUP)
		c->flags |= UI_CHAT_GROUP;
	if (ch->kind == CLOUD_CHAT_PRIVATE && app_presence(a, c, x) != 0)
		goto nomem;
	c->unread = ch->unread > 99999 ? 99999 : (unsigned)ch->unread;
	c->last_date = (time_t)ch->last_date;
	if (a->virt_user != 0 && ch->kind == CLOUD_CHAT_PRIVATE &&
	    ch->peer_id == a->virt_user)
		l->virt_chat = ch->id;
	return 0;
nomem:
	l->err = ERR_NOMEM;
	return 1;
}

void
app__apply_typing(struct app *a)
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
				a->chats[j].typing = app__name(a,
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
		app__note(a, "cannot list the secret chats: %s", err_str(r));
	/* New secret messages: the view keeps its place, as app__window_add. */
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

void
app__reload_chats(struct app *a)
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
		app__chats_free(l.chats, l.cx, l.n);
		app__note(a, "cannot list the chats: %s", err_str(r));
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
			x[l.n].kind = CLOUD_CHAT_PRIVATE;
			x[l.n].peer_id = a->virt_user;
			x[l.n].title = app__strdup(a->virt_title);
			c[l.n].id = APP_VIRTUAL_ID;
			c[l.n].title = x[l.n].title;
			c[l.n].preview = "(new chat)";
			c[l.n].last_date = time(NULL);
			l.n++;
		}
	}
	app_secret_list(a, &l);
	app__chats_free(a->chats, a->cx, a->nchats);
	a->chats = l.chats;
	a->cx = l.cx;
	a->nchats = l.n;
	a->model.chats = a->chats;
	a->model.nchats = a->nchats;
	for (i = 0; i < a->nchats; i++)
		if (a->chats[i].id == a->model.current)
			a->chats[i].unread = 0;	/* being looked at */
	app__apply_typing(a);
	app__bind_window(a);
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

const struct app_chatx *
app__chatx(const struct app *a, uint64_t id)
{
	size_t i;

	for (i = 0; i < a->nchats; i++)
		if (a->chats[i].id == id)
			return &a->cx[i];
	return NULL;
}

/* ------------------------------------------------------------ calls */

/* Counts a call that completes later; see the comment at the top. */
int
app__op_end(struct app *a)
{
	a->ops--;
	if (a->dead) {
		if (a->ops == 0)
			free(a);
		return 1;
	}
	return 0;
}

void
app__quiet_done(void *ud, int err, const char *why, uint64_t id)
{
	(void)err;
	(void)why;
	(void)id;
	app__op_end(ud);
}

/* A fetched peer: its header is redrawn with what came (or stays). */
static void
app_presence_done(void *ud, int err, const char *why, uint64_t id)
{
	struct app *a = ud;

	(void)err;
	(void)why;
	(void)id;
	if (app__op_end(a))
		return;
	a->need_reload = 1;
	app__kick(a);
}

void
app__mark_read(struct app *a)
{
	uint64_t id = a->model.current;

	if (id == 0 || id == APP_VIRTUAL_ID)
		return;
	if (secret_ui_owns(id)) {
		secret_ui_mark_read(a->sui, id);
		return;
	}
	if (cloud_mark_read(a->c, id, 0, APP_CALL_MS, app__quiet_done, a) ==
	    0)
		a->ops++;
}
