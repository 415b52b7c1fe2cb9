/*
 * Invite links (doc/PROTOCOL.md, "Invite links"). A link is
 * "sotto:join/" followed by 32 hex digits: 128 random bits made by
 * sottod. The store keeps only HMAC-SHA-256("sotto invite link", token),
 * so neither a copy of the database nor the operator can use a link; the
 * answer to CreateInviteLink is the only place the token is ever seen.
 * A link that expired, was revoked or used up is gone, so it gets the
 * very answer of one that never existed (ERR_NOT_FOUND, "no such invite
 * link"). Joins are rate-limited per account, every attempt counted.
 */
#ifndef SOTTO_SRV_INVITE_H
#define SOTTO_SRV_INVITE_H

#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv;
struct srv_conn;

#define SRV_LINK_PREFIX "sotto:join/"
#define SRV_LINK_TOKEN_LEN 16		/* random bytes; 32 hex digits */
#define SRV_LINK_EXPIRES_MAX (366ull * 24 * 3600)
#define SRV_LINKS_PER_GROUP 100
/* JoinByLink per account: a burst of 10, then one a minute. */
#define SRV_JOIN_BURST 10.0
#define SRV_JOIN_RATE (1.0 / 60.0)

/* The requests; each returns 0 or the ERR_* that closes c. */
int srv_invite_create(struct srv_conn *c, uint64_t id,
    const Sotto__CreateInviteLink *m);
int srv_invite_revoke(struct srv_conn *c, uint64_t id,
    const Sotto__RevokeInviteLink *m);
int srv_invite_join(struct srv_conn *c, uint64_t id,
    const Sotto__JoinByLink *m);

/* Deletes the links that expired (from the prune timer). */
void srv_invite_purge(struct srv *s);

#endif
