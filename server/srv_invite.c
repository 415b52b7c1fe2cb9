/*
 * Invite links; see srv_invite.h. Logs name ids (connection, user,
 * group, link row), never a token.
 */
#include "config.h"

#include "server/srv_invite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hkdf.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_directory.h"
#include "server/srv_group.h"
#include "lib/log.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"

static const char srv_invite_label[] = "sotto invite link";

/* The stored form of a token. */
static void
srv_invite_hash(uint8_t out[SRV_LINK_HASH_LEN],
    const uint8_t token[SRV_LINK_TOKEN_LEN])
{
	hkdf_sha256_extract(out, (const uint8_t *)srv_invite_label,
	    sizeof(srv_invite_label) - 1, token, SRV_LINK_TOKEN_LEN);
}

/* The token of a link ("sotto:join/HEX", or HEX alone). 0 or ERR_INVAL. */
static int
srv_invite_parse(const char *link, uint8_t token[SRV_LINK_TOKEN_LEN])
{
	size_t plen = sizeof(SRV_LINK_PREFIX) - 1, n = 0;

	if (link == NULL)
		return ERR_INVAL;
	if (strncmp(link, SRV_LINK_PREFIX, plen) == 0)
		link += plen;
	if (strlen(link) != 2 * SRV_LINK_TOKEN_LEN ||
	    sec_hex_decode(token, SRV_LINK_TOKEN_LEN, &n, link,
	    strlen(link)) != 0 ||
	    n != SRV_LINK_TOKEN_LEN)
		return ERR_INVAL;
	return 0;
}

/*
 * The live link of text into *l. Whatever is wrong (made up, revoked,
 * expired, used up), the answer is ERR_NOT_FOUND; ERR_INVAL when text is
 * not a link at all.
 */
static int
srv_invite_find(struct srv_store *st, const char *text, uint64_t now,
    struct srv_link *l)
{
	uint8_t token[SRV_LINK_TOKEN_LEN], hash[SRV_LINK_HASH_LEN];
	int r;

	if (srv_invite_parse(text, token) != 0)
		return ERR_INVAL;
	srv_invite_hash(hash, token);
	sec_wipe(token, sizeof(token));
	if ((r = srv_store_link_get(st, hash, l)) != 0)
		return r;
	if ((l->expires != 0 && l->expires <= now) ||
	    (l->uses_max != 0 && l->uses >= l->uses_max))
		return ERR_NOT_FOUND;
	return 0;
}

static int
srv_invite_fail(struct srv_conn *c, uint64_t id, int r)
{
	return srv_reply_fail(c, id, r, r == ERR_NOT_FOUND ?
	    "no such invite link" : r == ERR_INVAL ? "not an invite link "
	    "(expected sotto:join/ and 32 hex digits)" : NULL);
}

/* Checks that the asker is an admin of group chat_id. 0 or ERR_*. */
static int
srv_invite_admin(struct srv_store *st, uint64_t chat_id, uint64_t me,
    const char **why)
{
	struct srv_chat chat;
	int r;

	if ((r = srv_chat_of_member(st, chat_id, me, &chat)) != 0) {
		*why = "no such chat";
		return r;
	}
	if (chat.kind != SRV_CHAT_GROUP) {
		*why = "not a group";
		return ERR_INVAL;
	}
	if ((r = srv_store_member_admin(st, chat_id, me)) < 0)
		return r;
	*why = "only admins manage invite links";
	return r == 1 ? 0 : ERR_PERM;
}

static int
srv_invite_reply(struct srv_conn *c, uint64_t id, const struct srv_link *l,
    const uint8_t token[SRV_LINK_TOKEN_LEN])
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__InviteLink il = SOTTO__INVITE_LINK__INIT;
	char text[sizeof(SRV_LINK_PREFIX) + 2 * SRV_LINK_TOKEN_LEN];
	size_t plen = sizeof(SRV_LINK_PREFIX) - 1;
	int r;

	memcpy(text, SRV_LINK_PREFIX, plen);
	(void)sec_hex_encode(text + plen, sizeof(text) - plen, token,
	    SRV_LINK_TOKEN_LEN);
	il.link = text;
	il.chat_id = l->chat_id;
	il.expires_at = l->expires;
	il.uses = l->uses_max;
	resp.result_case = SOTTO__RESPONSE__RESULT_INVITE_LINK;
	resp.invite_link = &il;
	r = srv_reply(c, id, &resp);
	sec_wipe(text, sizeof(text));
	return r;
}

int
srv_invite_create(struct srv_conn *c, uint64_t id,
    const Sotto__CreateInviteLink *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_link l;
	uint8_t token[SRV_LINK_TOKEN_LEN], hash[SRV_LINK_HASH_LEN];
	const char *why = NULL;
	size_t n = 0;
	int r, limited;

	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if ((r = srv_invite_admin(st, m->chat_id, c->user_id, &why)) != 0)
		return srv_reply_fail(c, id, r, why);
	if (m->expires > SRV_LINK_EXPIRES_MAX)
		return srv_conn_error(c, id, ERR_INVAL,
		    "a link expires within 366 days at most", 0);
	if ((r = srv_store_link_count(st, m->chat_id, &n)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if (n >= SRV_LINKS_PER_GROUP)
		return srv_conn_error(c, id, ERR_TOO_BIG, "a group has at "
		    "most 100 invite links; revoke one first", 0);
	memset(&l, 0, sizeof(l));
	l.chat_id = m->chat_id;
	l.creator_id = c->user_id;
	l.created = (uint64_t)time(NULL);
	l.expires = m->expires != 0 ? l.created + m->expires : 0;
	l.uses_max = m->uses;
	sec_random(token, sizeof(token));
	srv_invite_hash(hash, token);
	if ((r = srv_store_unit_begin(st)) == 0)
		r = srv_store_unit_end(st, srv_store_link_add(st, &l, hash));
	if (r != 0) {
		sec_wipe(token, sizeof(token));
		return srv_reply_fail(c, id, r == ERR_EXISTS ? ERR_INTERNAL :
		    r, NULL);
	}
	log_info("conn %llu: group %llu got invite link %llu",
	    (unsigned long long)c->serial, (unsigned long long)l.chat_id,
	    (unsigned long long)l.id);
	r = srv_invite_reply(c, id, &l, token);
	sec_wipe(token, sizeof(token));
	return r;
}

int
srv_invite_revoke(struct srv_conn *c, uint64_t id,
    const Sotto__RevokeInviteLink *m)
{
	struct srv_store *st = c->srv->store;
	struct srv_link l;
	const char *why = NULL;
	int r;

	if ((r = srv_invite_find(st, m->link, (uint64_t)time(NULL),
	    &l)) != 0)
		return srv_invite_fail(c, id, r);
	if ((r = srv_invite_admin(st, l.chat_id, c->user_id, &why)) != 0)
		return srv_reply_fail(c, id, r == ERR_NOT_FOUND ? ERR_PERM : r,
		    r == ERR_NOT_FOUND ? "only admins manage invite links" :
		    why);
	if ((r = srv_store_unit_begin(st)) != 0 ||
	    (r = srv_store_unit_end(st, srv_store_link_remove(st,
	    l.id))) != 0)
		return srv_reply_fail(c, id, r, NULL);
	log_info("conn %llu: invite link %llu revoked",
	    (unsigned long long)c->serial, (unsigned long long)l.id);
	return srv_reply_ok(c, id);
}

/* The writes of a join, inside the unit. */
static int
srv_invite_enter(struct srv_store *st, const struct srv_link *l,
    struct srv_message *msg, const struct srv_chat *chat,
    const struct srv_member *before, size_t nb, struct srv_member **after,
    size_t *na, uint64_t *to, size_t *nto, struct srv_fan *fan)
{
	int r;

	if ((r = srv_store_member_add(st, chat->id, msg->sender_id, 0)) != 0)
		return r;
	/* The last use takes the link with it. */
	r = l->uses_max != 0 && l->uses + 1 >= l->uses_max ?
	    srv_store_link_remove(st, l->id) : srv_store_link_use(st, l->id);
	if (r != 0 || (r = srv_store_chat_roster(st, chat->id, after,
	    na)) != 0)
		return r;
	*nto = srv_chat_union(before, nb, *after, *na, to);
	if ((r = srv_group_audience(st, chat->id, before, nb, *after, *na,
	    msg->sender_id, msg->sender_id, to, nto)) != 0)
		return r;
	return srv_chat_service_write(st, msg, chat, *after, *na, to, *nto,
	    fan);
}

int
srv_invite_join(struct srv_conn *c, uint64_t id, const Sotto__JoinByLink *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_link l;
	struct srv_chat chat;
	struct srv_message msg;
	struct srv_member *before = NULL, *after = NULL;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t to[SRV_GROUP_MAX + 1], now = (uint64_t)time(NULL);
	size_t nb = 0, na = 0, nto = 0;
	const char *why = NULL;
	uint32_t retry = 0;
	int r, limited;

	if ((r = srv_chat_limit(c, s->join_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if ((r = srv_invite_find(st, m->link, now, &l)) != 0 ||
	    (r = srv_store_chat_by_id(st, l.chat_id, &chat)) != 0)
		return srv_invite_fail(c, id, r);
	if (srv_store_chat_member(st, chat.id, c->user_id) == 0)
		return srv_conn_error(c, id, ERR_EXISTS, "already a member",
		    0);
	if ((r = srv_store_chat_roster(st, chat.id, &before, &nb)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	/* The answer is a member list: the directory's buckets pay for it. */
	if (srv_dir_take(c, SRV_DIR_ASK_MEMBERS, 1, srv_dir_cost(nb),
	    &retry) != 0) {
		free(before);
		return srv_dir_limited(c, id, retry);
	}
	if (nb >= SRV_GROUP_MAX) {
		r = ERR_TOO_BIG;
		why = "a group has at most 200 members";
		goto fail;
	}
	memset(&msg, 0, sizeof(msg));
	msg.chat_id = chat.id;
	msg.sender_id = c->user_id;
	msg.date = now;
	msg.text = (char *)"";
	msg.action = SOTTO__SERVICE_ACTION__ACTION_JOINED;
	if ((r = srv_store_unit_begin(st)) != 0)
		goto fail;
	r = srv_invite_enter(st, &l, &msg, &chat, before, nb, &after, &na, to,
	    &nto, fan);
	if ((r = srv_store_unit_end(st, r)) != 0)
		goto fail;
	log_info("conn %llu: user %llu joined group %llu by link %llu",
	    (unsigned long long)c->serial, (unsigned long long)c->user_id,
	    (unsigned long long)chat.id, (unsigned long long)l.id);
	free(before);
	r = srv_chat_service_done(c, id, &msg, &chat, after, na, fan, nto);
	free(after);
	return r;
fail:
	free(before);
	free(after);
	return srv_reply_fail(c, id, r, why);
}

void
srv_invite_purge(struct srv *s)
{
	struct srv_store *st = s->store;
	size_t n = 0;
	int r;

	if ((r = srv_store_atomic_begin(st)) != 0 ||
	    (r = srv_store_atomic_end(st, srv_store_link_purge(st,
	    (uint64_t)time(NULL), &n))) != 0) {
		log_error_err(r, "purging expired invite links");
		return;
	}
	if (n > 0)
		log_info("purged %zu expired invite links", n);
}
