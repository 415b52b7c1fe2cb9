/*
 * Forwards (srv_forward.h).
 */
#include "config.h"

#include "server/srv_forward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"

int
srv_forward_link(struct srv_store *st, const struct srv_forward *fwd,
    const uint64_t *users, size_t n, uint64_t forwarder,
    struct srv_message *m)
{
	size_t i;
	int r;

	m->fwd_date = fwd->date;
	m->fwd_from_id = 0;
	snprintf(m->fwd_name, sizeof(m->fwd_name), "%s", fwd->name);
	if (fwd->from_id == 0)
		return 0;
	for (i = 0; i < n; i++) {
		/* The forwarder saw the original; Saved Messages is theirs. */
		if (users[i] == fwd->from_id ||
		    (users[i] == forwarder && n > 1))
			continue;
		r = srv_privacy_allows(st, fwd->from_id, SRV_PRIV_FORWARDS,
		    users[i]);
		if (r == ERR_PERM)
			return 0;
		if (r != 0)
			return r;
	}
	m->fwd_from_id = fwd->from_id;
	/* A link shows the original sender to every recipient. */
	for (i = 0; i < n; i++)
		if ((r = srv_store_shown_add(st, users[i], fwd->from_id)) != 0)
			return r;
	return 0;
}

/*
 * The message the asker forwards: id of from_chat_id, in a chat of the
 * asker's, not deleted, not hidden from the asker, not a service
 * message. 0 (orig->text malloc()ed), ERR_NOT_FOUND, ERR_NOMEM, ERR_DB.
 */
static int
fwd_source(struct srv_store *st, uint64_t asker,
    const Sotto__ForwardMessage *m, struct srv_message *orig)
{
	struct srv_chat chat;
	int r = ERR_NOT_FOUND;

	memset(orig, 0, sizeof(*orig));
	if (m->from_chat_id == 0 ||
	    (r = srv_store_chat_by_id(st, m->from_chat_id, &chat)) != 0 ||
	    (r = srv_store_chat_member(st, m->from_chat_id, asker)) != 0)
		return r;
	if ((r = srv_store_message_get(st, m->from_chat_id, m->id,
	    orig)) != 0)
		return r;
	r = srv_store_message_hidden(st, asker, m->from_chat_id, m->id);
	if (r == 0 || orig->deleted ||
	    orig->action != SOTTO__SERVICE_ACTION__ACTION_NONE)
		r = ERR_NOT_FOUND;
	else if (r == ERR_NOT_FOUND)
		return 0;
	free(orig->text);
	orig->text = NULL;
	return r;
}

int
srv_forward_message(struct srv_conn *c, uint64_t id,
    const Sotto__ForwardMessage *m)
{
	struct srv_store *st = c->srv->store;
	Sotto__SendMessage sm = SOTTO__SEND_MESSAGE__INIT;
	struct srv_message orig;
	struct srv_profile p;
	struct srv_forward fwd;
	int r;

	if ((r = fwd_source(st, c->user_id, m, &orig)) != 0)
		return srv_reply_fail(c, id, r, r == ERR_NOT_FOUND ?
		    "no such message" : NULL);
	if (orig.fwd_date != 0) {
		/* A forward of a forward names the first original. */
		fwd.date = orig.fwd_date;
		fwd.from_id = orig.fwd_from_id;
		fwd.name = orig.fwd_name;
	} else {
		if ((r = srv_store_profile_by_id(st, orig.sender_id,
		    &p)) != 0) {
			free(orig.text);
			return srv_reply_fail(c, id, r == ERR_NOT_FOUND ?
			    ERR_INTERNAL : r, NULL);
		}
		fwd.date = orig.date;
		fwd.from_id = orig.sender_id;
		fwd.name = p.display_name[0] != '\0' ? p.display_name :
		    p.username;
	}
	sm.to_user_id = m->to_user_id;
	sm.chat_id = m->chat_id;
	sm.random_id = m->random_id;
	sm.text = orig.text;
	r = srv_chat_post(c, id, &sm, &fwd);
	free(orig.text);
	return r;
}
