/*
 * Reports (doc/PROTOCOL.md, "Reports"). A report names the reporter, the
 * reported user and a reason by id, and may copy the text of one message
 * of the reported user from a chat of the reporter's: the operator needs
 * what was said to judge a report, and a sender could otherwise delete
 * it. Nothing else is kept. Reports, their text included, are purged 30
 * days after they were made.
 *
 * The restriction: when SRV_REPORT_LIMIT distinct accounts, each of them
 * written to by the reported user, reported it within SRV_REPORT_WINDOW,
 * it may not start new chats for SRV_REPORT_RESTRICT seconds from the
 * last of those reports: no message that opens a private chat, no new
 * group, no adding members, no secret chat with someone it has no
 * private chat with. Chats that exist go on as before, and
 * joining a group through a link is not starting one. A report from an
 * account the reported user never wrote to is kept but does not count,
 * so a few sock puppets cannot silence a stranger.
 */
#ifndef SOTTO_SRV_REPORT_H
#define SOTTO_SRV_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "proto/sotto.pb-c.h"

struct srv;
struct srv_conn;
struct srv_store;

#define SRV_REPORT_LIMIT 3
#define SRV_REPORT_WINDOW (24 * 3600)
#define SRV_REPORT_RESTRICT (24 * 3600)
#define SRV_REPORT_KEEP (30 * 24 * 3600)

/* ReportUser. 0 or the ERR_* that closes c. */
int srv_report_user(struct srv_conn *c, uint64_t id,
    const Sotto__ReportUser *m);

/*
 * Before c's account starts a chat: when it is restricted, answers
 * ERR_PERM saying until when and sets *answered. 0 or the ERR_* that
 * closes c.
 */
int srv_report_refuse(struct srv_conn *c, uint64_t id, int *answered);

/*
 * sottod --reports: one line per report to out (ids, reason, date, the
 * message's text escaped), never a username or an address. 0 or ERR_*.
 */
int srv_report_list(struct srv_store *st, FILE *out);

/* Deletes reports past SRV_REPORT_KEEP and ended restrictions. */
void srv_report_purge(struct srv *s);

#endif
