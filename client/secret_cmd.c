/*
 * The secret-chat actions of the command line. See client/secret_cmd.h.
 *
 * Reading counts as reading: --history PEER --secret and a message
 * printed by --listen mark the received messages read, which starts their
 * self-destruct timers here and, through an encrypted read receipt, on
 * the sender's device.
 */
#include "client/secret_cmd.h"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cmd_int.h"
#include "client/json.h"
#include "client/qr.h"
#include "client/secret.h"
#include "lib/err.h"

/* Who prints secret-chat events: --listen, or a command while it runs. */
struct sc_listen {
	struct cloud *c;
	const struct cmd_opts *o;
	const struct cmd_sink *s;
	int quiet;			/* a command: key changes only */
	int said;			/* a refusal was printed (FAILED) */
};

static struct sc_listen sc_listener;
static void sc_on_event(void *ud, const struct secret_event *ev);

struct scmd {
	struct cloud *c;
	struct secret *sec;
	const struct cmd_opts *o;
	const struct cmd_sink *s;
	struct cloud_peer peer;
	uint64_t timeout_ms;
	struct secret_cmd_ops ops;
	void *ud;
	uint64_t only;			/* list only this secret_id */
};

int
secret_cmd_is_secret(const struct cmd_opts *o)
{
	return o->secret || (o->action >= CMD_SECRET_START &&
	    o->action <= CMD_SECRET_TTL);
}

static const char *
sc_state_word(int state)
{
	switch (state) {
	case SECRET_CHAT_PENDING_OUT:
		return "pending-out";
	case SECRET_CHAT_PENDING_IN:
		return "pending-in";
	case SECRET_CHAT_ACTIVE:
		return "active";
	default:
		return "closed";
	}
}

/* Where one of our messages is (--history --json "state"). */
static const char *
sc_msg_state_word(int state)
{
	switch (state) {
	case SECRET_MSG_QUEUED:
		return "queued";
	case SECRET_MSG_FAILED:
		return "failed";
	default:
		return "sent";
	}
}

static void
sc_time(char *out, size_t cap, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, cap, "-");
}

static int
sc_print_chat(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct secret_chat *ch)
{
	char who[300];
	json_t *j;
	int failed = 0;

	cmd__name_label(c, ch->peer_user, who, sizeof(who));
	if (!o->json) {
		cmd__out(s, "secret %llu  %s  %s  ttl %lus  %s  device %llu",
		    (unsigned long long)ch->secret_id, who,
		    sc_state_word(ch->state), (unsigned long)ch->ttl,
		    ch->initiator ? "started by me" : "started by them",
		    (unsigned long long)ch->peer_device);
		return 0;
	}
	if ((j = json_object()) != NULL) {
		cmd__jset(j, "type", json_string("secret_chat"), &failed);
		cmd__jset(j, "secret_id", json_u64(ch->secret_id), &failed);
		cmd__jset(j, "peer", json_text(who), &failed);
		cmd__jset(j, "peer_id", json_u64(ch->peer_user), &failed);
		cmd__jset(j, "peer_device", json_u64(ch->peer_device), &failed);
		cmd__jset(j, "state", json_string(sc_state_word(ch->state)),
		    &failed);
		cmd__jset(j, "ttl", json_u64(ch->ttl), &failed);
		cmd__jset(j, "initiator", json_boolean(ch->initiator), &failed);
		cmd__jset(j, "created", json_u64(ch->created), &failed);
	}
	return cmd__json(s, j, failed);
}

static int
sc_print_msg(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct secret_chat *ch,
    const struct secret_msg *m)
{
	char who[300], when[64], extra[128];
	char *text;
	json_t *j;
	int failed = 0;

	if (m->out)
		snprintf(who, sizeof(who), "me");
	else
		cmd__name_label(c, ch->peer_user, who, sizeof(who));
	if (o->json) {
		if ((j = json_object()) != NULL) {
			cmd__jset(j, "type", json_string("secret_message"),
			    &failed);
			cmd__jset(j, "secret_id", json_u64(m->secret_id),
			    &failed);
			cmd__jset(j, "id", json_u64(m->id), &failed);
			cmd__jset(j, "out", json_boolean(m->out), &failed);
			cmd__jset(j, "from", json_text(who), &failed);
			cmd__jset(j, "service", json_boolean(m->service),
			    &failed);
			cmd__jset(j, "text", json_text_ml(m->text), &failed);
			cmd__jset(j, "date", json_u64(m->date), &failed);
			cmd__jset(j, "ttl", json_u64(m->ttl), &failed);
			cmd__jset(j, "read_date", json_u64(m->read_date),
			    &failed);
			cmd__jset(j, "expires_at", json_u64(m->expires_at),
			    &failed);
			if (m->out)
				cmd__jset(j, "state", json_string(
				    sc_msg_state_word(m->state)), &failed);
		}
		return cmd__json(s, j, failed);
	}
	if ((text = json_sanitize_text(m->text, strlen(m->text))) == NULL) {
		cmd_err(s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	sc_time(when, sizeof(when), m->date);
	extra[0] = '\0';
	if (m->expires_at != 0)
		snprintf(extra, sizeof(extra), "  [self-destructs in %llds]",
		    (long long)m->expires_at - (long long)time(NULL));
	else if (m->ttl != 0)
		snprintf(extra, sizeof(extra), "  [%lus after reading]",
		    (unsigned long)m->ttl);
	if (m->out && m->state != SECRET_MSG_SENT)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
		    "  [%s]", m->state == SECRET_MSG_QUEUED ? "queued, "
		    "not yet sent" : "NOT DELIVERED: refused by the server");
	if (m->service)
		cmd__out(s, "[%s] secret %llu: -- %s --", when,
		    (unsigned long long)m->secret_id, text);
	else
		cmd__out(s, "[%s] secret %llu #%llu %s: %s%s", when,
		    (unsigned long long)m->secret_id,
		    (unsigned long long)m->id, who, text, extra);
	free(text);
	return 0;
}

/* ------------------------------------------------------------ actions */

static void
sc_end(struct scmd *k, int status)
{
	if (sc_listener.quiet && sc_listener.s == k->s) {
		secret_set_listener(k->sec, NULL, NULL);
		memset(&sc_listener, 0, sizeof(sc_listener));
	}
	k->ops.done(k->ud, status);
	free(k);
}

/* Says what went wrong and ends with the matching status. */
static void
sc_fail(struct scmd *k, int err, const char *why)
{
	int alive = k->ops.alive(k->ud);

	if (alive) {
		if (err == ERR_UNKNOWN_METHOD)
			cmd_err(k->s, "the server does not support secret "
			    "chats");
		else if (why != NULL && why[0] != '\0' && err == ERR_AGAIN)
			cmd_err(k->s, "%s", why);	/* queued: why says it */
		else if (why != NULL && why[0] != '\0')
			cmd_err(k->s, "%s (%s)", why, err_str(err));
		else
			cmd_err(k->s, "%s", err_str(err));
	}
	sc_end(k, cmd_exit_code(err));
}

static void
sc_no_chat(struct scmd *k, const char *what)
{
	if (k->ops.alive(k->ud))
		cmd_err(k->s, "there is no %ssecret chat with %s on this "
		    "device", what, k->o->to != NULL ? k->o->to : k->o->peer);
	sc_end(k, CMD_EX_DATAERR);
}

/*
 * A key change not yet answered (client/secret.h, secret_warnings): said
 * by --secret-list after the chats, across restarts, until a new chat
 * with the peer is started or the TUI's /close dismisses it.
 */
static int
sc_warn_cb(void *ud, const struct secret_warning *w)
{
	struct scmd *k = ud;
	char who[300], when[64];
	json_t *j;
	int failed = 0;

	cmd__name_label(k->c, w->peer_user, who, sizeof(who));
	if (!k->o->json) {
		sc_time(when, sizeof(when), w->date);
		if (w->secret_id != 0)
			cmd__out(k->s, "secret %llu  %s  CLOSED: key changed  %s  "
			    "device %llu", (unsigned long long)w->secret_id, who,
			    when, (unsigned long long)w->peer_device);
		else
			cmd__out(k->s, "WARNING: the identity key of %s device "
			    "%llu changed since the last secret chat  %s", who,
			    (unsigned long long)w->peer_device, when);
		return 0;
	}
	if ((j = json_object()) != NULL) {
		cmd__jset(j, "type", json_string("secret_key_changed"), &failed);
		cmd__jset(j, "secret_id", json_u64(w->secret_id), &failed);
		cmd__jset(j, "peer", json_text(who), &failed);
		cmd__jset(j, "peer_id", json_u64(w->peer_user), &failed);
		cmd__jset(j, "peer_device", json_u64(w->peer_device), &failed);
		cmd__jset(j, "state", json_string("closed"), &failed);
		cmd__jset(j, "date", json_u64(w->date), &failed);
	}
	return cmd__json(k->s, j, failed);
}

static int
sc_list_cb(void *ud, const struct secret_chat *ch)
{
	struct scmd *k = ud;

	if (k->only != 0 && ch->secret_id != k->only)
		return 0;
	return sc_print_chat(k->c, k->o, k->s, ch);
}

static void
sc_after_read(void *ud, int err, const char *why, uint64_t id)
{
	struct scmd *k = ud;

	if (err != 0) {
		sc_fail(k, err, why);
		return;
	}
	if (k->o->action == CMD_MARK_READ && k->ops.alive(k->ud)) {
		if (k->o->json) {
			json_t *j = json_object();
			int failed = 0;

			if (j != NULL) {
				cmd__jset(j, "type", json_string("secret_read"),
				    &failed);
				cmd__jset(j, "count", json_u64(id), &failed);
			}
			sc_end(k, cmd__json(k->s, j, failed));
			return;
		}
		cmd__out(k->s, "%llu secret message%s marked read",
		    (unsigned long long)id, id == 1 ? "" : "s");
	}
	sc_end(k, 0);
}

struct sc_hist {
	struct scmd *k;
	const struct secret_chat *ch;
	uint64_t n, skip;
};

static int
sc_count_cb(void *ud, const struct secret_msg *m)
{
	(void)m;
	((struct sc_hist *)ud)->n++;
	return 0;
}

/* Prints the newest --limit messages (default 100), oldest first. */
static int
sc_hist_cb(void *ud, const struct secret_msg *m)
{
	struct sc_hist *h = ud;

	if (h->skip > 0) {
		h->skip--;
		return 0;
	}
	return sc_print_msg(h->k->c, h->k->o, h->k->s, h->ch, m);
}

static void
sc_on_done(void *ud, int err, const char *why, uint64_t id)
{
	struct scmd *k = ud;
	struct secret_chat ch;
	char who[300];
	int st = 0;

	/*
	 * A refusal of our queued message was said by sc_on_event, unless it
	 * came another way (the chat's closing read from the queue first).
	 */
	if ((err == ERR_NOT_FOUND || err == ERR_INVAL || err == ERR_PERM ||
	    err == ERR_TOO_BIG) && (k->o->action == CMD_SEND ||
	    k->o->action == CMD_SECRET_TTL) && sc_listener.s == k->s &&
	    sc_listener.said) {
		sc_end(k, cmd_exit_code(err));
		return;
	}
	if (err != 0) {
		sc_fail(k, err, why);
		return;
	}
	if (!k->ops.alive(k->ud)) {
		sc_end(k, 0);
		return;
	}
	switch (k->o->action) {
	case CMD_SECRET_START:
		/* One row per device of the peer that was asked. */
		k->only = id;
		st = secret_list_devices(k->sec, sc_list_cb, k);
		if (st < 0)
			st = cmd_exit_code(st);
		break;
	case CMD_SECRET_ACCEPT:
		if (secret_get_chat(k->sec, id, &ch) == 0)
			st = sc_print_chat(k->c, k->o, k->s, &ch);
		break;
	case CMD_SECRET_DECLINE:
	case CMD_SECRET_CLOSE:
		if (k->o->json) {
			json_t *j = json_object();
			int failed = 0;

			if (j != NULL) {
				cmd__jset(j, "type", json_string(
				    k->o->action == CMD_SECRET_CLOSE ?
				    "secret_closed" : "secret_declined"),
				    &failed);
				cmd__jset(j, "secret_id", json_u64(id), &failed);
			}
			st = cmd__json(k->s, j, failed);
		} else
			cmd__out(k->s, "secret chat %llu %s",
			    (unsigned long long)id,
			    k->o->action == CMD_SECRET_CLOSE ?
			    "closed and wiped" : "declined");
		break;
	default:		/* a send or a timer change */
		cmd__name_label(k->c, k->peer.user_id, who, sizeof(who));
		if (k->o->json) {
			json_t *j = json_object();
			int failed = 0;

			if (j != NULL) {
				cmd__jset(j, "type", json_string("secret_sent"),
				    &failed);
				cmd__jset(j, "id", json_u64(id), &failed);
				cmd__jset(j, "peer", json_text(who), &failed);
			}
			st = cmd__json(k->s, j, failed);
		} else
			cmd__out(k->s, "secret message %llu sent to %s",
			    (unsigned long long)id, who);
		break;
	}
	sc_end(k, st);
}

static void
sc_fingerprint(struct scmd *k, const struct secret_chat *ch)
{
	char hex[SFP_HEX_TEXT_LEN], emoji[SFP_EMOJI_TEXT_LEN], who[300];
	int r, failed = 0;
	json_t *j;

	if ((r = secret_fingerprint(k->sec, ch, hex, emoji)) != 0) {
		sc_fail(k, r, NULL);
		return;
	}
	cmd__name_label(k->c, ch->peer_user, who, sizeof(who));
	if (k->o->json) {
		if ((j = json_object()) != NULL) {
			cmd__jset(j, "type", json_string("secret_fingerprint"),
			    &failed);
			cmd__jset(j, "secret_id", json_u64(ch->secret_id),
			    &failed);
			cmd__jset(j, "peer", json_text(who), &failed);
			cmd__jset(j, "hex", json_string(hex), &failed);
			cmd__jset(j, "emoji", json_string(emoji), &failed);
		}
		sc_end(k, cmd__json(k->s, j, failed));
		return;
	}
	cmd__out(k->s, "secret chat %llu with %s: compare on both devices",
	    (unsigned long long)ch->secret_id, who);
	cmd__out(k->s, "%s", hex);
	cmd__out(k->s, "%s", emoji);
	/* Built without libqrencode: the hex and emoji lines say it all. */
	(void)qr_fingerprint(hex, k->s->out, k->s->ud);
	sc_end(k, 0);
}

/* A read receipt needs no answer: it waits in the outbox if need be. */
static void
sc_read_done(void *ud, int err, const char *why, uint64_t id)
{
	(void)ud;
	(void)err;
	(void)why;
	(void)id;
}

static void
sc_synced(void *ud, int err, const char *why, uint64_t id)
{
	struct scmd *k = ud;
	const struct cmd_opts *o = k->o;
	struct secret_chat ch;
	struct sc_hist h;
	int r = 0;

	(void)why;
	(void)id;
	if (!k->ops.alive(k->ud)) {
		sc_end(k, 0);
		return;
	}
	/* Local reads go on with what is here; calls would fail anyway. */
	if (err != 0 && err != ERR_UNKNOWN_METHOD && o->action !=
	    CMD_SECRET_LIST && o->action != CMD_HISTORY &&
	    o->action != CMD_SECRET_FINGERPRINT) {
		sc_fail(k, err, NULL);
		return;
	}
	switch (o->action) {
	case CMD_SECRET_START:
		r = secret_start(k->sec, k->peer.user_id, o->ttl < 0 ? 0 :
		    (uint32_t)o->ttl, k->timeout_ms, sc_on_done, k);
		break;
	case CMD_SECRET_ACCEPT:
	case CMD_SECRET_DECLINE:
		r = (o->action == CMD_SECRET_ACCEPT ? secret_accept :
		    secret_decline)(k->sec, o->secret_id, k->timeout_ms,
		    sc_on_done, k);
		if (r == ERR_NOT_FOUND) {
			if (k->ops.alive(k->ud))
				cmd_err(k->s, "there is no secret chat request "
				    "%llu for this device",
				    (unsigned long long)o->secret_id);
			sc_end(k, CMD_EX_DATAERR);
			return;
		}
		break;
	case CMD_SECRET_LIST:
		r = secret_list_devices(k->sec, sc_list_cb, k);
		if (r == 0)
			r = secret_warnings(k->sec, sc_warn_cb, k);
		if (r > 0) {
			sc_end(k, r);
			return;
		}
		if (r == 0) {
			sc_end(k, 0);
			return;
		}
		break;
	case CMD_SECRET_CLOSE:
		if (secret_find(k->sec, k->peer.user_id, &ch) != 0) {
			sc_no_chat(k, "");
			return;
		}
		r = secret_close(k->sec, ch.secret_id, k->timeout_ms,
		    sc_on_done, k);
		break;
	case CMD_SECRET_FINGERPRINT:
		if (secret_find(k->sec, k->peer.user_id, &ch) != 0) {
			sc_no_chat(k, "");
			return;
		}
		sc_fingerprint(k, &ch);
		return;
	case CMD_SECRET_TTL:
		r = secret_set_ttl(k->sec, k->peer.user_id, (uint32_t)o->ttl,
		    k->timeout_ms, sc_on_done, k);
		if (r == ERR_NOT_FOUND) {
			sc_no_chat(k, "active ");
			return;
		}
		if (r == 0)
			k->ops.queued(k->ud);
		break;
	case CMD_SEND:
		r = secret_send(k->sec, k->peer.user_id, o->message, o->ttl,
		    k->timeout_ms, sc_on_done, k);
		if (r == ERR_NOT_FOUND) {
			sc_no_chat(k, "active ");
			return;
		}
		if (r == 0)
			k->ops.queued(k->ud);
		break;
	case CMD_HISTORY:
	case CMD_MARK_READ:
		if (secret_find(k->sec, k->peer.user_id, &ch) != 0) {
			sc_no_chat(k, "");
			return;
		}
		if (o->action == CMD_HISTORY) {
			uint64_t limit = o->limit ? o->limit :
			    CMD_DEFAULT_LIMIT;

			memset(&h, 0, sizeof(h));
			h.k = k;
			h.ch = &ch;
			if ((r = secret_history(k->sec, ch.secret_id,
			    sc_count_cb, &h)) != 0)
				break;
			h.skip = h.n > limit ? h.n - limit : 0;
			r = secret_history(k->sec, ch.secret_id, sc_hist_cb,
			    &h);
			if (r > 0) {
				sc_end(k, r);
				return;
			}
			if (r != 0)
				break;
		}
		/*
		 * What was printed has been read. The receipt is queued in
		 * the outbox: --history is done once it is stored (the
		 * command still waits for the outbox to drain).
		 */
		if (o->action == CMD_HISTORY) {
			r = secret_mark_read(k->sec, ch.secret_id, 0,
			    sc_read_done, NULL);
			if (r == 0) {
				sc_end(k, 0);
				return;
			}
			break;
		}
		r = secret_mark_read(k->sec, ch.secret_id, k->timeout_ms,
		    sc_after_read, k);
		if (r == 0)
			k->ops.queued(k->ud);
		break;
	default:
		r = ERR_INVAL;
		break;
	}
	if (r != 0)
		sc_fail(k, r, NULL);
}

int
secret_cmd_act(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct cloud_peer *peer,
    uint64_t timeout_ms, const struct secret_cmd_ops *ops, void *ud)
{
	struct scmd *k;
	int r;

	if (peer != NULL && (peer->user_id == 0 ||
	    peer->kind == CLOUD_CHAT_GROUP || peer->user_id == cloud_self(c)))
		return ERR_INVAL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k->c = c;
	k->sec = cloud_secret(c);
	k->o = o;
	k->s = s;
	if (peer != NULL)
		k->peer = *peer;
	k->timeout_ms = timeout_ms;
	k->ops = *ops;
	k->ud = ud;
	if (sc_listener.c == NULL) {
		/* A changed key is said loudly whatever the command. */
		sc_listener.c = c;
		sc_listener.o = o;
		sc_listener.s = s;
		sc_listener.quiet = 1;
		secret_set_listener(k->sec, sc_on_event, &sc_listener);
	}
	/*
	 * A message to an active chat is encrypted and queued at once, so
	 * that it is kept even when the server cannot be reached (75);
	 * anything else waits for the queue (a pending chat's accept may
	 * be in it).
	 */
	if (peer != NULL && (o->action == CMD_SEND ||
	    o->action == CMD_SECRET_TTL))
		r = secret_when_sendable(k->sec, peer->user_id, sc_synced, k);
	else
		r = secret_when_synced(k->sec, sc_synced, k);
	if (r != 0) {
		free(k);
		return r;
	}
	return 0;
}

/* ------------------------------------------------------------- listen */

static void
sc_on_event(void *ud, const struct secret_event *ev)
{
	struct sc_listen *l = ud;
	char who[300];

	if (l->quiet && ev->kind != SECRET_EV_KEY_CHANGED &&
	    ev->kind != SECRET_EV_FAILED)
		return;
	switch (ev->kind) {
	case SECRET_EV_REQUEST:
	case SECRET_EV_ACCEPTED:
		(void)sc_print_chat(l->c, l->o, l->s, ev->chat);
		break;
	case SECRET_EV_GONE:
		cmd__name_label(l->c, ev->chat->peer_user, who, sizeof(who));
		if (l->o->json) {
			json_t *j = json_object();
			int failed = 0;

			if (j != NULL) {
				cmd__jset(j, "type", json_string(
				    "secret_closed"), &failed);
				cmd__jset(j, "secret_id",
				    json_u64(ev->chat->secret_id), &failed);
				cmd__jset(j, "peer", json_text(who), &failed);
			}
			(void)cmd__json(l->s, j, failed);
		} else
			cmd__out(l->s, "secret chat %llu with %s was closed",
			    (unsigned long long)ev->chat->secret_id, who);
		break;
	case SECRET_EV_MESSAGE:
		(void)sc_print_msg(l->c, l->o, l->s, ev->chat, ev->msg);
		/* Printed is read. */
		(void)secret_mark_read(cloud_secret(l->c), ev->chat->secret_id,
		    CMD_DEFAULT_TIMEOUT_MS, sc_read_done, NULL);
		break;
	case SECRET_EV_KEY_CHANGED:
		cmd__name_label(l->c, ev->chat->peer_user, who, sizeof(who));
		if (ev->chat->secret_id == 0)
			cmd_err(l->s, "WARNING: the identity key of %s (device "
			    "%llu) CHANGED since the last secret chat with it. "
			    "Verify the new fingerprint before trusting this "
			    "chat.", who,
			    (unsigned long long)ev->chat->peer_device);
		else
			cmd_err(l->s, "WARNING: the identity key of %s (device "
			    "%llu) CHANGED; secret chat %llu was closed. Verify "
			    "the new fingerprint before trusting a new chat.",
			    who, (unsigned long long)ev->chat->peer_device,
			    (unsigned long long)ev->chat->secret_id);
		break;
	case SECRET_EV_FAILED:
		l->said = 1;
		cmd__name_label(l->c, ev->chat->peer_user, who, sizeof(who));
		if (ev->n == (uint64_t)-ERR_NOT_FOUND)
			cmd_err(l->s, "secret chat %llu with %s: the server no "
			    "longer has it (the peer's device is gone or the "
			    "chat was closed); it is closed here and its queued "
			    "messages were not delivered; start a new secret "
			    "chat", (unsigned long long)ev->chat->secret_id,
			    who);
		else
			cmd_err(l->s, "secret chat %llu with %s: the server "
			    "refused a queued %s for good (%s); it was not "
			    "delivered", (unsigned long long)ev->chat->secret_id,
			    who, ev->msg != NULL ? "message" : "read receipt",
			    err_str(-(int)ev->n));
		break;
	default:
		break;
	}
}

void
secret_cmd_listen(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s)
{
	sc_listener.c = c;
	sc_listener.o = o;
	sc_listener.s = s;
	sc_listener.quiet = 0;
	secret_set_listener(cloud_secret(c), sc_on_event, &sc_listener);
}

void
secret_cmd_unlisten(struct cloud *c)
{
	secret_set_listener(cloud_secret(c), NULL, NULL);
	memset(&sc_listener, 0, sizeof(sc_listener));
}
