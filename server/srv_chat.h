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
 * Answers one of the chat requests of req (the methods from
 * ResolveUser on). Returns 0, or ERR_* to close c.
 */
int srv_chat_dispatch(struct srv_conn *c, const Sotto__Request *req);

/*
 * Checks a message text: 1 to SRV_TEXT_MAX code points of strict UTF-8
 * without NUL. A group title: 1 to SRV_CHAT_TITLE_MAX bytes of UTF-8
 * without control or BiDi control characters. 0 or ERR_INVAL, *why a
 * sentence for the user.
 */
int srv_chat_check_text(const char *text, const char **why);
int srv_chat_check_title(const char *title, const char **why);

/*
 * Shared with srv_privacy.c. reply answers request id with resp (its id
 * is set here); fail answers an error (an unexpected one is logged and
 * sent as ERR_INTERNAL); both return 0 or the ERR_* that closes c. push
 * sends up to every connected device of user_id. user fills u with p as
 * asker may see it (u borrows p's strings): 0 or ERR_DB. reply_users
 * answers a UsersResult with the profiles of ids (n), skipping missing
 * ones and, with check, those asker may not see, as many as fit a frame.
 */
struct srv;
struct srv_store;
struct srv_profile;
int srv_chat_reply(struct srv_conn *c, uint64_t id, Sotto__Response *resp);
int srv_chat_fail(struct srv_conn *c, uint64_t id, int r, const char *why);
void srv_chat_push(struct srv *s, uint64_t user_id, Sotto__Update *up);
int srv_chat_user(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u);
int srv_chat_reply_users(struct srv_conn *c, uint64_t id,
    const uint64_t *ids, size_t n, int check);
/* Whether asker may address user_id by its id: 0, ERR_NOT_FOUND, ERR_DB. */
int srv_chat_may_see(struct srv_store *st, uint64_t asker, uint64_t user_id);

/*
 * Answers a SendMessage m (fwd NULL), or a ForwardMessage (srv_forward.c)
 * as the send of fwd's copy with text m->text. Returns 0, or ERR_* to
 * close c.
 */
struct srv_forward;
int srv_chat_post(struct srv_conn *c, uint64_t id,
    const Sotto__SendMessage *m, const struct srv_forward *fwd);

#endif
