/*
 * Sending secret chats: the secret outbox (an envelope stored with the
 * ratchet state that made it, sent oldest first, one at a time, removed
 * with the answer), the sends waiting for that answer, and the payloads
 * that go through it: text, the self-destruct timer and read receipts.
 */
#include "client/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cloud.h"
#include "client/secret_int.h"
#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "lib/be.h"
#include "lib/err.h"
#include "lib/log.h"

#define SECRET_READ_MAX 512		/* random ids in one read receipt */

/* ------------------------------------------------------------ outbox */

/*
 * The secret outbox (store_secret_env): an envelope is stored with the
 * ratchet state that made it, goes out oldest first, one at a time, and
 * is removed with the answer. A resend is the same bytes under the same
 * random_id, which the server dedupes (the relay answers it as the first
 * time and queues nothing).
 */

static void
secret_sendw_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Ends w: unlinks it, closes its timer, then tells its caller. */
void
secret__sendw_end(struct secret *s, struct secret_sendw *w, int err,
    const char *why)
{
	struct secret_sendw **pp;
	secret_done_fn *cb = w->cb;
	void *ud = w->ud;
	uint64_t id = w->id;

	for (pp = &s->senders; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	uv_timer_stop(&w->timer);
	uv_close((uv_handle_t *)&w->timer, secret_sendw_closed);
	if (cb != NULL)
		cb(ud, err, why != NULL ? why : "", id);
}

static void
secret_sendw_timeout(uv_timer_t *t)
{
	struct secret_sendw *w = t->data;

	secret__sendw_end(w->s, w, ERR_AGAIN, "the message is queued and goes "
	    "out once the server is reached");
}

/* Answers every send waiting for (secret_id, random_id; 0: any). */
void
secret__sendw_answer(struct secret *s, uint64_t secret_id, uint64_t random_id,
    int err, const char *why)
{
	struct secret_sendw *w;

	for (;;) {
		for (w = s->senders; w != NULL; w = w->next)
			if (w->secret_id == secret_id && (random_id == 0 ||
			    w->random_id == random_id))
				break;
		if (w == NULL)
			return;
		secret__sendw_end(s, w, err, why);
	}
}

/*
 * The server could not store k's message (its disk is full): its sender
 * is told so, as queued (ERR_AGAIN), while the outbox keeps trying.
 */
static void
secret_sendw_deferred(struct secret *s, const struct secret_call *k,
    const char *why)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "the server could not store messages: %s; "
	    "the message is queued and goes out once it can",
	    why != NULL && why[0] != '\0' ? why : err_str(ERR_NO_SPACE));
	secret__sendw_answer(s, k->secret_id, k->random_id, ERR_AGAIN, msg);
}

static void
secret_ob_kick_cb(uv_timer_t *t)
{
	struct secret *s = t->data;
	struct secret_waiter *w;
	uint64_t n = 1;
	size_t nw, i;

	if (store_secret_outbox_count(s->st, &n) != 0 || n > 0)
		return;
	w = s->flushw;
	nw = s->n_flushw;
	s->flushw = NULL;
	s->n_flushw = 0;
	for (i = 0; i < nw; i++)
		w[i].cb(w[i].ud, 0, "", 0);
	free(w);
}

int
secret_when_flushed(struct secret *s, secret_done_fn *cb, void *ud)
{
	struct secret_waiter *w;

	if (s->freeing)
		return ERR_CLOSED;
	if ((w = realloc(s->flushw, (s->n_flushw + 1) * sizeof(*w))) == NULL)
		return ERR_NOMEM;
	s->flushw = w;
	w[s->n_flushw].cb = cb;
	w[s->n_flushw].ud = ud;
	s->n_flushw++;
	uv_timer_start(&s->ob_kick, secret_ob_kick_cb, 0, 0);
	return 0;
}

int
secret_outbox_count(struct secret *s, uint64_t *n)
{
	return store_secret_outbox_count(s->st, n);
}

void
secret__ob_flush(struct secret *s)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SendSecret ss = SOTTO__SEND_SECRET__INIT;
	struct store_secret_env e;
	struct secret_call *k;
	int r;

	if (s->freeing || !s->ready || s->ob_busy ||
	    uv_is_active((uv_handle_t *)&s->ob_retry))
		return;
	if ((r = store_secret_outbox_first(s->st, &e)) == ERR_NOT_FOUND) {
		uv_timer_start(&s->ob_kick, secret_ob_kick_cb, 0, 0);
		return;
	}
	if (r != 0) {
		log_error_err(r, "secret chats: cannot read the outbox");
		return;
	}
	(void)store_secret_outbox_attempt(s->st, e.seq);
	ss.secret_id = e.secret_id;
	ss.random_id = e.random_id;
	ss.data.len = e.len;
	ss.data.data = e.data;
	req.method_case = SOTTO__REQUEST__METHOD_SEND_SECRET;
	req.send_secret = &ss;
	/* No timeout: the answer comes, or the connection drops. */
	if ((r = secret__call(s, SC_OUTBOX, &req, 0, NULL, NULL, &k)) == 0) {
		k->secret_id = e.secret_id;
		k->random_id = e.random_id;
		k->id = e.msg_id;
		s->ob_busy = 1;
	} else
		log_warn_err(r, "secret chats: cannot send a queued message");
	store_secret_env_free(&e);
}

static void
secret_ob_retry_cb(uv_timer_t *t)
{
	secret__ob_flush(t->data);
}

/* Reports our message id of chat secret_id as kind (n: an error). */
struct secret_ob_ev {
	struct secret *s;
	const struct store_secret_chat *chat;
	enum secret_ev kind;
	uint64_t n;
};

static int
secret_ob_ev_cb(void *ud, const struct store_secret_msg *m)
{
	struct secret_ob_ev *x = ud;

	secret__emit(x->s, x->kind, x->chat, m, x->n);
	return 0;
}

/*
 * The answer to envelope (secret_id, random_id) of message msg_id is
 * final: the envelope goes and the message takes state, in one
 * transaction. Then the listener hears kind (n: the error).
 */
static int
secret_ob_settle(struct secret *s, const struct secret_call *k, int state,
    enum secret_ev kind, uint64_t n)
{
	struct store_secret_chat c;
	struct secret_ob_ev x;
	int r;

	if ((r = store_begin(s->st)) != 0)
		return r;
	if ((r = store_secret_outbox_remove(s->st, k->secret_id, k->random_id,
	    NULL)) != 0 || (k->id != 0 && (r = store_secret_set_msg_state(s->st,
	    k->id, state)) != 0) || (r = store_commit(s->st)) != 0) {
		store_rollback(s->st);
		return r;
	}
	if (store_secret_get_chat(s->st, k->secret_id, 0, &c) != 0)
		return 0;
	x.s = s;
	x.chat = &c;
	x.kind = kind;
	x.n = n;
	if (k->id == 0 || store_secret_get_msg(s->st, k->id, secret_ob_ev_cb,
	    &x) != 0)
		secret__emit(s, kind, &c, NULL, n);
	return 0;
}

/* The server no longer has the chat for this device: close it here. */
static int
secret_ob_gone(struct secret *s, const struct secret_call *k)
{
	struct store_secret_chat c;
	int r;

	if ((r = store_secret_get_chat(s->st, k->secret_id, 0, &c)) != 0)
		return r == ERR_NOT_FOUND ? 0 : r;
	if ((r = store_begin(s->st)) != 0)
		return r;
	if ((r = store_secret_delete_chat(s->st, c.secret_id)) != 0 ||
	    (r = store_commit(s->st)) != 0) {
		store_rollback(s->st);
		return r;
	}
	log_warn("secret chat %llu: the server no longer has it (the peer's "
	    "device is gone or it was closed); closed here",
	    (unsigned long long)c.secret_id);
	c.state = STORE_SECRET_CLOSED;
	secret__emit(s, SECRET_EV_FAILED, &c, NULL, (uint64_t)-ERR_NOT_FOUND);
	secret__emit(s, SECRET_EV_GONE, &c, NULL, 0);
	return 0;
}

/* A refusal that no resend can change. */
static int
secret_ob_final(int err)
{
	return err == ERR_INVAL || err == ERR_PERM || err == ERR_TOO_BIG;
}

void
secret__ob_answer(struct secret *s, const struct secret_call *k, int err,
    const Sotto__Response *resp, const char *why)
{
	int stale = k->gen != s->gen, r;
	unsigned wait;

	if (s->freeing)
		return;		/* resent next time; the server dedupes */
	if (!stale)
		s->ob_busy = 0;
	if (err == 0) {
		if ((r = secret_ob_settle(s, k, STORE_SECRET_MSG_SENT,
		    SECRET_EV_SENT, 0)) != 0) {
			log_error_err(r, "secret chats: cannot record an "
			    "acknowledgement (the message goes again)");
			return;
		}
		secret__sendw_answer(s, k->secret_id, k->random_id, 0, "");
	} else if (err == ERR_NOT_FOUND) {
		if ((r = secret_ob_gone(s, k)) != 0) {
			log_error_err(r, "secret chats: cannot close a chat "
			    "the server no longer has");
			return;
		}
		secret__sendw_answer(s, k->secret_id, 0, ERR_NOT_FOUND,
		    "the peer's device is gone or the chat was closed; the "
		    "chat is closed here; start a new secret chat");
	} else if (secret_ob_final(err)) {
		log_warn_err(err, "secret chat %llu: a message was refused",
		    (unsigned long long)k->secret_id);
		if ((r = secret_ob_settle(s, k, STORE_SECRET_MSG_FAILED,
		    SECRET_EV_FAILED, (uint64_t)-err)) != 0) {
			log_error_err(r, "secret chats: cannot drop a refused "
			    "message");
			return;
		}
		secret__sendw_answer(s, k->secret_id, k->random_id, err, why);
	} else if ((err == ERR_RATE_LIMITED || err == ERR_NO_SPACE) &&
	    !stale && s->ready) {
		/* The sender hears at once why; the message waits here. */
		if (err == ERR_NO_SPACE)
			secret_sendw_deferred(s, k, why);
		wait = resp != NULL && resp->error != NULL ?
		    resp->error->retry_after : 1;
		uv_timer_start(&s->ob_retry, secret_ob_retry_cb,
		    (uint64_t)(wait > 0 ? wait : 1) * 1000, 0);
		return;
	} else {
		/* A lost connection and the like: sent again on the next. */
		log_info("secret chat %llu: message %016llx kept for later "
		    "(%s)", (unsigned long long)k->secret_id,
		    (unsigned long long)k->random_id, err_name(err));
		return;
	}
	if (!stale)
		secret__ob_flush(s);
}

/* ------------------------------------------------------------- send */

/*
 * Encrypts payload pt for chat c and, in one transaction (the caller's,
 * begun), stores the new ratchet state, m (unless NULL; queued) and the
 * envelope in the outbox; then the outbox sends it. cb hears the
 * server's answer (id: m's id, else id_for_cb), or ERR_AGAIN after
 * timeout_ms (0: none) while it is still queued. The transaction is
 * always ended here.
 */
static int
secret_encrypt_send(struct secret *s, const struct store_secret_chat *c,
    const uint8_t *pt, size_t len, uint64_t random_id,
    struct store_secret_msg *m, uint64_t timeout_ms, secret_done_fn *cb,
    void *ud, uint64_t id_for_cb)
{
	struct store_secret_env env;
	struct ratchet *rt = NULL;
	struct secret_sendw *w = NULL;
	uint8_t *blob = NULL, *ct = NULL;
	size_t blen, ctlen;
	int r;

	/* Taken first: once committed, nothing may fail but the send. */
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (blob = sec_alloc(RATCHET_BLOB_MAX)) == NULL ||
	    (ct = malloc(len + RATCHET_OVERHEAD)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = store_secret_get_ratchet(s->st, c->secret_id, c->peer_device,
	    blob, RATCHET_BLOB_MAX, &blen)) != 0 ||
	    (r = ratchet_deserialize(&rt, blob, blen)) != 0 ||
	    (r = ratchet_encrypt(rt, pt, len, ct, len + RATCHET_OVERHEAD,
	    &ctlen)) != 0 ||
	    (r = ratchet_serialize(rt, blob, RATCHET_BLOB_MAX, &blen)) != 0)
		goto out;
	if (m != NULL)
		m->state = STORE_SECRET_MSG_QUEUED;
	memset(&env, 0, sizeof(env));
	env.secret_id = c->secret_id;
	env.peer_device = c->peer_device;
	env.random_id = random_id;
	env.data = ct;
	env.len = ctlen;
	env.created = secret__now();
	if ((r = store_secret_set_ratchet(s->st, c->secret_id,
	    c->peer_device, blob, blen)) != 0 ||
	    (m != NULL && (r = store_secret_add_msg(s->st, m)) != 0))
		goto out;
	env.msg_id = m != NULL ? m->id : 0;
	if ((r = store_secret_outbox_add(s->st, &env)) != 0 ||
	    (r = store_commit(s->st)) != 0)
		goto out;
	/* Stored: from here on the outbox delivers it, whatever happens. */
	w->s = s;
	w->cb = cb;
	w->ud = ud;
	w->secret_id = c->secret_id;
	w->random_id = random_id;
	w->id = m != NULL ? m->id : id_for_cb;
	uv_timer_init(s->loop, &w->timer);
	w->timer.data = w;
	if (timeout_ms > 0)
		uv_timer_start(&w->timer, secret_sendw_timeout, timeout_ms, 0);
	w->next = s->senders;
	s->senders = w;
	w = NULL;
	secret__ob_flush(s);
out:
	if (r != 0)
		store_rollback(s->st);
	ratchet_free(rt);
	sec_free(blob);
	free(ct);
	free(w);
	return r;
}

static int
secret_active(struct secret *s, uint64_t peer_user,
    struct store_secret_chat *c)
{
	return store_secret_find_active(s->st, peer_user, c);
}

int
secret_send(struct secret *s, uint64_t peer_user, const char *text,
    long ttl, uint64_t timeout_ms, secret_done_fn *cb, void *ud)
{
	struct store_secret_chat c;
	struct store_secret_msg m;
	uint8_t *pt = NULL;
	size_t len = strlen(text);
	int r;

	if ((r = cloud_text_check(text, len)) != 0)
		return r;
	if (ttl > SECRET_TTL_MAX)
		return ERR_INVAL;
	if ((r = store_begin(s->st)) != 0)
		return r;
	if ((r = secret_active(s, peer_user, &c)) != 0) {
		store_rollback(s->st);
		return r;
	}
	if ((pt = sec_alloc(13 + len)) == NULL) {
		store_rollback(s->st);
		return ERR_NOMEM;
	}
	memset(&m, 0, sizeof(m));
	m.secret_id = c.secret_id;
	m.random_id = sec_random_u64() >> 1;
	m.out = 1;
	m.text = (char *)text;
	m.date = secret__now();
	m.ttl = ttl < 0 ? c.ttl : (uint32_t)ttl;
	pt[0] = PAY_TEXT;
	be_put_u32(pt + 1, m.ttl);
	be_put_u64(pt + 5, m.random_id);
	memcpy(pt + 13, text, len);
	r = secret_encrypt_send(s, &c, pt, 13 + len, m.random_id, &m,
	    timeout_ms, cb, ud, 0);
	sec_free(pt);
	return r;
}

int
secret_set_ttl(struct secret *s, uint64_t peer_user, uint32_t ttl,
    uint64_t timeout_ms, secret_done_fn *cb, void *ud)
{
	struct store_secret_chat c;
	struct store_secret_msg m;
	uint8_t pt[5];
	char text[64];
	int r;

	if (ttl > SECRET_TTL_MAX)
		return ERR_INVAL;
	if ((r = store_begin(s->st)) != 0)
		return r;
	if ((r = secret_active(s, peer_user, &c)) != 0 ||
	    (r = store_secret_set_ttl(s->st, c.secret_id, ttl)) != 0) {
		store_rollback(s->st);
		return r;
	}
	snprintf(text, sizeof(text), "self-destruct timer set to %lu s",
	    (unsigned long)ttl);
	memset(&m, 0, sizeof(m));
	m.secret_id = c.secret_id;
	m.random_id = sec_random_u64() >> 1;
	m.out = 1;
	m.service = 1;
	m.text = text;
	m.date = secret__now();
	pt[0] = PAY_TTL;
	be_put_u32(pt + 1, ttl);
	return secret_encrypt_send(s, &c, pt, sizeof(pt), m.random_id, &m,
	    timeout_ms, cb, ud, 0);
}

int
secret_mark_read(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud)
{
	struct store_secret_chat c;
	static uint64_t ids[SECRET_READ_MAX];
	static uint8_t pt[9 + 8 * SECRET_READ_MAX];
	size_t n, i;
	int r;

	if ((r = store_begin(s->st)) != 0)
		return r;
	if ((r = store_secret_get_chat(s->st, secret_id, 0, &c)) != 0 ||
	    (r = store_secret_mark_read(s->st, secret_id, secret__now(), ids,
	    SECRET_READ_MAX, &n)) != 0)
		goto fail;
	if (n == 0 || c.state != STORE_SECRET_ACTIVE) {
		if ((r = store_commit(s->st)) != 0)
			goto fail;
		(void)secret_expire(s);
		return secret__done_later(s, cb, ud);
	}
	pt[0] = PAY_READ;
	be_put_u64(pt + 1, secret__now());
	for (i = 0; i < n; i++)
		be_put_u64(pt + 9 + 8 * i, ids[i]);
	r = secret_encrypt_send(s, &c, pt, 9 + 8 * n, sec_random_u64() >> 1,
	    NULL, timeout_ms, cb, ud, n);
	(void)secret_expire(s);
	return r;
fail:
	store_rollback(s->st);
	return r;
}
