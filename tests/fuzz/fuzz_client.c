/*
 * The client's fuzz targets' profile, and an engine (client/engine.h)
 * without I/O; see fuzz_client.h.
 */
#include "config.h"

#include "tests/fuzz/fuzz_client.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/noise.h"
#include "crypto/sec.h"
#include "lib/err.h"

struct fzc fzc;

struct fzc_call {
	uint64_t id;
	int method;
	engine_reply_fn *cb;
	void *ud;
};

struct engine {
	struct engine_events ev;
	void *ud;
	enum engine_state state;
	struct engine_welcome w;
	struct fzc_call calls[FZC_CALLS_MAX];
	size_t n;
	uint64_t next_id;
	int ready_once;
};

static struct engine *fzc_e;

static void
fzc_die(const char *what)
{
	fprintf(stderr, "fuzz client: %s\n", what);
	abort();
}

/* ---------------------------------------------------------------- engine */

int
engine_new(struct engine **out, uv_loop_t *loop, struct store *store,
    const uint8_t device_priv[NOISE_KEY_LEN],
    const struct engine_config *cfg, const struct engine_events *ev,
    void *ud)
{
	struct engine *e;

	(void)loop;
	(void)store;
	(void)device_priv;
	(void)cfg;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return ERR_NOMEM;
	e->ev = *ev;
	e->ud = ud;
	e->state = ENGINE_IDLE;
	e->w.received = 1;
	e->w.authenticated = 1;
	e->w.user_id = FZC_SELF;
	e->w.device_id = 1;
	fzc_e = e;
	*out = e;
	return 0;
}

int
engine_start(struct engine *e)
{
	if (e->state == ENGINE_IDLE)
		e->state = ENGINE_CONNECTING;
	return 0;
}

/* Fails the i-th call with err (resp NULL) or answers it. */
static void
fzc_finish(size_t i, int err, const Sotto__Response *resp)
{
	struct fzc_call k = fzc_e->calls[i];

	memmove(&fzc_e->calls[i], &fzc_e->calls[i + 1],
	    (fzc_e->n - i - 1) * sizeof(k));
	fzc_e->n--;
	k.cb(k.ud, err, resp);
}

int
engine_call(struct engine *e, const Sotto__Request *req, uint64_t timeout_ms,
    engine_reply_fn *cb, void *ud)
{
	(void)timeout_ms;
	if (e->state == ENGINE_STOPPED)
		return ERR_CLOSED;
	if (sotto__request__get_packed_size(req) > 65536)
		return ERR_TOO_BIG;
	/* Too many waiting: the oldest times out, as its timer would. */
	if (e->n == FZC_CALLS_MAX)
		fzc_finish(0, ERR_TIMEOUT, NULL);
	e->calls[e->n].id = ++e->next_id;
	e->calls[e->n].method = (int)req->method_case;
	if (req->method_case == SOTTO__REQUEST__METHOD_GET_DIFFERENCE &&
	    req->get_difference != NULL && req->get_difference->pts == 0)
		fzc.reads_from_start++;
	e->calls[e->n].cb = cb;
	e->calls[e->n].ud = ud;
	e->n++;
	return 0;
}

int
engine_register(struct engine *e, const struct engine_auth *a,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Register m = SOTTO__REGISTER__INIT;

	(void)a;
	req.method_case = SOTTO__REQUEST__METHOD_REGISTER;
	req.register_ = &m;
	return engine_call(e, &req, timeout_ms, cb, ud);
}

int
engine_login(struct engine *e, const struct engine_auth *a,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Login m = SOTTO__LOGIN__INIT;

	(void)a;
	req.method_case = SOTTO__REQUEST__METHOD_LOGIN;
	req.login = &m;
	return engine_call(e, &req, timeout_ms, cb, ud);
}

int
engine_logout(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Logout m = SOTTO__LOGOUT__INIT;

	req.method_case = SOTTO__REQUEST__METHOD_LOGOUT;
	req.logout = &m;
	return engine_call(e, &req, timeout_ms, cb, ud);
}

int
engine_whoami(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__WhoAmI m = SOTTO__WHO_AM_I__INIT;

	req.method_case = SOTTO__REQUEST__METHOD_WHOAMI;
	req.whoami = &m;
	return engine_call(e, &req, timeout_ms, cb, ud);
}

enum engine_state
engine_state(const struct engine *e)
{
	return e->state;
}

int
engine_error(const struct engine *e)
{
	(void)e;
	return 0;
}

int
engine_last_down(const struct engine *e)
{
	return e->ready_once ? ERR_CLOSED : 0;
}

const char *
engine_last_down_reason(const struct engine *e)
{
	return e->ready_once ? "connection closed" : NULL;
}

uint64_t
engine_retry_in(const struct engine *e)
{
	(void)e;
	return 0;
}

int
engine_was_ready(const struct engine *e)
{
	return e->ready_once;
}

const struct engine_welcome *
engine_welcome(const struct engine *e)
{
	return &e->w;
}

int
engine_key_mismatch(const struct engine *e, uint8_t expected[NOISE_KEY_LEN],
    uint8_t offered[NOISE_KEY_LEN])
{
	(void)e;
	(void)expected;
	(void)offered;
	return ERR_NOT_FOUND;
}

void
engine_free(struct engine *e, void (*done)(void *), void *ud)
{
	while (e->n > 0)
		fzc_finish(0, ERR_CLOSED, NULL);
	if (fzc_e == e)
		fzc_e = NULL;
	free(e);
	if (done != NULL)
		done(ud);
}

/* ---------------------------------------------------------------- driving */

void
fzc_ready(void)
{
	if (fzc_e->state == ENGINE_READY)
		return;
	fzc_e->state = ENGINE_READY;
	fzc_e->ready_once = 1;
	if (fzc_e->ev.on_state != NULL)
		fzc_e->ev.on_state(fzc_e->ud, ENGINE_READY, 0);
}

void
fzc_down(void)
{
	if (fzc_e->state != ENGINE_READY)
		return;
	fzc_e->state = ENGINE_CONNECTING;
	while (fzc_e->n > 0)
		fzc_finish(0, ERR_CLOSED, NULL);
	if (fzc_e->ev.on_state != NULL)
		fzc_e->ev.on_state(fzc_e->ud, ENGINE_CONNECTING, ERR_CLOSED);
}

void
fzc_push(const Sotto__Update *u)
{
	if (fzc_e->state == ENGINE_READY && fzc_e->ev.on_update != NULL)
		fzc_e->ev.on_update(fzc_e->ud, u);
}

size_t
fzc_pending(void)
{
	return fzc_e->n;
}

int
fzc_method(size_t i)
{
	return fzc_e->calls[i].method;
}

void
fzc_answer(size_t i, Sotto__Response *resp, int err)
{
	if (i >= fzc_e->n)
		return;
	if (resp == NULL) {
		fzc_finish(i, err, NULL);
		return;
	}
	resp->id = fzc_e->calls[i].id;
	err = 0;
	if (resp->error != NULL) {
		err = resp->error->code;
		if (err >= 0)
			err = ERR_PROTO;
	}
	fzc_finish(i, err, resp);
}

/* A plain success for method: what a server with nothing to say answers. */
static void
fzc_answer_plain(size_t i)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__Empty ok = SOTTO__EMPTY__INIT;
	Sotto__Difference d = SOTTO__DIFFERENCE__INIT;
	Sotto__SecretQueue q = SOTTO__SECRET_QUEUE__INIT;
	Sotto__PrekeyState ps = SOTTO__PREKEY_STATE__INIT;
	Sotto__UsersResult us = SOTTO__USERS_RESULT__INIT;
	Sotto__State st = SOTTO__STATE__INIT;
	Sotto__User bob = SOTTO__USER__INIT;
	Sotto__UserResult ur = SOTTO__USER_RESULT__INIT;
	Sotto__ContactResult cr = SOTTO__CONTACT_RESULT__INIT;
	Sotto__PtsResult pr = SOTTO__PTS_RESULT__INIT;
	Sotto__PrivacyResult pv = SOTTO__PRIVACY_RESULT__INIT;
	Sotto__SendResult sr = SOTTO__SEND_RESULT__INIT;
	Sotto__Message m = SOTTO__MESSAGE__INIT;
	Sotto__Chat ch = SOTTO__CHAT__INIT;
	static uint64_t next_msg;
	uint64_t pts = 0;

	bob.id = 2;
	bob.username = (char *)"bob";
	bob.display_name = (char *)"Bob";

	switch (fzc_method(i)) {
	case SOTTO__REQUEST__METHOD_GET_DIFFERENCE:
		(void)store_get_pts(fzc.st, &pts);
		d.pts = pts;
		resp.result_case = SOTTO__RESPONSE__RESULT_DIFFERENCE;
		resp.difference = &d;
		break;
	case SOTTO__REQUEST__METHOD_GET_SECRET_QUEUE:
		resp.result_case = SOTTO__RESPONSE__RESULT_SECRET_QUEUE;
		resp.secret_queue = &q;
		break;
	case SOTTO__REQUEST__METHOD_PUBLISH_PREKEYS:
		ps.opk_count = 100;
		resp.result_case = SOTTO__RESPONSE__RESULT_PREKEYS;
		resp.prekeys = &ps;
		break;
	case SOTTO__REQUEST__METHOD_GET_USERS:
	case SOTTO__REQUEST__METHOD_GET_CONTACTS:
	case SOTTO__REQUEST__METHOD_GET_BLOCKED:
		resp.result_case = SOTTO__RESPONSE__RESULT_USERS;
		resp.users = &us;
		break;
	case SOTTO__REQUEST__METHOD_GET_STATE:
		(void)store_get_pts(fzc.st, &pts);
		st.pts = pts;
		resp.result_case = SOTTO__RESPONSE__RESULT_STATE;
		resp.state = &st;
		break;
	case SOTTO__REQUEST__METHOD_RESOLVE_USER:
		ur.user = &bob;
		resp.result_case = SOTTO__RESPONSE__RESULT_USER;
		resp.user = &ur;
		break;
	case SOTTO__REQUEST__METHOD_ADD_CONTACT:
	case SOTTO__REQUEST__METHOD_REMOVE_CONTACT:
	case SOTTO__REQUEST__METHOD_BLOCK:
	case SOTTO__REQUEST__METHOD_UNBLOCK:
		cr.user = &bob;
		resp.result_case = SOTTO__RESPONSE__RESULT_CONTACT;
		resp.contact = &cr;
		break;
	case SOTTO__REQUEST__METHOD_DELETE_MESSAGES:
	case SOTTO__REQUEST__METHOD_READ_HISTORY:
		resp.result_case = SOTTO__RESPONSE__RESULT_PTS;
		resp.pts = &pr;
		break;
	case SOTTO__REQUEST__METHOD_GET_PRIVACY:
	case SOTTO__REQUEST__METHOD_SET_PRIVACY:
	case SOTTO__REQUEST__METHOD_SET_PRIVACY_EXCEPTION:
		resp.result_case = SOTTO__RESPONSE__RESULT_PRIVACY;
		resp.privacy = &pv;
		break;
	case SOTTO__REQUEST__METHOD_SEND_MESSAGE:
	case SOTTO__REQUEST__METHOD_EDIT_MESSAGE:
	case SOTTO__REQUEST__METHOD_CREATE_GROUP:
	case SOTTO__REQUEST__METHOD_ADD_MEMBER:
	case SOTTO__REQUEST__METHOD_REMOVE_MEMBER:
	case SOTTO__REQUEST__METHOD_LEAVE_CHAT:
	case SOTTO__REQUEST__METHOD_RENAME_CHAT:
		/* A message of alice's in her private chat with bob. */
		ch.id = 10;
		ch.kind = SOTTO__CHAT_KIND__CHAT_PRIVATE;
		ch.peer_id = 2;
		m.chat_id = 10;
		m.id = ++next_msg;
		m.sender_id = FZC_SELF;
		m.text = (char *)"sent";
		m.date = 1700000000;
		sr.message = &m;
		sr.chat = &ch;
		resp.result_case = SOTTO__RESPONSE__RESULT_SENT;
		resp.sent = &sr;
		break;
	default:
		resp.result_case = SOTTO__RESPONSE__RESULT_OK;
		resp.ok = &ok;
		break;
	}
	fzc_answer(i, &resp, 0);
}

void
fzc_answer_all(int rounds)
{
	while (rounds-- > 0 && fzc_e->n > 0) {
		size_t n = fzc_e->n;

		/* Those made by the callbacks wait for the next round. */
		while (n-- > 0 && fzc_e->n > 0)
			fzc_answer_plain(0);
	}
}

void
fzc_turn(void)
{
	(void)uv_run(&fzc.loop, UV_RUN_NOWAIT);
}

/* ---------------------------------------------------------------- setup */

static int
fzc_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
fzc_cleanup(void)
{
	if (fzc.dir[0] != '\0')
		(void)nftw(fzc.dir, fzc_rm, 16, FTW_DEPTH | FTW_PHYS);
}

void
fzc_setup(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	struct engine_config cfg = { "127.0.0.1:1", "sotto fuzz", NULL };
	struct store_account acct = {
		FZC_SELF, 1, (char *)"alice", (char *)"Alice", (char *)"",
	};
	uint8_t key[STORE_KEY_LEN], pub[NOISE_KEY_LEN], priv[NOISE_KEY_LEN];
	char path[512];

	if (sec_init() != 0)
		fzc_die("libsodium");
	snprintf(fzc.dir, sizeof(fzc.dir), "%s/%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", name);
	if (mkdtemp(fzc.dir) == NULL)
		fzc_die("cannot make a temporary directory");
	atexit(fzc_cleanup);
	snprintf(path, sizeof(path), "%s/profile.db", fzc.dir);
	sec_random(key, sizeof(key));
	if (noise_keypair(pub, priv) != 0 ||
	    store_open(&fzc.st, path, key, 1) != 0 ||
	    store_set_device_key(fzc.st, priv, pub) != 0 ||
	    store_set_account(fzc.st, &acct) != 0)
		fzc_die("cannot make the profile");
	if (uv_loop_init(&fzc.loop) != 0 ||
	    cloud_new(&fzc.cloud, &fzc.loop, fzc.st, priv, &cfg) != 0 ||
	    cloud_start(fzc.cloud) != 0)
		fzc_die("cannot start the client");
	sec_wipe(priv, sizeof(priv));
	sec_wipe(key, sizeof(key));
}
