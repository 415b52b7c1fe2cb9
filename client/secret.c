/*
 * Secret chats on the client. See client/secret.h for what it does and
 * DESIGN.md section 6 for the protocol.
 */
#include "client/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cloud.h"
#include "client/json.h"
#include "lib/log.h"
#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"
#include "lib/err.h"

#define SECRET_CALL_MS 30000		/* the module's own calls */
#define SECRET_READ_MAX 512		/* random ids in one read receipt */

enum secret_payload {
	PAY_TEXT = 1,
	PAY_READ = 2,
	PAY_TTL = 3,
};

struct secret_waiter {
	secret_done_fn *cb;
	void *ud;
};

/* A send waiting for the server's answer to its envelope. */
struct secret_sendw {
	struct secret_sendw *next;
	struct secret *s;
	uv_timer_t timer;		/* its timeout: ERR_AGAIN, still queued */
	secret_done_fn *cb;
	void *ud;
	uint64_t secret_id;
	uint64_t random_id;
	uint64_t id;			/* for cb */
};

struct secret {
	uv_loop_t *loop;
	struct engine *e;
	struct store *st;
	uv_timer_t timer;		/* the next self-destruct */
	uv_timer_t kick;		/* completes waiters on a fresh turn */
	secret_event_fn *fn;
	void *fn_ud;
	/* Subscribers besides the listener (the TUI), see secret_subscribe. */
	struct secret_sub {
		secret_event_fn *fn;
		void *ud;
	} subs[SECRET_SUBS_MAX];
	size_t nsubs;

	int ready;			/* welcomed and logged in */
	int fetching;			/* a GetSecretQueue is in flight */
	int publishing;			/* our keys are on their way */
	int queue_done;			/* the queue is processed and acked */
	int synced;
	int sync_err;
	uint64_t gen;			/* counts connections */
	struct secret_waiter *waiters;
	size_t n_waiters;

	/* The secret outbox: one envelope on the wire at a time. */
	int ob_busy;
	uv_timer_t ob_retry;		/* after a rate limit */
	uv_timer_t ob_kick;		/* tells flush waiters on a fresh turn */
	struct secret_sendw *senders;
	struct secret_waiter *flushw;	/* secret_when_flushed */
	size_t n_flushw;

	int freeing;
	unsigned closing;
	void (*done)(void *);
	void *done_ud;
};

enum secret_call_kind {
	SC_PUBLISH,
	SC_REFILL,
	SC_QUEUE,
	SC_ACK,
	SC_BUNDLES,
	SC_START,
	SC_ACCEPT,
	SC_DECLINE,
	SC_CLOSE,
	SC_PLAIN,
	SC_OUTBOX,
};

struct secret_call {
	struct secret *s;
	enum secret_call_kind kind;
	secret_done_fn *cb;
	void *ud;
	uint64_t gen;
	uint64_t secret_id;
	uint64_t peer_user;
	uint64_t id;
	uint64_t random_id;		/* SC_OUTBOX: the envelope */
	uint32_t ttl;
	uint64_t timeout_ms;
};

static uint64_t
secret_now(void)
{
	return (uint64_t)time(NULL);
}

static void
secret_emit(struct secret *s, enum secret_ev kind,
    const struct store_secret_chat *c, const struct store_secret_msg *m,
    uint64_t n)
{
	struct secret_event ev;
	secret_event_fn *fn;
	void *fud;
	size_t i;

	if (s->freeing)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.chat = c;
	ev.msg = m;
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

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

/* ------------------------------------------------------------- calls */

static void secret_reply(void *ud, int err, const Sotto__Response *resp);
static void secret_ob_flush(struct secret *s);
static void secret_sendw_answer(struct secret *, uint64_t, uint64_t, int,
    const char *);

/* Sends req; the call (heap) is freed by secret_reply. */
static int
secret_call(struct secret *s, enum secret_call_kind kind,
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
	if ((r = engine_call(s->e, req, timeout_ms, secret_reply, k)) != 0) {
		free(k);
		return r;
	}
	if (out != NULL)
		*out = k;
	return 0;
}

/* -------------------------------------------------------------- keys */

/*
 * Loads this device's identity into id (sec_alloc'ed by the caller),
 * making one on first need, and the current signed prekey into *spk,
 * rotating it when it is a week old. Runs inside no transaction of its
 * own callers' (it takes one).
 */
static int
secret_keys(struct secret *s, struct x3dh_identity *id, struct store_spk *spk)
{
	struct x3dh_keypair *kp = NULL;
	uint64_t now = secret_now();
	int r;

	if ((r = store_begin(s->st)) != 0)
		return r;
	r = store_secret_get_identity(s->st, id->sk, id->pub);
	if (r == ERR_NOT_FOUND) {
		if ((r = x3dh_identity_new(id)) == 0)
			r = store_secret_set_identity(s->st, id->sk, id->pub);
	}
	if (r != 0)
		goto out;
	r = store_secret_current_spk(s->st, spk, NULL);
	if (r == 0 && spk->created + SECRET_SPK_ROTATE > now)
		goto out;
	if (r != 0 && r != ERR_NOT_FOUND)
		goto out;
	if ((kp = sec_alloc(sizeof(*kp))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	spk->id = r == 0 ? spk->id + 1 : 1;
	spk->created = now;
	if ((r = x3dh_keypair_new(kp)) != 0 ||
	    (r = x3dh_sign_prekey(spk->sig, id, kp->pub)) != 0)
		goto out;
	memcpy(spk->pub, kp->pub, sizeof(spk->pub));
	if ((r = store_secret_put_spk(s->st, spk, kp->priv)) != 0)
		goto out;
	/* The old one answers late requests for the grace period. */
	r = store_secret_prune_spk(s->st, now - SECRET_SPK_ROTATE -
	    SECRET_SPK_GRACE);
out:
	sec_free(kp);
	if (r == 0)
		r = store_commit(s->st);
	if (r != 0) {
		store_rollback(s->st);
		sec_wipe(id, sizeof(*id));
	}
	return r;
}

/*
 * Publishes the identity and the signed prekey, with n fresh one-time
 * prekeys (stored first, in one transaction).
 */
static int
secret_publish(struct secret *s, enum secret_call_kind kind, uint32_t n)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__PublishPrekeys m = SOTTO__PUBLISH_PREKEYS__INIT;
	Sotto__OneTimePrekey *opks = NULL, **popks = NULL;
	uint8_t *pubs = NULL;
	struct x3dh_identity *id = NULL;
	struct x3dh_keypair *kp = NULL;
	struct store_spk spk;
	uint32_t max, i;
	int r;

	if ((id = sec_alloc(sizeof(*id))) == NULL ||
	    (kp = sec_alloc(sizeof(*kp))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = secret_keys(s, id, &spk)) != 0)
		goto out;
	if (n > 0) {
		if ((opks = calloc(n, sizeof(*opks))) == NULL ||
		    (popks = calloc(n, sizeof(*popks))) == NULL ||
		    (pubs = malloc((size_t)n * X3DH_KEY_LEN)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		if ((r = store_begin(s->st)) != 0)
			goto out;
		if ((r = store_secret_max_opk_id(s->st, &max)) != 0)
			goto fail_tx;
		for (i = 0; i < n; i++) {
			if ((r = x3dh_keypair_new(kp)) != 0 ||
			    (r = store_secret_add_opk(s->st, max + 1 + i,
			    kp->priv, kp->pub)) != 0)
				goto fail_tx;
			sotto__one_time_prekey__init(&opks[i]);
			opks[i].id = max + 1 + i;
			memcpy(pubs + (size_t)i * X3DH_KEY_LEN, kp->pub,
			    X3DH_KEY_LEN);
			opks[i].key.len = X3DH_KEY_LEN;
			opks[i].key.data = pubs + (size_t)i * X3DH_KEY_LEN;
			popks[i] = &opks[i];
		}
		if ((r = store_commit(s->st)) != 0)
			goto fail_tx;
	}
	m.identity_key.len = X3DH_KEY_LEN;
	m.identity_key.data = id->pub;
	m.spk_id = spk.id;
	m.spk.len = X3DH_KEY_LEN;
	m.spk.data = spk.pub;
	m.spk_signature.len = X3DH_SIG_LEN;
	m.spk_signature.data = spk.sig;
	m.n_opks = n;
	m.opks = popks;
	req.method_case = SOTTO__REQUEST__METHOD_PUBLISH_PREKEYS;
	req.publish_prekeys = &m;
	r = secret_call(s, kind, &req, SECRET_CALL_MS, NULL, NULL, NULL);
	goto out;
fail_tx:
	store_rollback(s->st);
out:
	sec_free(id);
	sec_free(kp);
	free(opks);
	free(popks);
	free(pubs);
	return r;
}

/* ------------------------------------------------------------- queue */

static void secret_fetch(struct secret *s);

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

static void
secret_set_synced(struct secret *s, int err)
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
		secret_emit(s, SECRET_EV_SYNCED, NULL, NULL, 0);
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

static void
secret_zero_cb(uv_timer_t *t)
{
	struct secret_call *k = t->data;

	uv_close((uv_handle_t *)t, (uv_close_cb)free);
	k->cb(k->ud, 0, "", 0);
	free(k);
}

/* Runs cb(ud, 0, "", 0) on the next loop turn. 0 or ERR_NOMEM. */
static int
secret_done_later(struct secret *s, secret_done_fn *cb, void *ud)
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
	return secret_done_later(s, cb, ud);
}

/*
 * Tells the server (and so the peer) that chat secret_id is closed; the
 * answer does not matter, the chat is already gone here.
 */
static void
secret_close_quietly(struct secret *s, uint64_t secret_id)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__CloseSecret m = SOTTO__CLOSE_SECRET__INIT;

	m.secret_id = secret_id;
	req.method_case = SOTTO__REQUEST__METHOD_CLOSE_SECRET;
	req.close_secret = &m;
	(void)secret_call(s, SC_PLAIN, &req, SECRET_CALL_MS, NULL, NULL, NULL);
}

/* Whether any other chat with the same peer device has another key. */
struct secret_ikcheck {
	uint64_t peer_user, peer_device, skip_secret;
	const uint8_t *ik;
	uint64_t found[16];
	size_t n;
};

static int
secret_ikcheck_cb(void *ud, const struct store_secret_chat *c)
{
	struct secret_ikcheck *k = ud;
	size_t i;

	if (c->peer_user != k->peer_user || c->peer_device != k->peer_device ||
	    c->secret_id == k->skip_secret ||
	    sec_equal(c->peer_ik, k->ik, X3DH_KEY_LEN))
		return 0;
	for (i = 0; i < k->n; i++)
		if (k->found[i] == c->secret_id)
			return 0;
	if (k->n < sizeof(k->found) / sizeof(k->found[0]))
		k->found[k->n++] = c->secret_id;
	return 0;
}

/*
 * The peer device's identity key is ik: any chat that knew another key
 * for it is closed (locally here, CloseSecret best-effort) with a loud
 * warning. With no such chat left, the key remembered from the last one
 * (closed or not) is compared: a difference is as loud, and *old then
 * names secret_id 0. Never re-keys silently.
 */
/*
 * Records a key change (in the caller's transaction) so that the warning
 * outlives the run: the TUI and --secret-list show it until the user
 * starts a new chat with the peer or dismisses it.
 */
static int
secret_warn(struct secret *s, uint64_t peer_user, uint64_t peer_device,
    uint64_t secret_id)
{
	struct store_secret_warning w;

	memset(&w, 0, sizeof(w));
	w.peer_user = peer_user;
	w.peer_device = peer_device;
	w.secret_id = secret_id;
	w.date = secret_now();
	return store_secret_warn_add(s->st, &w);
}

static int
secret_check_ik(struct secret *s, uint64_t peer_user, uint64_t peer_device,
    uint64_t skip_secret, const uint8_t *ik,
    struct store_secret_chat *old, int *changed)
{
	struct secret_ikcheck k;
	size_t i;
	int r;

	memset(&k, 0, sizeof(k));
	k.peer_user = peer_user;
	k.peer_device = peer_device;
	k.skip_secret = skip_secret;
	k.ik = ik;
	*changed = 0;
	if ((r = store_secret_list_chats(s->st, secret_ikcheck_cb, &k)) != 0)
		return r;
	for (i = 0; i < k.n; i++) {
		if (i == 0 && store_secret_get_chat(s->st, k.found[i], 0,
		    old) == 0)
			*changed = 1;
		log_warn("the identity key of user %llu device %llu CHANGED; "
		    "secret chat %llu is closed", (unsigned long long)peer_user,
		    (unsigned long long)peer_device,
		    (unsigned long long)k.found[i]);
		if ((r = secret_warn(s, peer_user, peer_device,
		    k.found[i])) != 0 ||
		    (r = store_secret_delete_chat(s->st, k.found[i])) != 0)
			return r;
		secret_close_quietly(s, k.found[i]);
	}
	if (k.n > 0)
		return 0;
	memset(old, 0, sizeof(*old));
	r = store_secret_peer_key(s->st, peer_user, peer_device, old->peer_ik);
	if (r == ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	if (!sec_equal(old->peer_ik, ik, X3DH_KEY_LEN)) {
		old->peer_user = peer_user;
		old->peer_device = peer_device;
		old->state = STORE_SECRET_CLOSED;
		*changed = 1;
		log_warn("the identity key of user %llu device %llu CHANGED "
		    "since the last secret chat with it",
		    (unsigned long long)peer_user,
		    (unsigned long long)peer_device);
		return secret_warn(s, peer_user, peer_device, 0);
	}
	return 0;
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
	a->msg.date = m->date != 0 ? m->date : secret_now();
	switch (pt[0]) {
	case PAY_TEXT:
		if (len < 13 || cloud_text_check((const char *)pt + 13,
		    len - 13) != 0) {
			r = ERR_PROTO;
			goto out;
		}
		a->msg.ttl = get_u32(pt + 1);
		a->msg.random_id = get_u64(pt + 5);
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
		date = get_u64(pt + 1);
		if (date > secret_now())
			date = secret_now();
		for (i = 9; r == 0 && i < len; i += 8)
			r = store_secret_peer_read(s->st, c.secret_id,
			    get_u64(pt + i), date);
		a->kind = SECRET_EV_READ;
		break;
	case PAY_TTL:
		if (len != 5) {
			r = ERR_PROTO;
			goto out;
		}
		a->chat.ttl = get_u32(pt + 1);
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
		if ((r = secret_check_ik(s, rq->from->id, rq->from_device_id,
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
		c.created = secret_now();
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
			if ((r = secret_warn(s, c.peer_user, c.peer_device,
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
		secret_emit(s, SECRET_EV_KEY_CHANGED, &a.old, NULL, 0);
	if (a.kind == SECRET_EV_GONE)
		secret_sendw_answer(s, a.chat.secret_id, 0, ERR_NOT_FOUND,
		    "the secret chat was closed (the peer's device is gone "
		    "or the peer closed it); start a new secret chat");
	if (a.kind >= 0)
		secret_emit(s, (enum secret_ev)a.kind, &a.chat,
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
	if ((r = secret_call(s, SC_ACK, &req, SECRET_CALL_MS, NULL, NULL,
	    &k)) != 0) {
		if (then != 0)
			secret_set_synced(s, r);
		return;
	}
	k->id = (uint64_t)then;
	if (then != 0)
		s->fetching = 1;
}

static void
secret_fetch(struct secret *s)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetSecretQueue m = SOTTO__GET_SECRET_QUEUE__INIT;
	uint64_t qts;
	int r;

	if (!s->ready || s->fetching || s->freeing)
		return;
	if ((r = store_get_qts(s->st, &qts)) != 0) {
		secret_set_synced(s, r);
		return;
	}
	m.qts = qts;
	m.limit = SECRET_QUEUE_PAGE;
	req.method_case = SOTTO__REQUEST__METHOD_GET_SECRET_QUEUE;
	req.get_secret_queue = &m;
	if ((r = secret_call(s, SC_QUEUE, &req, SECRET_CALL_MS, NULL, NULL,
	    NULL)) != 0) {
		secret_set_synced(s, r);
		return;
	}
	s->fetching = 1;
}

static void
secret_on_queue(struct secret *s, const Sotto__SecretQueue *q)
{
	uint64_t qts, last = 0;
	size_t i;
	int r;

	if ((r = store_get_qts(s->st, &qts)) != 0) {
		secret_set_synced(s, r);
		return;
	}
	for (i = 0; i < q->n_updates; i++) {
		if (q->updates[i]->qts <= qts)
			continue;
		if ((r = secret_apply_one(s, q->updates[i])) != 0) {
			secret_set_synced(s, r);
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
		secret_set_synced(s, 0);
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
		secret_fetch(s);	/* a gap: ask for the queue */
		return;
	}
	if (secret_apply_one(s, u) == 0)
		secret_ack(s, u->qts, 0);
}

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
	if (secret_publish(s, SC_PUBLISH, 0) != 0)
		log_warn("secret chats: the prekeys could not be published");
	else
		s->publishing = 1;
	/* What earlier runs queued goes out first, beside the queue. */
	secret_ob_flush(s);
	secret_fetch(s);
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

/* The keys are published (or could not be): a waiting sync may end. */
static void
secret_published(struct secret *s)
{
	s->publishing = 0;
	if (s->queue_done && !s->synced && !s->freeing)
		secret_set_synced(s, 0);
}

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
static void
secret_sendw_end(struct secret *s, struct secret_sendw *w, int err,
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

	secret_sendw_end(w->s, w, ERR_AGAIN, "the message is queued and goes "
	    "out once the server is reached");
}

/* Answers every send waiting for (secret_id, random_id; 0: any). */
static void
secret_sendw_answer(struct secret *s, uint64_t secret_id, uint64_t random_id,
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
		secret_sendw_end(s, w, err, why);
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
	secret_sendw_answer(s, k->secret_id, k->random_id, ERR_AGAIN, msg);
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

static void
secret_ob_flush(struct secret *s)
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
	if ((r = secret_call(s, SC_OUTBOX, &req, 0, NULL, NULL, &k)) == 0) {
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
	secret_ob_flush(t->data);
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

	secret_emit(x->s, x->kind, x->chat, m, x->n);
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
		secret_emit(s, kind, &c, NULL, n);
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
	secret_emit(s, SECRET_EV_FAILED, &c, NULL, (uint64_t)-ERR_NOT_FOUND);
	secret_emit(s, SECRET_EV_GONE, &c, NULL, 0);
	return 0;
}

/* A refusal that no resend can change. */
static int
secret_ob_final(int err)
{
	return err == ERR_INVAL || err == ERR_PERM || err == ERR_TOO_BIG;
}

static void
secret_ob_answer(struct secret *s, const struct secret_call *k, int err,
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
		secret_sendw_answer(s, k->secret_id, k->random_id, 0, "");
	} else if (err == ERR_NOT_FOUND) {
		if ((r = secret_ob_gone(s, k)) != 0) {
			log_error_err(r, "secret chats: cannot close a chat "
			    "the server no longer has");
			return;
		}
		secret_sendw_answer(s, k->secret_id, 0, ERR_NOT_FOUND,
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
		secret_sendw_answer(s, k->secret_id, k->random_id, err, why);
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
		secret_ob_flush(s);
}

/* ---------------------------------------------------------- replies */

static int secret_on_bundles(struct secret_call *k,
    const Sotto__PrekeyBundles *b);

static void
secret_reply(void *ud, int err, const Sotto__Response *resp)
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
			if (secret_publish(s, SC_REFILL, SECRET_OPK_POOL -
			    resp->prekeys->opk_count) == 0)
				break;	/* still publishing */
			log_warn("secret chats: one-time prekeys could not "
			    "be refilled");
		} else if (err != 0 && err != ERR_UNKNOWN_METHOD)
			log_warn_err(err, "secret chats: PublishPrekeys");
		secret_published(s);
		break;
	case SC_REFILL:
		if (err != 0 && err != ERR_UNKNOWN_METHOD)
			log_warn_err(err, "secret chats: PublishPrekeys");
		if (!stale && !s->freeing)
			secret_published(s);
		break;
	case SC_ACK:
		if (err != 0 && err != ERR_UNKNOWN_METHOD)
			log_warn_err(err, "secret chats: AckSecret");
		if (stale || s->freeing || k->id == 0)
			break;
		s->fetching = 0;
		if (err != 0)
			secret_set_synced(s, err);
		else if (k->id == 2)
			secret_fetch(s);
		else if (!s->synced)
			secret_set_synced(s, 0);
		break;
	case SC_QUEUE:
		if (stale || s->freeing)
			break;
		s->fetching = 0;
		if (err != 0)
			secret_set_synced(s, err);
		else if (resp->result_case !=
		    SOTTO__RESPONSE__RESULT_SECRET_QUEUE)
			secret_set_synced(s, ERR_PROTO);
		else
			secret_on_queue(s, resp->secret_queue);
		break;
	case SC_BUNDLES:
		if (err == 0 && !s->freeing) {
			if (resp->result_case !=
			    SOTTO__RESPONSE__RESULT_BUNDLES)
				r = ERR_PROTO;
			else if ((r = secret_on_bundles(k,
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
			secret_sendw_answer(s, k->secret_id, 0, ERR_NOT_FOUND,
			    "the secret chat was closed");
		}
		id = k->secret_id;
		break;
	case SC_OUTBOX:
		secret_ob_answer(s, k, err, resp, why);
		break;
	case SC_PLAIN:
		break;
	}
	if (k->cb != NULL)
		k->cb(k->ud, r, why != NULL ? why : "", id);
	free(why);
	free(k);
}

/* ------------------------------------------------------------ start */

int
secret_start(struct secret *s, uint64_t peer_user, uint32_t ttl,
    uint64_t timeout_ms, secret_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetPrekeyBundles m = SOTTO__GET_PREKEY_BUNDLES__INIT;
	struct secret_call *k;
	int r;

	if (ttl > SECRET_TTL_MAX)
		return ERR_INVAL;
	m.user_id = peer_user;
	req.method_case = SOTTO__REQUEST__METHOD_GET_PREKEY_BUNDLES;
	req.get_prekey_bundles = &m;
	if ((r = secret_call(s, SC_BUNDLES, &req, timeout_ms, cb, ud,
	    &k)) != 0)
		return r;
	k->peer_user = peer_user;
	k->ttl = ttl;
	return 0;
}

/*
 * The peer's bundles came: one X3DH and one ratchet per device, stored as
 * pending-out rows in one transaction, then StartSecret. k becomes that
 * call on success.
 */
static int
secret_on_bundles(struct secret_call *k, const Sotto__PrekeyBundles *b)
{
	struct secret *s = k->s;
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__StartSecret m = SOTTO__START_SECRET__INIT;
	Sotto__SecretOffer *offers = NULL, **poffers = NULL;
	uint8_t *eks = NULL, *blob = NULL;
	struct x3dh_identity *id = NULL;
	struct x3dh_result *res = NULL;
	struct x3dh_init *init = NULL;
	struct x3dh_bundle bun;
	struct ratchet *rt = NULL;
	struct store_secret_chat c, old;
	struct store_spk spk;
	size_t i, n = 0, blen;
	int r, changed, in_tx = 0;

	if (b->n_bundles == 0)
		return ERR_NOT_FOUND;
	if ((id = sec_alloc(sizeof(*id))) == NULL ||
	    (res = sec_alloc(sizeof(*res))) == NULL ||
	    (init = sec_alloc(sizeof(*init))) == NULL ||
	    (blob = sec_alloc(RATCHET_BLOB_MAX)) == NULL ||
	    (offers = calloc(b->n_bundles, sizeof(*offers))) == NULL ||
	    (poffers = calloc(b->n_bundles, sizeof(*poffers))) == NULL ||
	    (eks = malloc(b->n_bundles * X3DH_KEY_LEN)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = secret_keys(s, id, &spk)) != 0)
		goto out;
	do
		k->secret_id = sec_random_u64();
	while (k->secret_id == 0 || k->secret_id > INT64_MAX);
	if ((r = store_begin(s->st)) != 0)
		goto out;
	in_tx = 1;
	/*
	 * The user starts a new chat with the peer: the warnings about it
	 * are answered (a change these bundles show is recorded anew).
	 */
	if ((r = store_secret_warn_clear(s->st, k->peer_user, 0)) != 0)
		goto out;
	for (i = 0; i < b->n_bundles; i++) {
		const Sotto__PrekeyBundle *pb = b->bundles[i];

		if (pb->identity_key.len != X3DH_KEY_LEN ||
		    pb->spk.len != X3DH_KEY_LEN ||
		    pb->spk_signature.len != X3DH_SIG_LEN ||
		    (pb->opk_id != 0 && pb->opk.len != X3DH_KEY_LEN)) {
			log_warn("a prekey bundle of user %llu is malformed; "
			    "skipped", (unsigned long long)k->peer_user);
			continue;
		}
		memset(&bun, 0, sizeof(bun));
		memcpy(bun.ik, pb->identity_key.data, X3DH_KEY_LEN);
		memcpy(bun.spk, pb->spk.data, X3DH_KEY_LEN);
		memcpy(bun.spk_sig, pb->spk_signature.data, X3DH_SIG_LEN);
		if ((bun.has_opk = pb->opk_id != 0))
			memcpy(bun.opk, pb->opk.data, X3DH_KEY_LEN);
		/* Verifies the signature first: a bad one is ERR_CRYPTO. */
		if (x3dh_initiate(res, init, id, &bun, NULL) != 0) {
			log_warn("the signed prekey of user %llu device %llu "
			    "does not verify; that device is skipped",
			    (unsigned long long)k->peer_user,
			    (unsigned long long)pb->device_id);
			continue;
		}
		if ((r = secret_check_ik(s, k->peer_user, pb->device_id, 0,
		    bun.ik, &old, &changed)) != 0)
			goto out;
		if (changed)
			secret_emit(s, SECRET_EV_KEY_CHANGED, &old, NULL, 0);
		if ((r = ratchet_init_alice(&rt, res->sk, res->ad,
		    bun.spk)) != 0 ||
		    (r = ratchet_serialize(rt, blob, RATCHET_BLOB_MAX,
		    &blen)) != 0)
			goto out;
		ratchet_free(rt);
		rt = NULL;
		memset(&c, 0, sizeof(c));
		c.secret_id = k->secret_id;
		c.peer_user = k->peer_user;
		c.peer_device = pb->device_id;
		memcpy(c.peer_ik, bun.ik, X3DH_KEY_LEN);
		c.state = STORE_SECRET_PENDING_OUT;
		c.ttl = k->ttl;
		c.initiator = 1;
		c.created = secret_now();
		c.spk_id = pb->spk_id;
		c.opk_id = pb->opk_id;
		if ((r = store_secret_put_chat(s->st, &c, blob, blen)) != 0)
			goto out;
		sotto__secret_offer__init(&offers[n]);
		offers[n].device_id = pb->device_id;
		memcpy(eks + n * X3DH_KEY_LEN, init->ek, X3DH_KEY_LEN);
		offers[n].ephemeral_key.len = X3DH_KEY_LEN;
		offers[n].ephemeral_key.data = eks + n * X3DH_KEY_LEN;
		offers[n].spk_id = pb->spk_id;
		offers[n].opk_id = pb->opk_id;
		poffers[n] = &offers[n];
		n++;
	}
	if (n == 0) {
		r = ERR_CRYPTO;		/* no device with a usable bundle */
		goto out;
	}
	if ((r = store_commit(s->st)) != 0)
		goto out;
	in_tx = 0;
	m.secret_id = k->secret_id;
	m.to_user_id = k->peer_user;
	m.ttl = k->ttl;
	m.n_offers = n;
	m.offers = poffers;
	req.method_case = SOTTO__REQUEST__METHOD_START_SECRET;
	req.start_secret = &m;
	k->kind = SC_START;
	if ((r = engine_call(s->e, &req, k->timeout_ms, secret_reply,
	    k)) != 0)
		(void)store_secret_delete_chat(s->st, k->secret_id);
out:
	if (in_tx)
		store_rollback(s->st);
	ratchet_free(rt);
	sec_free(id);
	sec_free(res);
	sec_free(init);
	sec_free(blob);
	free(offers);
	free(poffers);
	free(eks);
	return r;
}

/* ----------------------------------------------------------- accept */

int
secret_accept(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__AcceptSecret m = SOTTO__ACCEPT_SECRET__INIT;
	struct x3dh_identity *id = NULL;
	struct x3dh_keypair *spk = NULL, *opk = NULL;
	struct x3dh_result *res = NULL;
	struct x3dh_init *init = NULL;
	struct ratchet *rt = NULL;
	struct store_secret_chat c;
	struct store_spk spkrow;
	struct secret_call *k;
	uint8_t *blob = NULL;
	size_t blen;
	int r;

	if ((r = store_secret_get_chat(s->st, secret_id, 0, &c)) != 0)
		return r;
	if (c.state != STORE_SECRET_PENDING_IN)
		return ERR_NOT_FOUND;
	if ((id = sec_alloc(sizeof(*id))) == NULL ||
	    (spk = sec_alloc(sizeof(*spk))) == NULL ||
	    (opk = sec_alloc(sizeof(*opk))) == NULL ||
	    (res = sec_alloc(sizeof(*res))) == NULL ||
	    (init = sec_alloc(sizeof(*init))) == NULL ||
	    (blob = sec_alloc(RATCHET_BLOB_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = store_secret_get_identity(s->st, id->sk, id->pub)) != 0 ||
	    (r = store_secret_get_spk(s->st, c.spk_id, &spkrow,
	    spk->priv)) != 0)
		goto out;
	memcpy(spk->pub, spkrow.pub, X3DH_KEY_LEN);
	memset(init, 0, sizeof(*init));
	memcpy(init->ik, c.peer_ik, X3DH_KEY_LEN);
	memcpy(init->ek, c.ek, X3DH_KEY_LEN);
	memcpy(init->spk, spk->pub, X3DH_KEY_LEN);
	if (c.opk_id != 0) {
		if ((r = store_secret_get_opk(s->st, c.opk_id, opk->priv,
		    opk->pub)) != 0)
			goto out;
		init->has_opk = 1;
		memcpy(init->opk, opk->pub, X3DH_KEY_LEN);
	}
	if ((r = x3dh_respond(res, id, spk, c.opk_id != 0 ? opk : NULL,
	    init)) != 0 ||
	    (r = ratchet_init_bob(&rt, res->sk, res->ad, spk->pub,
	    spk->priv)) != 0 ||
	    (r = ratchet_serialize(rt, blob, RATCHET_BLOB_MAX, &blen)) != 0 ||
	    (r = store_secret_put_chat(s->st, &c, blob, blen)) != 0)
		goto out;
	m.secret_id = secret_id;
	req.method_case = SOTTO__REQUEST__METHOD_ACCEPT_SECRET;
	req.accept_secret = &m;
	if ((r = secret_call(s, SC_ACCEPT, &req, timeout_ms, cb, ud,
	    &k)) != 0)
		goto out;
	k->secret_id = secret_id;
out:
	if (r == ERR_NOT_FOUND)
		log_warn("secret chat %llu: the prekeys it names are gone",
		    (unsigned long long)secret_id);
	ratchet_free(rt);
	sec_free(id);
	sec_free(spk);
	sec_free(opk);
	sec_free(res);
	sec_free(init);
	sec_free(blob);
	return r;
}

static int
secret_simple(struct secret *s, enum secret_call_kind kind,
    uint64_t secret_id, uint64_t timeout_ms, secret_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__DeclineSecret d = SOTTO__DECLINE_SECRET__INIT;
	Sotto__CloseSecret cl = SOTTO__CLOSE_SECRET__INIT;
	struct store_secret_chat c;
	struct secret_call *k;
	int r;

	if ((r = store_secret_get_chat(s->st, secret_id, 0, &c)) != 0)
		return r;
	if (kind == SC_DECLINE) {
		if (c.state != STORE_SECRET_PENDING_IN)
			return ERR_NOT_FOUND;
		d.secret_id = secret_id;
		req.method_case = SOTTO__REQUEST__METHOD_DECLINE_SECRET;
		req.decline_secret = &d;
	} else {
		cl.secret_id = secret_id;
		req.method_case = SOTTO__REQUEST__METHOD_CLOSE_SECRET;
		req.close_secret = &cl;
	}
	if ((r = secret_call(s, kind, &req, timeout_ms, cb, ud, &k)) != 0)
		return r;
	k->secret_id = secret_id;
	return 0;
}

int
secret_decline(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud)
{
	return secret_simple(s, SC_DECLINE, secret_id, timeout_ms, cb, ud);
}

int
secret_close(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud)
{
	return secret_simple(s, SC_CLOSE, secret_id, timeout_ms, cb, ud);
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
	env.created = secret_now();
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
	secret_ob_flush(s);
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
	m.date = secret_now();
	m.ttl = ttl < 0 ? c.ttl : (uint32_t)ttl;
	pt[0] = PAY_TEXT;
	put_u32(pt + 1, m.ttl);
	put_u64(pt + 5, m.random_id);
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
	m.date = secret_now();
	pt[0] = PAY_TTL;
	put_u32(pt + 1, ttl);
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
	    (r = store_secret_mark_read(s->st, secret_id, secret_now(), ids,
	    SECRET_READ_MAX, &n)) != 0)
		goto fail;
	if (n == 0 || c.state != STORE_SECRET_ACTIVE) {
		if ((r = store_commit(s->st)) != 0)
			goto fail;
		(void)secret_expire(s);
		return secret_done_later(s, cb, ud);
	}
	pt[0] = PAY_READ;
	put_u64(pt + 1, secret_now());
	for (i = 0; i < n; i++)
		put_u64(pt + 9 + 8 * i, ids[i]);
	r = secret_encrypt_send(s, &c, pt, 9 + 8 * n, sec_random_u64() >> 1,
	    NULL, timeout_ms, cb, ud, n);
	(void)secret_expire(s);
	return r;
fail:
	store_rollback(s->st);
	return r;
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
secret_find(struct secret *s, uint64_t peer_user, struct store_secret_chat *c)
{
	struct secret_findk f = { peer_user, c, 0 };
	int r;

	if ((r = store_secret_list_chats(s->st, secret_find_cb, &f)) != 0)
		return r;
	return f.found ? 0 : ERR_NOT_FOUND;
}

int
secret_fingerprint(struct secret *s, const struct store_secret_chat *c,
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
	uint64_t n = 0, at, now = secret_now();
	int r;

	if (s->freeing)
		return 0;
	if ((r = store_secret_expire(s->st, now, &n)) != 0)
		return r;
	if (n > 0)
		secret_emit(s, SECRET_EV_EXPIRED, NULL, NULL, n);
	if ((r = store_secret_next_expiry(s->st, &at)) != 0)
		return r;
	uv_timer_stop(&s->timer);
	if (at != 0)
		uv_timer_start(&s->timer, secret_timer_cb,
		    at > now ? (at - now) * 1000 : 0, 0);
	return 0;
}

struct store *
secret_store(struct secret *s)
{
	return s->st;
}

/* ------------------------------------------------------- life cycle */

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
	store_secret_chat_fn *fn;
	void *ud;
	uint64_t *seen;
	size_t n, cap;
};

static int
secret_list_cb(void *ud, const struct store_secret_chat *c)
{
	struct secret_listk *k = ud;
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
	return k->fn(k->ud, c);
}

int
secret_list_chats(struct secret *s, store_secret_chat_fn *fn, void *ud)
{
	struct secret_listk k = { fn, ud, NULL, 0, 0 };
	int r;

	r = store_secret_list_chats(s->st, secret_list_cb, &k);
	free(k.seen);
	return r;
}

int
secret_history(struct secret *s, uint64_t secret_id, store_secret_msg_fn *fn,
    void *ud)
{
	return store_secret_list_msgs(s->st, secret_id, fn, ud);
}

int
secret_warnings(struct secret *s, store_secret_warning_fn *fn, void *ud)
{
	return store_secret_warn_list(s->st, fn, ud);
}

int
secret_dismiss_warnings(struct secret *s, uint64_t peer_user,
    uint64_t secret_id)
{
	return store_secret_warn_clear(s->st, peer_user, secret_id);
}

int
secret_history_before(struct secret *s, uint64_t secret_id,
    uint64_t before_id, size_t limit, store_secret_msg_fn *fn, void *ud)
{
	return store_secret_msgs_before(s->st, secret_id, before_id, limit, fn,
	    ud);
}

int
secret_history_after(struct secret *s, uint64_t secret_id,
    uint64_t after_id, size_t limit, store_secret_msg_fn *fn, void *ud)
{
	return store_secret_msgs_after(s->st, secret_id, after_id, limit, fn,
	    ud);
}

int
secret_summary(struct secret *s, uint64_t secret_id, uint64_t *unread,
    store_secret_msg_fn *fn, void *ud)
{
	return store_secret_summary(s->st, secret_id, unread, fn, ud);
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
		secret_sendw_end(s, s->senders, ERR_AGAIN, "the message is "
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
