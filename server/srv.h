/*
 * sottod's core: one libuv loop, one listening socket, one struct srv_conn
 * per client. This header is shared by the server's modules only.
 *
 *   main.c       options, key file, store, signals; runs the loop
 *   srv.c        listener, group commit, shutdown
 *   srv_method.c the method table and the request dispatch
 *   srv_reply.c  answering a request, pushing an update
 *   srv_conn.c   a connection: socket, secure channel, timers, writes
 *   srv_auth.c   register / login / logout / whoami; Argon2 off the loop
 *   srv_store.c  SQLCipher storage behind srv_store_* (and srv_schema.c,
 *                srv_store_*.c)
 *   srv_limit.c  token buckets
 *   srv_directory.c  the directory throttle (lookups, import, budget)
 *
 * Group commit: writes made while handling input join one transaction,
 * and every byte sent while it is open is held back (srv_conn_write), so
 * that no answer leaves before the data it reports is committed. A check
 * handle, which runs once per loop turn after I/O, commits and then
 * releases the held bytes.
 */
#ifndef SOTTO_SRV_H
#define SOTTO_SRV_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "proto/sotto.pb-c.h"
#include "server/srv_keyfile.h"
#include "server/srv_limit.h"
#include "server/srv_store.h"

#define SRV_SOFTWARE "sottod " PACKAGE_VERSION
#define SRV_HANDSHAKE_MS 10000		/* a handshake must finish in this */
#define SRV_DRAIN_MS 5000		/* a closing peer must take our bytes */
#define SRV_CONN_MAX 10000		/* connections at once */
#define SRV_WRITE_MAX (4u << 20)	/* unsent bytes before we give up */
#define SRV_JOBS_MAX 64			/* Argon2 jobs queued at once */
#define SRV_PRUNE_MS 60000		/* rate-limit tables are pruned */
#define SRV_USER_BUCKETS 16384		/* the user -> connections index */
/*
 * Commits at most this often under load (a busy loop turns faster): a
 * larger group shares pages, and each page written costs SQLCipher an
 * encryption and a MAC. An idle server commits at the end of the turn.
 */
#define SRV_COMMIT_GAP_NS 1000000ull

/* Rate limits (doc/SECURITY.md): sign-in attempts per source address... */
#define SRV_ADDR_BURST 30.0
#define SRV_ADDR_RATE 0.5		/* tokens per second */
/* ...and login attempts per username, given back when one succeeds. */
#define SRV_ACCOUNT_BURST 10.0
#define SRV_ACCOUNT_RATE (1.0 / 60.0)
/* Sends per account: generous, so scripts run free but a flood does not. */
#define SRV_SEND_BURST 2000.0
#define SRV_SEND_RATE 1000.0
/* Typing notices per account. */
#define SRV_TYPING_BURST 10.0
#define SRV_TYPING_RATE 2.0

struct srv_conn;
struct srv_dir;

struct srv {
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_check_t commit;		/* group commit, once per loop turn */
	uv_timer_t commit_timer;	/* a commit put off by the gap */
	uint64_t last_commit_ns;	/* uv_hrtime() of the last commit */
	int commit_armed;
	uv_timer_t prune;
	const struct srv_keys *keys;	/* borrowed, in secure memory */
	struct srv_store *store;	/* borrowed */
	struct srv_limit *addr_limit;
	struct srv_limit *account_limit;
	struct srv_limit *send_limit;	/* per account */
	struct srv_dir *dir;		/* the directory throttle */
	struct srv_limit *typing_limit;	/* per account */
	struct srv_limit *join_limit;	/* JoinByLink, per account */
	/*
	 * Authenticated connections by user: chained through
	 * srv_conn.unext, so a push to an account costs O(its devices).
	 */
	struct srv_conn **by_user;
	char dummy_hash[128];		/* verified for unknown users */

	struct srv_conn *conns;		/* all connections */
	size_t nconns;
	uint64_t next_serial;
	size_t jobs;			/* Argon2 jobs in the thread pool */
	int held;			/* some connection holds bytes */
	int stopping;
	int handles;			/* open handles of srv itself */
	void (*on_stopped)(void *);
	void *ud;
	uint8_t rbuf[65536];		/* shared read buffer: one loop */
};

/*
 * Sets up the server on loop (nothing is bound yet). keys and store are
 * borrowed and must outlive it. Returns 0, ERR_NOMEM or ERR_INVAL.
 */
int srv_init(struct srv *s, uv_loop_t *loop, const struct srv_keys *keys,
    struct srv_store *store);

/*
 * Binds and listens on addr ("IPv4:PORT" or "[IPv6]:PORT") and writes the
 * address actually bound into bound. Returns 0, ERR_INVAL (bad address),
 * or ERR_IO; *why then says what failed, in words.
 */
int srv_listen(struct srv *s, const char *addr, char *bound, size_t cap,
    const char **why);

/* Splits "ADDR:PORT" or "[V6]:PORT" into ss. 0 or ERR_INVAL. */
int srv_parse_listen(const char *addr, struct sockaddr_storage *ss);

/* Releases what srv_init() allocated; after srv_stop() has completed. */
void srv_free(struct srv *s);

/*
 * Stops accepting, closes every connection, and calls done(ud) once all
 * of the server's handles are closed. Pending Argon2 jobs finish on their
 * own; their results are dropped.
 */
void srv_stop(struct srv *s, void (*done)(void *), void *ud);

/* Now, for rate limits: the loop's monotonic clock in ms. */
uint64_t srv_now_ms(const struct srv *s);

/*
 * A request from c: dispatches it by srv_method.c's table. Returns 0 or
 * ERR_* to close.
 */
int srv_dispatch(struct srv_conn *c, const Sotto__Request *req);

/* Adds c (authenticated, user_id set) to the index; removes it. */
void srv_bind_user(struct srv_conn *c);
void srv_unbind_user(struct srv_conn *c);

/*
 * The first connection of the chain user_id hashes to; walk it with
 * c->unext and skip those whose user_id differs.
 */
struct srv_conn *srv_user_conns(struct srv *s, uint64_t user_id);

/*
 * Commits at the next loop turn: for writes made where the turn's check
 * has run already (a connection's close callback).
 */
void srv_commit_soon(struct srv *s);

/* Marks that a connection holds bytes until the next commit. */
void srv_hold(struct srv *s);

/* A connection was freed (srv_conn.c): a stop may now be complete. */
void srv_conn_gone(struct srv *s);

#endif
