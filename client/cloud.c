/*
 * The cloud layer ties the engine to sync and the outbox and turns the
 * front end's calls into requests. Its own state is small: the list of
 * listeners, the resolutions in progress (a chat id may have to wait for
 * the catch-up), and a flag for teardown. This file holds that state,
 * the events and the life cycle; client/cloud_int.h says where the rest
 * is.
 *
 * Teardown is deferred to the next loop turn: cloud_free() is usually
 * called from inside an event or a reply, with sync or the outbox still
 * on the stack, so they are released only after that stack unwound.
 */
#include "client/cloud.h"

#include <stdlib.h>
#include <string.h>

#include "client/cloud_int.h"
#include "lib/log.h"
#include "client/outbox.h"
#include "client/presence.h"
#include "client/secret.h"
#include "client/sync.h"
#include "lib/err.h"

/* ------------------------------------------------------------ events */

static void cloud_index_kick(struct cloud *);

void
cloud__emit(void *ud, const struct cloud_event *ev)
{
	struct cloud *c = ud;
	size_t i, j;

	if (c->freeing)
		return;
	if (ev->kind == CLOUD_EV_PRESENCE)
		(void)presence_note_status(c->pr, ev->user_id, ev->status,
		    ev->when);
	if (ev->kind == CLOUD_EV_SYNCED || ev->kind == CLOUD_EV_MESSAGE ||
	    ev->kind == CLOUD_EV_SENT)
		cloud_index_kick(c);
	c->emitting++;
	for (i = 0; i < c->n_subs && !c->freeing; i++)
		if (!c->subs[i].dead)
			c->subs[i].fn(c->subs[i].ud, ev);
	if (--c->emitting == 0) {
		for (i = j = 0; i < c->n_subs; i++)
			if (!c->subs[i].dead)
				c->subs[j++] = c->subs[i];
		c->n_subs = j;
	}
}

int
cloud_subscribe(struct cloud *c, cloud_event_fn *fn, void *ud)
{
	struct cloud_sub *n;
	size_t cap;

	if (c->n_subs == c->cap_subs) {
		cap = c->cap_subs ? c->cap_subs * 2 : 4;
		if ((n = realloc(c->subs, cap * sizeof(*n))) == NULL)
			return ERR_NOMEM;
		c->subs = n;
		c->cap_subs = cap;
	}
	c->subs[c->n_subs].fn = fn;
	c->subs[c->n_subs].ud = ud;
	c->subs[c->n_subs].dead = 0;
	c->n_subs++;
	return 0;
}

void
cloud_unsubscribe(struct cloud *c, cloud_event_fn *fn, void *ud)
{
	size_t i;

	size_t j;

	for (i = 0; i < c->n_subs; i++)
		if (c->subs[i].fn == fn && c->subs[i].ud == ud)
			c->subs[i].dead = 1;
	if (c->emitting > 0)
		return;		/* cloud__emit compacts once it is done */
	for (i = j = 0; i < c->n_subs; i++)
		if (!c->subs[i].dead)
			c->subs[j++] = c->subs[i];
	c->n_subs = j;
}

const char *
cloud_store_path(const struct cloud *c)
{
	return store_path(c->st);
}

struct presence *
cloud_presence(struct cloud *c)
{
	return c->pr;
}

/* ------------------------------------------------------- life cycle */

static void
cloud_on_state(void *ud, enum engine_state state, int err)
{
	struct cloud *c = ud;
	const struct engine_welcome *w = engine_welcome(c->e);
	struct cloud_event ev;

	if (state == ENGINE_READY && w->authenticated && w->user_id != 0) {
		c->self = w->user_id;
		sync_set_self(c->sy, c->self);
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = CLOUD_EV_STATE;
	ev.state = state;
	ev.err = err;
	cloud__emit(c, &ev);
	if (c->freeing)
		return;
	if (state == ENGINE_READY) {
		if (!w->authenticated)
			return;		/* nothing to sync before a login */
		sync_on_ready(c->sy);
		outbox_on_ready(c->ob);
		secret_on_ready(c->sec);
	} else {
		sync_on_down(c->sy);
		outbox_on_down(c->ob);
		secret_on_down(c->sec);
	}
}

static void
cloud_on_update(void *ud, const Sotto__Update *u)
{
	struct cloud *c = ud;

	if (c->freeing)
		return;
	if (u->qts != 0)
		secret_on_update(c->sec, u);
	else
		sync_on_update(c->sy, u);
}

int
cloud_new(struct cloud **out, uv_loop_t *loop, struct store *st,
    const uint8_t device_priv[NOISE_KEY_LEN],
    const struct engine_config *cfg)
{
	static const struct sync_ops sops = { cloud__emit, cloud__on_synced };
	struct engine_events ev = { cloud_on_state, cloud_on_update };
	struct store_account acct;
	struct cloud *c;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	c->loop = loop;
	c->st = st;
	if (store_get_account(st, &acct) == 0) {
		struct store_user me;

		c->self = acct.user_id;
		/* Oneself is a user like any other in member lists. */
		if (store_get_user(st, acct.user_id, &me) == 0)
			store_user_free(&me);
		else {
			memset(&me, 0, sizeof(me));
			me.id = acct.user_id;
			me.username = acct.username;
			me.display_name = acct.display_name;
			me.phone = acct.phone;
			(void)store_put_user(st, &me);
		}
		store_account_free(&acct);
	}
	if ((r = engine_new(&c->e, loop, st, device_priv, cfg, &ev, c)) != 0)
		goto fail;
	if ((r = sync_new(&c->sy, c->e, st, &sops, c)) != 0)
		goto fail;
	sync_set_self(c->sy, c->self);
	if ((r = outbox_new(&c->ob, loop, c->e, st, c->sy, cloud__emit,
	    c)) != 0)
		goto fail;
	if ((r = secret_new(&c->sec, loop, c->e, st)) != 0 ||
	    (r = presence_new(&c->pr)) != 0)
		goto fail;
	uv_timer_init(loop, &c->free_timer);
	c->free_timer.data = c;
	uv_timer_init(loop, &c->idx_timer);
	c->idx_timer.data = c;
	*out = c;
	return 0;
fail:
	/* Only the engine holds handles here, and it frees them itself. */
	sync_free(c->sy);
	if (c->e != NULL)
		engine_free(c->e, NULL, NULL);
	free(c);
	return r;
}

int
cloud_start(struct cloud *c)
{
	return engine_start(c->e);
}

uv_loop_t *
cloud_loop(struct cloud *c)
{
	return c->loop;
}

struct engine *
cloud_engine(struct cloud *c)
{
	return c->e;
}

struct secret *
cloud_secret(struct cloud *c)
{
	return c->sec;
}

/* One slice of indexing, then the loop's other work, then the next. */
static void
cloud_index_tick(uv_timer_t *t)
{
	struct cloud *c = t->data;
	int left = 0, r;

	if (c->freeing || !c->bg_index)
		return;
	if ((r = store_fts_index_some(c->st, CLOUD_INDEX_SLICE, &left)) != 0) {
		log_warn_err(r, "cannot index messages for search");
		return;
	}
	if (left)
		uv_timer_start(&c->idx_timer, cloud_index_tick, 1, 0);
}

static void
cloud_index_kick(struct cloud *c)
{
	if (c->bg_index && !c->freeing && !uv_is_active((uv_handle_t *)
	    &c->idx_timer) && sync_synced(c->sy))
		uv_timer_start(&c->idx_timer, cloud_index_tick, 0, 0);
}

void
cloud_index_in_background(struct cloud *c, int on)
{
	c->bg_index = on;
	if (on)
		cloud_index_kick(c);
	else
		uv_timer_stop(&c->idx_timer);
}

int
cloud_synced(const struct cloud *c)
{
	return sync_synced(c->sy);
}

uint64_t
cloud_self(const struct cloud *c)
{
	return c->self;
}

static void
cloud_part_done(void *ud)
{
	struct cloud *c = ud;
	void (*done)(void *);
	void *dud;

	if (--c->pending > 0)
		return;
	done = c->done;
	dud = c->done_ud;
	presence_free(c->pr);
	free(c->subs);
	free(c);
	if (done != NULL)
		done(dud);
}

static void
cloud_timer_closed(uv_handle_t *h)
{
	cloud_part_done(h->data);
}

static void
cloud_teardown(uv_timer_t *t)
{
	struct cloud *c = t->data;
	struct cloud_res *rs, *next;

	for (rs = c->res; rs != NULL; rs = next) {
		next = rs->next;
		if (!rs->in_call)	/* engine_free fails the others */
			cloud__res_finish(rs, ERR_CLOSED, NULL, NULL);
	}
	c->pending = 5;
	/* Pending requests fail now, while sync and the outbox exist. */
	engine_free(c->e, cloud_part_done, c);
	secret_free(c->sec, cloud_part_done, c);
	while ((rs = c->res) != NULL)
		cloud__res_finish(rs, ERR_CLOSED, NULL, NULL);
	sync_free(c->sy);
	c->sy = NULL;
	outbox_free(c->ob, cloud_part_done, c);
	uv_close((uv_handle_t *)&c->idx_timer, cloud_timer_closed);
	uv_close((uv_handle_t *)&c->free_timer, cloud_timer_closed);
}

void
cloud_free(struct cloud *c, void (*done)(void *), void *ud)
{
	if (c == NULL) {
		if (done != NULL)
			done(ud);
		return;
	}
	if (c->freeing)
		return;
	c->freeing = 1;
	c->done = done;
	c->done_ud = ud;
	uv_timer_start(&c->free_timer, cloud_teardown, 0, 0);
}
