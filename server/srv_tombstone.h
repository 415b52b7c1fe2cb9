/*
 * Ending a device's session, and telling a terminated device from one the
 * server never heard of (DESIGN section 8, doc/PROTOCOL.md "Welcome").
 *
 * Every way the server ends a device's session goes through
 * srv_tombstone_end_device(): it leaves a tombstone (a keyed hash of the
 * device key, the device id, when, by which device, why) and removes the
 * device as srv_secret_remove_device() does. The Welcome of a key with a
 * tombstone says "terminated", and only that may make a client end its
 * session and wipe; a key without one is "never heard of" (the server was
 * reset or restored from an older copy) and the client keeps its data.
 */
#ifndef SOTTO_SRV_TOMBSTONE_H
#define SOTTO_SRV_TOMBSTONE_H

#include <stdint.h>

#include "crypto/noise.h"
#include "server/srv_store.h"

struct srv;

/* Why a session ended: the Welcome's terminated_why (doc/PROTOCOL.md). */
enum srv_tomb_why {
	SRV_TOMB_LOGOUT = 1,		/* the device logged itself out */
	SRV_TOMB_TERMINATED = 2,	/* another device of the account ended it */
	SRV_TOMB_DELETED = 3,		/* the account was deleted */
	SRV_TOMB_EXPIRED = 4,		/* inactive past the session TTL */
};

/*
 * How long a tombstone is kept (doc/DATA.md): a device offline for longer
 * is "never heard of" on its next connect, which keeps its data and tells
 * its user to log in again or out; nothing is lost by forgetting.
 */
#define SRV_TOMB_KEEP_SECS (365ull * 24 * 3600)

/* The keyed hash of a device key that names its tombstone. */
void srv_tombstone_hash(const struct srv *s, const uint8_t key[NOISE_KEY_LEN],
    uint8_t out[SRV_TOMB_HASH_LEN]);

/*
 * Ends device_id of user_id for why, by by_device (the device that asked;
 * itself for a logout, 0 when none did): the tombstone and the removal
 * (srv_secret_remove_device) happen in one atomic unit. The caller closes
 * the device's connections. For account deletion call it for each device
 * before the account goes (SRV_TOMB_DELETED: the rows of the account
 * name it no more). 0, ERR_NOT_FOUND (no such device) or ERR_*.
 */
int srv_tombstone_end_device(struct srv *s, uint64_t user_id,
    uint64_t device_id, uint64_t by_device, enum srv_tomb_why why);

/*
 * The tombstone of key, when one younger than SRV_TOMB_KEEP_SECS exists:
 * 0 (in *out), ERR_NOT_FOUND or ERR_DB.
 */
int srv_tombstone_lookup(struct srv *s, const uint8_t key[NOISE_KEY_LEN],
    struct srv_tombstone *out);

/* The key is bound again (a login): its tombstone goes. 0 or ERR_DB. */
int srv_tombstone_forget(struct srv *s, const uint8_t key[NOISE_KEY_LEN]);

#endif
