/*
 * One message of the outbox is on the wire at a time: the oldest row is
 * read, counted as an attempt and sent; its answer removes it (with the
 * stored acknowledgement, or for good on a refusal) and the next row
 * follows. Sending strictly one after the other keeps the order the user
 * wrote in, which the server's per-chat ids then preserve.
 */
#include "client/outbox.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cloud_int.h"
#include "client/json.h"
#include "lib/log.h"
#include "crypto/sec.h"
#include "lib/err.h"

struct outbox {
	uv_loop_t *loop;
	struct engine *e;
	struct store *st;
	struct sync *sy;
	void (*emit)(void *ud, const struct cloud_event *ev);
	void *ud;
	int ready;
	int busy;			/* a SendMessage is in flight */
	uint64_t inflight;		/* its random_id */
	uv_timer_t retry;
	void (*done)(void *);
	void *done_ud;
};

static void outbox_flush(struct outbox *o);

int
outbox_new(struct outbox **out, uv_loop_t *loop, struct engine *e,
    struct store *st, struct sync *sy,
    void (*emit)(void *ud, const struct cloud_event *ev), void *ud)
{
	struct outbox *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return ERR_NOMEM;
	o->loop = loop;
	o->e = e;
	o->st = st;
	o->sy = sy;
	o->emit = emit;
	o->ud = ud;
	uv_timer_init(loop, &o->retry);
	o->retry.data = o;
	*out = o;
	return 0;
}

static void
outbox_closed(uv_handle_t *h)
{
	struct outbox *o = h->data;
	void (*done)(void *) = o->done;
	void *ud = o->done_ud;

	free(o);
	if (done != NULL)
		done(ud);
}

void
outbox_free(struct outbox *o, void (*done)(void *), void *ud)
{
	if (o == NULL) {
		if (done != NULL)
			done(ud);
		return;
	}
	o->done = done;
	o->done_ud = ud;
	uv_timer_stop(&o->retry);
	uv_close((uv_handle_t *)&o->retry, outbox_closed);
}

int
outbox_add(struct outbox *o, uint64_t chat_id, uint64_t to_user_id,
    const char *peer, const char *text, uint64_t reply_to,
    uint64_t *random_id)
{
	return outbox_add_forward(o, chat_id, to_user_id, peer, text,
	    reply_to, 0, 0, random_id);
}

/* Adds the row and, for a forward, what it forwards: one transaction. */
static int
outbox_store(struct outbox *o, const struct store_outbox *row,
    uint64_t from_chat_id, uint64_t from_id)
{
	int r;

	if (from_chat_id == 0)
		return store_outbox_add(o->st, row);
	if ((r = store_begin(o->st)) != 0)
		return r;
	if ((r = store_outbox_add(o->st, row)) != 0 ||
	    (r = store_outbox_forward_put(o->st, row->random_id, from_chat_id,
	    from_id)) != 0 || (r = store_commit(o->st)) != 0) {
		store_rollback(o->st);
		return r;
	}
	return 0;
}

int
outbox_add_forward(struct outbox *o, uint64_t chat_id, uint64_t to_user_id,
    const char *peer, const char *text, uint64_t reply_to,
    uint64_t from_chat_id, uint64_t from_id, uint64_t *random_id)
{
	struct store_outbox row;
	int r, tries;

	if ((chat_id == 0) == (to_user_id == 0))
		return ERR_INVAL;
	memset(&row, 0, sizeof(row));
	row.chat_id = chat_id;
	row.to_user_id = to_user_id;
	row.peer = (char *)(peer != NULL ? peer : "");
	row.text = (char *)text;
	row.reply_to = reply_to;
	row.created = (uint64_t)time(NULL);
	/* A collision of two random 64-bit ids is next to impossible. */
	for (tries = 0; tries < 4; tries++) {
		do
			row.random_id = sec_random_u64();
		while (row.random_id == 0 || row.random_id > INT64_MAX);
		r = outbox_store(o, &row, from_chat_id, from_id);
		if (r != ERR_EXISTS)
			break;
	}
	if (r != 0)
		return r;
	*random_id = row.random_id;
	log_info("message %016llx queued", (unsigned long long)row.random_id);
	outbox_flush(o);
	return 0;
}

static void
outbox_emit(struct outbox *o, enum cloud_ev kind, uint64_t rid, int err,
    const char *why)
{
	struct cloud_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.random_id = rid;
	ev.err = err;
	ev.why = why != NULL ? why : "";
	o->emit(o->ud, &ev);
}

static void
outbox_emit_sent(struct outbox *o, uint64_t rid, const Sotto__Message *msg)
{
	struct cloud_event ev;
	struct store_message m;
	struct cloud_message mv;

	sync_message_from(&m, msg);
	cloud__message_of(&mv, &m);
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_SENT;
	ev.random_id = rid;
	ev.msg = &mv;
	ev.chat_id = m.chat_id;
	ev.why = "";
	o->emit(o->ud, &ev);
}

/* A refusal that no resend can change. */
static int
outbox_final(int err)
{
	return err == ERR_INVAL || err == ERR_NOT_FOUND || err == ERR_PERM ||
	    err == ERR_TOO_BIG;
}

static void
outbox_retry_cb(uv_timer_t *t)
{
	outbox_flush(t->data);
}

static void
outbox_on_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct outbox *o = ud;
	uint64_t rid = o->inflight;
	char *why = NULL;
	unsigned wait;
	int r;

	o->busy = 0;
	o->inflight = 0;
	if (err == 0) {
		if (resp->result_case != SOTTO__RESPONSE__RESULT_SENT) {
			log_warn("SendMessage: unexpected answer");
			return;
		}
		if ((r = sync_apply_sent(o->sy, resp->sent, rid)) != 0) {
			/* The row stays; sent again next time (no duplicate). */
			outbox_emit(o, CLOUD_EV_UNRECORDED, rid, r, NULL);
			return;
		}
		log_info("message %016llx acknowledged as %llu",
		    (unsigned long long)rid,
		    (unsigned long long)resp->sent->message->id);
		/* sync_apply_sent reported the message; now the row's end. */
		outbox_emit_sent(o, rid, resp->sent->message);
		outbox_flush(o);
		return;
	}
	if (outbox_final(err)) {
		if (resp != NULL && resp->error != NULL)
			why = json_sanitize(resp->error->message,
			    resp->error->message != NULL ?
			    strlen(resp->error->message) : 0);
		if ((r = store_outbox_remove(o->st, rid)) != 0) {
			log_error_err(r, "cannot drop a refused message");
			free(why);
			return;
		}
		log_warn_err(err, "message %016llx refused",
		    (unsigned long long)rid);
		outbox_emit(o, CLOUD_EV_REFUSED, rid, err, why);
		free(why);
		outbox_flush(o);
		return;
	}
	if ((err == ERR_RATE_LIMITED || err == ERR_NO_SPACE) && o->ready) {
		wait = resp != NULL && resp->error != NULL ?
		    resp->error->retry_after : 1;
		if (err == ERR_NO_SPACE) {
			why = resp != NULL && resp->error != NULL ?
			    json_sanitize(resp->error->message,
			    resp->error->message != NULL ?
			    strlen(resp->error->message) : 0) : NULL;
			outbox_emit(o, CLOUD_EV_DEFERRED, rid, err, why);
			free(why);
		}
		if (wait == 0)
			wait = 1;
		uv_timer_start(&o->retry, outbox_retry_cb,
		    (uint64_t)wait * 1000, 0);
		return;
	}
	/* Lost connection and the like: sent again after the reconnect. */
	log_info("message %016llx kept for later (%s)", (unsigned long long)rid,
	    err_name(err));
}

/* Finds the target of a row queued before its peer was known. */
static int
outbox_resolve(struct outbox *o, const struct store_outbox *row,
    uint64_t *chat_id, uint64_t *to_user_id)
{
	struct store_user u;
	int r;

	if (row->peer == NULL || (row->peer[0] != '@' && row->peer[0] != '+'))
		return ERR_NOT_FOUND;
	if (row->peer[0] == '@')
		r = store_find_user(o->st, row->peer + 1, &u);
	else
		r = store_find_user_by_phone(o->st, row->peer, &u);
	if (r != 0)
		return r;
	*to_user_id = u.id;
	*chat_id = 0;
	store_user_free(&u);
	return 0;
}

static void
outbox_flush(struct outbox *o)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SendMessage sm = SOTTO__SEND_MESSAGE__INIT;
	Sotto__ForwardMessage fm = SOTTO__FORWARD_MESSAGE__INIT;
	struct store_outbox row;
	int r;

	if (!o->ready || o->busy || uv_is_active((uv_handle_t *)&o->retry))
		return;
	for (;;) {
		r = store_outbox_first(o->st, &row);
		if (r == ERR_NOT_FOUND) {
			outbox_emit(o, CLOUD_EV_OUTBOX_EMPTY, 0, 0, NULL);
			return;
		}
		if (r != 0) {
			log_error_err(r, "cannot read the outbox");
			return;
		}
		sm.chat_id = row.chat_id;
		sm.to_user_id = row.to_user_id;
		if (sm.chat_id == 0 && sm.to_user_id == 0 &&
		    (r = outbox_resolve(o, &row, &sm.chat_id,
		    &sm.to_user_id)) != 0) {
			(void)store_outbox_remove(o->st, row.random_id);
			outbox_emit(o, CLOUD_EV_REFUSED, row.random_id,
			    ERR_NOT_FOUND, "the peer is not known");
			store_outbox_free(&row);
			continue;
		}
		break;
	}
	sm.random_id = row.random_id;
	sm.text = row.text;
	sm.reply_to = row.reply_to;
	req.method_case = SOTTO__REQUEST__METHOD_SEND_MESSAGE;
	req.send_message = &sm;
	/* A forward goes as one: the server copies the original. */
	if (store_outbox_forward_get(o->st, row.random_id, &fm.from_chat_id,
	    &fm.id) == 0) {
		fm.to_user_id = sm.to_user_id;
		fm.chat_id = sm.chat_id;
		fm.random_id = sm.random_id;
		req.method_case = SOTTO__REQUEST__METHOD_FORWARD_MESSAGE;
		req.forward_message = &fm;
	}
	(void)store_outbox_attempt(o->st, row.random_id);
	/* No timeout: the answer comes, or the connection drops. */
	r = engine_call(o->e, &req, 0, outbox_on_reply, o);
	if (r == 0) {
		o->busy = 1;
		o->inflight = row.random_id;
	} else
		log_warn_err(r, "cannot send a queued message");
	store_outbox_free(&row);
}

void
outbox_on_ready(struct outbox *o)
{
	o->ready = 1;
	outbox_flush(o);
}

void
outbox_on_down(struct outbox *o)
{
	o->ready = 0;
	uv_timer_stop(&o->retry);
}
