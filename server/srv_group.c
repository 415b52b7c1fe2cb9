/*
 * Groups: CreateGroup, AddMember, RemoveMember, LeaveChat and RenameChat
 * with the service messages that announce them (also written for
 * srv_invite.c's joins and the settings here), hidden members and group
 * settings; see srv_group.h and doc/PROTOCOL.md, "Hidden members".
 */
#include "config.h"

#include "server/srv_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_chat_int.h"
#include "server/srv_conn.h"
#include "lib/log.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_report.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

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
	log_info("conn %llu: group %llu hide_members %s",
	    (unsigned long long)c->serial, (unsigned long long)chat.id,
	    on ? "on" : "off");
	r = srv_chat_service_done(c, id, &msg, &chat, roster, n, fan, nto);
	free(roster);
	return r;
fail:
	free(roster);
	return srv_reply_fail(c, id, r, why);
}

/* ---------------------------------------------------------------- groups */

/*
 * Writes the service message m of chat (the group after the change,
 * with roster after[n]) and a NewMessage entry in the log of each user
 * in to[nto] (the members before and after). Inside the caller's atomic
 * unit. 0 or ERR_*.
 */
int
srv_chat_service_write(struct srv_store *st, struct srv_message *m,
    const struct srv_chat *chat, const struct srv_member *after, size_t n,
    const uint64_t *to, size_t nto, struct srv_fan *fan)
{
	struct srv_snapshot snap;
	struct srv_entry e;
	uint8_t *mem = NULL, *adm = NULL;
	uint64_t v;
	size_t i, na = 0;
	int r, b;

	if ((r = srv_store_chat_next_id(st, chat->id, &m->id)) != 0)
		return r;
	memset(&e, 0, sizeof(e));
	e.kind = SRV_UPDATE_NEW_MESSAGE;
	e.chat_id = chat->id;
	e.message_id = m->id;
	if ((r = srv_chat__fanout(st, to, nto, &e, m->sender_id, fan,
	    &m->pts)) != 0)
		return r;
	if (n > 0 && ((mem = malloc(n * 8)) == NULL ||
	    (adm = malloc(n * 8)) == NULL)) {
		free(mem);
		return ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		for (b = 0, v = after[i].user_id; b < 8; b++)
			mem[i * 8 + (size_t)b] = (uint8_t)(v >> (8 * b));
		if (after[i].admin) {
			for (b = 0; b < 8; b++)
				adm[na * 8 + (size_t)b] =
				    (uint8_t)(v >> (8 * b));
			na++;
		}
	}
	memset(&snap, 0, sizeof(snap));
	snap.title = chat->title;
	snap.members = mem;
	snap.members_len = n * 8;
	snap.admins = adm;
	snap.admins_len = na * 8;
	r = srv_store_service_add(st, m, &snap);
	free(mem);
	free(adm);
	return r;
}

/* Union of before and after rosters as plain ids into to (sorted input). */
size_t
srv_chat_union(const struct srv_member *a, size_t na,
    const struct srv_member *b, size_t nb, uint64_t *to)
{
	size_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].user_id < b[j].user_id))
			to[n++] = a[i++].user_id;
		else if (i >= na || b[j].user_id < a[i].user_id)
			to[n++] = b[j++].user_id;
		else {
			to[n++] = a[i++].user_id;
			j++;
		}
	}
	return n;
}

/*
 * After a service message was written: answers SendResult and pushes the
 * NewMessage with the group as it is now to every recipient.
 */
int
srv_chat_service_done(struct srv_conn *c, uint64_t id,
    const struct srv_message *m, const struct srv_chat *chat,
    const struct srv_member *after, size_t n, const struct srv_fan *fan,
    size_t nfan)
{
	struct srv_chatbuf cb;
	int r;

	memset(&cb, 0, sizeof(cb));
	if ((r = srv_chat__fill(c->srv->store, &cb, chat, c->user_id, after, n,
	    NULL)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	r = srv_chat__reply_sent(c, id, m, &cb.chat, m->pts);
	srv_chat__push_message(c->srv, fan, nfan, m, &cb.chat, 0);
	srv_chat__buf_clear(&cb);
	return r;
}

int
srv_chat_create(struct srv_conn *c, uint64_t id, const Sotto__CreateGroup *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_message msg;
	struct srv_chat chat;
	struct srv_member *after = NULL;
	struct srv_profile p;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t to[SRV_GROUP_MAX + 1];
	size_t n = 0, nto = 0, i, j, distinct = 1;
	const char *why;
	int r, dup, limited, answered;

	memset(&msg, 0, sizeof(msg));
	memset(&chat, 0, sizeof(chat));
	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if (srv_chat_check_title(m->title, &why) != 0)
		return srv_conn_error(c, id, ERR_INVAL, why, 0);
	if (m->random_id == 0)
		return srv_conn_error(c, id, ERR_INVAL,
		    "random_id must not be 0", 0);
	if ((r = srv_chat__dedupe(c, id, m->random_id,
	    SOTTO__SERVICE_ACTION__ACTION_CREATED, &answered)) != 0 || answered)
		return r;
	if ((r = srv_report_refuse(c, id, &answered)) != 0 || answered)
		return r;
	if (m->n_member_ids > SRV_GROUP_MAX * 4)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "a group has at most 200 members", 0);
	for (i = 0; i < m->n_member_ids; i++) {
		if (m->member_ids[i] == c->user_id)
			continue;
		for (dup = 0, j = 0; j < i && !dup; j++)
			dup = m->member_ids[j] == m->member_ids[i];
		if (dup)
			continue;
		if (++distinct > SRV_GROUP_MAX)
			return srv_conn_error(c, id, ERR_TOO_BIG,
			    "a group has at most 200 members", 0);
	}
	for (i = 0; i < m->n_member_ids; i++)
		if ((r = srv_visible_profile(st, c->user_id,
		    m->member_ids[i], &p)) != 0)
			return srv_reply_fail(c, id, r, "no such user");
	/* Everyone to add must take invitations from the creator. */
	for (i = 0; i < m->n_member_ids; i++) {
		if ((r = srv_privacy_allows(st, m->member_ids[i],
		    SRV_PRIV_GROUP_INVITES, c->user_id)) == 0)
			continue;
		if (r != ERR_PERM)
			return srv_reply_fail(c, id, r, NULL);
		return srv_chat__refused(c, id, m->member_ids[i],
		    "group invitations");
	}

	if ((r = srv_store_unit_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = srv_store_group_add(st, m->title, c->user_id, &chat)) != 0 ||
	    (r = srv_store_member_add(st, chat.id, c->user_id, 1)) != 0)
		goto end;
	for (i = 0; i < m->n_member_ids && r == 0; i++)
		if (m->member_ids[i] != c->user_id &&
		    (r = srv_store_member_add(st, chat.id, m->member_ids[i],
		    0)) == ERR_EXISTS)
			r = 0;		/* named twice */
	if (r != 0 || (r = srv_store_chat_roster(st, chat.id, &after,
	    &n)) != 0)
		goto end;
	nto = srv_chat_union(after, n, NULL, 0, to);
	memset(&msg, 0, sizeof(msg));
	msg.chat_id = chat.id;
	msg.sender_id = c->user_id;
	msg.random_id = m->random_id;
	msg.date = (uint64_t)time(NULL);
	msg.text = chat.title;
	msg.action = SOTTO__SERVICE_ACTION__ACTION_CREATED;
	r = srv_chat_service_write(st, &msg, &chat, after, n, to, nto, fan);
end:
	if ((r = srv_store_unit_end(st, r)) != 0) {
		free(after);
		return srv_reply_fail(c, id, r, NULL);
	}
	log_info("conn %llu: user %llu made group %llu",
	    (unsigned long long)c->serial, (unsigned long long)c->user_id,
	    (unsigned long long)chat.id);
	r = srv_chat_service_done(c, id, &msg, &chat, after, n, fan, nto);
	free(after);
	return r;
}

/* AddMember, RemoveMember, LeaveChat and RenameChat. */
int
srv_chat_group_op(struct srv_conn *c, uint64_t id, enum srv_group_op op,
    uint64_t chat_id, uint64_t user_id, const char *title)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	struct srv_message msg;
	struct srv_chat chat;
	struct srv_member *before = NULL, *after = NULL;
	struct srv_profile p;
	struct srv_fan fan[SRV_GROUP_MAX + 1];
	uint64_t to[SRV_GROUP_MAX + 1];
	size_t nb = 0, na = 0, nto = 0, i;
	const char *why = NULL;
	int r, admin = 0, target_admin = 0, limited, refused;

	if ((r = srv_chat_limit(c, s->send_limit, c->user_id, id,
	    &limited)) != 0 || limited)
		return r;
	if ((r = srv_chat_of_member(st, chat_id, c->user_id, &chat)) != 0)
		return srv_reply_fail(c, id, r, "no such chat");
	if (chat.kind != SRV_CHAT_GROUP)
		return srv_conn_error(c, id, ERR_INVAL, "not a group", 0);
	if ((r = srv_store_chat_roster(st, chat.id, &before, &nb)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	for (i = 0; i < nb; i++)
		if (before[i].user_id == c->user_id)
			admin = before[i].admin;
	r = 0;
	switch (op) {
	case SRV_OP_ADD:
		if (!admin) {
			r = ERR_PERM;
			why = "only admins add members";
		} else if ((r = srv_visible_profile(st, c->user_id, user_id,
		    &p)) != 0)
			why = "no such user";
		else if (srv_store_chat_member(st, chat.id, user_id) == 0) {
			r = ERR_EXISTS;
			why = "already a member";
		} else if (nb >= SRV_GROUP_MAX) {
			r = ERR_TOO_BIG;
			why = "a group has at most 200 members";
		} else if ((r = srv_privacy_allows(st, user_id,
		    SRV_PRIV_GROUP_INVITES, c->user_id)) == ERR_PERM) {
			free(before);
			return srv_chat__refused(c, id, user_id,
			    "group invitations");
		}
		break;
	case SRV_OP_REMOVE:
		for (i = 0; i < nb; i++)
			if (before[i].user_id == user_id)
				target_admin = before[i].admin + 1;
		if (!admin) {
			r = ERR_PERM;
			why = "only admins remove members";
		} else if (target_admin == 0) {
			r = ERR_NOT_FOUND;
			why = "not a member";
		} else if (user_id == c->user_id) {
			r = ERR_INVAL;
			why = "use LeaveChat to leave";
		} else if (user_id == chat.creator_id ||
		    (target_admin == 2 && c->user_id != chat.creator_id)) {
			r = ERR_PERM;
			why = "only the creator removes admins";
		}
		break;
	case SRV_OP_LEAVE:
		user_id = c->user_id;
		break;
	case SRV_OP_RENAME:
		if (!admin) {
			r = ERR_PERM;
			why = "only admins rename the group";
		} else if (srv_chat_check_title(title, &why) != 0)
			r = ERR_INVAL;
		break;
	}
	if (r != 0) {
		free(before);
		return srv_reply_fail(c, id, r, why);
	}
	/* Adding someone starts a chat for them: not while restricted. */
	if (op == SRV_OP_ADD &&
	    ((r = srv_report_refuse(c, id, &refused)) != 0 || refused)) {
		free(before);
		return r;
	}

	memset(&msg, 0, sizeof(msg));
	msg.chat_id = chat.id;
	msg.sender_id = c->user_id;
	msg.date = (uint64_t)time(NULL);
	msg.text = (char *)"";
	if ((r = srv_store_unit_begin(st)) != 0) {
		free(before);
		return srv_reply_fail(c, id, r, NULL);
	}
	switch (op) {
	case SRV_OP_ADD:
		r = srv_store_member_add(st, chat.id, user_id, 0);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_ADDED;
		msg.action_user_id = user_id;
		break;
	case SRV_OP_REMOVE:
		if ((r = srv_store_shown_keep(st, chat.id, user_id)) == 0)
			r = srv_store_member_remove(st, chat.id, user_id);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_REMOVED;
		msg.action_user_id = user_id;
		break;
	case SRV_OP_LEAVE:
		if ((r = srv_store_shown_keep(st, chat.id, user_id)) == 0)
			r = srv_store_member_remove(st, chat.id, user_id);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_LEFT;
		break;
	case SRV_OP_RENAME:
		r = srv_store_chat_rename(st, chat.id, title);
		snprintf(chat.title, sizeof(chat.title), "%s", title);
		msg.action = SOTTO__SERVICE_ACTION__ACTION_RENAMED;
		msg.text = chat.title;
		break;
	}
	if (r == 0)
		r = srv_store_chat_roster(st, chat.id, &after, &na);
	if (r == 0) {
		nto = srv_chat_union(before, nb, after, na, to);
		if (op != SRV_OP_RENAME)
			r = srv_group_audience(st, chat.id, before, nb, after,
			    na, c->user_id, user_id, to, &nto);
	}
	if (r == 0)
		r = srv_chat_service_write(st, &msg, &chat, after, na, to,
		    nto, fan);
	free(before);
	if ((r = srv_store_unit_end(st, r)) != 0) {
		free(after);
		return srv_reply_fail(c, id, r, NULL);
	}
	r = srv_chat_service_done(c, id, &msg, &chat, after, na, fan, nto);
	free(after);
	return r;
}
