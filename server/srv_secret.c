/*
 * Secret chats: the requests StartSecret .. GetSecretQueue (see
 * srv_secret.h and doc/PROTOCOL.md, "Methods (secret chats)"); the
 * prekeys, PublishPrekeys and GetPrekeyBundles, are srv_prekey.c's.
 *
 * Shape of a writing request, as for cloud chats: check the input and
 * the asker's rights, write everything in one atomic unit, then answer
 * and push. Queue entries are collected while writing and pushed only
 * once the unit succeeded. Logs carry ids, never keys or ciphertext.
 */
#include "config.h"

#include "server/srv_secret.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/x3dh.h"
#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_conn.h"
#include "server/srv_directory.h"
#include "lib/log.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_secret_int.h"
#include "server/srv_report.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

/* Queue entries written by one request, pushed after its unit. */
struct sec_push {
	uint64_t user_id, device_id, qts;
	uint8_t *buf;			/* the packed Update, malloc()ed */
	size_t len;
};

struct sec_pushes {
	struct sec_push *v;
	size_t n, cap;
};

/* ---------------------------------------------------------------- helpers */

static void
sec_pushes_free(struct sec_pushes *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].buf);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/*
 * Appends up (its event set, qts unset) to device_id's queue and keeps
 * it for sec_flush(). Inside the caller's atomic unit. 0 or ERR_*.
 */
static int
sec_enqueue(struct srv_store *st, struct sec_pushes *p, uint64_t user_id,
    uint64_t device_id, uint64_t secret_id, Sotto__Update *up)
{
	struct sec_push *e, *t;
	uint8_t *buf;
	size_t len;
	uint64_t qts;
	int r;

	up->qts = 0;
	len = sotto__update__get_packed_size(up);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return ERR_NOMEM;
	(void)sotto__update__pack(up, buf);
	if ((r = srv_store_queue_add(st, device_id, (int)up->event_case,
	    secret_id, buf, len, (uint64_t)time(NULL), &qts)) != 0) {
		free(buf);
		return r;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4;
		if ((t = realloc(p->v, p->cap * sizeof(*t))) == NULL) {
			free(buf);
			return ERR_NOMEM;
		}
		p->v = t;
	}
	e = &p->v[p->n++];
	e->user_id = user_id;
	e->device_id = device_id;
	e->qts = qts;
	e->buf = buf;
	e->len = len;
	return 0;
}

/*
 * Sends each kept entry, with its qts, to the connections of its device.
 * The bytes are held until the group commit like every answer.
 */
static void
sec_flush(struct srv *s, struct sec_pushes *p)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Update *up;
	struct srv_conn *c, *next;
	size_t i;

	for (i = 0; i < p->n; i++) {
		up = sotto__update__unpack(NULL, p->v[i].len, p->v[i].buf);
		if (up == NULL)
			continue;
		up->qts = p->v[i].qts;
		f.body_case = SOTTO__FRAME__BODY_UPDATE;
		f.update = up;
		for (c = srv_user_conns(s, p->v[i].user_id); c != NULL;
		    c = next) {
			next = c->unext;
			if (c->user_id == p->v[i].user_id && c->authed &&
			    !c->closing && c->device_id == p->v[i].device_id)
				(void)srv_conn_send(c, &f);
		}
		sotto__update__free_unpacked(up, NULL);
	}
	sec_pushes_free(p);
}

/*
 * Ends a change begun with srv_store_atomic_begin (r: how it went): on
 * commit, logs "secret ID what", answers ok and sends the kept entries;
 * else answers the error and drops them; exists_why (may be NULL) says
 * what an ERR_EXISTS means.
 */
static int
sec_commit(struct srv_conn *c, uint64_t id, struct sec_pushes *p, int r,
    uint64_t secret_id, const char *what, const char *exists_why)
{
	if ((r = srv_store_atomic_end(c->srv->store, r)) != 0) {
		sec_pushes_free(p);
		return srv_reply_fail(c, id, r,
		    r == ERR_EXISTS ? exists_why : NULL);
	}
	log_info("conn %llu: secret %016llx %s",
	    (unsigned long long)c->serial, (unsigned long long)secret_id, what);
	r = srv_reply_ok(c, id);
	sec_flush(c->srv, p);
	return r;
}

/*
 * Whether asker may start a secret chat with user_id: user_id's
 * secret_chats rule and blocks (srv_privacy.c). 0, ERR_PERM or ERR_DB.
 */
int
srv_secret__may_contact(struct srv_store *st, uint64_t asker, uint64_t user_id)
{
	return srv_privacy_allows(st, user_id, SRV_PRIV_SECRET_CHATS, asker);
}

int
srv_secret__key_ok(const ProtobufCBinaryData *b, size_t len)
{
	return b->len == len && b->data != NULL;
}

/* The asker's chat: its row, or ERR_NOT_FOUND when secret_id is 0. */
static int
sec_get(struct srv_store *st, uint64_t secret_id, struct srv_secret *sc)
{
	if (secret_id == 0)
		return ERR_NOT_FOUND;
	return srv_store_secret_get(st, secret_id, sc);
}

/* ---------------------------------------------------------------- setup */

/* A User for SecretRequested: the name only (no phone). */
static void
sec_user(Sotto__User *u, const struct srv_profile *p)
{
	sotto__user__init(u);
	u->id = p->id;
	u->username = (char *)p->username;
	u->display_name = (char *)p->display_name;
}

/*
 * Before a secret chat with peer: when the two have no private chat yet,
 * it is a new chat, which a restricted account may not start
 * (srv_report_refuse; *answered set when it answered so). 0 or the ERR_*
 * that closes c.
 */
static int
sec_new_chat_ok(struct srv_conn *c, uint64_t id, uint64_t peer,
    int *answered)
{
	struct srv_chat chat;
	int r;

	*answered = 0;
	r = srv_store_chat_pair(c->srv->store, c->user_id, peer, 0, &chat);
	if (r == 0)
		return 0;
	if (r != ERR_NOT_FOUND)
		return srv_reply_fail(c, id, r, NULL);
	return srv_report_refuse(c, id, answered);
}

int
srv_secret_start(struct srv_conn *c, uint64_t id,
    const Sotto__StartSecret *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct sec_pushes pushes = { NULL, 0, 0 };
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__SecretRequested rq = SOTTO__SECRET_REQUESTED__INIT;
	Sotto__User from;
	struct srv_profile me, peer;
	struct srv_prekeys mine;
	struct srv_secret sc;
	uint64_t *devs = NULL;
	uint32_t retry = 0;
	size_t n = 0, i, j;
	int r, answered;

	if (m->secret_id == 0)
		return srv_conn_error(c, id, ERR_INVAL,
		    "the secret chat id must not be 0", 0);
	if (m->to_user_id == c->user_id)
		return srv_conn_error(c, id, ERR_INVAL,
		    "a secret chat is with somebody else", 0);
	if (m->ttl > SRV_SECRET_TTL_MAX)
		return srv_conn_error(c, id, ERR_INVAL,
		    "the self-destruct timer is at most one week", 0);
	if (m->n_offers == 0 || m->n_offers > SRV_SECRET_OFFERS_MAX)
		return srv_conn_error(c, id, m->n_offers ? ERR_TOO_BIG :
		    ERR_INVAL, "offer the chat to 1 to 64 devices", 0);
	for (i = 0; i < m->n_offers; i++) {
		if (!srv_secret__key_ok(&m->offers[i]->ephemeral_key,
		    SRV_PK_LEN))
			return srv_conn_error(c, id, ERR_INVAL,
			    "an ephemeral key must be 32 bytes", 0);
		for (j = 0; j < i; j++)
			if (m->offers[j]->device_id ==
			    m->offers[i]->device_id)
				return srv_conn_error(c, id, ERR_INVAL,
				    "one device offered twice", 0);
	}
	/* A request writes to the peer's queues: it counts as a send. */
	if (srv_limit_take(s->send_limit, &c->user_id, sizeof(c->user_id),
	    srv_now_ms(s), &retry) != 0)
		return srv_conn_error(c, id, ERR_RATE_LIMITED,
		    "too many requests; slow down", retry);
	if ((r = srv_store_prekeys_get(st, c->device_id, &mine)) != 0)
		return srv_reply_fail(c, id, r == ERR_NOT_FOUND ? ERR_INVAL : r,
		    "publish this device's prekeys first");
	if ((r = srv_visible_profile(st, c->user_id, m->to_user_id, &peer)) ==
	    ERR_NOT_FOUND)
		return srv_conn_error(c, id, ERR_NOT_FOUND, "no such user", 0);
	if (r != 0 || (r = srv_store_profile_by_id(st, c->user_id, &me)) != 0)
		return srv_reply_fail(c, id, r == ERR_NOT_FOUND ? ERR_DB : r,
		    NULL);
	if ((r = srv_secret__may_contact(st, c->user_id, m->to_user_id)) != 0)
		return srv_reply_fail(c, id, r,
		    "this user takes no secret chats");
	/* A secret chat with one not written to yet is a new chat (reports). */
	if ((r = sec_new_chat_ok(c, id, m->to_user_id, &answered)) != 0 ||
	    answered)
		return r;
	if ((r = srv_store_prekey_devices(st, m->to_user_id, &devs, &n)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	for (i = 0; i < m->n_offers; i++) {
		for (j = 0; j < n; j++)
			if (devs[j] == m->offers[i]->device_id)
				break;
		if (j == n) {
			free(devs);
			return srv_conn_error(c, id, ERR_NOT_FOUND,
			    "an offer names no device of that user with keys",
			    0);
		}
	}
	free(devs);

	memset(&sc, 0, sizeof(sc));
	sc.id = m->secret_id;
	sc.from_user = c->user_id;
	sc.from_device = c->device_id;
	sc.to_user = m->to_user_id;
	sc.ttl = m->ttl;
	sc.created = (uint64_t)time(NULL);
	sec_user(&from, &me);
	rq.secret_id = m->secret_id;
	rq.from = &from;
	rq.from_device_id = c->device_id;
	rq.identity_key.data = mine.ik;
	rq.identity_key.len = SRV_IK_LEN;
	rq.ttl = m->ttl;
	up.event_case = SOTTO__UPDATE__EVENT_SECRET_REQUESTED;
	up.secret_requested = &rq;
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_store_secret_add(st, &sc);
	/* The request names its sender: the peer may name it back. */
	if (r == 0)
		r = srv_store_shown_add(st, m->to_user_id, c->user_id);
	for (i = 0; r == 0 && i < m->n_offers; i++) {
		rq.ephemeral_key = m->offers[i]->ephemeral_key;
		rq.spk_id = m->offers[i]->spk_id;
		rq.opk_id = m->offers[i]->opk_id;
		if ((r = srv_store_offer_add(st, m->secret_id,
		    m->offers[i]->device_id)) == 0)
			r = sec_enqueue(st, &pushes, m->to_user_id,
			    m->offers[i]->device_id, m->secret_id, &up);
	}
	if ((r = srv_store_atomic_end(st, r)) != 0) {
		sec_pushes_free(&pushes);
		return srv_reply_fail(c, id, r, r == ERR_EXISTS ?
		    "that secret chat id is taken" : NULL);
	}
	log_info("conn %llu: secret %016llx offered to %zu device(s)",
	    (unsigned long long)c->serial, (unsigned long long)m->secret_id,
	    m->n_offers);
	r = srv_reply_ok(c, id);
	sec_flush(s, &pushes);
	return r;
}

/*
 * Tells every offered device but `except` that the request is void:
 * its undelivered SecretRequested goes, a SecretDropped (or, with
 * closed set, SecretClosed) comes. Inside the caller's unit.
 */
static int
sec_drop_offers(struct srv_store *st, struct sec_pushes *p,
    const struct srv_secret *sc, uint64_t except, int closed)
{
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__SecretDropped dr = SOTTO__SECRET_DROPPED__INIT;
	Sotto__SecretClosed cl = SOTTO__SECRET_CLOSED__INIT;
	uint64_t *devs = NULL;
	size_t n = 0, i;
	int r;

	dr.secret_id = cl.secret_id = sc->id;
	if (closed) {
		up.event_case = SOTTO__UPDATE__EVENT_SECRET_CLOSED;
		up.secret_closed = &cl;
	} else {
		up.event_case = SOTTO__UPDATE__EVENT_SECRET_DROPPED;
		up.secret_dropped = &dr;
	}
	if ((r = srv_store_offers(st, sc->id, &devs, &n)) != 0)
		return r;
	for (i = 0; r == 0 && i < n; i++) {
		if (devs[i] == except)
			continue;
		if ((r = srv_store_queue_drop(st, devs[i], sc->id,
		    SRV_SECRET_REQUESTED)) == 0)
			r = sec_enqueue(st, p, sc->to_user, devs[i], sc->id,
			    &up);
		if (r == ERR_NOT_FOUND)
			r = 0;		/* the device is gone: nobody to tell */
	}
	free(devs);
	return r;
}

/* The request as this device sees it: 0, ERR_NOT_FOUND or ERR_DB. */
static int
sec_offered(struct srv_conn *c, uint64_t secret_id, struct srv_secret *sc)
{
	struct srv_store *st = c->srv->store;
	int r;

	if ((r = sec_get(st, secret_id, sc)) != 0)
		return r;
	if (sc->to_user != c->user_id)
		return ERR_NOT_FOUND;
	return srv_store_offer_has(st, secret_id, c->device_id);
}

int
srv_secret_accept(struct srv_conn *c, uint64_t id,
    const Sotto__AcceptSecret *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct sec_pushes pushes = { NULL, 0, 0 };
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__SecretAccepted ac = SOTTO__SECRET_ACCEPTED__INIT;
	struct srv_prekeys mine;
	struct srv_secret sc;
	int r;

	if ((r = sec_offered(c, m->secret_id, &sc)) != 0)
		return srv_reply_fail(c, id, r,
		    "no such request for this device");
	if (sc.to_device == c->device_id)
		return srv_reply_ok(c, id);		/* a resend */
	if (sc.to_device != 0)
		return srv_conn_error(c, id, ERR_EXISTS,
		    "another device accepted this secret chat", 0);
	if ((r = srv_store_prekeys_get(st, c->device_id, &mine)) != 0)
		return srv_reply_fail(c, id, r == ERR_NOT_FOUND ? ERR_DB : r,
		    NULL);
	ac.secret_id = sc.id;
	ac.device_id = c->device_id;
	ac.identity_key.data = mine.ik;
	ac.identity_key.len = SRV_IK_LEN;
	up.event_case = SOTTO__UPDATE__EVENT_SECRET_ACCEPTED;
	up.secret_accepted = &ac;
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = srv_store_secret_bind(st, sc.id, c->device_id)) == 0 &&
	    (r = sec_enqueue(st, &pushes, sc.from_user, sc.from_device, sc.id,
	    &up)) == 0)
		r = sec_drop_offers(st, &pushes, &sc, c->device_id, 0);
	/* ERR_EXISTS: the unique binding, a race another device won. */
	return sec_commit(c, id, &pushes, r, sc.id, "accepted",
	    "another device accepted this secret chat");
}

/*
 * A decline by any offered device declines the request for the whole
 * account at once: the initiator gets SecretDeclined, the other offered
 * devices SecretDropped, and the server forgets the chat.
 */
int
srv_secret_decline(struct srv_conn *c, uint64_t id,
    const Sotto__DeclineSecret *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct sec_pushes pushes = { NULL, 0, 0 };
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__SecretDeclined dc = SOTTO__SECRET_DECLINED__INIT;
	struct srv_secret sc;
	int r;

	if ((r = sec_offered(c, m->secret_id, &sc)) != 0)
		return srv_reply_fail(c, id, r,
		    "no such request for this device");
	if (sc.to_device != 0)
		return srv_conn_error(c, id, ERR_EXISTS,
		    "a device accepted this secret chat already", 0);
	dc.secret_id = sc.id;
	up.event_case = SOTTO__UPDATE__EVENT_SECRET_DECLINED;
	up.secret_declined = &dc;
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = sec_enqueue(st, &pushes, sc.from_user, sc.from_device, sc.id,
	    &up)) == 0 &&
	    (r = sec_drop_offers(st, &pushes, &sc, c->device_id, 0)) == 0 &&
	    (r = srv_store_queue_drop(st, c->device_id, sc.id,
	    SRV_SECRET_REQUESTED)) == 0)
		r = srv_store_secret_remove(st, sc.id);
	return sec_commit(c, id, &pushes, r, sc.id, "declined", NULL);
}

/* ---------------------------------------------------------------- relay */

/*
 * The other end of a bound chat for user_id's device_id: 0 and *user,
 * *device; ERR_NOT_FOUND when the chat is not bound or that device is
 * not in it.
 */
static int
sec_other(const struct srv_secret *sc, uint64_t user_id, uint64_t device_id,
    uint64_t *user, uint64_t *device)
{
	if (sc->to_device == 0)
		return ERR_NOT_FOUND;
	if (sc->from_user == user_id && sc->from_device == device_id) {
		*user = sc->to_user;
		*device = sc->to_device;
		return 0;
	}
	if (sc->to_user == user_id && sc->to_device == device_id) {
		*user = sc->from_user;
		*device = sc->from_device;
		return 0;
	}
	return ERR_NOT_FOUND;
}

/* Whether sc is a request nobody accepted yet, made by that device. */
static int
sec_pending_from(const struct srv_secret *sc, uint64_t user_id,
    uint64_t device_id)
{
	return sc->to_device == 0 && sc->from_user == user_id &&
	    sc->from_device == device_id;
}

int
srv_secret_send(struct srv_conn *c, uint64_t id,
    const Sotto__SendSecret *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct sec_pushes pushes = { NULL, 0, 0 };
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__SecretMessage sm = SOTTO__SECRET_MESSAGE__INIT;
	struct srv_secret sc;
	uint64_t user = 0, device = 0;
	uint32_t retry = 0;
	int r;

	if (m->random_id == 0)
		return srv_conn_error(c, id, ERR_INVAL,
		    "random_id must not be 0", 0);
	if (m->data.len == 0)
		return srv_conn_error(c, id, ERR_INVAL, "no data", 0);
	if (m->data.len > SRV_SECRET_DATA_MAX)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "the message is too large", 0);
	if (srv_limit_take(s->send_limit, &c->user_id, sizeof(c->user_id),
	    srv_now_ms(s), &retry) != 0)
		return srv_conn_error(c, id, ERR_RATE_LIMITED,
		    "too many messages; slow down", retry);
	if ((r = sec_get(st, m->secret_id, &sc)) != 0 ||
	    (r = sec_other(&sc, c->user_id, c->device_id, &user,
	    &device)) != 0)
		return srv_reply_fail(c, id, r,
		    "no such secret chat on this device");
	/* A block also stops a chat that was set up before it. */
	if ((r = srv_privacy_blocked(st, user, c->user_id)) == 1)
		return srv_conn_error(c, id, ERR_PERM,
		    "this user does not accept messages from you", 0);
	if (r != 0)
		return srv_reply_fail(c, id, r, NULL);
	sm.secret_id = sc.id;
	sm.random_id = m->random_id;
	sm.data = m->data;
	sm.date = (uint64_t)time(NULL);
	up.event_case = SOTTO__UPDATE__EVENT_SECRET_MESSAGE;
	up.secret_message = &sm;
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_store_secret_sent(st, sc.id, c->device_id, m->random_id,
	    sm.date);
	if (r == 0)
		r = sec_enqueue(st, &pushes, user, device, sc.id, &up);
	/* A resend: it is queued already; answer as the first time. */
	if ((r = srv_store_atomic_end(st, r)) != 0 && r != ERR_EXISTS) {
		sec_pushes_free(&pushes);
		return srv_reply_fail(c, id, r, NULL);
	}
	r = srv_reply_ok(c, id);
	sec_flush(s, &pushes);
	return r;
}

/*
 * Closes sc for one of its devices (user_id's device_id), inside the
 * caller's unit: the other bound device gets SecretClosed, or, for a
 * request that device made and nobody accepted yet, every offered
 * device does (its undelivered request deleted); then the server
 * forgets the chat and its dedupe rows. CloseSecret and the removal of
 * a device (srv_secret_remove_device) both come here. A device that is
 * gone already is told nothing. 0, ERR_NOT_FOUND (not that device's
 * chat) or ERR_*.
 */
static int
sec_close_for(struct srv_store *st, struct sec_pushes *p,
    const struct srv_secret *sc, uint64_t user_id, uint64_t device_id)
{
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__SecretClosed cl = SOTTO__SECRET_CLOSED__INIT;
	uint64_t user = 0, device = 0;
	int r;

	if (sec_pending_from(sc, user_id, device_id))
		r = sec_drop_offers(st, p, sc, 0, 1);
	else {
		if ((r = sec_other(sc, user_id, device_id, &user,
		    &device)) != 0)
			return r;
		cl.secret_id = sc->id;
		up.event_case = SOTTO__UPDATE__EVENT_SECRET_CLOSED;
		up.secret_closed = &cl;
		if ((r = sec_enqueue(st, p, user, device, sc->id, &up)) ==
		    ERR_NOT_FOUND)
			r = 0;
	}
	if (r == 0)
		r = srv_store_secret_remove(st, sc->id);
	return r;
}

int
srv_secret_close(struct srv_conn *c, uint64_t id,
    const Sotto__CloseSecret *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct sec_pushes pushes = { NULL, 0, 0 };
	struct srv_secret sc;
	uint64_t user = 0, device = 0;
	int r;

	if ((r = sec_get(st, m->secret_id, &sc)) != 0)
		return srv_reply_fail(c, id, r,
		    "no such secret chat on this device");
	/* The initiator may also withdraw a request nobody accepted yet. */
	if (!sec_pending_from(&sc, c->user_id, c->device_id) &&
	    (r = sec_other(&sc, c->user_id, c->device_id, &user,
	    &device)) != 0)
		return srv_reply_fail(c, id, r,
		    "no such secret chat on this device");
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = sec_close_for(st, &pushes, &sc, c->user_id, c->device_id);
	return sec_commit(c, id, &pushes, r, sc.id, "closed", NULL);
}

/* ---------------------------------------------------------------- devices */

/*
 * A pending request offered to a device that is going: its offer goes
 * (the caller deleted it); when no offered device is left, nobody can
 * accept any more and the request ends as a decline would end it, with
 * SecretDeclined to the initiator's device. Inside the caller's unit.
 */
static int
sec_offer_gone(struct srv_store *st, struct sec_pushes *p, uint64_t id)
{
	Sotto__Update up = SOTTO__UPDATE__INIT;
	Sotto__SecretDeclined dc = SOTTO__SECRET_DECLINED__INIT;
	struct srv_secret sc;
	uint64_t *devs = NULL;
	size_t n = 0;
	int r;

	if ((r = srv_store_secret_get(st, id, &sc)) != 0)
		return r == ERR_NOT_FOUND ? 0 : r;
	if (sc.to_device != 0)
		return 0;		/* bound to another device */
	if ((r = srv_store_offers(st, id, &devs, &n)) != 0)
		return r;
	free(devs);
	if (n > 0)
		return 0;		/* another device may still accept */
	dc.secret_id = id;
	up.event_case = SOTTO__UPDATE__EVENT_SECRET_DECLINED;
	up.secret_declined = &dc;
	if ((r = sec_enqueue(st, p, sc.from_user, sc.from_device, id,
	    &up)) != 0 && r != ERR_NOT_FOUND)
		return r;
	return srv_store_secret_remove(st, id);
}

int
srv_secret_remove_device(struct srv *s, uint64_t user_id, uint64_t device_id)
{
	struct srv_store *st = s->store;
	struct sec_pushes pushes = { NULL, 0, 0 };
	struct srv_secret sc;
	uint64_t *chats = NULL, *offered = NULL;
	size_t nchats = 0, noffered = 0, i;
	int r;

	if ((r = srv_store_atomic_begin(st)) != 0)
		return r;
	if ((r = srv_store_device_secrets(st, device_id, &chats,
	    &nchats)) == 0)
		r = srv_store_device_offered(st, device_id, &offered,
		    &noffered);
	for (i = 0; r == 0 && i < nchats; i++)
		if ((r = srv_store_secret_get(st, chats[i], &sc)) == 0)
			r = sec_close_for(st, &pushes, &sc, user_id,
			    device_id);
	if (r == 0)
		r = srv_store_device_secret_forget(st, device_id);
	for (i = 0; r == 0 && i < noffered; i++)
		r = sec_offer_gone(st, &pushes, offered[i]);
	if (r == 0)
		r = srv_store_device_remove(st, device_id);
	free(chats);
	free(offered);
	if ((r = srv_store_atomic_end(st, r)) != 0) {
		sec_pushes_free(&pushes);
		return r;
	}
	if (nchats > 0 || noffered > 0)
		log_info("device %llu removed: %zu secret chat(s) closed, %zu "
		    "request(s) withdrawn from it",
		    (unsigned long long)device_id, nchats, noffered);
	sec_flush(s, &pushes);
	return 0;
}

/* ---------------------------------------------------------------- queue */

int
srv_secret_ack(struct srv_conn *c, uint64_t id,
    const Sotto__AckSecret *m)
{
	struct srv_store *st = c->srv->store;
	int r;

	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_store_atomic_end(st,
	    srv_store_queue_ack(st, c->device_id, m->qts));
	if (r != 0)
		return srv_reply_fail(c, id, r, NULL);
	return srv_reply_ok(c, id);
}

/* A SecretQueue page being filled. */
struct sec_page {
	Sotto__Update **v;
	size_t n, cap;
	size_t bytes;
	int more;
};

static int
sec_page_add(void *ud, uint64_t qts, int kind, const uint8_t *p, size_t len)
{
	struct sec_page *pg = ud;
	Sotto__Update *up;

	(void)kind;
	if (pg->n == pg->cap || (pg->n > 0 &&
	    pg->bytes + len + 16 > SRV_SECRET_QUEUE_BYTES)) {
		pg->more = 1;
		return 1;
	}
	if ((up = sotto__update__unpack(NULL, len, p)) == NULL) {
		log_error("secret queue entry %llu does not unpack",
		    (unsigned long long)qts);
		return ERR_DB;
	}
	up->qts = qts;
	pg->v[pg->n++] = up;
	pg->bytes += len + 16;
	return 0;
}

int
srv_secret_queue(struct srv_conn *c, uint64_t id,
    const Sotto__GetSecretQueue *m)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__SecretQueue q = SOTTO__SECRET_QUEUE__INIT;
	struct sec_page pg;
	size_t i;
	int r;

	memset(&pg, 0, sizeof(pg));
	pg.cap = m->limit == 0 || m->limit > SRV_SECRET_QUEUE_LIMIT ?
	    SRV_SECRET_QUEUE_LIMIT : m->limit;
	if ((pg.v = calloc(pg.cap, sizeof(*pg.v))) == NULL)
		return srv_reply_fail(c, id, ERR_NOMEM, NULL);
	/* One more than the page holds tells whether there is more. */
	r = srv_store_queue_read(c->srv->store, c->device_id, m->qts,
	    pg.cap + 1, sec_page_add, &pg);
	if (r != 0) {
		r = srv_reply_fail(c, id, r, NULL);
		goto out;
	}
	q.n_updates = pg.n;
	q.updates = pg.v;
	q.more = pg.more;
	resp.result_case = SOTTO__RESPONSE__RESULT_SECRET_QUEUE;
	resp.secret_queue = &q;
	r = srv_reply(c, id, &resp);
out:
	for (i = 0; i < pg.n; i++)
		sotto__update__free_unpacked(pg.v[i], NULL);
	free(pg.v);
	return r;
}

/* ---------------------------------------------------------------- purge */

void
srv_secret_purge(struct srv *s, int force)
{
	/* One server per process: when the last purge ran, loop time. */
	static uint64_t last_ms;
	static int ran;
	struct srv_store *st = s->store;
	uint64_t now = (uint64_t)time(NULL);
	size_t n = 0, sent = 0;
	int r;

	if (!force && ran && srv_now_ms(s) - last_ms < SRV_SECRET_PURGE_MS)
		return;
	ran = 1;
	last_ms = srv_now_ms(s);
	if (now < SRV_SECRET_KEEP)
		return;
	if ((r = srv_store_atomic_begin(st)) != 0 ||
	    (r = srv_store_atomic_end(st, srv_store_queue_purge(st,
	    now - SRV_SECRET_KEEP, &n, &sent))) != 0) {
		log_error_err(r, "purging the secret-chat queue");
		return;
	}
	if (n > 0 || sent > 0)
		log_info("purged %zu secret-chat queue entries and %zu dedupe"
		    " records older than 7 days", n, sent);
}
