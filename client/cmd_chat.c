/*
 * The actions on the messages of a chat: a send (-t PEER -m TEXT),
 * --edit, --delete, --forward, --list-chats, --history, --mark-read and
 * --listen, and the secret-chat forms of them (client/secret_cmd).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_int.h"
#include "client/cmd_presence.h"
#include "client/json.h"
#include "client/secret_cmd.h"
#include "lib/err.h"

/* ------------------------------------------------------------ arguments */

int
cmd__arg_edit(struct cmd_opts *o, const char *arg, const struct cmd_sink *s)
{
	if (cmd__parse_id(arg, &o->edit_id) == 0)
		return 0;
	cmd_err(s, "invalid --edit '%s' (expected a message id)", arg);
	return CMD_EX_USAGE;
}

int
cmd__arg_delete(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	(void)s;
	o->delete_ids = arg;
	return 0;
}

int
cmd__arg_forward(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	if (cmd__parse_id(arg, &o->fwd_id) == 0)
		return 0;
	cmd_err(s, "invalid --forward '%s' (expected a message id)", arg);
	return CMD_EX_USAGE;
}

/* ID of --secret-accept and --secret-decline. */
int
cmd__arg_secret_id(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	if (cmd__parse_id(arg, &o->secret_id) == 0)
		return 0;
	cmd_err(s, "invalid secret chat id '%s'", arg);
	return CMD_EX_USAGE;
}

/* ------------------------------------------------------------ actions */

int
cmd__exec_send(struct cmd *k)
{
	int r;

	r = cloud_send(k->c, &k->res[0], k->o->message, k->o->reply_to,
	    &k->rid);
	if (r != 0) {
		k->rid = 0;
		return r;
	}
	k->queued = 1;
	k->phase = PH_WAIT_ACK;
	/*
	 * A server that never heard of this device keeps it queued
	 * until the device is bound again (75, cmd_reset.h).
	 */
	if (engine_state(cloud_engine(k->c)) == ENGINE_READY &&
	    !engine_welcome(cloud_engine(k->c))->authenticated)
		cmd__finish(k, cmd__report(k, ERR_NOT_AUTHED, NULL));
	return CMD__HANDLED;
}

static int
cmd_chat_cb(void *ud, const struct cloud_chat *ch)
{
	return cmd__print_chat(ud, ch);
}

int
cmd__exec_list_chats(struct cmd *k)
{
	int st;

	st = cloud_list_chats(k->c, cmd_chat_cb, k);
	cmd__finish(k, st < 0 ? cmd__report(k, st, NULL) : st);
	return CMD__HANDLED;
}

static int
cmd_history_cb(void *ud, const struct cloud_message *m)
{
	struct cmd *k = ud;

	return cmd__print_message(k, m, NULL, "message", 0);
}

int
cmd__exec_history(struct cmd *k)
{
	uint64_t limit;
	int st = 0;

	limit = k->o->limit ? k->o->limit : CMD_DEFAULT_LIMIT;
	if (k->res[0].chat_id != 0)
		st = cloud_history(k->c, k->res[0].chat_id, limit,
		    cmd_history_cb, k);
	cmd__finish(k, st < 0 ? cmd__report(k, st, NULL) : st);
	return CMD__HANDLED;
}

/* Runs from the start (PH_LISTEN): what arrives is printed. */
int
cmd__exec_listen(struct cmd *k)
{
	secret_cmd_listen(k->c, k->o, k->s);
	return CMD__HANDLED;
}

int
cmd__exec_mark_read(struct cmd *k)
{
	if (cmd__need_chat(k, 0) != 0)
		return CMD__HANDLED;
	return cloud_mark_read(k->c, k->res[0].chat_id, 0, cmd__left_ms(k),
	    cmd__on_done, k);
}

int
cmd__exec_edit(struct cmd *k)
{
	if (cmd__need_chat(k, 0) != 0)
		return CMD__HANDLED;
	return cloud_edit(k->c, k->res[0].chat_id, k->o->edit_id,
	    k->o->message, cmd__left_ms(k), cmd__on_done, k);
}

int
cmd__exec_delete(struct cmd *k)
{
	if (cmd__need_chat(k, 0) != 0)
		return CMD__HANDLED;
	return cloud_delete(k->c, k->res[0].chat_id, k->ids, k->n_ids,
	    k->o->for_everyone, cmd__left_ms(k), cmd__on_done, k);
}

int
cmd__exec_forward(struct cmd *k)
{
	int r;

	if (cmd__need_chat(k, 0) != 0)
		return CMD__HANDLED;
	if ((r = cloud_forward(k->c, k->res[0].chat_id, k->o->fwd_id,
	    &k->res[1], &k->rid)) != 0) {
		if (r == ERR_NOT_FOUND)
			cmd_err(k->s, "no message #%llu in the chat with %s",
			    (unsigned long long)k->o->fwd_id, k->peers[0]);
		k->rid = 0;
		cmd__finish(k, r == ERR_NOT_FOUND ? CMD_EX_DATAERR :
		    cmd__report(k, r, NULL));
		return CMD__HANDLED;
	}
	k->queued = 1;
	k->phase = PH_WAIT_ACK;
	return CMD__HANDLED;
}

/* ------------------------------------------------------------ answers */

int
cmd__done_edit(struct cmd *k, uint64_t id)
{
	struct cloud_message m;
	int st;

	if ((st = cloud_get_message(k->c, k->res[0].chat_id, id, &m)) == 0) {
		st = cmd__print_message(k, &m, NULL, "message", 0);
		cloud_message_free(&m);
	} else
		st = 0;
	return st;
}

int
cmd__done_delete(struct cmd *k, uint64_t id)
{
	json_t *o, *a;
	size_t i;
	int failed = 0;

	(void)id;
	if (!k->o->json) {
		cmd__out(k->s, "deleted %zu message%s%s", k->n_ids,
		    k->n_ids == 1 ? "" : "s", k->o->for_everyone ?
		    " for everyone" : "");
		return 0;
	}
	o = json_object();
	a = json_array();
	if (o == NULL || a == NULL)
		failed = 1;
	for (i = 0; a != NULL && i < k->n_ids; i++)
		if (json_array_append_new(a, json_u64(k->ids[i])) != 0)
			failed = 1;
	if (o != NULL) {
		cmd__jset(o, "type", json_string("deleted"), &failed);
		cmd__jset(o, "chat_id", json_u64(k->res[0].chat_id), &failed);
		cmd__jset(o, "ids", a, &failed);
		cmd__jset(o, "for_everyone", json_boolean(k->o->for_everyone),
		    &failed);
	} else
		json_decref(a);
	return cmd__json(k->s, o, failed);
}

int
cmd__done_mark_read(struct cmd *k, uint64_t id)
{
	json_t *o;
	int failed = 0;

	if (!k->o->json) {
		cmd__out(k->s, "chat %llu read up to message %llu",
		    (unsigned long long)k->res[0].chat_id,
		    (unsigned long long)id);
		return 0;
	}
	if ((o = json_object()) != NULL) {
		cmd__jset(o, "type", json_string("read"), &failed);
		cmd__jset(o, "chat_id", json_u64(k->res[0].chat_id), &failed);
		cmd__jset(o, "max_id", json_u64(id), &failed);
		cmd__jset(o, "reader", json_string("me"), &failed);
	}
	return cmd__json(k->s, o, failed);
}

/* ------------------------------------------------------------ secret chats */

/* The secret message is stored: a timeout now means "queued" (75). */
static void
cmd_secret_queued(void *ud)
{
	struct cmd *k = ud;

	k->queued = 1;
	if (!k->finished)
		k->phase = PH_WAIT_ACK;
}

int
cmd__exec_secret(struct cmd *k)
{
	static const struct secret_cmd_ops ops = {
		cmd__alive, cmd__done_status, cmd_secret_queued
	};
	int r;

	if (k->n_peers > 0 && cmd__need_user(k, 0) != 0)
		return CMD__HANDLED;
	k->refs++;
	if ((r = secret_cmd_act(k->c, k->o, k->s, k->n_peers > 0 ?
	    &k->res[0] : NULL, cmd__left_ms(k), &ops, k)) != 0) {
		k->refs--;
		if (r == ERR_INVAL && k->n_peers > 0) {
			cmd_err(k->s, "a secret chat needs another user, not "
			    "%s", k->peers[0]);
			cmd__finish(k, CMD_EX_DATAERR);
		} else
			cmd__finish(k, cmd__report(k, r, NULL));
	}
	return CMD__HANDLED;
}

/* ------------------------------------------------------------ --listen */

void
cmd__listen_event(struct cmd *k, const struct cloud_event *ev)
{
	json_t *o, *a;
	char who[80];
	size_t i;
	int failed = 0;

	switch (ev->kind) {
	case CLOUD_EV_MESSAGE:
		(void)cmd__print_message(k, ev->msg, NULL, "message", 1);
		return;
	case CLOUD_EV_PRESENCE:
		cmd_presence_event(k->c, k->o, k->s, ev);
		return;
	case CLOUD_EV_EDITED:
		(void)cmd__print_message(k, ev->msg, NULL, "edited", 1);
		return;
	case CLOUD_EV_CHAT:
		if (k->o->json)
			(void)cmd__show_chat(k, ev->chat->id);
		return;
	default:
		break;
	}
	if (ev->kind == CLOUD_EV_DELETED) {
		if (!k->o->json) {
			cmd__out(k->s, "chat %llu: %zu message%s deleted",
			    (unsigned long long)ev->chat_id, ev->n_ids,
			    ev->n_ids == 1 ? "" : "s");
			return;
		}
		o = json_object();
		a = json_array();
		for (i = 0; a != NULL && i < ev->n_ids; i++)
			if (json_array_append_new(a, json_u64(ev->ids[i])) != 0)
				failed = 1;
		if (o == NULL || a == NULL) {
			json_decref(a);
			(void)cmd__json(k->s, o, 1);
			return;
		}
		cmd__jset(o, "type", json_string("deleted"), &failed);
		cmd__jset(o, "chat_id", json_u64(ev->chat_id), &failed);
		cmd__jset(o, "ids", a, &failed);
		cmd__jset(o, "for_everyone", json_boolean(ev->for_everyone),
		    &failed);
		(void)cmd__json(k->s, o, failed);
		return;
	}
	if (ev->kind == CLOUD_EV_READ_INBOX || ev->kind == CLOUD_EV_READ_OUTBOX ||
	    ev->kind == CLOUD_EV_TYPING) {
		cmd__user_label(k, ev->user_id, who, sizeof(who));
		if (!k->o->json) {
			if (ev->kind == CLOUD_EV_TYPING)
				cmd__out(k->s, "chat %llu: %s is typing",
				    (unsigned long long)ev->chat_id, who);
			else
				cmd__out(k->s, "chat %llu: read by %s up to "
				    "#%llu", (unsigned long long)ev->chat_id,
				    who, (unsigned long long)ev->max_id);
			return;
		}
		if ((o = json_object()) == NULL) {
			(void)cmd__json(k->s, NULL, 1);
			return;
		}
		cmd__jset(o, "type", json_string(ev->kind == CLOUD_EV_TYPING ?
		    "typing" : "read"), &failed);
		cmd__jset(o, "chat_id", json_u64(ev->chat_id), &failed);
		if (ev->kind != CLOUD_EV_TYPING)
			cmd__jset(o, "max_id", json_u64(ev->max_id), &failed);
		cmd__jset(o, ev->kind == CLOUD_EV_TYPING ? "user" : "reader",
		    ev->user_id == cloud_self(k->c) ? json_string("me") :
		    cmd__json_username(k, ev->user_id), &failed);
		cmd__jset(o, "user_id", json_u64(ev->user_id), &failed);
		(void)cmd__json(k->s, o, failed);
		return;
	}
	if (ev->kind == CLOUD_EV_PRIVACY && ev->privacy != NULL) {
		(void)cmd__print_rule(k, ev->privacy);
		return;
	}
	if (ev->kind == CLOUD_EV_BLOCKED) {
		(void)cmd__print_block(k, ev->user_id, ev->added);
		return;
	}
	if (ev->kind == CLOUD_EV_CONTACT && k->o->json) {
		if ((o = json_object()) == NULL) {
			(void)cmd__json(k->s, NULL, 1);
			return;
		}
		cmd__jset(o, "type", json_string("contact"), &failed);
		cmd__jset(o, "id", json_u64(ev->user->id), &failed);
		cmd__jset(o, "username", json_text(ev->user->username),
		    &failed);
		cmd__jset(o, "added", json_boolean(ev->added), &failed);
		(void)cmd__json(k->s, o, failed);
	}
}
