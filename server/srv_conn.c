/*
 * A client connection. Reads go through the server's shared buffer into
 * the channel, which calls back with the handshake result and frames.
 * Writes are copied into one request each; while the store has writes
 * waiting for the group commit they are held on the connection instead,
 * in order, and released by srv_conn_release().
 *
 * Closing: a hard close closes both handles at once (libuv cancels queued
 * writes); a draining close first sends what is queued or held (a
 * Goodbye, an error) with uv_shutdown, bounded by SRV_DRAIN_MS.
 */
#include "config.h"

#include "server/srv_conn.h"

#include <stdlib.h>
#include <string.h>

#include "chan/chan.h"
#include "lib/err.h"
#include "proto/wire.h"
#include "server/srv.h"
#include "server/srv_auth.h"
#include "lib/log.h"

struct srv_held {
	struct srv_held *next;
	size_t len;
	uint8_t data[];
};

struct srv_wreq {
	uv_write_t req;
	struct srv_conn *c;
	size_t len;
	uint8_t data[];
};

static void srv_conn_send_bytes(void *, const uint8_t *, size_t);
static int srv_conn_on_ready(void *, const uint8_t *, const char *);
static int srv_conn_on_frame(void *, const Sotto__Frame *);

static const struct chan_ops srv_conn_chan_ops = {
	.send = srv_conn_send_bytes,
	.on_ready = srv_conn_on_ready,
	.on_frame = srv_conn_on_frame,
};

static void
srv_conn_free(struct srv_conn *c)
{
	struct srv *s = c->srv;
	struct srv_held *h, *next;

	for (h = c->held; h != NULL; h = next) {
		next = h->next;
		free(h);
	}
	srv_unbind_user(c);
	chan_free(c->chan);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nconns--;
	free(c);
	srv_conn_gone(s);
}

static void
srv_conn_closed(uv_handle_t *h)
{
	struct srv_conn *c = h->data;

	if (--c->handles == 0)
		srv_conn_free(c);
}

/* Closes both handles now; queued writes are cancelled by libuv. */
static void
srv_conn_hard_close(struct srv_conn *c)
{
	c->closing = 1;
	if (c->job != NULL) {
		srv_auth_detach(c->job);
		c->job = NULL;
	}
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, srv_conn_closed);
	if (!uv_is_closing((uv_handle_t *)&c->timer))
		uv_close((uv_handle_t *)&c->timer, srv_conn_closed);
}

static void
srv_conn_timeout(uv_timer_t *t)
{
	struct srv_conn *c = t->data;

	if (!c->ready && !c->closing)
		log_debug("conn %llu: handshake timed out",
		    (unsigned long long)c->serial);
	srv_conn_hard_close(c);
}

static void
srv_conn_shutdown_done(uv_shutdown_t *req, int status)
{
	struct srv_conn *c = req->data;

	(void)status;
	free(req);
	srv_conn_hard_close(c);
}

/* Everything queued goes out, then FIN, then the close. */
static void
srv_conn_shutdown(struct srv_conn *c)
{
	uv_shutdown_t *req;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	if ((req = malloc(sizeof(*req))) == NULL) {
		srv_conn_hard_close(c);
		return;
	}
	req->data = c;
	if (uv_shutdown(req, (uv_stream_t *)&c->tcp,
	    srv_conn_shutdown_done) != 0) {
		free(req);
		srv_conn_hard_close(c);
	}
}

void
srv_conn_close(struct srv_conn *c, int drain)
{
	if (c->closing) {
		if (!drain && c->draining)
			srv_conn_hard_close(c);
		return;
	}
	c->closing = 1;
	if (c->job != NULL) {
		srv_auth_detach(c->job);
		c->job = NULL;
	}
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (!drain) {
		srv_conn_hard_close(c);
		return;
	}
	c->draining = 1;
	uv_timer_stop(&c->timer);
	uv_timer_start(&c->timer, srv_conn_timeout, SRV_DRAIN_MS, 0);
	/* Held bytes go first; srv_conn_release() shuts down after them. */
	if (c->held == NULL)
		srv_conn_shutdown(c);
}

static void
srv_conn_written(uv_write_t *req, int status)
{
	struct srv_wreq *w = (struct srv_wreq *)req;
	struct srv_conn *c = w->c;

	c->unsent -= w->len;
	free(w);
	if (status < 0 && !c->closing) {
		log_debug("conn %llu: write: %s", (unsigned long long)c->serial,
		    uv_strerror(status));
		srv_conn_close(c, 0);
	}
}

static void
srv_conn_write_now(struct srv_conn *c, const uint8_t *p, size_t len)
{
	struct srv_wreq *w;
	uv_buf_t b;
	int r;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	if (c->unsent + len > SRV_WRITE_MAX) {
		log_info("conn %llu: peer does not read; closing",
		    (unsigned long long)c->serial);
		srv_conn_close(c, 0);
		return;
	}
	if ((w = malloc(sizeof(*w) + len)) == NULL) {
		srv_conn_close(c, 0);
		return;
	}
	w->c = c;
	w->len = len;
	memcpy(w->data, p, len);
	b = uv_buf_init((char *)w->data, (unsigned)len);
	if ((r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1,
	    srv_conn_written)) != 0) {
		free(w);
		srv_conn_close(c, 0);
		return;
	}
	c->unsent += len;
}

/* The channel's output: held while a commit is pending, else written. */
static void
srv_conn_send_bytes(void *ud, const uint8_t *p, size_t len)
{
	struct srv_conn *c = ud;
	struct srv_held *h;

	if (c->closing && !c->draining)
		return;
	if (c->held == NULL && !srv_store_pending(c->srv->store)) {
		srv_conn_write_now(c, p, len);
		return;
	}
	if ((h = malloc(sizeof(*h) + len)) == NULL) {
		srv_conn_close(c, 0);
		return;
	}
	h->next = NULL;
	h->len = len;
	memcpy(h->data, p, len);
	if (c->held_tail != NULL)
		c->held_tail->next = h;
	else
		c->held = h;
	c->held_tail = h;
	srv_hold(c->srv);
}

void
srv_conn_release(struct srv_conn *c, int committed)
{
	struct srv_held *h, *next;

	h = c->held;
	c->held = c->held_tail = NULL;
	for (; h != NULL; h = next) {
		next = h->next;
		if (committed)
			srv_conn_write_now(c, h->data, h->len);
		free(h);
	}
	if (!committed) {
		log_warn("conn %llu: closed, its writes were not committed",
		    (unsigned long long)c->serial);
		srv_conn_close(c, 0);
	} else if (c->draining)
		srv_conn_shutdown(c);
}

int
srv_conn_send(struct srv_conn *c, const Sotto__Frame *f)
{
	int r;

	if (c->closing)
		return ERR_CLOSED;
	if ((r = chan_send(c->chan, f)) != 0)
		log_warn_err(r, "conn %llu: send", (unsigned long long)c->serial);
	return r;
}

int
srv_conn_error(struct srv_conn *c, uint64_t id, int code,
    const char *message, uint32_t retry_after)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__Error e = SOTTO__ERROR__INIT;

	wire_error(&e, code, message != NULL ? message : err_str(code));
	e.retry_after = retry_after;
	resp.id = id;
	resp.error = &e;
	f.body_case = SOTTO__FRAME__BODY_RESPONSE;
	f.response = &resp;
	return srv_conn_send(c, &f);
}

static int
srv_conn_on_ready(void *ud, const uint8_t *key, const char *software)
{
	struct srv_conn *c = ud;

	(void)software;
	memcpy(c->key, key, NOISE_KEY_LEN);
	c->ready = 1;
	uv_timer_stop(&c->timer);
	return srv_auth_welcome(c);
}

static int
srv_conn_on_frame(void *ud, const Sotto__Frame *f)
{
	struct srv_conn *c = ud;

	switch (f->body_case) {
	case SOTTO__FRAME__BODY_REQUEST:
		return srv_dispatch(c, f->request);
	case SOTTO__FRAME__BODY_GOODBYE:
		return ERR_CLOSED;
	default:
		/* Responses, updates and welcomes only flow to clients. */
		return ERR_PROTO;
	}
}

static void
srv_conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct srv_conn *c = h->data;

	(void)hint;
	*buf = uv_buf_init((char *)c->srv->rbuf, sizeof(c->srv->rbuf));
}

static void
srv_conn_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct srv_conn *c = stream->data;
	int r;

	if (nread == 0 || c->closing)
		return;
	if (nread < 0) {
		log_debug("conn %llu: %s", (unsigned long long)c->serial,
		    nread == UV_EOF ? "closed by peer" : uv_strerror((int)nread));
		srv_conn_close(c, 0);
		return;
	}
	r = chan_input(c->chan, (const uint8_t *)buf->base, (size_t)nread);
	if (r != 0 && !c->closing) {
		log_debug("conn %llu: closing: %s", (unsigned long long)c->serial,
		    err_str(r));
		/* Drain: a Goodbye (version, refusal) may be on its way. */
		srv_conn_close(c, 1);
	}
}

/* Over the connection limit: accept and close at once. */
static void
srv_conn_refuse_closed(uv_handle_t *h)
{
	free(h);
}

static void
srv_conn_refuse(struct srv *s)
{
	uv_tcp_t *t;

	if ((t = malloc(sizeof(*t))) == NULL)
		return;
	if (uv_tcp_init(s->loop, t) != 0) {
		free(t);
		return;
	}
	(void)uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, srv_conn_refuse_closed);
}

static void
srv_conn_peer_addr(struct srv_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	snprintf(c->addr, sizeof(c->addr), "?");
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		uv_ip4_name((struct sockaddr_in *)&ss, c->addr, sizeof(c->addr));
	else if (ss.ss_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)&ss, c->addr,
		    sizeof(c->addr));
}

int
srv_conn_accept(struct srv *s)
{
	struct srv_conn *c;
	int r;

	if (s->nconns >= SRV_CONN_MAX) {
		srv_conn_refuse(s);
		return ERR_TOO_BIG;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		srv_conn_refuse(s);
		return ERR_NOMEM;
	}
	c->srv = s;
	c->serial = ++s->next_serial;
	if (uv_tcp_init(s->loop, &c->tcp) != 0) {
		free(c);
		srv_conn_refuse(s);
		return ERR_IO;
	}
	c->tcp.data = c;
	c->handles = 1;
	(void)uv_timer_init(s->loop, &c->timer);
	c->timer.data = c;
	c->handles = 2;
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;

	if ((r = uv_accept((uv_stream_t *)&s->listener,
	    (uv_stream_t *)&c->tcp)) != 0) {
		log_debug("accept: %s", uv_strerror(r));
		srv_conn_hard_close(c);
		return ERR_IO;
	}
	srv_conn_peer_addr(c);
	(void)uv_tcp_nodelay(&c->tcp, 1);
	(void)uv_tcp_keepalive(&c->tcp, 1, 60);
	if ((r = chan_new(&c->chan, NOISE_RESPONDER, s->keys->noise_priv,
	    SRV_SOFTWARE, &srv_conn_chan_ops, c)) != 0) {
		log_error_err(r, "conn %llu: channel",
		    (unsigned long long)c->serial);
		srv_conn_hard_close(c);
		return r;
	}
	uv_timer_start(&c->timer, srv_conn_timeout, SRV_HANDSHAKE_MS, 0);
	if ((r = uv_read_start((uv_stream_t *)&c->tcp, srv_conn_alloc,
	    srv_conn_read)) != 0) {
		srv_conn_hard_close(c);
		return ERR_IO;
	}
	log_debug("conn %llu: accepted", (unsigned long long)c->serial);
	return 0;
}
