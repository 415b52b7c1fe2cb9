/*
 * The one call machinery of the cloud layer: a request goes to the
 * engine with a struct cloud__call, and its answer is read by the
 * call's own apply function (what it stores and reports), then the
 * caller hears the result through the callback the call carries.
 */
#include "client/cloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cloud_int.h"
#include "client/json.h"
#include "lib/err.h"

/* ------------------------------------------------------------ calls */

static void
cloud_call_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct cloud__call *k = ud;
	struct cloud *c = k->c;
	char *why = NULL;
	uint64_t id = k->user_id;
	int r = err, answered = 0;

	if (err == 0 && c->freeing)
		r = k->closed;
	else if (err == 0 && k->apply != NULL)
		r = k->apply(k, resp, &id, &answered);
	if (!answered) {
		if (err != 0)
			why = cloud_why(resp);
		if (k->privacy_cb != NULL)
			k->privacy_cb(k->ud, r, why != NULL ? why : "", NULL,
			    0);
		else if (k->users_cb != NULL)
			k->users_cb(k->ud, r, why != NULL ? why : "", NULL, 0);
		else
			k->done_cb(k->ud, r, why != NULL ? why : "", id);
	}
	free(why);
	free(k->ids);
	free(k);
}

int
cloud__call(struct cloud *c, const struct cloud__call *tmpl,
    Sotto__Request *req, uint64_t timeout_ms)
{
	struct cloud__call *k;
	int r;

	if (c->freeing)
		return ERR_CLOSED;
	if ((k = malloc(sizeof(*k))) == NULL)
		return ERR_NOMEM;
	*k = *tmpl;
	k->c = c;
	if ((r = engine_call(c->e, req, timeout_ms, cloud_call_reply,
	    k)) != 0)
		free(k);
	return r;
}

/*
 * The server's words for a refusal, sanitised, with the wait it asked for
 * when it rate-limited us; NULL when it said nothing. Free it.
 */
char *
cloud_why(const Sotto__Response *resp)
{
	const Sotto__Error *e;
	char *why, *with;
	size_t len;

	if (resp == NULL || (e = resp->error) == NULL || e->message == NULL)
		return NULL;
	if ((why = json_sanitize(e->message, strlen(e->message))) == NULL ||
	    e->code != ERR_RATE_LIMITED || e->retry_after == 0)
		return why;
	len = strlen(why) + 48;
	if ((with = malloc(len)) != NULL)
		snprintf(with, len, "%s; try again in %u s", why,
		    (unsigned)e->retry_after);
	free(why);
	return with;
}

