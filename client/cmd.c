/*
 * A command goes through phases:
 *
 *   SYNC (wait for the catch-up; sends and --listen skip it) ->
 *   RESOLVE (each PEER or GROUP in turn, through cloud_resolve) ->
 *   CALL (the action's request, or the outbox for a send: WAIT_ACK) ->
 *   FLUSH (wait until the outbox is empty, so that what an earlier run
 *   queued goes out now) -> done.
 *
 * One timer bounds the whole command (--timeout); --listen has none. A
 * command is referenced by its timer and by each call or resolution in
 * flight; once it has reported its status it ignores late answers and
 * touches neither its options nor its sink again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_int.h"
#include "client/cmd_export.h"
#include "client/cmd_reset.h"
#include "client/secret.h"
#include "client/secret_cmd.h"
#include "lib/err.h"

/* How long a send waits for the first connection attempt's outcome. */
#define CMD_CONNECT_WAIT_MS 1000

static void cmd_on_event(void *ud, const struct cloud_event *ev);
static void cmd_act(struct cmd *k);

/* ------------------------------------------------------------ actions */

int
cmd_is_chat(enum cmd_action a)
{
	const struct cmd_entry *e = cmd__entry(a);

	return e != NULL && !(e->flags & CMD_F_ACCOUNT);
}

int
cmd_exit_code(int err)
{
	switch (err) {
	case 0:
		return CMD_EX_OK;
	case ERR_INVAL:
	case ERR_EXISTS:
	case ERR_NOT_FOUND:
	case ERR_TOO_BIG:
		return CMD_EX_DATAERR;
	case ERR_UNREACHABLE:
	case ERR_TIMEOUT:
	case ERR_CLOSED:
	case ERR_VERSION:
	case ERR_PROTO:
	case ERR_CRYPTO:
		return CMD_EX_UNAVAILABLE;
	case ERR_RATE_LIMITED:
	case ERR_AGAIN:
		return CMD_EX_TEMPFAIL;
	case ERR_BAD_PASSPHRASE:
	case ERR_AUTH:
	case ERR_NOT_AUTHED:
	case ERR_KEY_CHANGED:
	case ERR_PERM:
	case ERR_REVOKED:
		return CMD_EX_NOPERM;
	case ERR_IO:
	case ERR_DB:
	case ERR_NO_SPACE:
		return CMD_EX_IOERR;
	case ERR_DAMAGED:
		return CMD_EX_DATAERR;
	case ERR_ACCESS:
		return CMD_EX_NOINPUT;
	case ERR_READ_ONLY:
		return CMD_EX_CANTCREAT;
	default:
		/* ERR_NOMEM, ERR_INTERNAL, ERR_UNKNOWN_METHOD and the unknown. */
		return CMD_EX_SOFTWARE;
	}
}

/* ------------------------------------------------------------ running */

void
cmd__unref(struct cmd *k)
{
	size_t i;

	if (--k->refs > 0)
		return;
	for (i = 0; i < k->n_peers; i++)
		free(k->peers[i]);
	free(k);
}

static void
cmd_timer_closed(uv_handle_t *h)
{
	cmd__unref(h->data);
}

/*
 * Every way out after this run's message went into an outbox is 75
 * "queued" while the message is still there (doc/CLI.md): a script that
 * sees any other failure may send again without making a duplicate. The
 * secret outbox is asked as a whole: its entries are not named by run.
 */
static int
cmd_still_queued(struct cmd *k, int status)
{
	uint64_t secret = 0;
	int queued = 1;

	if (!k->queued || status == CMD_EX_OK || status == CMD_EX_TEMPFAIL)
		return status;
	if (k->rid != 0)
		(void)cloud_outbox_has(k->c, k->rid, &queued);
	else
		queued = cmd__unsent(k, &secret) > 0 && secret > 0;
	if (!queued)
		return status;
	cmd_err(k->s, "the message is queued in the outbox; it goes out "
	    "with the next command of this profile");
	return CMD_EX_TEMPFAIL;
}

/* Reports the status once, on a fresh loop turn. */
static void
cmd_report_cb(uv_timer_t *t)
{
	struct cmd *k = t->data;

	if (k->reported)
		return;
	k->reported = 1;
	if (k->subscribed) {
		cloud_unsubscribe(k->c, cmd_on_event, k);
		k->subscribed = 0;
	}
	if (k->e->flags & CMD_F_LISTEN)
		secret_cmd_unlisten(k->c);
	k->status = cmd_still_queued(k, k->status);
	uv_close((uv_handle_t *)&k->timer, cmd_timer_closed);
	uv_close((uv_handle_t *)&k->wait, cmd_timer_closed);
	k->done(k->ud, k->status);
}

void
cmd__final(struct cmd *k)
{
	k->phase = PH_DONE;
	uv_timer_stop(&k->timer);
	uv_timer_start(&k->timer, cmd_report_cb, 0, 0);
}

/* Messages of both outboxes (cloud, secret) not yet acknowledged. */
uint64_t
cmd__unsent(struct cmd *k, uint64_t *secret)
{
	uint64_t n = 0, m = 0;

	if (cloud_outbox_count(k->c, &n) != 0)
		n = 0;
	if (secret_outbox_count(cloud_secret(k->c), &m) != 0)
		m = 0;
	if (secret != NULL)
		*secret = m;
	return n + m;
}

static void
cmd_secret_flushed(void *ud, int err, const char *why, uint64_t id)
{
	struct cmd *k = ud;

	(void)err;
	(void)why;
	(void)id;
	if (k->phase == PH_FLUSH && cmd__unsent(k, NULL) == 0)
		cmd__final(k);
	cmd__unref(k);
}

void
cmd__finish(struct cmd *k, int status)
{
	uint64_t secret = 0;

	if (k->finished)
		return;
	k->finished = 1;
	k->status = status;
	if (!(k->e->flags & CMD_F_NOFLUSH) &&
	    engine_state(cloud_engine(k->c)) == ENGINE_READY &&
	    cmd__unsent(k, &secret) > 0 &&
	    uv_is_active((uv_handle_t *)&k->timer)) {
		k->phase = PH_FLUSH;
		/* The cloud outbox says CLOUD_EV_OUTBOX_EMPTY; this one: */
		if (secret > 0) {
			k->refs++;
			if (secret_when_flushed(cloud_secret(k->c),
			    cmd_secret_flushed, k) != 0)
				k->refs--;
		}
		return;
	}
	cmd__final(k);
}

uint64_t
cmd__left_ms(struct cmd *k)
{
	uint64_t due = uv_timer_get_due_in(&k->timer);

	return due > 0 ? due : 1;
}


int
cmd__alive(void *ud)
{
	return !((struct cmd *)ud)->finished;
}

void
cmd__done_status(void *ud, int status)
{
	struct cmd *k = ud;

	if (!k->finished)
		cmd__finish(k, status);
	cmd__unref(k);
}

/* Checks that resolved peer i is a group. */
int
cmd__need_group(struct cmd *k, size_t i)
{
	if (k->res[i].kind == CLOUD_CHAT_GROUP && k->res[i].chat_id != 0)
		return 0;
	cmd_err(k->s, "chat %s is not a group", k->peers[i]);
	cmd__finish(k, CMD_EX_DATAERR);
	return -1;
}

/* Checks that resolved peer i is not this account; why says otherwise. */
int
cmd__need_other(struct cmd *k, size_t i, const char *why)
{
	if (k->res[i].user_id != cloud_self(k->c))
		return 0;
	cmd_err(k->s, "%s", why);
	cmd__finish(k, CMD_EX_DATAERR);
	return -1;
}

/* Checks that resolved peer i is a user. */
int
cmd__need_user(struct cmd *k, size_t i)
{
	if (k->res[i].user_id != 0 && k->res[i].kind != CLOUD_CHAT_GROUP)
		return 0;
	cmd_err(k->s, "%s is a group, not a user", k->peers[i]);
	cmd__finish(k, CMD_EX_DATAERR);
	return -1;
}

int
cmd__need_chat(struct cmd *k, size_t i)
{
	if (k->res[i].chat_id != 0)
		return 0;
	cmd_err(k->s, "there is no chat with %s yet", k->peers[i]);
	cmd__finish(k, CMD_EX_DATAERR);
	return -1;
}

/* ------------------------------------------------------------ resolving */

static void
cmd_on_peer(void *ud, int err, const char *why, const struct cloud_peer *p)
{
	struct cmd *k = ud;

	/*
	 * A group this account has left can no longer be written to, but
	 * its history up to the departure is still this account's to read.
	 */
	if (err == ERR_PERM && p != NULL && (k->e->flags & CMD_F_LEFT))
		err = 0;
	if (!k->finished) {
		if (err != 0)
			cmd__peer_error(k, k->peers[k->next_peer], err, why);
		else {
			k->res[k->next_peer++] = *p;
			if (k->next_peer < k->n_peers) {
				k->refs++;
				if ((err = cloud_resolve(k->c,
				    k->peers[k->next_peer],
				    (k->e->flags & CMD_F_USER) != 0, cmd__left_ms(k),
				    cmd_on_peer, k)) != 0) {
					k->refs--;
					cmd__finish(k, cmd__report(k, err, NULL));
				}
			} else
				cmd_act(k);
		}
	}
	cmd__unref(k);
}

static void
cmd_resolve(struct cmd *k)
{
	int r;

	k->phase = PH_RESOLVE;
	if (k->n_peers == 0) {
		cmd_act(k);
		return;
	}
	k->refs++;
	if ((r = cloud_resolve(k->c, k->peers[0], (k->e->flags & CMD_F_USER) != 0,
	    cmd__left_ms(k), cmd_on_peer, k)) != 0) {
		k->refs--;
		cmd__finish(k, cmd__report(k, r, NULL));
	}
}

/* ------------------------------------------------------------ acting */

/* A call of the action answered: its row's done prints the result. */
void
cmd__on_done(void *ud, int err, const char *why, uint64_t id)
{
	struct cmd *k = ud;
	int st;

	if (k->finished) {
		cmd__unref(k);
		return;
	}
	if (err != 0) {
		cmd__finish(k, cmd__report(k, err, why));
		cmd__unref(k);
		return;
	}
	if (k->e->done != NULL)
		st = k->e->done(k, id);
	else
		st = cmd__show_chat(k, id);
	if (st == CMD__PENDING) {
		cmd__unref(k);
		return;
	}
	cmd__finish(k, st);
	cmd__unref(k);
}

/*
 * Every PEER is resolved: carry the action out. --secret makes a send,
 * --history or --mark-read one of the secret chat, and --as makes
 * --user me an export's.
 */
static void
cmd_act(struct cmd *k)
{
	int r;

	k->phase = PH_CALL;
	if (secret_cmd_is_secret(k->o))
		r = cmd__exec_secret(k);
	else if (k->o->as != NULL)
		r = cmd__exec_export(k);
	else if (k->e->exec != NULL)
		r = k->e->exec(k);
	else {
		cmd__finish(k, CMD_EX_SOFTWARE);
		return;
	}
	if (r == CMD__HANDLED)
		return;
	if (r != 0) {
		cmd__finish(k, cmd__report(k, r, NULL));
		return;
	}
	k->refs++;		/* for cmd__on_done */
}

/* ------------------------------------------------------------ events */

static void
cmd_on_event(void *ud, const struct cloud_event *ev)
{
	struct cmd *k = ud;
	struct cloud_chat ch;
	int st;

	if (k->reported)
		return;
	switch (ev->kind) {
	case CLOUD_EV_STATE:
		if (ev->state == ENGINE_STOPPED && k->phase != PH_LISTEN &&
		    !k->finished)
			cmd__finish(k, cmd__report(k, ev->err, NULL));
		else if (ev->state == ENGINE_STOPPED && k->phase == PH_LISTEN)
			cmd__finish(k, cmd__report(k, ev->err, NULL));
		else if (ev->state == ENGINE_READY && !k->finished &&
		    !engine_welcome(cloud_engine(k->c))->authenticated &&
		    !(k->phase == PH_CONNECT &&
		    engine_welcome(cloud_engine(k->c))->unknown))
			/* Not bound here: nothing to do (cmd_reset.h). */
			cmd__finish(k, cmd__report(k, ERR_NOT_AUTHED, NULL));
		else if (ev->state == ENGINE_READY &&
		    engine_welcome(cloud_engine(k->c))->behind)
			cmd_reset_behind(k->s, engine_welcome(cloud_engine(k->c)));
		if (k->phase == PH_CONNECT && !k->finished &&
		    (ev->state == ENGINE_READY || ev->err != 0))
			cmd_resolve(k);	/* trusted, or unreachable: queue */
		return;
	case CLOUD_EV_SYNCED:
		if (k->phase == PH_SYNC)
			cmd_resolve(k);
		return;
	case CLOUD_EV_SENT:
		k->deferred[0] = '\0';	/* the server takes messages again */
		if (k->phase == PH_WAIT_ACK && ev->random_id == k->rid) {
			k->phase = PH_CALL;
			st = 0;
			if (k->o->json)
				st = cmd__print_message(k, ev->msg, NULL,
				    "message", 0);
			else if (cloud_get_chat(k->c, ev->msg->chat_id,
			    &ch) == 0) {
				char label[300];

				cmd__chat_label(k, &ch, label, sizeof(label));
				cmd__out(k->s, "sent to %s: message #%llu in "
				    "chat %llu", label,
				    (unsigned long long)ev->msg->id,
				    (unsigned long long)ch.id);
				cloud_chat_free(&ch);
			}
			cmd__finish(k, st);
		}
		return;
	case CLOUD_EV_REFUSED:
		if (k->phase == PH_WAIT_ACK && ev->random_id == k->rid) {
			k->phase = PH_CALL;
			cmd_err(k->s, "the server refused the message: %s",
			    ev->why[0] ? ev->why : err_str(ev->err));
			cmd__finish(k, ev->err == ERR_PERM ? CMD_EX_NOPERM :
			    CMD_EX_DATAERR);
		} else if (k->phase != PH_LISTEN)
			cmd_err(k->s, "a message queued earlier was refused by "
			    "the server and dropped: %s", ev->why[0] ?
			    ev->why : err_str(ev->err));
		return;
	case CLOUD_EV_OUTBOX_EMPTY:
		if (k->phase == PH_FLUSH && cmd__unsent(k, NULL) == 0)
			cmd__final(k);
		return;
	case CLOUD_EV_DEFERRED:
		/* The outbox is held up; ours waits in it or behind it. */
		if (k->phase == PH_WAIT_ACK)
			snprintf(k->deferred, sizeof(k->deferred), "%s",
			    ev->why[0] != '\0' ? ev->why : err_str(ev->err));
		return;
	case CLOUD_EV_UNRECORDED:
		if (k->phase == PH_WAIT_ACK && ev->random_id == k->rid) {
			k->phase = PH_CALL;
			(void)cmd__report(k, ev->err, NULL);
			cmd_err(k->s, "the server has the message, but it "
			    "stays in the outbox until it can be recorded here; "
			    "the next command of this profile records it "
			    "without sending it twice");
			cmd__finish(k, CMD_EX_TEMPFAIL);
		}
		return;
	default:
		break;
	}
	if (k->phase == PH_LISTEN)
		cmd__listen_event(k, ev);
}

static void
cmd_timeout(uv_timer_t *t)
{
	struct cmd *k = t->data;
	uint64_t n = 0;

	switch (k->phase) {
	case PH_WAIT_ACK:
		k->phase = PH_CALL;
		if (k->deferred[0] != '\0')
			cmd_err(k->s, "the server at %s could not store "
			    "messages: %s", k->server, k->deferred);
		else if (engine_was_ready(cloud_engine(k->c)))
			cmd_err(k->s, "the server at %s did not acknowledge "
			    "the message in time", k->server);
		else
			cmd__report(k, ERR_UNREACHABLE, NULL);
		cmd_err(k->s, "the message is queued in the outbox; it goes "
		    "out with the next command of this profile");
		cmd__finish(k, CMD_EX_TEMPFAIL);
		return;
	case PH_FLUSH:
		if ((n = cmd__unsent(k, NULL)) > 0)
			cmd_err(k->s, "%llu message%s still queued in the "
			    "outbox", (unsigned long long)n, n == 1 ? " is" :
			    "s are");
		cmd__final(k);
		return;
	case PH_DONE:
	case PH_LISTEN:
		return;
	default:
		cmd__finish(k, cmd__report(k, cmd__late(k), NULL));
		return;
	}
}

/* ------------------------------------------------------------ start */

/* The first attempt is taking long (a frozen server): queue anyway. */
static void
cmd_connect_wait(uv_timer_t *t)
{
	struct cmd *k = t->data;

	if (k->phase == PH_CONNECT && !k->finished)
		cmd_resolve(k);
}

/*
 * A send writes its message to an outbox only once the first connection
 * attempt has an outcome, or after CMD_CONNECT_WAIT_MS at most (doc/CLI.md,
 * "Exit status"): a server whose key changed, or that no longer knows
 * this device, is then refused with nothing queued (77); an unreachable
 * one gets the message queued (75).
 */
static void
cmd_send_begin(struct cmd *k)
{
	const struct engine *e = cloud_engine(k->c);
	uint64_t wait = cmd__left_ms(k) / 2;

	k->phase = PH_CONNECT;
	uv_timer_start(&k->wait, cmd_connect_wait, wait < CMD_CONNECT_WAIT_MS ?
	    wait : CMD_CONNECT_WAIT_MS, 0);
	if (engine_state(e) == ENGINE_STOPPED)
		cmd__finish(k, cmd__report(k, engine_error(e), NULL));
	else if (engine_state(e) == ENGINE_READY &&
	    !engine_welcome(e)->authenticated && !engine_welcome(e)->unknown)
		cmd__finish(k, cmd__report(k, ERR_NOT_AUTHED, NULL));
	else if (engine_state(e) == ENGINE_READY || engine_last_down(e) != 0)
		cmd_resolve(k);
}

static void
cmd_begin(uv_timer_t *t)
{
	struct cmd *k = t->data;

	if (k->e->flags & CMD_F_LISTEN) {
		k->phase = PH_LISTEN;
		(void)k->e->exec(k);
		return;
	}
	uv_timer_start(&k->timer, cmd_timeout, k->o->timeout_ms, 0);
	if (k->e->flags & CMD_F_QUEUE) {
		/* From the profile alone once the first attempt is known. */
		cmd_send_begin(k);
		return;
	}
	k->phase = PH_SYNC;
	if (engine_state(cloud_engine(k->c)) == ENGINE_STOPPED) {
		cmd__finish(k, cmd__report(k, engine_error(cloud_engine(k->c)),
		    NULL));
		return;
	}
	if (cloud_synced(k->c))
		cmd_resolve(k);
}

/* What the action's target names, in the order it is resolved. */
static int
cmd_targets(struct cmd *k)
{
	const struct cmd_opts *o = k->o;
	char *w[CMD_MAX_IDS];
	size_t n = 0, i;
	int r = 0;

	switch (k->e->target) {
	case CMD_T_TO:
		k->peers[k->n_peers++] = strdup(o->to);
		break;
	case CMD_T_FROM_TO:
		k->peers[k->n_peers++] = strdup(o->from);
		k->peers[k->n_peers++] = strdup(o->to);
		break;
	case CMD_T_PEER:
		k->peers[k->n_peers++] = strdup(o->peer);
		if ((k->e->flags & CMD_F_USER) &&
		    cmd_export_viewer(o->as) == CMD_VIEWER_USER)
			k->peers[k->n_peers++] = strdup(o->as);
		break;
	case CMD_T_MEMBERS:
		if (cmd__split(o->members, k->peers, CMD__MAX_PEERS - 1,
		    &k->n_peers) != 0)
			r = ERR_INVAL;
		break;
	case CMD_T_GROUP_PEER:
		k->peers[k->n_peers++] = strdup(o->group);
		k->peers[k->n_peers++] = strdup(o->peer);
		break;
	case CMD_T_GROUP:
	case CMD_T_GROUP_TITLE:
	case CMD_T_GROUP_SETTING:
		k->peers[k->n_peers++] = strdup(o->group);
		break;
	case CMD_T_NONE:
		break;
	}
	if (o->delete_ids != NULL) {
		if (cmd__split(o->delete_ids, w, CMD_MAX_IDS, &n) != 0)
			r = ERR_INVAL;
		for (i = 0; i < n; i++) {
			if (r == 0 && cmd__parse_id(w[i], &k->ids[i]) != 0)
				r = ERR_INVAL;
			free(w[i]);
		}
		k->n_ids = n;
	}
	for (i = 0; i < k->n_peers; i++)
		if (k->peers[i] == NULL)
			r = ERR_NOMEM;
	return r;
}

/* An account action: its call goes out at once, with the password. */
static void
cmd_start_account(struct cmd *k, const char *password)
{
	int r;

	k->phase = PH_CALL;
	uv_timer_start(&k->timer, cmd_timeout, k->o->timeout_ms, 0);
	k->password = password;
	r = k->e->exec(k);
	k->password = NULL;
	if (r == 0)
		k->refs++;		/* for the reply */
	else if (r != CMD__HANDLED)
		cmd__finish(k, cmd__report(k, r, NULL));
}

int
cmd_start(struct cmd **out, struct cloud *c, const struct cmd_opts *o,
    const char *server, const char *password, const struct cmd_sink *sink,
    cmd_done_fn *done, void *ud)
{
	const struct cmd_entry *e = cmd__entry(o->action);
	struct cmd *k;
	size_t i;
	int r;

	*out = NULL;
	if (e == NULL || e->exec == NULL)
		return ERR_INVAL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k->c = c;
	k->o = o;
	k->e = e;
	k->s = sink;
	snprintf(k->server, sizeof(k->server), "%s", server);
	k->done = done;
	k->ud = ud;
	r = cmd_targets(k);
	if (r == 0 && !(e->flags & CMD_F_ACCOUNT) &&
	    (r = cloud_subscribe(c, cmd_on_event, k)) == 0)
		k->subscribed = 1;
	if (r != 0) {
		for (i = 0; i < k->n_peers; i++)
			free(k->peers[i]);
		free(k);
		return r;
	}
	k->refs = 2;		/* the timers */
	uv_timer_init(cloud_loop(c), &k->timer);
	uv_timer_init(cloud_loop(c), &k->wait);
	k->timer.data = k->wait.data = k;
	*out = k;
	if (e->flags & CMD_F_ACCOUNT)
		cmd_start_account(k, password);
	else
		uv_timer_start(&k->timer, cmd_begin, 0, 0);
	return 0;
}

void
cmd_stop(struct cmd *k, int status)
{
	if (k->reported)
		return;
	k->finished = 1;
	k->status = status;
	cmd__final(k);
}
