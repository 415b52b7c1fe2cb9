/*
 * What the cloud-chat files share among themselves (srv_chat.c,
 * srv_people.c, srv_message.c, srv_group.c, srv_diff.c) and nothing else
 * includes: the wire buffers of a Chat and a User, and the helpers that
 * fill them, fan a log entry out and answer a send. The requests
 * themselves are declared in srv_chat.h.
 */
#ifndef SOTTO_SRV_CHAT_INT_H
#define SOTTO_SRV_CHAT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"
#include "server/srv_chat.h"
#include "server/srv_store.h"

struct srv;
struct srv_conn;

/* A Chat as the wire has it, with storage for its strings and arrays. */
struct srv_chatbuf {
	Sotto__Chat chat;
	uint64_t id;			/* the cache key (0: not cached) */
	char title[SRV_CHAT_TITLE_MAX + 1];
	uint64_t *ids;			/* members, then admins; malloc()ed */
	uint64_t pair[2];		/* a pair chat's members */
};

/* A User as the wire has it, with storage for its strings. */
struct srv_userbuf {
	Sotto__User user;
	struct srv_profile p;
};

/*
 * ids (n) as 8-byte little-endian values into out (8 * n bytes), as a log
 * entry stores them; unpack_id reads one back from p.
 */
void srv_chat__pack_ids(uint8_t *out, const uint64_t *ids, size_t n);
uint64_t srv_chat__unpack_id(const uint8_t *p);

/*
 * Fills b with chat as asker sees it (members from roster[n], else from
 * snap, else none); 0 or ERR_NOMEM. buf_clear frees what b holds.
 */
int srv_chat__fill(struct srv_store *st, struct srv_chatbuf *b,
    const struct srv_chat *chat, uint64_t asker,
    const struct srv_member *roster, size_t n,
    const struct srv_snapshot *snap);
void srv_chat__buf_clear(struct srv_chatbuf *b);

/* Fills w with m as asker sees it (w borrows m's strings). */
void srv_chat__message(Sotto__Message *w, const struct srv_message *m,
    uint64_t asker);

/*
 * Appends e to the log of each of users[n], their pts into fan[], the
 * asker me's into *my_pts (0 when not among them). Inside the caller's
 * atomic unit; 0 or ERR_*.
 */
int srv_chat__fanout(struct srv_store *st, const uint64_t *users, size_t n,
    const struct srv_entry *e, uint64_t me, struct srv_fan *fan,
    uint64_t *my_pts);

/*
 * Answers ERR_PERM "@name does not accept <what> from you" for a privacy
 * refusal by user_id. 0 or the ERR_* that closes c.
 */
int srv_chat__refused(struct srv_conn *c, uint64_t id, uint64_t user_id,
    const char *what);

/*
 * Pushes NewMessage (MessageEdited with edited) for m to each of fan[n]
 * with chat (NULL for an edit).
 */
void srv_chat__push_message(struct srv *s, const struct srv_fan *fan,
    size_t n, const struct srv_message *m, Sotto__Chat *chat, int edited);

/* Answers request id with the SendResult of m in chat at pts. */
int srv_chat__reply_sent(struct srv_conn *c, uint64_t id,
    const struct srv_message *m, Sotto__Chat *chat, uint64_t pts);

/*
 * Dedupes a send on (sender, random_id): when it was made already,
 * answers it again and sets *answered. 0 or the ERR_* that closes c.
 */
int srv_chat__dedupe(struct srv_conn *c, uint64_t id, uint64_t random_id,
    int action, int *answered);

#endif
