/*
 * Forwards (doc/PROTOCOL.md, "Forwards"). A forward is a new message of
 * the forwarder's, sent as SendMessage sends (the same checks, the same
 * dedupe on (sender, random_id), so a resent forward makes no second
 * copy), whose text is the original's and which carries the original's
 * date and its sender's display name as it was then. It names the
 * original sender's account (fwd_from_id) only when that sender's
 * forwards rule allows every recipient of the copy: the peer of a
 * private chat, every other member of a group, the forwarder in Saved
 * Messages. A forward of a forward keeps the first original, and a copy
 * that did not link its sender never links it again.
 */
#ifndef SOTTO_SRV_FORWARD_H
#define SOTTO_SRV_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;
struct srv_message;
struct srv_store;

/* The original a copy names. */
struct srv_forward {
	uint64_t date;			/* the original's date */
	uint64_t from_id;		/* its sender, or 0: never linked */
	const char *name;		/* its sender's display name then */
};

/*
 * Sets m's forward fields for a copy of fwd that users (n, the target
 * chat's members, forwarder among them) will get; a copy that links the
 * original sender shows it to each of them (srv_visible.h). Inside the
 * caller's unit. 0 or ERR_DB.
 */
int srv_forward_link(struct srv_store *st, const struct srv_forward *fwd,
    const uint64_t *users, size_t n, uint64_t forwarder,
    struct srv_message *m);

/* Answers ForwardMessage. Returns 0, or ERR_* to close c. */
int srv_forward_message(struct srv_conn *c, uint64_t id,
    const Sotto__ForwardMessage *m);

#endif
