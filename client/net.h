/*
 * The connection to sottod: a libuv TCP client that resolves HOST:PORT,
 * connects, drives a chan/chan secure channel over the socket and, when
 * the connection fails or drops, tries again after an exponential backoff
 * with full jitter (base NET_BACKOFF_BASE_MS, cap NET_BACKOFF_CAP_MS)
 * until net_stop(). One attempt (resolve, connect, handshake) is bounded
 * by NET_ATTEMPT_MS.
 *
 * Callbacks run on the loop. From inside any of them the owner may call
 * net_send(), net_stop() and net_reconnect(); net_free() must wait until
 * they have returned.
 */
#ifndef SOTTO_NET_H
#define SOTTO_NET_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "crypto/noise.h"
#include "proto/sotto.pb-c.h"

#define NET_BACKOFF_BASE_MS 250
#define NET_BACKOFF_CAP_MS 30000
#define NET_ATTEMPT_MS 10000
#define NET_HOST_MAX 254
#define NET_PORT_MAX 6

struct net;

struct net_ops {
	/*
	 * The handshake completed with a server whose static key is
	 * server_key. Return 0 to use the connection, or an ERR_* to drop it
	 * (on_down then follows with that code).
	 */
	int (*on_ready)(void *ud, const uint8_t server_key[NOISE_KEY_LEN],
	    const char *software);
	/* A frame arrived (freed after the call). Return 0 or ERR_* to drop. */
	int (*on_frame)(void *ud, const Sotto__Frame *f);
	/*
	 * An attempt failed or a connection dropped; err says why
	 * (ERR_UNREACHABLE: no TCP connection; ERR_TIMEOUT; ERR_CLOSED: the
	 * peer went away; or the channel's or a callback's error). Unless
	 * net_stop() is called, the next attempt follows after a backoff.
	 */
	void (*on_down)(void *ud, int err);
};

/*
 * Splits "HOST[:PORT]" ("[v6]:PORT" for IPv6 literals) into host and port
 * (SOTTO_DEFAULT_PORT when absent). Returns 0 or ERR_INVAL.
 */
int net_parse_addr(const char *addr, char host[NET_HOST_MAX + 1],
    char port[NET_PORT_MAX + 1]);

/*
 * Creates the connection object for addr (see net_parse_addr). The device
 * key device_priv is copied into secure memory; software names the client
 * in its Hello. Returns 0, ERR_INVAL or ERR_NOMEM. Nothing happens until
 * net_start().
 */
int net_new(struct net **out, uv_loop_t *loop, const char *addr,
    const uint8_t device_priv[NOISE_KEY_LEN], const char *software,
    const struct net_ops *ops, void *ud);

/* Starts the first attempt now. Returns 0 or ERR_*. */
int net_start(struct net *n);

/* Drops the current connection, if any, and tries again after a backoff. */
void net_reconnect(struct net *n, int err);

/* Closes the connection and stops trying; no callback runs afterwards. */
void net_stop(struct net *n);

/*
 * Encrypts and queues f. Returns 0, ERR_CLOSED when there is no connection
 * past its handshake, ERR_TOO_BIG, ERR_NOMEM.
 */
int net_send(struct net *n, const Sotto__Frame *f);

/* Whether a connection has completed its handshake. */
int net_is_ready(const struct net *n);

/* The error of the last failed attempt (0 before any). */
int net_last_error(const struct net *n);

/*
 * Why the last attempt failed, in words ("connection refused"), or NULL
 * before any failure. The string is static.
 */
const char *net_last_reason(const struct net *n);

/* Milliseconds until the next attempt; 0 when none is waiting. */
uint64_t net_retry_in(const struct net *n);

/*
 * Stops, then releases everything once libuv has closed the handles;
 * done(ud) runs after that (it may be NULL). n must not be used after.
 */
void net_free(struct net *n, void (*done)(void *), void *ud);

#endif
