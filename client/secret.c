/*
 * Secret chats on the client: the module's state and life cycle, the
 * calls it makes and the one function that reads their replies, the
 * events it reports, and what it answers from the store alone (finding,
 * listing, fingerprints, self-destruct timers). See client/secret.h for
 * what it does, client/secret_int.h for how its files divide the work,
 * and DESIGN.md section 6 for the protocol.
 */
#include "client/secret.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/json.h"
#include "lib/log.h"
#include "client/secret_int.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"
#include "lib/err.h"

uint64_t
secret__now(void)
{
	return (uint64_t)time(NULL);
}

/* ---------------------------------------------------------- values */

_Static_assert(SECRET_KEY_LEN == STORE_SECRET_KEY_LEN, "identity key size");
_Static_assert((int)SECRET_CHAT_PENDING_OUT == (int)STORE_SECRET_PENDING_OUT &&
    (int)SECRET_CHAT_PENDING_IN == (int)STORE_SECRET_PENDING_IN &&
    (int)SECRET_CHAT_ACTIVE == (int)STORE_SECRET_ACTIVE &&
    (int)SECRET_CHAT_CLOSED == (int)STORE_SECRET_CLOSED,
    "chat states are the store's");
_Static_assert((int)SECRET_MSG_SENT == (int)STORE_SECRET_MSG_SENT &&
    (int)SECRET_MSG_QUEUED == (int)STORE_SECRET_MSG_QUEUED &&
    (int)SECRET_MSG_FAILED == (int)STORE_SECRET_MSG_FAILED,
    "message states are the store's");

/* The store's rows as client/secret.h's values (strings borrowed). */
static void
secret_chat_of(struct secret_chat *d, const struct store_secret_chat *c)
{
	memset(d, 0, sizeof(*d));
	d->secret_id = c->secret_id;
	d->peer_user = c->peer_user;
	d->peer_device = c->peer_device;
	memcpy(d->peer_ik, c->peer_ik, sizeof(d->peer_ik));
	d->state = c->state;
	d->ttl = c->ttl;
	d->initiator = c->initiator;
	d->created = c->created;
}

static void
secret_msg_of(struct secret_msg *d, const struct store_secret_msg *m)
{
	memset(d, 0, sizeof(*d));
	d->secret_id = m->secret_id;
	d->id = m->id;
	d->random_id = m->random_id;
	d->out = m->out;
	d->service = m->service;
	d->text = m->text;
	d->date = m->date;
	d->ttl = m->ttl;
	d->read_date = m->read_date;
	d->expires_at = m->expires_at;
	d->state = m->state;
}

/* A list callback of the store calling one of client/secret.h. */
struct secret_cbk {
	union {
		secret_chat_fn *chat;
		secret_msg_fn *msg;
		secret_warning_fn *warning;
	} fn;
	void *ud;
};

static int
secret_chat_cb(void *ud, const struct store_secret_chat *c)
{
	struct secret_cbk *k = ud;
	struct secret_chat v;

	secret_chat_of(&v, c);
	return k->fn.chat(k->ud, &v);
}

static int
secret_msg_cb(void *ud, const struct store_secret_msg *m)
{
	struct secret_cbk *k = ud;
	struct secret_msg v;

	secret_msg_of(&v, m);
	return k->fn.msg(k->ud, &v);
}

static int
secret_warning_cb(void *ud, const struct store_secret_warning *w)
{
	struct secret_cbk *k = ud;
	struct secret_warning v;

	v.id = w->id;
	v.peer_user = w->peer_user;
	v.peer_device = w->peer_device;
	v.secret_id = w->secret_id;
	v.date = w->date;
	return k->fn.warning(k->ud, &v);
}

/* ---------------------------------------------------------- events */

void
secret__emit(struct secret *s, enum secret_ev kind,
    const struct store_secret_chat *c, const struct store_secret_msg *m,
    uint64_t n)
{
	struct secret_chat cv;
	struct secret_msg mv;
	struct secret_event ev;
	secret_event_fn *fn;
	void *fud;
	size_t i;

	if (s->freeing)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	if (c != NULL) {
		secret_chat_of(&cv, c);
		ev.chat = &cv;
	}
	if (m != NULL) {
		secret_msg_of(&mv, m);
		ev.msg = &mv;
	}
	ev.n = n;
	if (s->fn != NULL)
		s->fn(s->fn_ud, &ev);
	/*
	 * A subscriber may unsubscribe (itself or another) in its call:
	 * step on only when the entry just called is still in its place.
	 */
	for (i = 0; i < s->nsubs;) {
		fn = s->subs[i].fn;
		fud = s->subs[i].ud;
		fn(fud, &ev);
		if (i < s->nsubs && s->subs[i].fn == fn && s->subs[i].ud == fud)
			i++;
	}
}

/* ------------------------------------------------------------- calls */

/* Sends req; the call (heap) is freed by secret__reply. */
int
secret__call(struct secret *s, enum secret_call_kind kind,
    const Sotto__Request *req, uint64_t timeout_ms, secret_done_fn *cb,
    void *ud, struct secret_call **out)
{
	struct secret_call *k;
	int r;

	if (s->freeing)
		return ERR_CLOSED;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k->s = s;
	k->kind = kind;
	k->cb = cb;
	k->ud = ud;
	k->gen = s->gen;
	k->timeout_ms = timeout_ms;
	if ((r = engine_call(s->e, req, timeout_ms, secret__reply, k)) != 0) {
		free(k);
		return r;
	}
	if (out != NULL)
		*out = k;
	return 0;
}

static void
secret_zero_cb(uv_timer_t *t)
{
	struct secret_call *k = t->data;

	uv_close((uv_handle_t *)t, (uv_close_cb)free);
	k->cb(k->ud, 0, "", 0);
	free(k);
}

/* Runs cb(ud, 0, "", 0) on the next loop turn. 0 or ERR_NOMEM. */
int
secret__done_later(struct secret *s, secret_done_fn *cb, void *ud)
{
	struct secret_call *k;
	uv_timer_t *t;

	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (t = malloc(sizeof(*t))) == NULL) {
		free(k);
		return ERR_NOMEM;
	}
	k->cb = cb;
	k->ud = ud;
	uv_timer_init(s->loop, t);
	t->data = k;
	uv_timer_start(t, secret_zero_cb, 0, 0);
	return 0;
}

/* ---------------------------------------------------------- replies */

void
secret__reply(void *ud, int err, const Sotto__Response *resp)
{
	struct secret_call *k = ud;
	struct secret *s = k->s;
	struct store_secret_chat c;
	char *why = NULL;
	uint64_t id = k->id;
	int r = err, stale = k->gen != s->gen;

	if (err != 0 && resp != NULL && resp->error != NULL &&
	    resp->error->message != NULL)
		why = json_sanitize(resp->error->message,
		    strlen(resp->error->message));
	switch (k->kind) {
	case SC_PUBLISH:
		if (stale || s->freeing)
			break;
		if (err == 0 && resp->result_case ==
		    SOTTO__RESPONSE__RESULT_PREKEYS &&
		    resp->prekeys->opk_count < SECRET_OPK_LOW) {
			if (secret__publish(s, SC_REFILL, SECRET_OPK_POOL -
			    resp->prekeys->opk_count) == 0)
				break;	/* still publishing */
			log_warn("secret chats: one-time prekeys could not "
			    "be refilled");
		} else if (err != 0 && err != ERR_UNKNOWN_METHOD)
			log_warn_err(err, "secret chats: PublishPrekeys");
		secret__published(s);
		break;
	case SC_REFILL:
		if (err != 0 && err != ERR_UNKNOWN_METHOD)
			log_warn_err(err, "secret chats: PublishPrekeys");
		if (!stale && !s->freeing)
			secret__published(s);
		break;
	case SC_ACK:
		if (err != 0 && err != ERR_UNKNOWN_METHOD)
			log_warn_err(err, "secret chats: AckSecret");
		if (stale || s->freeing || k->id == 0)
			break;
		s->fetching = 0;
		if (err != 0)
			secret__set_synced(s, err);
		else if (k->id == 2)
			secret__fetch(s);
		else if (!s->synced)
			secret__set_synced(s, 0);
		break;
	case SC_QUEUE:
		if (stale || s->freeing)
			break;
		s->fetching = 0;
		if (err != 0)
			secret__set_synced(s, err);
		else if (resp->result_case !=
		    SOTTO__RESPONSE__RESULT_SECRET_QUEUE)
			secret__set_synced(s, ERR_PROTO);
		else
			secret__on_queue(s, resp->secret_queue);
		break;
	case SC_BUNDLES:
		if (err == 0 && !s->freeing) {
			if (resp->result_case !=
			    SOTTO__RESPONSE__RESULT_BUNDLES)
				r = ERR_PROTO;
			else if ((r = secret__on_bundles(k,
			    resp->bundles)) == 0) {
				/* k lives on as the StartSecret call. */
				free(why);
				return;
			}
		}
		break;
	case SC_START:
		if (err != 0 && store_secret_delete_chat(s->st,
		    k->secret_id) != 0)
			r = ERR_DB;
		id = k->secret_id;
		break;
	case SC_ACCEPT:
		if (err == 0) {
			if ((r = store_secret_get_chat(s->st, k->secret_id, 0,
			    &c)) == 0 && c.state == STORE_SECRET_PENDING_IN) {
				if ((r = store_begin(s->st)) == 0 &&
				    (r = store_secret_set_state(s->st,
				    c.secret_id, c.peer_device,
				    STORE_SECRET_ACTIVE)) == 0 &&
				    (c.opk_id == 0 ||
				    (r = store_secret_del_opk(s->st,
				    c.opk_id)) == 0))
					r = store_commit(s->st);
				if (r != 0)
					store_rollback(s->st);
			} else if (r == ERR_NOT_FOUND)
				r = 0;	/* the queue got there first */
		} else if (err == ERR_EXISTS || err == ERR_NOT_FOUND)
			(void)store_secret_delete_chat(s->st, k->secret_id);
		id = k->secret_id;
		break;
	case SC_DECLINE:
	case SC_CLOSE:
		if (err == 0 || err == ERR_NOT_FOUND) {
			r = store_secret_delete_chat(s->st, k->secret_id);
			if (err == ERR_NOT_FOUND && k->kind == SC_CLOSE)
				r = 0;	/* the server had forgotten it */
			else if (err != 0)
				r = err;
			/* Its queued messages went with it. */
			secret__sendw_answer(s, k->secret_id, 0, ERR_NOT_FOUND,
			    "the secret chat was closed");
		}
		id = k->secret_id;
		break;
	case SC_OUTBOX:
		secret__ob_answer(s, k, err, resp, why);
		break;
	case SC_PLAIN:
		break;
	}
	if (k->cb != NULL)
		k->cb(k->ud, r, why != NULL ? why : "", id);
	free(why);
	free(k);
}

/* ------------------------------------------------------------ local */

struct secret_findk {
	uint64_t peer_user;
	struct store_secret_chat *c;
	int found;
};

static int
secret_find_cb(void *ud, const struct store_secret_chat *c)
{
	struct secret_findk *f = ud;

	if (c->peer_user != f->peer_user || c->state == STORE_SECRET_CLOSED)
		return 0;
	/* An active chat beats a pending one; else the newest (first). */
	if (!f->found || (f->c->state != STORE_SECRET_ACTIVE &&
	    c->state == STORE_SECRET_ACTIVE)) {
		*f->c = *c;
		f->found = 1;
	}
	return 0;
}

int
secret_find(struct secret *s, uint64_t peer_user, struct secret_chat *c)
{
	struct store_secret_chat sc;
	struct secret_findk f = { peer_user, &sc, 0 };
	int r;

	if ((r = store_secret_list_chats(s->st, secret_find_cb, &f)) != 0)
		return r;
	if (!f.found)
		return ERR_NOT_FOUND;
	secret_chat_of(c, &sc);
	return 0;
}

int
secret_get_chat(struct secret *s, uint64_t secret_id, struct secret_chat *c)
{
	struct store_secret_chat sc;
	int r;

	if ((r = store_secret_get_chat(s->st, secret_id, 0, &sc)) != 0)
		return r;
	secret_chat_of(c, &sc);
	return 0;
}

int
secret_list_devices(struct secret *s, secret_chat_fn *fn, void *ud)
{
	struct secret_cbk k = { .fn.chat = fn, .ud = ud };

	return store_secret_list_chats(s->st, secret_chat_cb, &k);
}

int
secret_fingerprint(struct secret *s, const struct secret_chat *c,
    char hex[SFP_HEX_TEXT_LEN], char emoji[SFP_EMOJI_TEXT_LEN])
{
	struct x3dh_identity *id;
	int r;

	if ((id = sec_alloc(sizeof(*id))) == NULL)
		return ERR_NOMEM;
	if ((r = store_secret_get_identity(s->st, id->sk, id->pub)) == 0) {
		sfp_format_hex(hex, id->pub, c->peer_ik);
		sfp_format_emoji(emoji, id->pub, c->peer_ik);
	}
	sec_free(id);
	return r;
}

static void
secret_timer_cb(uv_timer_t *t)
{
	(void)secret_expire(t->data);
}

int
secret_expire(struct secret *s)
{
	uint64_t n = 0, at, now = secret__now();
	int r;

	if (s->freeing)
		return 0;
	if ((r = store_secret_expire(s->st, now, &n)) != 0)
		return r;
	if (n > 0)
		secret__emit(s, SECRET_EV_EXPIRED, NULL, NULL, n);
	if ((r = store_secret_next_expiry(s->st, &at)) != 0)
		return r;
	uv_timer_stop(&s->timer);
	if (at != 0)
		uv_timer_start(&s->timer, secret_timer_cb,
		    at > now ? (at - now) * 1000 : 0, 0);
	return 0;
}

/* ------------------------------------------------------- life cycle */

void
secret_on_ready(struct secret *s)
{
	s->gen++;
	s->ready = 1;
	s->synced = 0;
	s->sync_err = 0;
	s->fetching = 0;
	s->queue_done = 0;
	s->ob_busy = 0;
	(void)secret_expire(s);
	if (secret__publish(s, SC_PUBLISH, 0) != 0)
		log_warn("secret chats: the prekeys could not be published");
	else
		s->publishing = 1;
	/* What earlier runs queued goes out first, beside the queue. */
	secret__ob_flush(s);
	secret__fetch(s);
}

void
secret_on_down(struct secret *s)
{
	s->ready = 0;
	s->fetching = 0;
	s->synced = 0;
	s->publishing = 0;
	s->queue_done = 0;
	s->ob_busy = 0;
	uv_timer_stop(&s->ob_retry);
}

int
secret_new(struct secret **out, uv_loop_t *loop, struct engine *e,
    struct store *st)
{
	struct secret *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	s->loop = loop;
	s->e = e;
	s->st = st;
	uv_timer_init(loop, &s->timer);
	uv_timer_init(loop, &s->kick);
	uv_timer_init(loop, &s->ob_retry);
	uv_timer_init(loop, &s->ob_kick);
	s->timer.data = s->kick.data = s->ob_retry.data = s->ob_kick.data = s;
	/* Every run deletes what is due, before anything is shown. */
	(void)secret_expire(s);
	*out = s;
	return 0;
}

void
secret_set_listener(struct secret *s, secret_event_fn *fn, void *ud)
{
	s->fn = fn;
	s->fn_ud = ud;
}

int
secret_subscribe(struct secret *s, secret_event_fn *fn, void *ud)
{
	if (s->nsubs == SECRET_SUBS_MAX)
		return ERR_NOMEM;
	s->subs[s->nsubs].fn = fn;
	s->subs[s->nsubs].ud = ud;
	s->nsubs++;
	return 0;
}

void
secret_unsubscribe(struct secret *s, secret_event_fn *fn, void *ud)
{
	size_t i;

	for (i = 0; i < s->nsubs; i++)
		if (s->subs[i].fn == fn && s->subs[i].ud == ud) {
			memmove(&s->subs[i], &s->subs[i + 1], (s->nsubs - i -
			    1) * sizeof(s->subs[0]));
			s->nsubs--;
			return;
		}
}

/* One row per chat: the pending-out rows of one request share its id. */
struct secret_listk {
	secret_chat_fn *fn;
	void *ud;
	uint64_t *seen;
	size_t n, cap;
};

static int
secret_list_cb(void *ud, const struct store_secret_chat *c)
{
	struct secret_listk *k = ud;
	struct secret_chat cv;
	uint64_t *v;
	size_t i;

	if (c->state == STORE_SECRET_CLOSED)
		return 0;
	for (i = 0; i < k->n; i++)
		if (k->seen[i] == c->secret_id)
			return 0;
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 16;
		if ((v = realloc(k->seen, k->cap * sizeof(*v))) == NULL)
			return ERR_NOMEM;
		k->seen = v;
	}
	k->seen[k->n++] = c->secret_id;
	secret_chat_of(&cv, c);
	return k->fn(k->ud, &cv);
}

int
secret_list_chats(struct secret *s, secret_chat_fn *fn, void *ud)
{
	struct secret_listk k = { fn, ud, NULL, 0, 0 };
	int r;

	r = store_secret_list_chats(s->st, secret_list_cb, &k);
	free(k.seen);
	return r;
}

int
secret_history(struct secret *s, uint64_t secret_id, secret_msg_fn *fn,
    void *ud)
{
	struct secret_cbk k = { .fn.msg = fn, .ud = ud };

	return store_secret_list_msgs(s->st, secret_id, secret_msg_cb, &k);
}

int
secret_warnings(struct secret *s, secret_warning_fn *fn, void *ud)
{
	struct secret_cbk k = { .fn.warning = fn, .ud = ud };

	return store_secret_warn_list(s->st, secret_warning_cb, &k);
}

int
secret_dismiss_warnings(struct secret *s, uint64_t peer_user,
    uint64_t secret_id)
{
	return store_secret_warn_clear(s->st, peer_user, secret_id);
}

int
secret_history_before(struct secret *s, uint64_t secret_id,
    uint64_t before_id, size_t limit, secret_msg_fn *fn, void *ud)
{
	struct secret_cbk k = { .fn.msg = fn, .ud = ud };

	return store_secret_msgs_before(s->st, secret_id, before_id, limit,
	    secret_msg_cb, &k);
}

int
secret_history_after(struct secret *s, uint64_t secret_id,
    uint64_t after_id, size_t limit, secret_msg_fn *fn, void *ud)
{
	struct secret_cbk k = { .fn.msg = fn, .ud = ud };

	return store_secret_msgs_after(s->st, secret_id, after_id, limit,
	    secret_msg_cb, &k);
}

int
secret_summary(struct secret *s, uint64_t secret_id, uint64_t *unread,
    secret_msg_fn *fn, void *ud)
{
	struct secret_cbk k = { .fn.msg = fn, .ud = ud };

	return store_secret_summary(s->st, secret_id, unread, secret_msg_cb,
	    &k);
}

static void
secret_closed(uv_handle_t *h)
{
	struct secret *s = h->data;

	if (--s->closing > 0)
		return;
	if (s->done != NULL)
		s->done(s->done_ud);
	free(s->waiters);
	free(s->flushw);
	free(s);
}

void
secret_free(struct secret *s, void (*done)(void *), void *ud)
{
	struct secret_waiter *w;
	size_t n, i;

	if (s == NULL) {
		if (done != NULL)
			done(ud);
		return;
	}
	/* Whoever waits for the queue hears now: nothing comes any more. */
	w = s->waiters;
	n = s->n_waiters;
	s->waiters = NULL;
	s->n_waiters = 0;
	for (i = 0; i < n; i++)
		w[i].cb(w[i].ud, ERR_CLOSED, "", 0);
	free(w);
	w = s->flushw;
	n = s->n_flushw;
	s->flushw = NULL;
	s->n_flushw = 0;
	for (i = 0; i < n; i++)
		w[i].cb(w[i].ud, ERR_CLOSED, "", 0);
	free(w);
	/* A send still waiting is queued: the next run delivers it. */
	while (s->senders != NULL)
		secret__sendw_end(s, s->senders, ERR_AGAIN, "the message is "
		    "queued and goes out with the next connection");
	s->freeing = 1;
	s->done = done;
	s->done_ud = ud;
	s->closing = 4;
	uv_close((uv_handle_t *)&s->timer, secret_closed);
	uv_close((uv_handle_t *)&s->kick, secret_closed);
	uv_close((uv_handle_t *)&s->ob_retry, secret_closed);
	uv_close((uv_handle_t *)&s->ob_kick, secret_closed);
}
