/*
 * Hidden members and group settings; see srv_group.h and
 * doc/PROTOCOL.md, "Hidden members".
 */
#include "config.h"

#include "server/srv_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/err.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_invite.h"
#include "server/srv_log.h"
#include "server/srv_reply.h"
#include "server/srv_report.h"
#include "server/srv_store.h"

/* SetGroupSettings.hide_members: 0 leaves it, 1 off, 2 on. */
#define GRP_HIDE_OFF 1
#define GRP_HIDE_ON 2

static int
srv_group_has(const uint64_t *ids, size_t n, uint64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

void
srv_group_view(const Sotto__Chat *full, uint64_t viewer, Sotto__Chat *out,
    uint64_t *ids, size_t cap)
{
	size_t i, k = 0, n = full->n_member_ids;
	uint64_t *from = full->member_ids;

	if (out != full)
		*out = *full;
	if (full->kind != SOTTO__CHAT_KIND__CHAT_GROUP || !full->hide_members ||
	    srv_group_has(full->admin_ids, full->n_admin_ids, viewer))
		return;
	/* ids may be from itself: k never passes i. */
	for (i = 0; i < n && k < cap; i++)
		if (from[i] == viewer || srv_group_has(full->admin_ids,
		    full->n_admin_ids, from[i]))
			ids[k++] = from[i];
	out->member_ids = k > 0 ? ids : NULL;
	out->n_member_ids = k;
}

static int
srv_group_admin_in(const struct srv_member *m, size_t n, uint64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].user_id == id)
			return m[i].admin;
	return 0;
}

int
srv_group_audience(struct srv_store *st, uint64_t chat_id,
    const struct srv_member *before, size_t nb,
    const struct srv_member *after, size_t na, uint64_t actor,
    uint64_t subject, uint64_t *to, size_t *nto)
{
	size_t i, k = 0;
	int hide;

	if ((hide = srv_store_group_hides(st, chat_id)) <= 0)
		return hide;
	for (i = 0; i < *nto; i++)
		if (to[i] == actor || to[i] == subject ||
		    srv_group_admin_in(before, nb, to[i]) ||
		    srv_group_admin_in(after, na, to[i]))
			to[k++] = to[i];
	*nto = k;
	return 0;
}

int
srv_group_quiet(struct srv_store *st, const struct srv_chat *chat,
    uint64_t user)
{
	int r;

	if (chat->kind != SRV_CHAT_GROUP)
		return 0;
	if ((r = srv_store_group_hides(st, chat->id)) <= 0)
		return r;
	r = srv_store_group_shown_in(st, chat->id, user);
	return r == 0 ? 0 : r == ERR_NOT_FOUND ? 1 : r;
}

/* ---------------------------------------------------------------- settings */

/* Checks SetGroupSettings; *why says what is wrong. 0 or ERR_*. */
static int
srv_group_check(struct srv_store *st, const struct srv_chat *chat,
    const struct srv_member *roster, size_t n, uint64_t asker,
    const Sotto__SetGroupSettings *m, const char **why)
{
	int hide;

	if (chat->kind != SRV_CHAT_GROUP) {
		*why = "not a group";
		return ERR_INVAL;
	}
	if (!srv_group_admin_in(roster, n, asker)) {
		*why = "only admins change the group's settings";
		return ERR_PERM;
	}
	if (m->hide_members != GRP_HIDE_OFF && m->hide_members != GRP_HIDE_ON) {
		*why = "hide_members must be on or off";
		return ERR_INVAL;
	}
	if ((hide = srv_store_group_hides(st, chat->id)) < 0)
		return hide;
	if (hide == (m->hide_members == GRP_HIDE_ON)) {
		*why = hide ? "the group already hides its members" :
		    "the group already shows its members";
		return ERR_EXISTS;
	}
	return 0;
}

int
srv_group_settings(struct srv_conn *c, uint64_t id,
    const Sotto__SetGroupSettings *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_chat chat;
	struct srv_message msg;
	struct srv_member *roster = NULL;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t to[SRV_GROUP_MAX + 1];
	size_t n = 0, nto;
	const char *why = NULL;
	char text[32];
	int r, limited, on = m->hide_members == GRP_HIDE_ON;

	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if ((r = srv_chat_of_member(st, m->chat_id, c->user_id, &chat)) != 0)
		return srv_reply_fail(c, id, r, "no such chat");
	if ((r = srv_store_chat_roster(st, chat.id, &roster, &n)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = srv_group_check(st, &chat, roster, n, c->user_id, m,
	    &why)) != 0)
		goto fail;
	memset(&msg, 0, sizeof(msg));
	msg.chat_id = chat.id;
	msg.sender_id = c->user_id;
	msg.date = (uint64_t)time(NULL);
	snprintf(text, sizeof(text), "hide_members=%s", on ? "on" : "off");
	msg.text = text;
	msg.action = SOTTO__SERVICE_ACTION__ACTION_SETTINGS;
	nto = srv_chat_union(roster, n, NULL, 0, to);
	if ((r = srv_store_unit_begin(st)) != 0)
		goto fail;
	if ((r = srv_store_group_set_hide(st, chat.id, on)) == 0)
		r = srv_chat_service_write(st, &msg, &chat, roster, n, to, nto,
		    fan);
	if ((r = srv_store_unit_end(st, r)) != 0)
		goto fail;
	srv_info("conn %llu: group %llu hide_members %s",
	    (unsigned long long)c->serial, (unsigned long long)chat.id,
	    on ? "on" : "off");
	r = srv_chat_service_done(c, id, &msg, &chat, roster, n, fan, nto);
	free(roster);
	return r;
fail:
	free(roster);
	return srv_reply_fail(c, id, r, why);
}
