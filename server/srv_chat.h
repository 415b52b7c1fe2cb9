/*
 * Cloud chats (DESIGN section 5): people, contacts, messages, groups and
 * the per-account update log with its live pushes.
 *
 * Every write of a request joins the turn's group transaction inside one
 * atomic unit; the answer and the pushes are sent at once but held by the
 * connection layer until the commit (srv.h), so nothing is announced that
 * a crash could take back. Each member of a chat gets its own log entry
 * (its own pts), pushed as an Update to every connected device of that
 * account, the asking device included.
 */
#ifndef SOTTO_SRV_CHAT_H
#define SOTTO_SRV_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;

#define SRV_DIFF_LIMIT 1000		/* entries in one Difference page */
#define SRV_DIFF_BYTES 60000		/* and bytes, to fit one frame */
#define SRV_GET_USERS_MAX 100		/* ids in one GetUsers */

/*
 * The chat requests, called by srv_method.c's table once c is signed in:
 * each answers request id and returns 0, or ERR_* to close c. contact
 * adds (add 1) or removes user_id; group_op carries out op on chat_id
 * (user_id for add and remove, title for rename).
 */
enum srv_group_op { SRV_OP_ADD, SRV_OP_REMOVE, SRV_OP_LEAVE, SRV_OP_RENAME };
int srv_chat_resolve(struct srv_conn *c, uint64_t id,
    const Sotto__ResolveUser *m);
int srv_chat_get_users(struct srv_conn *c, uint64_t id,
    const Sotto__GetUsers *m);
int srv_chat_get_contacts(struct srv_conn *c, uint64_t id);
int srv_chat_contact(struct srv_conn *c, uint64_t id, uint64_t user_id,
    int add);
int srv_chat_edit(struct srv_conn *c, uint64_t id,
    const Sotto__EditMessage *m);
int srv_chat_delete(struct srv_conn *c, uint64_t id,
    const Sotto__DeleteMessages *m);
int srv_chat_read(struct srv_conn *c, uint64_t id,
    const Sotto__ReadHistory *m);
int srv_chat_typing(struct srv_conn *c, uint64_t id,
    const Sotto__SetTyping *m);
int srv_chat_create(struct srv_conn *c, uint64_t id,
    const Sotto__CreateGroup *m);
int srv_chat_group_op(struct srv_conn *c, uint64_t id, enum srv_group_op op,
    uint64_t chat_id, uint64_t user_id, const char *title);
int srv_chat_state(struct srv_conn *c, uint64_t id);
int srv_chat_difference(struct srv_conn *c, uint64_t id,
    const Sotto__GetDifference *m);

/*
 * Checks a message text: 1 to SRV_TEXT_MAX code points of strict UTF-8
 * without NUL. A group title: 1 to SRV_CHAT_TITLE_MAX bytes of UTF-8
 * without control or BiDi control characters. 0 or ERR_INVAL, *why a
 * sentence for the user.
 */
int srv_chat_check_text(const char *text, const char **why);
int srv_chat_check_title(const char *title, const char **why);

/*
 * Shared with srv_privacy.c and others. user fills u with p as
 * asker may see it (u borrows p's strings): 0 or ERR_DB. reply_users
 * answers a UsersResult with the profiles of ids (n), skipping missing
 * ones and, with check, those asker may not see, as many as fit a frame.
 */
struct srv;
struct srv_store;
struct srv_profile;
int srv_chat_user(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u);
int srv_chat_reply_users(struct srv_conn *c, uint64_t id,
    const uint64_t *ids, size_t n, int check);

/*
 * Answers a SendMessage m (fwd NULL), or a ForwardMessage (srv_forward.c)
 * as the send of fwd's copy with text m->text. Returns 0, or ERR_* to
 * close c.
 */
struct srv_forward;
int srv_chat_post(struct srv_conn *c, uint64_t id,
    const Sotto__SendMessage *m, const struct srv_forward *fwd);

/*
 * Shared with srv_group.c and srv_invite.c, which make service messages
 * of their own. A recipient of a fan-out and the pts of its entry:
 */
struct srv_fan {
	uint64_t user_id;
	uint64_t pts;
};
struct srv_chat;
struct srv_member;
struct srv_message;
struct srv_limit;
/* Looks up chat_id for member me. 0, ERR_NOT_FOUND or ERR_DB. */
int srv_chat_of_member(struct srv_store *st, uint64_t chat_id, uint64_t me,
    struct srv_chat *chat);
/*
 * Takes a token of l for key; when none is left answers ERR_RATE_LIMITED
 * and sets *limited. Returns 0 or the ERR_* that closes c.
 */
int srv_chat_limit(struct srv_conn *c, struct srv_limit *l, uint64_t key,
    uint64_t id, int *limited);
/* The union of two rosters sorted by user id, as ids into to. */
size_t srv_chat_union(const struct srv_member *a, size_t na,
    const struct srv_member *b, size_t nb, uint64_t *to);
/*
 * Writes service message m of chat (roster after[n] after the change)
 * and a NewMessage entry for each of to[nto] into fan[]; inside the
 * caller's unit. 0 or ERR_*. service_done then answers request id with
 * the SendResult and pushes to fan[nfan]; 0 or the ERR_* that closes c.
 */
int srv_chat_service_write(struct srv_store *st, struct srv_message *m,
    const struct srv_chat *chat, const struct srv_member *after, size_t n,
    const uint64_t *to, size_t nto, struct srv_fan *fan);
int srv_chat_service_done(struct srv_conn *c, uint64_t id,
    const struct srv_message *m, const struct srv_chat *chat,
    const struct srv_member *after, size_t n, const struct srv_fan *fan,
    size_t nfan);

#endif
