/*
 * The session actions of the command line: --sessions, --terminate-session
 * and --set-session-ttl (doc/CLI.md, "Sessions"). Account calls, as
 * --whoami: made on the engine as soon as the command starts; each is
 * answered with the account's sessions, which --sessions prints.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_int.h"
#include "client/json.h"
#include "client/sessions.h"
#include "lib/err.h"

/* ------------------------------------------------------------ arguments */

int
cmd__arg_terminate(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	if (strcmp(arg, "others") == 0) {
		o->session_others = 1;
		return 0;
	}
	if (cmd__parse_id(arg, &o->session_id) != 0 || o->session_id == 0) {
		cmd_err(s, "--terminate-session takes a device id (see "
		    "--sessions) or others");
		return CMD_EX_USAGE;
	}
	return 0;
}

int
cmd__arg_session_ttl(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	if (sessions_ttl_parse(arg, &o->session_ttl) != 0) {
		cmd_err(s, "--set-session-ttl takes 1w, 1m, 3m, 6m or 1y");
		return CMD_EX_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------ printing */

static int
cmd_print_session(struct cmd *k, const Sotto__Session *x)
{
	char *name, *soft, t1[32], t2[32];
	json_t *o;
	int failed = 0;

	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd__json(k->s, NULL, 1);
		cmd__jset(o, "type", json_string("session"), &failed);
		cmd__jset(o, "id", json_u64(x->device_id), &failed);
		cmd__jset(o, "name", json_text(x->name), &failed);
		cmd__jset(o, "software", json_text(x->software != NULL &&
		    *x->software != '\0' ? x->software : "unknown"), &failed);
		cmd__jset(o, "created", json_u64(x->created), &failed);
		cmd__jset(o, "last_active", json_u64(x->last_active),
		    &failed);
		cmd__jset(o, "online", json_boolean(x->online), &failed);
		cmd__jset(o, "current", json_boolean(x->current), &failed);
		return cmd__json(k->s, o, failed);
	}
	name = cmd__clean(x->name);
	soft = cmd__clean(x->software != NULL && *x->software != '\0' ?
	    x->software : "unknown");
	cmd__format_time(t1, sizeof(t1), x->created);
	if (x->online)
		snprintf(t2, sizeof(t2), "online");
	else
		cmd__format_time(t2, sizeof(t2), x->last_active);
	cmd__out(k->s, "%c %llu  %s  (%s; created %s, last active %s)%s",
	    x->current ? '*' : '-', (unsigned long long)x->device_id, name,
	    soft, t1, t2, x->current ? "  <- this device" : "");
	free(name);
	free(soft);
	return 0;
}

static int
cmd_print_sessions(struct cmd *k, const Sotto__SessionsResult *res)
{
	const char *word = sessions_ttl_word(res->ttl_days);
	json_t *o;
	size_t i;
	int st = 0, failed = 0;

	switch (k->o->action) {
	case CMD_TERMINATE_SESSION:
		for (i = 0; i < res->n_ended && st == 0; i++) {
			if (!k->o->json) {
				cmd__out(k->s, "ended session %llu",
				    (unsigned long long)res->ended[i]);
				continue;
			}
			if ((o = json_object()) == NULL)
				return cmd__json(k->s, NULL, 1);
			cmd__jset(o, "type", json_string("terminated"),
			    &failed);
			cmd__jset(o, "id", json_u64(res->ended[i]), &failed);
			st = cmd__json(k->s, o, failed);
		}
		if (res->n_ended == 0 && !k->o->json)
			cmd__out(k->s, "no other session to end");
		return st;
	case CMD_SET_SESSION_TTL:
		if (!k->o->json) {
			cmd__out(k->s, "sessions inactive for %s (%u days) end "
			    "by themselves", word != NULL ? word : "?",
			    (unsigned)res->ttl_days);
			return 0;
		}
		if ((o = json_object()) == NULL)
			return cmd__json(k->s, NULL, 1);
		cmd__jset(o, "type", json_string("session_ttl"), &failed);
		cmd__jset(o, "days", json_u64(res->ttl_days), &failed);
		return cmd__json(k->s, o, failed);
	default:
		for (i = 0; i < res->n_sessions && st == 0; i++)
			st = cmd_print_session(k, res->sessions[i]);
		if (st == 0 && !k->o->json)
			cmd__out(k->s, "inactive sessions end after %s "
			    "(%u days; --set-session-ttl)",
			    word != NULL ? word : "?", (unsigned)res->ttl_days);
		return st;
	}
}

/* ------------------------------------------------------------ actions */

static void
cmd_sessions_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct cmd *k = ud;
	const char *why = NULL;
	char *clean = NULL;
	int st;

	if (k->finished) {
		cmd__unref(k);
		return;
	}
	if (err == 0 && (resp == NULL || resp->result_case !=
	    SOTTO__RESPONSE__RESULT_SESSIONS))
		err = ERR_PROTO;
	if (err == 0)
		st = cmd_print_sessions(k, resp->sessions);
	else {
		if (resp != NULL && resp->error != NULL) {
			why = clean = cmd__clean(resp->error->message);
			k->retry_after = resp->error->retry_after;
		}
		st = cmd__report(k, err, why);
		free(clean);
	}
	cmd__finish(k, st);
	cmd__unref(k);
}

int
cmd__exec_sessions(struct cmd *k)
{
	struct engine *e = cloud_engine(k->c);

	switch (k->o->action) {
	case CMD_TERMINATE_SESSION:
		return sessions_terminate(e, k->o->session_id,
		    k->o->session_others, 0, cmd_sessions_reply, k);
	case CMD_SET_SESSION_TTL:
		return sessions_set_ttl(e, k->o->session_ttl, 0,
		    cmd_sessions_reply, k);
	default:
		return sessions_get(e, 0, cmd_sessions_reply, k);
	}
}
