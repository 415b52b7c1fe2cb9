/*
 * Groups on the command line: --create-group, --add-member,
 * --remove-member, --leave and --rename-group (the cloud's own calls,
 * at the end of this file), and the invite links, group settings and
 * reports of client/cmd_group.h. Every string the server sends is
 * sanitised before it is printed.
 */
#include "config.h"

#include "client/cmd_group.h"
#include "client/cmd_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/json.h"
#include "lib/err.h"

struct gcmd {
	struct cloud *c;
	const struct cmd_opts *o;
	const struct cmd_sink *s;
	struct cmd_group_ops ops;
	void *ud;
	uint64_t user_id;		/* --report: who */
};

int
cmd_group_parse_duration(const char *s, uint64_t *secs)
{
	unsigned long long v, mul = 1;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return ERR_INVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return ERR_INVAL;
	if (*end != '\0') {
		if (end[1] != '\0')
			return ERR_INVAL;
		switch (*end) {
		case 's':
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		default:
			return ERR_INVAL;
		}
	}
	if (v == 0 || v > CMD_GROUP_EXPIRES_MAX / mul)
		return ERR_INVAL;
	*secs = v * mul;
	return 0;
}

static const char *const cmd_group_reasons[] = {
	NULL, "spam", "abuse", "fake", "other"
};

int
cmd_group_parse_reason(const char *s)
{
	int i;

	for (i = 1; i < 5; i++)
		if (strcmp(s, cmd_group_reasons[i]) == 0)
			return i;
	return -1;
}

int
cmd_group_parse_setting(const char *s, unsigned *hide_members)
{
	if (strcmp(s, "hide_members=on") == 0)
		*hide_members = 2;
	else if (strcmp(s, "hide_members=off") == 0)
		*hide_members = 1;
	else
		return ERR_INVAL;
	return 0;
}

int
cmd_group_check_link(const char *link)
{
	size_t plen = strlen(CMD_GROUP_LINK_PREFIX), i;

	if (strncmp(link, CMD_GROUP_LINK_PREFIX, plen) != 0)
		return ERR_INVAL;
	link += plen;
	for (i = 0; link[i] != '\0'; i++)
		if (!((link[i] >= '0' && link[i] <= '9') ||
		    (link[i] >= 'a' && link[i] <= 'f')))
			return ERR_INVAL;
	return i == 32 ? 0 : ERR_INVAL;
}

/* Writes obj as one line and drops it; 0 or ERR_NOMEM. */
static int
gc_json(const struct cmd_sink *s, json_t *obj, int failed)
{
	char *text = NULL;

	if (obj != NULL && !failed)
		text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL)
		return ERR_NOMEM;
	s->out(s->ud, text);
	free(text);
	return 0;
}

static void
gc_jset(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

static void
gc_time(char *out, size_t cap, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, cap, "never");
}

/* The link the server made: the link alone on a line, or an object. */
static int
gc_print_link(struct gcmd *g, const Sotto__InviteLink *l)
{
	json_t *o;
	char when[32];
	int failed = 0;

	if (l == NULL || l->link == NULL ||
	    cmd_group_check_link(l->link) != 0)
		return ERR_PROTO;
	if (!g->o->json) {
		g->s->out(g->s->ud, l->link);
		return 0;
	}
	if ((o = json_object()) == NULL)
		return ERR_NOMEM;
	gc_jset(o, "type", json_string("invite_link"), &failed);
	gc_jset(o, "link", json_string(l->link), &failed);
	gc_jset(o, "chat_id", json_u64(l->chat_id), &failed);
	gc_jset(o, "expires_at", json_u64(l->expires_at), &failed);
	gc_time(when, sizeof(when), l->expires_at);
	gc_jset(o, "expires", json_string(when), &failed);
	gc_jset(o, "uses", json_u64(l->uses), &failed);
	return gc_json(g->s, o, failed);
}

static int
gc_print_revoked(struct gcmd *g)
{
	json_t *o;
	int failed = 0;

	if (!g->o->json) {
		g->s->out(g->s->ud, "revoked the invite link");
		return 0;
	}
	if ((o = json_object()) == NULL)
		return ERR_NOMEM;
	gc_jset(o, "type", json_string("invite_link_revoked"), &failed);
	gc_jset(o, "link", json_string(g->o->link), &failed);
	return gc_json(g->s, o, failed);
}

static int
gc_print_report(struct gcmd *g, const Sotto__ReportResult *rr)
{
	json_t *o;
	char line[160];
	int failed = 0;

	if (rr == NULL)
		return ERR_PROTO;
	if (!g->o->json) {
		snprintf(line, sizeof(line), "reported user %llu for %s "
		    "(report %llu)", (unsigned long long)g->user_id,
		    cmd_group_reasons[g->o->reason],
		    (unsigned long long)rr->report_id);
		g->s->out(g->s->ud, line);
		return 0;
	}
	if ((o = json_object()) == NULL)
		return ERR_NOMEM;
	gc_jset(o, "type", json_string("report"), &failed);
	gc_jset(o, "report_id", json_u64(rr->report_id), &failed);
	gc_jset(o, "user_id", json_u64(g->user_id), &failed);
	gc_jset(o, "reason", json_string(cmd_group_reasons[g->o->reason]),
	    &failed);
	gc_jset(o, "message_id", json_u64(g->o->report_msg), &failed);
	return gc_json(g->s, o, failed);
}

/* The answer's effect; 0 or ERR_*, *chat_id the chat to print. */
static int
gc_apply(struct gcmd *g, const Sotto__Response *resp, uint64_t *chat_id)
{
	*chat_id = 0;
	switch (g->o->action) {
	case CMD_INVITE_LINK:
		if (resp->result_case != SOTTO__RESPONSE__RESULT_INVITE_LINK)
			return ERR_PROTO;
		return gc_print_link(g, resp->invite_link);
	case CMD_REVOKE_LINK:
		return gc_print_revoked(g);
	case CMD_REPORT:
		if (resp->result_case != SOTTO__RESPONSE__RESULT_REPORT)
			return ERR_PROTO;
		return gc_print_report(g, resp->report);
	default:		/* --join, --set-group: a service message */
		if (resp->result_case != SOTTO__RESPONSE__RESULT_SENT ||
		    resp->sent->message == NULL)
			return ERR_PROTO;
		*chat_id = resp->sent->message->chat_id;
		return cloud_apply_sent(g->c, resp->sent);
	}
}

static void
gc_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct gcmd *g = ud;
	const Sotto__Error *e = resp != NULL ? resp->error : NULL;
	char *why = NULL;
	uint64_t chat_id = 0;
	uint32_t retry = 0;

	if (!g->ops.alive(g->ud)) {
		g->ops.done(g->ud, 0, NULL, 0, 0);
		free(g);
		return;
	}
	if (err == 0)
		err = gc_apply(g, resp, &chat_id);
	else if (e != NULL) {
		if (e->message != NULL)
			why = json_sanitize(e->message, strlen(e->message));
		retry = e->retry_after;
	}
	g->ops.done(g->ud, err, why, retry, chat_id);
	free(why);
	free(g);
}

/* --report GROUP --message ID: the message's sender is reported. */
static int
gc_report_target(struct gcmd *g, const struct cloud_peer *peer,
    Sotto__ReportUser *m, const char **why)
{
	struct cloud_message msg;

	m->user_id = peer->kind == CLOUD_CHAT_GROUP ? 0 : peer->user_id;
	if (g->o->report_msg == 0) {
		if (m->user_id == 0) {
			*why = "name the message to report with --message ID";
			return ERR_INVAL;
		}
		return 0;
	}
	*why = "no such message in that chat on this device";
	if (peer->chat_id == 0 || cloud_get_message(g->c, peer->chat_id,
	    g->o->report_msg, &msg) != 0)
		return ERR_NOT_FOUND;
	if (m->user_id == 0)
		m->user_id = msg.sender_id;
	if (msg.sender_id != m->user_id || msg.action != 0 ||
	    msg.sender_id == cloud_self(g->c)) {
		cloud_message_free(&msg);
		*why = "that message is not one of theirs";
		return ERR_INVAL;
	}
	cloud_message_free(&msg);
	m->chat_id = peer->chat_id;
	m->message_id = g->o->report_msg;
	return 0;
}

int
cmd_group_act(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct cloud_peer *peer,
    uint64_t timeout_ms, const struct cmd_group_ops *ops, void *ud,
    const char **why)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__CreateInviteLink cl = SOTTO__CREATE_INVITE_LINK__INIT;
	Sotto__RevokeInviteLink rl = SOTTO__REVOKE_INVITE_LINK__INIT;
	Sotto__JoinByLink jl = SOTTO__JOIN_BY_LINK__INIT;
	Sotto__SetGroupSettings gs = SOTTO__SET_GROUP_SETTINGS__INIT;
	Sotto__ReportUser ru = SOTTO__REPORT_USER__INIT;
	struct gcmd *g;
	int r = 0;

	*why = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return ERR_NOMEM;
	g->c = c;
	g->o = o;
	g->s = s;
	g->ops = *ops;
	g->ud = ud;
	switch (o->action) {
	case CMD_INVITE_LINK:
		cl.chat_id = peer->chat_id;
		cl.expires = o->expires;
		cl.uses = (uint32_t)o->uses;
		req.method_case = SOTTO__REQUEST__METHOD_CREATE_INVITE_LINK;
		req.create_invite_link = &cl;
		break;
	case CMD_REVOKE_LINK:
		rl.link = (char *)o->link;
		req.method_case = SOTTO__REQUEST__METHOD_REVOKE_INVITE_LINK;
		req.revoke_invite_link = &rl;
		break;
	case CMD_JOIN:
		jl.link = (char *)o->link;
		req.method_case = SOTTO__REQUEST__METHOD_JOIN_BY_LINK;
		req.join_by_link = &jl;
		break;
	case CMD_SET_GROUP:
		gs.chat_id = peer->chat_id;
		gs.hide_members = o->hide_members;
		req.method_case = SOTTO__REQUEST__METHOD_SET_GROUP_SETTINGS;
		req.set_group_settings = &gs;
		break;
	default:
		ru.reason = (Sotto__ReportReason)o->reason;
		if ((r = gc_report_target(g, peer, &ru, why)) != 0)
			break;
		g->user_id = ru.user_id;
		req.method_case = SOTTO__REQUEST__METHOD_REPORT_USER;
		req.report_user = &ru;
		break;
	}
	if (r == 0)
		r = engine_call(cloud_engine(c), &req, timeout_ms, gc_reply, g);
	if (r != 0)
		free(g);
	return r;
}

/* ------------------------------------------------------------ actions */

/* TITLE of --create-group. */
int
cmd__arg_title(struct cmd_opts *o, const char *arg, const struct cmd_sink *s)
{
	(void)s;
	o->title = arg;
	return 0;
}

/* LINK of --revoke-link and --join. */
int
cmd__arg_link(struct cmd_opts *o, const char *arg, const struct cmd_sink *s)
{
	(void)s;
	o->link = arg;
	return 0;
}

int
cmd__exec_create_group(struct cmd *k)
{
	uint64_t ids[CMD__MAX_PEERS];
	size_t i;

	for (i = 0; i < k->n_peers; i++) {
		if (cmd__need_user(k, i) != 0)
			return CMD__HANDLED;
		ids[i] = k->res[i].user_id;
	}
	return cloud_create_group(k->c, k->o->title, ids, k->n_peers,
	    cmd__left_ms(k), cmd__on_done, k);
}

/* --add-member, --remove-member. */
int
cmd__exec_member(struct cmd *k)
{
	if (cmd__need_group(k, 0) != 0 || cmd__need_user(k, 1) != 0)
		return CMD__HANDLED;
	return (k->o->action == CMD_ADD_MEMBER ? cloud_add_member :
	    cloud_remove_member)(k->c, k->res[0].chat_id, k->res[1].user_id,
	    cmd__left_ms(k), cmd__on_done, k);
}

int
cmd__exec_leave(struct cmd *k)
{
	if (cmd__need_group(k, 0) != 0)
		return CMD__HANDLED;
	return cloud_leave(k->c, k->res[0].chat_id, cmd__left_ms(k),
	    cmd__on_done, k);
}

int
cmd__exec_rename_group(struct cmd *k)
{
	if (cmd__need_group(k, 0) != 0)
		return CMD__HANDLED;
	return cloud_rename(k->c, k->res[0].chat_id, k->o->title,
	    cmd__left_ms(k), cmd__on_done, k);
}

/* A group call answered: the chat as it is now. */
int
cmd__done_chat(struct cmd *k, uint64_t id)
{
	return cmd__show_chat(k, id);
}

static void
cmd_group_done(void *ud, int err, const char *why, uint32_t retry,
    uint64_t chat_id)
{
	struct cmd *k = ud;

	if (!k->finished) {
		k->retry_after = retry;
		if (err != 0)
			cmd__finish(k, cmd__report(k, err, why));
		else
			cmd__finish(k, chat_id != 0 ? cmd__show_chat(k, chat_id) :
			    0);
	}
	cmd__unref(k);
}

int
cmd__exec_group_call(struct cmd *k)
{
	static const struct cmd_group_ops ops = {
		cmd__alive, cmd_group_done
	};
	const char *why = NULL;
	int r;

	if ((k->o->action == CMD_INVITE_LINK ||
	    k->o->action == CMD_SET_GROUP) && cmd__need_group(k, 0) != 0)
		return CMD__HANDLED;
	if (k->o->action == CMD_REPORT && k->res[0].kind != CLOUD_CHAT_GROUP &&
	    (cmd__need_user(k, 0) != 0 || cmd__need_other(k, 0,
	    "you cannot report yourself") != 0))
		return CMD__HANDLED;
	k->refs++;
	if ((r = cmd_group_act(k->c, k->o, k->s, k->n_peers > 0 ?
	    &k->res[0] : NULL, cmd__left_ms(k), &ops, k, &why)) != 0) {
		k->refs--;
		cmd__finish(k, cmd__report(k, r, why));
	}
	return CMD__HANDLED;
}
