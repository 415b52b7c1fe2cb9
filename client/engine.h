/*
 * The client engine: what both front ends (the command line now, the TUI
 * later) use to talk to sottod. It owns the connection (client/net), pins
 * the server's key, reads the Welcome, matches responses to requests by
 * id, bounds each request with its own timeout, and keeps the profile's
 * account state (store/) in step with what the server said.
 *
 * Everything runs on one libuv loop; callbacks run on it. Requests made
 * while the connection is down wait in order and are sent once the server
 * has welcomed this device; a request already sent when the connection
 * drops fails with ERR_CLOSED (it may or may not have been carried out).
 */
#ifndef SOTTO_ENGINE_H
#define SOTTO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "crypto/noise.h"
#include "proto/sotto.pb-c.h"

struct engine;
struct store;

enum engine_state {
	ENGINE_IDLE,		/* not started */
	ENGINE_CONNECTING,	/* trying to reach the server */
	ENGINE_READY,		/* welcomed: requests flow */
	ENGINE_STOPPED,		/* a fatal error, see engine_error() */
};

struct engine_config {
	const char *server;		/* "HOST[:PORT]" */
	const char *software;		/* our Hello, e.g. "sotto 0.1.0" */
	/*
	 * The server key to insist on (--server-key), or NULL to use the
	 * profile's pin, or to pin the first key seen when there is none.
	 */
	const uint8_t *server_key;
};

struct engine_events {
	/*
	 * The state changed, or another attempt to connect failed (CONNECTING
	 * again, err set). err is why the connection went down or the
	 * attempt failed (CONNECTING) or the fatal error (STOPPED); 0
	 * otherwise. May be NULL.
	 */
	void (*on_state)(void *ud, enum engine_state state, int err);
	/* A pushed Update (freed after the call). May be NULL. */
	void (*on_update)(void *ud, const Sotto__Update *u);
};

/* What the server's Welcome said on the current (or last) connection. */
struct engine_welcome {
	int received;
	int authenticated;
	uint64_t user_id;
	uint64_t device_id;
	/*
	 * Set when the account unbound this device: the server's words,
	 * already sanitised for a terminal.
	 */
	char revoked_reason[256];
	/*
	 * The tombstone's why (doc/PROTOCOL.md, "Welcome"): 2 another device
	 * ended this one, 4 the session TTL did; revoked_reason then says
	 * it whole ("this device was logged out by device 3 ... on DATE").
	 */
	uint32_t terminated_why;
	/*
	 * Not bound and no tombstone while this profile holds an account:
	 * the server never heard of this device (it was reset or restored
	 * from an older copy). Nothing is wiped; the profile stays as it is
	 * and nothing is sent until a --login binds the device again.
	 */
	int unknown;
	/*
	 * Bound, but the account's log on the server ends before this
	 * profile's pts (a server restored from an older copy): local_pts was
	 * this profile's, server_pts the server's; sync reads the log again.
	 */
	int behind;
	uint64_t local_pts;
	uint64_t server_pts;
};

/*
 * Completion of a request. err is 0 and resp holds the result; or err is
 * the server's ERR_* and resp->error says more (message, retry_after); or
 * resp is NULL and err is local: ERR_TIMEOUT, ERR_CLOSED (the connection
 * dropped after sending), the engine's fatal error, or ERR_DB/ERR_PROTO
 * when a result could not be applied. resp is freed after the call.
 */
typedef void engine_reply_fn(void *ud, int err, const Sotto__Response *resp);

/*
 * Creates an engine on loop for the profile store (borrowed: it must stay
 * open until the engine is freed) with the device key device_priv
 * (copied). Returns 0, ERR_INVAL (bad server address) or ERR_NOMEM.
 */
int engine_new(struct engine **out, uv_loop_t *loop, struct store *store,
    const uint8_t device_priv[NOISE_KEY_LEN],
    const struct engine_config *cfg, const struct engine_events *ev,
    void *ud);

/* Starts connecting (and reconnecting, until stopped). 0 or ERR_*. */
int engine_start(struct engine *e);

/*
 * Sends req (its id is assigned here; the caller keeps ownership of req,
 * which is copied). timeout_ms bounds the wait for the answer from now,
 * including the time spent waiting for a connection; 0 waits forever.
 * Returns 0, after which cb runs exactly once (never from inside this
 * call); or ERR_NOMEM, ERR_TOO_BIG, or the fatal error of a stopped
 * engine, and cb never runs.
 */
int engine_call(struct engine *e, const Sotto__Request *req,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud);

/* The fields of Register and Login; NULL strings are sent empty. */
struct engine_auth {
	const char *username;
	const char *password;
	const char *display_name;	/* Register only */
	const char *phone;		/* Register only */
	const char *device_name;
};

/*
 * Account calls, as engine_call() plus their effect on the profile:
 * Register and Login store the account on success; Logout forgets it (and
 * the device key, see store_clear_account) on success or when the server
 * no longer knows the device; WhoAmI refreshes the stored account.
 */
int engine_register(struct engine *e, const struct engine_auth *a,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud);
int engine_login(struct engine *e, const struct engine_auth *a,
    uint64_t timeout_ms, engine_reply_fn *cb, void *ud);
int engine_logout(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud);
int engine_whoami(struct engine *e, uint64_t timeout_ms, engine_reply_fn *cb,
    void *ud);

enum engine_state engine_state(const struct engine *e);

/* The fatal error of a stopped engine, else 0. */
int engine_error(const struct engine *e);

/*
 * Why the last connection attempt failed: an ERR_* code (0 before any
 * failure) and a static text (NULL before any failure).
 */
int engine_last_down(const struct engine *e);
const char *engine_last_down_reason(const struct engine *e);

/* Milliseconds until the next connection attempt; 0 when none waits. */
uint64_t engine_retry_in(const struct engine *e);

/* Whether a Welcome has ever been received. */
int engine_was_ready(const struct engine *e);

const struct engine_welcome *engine_welcome(const struct engine *e);

/*
 * After ERR_KEY_CHANGED: the key that was expected (pinned, or given with
 * --server-key) and the one the server offered. Returns 0, or ERR_NOT_FOUND
 * when no mismatch happened.
 */
int engine_key_mismatch(const struct engine *e,
    uint8_t expected[NOISE_KEY_LEN], uint8_t offered[NOISE_KEY_LEN]);

/*
 * Stops and releases the engine: pending requests fail with ERR_CLOSED
 * (their callbacks run now), the connection is closed, and done(ud) runs
 * once libuv has closed every handle. May be called from a callback.
 */
void engine_free(struct engine *e, void (*done)(void *), void *ud);

#endif
