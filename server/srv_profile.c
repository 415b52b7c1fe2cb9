/*
 * The bio (srv_profile.h).
 */
#include "config.h"

#include "server/srv_profile.h"

#include <string.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "proto/textrule.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_presence.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"
#include "server/srv_text.h"

/* Why code point cp may not be in a bio (proto/textrule.h), or NULL. */
static const char *
prof_refused(uint32_t cp)
{
	switch (textrule_kind(cp)) {
	case TEXTRULE_CONTROL:
		return "the bio holds control characters (line breaks too)";
	case TEXTRULE_LINE_SEP:
		return "the bio holds a line or paragraph separator "
		    "(U+2028, U+2029)";
	case TEXTRULE_BIDI:
		return "the bio holds a bidirectional control (U+061C, "
		    "U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)";
	default:
		return NULL;
	}
}

int
srv_profile_check_bio(const char *bio, const char **why)
{
	const unsigned char *p = (const unsigned char *)bio;
	size_t len = bio != NULL ? strlen(bio) : 0, i = 0, n = 0, step;
	uint32_t cp;

	*why = NULL;
	while (i < len) {
		if ((step = utf8_next((const char *)p + i, len - i, &cp)) == 0) {
			*why = "the bio is not valid UTF-8";
			return ERR_INVAL;
		}
		if ((*why = prof_refused(cp)) != NULL)
			return ERR_INVAL;
		if (++n > SRV_BIO_MAX) {
			*why = "the bio is longer than 140 characters";
			return ERR_INVAL;
		}
		i += step;
	}
	return 0;
}

int
srv_profile_fill(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u)
{
	int r;

	if (p->bio[0] == '\0')
		return 0;
	if ((r = srv_privacy_allows(st, p->id, SRV_PRIV_BIO, asker)) == 0)
		u->bio = (char *)p->bio;
	return r == ERR_PERM ? 0 : r;
}

int
srv_profile_set_bio(struct srv_conn *c, uint64_t id, const Sotto__SetBio *m)
{
	struct srv_store *st = c->srv->store;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__UserResult ur = SOTTO__USER_RESULT__INIT;
	struct srv_profile p;
	Sotto__User u;
	const char *why, *bio = m->bio != NULL ? m->bio : "";
	int r;

	if (srv_profile_check_bio(bio, &why) != 0)
		return srv_conn_error(c, id, ERR_INVAL, why, 0);
	if ((r = srv_store_bio_set(st, c->user_id, bio)) != 0 ||
	    (r = srv_store_profile_by_id(st, c->user_id, &p)) != 0 ||
	    (r = srv_chat_user(st, c->user_id, &p, &u)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	ur.user = &u;
	resp.result_case = SOTTO__RESPONSE__RESULT_USER;
	resp.user = &ur;
	r = srv_reply(c, id, &resp);
	srv_presence_refresh(c->srv, c->user_id);
	return r;
}
