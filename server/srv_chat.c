/*
 * Cloud chats, the common part: the checks of a text and a title and the
 * helpers the request files share (srv_chat_int.h): a User and a Chat as
 * an asker sees them, a message on the wire, the fan-out of a log entry
 * to a chat's members. The requests are answered by srv_people.c,
 * srv_message.c, srv_group.c and srv_diff.c (see srv_chat.h and
 * doc/PROTOCOL.md, "Methods (cloud chats)").
 *
 * Shape of a writing request: check the input and the asker's rights,
 * then write everything in one atomic unit (srv_store_atomic_begin/end),
 * so a failure half-way leaves nothing behind; then answer and push. The
 * answer and the pushes are held until the group commit (srv.h).
 *
 * Privacy is decided by srv_privacy.c: the phone field, finding a user by
 * phone (a hidden user and a missing one get the same ERR_NOT_FOUND),
 * messages into a private chat and adding to groups. Logs carry ids,
 * never message text.
 */
#include "config.h"

#include "server/srv_chat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_auth.h"
#include "server/srv_chat_int.h"
#include "server/srv_conn.h"
#include "server/srv_presence.h"
#include "server/srv_privacy.h"
#include "server/srv_profile.h"
#include "server/srv_store.h"
#include "server/srv_text.h"

/* ---------------------------------------------------------------- checks */

int
srv_chat_check_text(const char *text, const char **why)
{
	size_t n, len = text != NULL ? strlen(text) : 0;

	*why = NULL;
	if (len == 0) {
		*why = "the text is empty";
		return ERR_INVAL;
	}
	if (len > SRV_TEXT_BYTES_MAX ||
	    srv_text_count(text, len, SRV_TEXT_MAX, &n) != 0) {
		*why = len > SRV_TEXT_BYTES_MAX ? "the text is too long" :
		    "the text is not valid UTF-8";
		return ERR_INVAL;
	}
	if (n > SRV_TEXT_MAX) {
		*why = "the text is longer than 4096 characters";
		return ERR_INVAL;
	}
	return 0;
}

int
srv_chat_check_title(const char *title, const char **why)
{
	*why = NULL;
	if (title == NULL || title[0] == '\0') {
		*why = "the title is empty";
		return ERR_INVAL;
	}
	if (srv_auth_check_name(title, SRV_CHAT_TITLE_MAX, why) != 0) {
		if (strlen(title) > SRV_CHAT_TITLE_MAX)
			*why = "the title is longer than 256 bytes";
		return ERR_INVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------- helpers */

/*
 * Fills u with profile p as asker may see it. Returns 0 or ERR_DB.
 * The phone, last seen and bio are shown as the owner's rules say.
 */
int
srv_chat_user(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u)
{
	int r;

	sotto__user__init(u);
	u->id = p->id;
	u->username = (char *)p->username;
	u->display_name = (char *)p->display_name;
	if (p->id != asker) {
		if ((r = srv_store_is_contact(st, asker, p->id)) == 0)
			u->contact = 1;
		else if (r != ERR_NOT_FOUND)
			return r;
	}
	if (p->phone[0] != '\0') {
		if ((r = srv_privacy_allows(st, p->id, SRV_PRIV_PHONE_NUMBER,
		    asker)) == 0)
			u->phone = (char *)p->phone;
		else if (r != ERR_PERM)
			return r;
	}
	if ((r = srv_presence_fill(st, asker, p, u)) != 0)
		return r;
	return srv_profile_fill(st, asker, p, u);
}

void
srv_chat__pack_ids(uint8_t *out, const uint64_t *ids, size_t n)
{
	size_t i;
	int b;

	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++)
			out[i * 8 + (size_t)b] = (uint8_t)(ids[i] >> (8 * b));
}

uint64_t
srv_chat__unpack_id(const uint8_t *p)
{
	uint64_t v = 0;
	int b;

	for (b = 7; b >= 0; b--)
		v = (v << 8) | p[b];
	return v;
}

/* Frees what a chatbuf holds (not the chatbuf). */
void
srv_chat__buf_clear(struct srv_chatbuf *b)
{
	free(b->ids);
	b->ids = NULL;
}

/*
 * Fills b with chat as asker sees it. For a group the members and
 * admins come from roster (n entries) when it is not NULL, else from
 * snap when it is not NULL, else are left empty. 0 or ERR_NOMEM.
 */
int
srv_chat__fill(struct srv_store *st, struct srv_chatbuf *b,
    const struct srv_chat *chat, uint64_t asker,
    const struct srv_member *roster, size_t n,
    const struct srv_snapshot *snap)
{
	Sotto__Chat *w = &b->chat;
	size_t i, nm = 0, na = 0, cap;
	int hide;

	sotto__chat__init(w);
	b->ids = NULL;
	w->id = chat->id;
	w->kind = (Sotto__ChatKind)chat->kind;
	if (chat->kind != SRV_CHAT_GROUP) {
		w->peer_id = chat->user_lo == asker ? chat->user_hi :
		    chat->user_lo;
		b->pair[nm++] = chat->user_lo;
		if (chat->user_hi != chat->user_lo)
			b->pair[nm++] = chat->user_hi;
		w->member_ids = b->pair;
		w->n_member_ids = nm;
		return 0;
	}
	w->creator_id = chat->creator_id;
	/* Whoever the list goes to, it is cut to what they may see later. */
	if ((hide = srv_store_group_hides(st, chat->id)) < 0)
		return hide;
	w->hide_members = hide != 0;
	snprintf(b->title, sizeof(b->title), "%s",
	    snap != NULL && roster == NULL ? snap->title : chat->title);
	w->title = b->title;
	if (roster != NULL) {
		cap = n;
	} else if (snap != NULL) {
		cap = snap->members_len / 8 + snap->admins_len / 8;
	} else
		return 0;
	if (cap == 0)
		return 0;
	if ((b->ids = malloc(cap * sizeof(uint64_t) * 2)) == NULL)
		return ERR_NOMEM;
	if (roster != NULL) {
		for (i = 0; i < n; i++)
			b->ids[nm++] = roster[i].user_id;
		for (i = 0; i < n; i++)
			if (roster[i].admin)
				b->ids[nm + na++] = roster[i].user_id;
	} else {
		for (i = 0; i + 8 <= snap->members_len; i += 8)
			b->ids[nm++] = srv_chat__unpack_id(snap->members + i);
		for (i = 0; i + 8 <= snap->admins_len; i += 8)
			b->ids[nm + na++] =
			    srv_chat__unpack_id(snap->admins + i);
	}
	w->member_ids = b->ids;
	w->n_member_ids = nm;
	w->admin_ids = na > 0 ? b->ids + nm : NULL;
	w->n_admin_ids = na;
	return 0;
}

void
srv_chat__message(Sotto__Message *w, const struct srv_message *m,
    uint64_t asker)
{
	sotto__message__init(w);
	w->chat_id = m->chat_id;
	w->id = m->id;
	w->sender_id = m->sender_id;
	/* The sender's own token; nobody else learns it. */
	w->random_id = m->sender_id == asker ? m->random_id : 0;
	w->text = m->text != NULL ? m->text : (char *)"";
	w->date = m->date;
	w->reply_to = m->reply_to;
	w->edit_date = m->edit_date;
	w->action = (Sotto__ServiceAction)m->action;
	w->action_user_id = m->action_user_id;
	w->fwd_date = m->fwd_date;
	w->fwd_from_id = m->fwd_from_id;
	w->fwd_name = (char *)m->fwd_name;
}

/*
 * Appends e to the log of every user in users (n of them), each getting
 * its own pts in fan[]. The asker's own pts goes to *my_pts (0 when it is
 * not among them). 0 or ERR_*; inside the caller's atomic unit.
 */
int
srv_chat__fanout(struct srv_store *st, const uint64_t *users, size_t n,
    const struct srv_entry *e, uint64_t me, struct srv_fan *fan,
    uint64_t *my_pts)
{
	size_t i;
	int r;

	*my_pts = 0;
	for (i = 0; i < n; i++) {
		fan[i].user_id = users[i];
		if ((r = srv_store_update_add(st, users[i], e,
		    &fan[i].pts)) != 0)
			return r;
		if (users[i] == me)
			*my_pts = fan[i].pts;
	}
	return 0;
}

/* Looks up chat_id for a member. 0, ERR_NOT_FOUND or ERR_DB. */
int
srv_chat_of_member(struct srv_store *st, uint64_t chat_id, uint64_t me,
    struct srv_chat *chat)
{
	int r;

	if (chat_id == 0)
		return ERR_NOT_FOUND;
	if ((r = srv_store_chat_by_id(st, chat_id, chat)) != 0)
		return r;
	return srv_store_chat_member(st, chat_id, me);
}

/* A rate limit keyed by user id; answers ERR_RATE_LIMITED itself. */
int
srv_chat_limit(struct srv_conn *c, struct srv_limit *l, uint64_t key,
    uint64_t id, int *limited)
{
	uint32_t retry = 0;

	*limited = 0;
	if (srv_limit_take(l, &key, sizeof(key), srv_now_ms(c->srv),
	    &retry) == 0)
		return 0;
	*limited = 1;
	return srv_conn_error(c, id, ERR_RATE_LIMITED,
	    "too many requests; slow down", retry);
}

/*
 * Answers ERR_PERM for a privacy refusal by user_id: "@name does not
 * accept <what> from you". It does not say whether a rule or a block
 * refused: a block is not announced.
 */
int
srv_chat__refused(struct srv_conn *c, uint64_t id, uint64_t user_id,
    const char *what)
{
	struct srv_profile p;
	char why[160];

	if (srv_store_profile_by_id(c->srv->store, user_id, &p) != 0)
		snprintf(p.username, sizeof(p.username), "?");
	snprintf(why, sizeof(why), "@%s does not accept %s from you",
	    p.username, what);
	return srv_conn_error(c, id, ERR_PERM, why, 0);
}
