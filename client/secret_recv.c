/*
 * Receiving secret chats: the server's per-device queue (qts) fetched
 * page by page and acknowledged only after each entry is committed, the
 * requests, accepts and closes it carries, and the ratchet messages it
 * decrypts (text, read receipts, the self-destruct timer), with the
 * waiters for the end of the queue.
 */
#include "client/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cloud.h"
#include "client/secret_int.h"
#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"
#include "lib/be.h"
#include "lib/err.h"
#include "lib/log.h"

/* ------------------------------------------------------------- queue */

static void
secret_kick_cb(uv_timer_t *t)
{
	struct secret *s = t->data;
	struct secret_waiter *w;
	size_t n, i;

	if (!s->synced && s->sync_err == 0)
		return;
	w = s->waiters;
	n = s->n_waiters;
	s->waiters = NULL;
	s->n_waiters = 0;
	for (i = 0; i < n; i++)
		w[i].cb(w[i].ud, s->sync_err, "", 0);
	free(w);
}

void
secret__set_synced(struct secret *s, int err)
{
	/* A command that ends now leaves the server with our keys. */
	if (err == 0) {
		s->queue_done = 1;
		if (s->publishing)
			return;
	}
	if (err == 0)
		s->synced = 1;
	s->sync_err = err;
	if (!s->freeing)
		uv_timer_start(&s->kick, secret_kick_cb, 0, 0);
	if (err == 0)
		secret__emit(s, SECRET_EV_SYNCED, NULL, NULL, 0);
}

int
secret_when_synced(struct secret *s, secret_done_fn *cb, void *ud)
{
	struct secret_waiter *w;

	if ((w = realloc(s->waiters, (s->n_waiters + 1) * sizeof(*w))) ==
	    NULL)
		return ERR_NOMEM;
	s->waiters = w;
	w[s->n_waiters].cb = cb;
	w[s->n_waiters].ud = ud;
	s->n_waiters++;
	if ((s->synced || s->sync_err != 0) && !s->freeing)
		uv_timer_start(&s->kick, secret_kick_cb, 0, 0);
	return 0;
}

int
secret_synced(const struct secret *s)
{
	return s->synced;
}
int
secret_when_sendable(struct secret *s, uint64_t peer_user, secret_done_fn *cb,
    void *ud)
{
	struct store_secret_chat c;

	if (s->freeing)
		return ERR_CLOSED;
	/* Only a chat not active yet may wait for the queue's accept. */
	if (store_secret_find_active(s->st, peer_user, &c) != 0)
		return secret_when_synced(s, cb, ud);
	return secret__done_later(s, cb, ud);
}
/* What applying one queue entry has to report once it is committed. */
struct secret_applied {
	int kind;			/* -1: nothing */
	struct store_secret_chat chat;
	struct store_secret_msg msg;
	char *text;
	int key_changed;
	struct store_secret_chat old;
};

/*
 * Decrypts data with the chat's ratchet and stores the new state. The
 * plaintext goes to *pt (sec_alloc'ed, the caller's).
 */
static int
secret_decrypt(struct secret *s, const struct store_secret_chat *c,
    const uint8_t *data, size_t len, uint8_t **pt, size_t *ptlen)
{
	struct ratchet *rt = NULL;
	uint8_t *blob = NULL, *out = NULL;
	size_t blen;
	int r;

	*pt = NULL;
	if (len < RATCHET_OVERHEAD + 1)
		return ERR_PROTO;
	if ((blob = sec_alloc(RATCHET_BLOB_MAX)) == NULL ||
	    (out = sec_alloc(len)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = store_secret_get_ratchet(s->st, c->secret_id, c->peer_device,
	    blob, RATCHET_BLOB_MAX, &blen)) != 0 ||
	    (r = ratchet_deserialize(&rt, blob, blen)) != 0 ||
	    (r = ratchet_decrypt(rt, data, len, out, len, ptlen)) != 0 ||
	    (r = ratchet_serialize(rt, blob, RATCHET_BLOB_MAX, &blen)) != 0 ||
	    (r = store_secret_set_ratchet(s->st, c->secret_id,
	    c->peer_device, blob, blen)) != 0)
		goto out;
	*pt = out;
	out = NULL;
out:
	ratchet_free(rt);
	sec_free(blob);
	sec_free(out);
	return r;
}

static int
secret_apply_message(struct secret *s, const Sotto__SecretMessage *m,
    struct secret_applied *a)
{
	struct store_secret_chat c;
	uint8_t *pt = NULL;
	size_t len = 0, i;
	uint64_t date;
	int r;

	if ((r = store_secret_get_chat(s->st, m->secret_id, 0, &c)) != 0)
		return r;
	if (c.state != STORE_SECRET_ACTIVE && c.state !=
	    STORE_SECRET_PENDING_IN)
		return ERR_PROTO;
	if ((r = secret_decrypt(s, &c, m->data.data, m->data.len, &pt,
	    &len)) != 0)
		goto out;
	if (c.state == STORE_SECRET_PENDING_IN) {
		/* Our accept went through though its answer was lost. */
		if ((r = store_secret_set_state(s->st, c.secret_id,
		    c.peer_device, STORE_SECRET_ACTIVE)) != 0 ||
		    (c.opk_id != 0 && (r = store_secret_del_opk(s->st,
		    c.opk_id)) != 0))
			goto out;
		c.state = STORE_SECRET_ACTIVE;
	}
	a->chat = c;
	memset(&a->msg, 0, sizeof(a->msg));
	a->msg.secret_id = c.secret_id;
	a->msg.date = m->date != 0 ? m->date : secret__now();
	switch (pt[0]) {
	case PAY_TEXT:
		if (len < 13 || cloud_text_check((const char *)pt + 13,
		    len - 13) != 0) {
			r = ERR_PROTO;
			goto out;
		}
		a->msg.ttl = be_get_u32(pt + 1);
		a->msg.random_id = be_get_u64(pt + 5);
		if ((a->text = malloc(len - 13 + 1)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		memcpy(a->text, pt + 13, len - 13);
		a->text[len - 13] = '\0';
		a->msg.text = a->text;
		if (a->msg.ttl > SECRET_TTL_MAX)
			a->msg.ttl = SECRET_TTL_MAX;
		r = store_secret_add_msg(s->st, &a->msg);
		a->kind = SECRET_EV_MESSAGE;
		break;
	case PAY_READ:
		if (len < 9 || (len - 9) % 8 != 0) {
			r = ERR_PROTO;
			goto out;
		}
		/* Their clock may be off: never count from the future. */
		date = be_get_u64(pt + 1);
		if (date > secret__now())
			date = secret__now();
		for (i = 9; r == 0 && i < len; i += 8)
			r = store_secret_peer_read(s->st, c.secret_id,
			    be_get_u64(pt + i), date);
		a->kind = SECRET_EV_READ;
		break;
	case PAY_TTL:
		if (len != 5) {
			r = ERR_PROTO;
			goto out;
		}
		a->chat.ttl = be_get_u32(pt + 1);
		if (a->chat.ttl > SECRET_TTL_MAX)
			a->chat.ttl = SECRET_TTL_MAX;
		if ((a->text = malloc(64)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		snprintf(a->text, 64, "self-destruct timer set to %lu s",
		    (unsigned long)a->chat.ttl);
		/* The notice itself never self-destructs (ttl 0). */
		a->msg.text = a->text;
		a->msg.service = 1;
		a->msg.random_id = m->random_id;
		if ((r = store_secret_set_ttl(s->st, c.secret_id,
		    a->chat.ttl)) == 0)
			r = store_secret_add_msg(s->st, &a->msg);
		a->kind = SECRET_EV_MESSAGE;
		break;
	default:
		r = ERR_PROTO;		/* a newer client's payload */
		break;
	}
out:
	if (pt != NULL)
		sec_free(pt);
	return r;
}

/* Applies one queue entry inside the caller's transaction. */
static int
secret_apply(struct secret *s, const Sotto__Update *u,
    struct secret_applied *a)
{
	const Sotto__SecretRequested *rq;
	const Sotto__SecretAccepted *ac;
	struct store_secret_chat c;
	struct store_user usr;
	int r;

	switch (u->event_case) {
	case SOTTO__UPDATE__EVENT_SECRET_REQUESTED:
		rq = u->secret_requested;
		if (rq->from == NULL || rq->identity_key.len != X3DH_KEY_LEN ||
		    rq->ephemeral_key.len != X3DH_KEY_LEN || rq->secret_id == 0)
			return ERR_PROTO;
		if ((r = secret__check_ik(s, rq->from->id, rq->from_device_id,
		    rq->secret_id, rq->identity_key.data, &a->old,
		    &a->key_changed)) != 0)
			return r;
		if (store_get_user(s->st, rq->from->id, &usr) == 0)
			store_user_free(&usr);
		else {
			memset(&usr, 0, sizeof(usr));
			usr.id = rq->from->id;
			usr.username = rq->from->username;
			usr.display_name = rq->from->display_name;
			if ((r = store_put_user(s->st, &usr)) != 0)
				return r;
		}
		memset(&c, 0, sizeof(c));
		c.secret_id = rq->secret_id;
		c.peer_user = rq->from->id;
		c.peer_device = rq->from_device_id;
		memcpy(c.peer_ik, rq->identity_key.data, X3DH_KEY_LEN);
		c.state = STORE_SECRET_PENDING_IN;
		c.ttl = rq->ttl > SECRET_TTL_MAX ? SECRET_TTL_MAX : rq->ttl;
		c.initiator = 0;
		c.created = secret__now();
		memcpy(c.ek, rq->ephemeral_key.data, X3DH_KEY_LEN);
		c.spk_id = rq->spk_id;
		c.opk_id = rq->opk_id;
		if ((r = store_secret_put_chat(s->st, &c, NULL, 0)) != 0)
			return r;
		a->chat = c;
		a->kind = SECRET_EV_REQUEST;
		return 0;
	case SOTTO__UPDATE__EVENT_SECRET_ACCEPTED:
		ac = u->secret_accepted;
		if ((r = store_secret_get_chat(s->st, ac->secret_id,
		    ac->device_id, &c)) != 0)
			return r;
		if (c.state != STORE_SECRET_PENDING_OUT)
			return 0;
		if (ac->identity_key.len != X3DH_KEY_LEN ||
		    !sec_equal(ac->identity_key.data, c.peer_ik,
		    X3DH_KEY_LEN)) {
			log_warn("secret chat %llu: the accepting device's "
			    "identity key is not the one its bundle named; "
			    "the chat is closed",
			    (unsigned long long)c.secret_id);
			a->key_changed = 1;
			a->old = c;
			if ((r = secret__warn(s, c.peer_user, c.peer_device,
			    c.secret_id)) != 0)
				return r;
			return store_secret_delete_chat(s->st, c.secret_id);
		}
		if ((r = store_secret_set_state(s->st, c.secret_id,
		    c.peer_device, STORE_SECRET_ACTIVE)) != 0 ||
		    (r = store_secret_drop_others(s->st, c.secret_id,
		    c.peer_device)) != 0)
			return r;
		c.state = STORE_SECRET_ACTIVE;
		a->chat = c;
		a->kind = SECRET_EV_ACCEPTED;
		return 0;
	case SOTTO__UPDATE__EVENT_SECRET_DECLINED:
	case SOTTO__UPDATE__EVENT_SECRET_DROPPED:
	case SOTTO__UPDATE__EVENT_SECRET_CLOSED:
		/* The three carry the secret_id first. */
		r = store_secret_get_chat(s->st, u->event_case ==
		    SOTTO__UPDATE__EVENT_SECRET_DECLINED ?
		    u->secret_declined->secret_id : u->event_case ==
		    SOTTO__UPDATE__EVENT_SECRET_DROPPED ?
		    u->secret_dropped->secret_id : u->secret_closed->secret_id,
		    0, &c);
		if (r != 0)
			return r;
		if ((r = store_secret_delete_chat(s->st, c.secret_id)) != 0)
			return r;
		c.state = STORE_SECRET_CLOSED;
		a->chat = c;
		a->kind = SECRET_EV_GONE;
		return 0;
	case SOTTO__UPDATE__EVENT_SECRET_MESSAGE:
		return secret_apply_message(s, u->secret_message, a);
	default:
		return 0;		/* nothing this client knows */
	}
}

/*
 * Applies entry u and moves qts to it, in one transaction, then reports.
 * An entry that cannot be applied (it does not decrypt, names no chat
 * here) is skipped; only a store failure stops (ERR_DB).
 */
static int
secret_apply_one(struct secret *s, const Sotto__Update *u)
{
	struct secret_applied a;
	uint64_t qts;
	int r;

	memset(&a, 0, sizeof(a));
	a.kind = -1;
	if ((r = store_begin(s->st)) != 0)
		return r;
	/* Another process of this profile may have applied it meanwhile. */
	if ((r = store_get_qts(s->st, &qts)) != 0 || u->qts <= qts) {
		store_rollback(s->st);
		return r;
	}
	r = secret_apply(s, u, &a);
	if (r != 0) {
		store_rollback(s->st);
		free(a.text);
		memset(&a, 0, sizeof(a));
		a.kind = -1;
		/* Kept for the next try: nothing is lost to a full disk. */
		if (r == ERR_NOMEM || r == ERR_DB || r == ERR_IO ||
		    r == ERR_NO_SPACE || r == ERR_READ_ONLY ||
		    r == ERR_ACCESS || r == ERR_DAMAGED)
			return r;
		log_warn_err(r, "secret queue entry %llu (event %d) skipped",
		    (unsigned long long)u->qts, (int)u->event_case);
		if ((r = store_begin(s->st)) != 0)
			return r;
	}
	if ((r = store_set_qts(s->st, u->qts)) != 0 ||
	    (r = store_commit(s->st)) != 0) {
		store_rollback(s->st);
		free(a.text);
		return r;
	}
	if (a.key_changed)
		secret__emit(s, SECRET_EV_KEY_CHANGED, &a.old, NULL, 0);
	if (a.kind == SECRET_EV_GONE)
		secret__sendw_answer(s, a.chat.secret_id, 0, ERR_NOT_FOUND,
		    "the secret chat was closed (the peer's device is gone "
		    "or the peer closed it); start a new secret chat");
	if (a.kind >= 0)
		secret__emit(s, (enum secret_ev)a.kind, &a.chat,
		    a.kind == SECRET_EV_MESSAGE ? &a.msg : NULL, 0);
	free(a.text);
	if (a.kind == SECRET_EV_READ)
		(void)secret_expire(s);
	return 0;
}

/*
 * Acknowledges the entries up to qts. then: 0 nothing more, 1 the queue
 * is done, 2 fetch the next page, once the server answered.
 */
static void
secret_ack(struct secret *s, uint64_t qts, int then)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__AckSecret m = SOTTO__ACK_SECRET__INIT;
	struct secret_call *k;
	int r;

	m.qts = qts;
	req.method_case = SOTTO__REQUEST__METHOD_ACK_SECRET;
	req.ack_secret = &m;
	if ((r = secret__call(s, SC_ACK, &req, SECRET_CALL_MS, NULL, NULL,
	    &k)) != 0) {
		if (then != 0)
			secret__set_synced(s, r);
		return;
	}
	k->id = (uint64_t)then;
	if (then != 0)
		s->fetching = 1;
}

void
secret__fetch(struct secret *s)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetSecretQueue m = SOTTO__GET_SECRET_QUEUE__INIT;
	uint64_t qts;
	int r;

	if (!s->ready || s->fetching || s->freeing)
		return;
	if ((r = store_get_qts(s->st, &qts)) != 0) {
		secret__set_synced(s, r);
		return;
	}
	m.qts = qts;
	m.limit = SECRET_QUEUE_PAGE;
	req.method_case = SOTTO__REQUEST__METHOD_GET_SECRET_QUEUE;
	req.get_secret_queue = &m;
	if ((r = secret__call(s, SC_QUEUE, &req, SECRET_CALL_MS, NULL, NULL,
	    NULL)) != 0) {
		secret__set_synced(s, r);
		return;
	}
	s->fetching = 1;
}

void
secret__on_queue(struct secret *s, const Sotto__SecretQueue *q)
{
	uint64_t qts, last = 0;
	size_t i;
	int r;

	if ((r = store_get_qts(s->st, &qts)) != 0) {
		secret__set_synced(s, r);
		return;
	}
	for (i = 0; i < q->n_updates; i++) {
		if (q->updates[i]->qts <= qts)
			continue;
		if ((r = secret_apply_one(s, q->updates[i])) != 0) {
			secret__set_synced(s, r);
			return;
		}
		qts = last = q->updates[i]->qts;
	}
	if (last != 0) {
		/* The next page (or the end) once the server has the ack. */
		secret_ack(s, last, q->more ? 2 : 1);
		return;
	}
	if (!s->synced)
		secret__set_synced(s, 0);
}

void
secret_on_update(struct secret *s, const Sotto__Update *u)
{
	uint64_t qts;

	if (u->qts == 0 || s->freeing || !s->ready)
		return;
	if (s->fetching || !s->queue_done)
		return;		/* the answer in flight carries it */
	if (store_get_qts(s->st, &qts) != 0)
		return;
	if (u->qts <= qts)
		return;
	if (u->qts != qts + 1) {
		secret__fetch(s);	/* a gap: ask for the queue */
		return;
	}
	if (secret_apply_one(s, u) == 0)
		secret_ack(s, u->qts, 0);
}
