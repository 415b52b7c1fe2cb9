/*
 * The listener, the group commit and shutdown (requests are dispatched
 * by srv_method.c).
 */
#include "config.h"

#include "server/srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/pwhash.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "server/srv_conn.h"
#include "server/srv_directory.h"
#include "server/srv_invite.h"
#include "lib/log.h"
#include "server/srv_presence.h"
#include "server/srv_report.h"
#include "server/srv_secret.h"
#include "server/srv_session.h"

uint64_t
srv_now_ms(const struct srv *s)
{
	return uv_now(s->loop);
}

void
srv_hold(struct srv *s)
{
	s->held = 1;
}

/*
 * Once per loop turn, after I/O: commit the turn's writes, then let the
 * answers that waited for them go out (or, when the commit failed, drop
 * the connections that were about to be told a lie).
 */
static void
srv_commit_now(struct srv *s)
{
	struct srv_conn *c, *next;
	int r = 0;

	if (s->commit_armed) {
		uv_timer_stop(&s->commit_timer);
		s->commit_armed = 0;
	}
	if (srv_store_pending(s->store)) {
		/* The directory's counts ride along with a commit due anyway. */
		(void)srv_dir_flush(s->dir, s->store);
		r = srv_store_commit(s->store);
		s->last_commit_ns = uv_hrtime();
	}
	if (!s->held)
		return;
	s->held = 0;
	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (c->held != NULL)
			srv_conn_release(c, r == 0);
	}
}

static void
srv_commit_timer(uv_timer_t *t)
{
	srv_commit_now(t->data);
}

void
srv_commit_soon(struct srv *s)
{
	if (s->stopping)
		return;
	if (s->commit_armed)
		uv_timer_stop(&s->commit_timer);
	uv_timer_start(&s->commit_timer, srv_commit_timer, 0, 0);
	s->commit_armed = 1;
}

/*
 * Once per loop turn: commit, unless the last commit was less than
 * SRV_COMMIT_GAP_NS ago; then a timer commits when the gap is over, so
 * a loaded server groups more writes into one commit.
 */
static void
srv_commit(uv_check_t *h)
{
	struct srv *s = h->data;
	uint64_t since;

	since = uv_hrtime() - s->last_commit_ns;
	if (srv_store_pending(s->store) && !s->stopping &&
	    since < SRV_COMMIT_GAP_NS) {
		/* The timer waits out what is left of the gap, no more. */
		if (!s->commit_armed) {
			uv_timer_start(&s->commit_timer, srv_commit_timer,
			    (SRV_COMMIT_GAP_NS - since + 999999) / 1000000,
			    0);
			s->commit_armed = 1;
		}
		return;
	}
	srv_commit_now(s);
}

static void
srv_prune(uv_timer_t *t)
{
	struct srv *s = t->data;

	srv_limit_prune(s->addr_limit, srv_now_ms(s));
	srv_limit_prune(s->account_limit, srv_now_ms(s));
	srv_limit_prune(s->send_limit, srv_now_ms(s));
	srv_dir_prune(s->dir, s->store, srv_now_ms(s));
	(void)srv_dir_flush(s->dir, s->store);
	srv_limit_prune(s->typing_limit, srv_now_ms(s));
	srv_limit_prune(s->join_limit, srv_now_ms(s));
	srv_secret_purge(s, 0);
	srv_invite_purge(s);
	srv_report_purge(s);
	srv_session_sweep(s);
}

static size_t
srv_user_bucket(uint64_t user_id)
{
	/* Fibonacci hashing: ids are sequential, so spread their high bits. */
	return (size_t)((user_id * 0x9e3779b97f4a7c15ULL) >> 50) &
	    (SRV_USER_BUCKETS - 1);
}

void
srv_bind_user(struct srv_conn *c)
{
	struct srv *s = c->srv;
	size_t b;

	if (c->indexed || !c->authed)
		return;
	b = srv_user_bucket(c->user_id);
	c->uprev = NULL;
	c->unext = s->by_user[b];
	if (c->unext != NULL)
		c->unext->uprev = c;
	s->by_user[b] = c;
	c->indexed = 1;
	srv_presence_changed(c, 1);
}

void
srv_unbind_user(struct srv_conn *c)
{
	struct srv *s = c->srv;

	if (!c->indexed)
		return;
	if (c->uprev != NULL)
		c->uprev->unext = c->unext;
	else
		s->by_user[srv_user_bucket(c->user_id)] = c->unext;
	if (c->unext != NULL)
		c->unext->uprev = c->uprev;
	c->unext = c->uprev = NULL;
	c->indexed = 0;
	srv_presence_changed(c, 0);
}

struct srv_conn *
srv_user_conns(struct srv *s, uint64_t user_id)
{
	return s->by_user[srv_user_bucket(user_id)];
}

static void
srv_limits_free(struct srv *s)
{
	srv_limit_free(s->addr_limit);
	srv_limit_free(s->account_limit);
	srv_limit_free(s->send_limit);
	srv_dir_free(s->dir);
	srv_limit_free(s->typing_limit);
	srv_limit_free(s->join_limit);
	s->join_limit = NULL;
	s->addr_limit = s->account_limit = s->send_limit = NULL;
	s->dir = NULL;
	s->typing_limit = NULL;
	free(s->by_user);
	s->by_user = NULL;
}

int
srv_init(struct srv *s, uv_loop_t *loop, const struct srv_keys *keys,
    struct srv_store *store)
{
	struct srv_dir_config dir_cfg;
	int r;

	memset(s, 0, sizeof(*s));
	srv_dir_config_default(&dir_cfg);
	s->loop = loop;
	s->keys = keys;
	s->store = store;
	if ((r = srv_limit_new(&s->addr_limit, SRV_ADDR_BURST, SRV_ADDR_RATE,
	    65536, sec_random_u64())) != 0 ||
	    (r = srv_limit_new(&s->account_limit, SRV_ACCOUNT_BURST,
	    SRV_ACCOUNT_RATE, 65536, sec_random_u64())) != 0 ||
	    (r = srv_limit_new(&s->send_limit, SRV_SEND_BURST, SRV_SEND_RATE,
	    65536, sec_random_u64())) != 0 ||
	    (r = srv_dir_new(&s->dir, &dir_cfg)) != 0 ||
	    (r = srv_limit_new(&s->typing_limit, SRV_TYPING_BURST,
	    SRV_TYPING_RATE, 65536, sec_random_u64())) != 0 ||
	    (r = srv_limit_new(&s->join_limit, SRV_JOIN_BURST,
	    SRV_JOIN_RATE, 65536, sec_random_u64())) != 0)
		goto fail;
	if ((s->by_user = calloc(SRV_USER_BUCKETS,
	    sizeof(*s->by_user))) == NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	/*
	 * Unknown users are checked against this hash so that they cost the
	 * same Argon2 work as known ones. Its password is random and lost.
	 */
	{
		char pw[33];
		uint8_t raw[16];

		sec_random(raw, sizeof(raw));
		(void)sec_hex_encode(pw, sizeof(pw), raw, sizeof(raw));
		r = pwhash_hash(s->dummy_hash, pw, strlen(pw));
		sec_wipe(pw, sizeof(pw));
		sec_wipe(raw, sizeof(raw));
		if (r != 0)
			goto fail;
	}
	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	uv_check_init(loop, &s->commit);
	s->commit.data = s;
	uv_check_start(&s->commit, srv_commit);
	uv_unref((uv_handle_t *)&s->commit);
	uv_timer_init(loop, &s->prune);
	s->prune.data = s;
	uv_timer_start(&s->prune, srv_prune, SRV_PRUNE_MS, SRV_PRUNE_MS);
	uv_unref((uv_handle_t *)&s->prune);
	srv_secret_purge(s, 1);
	uv_timer_init(loop, &s->commit_timer);
	s->commit_timer.data = s;
	s->handles = 4;
	srv_presence_init(s);
	return 0;
fail:
	srv_limits_free(s);
	return r;
}

void
srv_free(struct srv *s)
{
	srv_limits_free(s);
}

static void
srv_on_connection(uv_stream_t *server, int status)
{
	struct srv *s = server->data;

	if (status < 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	if (s->stopping)
		return;
	(void)srv_conn_accept(s);
}

int
srv_parse_listen(const char *addr, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon, *h = addr;
	size_t hlen;
	char *end;
	long port;

	if (addr == NULL || (colon = strrchr(addr, ':')) == NULL)
		return ERR_INVAL;
	hlen = (size_t)(colon - addr);
	if (*h == '[') {
		if (hlen < 2 || addr[hlen - 1] != ']')
			return ERR_INVAL;
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return ERR_INVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 0 ||
	    port > 65535)
		return ERR_INVAL;
	memset(ss, 0, sizeof(*ss));
	if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0)
		return 0;
	if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0)
		return 0;
	return ERR_INVAL;
}

int
srv_listen(struct srv *s, const char *addr, char *bound, size_t cap,
    const char **why)
{
	struct sockaddr_storage ss;
	char host[64];
	int len = sizeof(ss), r, port;

	*why = NULL;
	if (srv_parse_listen(addr, &ss) != 0) {
		*why = "expected ADDR:PORT, e.g. 127.0.0.1:7433 or [::1]:7433";
		return ERR_INVAL;
	}
	if ((r = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0)) != 0 ||
	    (r = uv_listen((uv_stream_t *)&s->listener, 511,
	    srv_on_connection)) != 0) {
		*why = uv_strerror(r);
		return ERR_IO;
	}
	if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss,
	    &len) != 0) {
		snprintf(bound, cap, "%s", addr);
		return 0;
	}
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(bound, cap, "[%s]:%d", host, port);
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(bound, cap, "%s:%d", host, port);
	}
	return 0;
}

static void
srv_maybe_stopped(struct srv *s)
{
	void (*done)(void *);

	if (!s->stopping || s->handles > 0 || s->nconns > 0 ||
	    s->on_stopped == NULL)
		return;
	done = s->on_stopped;
	s->on_stopped = NULL;
	done(s->ud);
}

void
srv_conn_gone(struct srv *s)
{
	srv_maybe_stopped(s);
}

static void
srv_handle_closed(uv_handle_t *h)
{
	struct srv *s = h->data;

	s->handles--;
	srv_maybe_stopped(s);
}

void
srv_stop(struct srv *s, void (*done)(void *), void *ud)
{
	struct srv_conn *c, *next;

	if (s->stopping)
		return;
	s->stopping = 1;
	s->on_stopped = done;
	s->ud = ud;
	/* What was answered but not yet committed goes out first. */
	(void)srv_dir_flush(s->dir, s->store);
	srv_commit_now(s);
	uv_close((uv_handle_t *)&s->listener, srv_handle_closed);
	uv_close((uv_handle_t *)&s->commit_timer, srv_handle_closed);
	uv_close((uv_handle_t *)&s->commit, srv_handle_closed);
	uv_close((uv_handle_t *)&s->prune, srv_handle_closed);
	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		srv_conn_close(c, 0);
	}
}
