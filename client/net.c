/*
 * Client connection. One struct net lives as long as its owner wants a
 * connection; each TCP attempt is a struct net_conn that carries the
 * socket and the channel and is freed in its handle's close callback.
 *
 *   idle --start--> resolving --> connecting (one address after the
 *   other) --> handshake --> ready
 *
 * Any failure closes the attempt, reports on_down and, unless stopped,
 * arms the retry timer: the delay is uniform in [0, min(cap, base * 2^n)]
 * ms for the n-th consecutive failure ("full jitter"), so that many
 * clients of a restarted server do not come back in lockstep. A completed
 * handshake resets n.
 *
 * Lifetime: the struct is referenced by its two timers, by a pending
 * getaddrinfo and by every conn not yet closed; net_free() waits for all
 * of them before it frees.
 */
#include "client/net.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "crypto/sec.h"
#include "chan/chan.h"
#include "lib/err.h"
#include "proto/version.h"

struct net_conn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	struct net *net;
	struct chan *chan;
	int closing;
	int ready;
	uint8_t rbuf[SOTTO_NOISE_MAX + 2];
};

struct net {
	uv_loop_t *loop;
	char host[NET_HOST_MAX + 1];
	char port[NET_PORT_MAX + 1];
	uint8_t *priv;			/* sec_alloc()ed device key */
	char *software;
	const struct net_ops *ops;
	void *ud;

	uv_timer_t retry;		/* backoff between attempts */
	uv_timer_t deadline;		/* bounds one attempt */
	uv_getaddrinfo_t *gai;		/* a resolution in flight */
	struct addrinfo *ai_list;	/* addresses of this attempt */
	struct addrinfo *ai_next;	/* the next one to try */
	struct net_conn *conn;		/* the live attempt or connection */

	unsigned failures;		/* consecutive, for the backoff */
	int last_err;
	const char *last_reason;	/* static text */
	const char *why;		/* detail for the failure being made */
	int timed_out;			/* the deadline cancelled a resolution */
	int running;			/* between net_start and net_stop */

	/* Teardown: references still held, and who to tell when done. */
	unsigned refs;
	int freeing;
	void (*done)(void *);
	void *done_ud;
};

struct net_write {
	uv_write_t req;
	size_t len;
	uint8_t data[];
};

static void net_attempt(struct net *);
static void net_connect_next(struct net *);

static void
net_unref(struct net *n)
{
	void (*done)(void *);
	void *ud;

	if (--n->refs > 0 || !n->freeing)
		return;
	done = n->done;
	ud = n->done_ud;
	sec_free(n->priv);
	free(n->software);
	free(n);
	if (done != NULL)
		done(ud);
}

int
net_parse_addr(const char *addr, char host[NET_HOST_MAX + 1],
    char port[NET_PORT_MAX + 1])
{
	const char *h, *p = NULL, *colon, *end;
	size_t hlen, i;
	unsigned long v;
	char *ep;

	if (addr == NULL || *addr == '\0')
		return ERR_INVAL;
	if (addr[0] == '[') {
		/* An IPv6 literal: [::1] or [::1]:7433. */
		if ((end = strchr(addr, ']')) == NULL)
			return ERR_INVAL;
		h = addr + 1;
		hlen = (size_t)(end - h);
		if (end[1] == ':')
			p = end + 2;
		else if (end[1] != '\0')
			return ERR_INVAL;
	} else {
		h = addr;
		colon = strchr(addr, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return ERR_INVAL;	/* a bare IPv6 literal is ambiguous */
		hlen = colon != NULL ? (size_t)(colon - addr) : strlen(addr);
		if (colon != NULL)
			p = colon + 1;
	}
	if (hlen == 0 || hlen > NET_HOST_MAX)
		return ERR_INVAL;
	for (i = 0; i < hlen; i++)
		if (h[i] <= ' ' || h[i] >= 0x7f || h[i] == '/')
			return ERR_INVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (p == NULL) {
		snprintf(port, NET_PORT_MAX + 1, "%d", SOTTO_DEFAULT_PORT);
		return 0;
	}
	if (*p < '0' || *p > '9')
		return ERR_INVAL;
	v = strtoul(p, &ep, 10);
	if (*ep != '\0' || v == 0 || v > 65535)
		return ERR_INVAL;
	snprintf(port, NET_PORT_MAX + 1, "%lu", v);
	return 0;
}

int
net_new(struct net **out, uv_loop_t *loop, const char *addr,
    const uint8_t device_priv[NOISE_KEY_LEN], const char *software,
    const struct net_ops *ops, void *ud)
{
	struct net *n;
	int r;

	*out = NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return ERR_NOMEM;
	if ((r = net_parse_addr(addr, n->host, n->port)) != 0)
		goto fail;
	if ((n->priv = sec_alloc(NOISE_KEY_LEN)) == NULL ||
	    (n->software = strdup(software != NULL ? software : "sotto")) ==
	    NULL) {
		r = ERR_NOMEM;
		goto fail;
	}
	memcpy(n->priv, device_priv, NOISE_KEY_LEN);
	n->loop = loop;
	n->ops = ops;
	n->ud = ud;
	uv_timer_init(loop, &n->retry);
	uv_timer_init(loop, &n->deadline);
	n->retry.data = n;
	n->deadline.data = n;
	n->refs = 2;
	*out = n;
	return 0;
fail:
	sec_free(n->priv);
	free(n->software);
	free(n);
	return r;
}

static void
net_conn_closed(uv_handle_t *h)
{
	struct net_conn *c = h->data;
	struct net *n = c->net;

	chan_free(c->chan);
	sec_wipe(c->rbuf, sizeof(c->rbuf));
	free(c);
	net_unref(n);
}

/* Closes an attempt without telling anyone. */
static void
net_conn_close(struct net_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->net->conn == c)
		c->net->conn = NULL;
	uv_close((uv_handle_t *)&c->tcp, net_conn_closed);
}

static void
net_free_addrs(struct net *n)
{
	if (n->ai_list != NULL)
		uv_freeaddrinfo(n->ai_list);
	n->ai_list = NULL;
	n->ai_next = NULL;
}

static void
net_retry_cb(uv_timer_t *t)
{
	struct net *n = t->data;

	if (n->running)
		net_attempt(n);
}

/* Ends the current attempt with err: report it, then back off and retry. */
static void
net_failed(struct net *n, int err)
{
	uint64_t ceiling;
	uint32_t delay;

	if (n->conn != NULL)
		net_conn_close(n->conn);
	net_free_addrs(n);
	uv_timer_stop(&n->deadline);
	n->last_err = err;
	n->last_reason = n->why != NULL ? n->why : err_str(err);
	n->why = NULL;
	log_warn_err(err, "connection attempt ended (failure %u in a row)",
	    n->failures + 1);
	if (n->ops->on_down != NULL)
		n->ops->on_down(n->ud, err);
	if (!n->running)
		return;
	ceiling = NET_BACKOFF_BASE_MS;
	if (n->failures < 16)
		ceiling <<= n->failures;
	else
		ceiling = NET_BACKOFF_CAP_MS;
	if (ceiling > NET_BACKOFF_CAP_MS)
		ceiling = NET_BACKOFF_CAP_MS;
	n->failures++;
	delay = sec_random_uniform((uint32_t)ceiling + 1);
	log_debug("next attempt in %u ms", (unsigned)delay);
	uv_timer_start(&n->retry, net_retry_cb, delay, 0);
}

static void
net_deadline_cb(uv_timer_t *t)
{
	struct net *n = t->data;

	if (n->gai != NULL) {
		/* The resolver's callback reports the failure. */
		n->timed_out = 1;
		(void)uv_cancel((uv_req_t *)n->gai);
		return;
	}
	n->why = n->conn != NULL ? "no answer to the handshake" :
	    "connecting timed out";
	net_failed(n, ERR_TIMEOUT);
}

static void
net_write_cb(uv_write_t *req, int status)
{
	struct net_write *w = req->data;
	struct net_conn *c = w->req.handle->data;

	free(w);
	if (status < 0 && status != UV_ECANCELED && !c->closing &&
	    c->net->conn == c) {
		log_warn("write failed: %s", uv_strerror(status));
		net_failed(c->net, ERR_CLOSED);
	}
}

/* The channel's bytes for the socket. */
static void
net_chan_send(void *ud, const uint8_t *buf, size_t len)
{
	struct net_conn *c = ud;
	struct net_write *w;
	uv_buf_t b;

	if (c->closing)
		return;
	if ((w = malloc(sizeof(*w) + len)) == NULL) {
		net_failed(c->net, ERR_NOMEM);
		return;
	}
	memcpy(w->data, buf, len);
	w->len = len;
	w->req.data = w;
	b = uv_buf_init((char *)w->data, (unsigned int)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1,
	    net_write_cb) != 0) {
		free(w);
		net_failed(c->net, ERR_CLOSED);
	}
}

static int
net_chan_ready(void *ud, const uint8_t rs[NOISE_KEY_LEN], const char *sw)
{
	struct net_conn *c = ud;
	struct net *n = c->net;
	int r;

	if (c->closing)
		return ERR_CLOSED;
	uv_timer_stop(&n->deadline);
	log_info("secure channel ready");
	if ((r = n->ops->on_ready(n->ud, rs, sw)) != 0)
		return r;
	c->ready = 1;
	n->failures = 0;
	return 0;
}

static int
net_chan_frame(void *ud, const Sotto__Frame *f)
{
	struct net_conn *c = ud;

	if (c->closing || !c->ready)
		return ERR_CLOSED;
	return c->net->ops->on_frame(c->net->ud, f);
}

static const struct chan_ops net_chan_ops = {
	net_chan_send,
	net_chan_ready,
	net_chan_frame,
};

static void
net_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct net_conn *c = h->data;

	*buf = uv_buf_init((char *)c->rbuf, sizeof(c->rbuf));
}

static void
net_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct net_conn *c = s->data;
	int r;

	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		log_info("connection closed: %s", uv_strerror((int)nread));
		if (!c->ready)
			c->net->why = "the connection closed during the "
			    "handshake";
		net_failed(c->net, c->ready ? ERR_CLOSED : ERR_UNREACHABLE);
		return;
	}
	if ((r = chan_input(c->chan, (const uint8_t *)buf->base,
	    (size_t)nread)) != 0 && !c->closing)
		net_failed(c->net, r);
}

static void
net_connect_cb(uv_connect_t *req, int status)
{
	struct net_conn *c = req->data;
	struct net *n = c->net;
	int r;

	if (c->closing)
		return;
	if (status < 0) {
		log_info("connect failed: %s", uv_strerror(status));
		n->why = uv_strerror(status);
		net_conn_close(c);
		net_connect_next(n);
		return;
	}
	net_free_addrs(n);
	n->why = NULL;
	(void)uv_tcp_nodelay(&c->tcp, 1);
	(void)uv_tcp_keepalive(&c->tcp, 1, 60);
	if ((r = chan_new(&c->chan, NOISE_INITIATOR, n->priv, n->software,
	    &net_chan_ops, c)) != 0) {
		net_failed(n, r);
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->tcp, net_alloc_cb,
	    net_read_cb) != 0) {
		net_failed(n, ERR_CLOSED);
		return;
	}
	if ((r = chan_start(c->chan)) != 0 && !c->closing)
		net_failed(n, r);
}

/* Tries the next resolved address; reports failure when none is left. */
static void
net_connect_next(struct net *n)
{
	struct addrinfo *ai;
	struct net_conn *c;

	while ((ai = n->ai_next) != NULL) {
		n->ai_next = ai->ai_next;
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			net_failed(n, ERR_NOMEM);
			return;
		}
		c->net = n;
		if (uv_tcp_init(n->loop, &c->tcp) != 0) {
			free(c);
			net_failed(n, ERR_IO);
			return;
		}
		c->tcp.data = c;
		c->creq.data = c;
		n->refs++;
		n->conn = c;
		if (uv_tcp_connect(&c->creq, &c->tcp, ai->ai_addr,
		    net_connect_cb) == 0)
			return;
		net_conn_close(c);
	}
	net_failed(n, ERR_UNREACHABLE);
}

static void
net_resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct net *n = req->data;

	free(req);
	n->gai = NULL;
	if (!n->running || status == UV_ECANCELED) {
		if (res != NULL)
			uv_freeaddrinfo(res);
		if (n->running)
			net_failed(n, n->timed_out ? ERR_TIMEOUT : ERR_CLOSED);
		net_unref(n);
		return;
	}
	if (status < 0) {
		log_warn("cannot resolve the server's host: %s",
		    uv_strerror(status));
		n->why = uv_strerror(status);
		net_failed(n, ERR_UNREACHABLE);
		net_unref(n);
		return;
	}
	n->ai_list = n->ai_next = res;
	net_connect_next(n);
	net_unref(n);
}

static void
net_attempt(struct net *n)
{
	struct addrinfo hints;
	uv_getaddrinfo_t *req;

	if (n->conn != NULL || n->gai != NULL)
		return;
	n->timed_out = 0;
	n->why = NULL;
	uv_timer_start(&n->deadline, net_deadline_cb, NET_ATTEMPT_MS, 0);
	if ((req = calloc(1, sizeof(*req))) == NULL) {
		net_failed(n, ERR_NOMEM);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	req->data = n;
	n->gai = req;
	n->refs++;
	if (uv_getaddrinfo(n->loop, req, net_resolved_cb, n->host, n->port,
	    &hints) != 0) {
		n->gai = NULL;
		n->refs--;
		free(req);
		net_failed(n, ERR_UNREACHABLE);
	}
}

int
net_start(struct net *n)
{
	if (n->freeing)
		return ERR_INVAL;
	n->running = 1;
	n->failures = 0;
	net_attempt(n);
	return 0;
}

void
net_reconnect(struct net *n, int err)
{
	/* With no live connection a retry is already armed or under way. */
	if (!n->running || n->conn == NULL)
		return;
	net_failed(n, err);
}

void
net_stop(struct net *n)
{
	n->running = 0;
	uv_timer_stop(&n->retry);
	uv_timer_stop(&n->deadline);
	if (n->gai != NULL)
		(void)uv_cancel((uv_req_t *)n->gai);
	if (n->conn != NULL)
		net_conn_close(n->conn);
	net_free_addrs(n);
}

int
net_send(struct net *n, const Sotto__Frame *f)
{
	if (n->conn == NULL || !n->conn->ready || n->conn->closing)
		return ERR_CLOSED;
	return chan_send(n->conn->chan, f);
}

const char *
net_last_reason(const struct net *n)
{
	return n->last_reason;
}

uint64_t
net_retry_in(const struct net *n)
{
	if (!uv_is_active((const uv_handle_t *)&n->retry))
		return 0;
	return uv_timer_get_due_in(&n->retry);
}

int
net_is_ready(const struct net *n)
{
	return n->conn != NULL && n->conn->ready && !n->conn->closing;
}

int
net_last_error(const struct net *n)
{
	return n->last_err;
}

static void
net_timer_closed(uv_handle_t *h)
{
	net_unref(h->data);
}

void
net_free(struct net *n, void (*done)(void *), void *ud)
{
	if (n == NULL) {
		if (done != NULL)
			done(ud);
		return;
	}
	net_stop(n);
	n->freeing = 1;
	n->done = done;
	n->done_ud = ud;
	uv_close((uv_handle_t *)&n->retry, net_timer_closed);
	uv_close((uv_handle_t *)&n->deadline, net_timer_closed);
}
