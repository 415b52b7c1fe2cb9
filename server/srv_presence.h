/*
 * Last seen and online (doc/PROTOCOL.md, "Last seen and online").
 *
 * sottod keeps one value per account: the minute of its newest activity
 * (users.seen), written when a device signs in, at most once a minute
 * while it makes requests, and when its last device goes; whether it is
 * online is the in-memory index of connections, never stored. An asker
 * sees another user's status exactly (ONLINE, or OFFLINE with the
 * minute) when the user's last_seen rule allows the asker and the
 * asker's own last_seen rule allows the user (reciprocity, as Telegram);
 * otherwise only the coarse value: recently, within a week, within a
 * month or long ago. A user who blocked the asker is "long ago".
 *
 * Online and offline changes are pushed live (Update pts 0, UserStatus)
 * to the connected watchers that see the user exactly: the user's
 * contacts, those who have it as a contact and its private-chat peers.
 * A watcher that was away asks GetUsers; nothing goes into update logs,
 * so no log keeps a history of anyone's sessions.
 */
#ifndef SOTTO_SRV_PRESENCE_H
#define SOTTO_SRV_PRESENCE_H

#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv;
struct srv_conn;
struct srv_profile;
struct srv_store;

#define SRV_PRESENCE_RECENT (3 * 86400)	/* "recently": up to 3 days */
#define SRV_PRESENCE_WEEK (7 * 86400)
#define SRV_PRESENCE_MONTH (30 * 86400)

/*
 * The coarse value (a Sotto__Presence) of a user last active at minute
 * seen (0: never) at now, both unix seconds; online counts as recently.
 */
int srv_presence_coarse(uint64_t now, uint64_t seen, int online);

/* Remembers s, whose connections say who is online (srv_init()). */
void srv_presence_init(struct srv *s);

/* Whether user_id has a signed-in connection other than except. */
int srv_presence_online(struct srv *s, uint64_t user_id,
    const struct srv_conn *except);

/*
 * Sets u->status and u->last_seen of profile p as asker may see them.
 * 0 or ERR_DB.
 */
int srv_presence_fill(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u);

/*
 * c was signed in (online set) or is going (online 0): records the
 * minute and, when c is the account's first or last connection, pushes
 * the change to the watchers who see it exactly.
 */
void srv_presence_changed(struct srv_conn *c, int online);

/*
 * owner changed its last_seen or bio rule, or its bio: tells each
 * connected watcher what it now sees (UserStatus, exact or coarse), so
 * that a value shown does not outlive the rule; a client showing owner
 * asks again for the rest. A block is not announced this way.
 */
void srv_presence_refresh(struct srv *s, uint64_t owner);

/* c made a request: records the minute when it moved on. */
void srv_presence_touch(struct srv_conn *c);

#endif
