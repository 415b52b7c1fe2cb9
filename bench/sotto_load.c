/*
 * sotto_load: a load generator for sottod, in C so that it is not the
 * bottleneck. It opens N connections (each a Noise channel, as the real
 * client makes), registers one fresh account per connection, then runs one
 * of three loads and prints figures. It passes or fails nothing.
 *
 *   sotto_load --server 127.0.0.1:7433 --clients 50 latency --rate 200 --seconds 10
 *   sotto_load --server ... --clients 1000 throughput --seconds 10 [--window 8]
 *   sotto_load --server ... --clients 100 flood --to USER --count 1000
 *
 * latency     messages at a steady total rate, each to the next client;
 *             the receiver measures send -> receive (same clock) and the
 *             tool prints p50/p99/p99.9/max.
 * throughput  every client keeps `window` sends in flight to the next
 *             client; prints messages delivered per second.
 * flood       every client sends `count` messages to USER (for the
 *             catch-up benchmark), then exits.
 *
 * Accounts are registered from source addresses 127.0.0.2, 127.0.0.3, ...
 * (20 per address) so that the per-address sign-in limit does not turn the
 * set-up into a wait; sottod's limits themselves stay as they are.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "crypto/noise.h"
#include "crypto/sec.h"
#include "chan/chan.h"
#include "lib/err.h"
#include "proto/sotto.pb-c.h"

#define PER_ADDR 20
#define REQ_REGISTER 1
#define REQ_RESOLVE 2

enum mode { MODE_LATENCY, MODE_THROUGHPUT, MODE_FLOOD };

struct load;

struct lc {
	struct load *L;
	int idx;
	uv_tcp_t tcp;
	uv_connect_t creq;
	uv_timer_t retry;
	struct chan *chan;
	uint8_t priv[NOISE_KEY_LEN];
	uint64_t user_id;
	uint64_t next_req;
	int ready;			/* registered */
	int resolving;			/* its ResolveUser of target is out */
	char target[40];		/* the username it sends to */
	uint64_t target_id;		/* its id, once resolved */
	int inflight;
	uint64_t sent, to_send;
	uint64_t paused_until;		/* ms, after ERR_RATE_LIMITED */
};

struct load {
	uv_loop_t *loop;
	struct sockaddr_in srv;
	enum mode mode;
	int n;
	struct lc *c;
	char prefix[16];
	double rate;
	double seconds;
	int window;
	const char *to;
	uint64_t to_id;
	uint64_t count;

	int nready, failed;
	int nresolved;			/* ring: targets resolved (or not) */
	int finished;			/* flood: clients that sent all */
	uint64_t t_start_ns, t_measure_ns, t_end_ns;
	uint64_t sent_total, acked, delivered, limited, errors;
	uint64_t *lat;
	size_t nlat, caplat;
	uv_timer_t tick;
	int done;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "sotto_load: %s\n", what);
	exit(1);
}

/* ---------------------------------------------------------------- I/O */

static void
on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void
lc_send_bytes(void *ud, const uint8_t *buf, size_t len)
{
	struct lc *c = ud;
	uv_write_t *req;
	uv_buf_t b;

	if ((req = malloc(sizeof(*req) + len)) == NULL)
		die("out of memory");
	memcpy(req + 1, buf, len);
	b = uv_buf_init((char *)(req + 1), (unsigned)len);
	if (uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
		free(req);
		c->L->errors++;
	}
}

static void
lc_request(struct lc *c, Sotto__Request *req)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;

	req->id = c->next_req++;
	f.body_case = SOTTO__FRAME__BODY_REQUEST;
	f.request = req;
	if (chan_send(c->chan, &f) != 0)
		c->L->errors++;
}

static void
lc_register(struct lc *c)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__Register r = SOTTO__REGISTER__INIT;
	char user[40], pw[40];

	snprintf(user, sizeof(user), "%s%d", c->L->prefix, c->idx);
	snprintf(pw, sizeof(pw), "load-password-%d", c->idx);
	r.username = user;
	r.password = pw;
	r.display_name = user;
	r.device_name = "sotto_load";
	req.method_case = SOTTO__REQUEST__METHOD_REGISTER;
	req.register_ = &r;
	lc_request(c, &req);
}

static void
lc_resolve(struct lc *c, const char *name)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__ResolveUser r = SOTTO__RESOLVE_USER__INIT;

	r.username = (char *)name;
	req.method_case = SOTTO__REQUEST__METHOD_RESOLVE_USER;
	req.resolve_user = &r;
	lc_request(c, &req);
}

static void
lc_send_message(struct lc *c, uint64_t to)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SendMessage m = SOTTO__SEND_MESSAGE__INIT;
	char text[64];

	/* The send time travels in the text: one clock, one machine. */
	snprintf(text, sizeof(text), "t%" PRIu64 " from %d", now_ns(), c->idx);
	m.to_user_id = to;
	m.random_id = sec_random_u64() | 1;
	m.text = text;
	req.method_case = SOTTO__REQUEST__METHOD_SEND_MESSAGE;
	req.send_message = &m;
	lc_request(c, &req);
	c->inflight++;
	c->sent++;
	c->L->sent_total++;
}

static uint64_t
target_of(struct lc *c)
{
	return c->target_id;
}

/*
 * Asks for c's target by name, as a real client does: sottod answers an
 * id only to an account that was shown it (doc/PROTOCOL.md, "Addressing
 * by id").
 */
static void
lc_find_target(struct lc *c)
{
	c->resolving = 1;
	lc_resolve(c, c->target);
}

static void start_load(struct load *L);
static void start_ring(struct load *L);

/* A target found (id) or not (0): flood clients are ready, rings start. */
static void
lc_target_done(struct lc *c, uint64_t id)
{
	struct load *L = c->L;

	c->resolving = 0;
	c->target_id = id;
	if (L->mode == MODE_FLOOD) {
		if (id == 0) {
			L->failed++;
		} else {
			L->to_id = id;
			c->ready = 1;
			L->nready++;
		}
		if (L->nready + L->failed == L->n)
			start_load(L);
		return;
	}
	if (++L->nresolved == L->nready)
		start_ring(L);
}


static void
lc_fill_window(struct lc *c)
{
	struct load *L = c->L;
	uint64_t now = uv_now(L->loop);

	if (L->done || !c->ready || c->target_id == 0 ||
	    now < c->paused_until)
		return;
	if (L->mode == MODE_THROUGHPUT)
		while (c->inflight < L->window)
			lc_send_message(c, target_of(c));
	else if (L->mode == MODE_FLOOD)
		while (c->inflight < L->window && c->sent < c->to_send)
			lc_send_message(c, target_of(c));
}

static void
lc_on_retry(uv_timer_t *t)
{
	struct lc *c = t->data;

	if (c->resolving)
		lc_find_target(c);
	else if (!c->ready)
		lc_register(c);
	else
		lc_fill_window(c);
}

static void
lc_on_response(struct lc *c, const Sotto__Response *r)
{
	struct load *L = c->L;

	if (r->error != NULL) {
		if (r->error->code == ERR_RATE_LIMITED) {
			uint32_t wait = r->error->retry_after ?
			    r->error->retry_after : 1;

			L->limited++;
			if (c->resolving) {
				uv_timer_start(&c->retry, lc_on_retry,
				    wait * 1000, 0);
				return;
			}
			if (r->id == REQ_REGISTER || !c->ready) {
				c->next_req = REQ_REGISTER;
				uv_timer_start(&c->retry, lc_on_retry,
				    wait * 1000, 0);
				return;
			}
			if (c->inflight > 0)
				c->inflight--;
			c->sent--;
			L->sent_total--;
			c->paused_until = uv_now(L->loop) + wait * 1000;
			uv_timer_start(&c->retry, lc_on_retry, wait * 1000, 0);
			return;
		}
		fprintf(stderr, "sotto_load: client %d: error %d: %s\n",
		    c->idx, r->error->code, r->error->message);
		L->errors++;
		if (c->resolving) {
			lc_target_done(c, 0);
			return;
		}
		if (!c->ready) {
			L->failed++;
			return;
		}
		if (c->inflight > 0)
			c->inflight--;
		return;
	}
	switch (r->result_case) {
	case SOTTO__RESPONSE__RESULT_AUTH:
		c->user_id = r->auth->account->user_id;
		c->next_req = 100;
		if (L->mode == MODE_FLOOD) {
			snprintf(c->target, sizeof(c->target), "%s", L->to);
			lc_find_target(c);
			return;
		}
		c->ready = 1;
		if (++L->nready + L->failed == L->n)
			start_load(L);
		return;
	case SOTTO__RESPONSE__RESULT_USER:
		if (c->resolving)
			lc_target_done(c, r->user->user != NULL ?
			    r->user->user->id : 0);
		return;
	case SOTTO__RESPONSE__RESULT_SENT:
		if (c->inflight > 0)
			c->inflight--;
		if (L->t_measure_ns != 0)
			L->acked++;
		lc_fill_window(c);
		if (L->mode == MODE_FLOOD && c->sent == c->to_send &&
		    c->inflight == 0 && ++L->finished == L->n) {
			L->t_end_ns = now_ns();
			L->done = 1;
			uv_stop(L->loop);
		}
		return;
	default:
		return;
	}
}

static void
lc_on_update(struct lc *c, const Sotto__Update *u)
{
	struct load *L = c->L;
	const Sotto__Message *m;
	uint64_t t, now;

	if (u->event_case != SOTTO__UPDATE__EVENT_NEW_MESSAGE ||
	    u->new_message->message == NULL)
		return;
	m = u->new_message->message;
	if (m->sender_id == c->user_id)
		return;			/* our own message, echoed */
	now = now_ns();
	if (L->t_measure_ns == 0 || now < L->t_measure_ns)
		return;
	L->delivered++;
	if (L->mode == MODE_LATENCY && m->text != NULL && m->text[0] == 't' &&
	    sscanf(m->text + 1, "%" SCNu64, &t) == 1 && t <= now) {
		if (L->nlat == L->caplat) {
			L->caplat = L->caplat ? 2 * L->caplat : 65536;
			if ((L->lat = realloc(L->lat, L->caplat *
			    sizeof(*L->lat))) == NULL)
				die("out of memory");
		}
		L->lat[L->nlat++] = now - t;
	}
}

static int
lc_on_frame(void *ud, const Sotto__Frame *f)
{
	struct lc *c = ud;

	switch (f->body_case) {
	case SOTTO__FRAME__BODY_WELCOME:
		lc_register(c);
		break;
	case SOTTO__FRAME__BODY_RESPONSE:
		lc_on_response(c, f->response);
		break;
	case SOTTO__FRAME__BODY_UPDATE:
		lc_on_update(c, f->update);
		break;
	default:
		break;
	}
	return 0;
}

static int
lc_on_ready(void *ud, const uint8_t *rs, const char *sw)
{
	(void)ud;
	(void)rs;
	(void)sw;
	return 0;
}

static const struct chan_ops lc_ops = {
	.send = lc_send_bytes,
	.on_ready = lc_on_ready,
	.on_frame = lc_on_frame,
};

static char rbuf[65536];

static void
lc_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	(void)hint;
	*b = uv_buf_init(rbuf, sizeof(rbuf));
}

static void
lc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct lc *c = s->data;

	if (n < 0) {
		if (!c->L->done)
			fprintf(stderr, "sotto_load: client %d: connection "
			    "closed\n", c->idx);
		c->L->errors++;
		uv_read_stop(s);
		return;
	}
	if (n > 0 && chan_input(c->chan, (const uint8_t *)b->base,
	    (size_t)n) != 0) {
		fprintf(stderr, "sotto_load: client %d: channel error\n",
		    c->idx);
		c->L->errors++;
		uv_read_stop(s);
	}
}

static void
lc_connected(uv_connect_t *req, int status)
{
	struct lc *c = req->data;

	if (status != 0) {
		fprintf(stderr, "sotto_load: client %d: connect: %s\n", c->idx,
		    uv_strerror(status));
		if (++c->L->failed + c->L->nready == c->L->n)
			start_load(c->L);
		return;
	}
	(void)uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, lc_alloc, lc_read);
	if (chan_start(c->chan) != 0)
		die("handshake start");
}

static void
lc_connect(struct lc *c)
{
	struct load *L = c->L;
	struct sockaddr_in src;
	char ip[32];

	uv_tcp_init(L->loop, &c->tcp);
	c->tcp.data = c;
	uv_timer_init(L->loop, &c->retry);
	c->retry.data = c;
	if (noise_keypair((uint8_t[NOISE_KEY_LEN]){ 0 }, c->priv) != 0 ||
	    chan_new(&c->chan, NOISE_INITIATOR, c->priv, "sotto_load",
	    &lc_ops, c) != 0)
		die("channel");
	c->next_req = REQ_REGISTER;
	/* Loopback owns 127/8: spread sign-ins over source addresses. */
	if (L->srv.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
		snprintf(ip, sizeof(ip), "127.0.%d.%d", 1 + c->idx / PER_ADDR /
		    250, 2 + (c->idx / PER_ADDR) % 250);
		uv_ip4_addr(ip, 0, &src);
		(void)uv_tcp_bind(&c->tcp, (struct sockaddr *)&src, 0);
	}
	c->creq.data = c;
	if (uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&L->srv,
	    lc_connected) != 0)
		die("connect");
}

/* ---------------------------------------------------------------- phases */

static void
on_tick(uv_timer_t *t)
{
	struct load *L = t->data;
	uint64_t now = now_ns(), due;
	static int rr;
	int i;

	if (L->t_measure_ns == 0 && now >= L->t_start_ns + 1000000000ull) {
		L->t_measure_ns = now;	/* one second of warm-up */
		L->acked = L->delivered = 0;
		L->nlat = 0;
	}
	if (L->t_measure_ns != 0 && now >= L->t_measure_ns +
	    (uint64_t)(L->seconds * 1e9)) {
		L->t_end_ns = now;
		L->done = 1;
		uv_stop(L->loop);
		return;
	}
	if (L->mode != MODE_LATENCY)
		return;
	due = (uint64_t)((double)(now - L->t_start_ns) / 1e9 * L->rate);
	for (i = 0; L->sent_total < due && i < L->n * 4; i++) {
		struct lc *c = &L->c[rr++ % L->n];

		if (c->ready && uv_now(L->loop) >= c->paused_until)
			lc_send_message(c, target_of(c));
	}
}

static void
start_load(struct load *L)
{
	int i;

	fprintf(stderr, "sotto_load: %d clients registered (%d failed)\n",
	    L->nready, L->failed);
	if (L->nready == 0)
		die("no client could register");
	L->t_start_ns = now_ns();
	L->sent_total = 0;
	if (L->mode == MODE_FLOOD) {
		L->t_measure_ns = L->t_start_ns;
		for (i = 0; i < L->n; i++) {
			L->c[i].to_send = L->c[i].ready ? L->count : 0;
			if (!L->c[i].ready)
				L->finished++;
			lc_fill_window(&L->c[i]);
		}
		return;
	}
	/* A ring: each client first finds the next one by name. */
	for (i = 0; i < L->n; i++) {
		if (!L->c[i].ready)
			continue;
		snprintf(L->c[i].target, sizeof(L->c[i].target), "%s%d",
		    L->prefix, (i + 1) % L->n);
		lc_find_target(&L->c[i]);
	}
}

static void
start_ring(struct load *L)
{
	int i;

	L->t_start_ns = now_ns();
	uv_timer_init(L->loop, &L->tick);
	L->tick.data = L;
	uv_timer_start(&L->tick, on_tick, 1, 1);
	for (i = 0; i < L->n; i++)
		lc_fill_window(&L->c[i]);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const struct load *L, double p)
{
	size_t i;

	if (L->nlat == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(L->nlat - 1) + 0.5);
	return (double)L->lat[i] / 1000.0;
}

static void
report(struct load *L)
{
	double secs = (double)(L->t_end_ns - L->t_measure_ns) / 1e9;

	switch (L->mode) {
	case MODE_LATENCY:
		qsort(L->lat, L->nlat, sizeof(*L->lat), cmp_u64);
		printf("latency: %d clients, %.0f msg/s offered, %.1f s: "
		    "%zu delivered\n", L->nready, L->rate, secs, L->nlat);
		printf("latency_us p50 %.0f p99 %.0f p99.9 %.0f max %.0f\n",
		    pct(L, 50), pct(L, 99), pct(L, 99.9), pct(L, 100));
		break;
	case MODE_THROUGHPUT:
		printf("throughput: %d clients, window %d, %.1f s: %" PRIu64
		    " sends acknowledged, %" PRIu64 " delivered\n", L->nready,
		    L->window, secs, L->acked, L->delivered);
		printf("delivered_per_s %.0f acked_per_s %.0f\n",
		    (double)L->delivered / secs, (double)L->acked / secs);
		break;
	case MODE_FLOOD:
		printf("flood: %d clients x %" PRIu64 " messages to %s in "
		    "%.1f s (%.0f msg/s)\n", L->nready, L->count, L->to, secs,
		    (double)(L->nready * L->count) / secs);
		break;
	}
	printf("rate_limited %" PRIu64 " errors %" PRIu64 "\n", L->limited,
	    L->errors);
}

static void
usage(void)
{
	fprintf(stderr, "usage: sotto_load --server ADDR:PORT --clients N "
	    "latency|throughput|flood\n"
	    "  [--rate R] [--seconds S] [--window W] [--to USER --count M]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "clients", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "window", required_argument, NULL, 'w' },
		{ "to", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct load L;
	const char *server = "127.0.0.1:7433", *colon;
	char host[64];
	uint8_t rnd[4];
	int ch, i;

	memset(&L, 0, sizeof(L));
	L.n = 50;
	L.rate = 200;
	L.seconds = 10;
	L.window = 8;
	L.count = 1000;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'n': L.n = atoi(optarg); break;
		case 'r': L.rate = atof(optarg); break;
		case 'S': L.seconds = atof(optarg); break;
		case 'w': L.window = atoi(optarg); break;
		case 't': L.to = optarg[0] == '@' ? optarg + 1 : optarg; break;
		case 'c': L.count = strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || L.n < 2 || L.window < 1)
		usage();
	if (strcmp(argv[optind], "latency") == 0)
		L.mode = MODE_LATENCY;
	else if (strcmp(argv[optind], "throughput") == 0)
		L.mode = MODE_THROUGHPUT;
	else if (strcmp(argv[optind], "flood") == 0 && L.to != NULL)
		L.mode = MODE_FLOOD;
	else
		usage();
	if ((colon = strrchr(server, ':')) == NULL ||
	    (size_t)(colon - server) >= sizeof(host))
		usage();
	memcpy(host, server, (size_t)(colon - server));
	host[colon - server] = '\0';
	if (uv_ip4_addr(host, atoi(colon + 1), &L.srv) != 0)
		usage();
	if (sec_init() != 0)
		die("libsodium");
	sec_random(rnd, sizeof(rnd));
	snprintf(L.prefix, sizeof(L.prefix), "ld%02x%02x%02x_", rnd[0], rnd[1],
	    rnd[2]);
	L.loop = uv_default_loop();
	if ((L.c = calloc((size_t)L.n, sizeof(*L.c))) == NULL)
		die("out of memory");
	for (i = 0; i < L.n; i++) {
		L.c[i].L = &L;
		L.c[i].idx = i;
		lc_connect(&L.c[i]);
	}
	uv_run(L.loop, UV_RUN_DEFAULT);
	report(&L);
	/* The process ends here; the OS reclaims sockets and memory. */
	return L.errors > 0 && L.mode == MODE_FLOOD ? 1 : 0;
}
