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

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/secret.h"
#include "lib/err.h"
#include "ui/secret_ui_int.h"

static void sui_on_event(void *ud, const struct secret_event *ev);

void
sui__note(struct secret_ui *u, int warn, const char *fmt, ...)
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
uint64_t
sui__id(struct secret_ui *u, uint64_t secret_id)
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

struct sui_chat *
sui__entry(const struct secret_ui *u, uint64_t chat_id)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (u->chats[i].id == chat_id && chat_id != 0)
			return &u->sx[i];
	return NULL;
}

const char *
sui__name(struct secret_ui *u, uint64_t user)
{
	return u->h.name(u->h.ud, user);
}

/* ------------------------------------------------------------ calls */

/* Counts a call that completes later; 1 when u is dead (then freed). */
static void sui_release(struct secret_ui *u);

int
sui__op_end(struct secret_ui *u)
{
	u->ops--;
	if (u->dead) {
		if (u->ops == 0)
			sui_release(u);
		return 1;
	}
	return 0;
}

void
sui__why(char *buf, size_t size, int err, const char *why)
{
	snprintf(buf, size, "%s%s%s", err_str(err), why != NULL &&
	    why[0] != '\0' ? ": " : "", why != NULL ? why : "");
}

void
sui__call_done(void *ud, int err, const char *why, uint64_t id)
{
	struct sui_call *k = ud;
	struct secret_ui *u = k->u;
	char buf[160];
	uint64_t cid;

	if (sui__op_end(u)) {
		free(k);
		return;
	}
	if (err != 0) {
		sui__why(buf, sizeof(buf), err, why);
		sui__note(u, 0, "%s: %s", k->what, buf);
	} else if (k->ok[0] != '\0')
		sui__note(u, 0, "%s", k->ok);
	if (err == 0 && k->select && (cid = sui__id(u, id)) != 0)
		u->h.select(u->h.ud, cid);
	u->h.changed(u->h.ud);
	free(k);
}

struct sui_call *
sui__call(struct secret_ui *u, const char *what, const char *ok)
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
void
sui__started(struct secret_ui *u, struct sui_call *k, int r)
{
	if (r == 0) {
		u->ops++;
		return;
	}
	sui__note(u, 0, "%s: %s", k->what, r == ERR_NOT_FOUND ?
	    "no such secret chat here" : err_str(r));
	free(k);
}

void
secret_ui_mark_read(struct secret_ui *u, uint64_t chat_id)
{
	const struct sui_chat *x = sui__entry(u, chat_id);
	struct sui_call *k;
	size_t i;

	if (x == NULL || x->ghost || x->c.state != SECRET_CHAT_ACTIVE)
		return;
	for (i = 0; i < u->n; i++)
		if (u->chats[i].id == chat_id && u->chats[i].unread == 0)
			return;
	if ((k = sui__call(u, "cannot mark the secret chat read", NULL)) ==
	    NULL)
		return;
	sui__started(u, k, secret_mark_read(u->sec, x->c.secret_id,
	    SUI_CALL_MS, sui__call_done, k));
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
	if (sui__op_end(u))
		return;
	if (err != 0 && err != ERR_AGAIN) {
		sui__why(buf, sizeof(buf), err, why);
		sui__note(u, 0, "a secret message was not sent: %s", buf);
	}
	u->h.changed(u->h.ud);
}

void
secret_ui_send(struct secret_ui *u, uint64_t chat_id, const char *text)
{
	const struct sui_chat *x = sui__entry(u, chat_id);
	int r;

	if (x == NULL || x->ghost) {
		sui__note(u, 0, "this secret chat is closed");
		return;
	}
	if (x->c.state == SECRET_CHAT_PENDING_IN) {
		sui__note(u, 0, "accept the secret chat first: /accept");
		return;
	}
	if (x->c.state != SECRET_CHAT_ACTIVE) {
		sui__note(u, 0, "the peer has not accepted the secret chat "
		    "yet");
		return;
	}
	if ((r = secret_send(u->sec, x->c.peer_user, text, -1, SUI_CALL_MS,
	    sui_sent, u)) != 0) {
		sui__note(u, 0, "cannot send: %s", err_str(r));
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

/* ------------------------------------------------------------ events */

static void
sui_on_event(void *ud, const struct secret_event *ev)
{
	struct secret_ui *u = ud;
	char name[64];
	uint64_t id;

	switch (ev->kind) {
	case SECRET_EV_REQUEST:
		if (ev->chat != NULL && (id = sui__id(u,
		    ev->chat->secret_id)) != 0 && id != u->h.current(u->h.ud)) {
			u->h.incoming(u->h.ud, id);
			sui__note(u, 0, "a new secret chat request: open it "
			    "and /accept or /decline");
		}
		break;
	case SECRET_EV_MESSAGE:
		if (ev->chat != NULL && ev->msg != NULL && !ev->msg->out &&
		    !ev->msg->service &&
		    (id = sui__id(u, ev->chat->secret_id)) != 0)
			u->h.incoming(u->h.ud, id);
		break;
	case SECRET_EV_FAILED:
		if (ev->msg != NULL)
			sui__note(u, 0, "a secret message was refused: %s",
			    err_str(-(int)ev->n));
		break;
	case SECRET_EV_ACCEPTED:
		sui__note(u, 0, "a secret chat was accepted");
		break;
	case SECRET_EV_GONE:
		if (ev->chat != NULL && sui__id(u, ev->chat->secret_id) ==
		    u->h.current(u->h.ud))
			sui__note(u, 0, "this secret chat was closed");
		break;
	case SECRET_EV_KEY_CHANGED:
		/* The warning line itself is in the store (sui_warns_load). */
		if (ev->chat == NULL)
			break;
		sui__clean_name(u, ev->chat->peer_user, name, sizeof(name));
		sui__note(u, 1, "WARNING: the identity key of %s changed%s",
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
	sui__window_clear(u);
	sui__free_entries(u->chats, u->sx, u->n);
	free(u->map);
	sui__warns_clear(u);
	sui__ov_clear(u);
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
