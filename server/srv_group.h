/*
 * Groups whose member list is not a scraper's list (doc/PROTOCOL.md,
 * "Hidden members"). With hide_members on, a plain member is shown only
 * the admins and itself in every Chat the server sends it, membership
 * changes of others (added, removed, left, joined) reach only the
 * admins and the users concerned, and the typing and read notices of a
 * member nobody was shown name it to admins only. A member is shown
 * once it is an admin or wrote in the group: senders are known through
 * their messages. Admins see everything.
 *
 * Also the entry point of the requests 80-89 (invite links, settings,
 * reports), which srv_invite.c and srv_report.c answer.
 */
#ifndef SOTTO_SRV_GROUP_H
#define SOTTO_SRV_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;
struct srv_store;
struct srv_chat;
struct srv_member;

/*
 * Answers SetGroupSettings (srv_method.c's table, once c is signed in).
 * 0 or the ERR_* that closes c.
 */
int srv_group_settings(struct srv_conn *c, uint64_t id,
    const Sotto__SetGroupSettings *m);

/*
 * Makes *out the chat full as viewer may see it. out may be full itself;
 * a cut list is written to ids (cap entries, which may be full's own
 * member_ids), else out shares full's arrays. No I/O.
 */
void srv_group_view(const Sotto__Chat *full, uint64_t viewer,
    Sotto__Chat *out, uint64_t *ids, size_t cap);

/*
 * Cuts the recipients to[*nto] of a membership service message in group
 * chat_id (rosters before[nb] and after[na]) to the admins, actor and
 * subject when the group hides its members. 0 or ERR_DB.
 */
int srv_group_audience(struct srv_store *st, uint64_t chat_id,
    const struct srv_member *before, size_t nb,
    const struct srv_member *after, size_t na, uint64_t actor,
    uint64_t subject, uint64_t *to, size_t *nto);

/*
 * Whether what user does in chat (typing, reading) must not name it to
 * plain members: 1 in a hiding group where user is not shown, else 0;
 * or ERR_DB.
 */
int srv_group_quiet(struct srv_store *st, const struct srv_chat *chat,
    uint64_t user);

#endif
