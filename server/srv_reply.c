/*
 * The answer and push helpers of every server module (srv_reply.h): a
 * Response with the request's id, Ok, an error with the unexpected ones
 * logged and hidden, and an Update to each device of an account.
 */
#include "config.h"

#include "server/srv_reply.h"

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_conn.h"
#include "lib/log.h"

int
srv_reply(struct srv_conn *c, uint64_t id, Sotto__Response *resp)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;

	resp->id = id;
	f.body_case = SOTTO__FRAME__BODY_RESPONSE;
	f.response = resp;
	return srv_conn_send(c, &f);
}

int
srv_reply_ok(struct srv_conn *c, uint64_t id)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__Empty e = SOTTO__EMPTY__INIT;

	resp.result_case = SOTTO__RESPONSE__RESULT_OK;
	resp.ok = &e;
	return srv_reply(c, id, &resp);
}

/* Answers an error; an unexpected one is logged and called internal. */
int
srv_reply_fail(struct srv_conn *c, uint64_t id, int r, const char *why)
{
	if (r == ERR_DB || r == ERR_NOMEM || r == ERR_INTERNAL) {
		log_error_err(r, "conn %llu: request %llu",
		    (unsigned long long)c->serial, (unsigned long long)id);
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	}
	if (r == ERR_NO_SPACE)
		/* Not carried out: the client keeps it and tries again. */
		return srv_conn_error(c, id, r, "the server's disk is full; "
		    "nothing was stored, try again later", 1);
	return srv_conn_error(c, id, r, why, 0);
}

void
srv_reply_push(struct srv *s, uint64_t user_id, Sotto__Update *up)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	struct srv_conn *c, *next;

	f.body_case = SOTTO__FRAME__BODY_UPDATE;
	f.update = up;
	for (c = srv_user_conns(s, user_id); c != NULL; c = next) {
		next = c->unext;
		if (c->user_id == user_id && c->authed && !c->closing)
			(void)srv_conn_send(c, &f);
	}
}
