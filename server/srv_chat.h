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

#endif
