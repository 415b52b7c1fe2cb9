/*
 * sottod's storage, behind one interface so that another backend (say,
 * PostgreSQL) can take over when one machine is not enough. This one is
 * SQLCipher: DIR/sottod.db, its raw key from DIR/server.key.
 *
 * Group commit. Every write joins one open transaction; srv_store_commit()
 * ends it. sottod commits once per loop turn and only then sends the
 * answers that depend on those writes, so an acknowledged write survives a
 * crash of sottod without an fsync per write (WAL, synchronous=NORMAL; with
 * full_sync, synchronous=FULL also survives power loss). Reads see the
 * open transaction's writes.
 *
 * Strings are returned in caller buffers and truncated to their size;
 * sottod validates lengths before it writes, so nothing stored is longer.
 */
#ifndef SOTTO_SRV_STORE_H
#define SOTTO_SRV_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/noise.h"
#include "crypto/pwhash.h"

#define SRV_STORE_FILE "sottod.db"
#define SRV_USERNAME_MAX 32
#define SRV_DISPLAY_NAME_MAX 256	/* bytes of UTF-8 */
#define SRV_PHONE_MAX 16
#define SRV_DEVICE_NAME_MAX 128		/* bytes of UTF-8 */

struct srv_store;

struct srv_user {
	uint64_t id;
	uint64_t created;		/* unix seconds */
	char username[SRV_USERNAME_MAX + 1];
	char display_name[SRV_DISPLAY_NAME_MAX + 1];
	char phone[SRV_PHONE_MAX + 1];
	char pwhash[PWHASH_STR_LEN];
};

struct srv_device {
	uint64_t id;
	uint64_t user_id;
	uint64_t created;
	uint64_t last_seen;
	uint8_t key[NOISE_KEY_LEN];
	char name[SRV_DEVICE_NAME_MAX + 1];
};

/*
 * Opens DIR/sottod.db with key, creating it and applying migrations.
 * Returns 0, ERR_BAD_PASSPHRASE (the key does not open it: a server.key
 * from another installation), ERR_VERSION (written by a newer sottod), or
 * ERR_DB.
 */
int srv_store_open(struct srv_store **out, const char *dir,
    const uint8_t key[32], int full_sync);

/* Commits what is pending, then closes. NULL is fine. */
void srv_store_close(struct srv_store *s);

/* Whether writes are waiting for srv_store_commit(). */
int srv_store_pending(const struct srv_store *s);

/*
 * Commits the open write transaction, if any. Returns 0, or ERR_DB after
 * rolling it back: none of its writes happened, and their answers must not
 * be sent.
 */
int srv_store_commit(struct srv_store *s);

/* Users. Lookups return 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_user_by_name(struct srv_store *s, const char *username,
    struct srv_user *out);
int srv_store_user_by_id(struct srv_store *s, uint64_t id,
    struct srv_user *out);
/* Adds u (its id and created are set here). 0, ERR_EXISTS or ERR_DB. */
int srv_store_user_add(struct srv_store *s, struct srv_user *u);

/*
 * Adds the account u and binds its first device d (d->user_id is set
 * here), both or neither. 0, ERR_EXISTS (username taken or key bound) or
 * ERR_DB.
 */
int srv_store_register(struct srv_store *s, struct srv_user *u,
    struct srv_device *d);

/* Devices: a device is its Noise static key, bound to one account. */
int srv_store_device_by_key(struct srv_store *s,
    const uint8_t key[NOISE_KEY_LEN], struct srv_device *out);
/* Binds d->key to d->user_id (d->id, created, last_seen are set here). */
int srv_store_device_add(struct srv_store *s, struct srv_device *d);
/* 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_device_remove(struct srv_store *s, uint64_t device_id);
int srv_store_device_touch(struct srv_store *s, uint64_t device_id,
    uint64_t now);
/*
 * The devices of an account, oldest first, in a malloc()ed array the
 * caller frees. 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_devices(struct srv_store *s, uint64_t user_id,
    struct srv_device **out, size_t *n);

#endif
