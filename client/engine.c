/*
 * The engine. A request lives in a struct engine_req from engine_call()
 * until its answer, its timeout or a fatal error; its Request is kept
 * packed in secure memory (it may hold a password) and unpacked into
 * secure memory again just long enough to be sent.
 *
 * Key pinning happens when the handshake completes: the server's static
 * key must equal the key given with --server-key, else the profile's pin;
 * with neither, the key is pinned now (trust on first use). A mismatch is
 * fatal: the engine stops and never retries, because retrying against an
 * impostor is exactly what an attacker wants.
 *
 * Lifetime: the engine is referenced by its net and by each request's
 * timer; engine_free() waits for all of them to close.
 */
#include "config.h"

#include "client/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/json.h"
#include "lib/log.h"
#include "client/net.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "proto/version.h"
#include "store/store.h"

enum engine_kind {
	ENGINE_CALL,
	ENGINE_REGISTER,
	ENGINE_LOGIN,
	ENGINE_LOGOUT,
	ENGINE_WHOAMI,
};

struct engine_req {
	struct engine *e;
	struct engine_req *prev, *next;
	uint64_t id;
	enum engine_kind kind;
	uint8_t *packed;		/* sec_alloc()ed Request */
	size_t len;
	int sent;
	int done;
	engine_reply_fn *cb;
	void *ud;
	uv_timer_t timer;
};

struct engine {
	uv_loop_t *loop;
	struct store *store;
	struct net *net;
	struct engine_events ev;
	void *ud;

	enum engine_state state;
	int error;			/* fatal */
	int was_ready;
	struct engine_welcome welcome;

	int have_expected;		/* --server-key */
	uint8_t expected[NOISE_KEY_LEN];
	int mismatch;
	uint8_t mm_expected[NOISE_KEY_LEN];
	uint8_t mm_offered[NOISE_KEY_LEN];

	uint64_t next_id;
	struct engine_req *head, *tail;

	unsigned refs;
	int freeing;
	void (*done)(void *);
	void *done_ud;
};

/* protobuf-c allocations of unpacked requests go to wiped memory. */
static void *
engine_pb_alloc(void *ad, size_t n)
{
	return sec_alloc(n > 0 ? n : 1);
}

static void
engine_pb_free(void *ad, void *p)
{
	sec_free(p);
}

static ProtobufCAllocator engine_pb_secure = {
	engine_pb_alloc,
	engine_pb_free,
	NULL,
};

static void engine_fail(struct engine *, int);

static void
engine_unref(struct engine *e)
{
	void (*done)(void *);
	void *ud;

	if (--e->refs > 0 || !e->freeing)
		return;
	done = e->done;
	ud = e->done_ud;
	sec_wipe(e, sizeof(*e));
	free(e);
	if (done != NULL)
		done(ud);
}

/*
 * Each failed attempt while connecting is reported too (with its err), so
 * that a send can queue its message once the first one has failed
 * (client/cmd.c, PH_CONNECT).
 */
static void
engine_set_state(struct engine *e, enum engine_state st, int err)
{
	if (e->state == st && !(st == ENGINE_CONNECTING && err != 0))
		return;
	e->state = st;
	if (e->ev.on_state != NULL)
		e->ev.on_state(e->ud, st, err);
}

static void
engine_req_closed(uv_handle_t *h)
{
	struct engine_req *q = h->data;
	struct engine *e = q->e;

	sec_free(q->packed);
	free(q);
	engine_unref(e);
}

/* Unlinks q, runs its callback once and releases it. */
static void
engine_req_finish(struct engine_req *q, int err, const Sotto__Response *resp)
{
	struct engine *e = q->e;

	if (q->done)
		return;
	q->done = 1;
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		e->head = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	else
		e->tail = q->prev;
	q->prev = q->next = NULL;
	uv_timer_stop(&q->timer);
	if (err != 0)
		log_info("request %llu failed (%d)", (unsigned long long)q->id,
		    err);
	q->cb(q->ud, err, resp);
	uv_close((uv_handle_t *)&q->timer, engine_req_closed);
}

/* Fails every request (sent_only: only those already on the wire). */
static void
engine_fail_requests(struct engine *e, int err, int sent_only)
{
	struct engine_req *q, *next;

	for (q = e->head; q != NULL; q = next) {
		next = q->next;
		if (!sent_only || q->sent)
			engine_req_finish(q, err, NULL);
	}
}

/* Sends every queued request, in order, once the server welcomed us. */
static void
engine_flush(struct engine *e)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Request *req;
	struct engine_req *q, *next;
	int r;

	for (q = e->head; q != NULL && e->state == ENGINE_READY; q = next) {
		next = q->next;
		if (q->sent)
			continue;
		req = sotto__request__unpack(&engine_pb_secure, q->len,
		    q->packed);
		if (req == NULL) {
			engine_req_finish(q, ERR_INTERNAL, NULL);
			continue;
		}
		f.body_case = SOTTO__FRAME__BODY_REQUEST;
		f.request = req;
		r = net_send(e->net, &f);
		sotto__request__free_unpacked(req, &engine_pb_secure);
		if (r == ERR_CLOSED)
			return;		/* sent after the reconnect */
		if (r != 0) {
			engine_req_finish(q, r, NULL);
			continue;
		}
		q->sent = 1;
		log_debug("request %llu sent", (unsigned long long)q->id);
	}
}

static int
engine_on_ready(void *ud, const uint8_t key[NOISE_KEY_LEN], const char *sw)
{
	struct engine *e = ud;
	struct store_server srv;
	const uint8_t *want = NULL;
	int r;

	if ((r = store_get_server(e->store, &srv)) != 0)
		return r;
	if (e->have_expected)
		want = e->expected;
	else if (srv.has_key)
		want = srv.key;
	if (want != NULL && !sec_equal(want, key, NOISE_KEY_LEN)) {
		e->mismatch = 1;
		memcpy(e->mm_expected, want, NOISE_KEY_LEN);
		memcpy(e->mm_offered, key, NOISE_KEY_LEN);
		log_error("the server's key is not the expected one");
		return ERR_KEY_CHANGED;
	}
	if (!srv.has_key) {
		if ((r = store_set_server_key(e->store, key)) != 0)
			return r;
		log_info("server key pinned (%s)", e->have_expected ?
		    "given on the command line" : "trust on first use");
	}
	return 0;
}

/*
 * A bound device whose pts is ahead of the server's log: the server lost
 * entries (restored from an older copy). Which of the server's entries
 * are new since the restore cannot be told from the numbers, so sync reads
 * the whole log again: what this profile has is applied as itself again,
 * and a new message that takes the id of one the server lost moves that
 * one aside (store_put_message); every local message stays (doc/PROTOCOL.md,
 * "A server restored from an older copy").
 */
static void
engine_check_pts(struct engine *e, const Sotto__Welcome *w)
{
	uint64_t pts;
	int r;

	if (!w->pts_known || store_get_pts(e->store, &pts) != 0 ||
	    pts <= w->pts)
		return;
	e->welcome.behind = 1;
	e->welcome.local_pts = pts;
	e->welcome.server_pts = w->pts;
	log_warn("the server's log ends at pts %llu but this profile has seen "
	    "%llu: the server was restored from an older copy",
	    (unsigned long long)w->pts, (unsigned long long)pts);
	if ((r = store_set_pts(e->store, 0)) != 0)
		log_error_err(r, "cannot follow the server's log");
}

static void
engine_on_welcome(struct engine *e, const Sotto__Welcome *w)
{
	struct store_account acct;
	char *reason;
	int r;

	memset(&e->welcome, 0, sizeof(e->welcome));
	e->welcome.received = 1;
	e->welcome.authenticated = w->authenticated;
	e->welcome.user_id = w->user_id;
	e->welcome.device_id = w->device_id;
	e->welcome.terminated_why = w->terminated ? w->terminated_why : 0;
	/* Only a tombstone ends the session (DESIGN section 8). */
	if (!w->authenticated && (w->terminated ||
	    (w->revoked_reason != NULL && *w->revoked_reason != '\0'))) {
		if (w->revoked_reason != NULL && (reason = json_sanitize(
		    w->revoked_reason, strlen(w->revoked_reason))) != NULL) {
			snprintf(e->welcome.revoked_reason,
			    sizeof(e->welcome.revoked_reason), "%s", reason);
			free(reason);
		}
		if (e->welcome.revoked_reason[0] == '\0')
			snprintf(e->welcome.revoked_reason,
			    sizeof(e->welcome.revoked_reason), "%s",
			    err_str(ERR_REVOKED));
		log_warn("this device's session was terminated");
		if ((r = store_clear_account(e->store)) != 0)
			log_error_err(r, "cannot forget the account");
		engine_fail(e, ERR_REVOKED);
		return;
	}
	if (!w->authenticated &&
	    store_get_account(e->store, &acct) == 0) {
		/* Never heard of, not terminated: keep everything. */
		store_account_free(&acct);
		e->welcome.unknown = 1;
		log_warn("the server does not know this device (no record of "
		    "ending its session): it may have been reset or restored; "
		    "nothing is deleted or sent until --login");
	}
	if (w->authenticated)
		engine_check_pts(e, w);
	e->was_ready = 1;
	engine_set_state(e, ENGINE_READY, 0);
	engine_flush(e);
}

/* Stores what Register or Login returned. */
static int
engine_store_auth(struct engine *e, const Sotto__AuthResult *res)
{
	struct store_account a;
	const Sotto__Account *acc = res->account;

	if (acc == NULL || acc->user_id == 0 || res->device_id == 0)
		return ERR_PROTO;
	memset(&a, 0, sizeof(a));
	a.user_id = acc->user_id;
	a.device_id = res->device_id;
	a.username = acc->username;
	a.display_name = acc->display_name;
	a.phone = acc->phone;
	return store_set_account(e->store, &a);
}

/* Refreshes the stored account from WhoAmI. */
static int
engine_store_whoami(struct engine *e, const Sotto__WhoAmIResult *res)
{
	struct store_account a, upd;
	int r;

	if (res->account == NULL)
		return ERR_PROTO;
	if ((r = store_get_account(e->store, &a)) != 0)
		return r == ERR_NOT_FOUND ? 0 : r;
	if (a.user_id == res->account->user_id) {
		upd = a;
		upd.username = res->account->username;
		upd.display_name = res->account->display_name;
		upd.phone = res->account->phone;
		r = store_set_account(e->store, &upd);
	}
	store_account_free(&a);
	return r;
}

/* Applies a response's effect on the profile; returns the final error. */
static int
engine_apply(struct engine *e, struct engine_req *q, int err,
    const Sotto__Response *resp)
{
	int r;

	switch (q->kind) {
	case ENGINE_REGISTER:
	case ENGINE_LOGIN:
		if (err != 0)
			return err;
		if (resp->result_case != SOTTO__RESPONSE__RESULT_AUTH)
			return ERR_PROTO;
		if ((r = engine_store_auth(e, resp->auth)) != 0)
			return r;
		/*
		 * Bound again on a server that had forgotten this device:
		 * its log is not the one this profile followed, so it is
		 * read again from the start (engine_check_pts).
		 */
		if (e->welcome.unknown) {
			e->welcome.unknown = 0;
			if ((r = store_set_pts(e->store, 0)) != 0)
				return r;
		}
		log_info("logged in as user %llu, device %llu",
		    (unsigned long long)resp->auth->account->user_id,
		    (unsigned long long)resp->auth->device_id);
		return 0;
	case ENGINE_LOGOUT:
		if (err != 0 && err != ERR_NOT_AUTHED)
			return err;
		if ((r = store_clear_account(e->store)) != 0)
			return r;
		log_info("logged out");
		return err;
	case ENGINE_WHOAMI:
		if (err != 0)
			return err;
		if (resp->result_case != SOTTO__RESPONSE__RESULT_WHOAMI)
			return ERR_PROTO;
		return engine_store_whoami(e, resp->whoami);
	case ENGINE_CALL:
		break;
	}
	return err;
}

static void
engine_on_response(struct engine *e, const Sotto__Response *resp)
{
	struct engine_req *q;
	int err = 0;

	for (q = e->head; q != NULL; q = q->next)
		if (q->sent && q->id == resp->id)
			break;
	if (q == NULL) {
		log_warn("response to unknown request %llu",
		    (unsigned long long)resp->id);
		return;
	}
	if (resp->error != NULL) {
		err = resp->error->code;
		if (err >= 0)
			err = ERR_PROTO;	/* an error must say which */
	}
	err = engine_apply(e, q, err, resp);
	engine_req_finish(q, err, resp);
}

static int
engine_on_frame(void *ud, const Sotto__Frame *f)
{
	struct engine *e = ud;
	const Sotto__Goodbye *bye;

	switch (f->body_case) {
	case SOTTO__FRAME__BODY_WELCOME:
		if (e->state == ENGINE_READY)
			return ERR_PROTO;
		engine_on_welcome(e, f->welcome);
		return e->state == ENGINE_STOPPED ? e->error : 0;
	case SOTTO__FRAME__BODY_RESPONSE:
		if (e->state != ENGINE_READY)
			return ERR_PROTO;
		engine_on_response(e, f->response);
		return 0;
	case SOTTO__FRAME__BODY_UPDATE:
		if (e->state != ENGINE_READY)
			return ERR_PROTO;
		if (e->ev.on_update != NULL)
			e->ev.on_update(e->ud, f->update);
		return 0;
	case SOTTO__FRAME__BODY_GOODBYE:
		bye = f->goodbye;
		log_warn_err(bye->code < 0 ? bye->code : ERR_CLOSED,
		    "the server said goodbye");
		if (bye->code == ERR_VERSION || bye->code == ERR_REVOKED) {
			engine_fail(e, bye->code);
			return bye->code;
		}
		return ERR_CLOSED;
	default:
		/* A server does not send requests; a newer body is unknown. */
		log_warn("unexpected frame (body %d)", (int)f->body_case);
		return 0;
	}
}

static void
engine_on_down(void *ud, int err)
{
	struct engine *e = ud;

	if (e->state == ENGINE_STOPPED)
		return;
	if (err == ERR_KEY_CHANGED || err == ERR_VERSION ||
	    err == ERR_REVOKED) {
		engine_fail(e, err);
		return;
	}
	memset(&e->welcome, 0, sizeof(e->welcome));
	engine_fail_requests(e, ERR_CLOSED, 1);
	engine_set_state(e, ENGINE_CONNECTING, err);
}

static const struct net_ops engine_net_ops = {
	engine_on_ready,
	engine_on_frame,
	engine_on_down,
};

/* A fatal error: stop for good and fail everything waiting. */
static void
engine_fail(struct engine *e, int err)
{
	if (e->state == ENGINE_STOPPED)
		return;
	e->error = err;
	net_stop(e->net);
	engine_set_state(e, ENGINE_STOPPED, err);
	engine_fail_requests(e, err, 0);
}

int
engine_new(struct engine **out, uv_loop_t *loop, struct store *store,
    const uint8_t device_priv[NOISE_KEY_LEN],
    const struct engine_config *cfg, const struct engine_events *ev,
    void *ud)
{
	struct engine *e;
	int r;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return ERR_NOMEM;
	e->loop = loop;
	e->store = store;
	if (ev != NULL)
		e->ev = *ev;
	e->ud = ud;
	e->state = ENGINE_IDLE;
	e->next_id = 1;
	if (cfg->server_key != NULL) {
		e->have_expected = 1;
		memcpy(e->expected, cfg->server_key, NOISE_KEY_LEN);
	}
	if ((r = net_new(&e->net, loop, cfg->server, device_priv,
	    cfg->software, &engine_net_ops, e)) != 0) {
		free(e);
		return r;
	}
	e->refs = 1;		/* the net */
	*out = e;
	return 0;
}

int
engine_start(struct engine *e)
{
	int r;

	if (e->state != ENGINE_IDLE)
		return e->state == ENGINE_STOPPED ? e->error : 0;
	engine_set_state(e, ENGINE_CONNECTING, 0);
	if ((r = net_start(e->net)) != 0)
		engine_fail(e, r);
	return r;
}

static void
engine_req_timeout(uv_timer_t *t)
{
	engine_req_finish(t->data, ERR_TIMEOUT, NULL);
}

static int
engine_submit(struct engine *e, enum engine_kind kind, Sotto__Request *req,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud)
{
	struct engine_req *q;
	size_t len;

	if (e->freeing)
		return ERR_CLOSED;
	if (e->state == ENGINE_STOPPED)
		return e->error;
	req->id = e->next_id++;
	len = sotto__request__get_packed_size(req);
	if (len > SOTTO_FRAME_MAX - 16)
		return ERR_TOO_BIG;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return ERR_NOMEM;
	if ((q->packed = sec_alloc(len > 0 ? len : 1)) == NULL) {
		free(q);
		return ERR_NOMEM;
	}
	q->len = sotto__request__pack(req, q->packed);
	q->e = e;
	q->id = req->id;
	q->kind = kind;
	q->cb = cb;
	q->ud = ud;
	uv_timer_init(e->loop, &q->timer);
	q->timer.data = q;
	e->refs++;
	if (timeout_ms > 0)
		uv_timer_start(&q->timer, engine_req_timeout, timeout_ms, 0);
	q->prev = e->tail;
	if (e->tail != NULL)
		e->tail->next = q;
	else
		e->head = q;
	e->tail = q;
	engine_flush(e);
	return 0;
}

int
engine_call(struct engine *e, const Sotto__Request *req, uint64_t timeout_ms,
    engine_reply_fn *cb, void *ud)
{
	Sotto__Request copy = *req;

	return engine_submit(e, ENGINE_CALL, &copy, timeout_ms, cb, ud);
}

/* What this client says it runs at Register and Login (--sessions). */
#define ENGINE_SOFTWARE "sotto " PACKAGE_VERSION

/* protobuf-c wants char *; these strings are only read. */
static char *
engine_str(const char *s)
{
	return (char *)(s != NULL ? s : "");
}

int
engine_register(struct engine *e, const struct engine_auth *a,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Register m = SOTTO__REGISTER__INIT;

	m.username = engine_str(a->username);
	m.password = engine_str(a->password);
	m.display_name = engine_str(a->display_name);
	m.phone = engine_str(a->phone);
	m.device_name = engine_str(a->device_name);
	m.software = (char *)ENGINE_SOFTWARE;
	req.method_case = SOTTO__REQUEST__METHOD_REGISTER;
	req.register_ = &m;
	return engine_submit(e, ENGINE_REGISTER, &req, timeout_ms, cb, ud);
}

int
engine_login(struct engine *e, const struct engine_auth *a,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Login m = SOTTO__LOGIN__INIT;

	m.username = engine_str(a->username);
	m.password = engine_str(a->password);
	m.device_name = engine_str(a->device_name);
	m.software = (char *)ENGINE_SOFTWARE;
	req.method_case = SOTTO__REQUEST__METHOD_LOGIN;
	req.login = &m;
	return engine_submit(e, ENGINE_LOGIN, &req, timeout_ms, cb, ud);
}

int
engine_logout(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Logout m = SOTTO__LOGOUT__INIT;

	req.method_case = SOTTO__REQUEST__METHOD_LOGOUT;
	req.logout = &m;
	return engine_submit(e, ENGINE_LOGOUT, &req, timeout_ms, cb, ud);
}

int
engine_whoami(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__WhoAmI m = SOTTO__WHO_AM_I__INIT;

	req.method_case = SOTTO__REQUEST__METHOD_WHOAMI;
	req.whoami = &m;
	return engine_submit(e, ENGINE_WHOAMI, &req, timeout_ms, cb, ud);
}

enum engine_state
engine_state(const struct engine *e)
{
	return e->state;
}

int
engine_error(const struct engine *e)
{
	return e->state == ENGINE_STOPPED ? e->error : 0;
}

int
engine_last_down(const struct engine *e)
{
	return net_last_error(e->net);
}

const char *
engine_last_down_reason(const struct engine *e)
{
	return net_last_reason(e->net);
}

uint64_t
engine_retry_in(const struct engine *e)
{
	return net_retry_in(e->net);
}

int
engine_was_ready(const struct engine *e)
{
	return e->was_ready;
}

const struct engine_welcome *
engine_welcome(const struct engine *e)
{
	return &e->welcome;
}

int
engine_key_mismatch(const struct engine *e, uint8_t expected[NOISE_KEY_LEN],
    uint8_t offered[NOISE_KEY_LEN])
{
	if (!e->mismatch)
		return ERR_NOT_FOUND;
	memcpy(expected, e->mm_expected, NOISE_KEY_LEN);
	memcpy(offered, e->mm_offered, NOISE_KEY_LEN);
	return 0;
}

static void
engine_net_freed(void *ud)
{
	engine_unref(ud);
}

void
engine_free(struct engine *e, void (*done)(void *), void *ud)
{
	if (e == NULL) {
		if (done != NULL)
			done(ud);
		return;
	}
	if (e->freeing)
		return;
	e->freeing = 1;
	e->done = done;
	e->done_ud = ud;
	if (e->state != ENGINE_STOPPED)
		e->state = ENGINE_STOPPED;
	if (e->error == 0)
		e->error = ERR_CLOSED;
	engine_fail_requests(e, ERR_CLOSED, 0);
	net_free(e->net, engine_net_freed, e);
}
