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
#define SRV_BIO_MAX 140			/* code points of a bio */
#define SRV_BIO_BYTES (4 * SRV_BIO_MAX)
#define SRV_FWD_NAME_MAX SRV_DISPLAY_NAME_MAX
#define SRV_DEVICE_NAME_MAX 128		/* bytes of UTF-8 */
#define SRV_TEXT_MAX 4096		/* characters (code points) */
#define SRV_TEXT_BYTES_MAX (4 * SRV_TEXT_MAX)
#define SRV_CHAT_TITLE_MAX 256		/* bytes of UTF-8 */

struct srv_store;

struct srv_user {
	uint64_t id;
	uint64_t created;		/* unix seconds */
	char username[SRV_USERNAME_MAX + 1];
	char display_name[SRV_DISPLAY_NAME_MAX + 1];
	char phone[SRV_PHONE_MAX + 1];
	char pwhash[PWHASH_STR_LEN];
};

/* What others may see of an account (no password hash). */
struct srv_profile {
	uint64_t id;
	char username[SRV_USERNAME_MAX + 1];
	char display_name[SRV_DISPLAY_NAME_MAX + 1];
	char phone[SRV_PHONE_MAX + 1];
	char bio[SRV_BIO_BYTES + 1];	/* srv_profile.c checks it */
	uint64_t seen;			/* minute of last activity, 0: never */
};

/*
 * Chat kinds and update kinds are stored as these numbers; the chat kinds
 * are the wire's ChatKind values. Never renumber one.
 */
enum srv_chat_kind {
	SRV_CHAT_SAVED = 1,
	SRV_CHAT_PRIVATE = 2,
	SRV_CHAT_GROUP = 3,
};

enum srv_update_kind {
	SRV_UPDATE_NEW_MESSAGE = 1,	/* chat_id, message_id */
	SRV_UPDATE_MESSAGE_EDITED = 2,	/* chat_id, message_id */
	SRV_UPDATE_MESSAGES_DELETED = 3, /* chat_id, ids, arg = for_everyone */
	SRV_UPDATE_READ_INBOX = 4,	/* chat_id, message_id = max_id */
	SRV_UPDATE_READ_OUTBOX = 5,	/* chat_id, message_id, arg = reader */
	SRV_UPDATE_CONTACT = 6,		/* arg = the user, arg2 = added */
	SRV_UPDATE_PRIVACY = 7,		/* arg = the key (the rule is read) */
	SRV_UPDATE_BLOCK = 8,		/* arg = the user, arg2 = blocked */
};

#define SRV_GROUP_MAX 200		/* members of a group */
#define SRV_IDS_MAX 1000		/* ids in one DeleteMessages */

/*
 * A chat. Saved Messages and private chats are pairs: user_lo <= user_hi,
 * equal for Saved Messages; both 0 for groups.
 */
struct srv_chat {
	uint64_t id;
	int kind;			/* enum srv_chat_kind */
	uint64_t user_lo, user_hi;
	uint64_t creator_id;		/* groups */
	uint64_t last_id;		/* the newest message id */
	char title[SRV_CHAT_TITLE_MAX + 1];
};

/* A member of a chat. */
struct srv_member {
	uint64_t user_id;
	int admin;
};

/*
 * What a group looked like right after a service message: kept with the
 * message so that a member catching up later sees each change as it was.
 * members and admins are packed little-endian uint64 arrays.
 */
struct srv_snapshot {
	const char *title;
	const uint8_t *members;
	size_t members_len;
	const uint8_t *admins;
	size_t admins_len;
};

/*
 * A message. pts is that of the NewMessage entry in the sender's own log,
 * kept so that a resend can be answered without searching the log. text
 * is borrowed when the message is written and malloc()ed when it is read
 * by srv_store_message_by_random() (the caller frees it).
 */
struct srv_message {
	uint64_t chat_id;
	uint64_t id;			/* increasing within the chat, from 1 */
	uint64_t sender_id;
	uint64_t random_id;		/* the sender's; unique per sender */
	uint64_t date;			/* unix seconds */
	uint64_t reply_to;		/* a message id in the chat, or 0 */
	uint64_t pts;
	uint64_t edit_date;		/* unix seconds, or 0 */
	int action;			/* the wire's ServiceAction */
	uint64_t action_user_id;
	int deleted;			/* deleted for everyone: text is "" */
	char *text;
	uint64_t fwd_date;		/* a forward: the original's date */
	uint64_t fwd_from_id;		/* its sender, when linked; or 0 */
	char fwd_name[SRV_FWD_NAME_MAX + 1];	/* its sender's name then */
};

/*
 * One entry of an account's update log as srv_store_updates() reads it.
 * For SRV_UPDATE_NEW_MESSAGE, has_message says whether the message row
 * was found; msg.text points into the store and is valid only during the
 * callback.
 */
struct srv_update {
	uint64_t pts;
	int kind;			/* enum srv_update_kind */
	uint64_t chat_id;
	uint64_t message_id;
	uint64_t arg, arg2;
	const uint8_t *ids;		/* packed uint64s, MESSAGES_DELETED */
	size_t ids_len;
	int has_message;		/* the message exists and is visible */
	struct srv_message msg;
	struct srv_snapshot snap;	/* has_snap: a group service message */
	int has_snap;
	struct srv_chat chat;
};

/* What srv_store_update_add() appends. */
struct srv_entry {
	int kind;			/* enum srv_update_kind */
	uint64_t chat_id;
	uint64_t message_id;
	uint64_t arg, arg2;
	const uint8_t *ids;
	size_t ids_len;
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

/*
 * Atomic units inside the group transaction: what is written between
 * srv_store_atomic_begin() and srv_store_atomic_end(s, r) happens
 * entirely, or, when r is nonzero, not at all. atomic_end returns r, or
 * ERR_DB when the unit could not be ended (nothing of it happened). Units
 * nest: an inner one that fails undoes only itself.
 */
int srv_store_atomic_begin(struct srv_store *s);
int srv_store_atomic_end(struct srv_store *s, int r);

/*
 * Cheap units for the hot paths. A savepoint makes SQLCipher encrypt
 * every page a unit touches into its statement journal, which costs more
 * than the writes themselves; a unit instead runs straight in the group
 * transaction, and unit_end(s, r) with r nonzero dooms that whole
 * transaction: srv_store_commit() rolls it back and fails, so no answer
 * of the turn goes out (srv.h). Use it only where a failure after the
 * first write means the database itself failed; unit_end returns r.
 */
int srv_store_unit_begin(struct srv_store *s);
int srv_store_unit_end(struct srv_store *s, int r);

/* Profiles. 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_profile_by_name(struct srv_store *s, const char *username,
    struct srv_profile *out);
int srv_store_profile_by_id(struct srv_store *s, uint64_t id,
    struct srv_profile *out);

/* A chat by id. 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_chat_by_id(struct srv_store *s, uint64_t id,
    struct srv_chat *out);

/*
 * The chat of the pair (a, b): Saved Messages when a == b, else their
 * private chat. With create set, a missing chat is made, with both users
 * as members; else it is ERR_NOT_FOUND. Does not check that the users
 * exist. 0, ERR_NOT_FOUND or ERR_DB.
 */
int srv_store_chat_pair(struct srv_store *s, uint64_t a, uint64_t b,
    int create, struct srv_chat *out);

/* Whether user_id is a member of chat_id: 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_chat_member(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id);

/*
 * The members of a chat, by id, in a malloc()ed array the caller frees.
 * 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_chat_members(struct srv_store *s, uint64_t chat_id,
    uint64_t **out, size_t *n);

/* Takes the chat's next message id. 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_chat_next_id(struct srv_store *s, uint64_t chat_id,
    uint64_t *id);

/*
 * Writes m as it is (its id from srv_store_chat_next_id(), its pts from
 * srv_store_update_add()). 0, ERR_EXISTS ((chat, id) or (sender,
 * random_id) taken) or ERR_DB.
 */
int srv_store_message_add(struct srv_store *s, const struct srv_message *m);

/*
 * The message sender sent with random_id; out->text is malloc()ed. 0,
 * ERR_NOT_FOUND, ERR_NOMEM or ERR_DB.
 */
int srv_store_message_by_random(struct srv_store *s, uint64_t sender,
    uint64_t random_id, struct srv_message *out);

/* Whether message id exists in chat_id: 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_message_exists(struct srv_store *s, uint64_t chat_id,
    uint64_t id);

/*
 * Update logs. Each account's log numbers its entries 1, 2, 3, ... (pts);
 * an entry refers to rows (a message) rather than copying them.
 *
 * update_add appends one entry to user_id's log and sets *pts to its
 * number. 0, ERR_NOT_FOUND (no such user) or ERR_DB.
 */
int srv_store_update_add(struct srv_store *s, uint64_t user_id,
    const struct srv_entry *e, uint64_t *pts);

/* The newest pts of user_id's log (0 when empty). 0, ERR_NOT_FOUND, ERR_DB. */
int srv_store_pts(struct srv_store *s, uint64_t user_id, uint64_t *pts);

/*
 * Reads user_id's entries after pts, oldest first, at most limit, calling
 * fn for each. A message deleted for everyone or hidden from user_id
 * leaves has_message 0. fn returns 0 to go on, 1 to stop, or a negative
 * ERR_* that is returned. fn may call the store's lookups but not
 * srv_store_updates() itself. Returns 0, fn's error or ERR_DB.
 */
int srv_store_updates(struct srv_store *s, uint64_t user_id, uint64_t pts,
    size_t limit, int (*fn)(void *, const struct srv_update *), void *ud);

/*
 * Writes a service message m with the group as it is after the change.
 * 0, ERR_EXISTS or ERR_DB.
 */
int srv_store_service_add(struct srv_store *s, const struct srv_message *m,
    const struct srv_snapshot *snap);

/*
 * Message id of chat_id; out->text is malloc()ed (the caller frees it).
 * 0, ERR_NOT_FOUND, ERR_NOMEM or ERR_DB.
 */
int srv_store_message_get(struct srv_store *s, uint64_t chat_id, uint64_t id,
    struct srv_message *out);

/* Sets a message's text and edit_date. 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_message_edit(struct srv_store *s, uint64_t chat_id,
    uint64_t id, const char *text, uint64_t edit_date);

/*
 * Deletes a message for everyone: its text is dropped and the row stays
 * as a tombstone, so that its id and random_id are never reused. 0,
 * ERR_NOT_FOUND (no such message, or deleted already) or ERR_DB.
 */
int srv_store_message_delete(struct srv_store *s, uint64_t chat_id,
    uint64_t id);

/* Hides a message from user_id. 0, ERR_EXISTS (hidden already), ERR_DB. */
int srv_store_message_hide(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id);

/* Whether the message is hidden from user_id: 0, ERR_NOT_FOUND, ERR_DB. */
int srv_store_message_hidden(struct srv_store *s, uint64_t user_id,
    uint64_t chat_id, uint64_t id);

/*
 * Groups. group_add makes a group chat with title and creator_id and sets
 * out; it adds no members. (A CreateGroup is deduped through the
 * random_id of its ACTION_CREATED message.) 0 or ERR_DB.
 */
int srv_store_group_add(struct srv_store *s, const char *title,
    uint64_t creator_id, struct srv_chat *out);
/* 0, ERR_EXISTS (a member already), ERR_NOT_FOUND (no such user), ERR_DB. */
int srv_store_member_add(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id, int admin);
/* 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_member_remove(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id);
/* Whether user_id is an admin of chat_id: 1, 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_member_admin(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id);
/* 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_chat_rename(struct srv_store *s, uint64_t chat_id,
    const char *title);
/*
 * The members of a chat with their roles, by user id, in a malloc()ed
 * array the caller frees. 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_chat_roster(struct srv_store *s, uint64_t chat_id,
    struct srv_member **out, size_t *n);

/*
 * Read state: moves user_id's read position in chat_id up to max_id.
 * 0 when it moved, ERR_EXISTS when it was there already (reading
 * backwards is a no-op), ERR_NOT_FOUND (not a member) or ERR_DB.
 */
int srv_store_read_set(struct srv_store *s, uint64_t chat_id,
    uint64_t user_id, uint64_t max_id);

/* A profile by phone number (exact). 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_profile_by_phone(struct srv_store *s, const char *phone,
    struct srv_profile *out);

/*
 * Contacts: owner's address book on the server. add is idempotent;
 * remove of a missing one is 0 too. is_contact: 0, ERR_NOT_FOUND, ERR_DB.
 */
int srv_store_contact_add(struct srv_store *s, uint64_t owner,
    uint64_t user_id);
int srv_store_contact_remove(struct srv_store *s, uint64_t owner,
    uint64_t user_id);
int srv_store_is_contact(struct srv_store *s, uint64_t owner,
    uint64_t user_id);
/* owner's contacts, by id, malloc()ed. 0, ERR_NOMEM or ERR_DB. */
int srv_store_contacts(struct srv_store *s, uint64_t owner, uint64_t **out,
    size_t *n);

/*
 * Privacy rules and blocks (srv_privacy.c decides; these only store).
 * Keys and values are the wire's PrivacyKey and PrivacyValue numbers.
 *
 * privacy_facts reads in one step what one decision needs: whether owner
 * blocked asker, asker's exception in key (-1: none, 1: allow, 0: deny),
 * owner's value for key (0: never set, the default applies) and whether
 * asker is owner's contact. 0, ERR_NOT_FOUND (an id no user can have) or
 * ERR_DB.
 */
struct srv_privacy_facts {
	int blocked;
	int exception;
	int value;
	int contact;
};
int srv_store_privacy_facts(struct srv_store *s, uint64_t owner, int key,
    uint64_t asker, struct srv_privacy_facts *out);
/*
 * Whether owner may have a rule, an exception or a block: 0 means
 * certainly none (every key has its default and nobody is blocked), so
 * the decision needs no query; 1 means ask privacy_facts. No I/O.
 */
int srv_store_privacy_restricted(struct srv_store *s, uint64_t owner);
/* owner's value for key: 0, ERR_NOT_FOUND (never set) or ERR_DB. */
int srv_store_privacy_get(struct srv_store *s, uint64_t owner, int key,
    int *value);
/* Sets owner's value for key. 0 or ERR_DB. */
int srv_store_privacy_set(struct srv_store *s, uint64_t owner, int key,
    int value);
/*
 * owner's exceptions in key, by user id, in two malloc()ed arrays the
 * caller frees (NULL when empty). 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_privacy_exceptions(struct srv_store *s, uint64_t owner,
    int key, uint64_t **allow, size_t *n_allow, uint64_t **deny,
    size_t *n_deny);
/* Drops every exception of owner's key. 0 or ERR_DB. */
int srv_store_privacy_clear(struct srv_store *s, uint64_t owner, int key);
/*
 * Puts user_id in owner's allow (mode > 0) or deny (mode < 0) list of
 * key, out of the other; mode 0 takes it out of both. 0, ERR_EXISTS (no
 * such user: a foreign key) or ERR_DB.
 */
int srv_store_privacy_except(struct srv_store *s, uint64_t owner, int key,
    uint64_t user_id, int mode);
/* How many exceptions owner's key has. 0 or ERR_DB. */
int srv_store_privacy_except_count(struct srv_store *s, uint64_t owner,
    int key, size_t *n);

/*
 * Blocks. block_set is idempotent both ways (a repeated block keeps its
 * first date). 0, ERR_NOT_FOUND (no such user) or ERR_DB. is_blocked:
 * whether owner blocked user_id: 0, ERR_NOT_FOUND or ERR_DB.
 */
int srv_store_block_set(struct srv_store *s, uint64_t owner,
    uint64_t user_id, int blocked, uint64_t now);
int srv_store_is_blocked(struct srv_store *s, uint64_t owner,
    uint64_t user_id);
/* owner's blocked users, oldest block first, malloc()ed: 0, ERR_*. */
int srv_store_blocked(struct srv_store *s, uint64_t owner, uint64_t **out,
    size_t *n);
int srv_store_block_count(struct srv_store *s, uint64_t owner, size_t *n);

/*
 * Whether sender wrote a message (not a service message, deleted ones
 * too) in chat_id: 0, ERR_NOT_FOUND or ERR_DB.
 */
int srv_store_sender_wrote(struct srv_store *s, uint64_t chat_id,
    uint64_t sender);

/* ================================================================ */
/*
 * Secret chats (DESIGN section 6; srv_store_secret.c). Public keys and
 * ciphertext only: the server never holds a private key or plaintext.
 */

#define SRV_IK_LEN 32			/* Ed25519 public key */
#define SRV_PK_LEN 32			/* X25519 public key */
#define SRV_SIG_LEN 64			/* Ed25519 signature */
#define SRV_OPK_MAX 200			/* one-time prekeys per device */

/* Queue entry kinds, as stored; the wire's Update event numbers. */
enum srv_secret_kind {
	SRV_SECRET_REQUESTED = 20,
	SRV_SECRET_ACCEPTED = 21,
	SRV_SECRET_DECLINED = 22,
	SRV_SECRET_DROPPED = 23,
	SRV_SECRET_MESSAGE = 24,
	SRV_SECRET_CLOSED = 25,
};

/* A device's published keys, and one OPK taken from its pool. */
struct srv_prekeys {
	uint64_t device_id;
	uint8_t ik[SRV_IK_LEN];
	uint32_t spk_id;
	uint8_t spk[SRV_PK_LEN];
	uint8_t sig[SRV_SIG_LEN];
	uint32_t opk_id;		/* 0: the pool was empty */
	uint8_t opk[SRV_PK_LEN];
};

/* A secret chat: pending while to_device is 0, then bound. */
struct srv_secret {
	uint64_t id;
	uint64_t from_user, from_device;
	uint64_t to_user, to_device;
	uint32_t ttl;
	uint64_t created;
};

/* The SQLite handle, for srv_store_secret.c only. */
struct sqlite3;
struct sqlite3 *srv_store_sqlite(struct srv_store *s);

/*
 * Hot statements of the other srv_store_*.c files, prepared once and kept
 * as srv_store.c keeps its own (srv_store_int.h: STMT_EXT(slot) with
 * srv_store__bind; sql is its text, the same at every call).
 */
enum srv_stmt_ext {
	SRV_STMT_EXT_SHOWN,		/* srv_store_visible.c */
	SRV_STMT_EXT_SHOWN_ADD,
	SRV_STMT_EXT_COUNT
};

/* device_id's keys, without an OPK. 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_prekeys_get(struct srv_store *s, uint64_t device_id,
    struct srv_prekeys *out);
/* Sets device_id's identity key and signed prekey. 0 or ERR_DB. */
int srv_store_prekeys_set(struct srv_store *s, const struct srv_prekeys *p);
/* Adds (or replaces, same id) one OPK to device_id's pool. 0 or ERR_DB. */
int srv_store_opk_add(struct srv_store *s, uint64_t device_id, uint32_t id,
    const uint8_t key[SRV_PK_LEN]);
/* How many OPKs device_id has left. 0 or ERR_DB. */
int srv_store_opk_count(struct srv_store *s, uint64_t device_id,
    uint32_t *n);
/*
 * Takes (deletes) the oldest-numbered OPK of p->device_id into p; leaves
 * opk_id 0 when the pool is empty. 0 or ERR_DB.
 */
int srv_store_opk_take(struct srv_store *s, struct srv_prekeys *p);
/*
 * The devices of user_id that have published keys, oldest first, in a
 * malloc()ed array the caller frees. 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_prekey_devices(struct srv_store *s, uint64_t user_id,
    uint64_t **out, size_t *n);

/* Chats. add: 0, ERR_EXISTS (id taken) or ERR_DB. */
int srv_store_secret_add(struct srv_store *s, const struct srv_secret *sc);
/* 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_secret_get(struct srv_store *s, uint64_t id,
    struct srv_secret *out);
/* Binds a pending chat to device. 0, ERR_EXISTS (bound already), ERR_DB. */
int srv_store_secret_bind(struct srv_store *s, uint64_t id, uint64_t device);
/* Forgets a chat, its offers and its dedupe rows. 0 or ERR_DB. */
int srv_store_secret_remove(struct srv_store *s, uint64_t id);
/* Records that device was offered the chat. 0, ERR_EXISTS or ERR_DB. */
int srv_store_offer_add(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id);
/* Whether device was offered it: 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_offer_has(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id);
/* The offered devices, malloc()ed. 0, ERR_NOMEM or ERR_DB. */
int srv_store_offers(struct srv_store *s, uint64_t secret_id,
    uint64_t **out, size_t *n);
/*
 * The chats device_id is bound to or started (pending or not), and the
 * pending requests it was offered, malloc()ed. 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_device_secrets(struct srv_store *s, uint64_t device_id,
    uint64_t **out, size_t *n);
int srv_store_device_offered(struct srv_store *s, uint64_t device_id,
    uint64_t **out, size_t *n);
/*
 * Deletes device_id's offers, queue entries, prekeys and one-time
 * prekeys (before the device row goes). 0 or ERR_DB.
 */
int srv_store_device_secret_forget(struct srv_store *s, uint64_t device_id);
/*
 * Records a SendSecret's (secret, sender device, random_id), made at now
 * (unix seconds). 0 when new, ERR_EXISTS for a resend, or ERR_DB.
 */
int srv_store_secret_sent(struct srv_store *s, uint64_t secret_id,
    uint64_t device_id, uint64_t random_id, uint64_t now);

/*
 * The per-device queue. queue_add appends an entry (payload: a packed
 * Update without qts) and sets *qts to its number (1, 2, 3, ... per
 * device, never reused). 0, ERR_NOT_FOUND (no such device) or ERR_DB.
 */
int srv_store_queue_add(struct srv_store *s, uint64_t device_id, int kind,
    uint64_t secret_id, const uint8_t *payload, size_t len, uint64_t now,
    uint64_t *qts);
/*
 * Calls fn for device_id's entries after qts, oldest first, at most
 * limit. fn returns 0 to go on, 1 to stop, or an ERR_* that is returned;
 * payload is valid during the call only. 0, fn's error or ERR_DB.
 */
int srv_store_queue_read(struct srv_store *s, uint64_t device_id,
    uint64_t qts, size_t limit,
    int (*fn)(void *, uint64_t, int, const uint8_t *, size_t), void *ud);
/* Deletes device_id's entries up to and including qts. 0 or ERR_DB. */
int srv_store_queue_ack(struct srv_store *s, uint64_t device_id,
    uint64_t qts);
/* Deletes device_id's entries of kind for secret_id. 0 or ERR_DB. */
int srv_store_queue_drop(struct srv_store *s, uint64_t device_id,
    uint64_t secret_id, int kind);
/*
 * Deletes every entry created before `before` (unix seconds), the chats
 * still pending since then, and the dedupe rows of sends made before
 * then. Sets *n to the entries deleted and *sent (unless NULL) to the
 * dedupe rows. 0 or ERR_DB.
 */
int srv_store_queue_purge(struct srv_store *s, uint64_t before, size_t *n,
    size_t *sent);

/* ---------------------------------------------------------------- export */

/*
 * The account's rows of every table, for ExportMyData (srv_export.c,
 * doc/DATA.md), in srv_store_export.c. A value borrows the store's
 * memory until the row callback returns.
 */
enum srv_export_type {
	SRV_EXPORT_NULL,
	SRV_EXPORT_INT,
	SRV_EXPORT_TEXT,
	SRV_EXPORT_BLOB,
};
#define SRV_EXPORT_COLS_MAX 64		/* columns of one exported row */
#define SRV_EXPORT_FULL 1		/* a row callback's "stop before it" */

struct srv_export_value {
	const char *column;
	enum srv_export_type type;
	int64_t i;			/* SRV_EXPORT_INT */
	const void *p;			/* TEXT (NUL-terminated) or BLOB */
	size_t len;
};

/* Where an export goes on: a table and the keys of its last row. */
struct srv_export_cursor {
	uint32_t section;
	int64_t k1, k2;
};
#define SRV_EXPORT_CURSOR_START { 0, INT64_MIN, INT64_MIN }

/*
 * Takes a row of table (returns 0), asks to stop before it
 * (SRV_EXPORT_FULL) or fails (an ERR_*).
 */
typedef int srv_export_row_fn(void *ud, const char *table,
    const struct srv_export_value *v, size_t n);

/*
 * Hands user_id's rows after cur to fn, table by table, moving cur past
 * each row fn took. Returns 0 (fn stopped: call again from cur), 1 (all
 * exported), ERR_NOT_FOUND (an id no account has), ERR_DB or fn's error.
 */
int srv_store_export(struct srv_store *s, uint64_t user_id,
    struct srv_export_cursor *cur, srv_export_row_fn *fn, void *ud);

/* The tables the export covers, in its order (*names is static). */
size_t srv_store_export_tables(const char *const **names);
/* ================================================================ */
/*
 * Last seen, bio and forwards (srv_store_presence.c). seen_set writes
 * user_id's minute of activity (unix seconds, a multiple of 60; the
 * caller writes only when it moved on). bio_set replaces the bio ("":
 * none; checked by the caller).
 * watchers sets *out (malloc()ed, *n) to the users told of user_id's
 * online changes: its contacts, those who have it as a contact, and its
 * private-chat peers. forward_set records that message (chat_id, id) is
 * a forward copy (date, the linked sender or 0, the name as it was).
 * 0, ERR_NOMEM or ERR_DB.
 */
int srv_store_seen_set(struct srv_store *s, uint64_t user_id,
    uint64_t minute);
int srv_store_bio_set(struct srv_store *s, uint64_t user_id,
    const char *bio);
int srv_store_watchers(struct srv_store *s, uint64_t user_id,
    uint64_t **out, size_t *n);
int srv_store_forward_set(struct srv_store *s, uint64_t chat_id,
    uint64_t id, uint64_t date, uint64_t from_id, const char *name);

/*
 * The directory's hourly counters (srv_store_dir.c; srv_directory.h
 * names the values of what). hour is unix time / 3600. Ids and counts
 * only: never a name, a number or an address.
 */

/* Adds n to user_id's counter what of hour. 0 or ERR_DB. */
int srv_store_dir_add(struct srv_store *s, uint64_t user_id, uint64_t hour,
    int what, uint64_t n);
/*
 * user_id's counter what summed over the hours from since on; *oldest is
 * the oldest of those hours with a count (0 when none). 0 or ERR_DB.
 */
int srv_store_dir_sum(struct srv_store *s, uint64_t user_id, int what,
    uint64_t since, uint64_t *sum, uint64_t *oldest);
/*
 * Every counter summed over the hours from since on, over all accounts
 * (user_id 0) or one: fn(ud, what, sum) in order of what; a nonzero
 * return from fn stops the walk and is returned. 0 or ERR_DB.
 */
int srv_store_dir_totals(struct srv_store *s, uint64_t user_id,
    uint64_t since, int (*fn)(void *, int, uint64_t), void *ud);
/*
 * The accounts with the most of the counters lo..hi (inclusive) from
 * since on, most first, at most limit: fn(ud, user_id, sum). 0 or ERR_DB.
 */
int srv_store_dir_top(struct srv_store *s, uint64_t since, int lo, int hi,
    size_t limit, int (*fn)(void *, uint64_t, uint64_t), void *ud);
/* Deletes the counters of the hours before `before`. 0 or ERR_DB. */
int srv_store_dir_prune(struct srv_store *s, uint64_t before);

/*
 * Tombstones (srv_store_tombstone.c): what is left of a device whose
 * session the server ended, found by a keyed hash of its Noise key (never
 * the key itself), so that its next connect is told it was terminated
 * rather than never heard of (DESIGN section 8, doc/DATA.md). A row
 * outlives its account, whose id it then no longer names.
 */
#define SRV_TOMB_HASH_LEN 32

struct srv_tombstone {
	uint8_t key_hash[SRV_TOMB_HASH_LEN];
	uint64_t device_id;		/* the id the device had */
	uint64_t user_id;		/* its account; 0 once that is deleted */
	uint64_t ended;			/* unix seconds */
	uint64_t by_device;		/* the device that ended it; 0: none */
	uint32_t why;			/* SRV_TOMB_* (server/srv_tombstone.h) */
};

/*
 * Writes t (replacing an older row of the same hash) and deletes rows that
 * ended before purge_before. Inside the caller's atomic unit. 0 or ERR_DB.
 */
int srv_store_tombstone_add(struct srv_store *s, const struct srv_tombstone *t,
    uint64_t purge_before);
/* The row of key_hash into *out: 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_tombstone_get(struct srv_store *s,
    const uint8_t key_hash[SRV_TOMB_HASH_LEN], struct srv_tombstone *out);
/* The account user_id is deleted: its rows name none now. 0 or ERR_DB. */
int srv_store_tombstone_unlink(struct srv_store *s, uint64_t user_id);
/* Deletes the row of key_hash (the key is bound again). 0 or ERR_DB. */
int srv_store_tombstone_remove(struct srv_store *s,
    const uint8_t key_hash[SRV_TOMB_HASH_LEN]);

/* ================================================================ */
/*
 * Who was shown whom (srv_store_visible.c; the rule is srv_visible.c's,
 * doc/PROTOCOL.md "Addressing by id").
 */

/*
 * Whether asker may name user by id: a row of shown, a contact either
 * way, a block or privacy exception of asker's, or a chat in common that
 * shows user to asker. Does the same work when none holds, whether user
 * exists or not. 0, ERR_NOT_FOUND or ERR_DB.
 */
int srv_store_shown(struct srv_store *s, uint64_t asker, uint64_t user);
/* Records that asker was shown user (an existing other user). 0 or ERR_DB. */
int srv_store_shown_add(struct srv_store *s, uint64_t asker, uint64_t user);
/*
 * Before member user leaves chat_id: keeps, as rows of shown, whom the
 * chat showed user and to whom it showed user. 0 or ERR_DB.
 */
int srv_store_shown_keep(struct srv_store *s, uint64_t chat_id,
    uint64_t user);
/* Before owner's exceptions of key are cleared: keeps their users. */
int srv_store_shown_keep_exceptions(struct srv_store *s, uint64_t owner,
    int key);

/* ================================================================ */
/*
 * Group settings, invite links and reports (srv_store_group.c; the
 * rules are srv_group.c's, srv_invite.c's and srv_report.c's). Writes
 * run inside the caller's unit (srv_store_unit_begin()).
 */

#define SRV_LINK_HASH_LEN 32

/* Whether group chat_id hides its members: 1, 0, or ERR_DB. */
int srv_store_group_hides(struct srv_store *s, uint64_t chat_id);
/* Sets it. 0 or ERR_DB. */
int srv_store_group_set_hide(struct srv_store *s, uint64_t chat_id, int on);

/*
 * Whether member user of hiding group chat_id is shown to its plain
 * members: it is an admin or wrote there (anything but a membership
 * service message; srv_store_shown() applies the same rule). 0,
 * ERR_NOT_FOUND or ERR_DB.
 */
int srv_store_group_shown_in(struct srv_store *s, uint64_t chat_id,
    uint64_t user);

struct srv_link {
	uint64_t id;
	uint64_t chat_id;
	uint64_t creator_id;
	uint64_t created, expires;	/* unix seconds; expires 0: never */
	uint32_t uses_max, uses;	/* uses_max 0: no limit */
};

/* Adds a link (l->id is set). 0, ERR_EXISTS (hash taken) or ERR_DB. */
int srv_store_link_add(struct srv_store *s, struct srv_link *l,
    const uint8_t hash[SRV_LINK_HASH_LEN]);
/* The link of hash, whatever its state. 0, ERR_NOT_FOUND or ERR_DB. */
int srv_store_link_get(struct srv_store *s,
    const uint8_t hash[SRV_LINK_HASH_LEN], struct srv_link *out);
/* Counts a use. 0 or ERR_DB. */
int srv_store_link_use(struct srv_store *s, uint64_t id);
/* Forgets a link. 0 or ERR_DB. */
int srv_store_link_remove(struct srv_store *s, uint64_t id);
/* How many links group chat_id has. 0 or ERR_DB. */
int srv_store_link_count(struct srv_store *s, uint64_t chat_id, size_t *n);
/* Deletes links expired at now; *n of them. 0 or ERR_DB. */
int srv_store_link_purge(struct srv_store *s, uint64_t now, size_t *n);

struct srv_report {
	uint64_t id;
	uint64_t reporter_id, reported_id;
	int reason;			/* the wire's ReportReason */
	uint64_t created;
	uint64_t chat_id, message_id;	/* 0: no message named */
	const char *text;		/* borrowed; the message's own text */
	int counted;
};

/* Adds r (r->id is set). 0 or ERR_DB. */
int srv_store_report_add(struct srv_store *s, struct srv_report *r);
/* Whether reporter reported reported since `since`: 0, ERR_NOT_FOUND. */
int srv_store_report_recent(struct srv_store *s, uint64_t reporter,
    uint64_t reported, uint64_t since);
/* Distinct reporters of counted reports of user since `since`. */
int srv_store_report_reporters(struct srv_store *s, uint64_t user,
    uint64_t since, size_t *n);
/*
 * Whether user wrote a message (not a service message) in a chat of
 * reader's: 0, ERR_NOT_FOUND or ERR_DB.
 */
int srv_store_wrote_to(struct srv_store *s, uint64_t user, uint64_t reader);
/*
 * Calls fn for each report, oldest first (text valid during the call).
 * fn returns 0 to go on. 0, fn's error or ERR_DB.
 */
int srv_store_reports(struct srv_store *s,
    int (*fn)(void *, const struct srv_report *), void *ud);
/* Deletes reports made before `before`; *n of them. 0 or ERR_DB. */
int srv_store_report_purge(struct srv_store *s, uint64_t before, size_t *n);
/*
 * The end of user's restriction if it lasts past now (*until), else
 * ERR_NOT_FOUND. 0 or ERR_DB.
 */
int srv_store_report_restricted(struct srv_store *s, uint64_t user, uint64_t now,
    uint64_t *until);
/* Restricts user until `until`. 0 or ERR_DB. */
int srv_store_report_restrict(struct srv_store *s, uint64_t user, uint64_t until);
/* Deletes restrictions over at now. 0 or ERR_DB. */
int srv_store_report_unrestrict(struct srv_store *s, uint64_t now);

#endif
