/*
 * The profile database: one SQLCipher file per profile (DESIGN section 7)
 * holding the device key, the server address and its pinned key, the
 * account this device is logged in to, the sync position, and the cloud
 * chats: users, chats, messages and the outbox of messages not yet
 * acknowledged. Callers see typed accessors only; no SQL leaves this
 * module.
 *
 * All functions return 0 or a negative ERR_* code from lib/err.h.
 * Secrets (the device's private key) are copied into buffers the caller
 * provides and should have allocated with sec_alloc().
 *
 * Ids are unsigned 64-bit on the wire and stored as SQLite's signed
 * 64-bit integers; the cast is exact both ways.
 */
#ifndef SOTTO_STORE_H
#define SOTTO_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_LEN 32	/* the database's raw key */
#define STORE_PUBKEY_LEN 32	/* X25519 keys */
#define STORE_ADDR_MAX 256	/* "host:port", NUL included */

struct store;

/*
 * Opens the database at path with the 32-byte raw key, creating it when
 * create is set and the file is absent, then brings its schema up to date.
 * Every page of an existing file is read first (sqlc_quick_check), so a
 * damaged one is found before anything is written. Returns 0 and *out
 * (close with store_close), ERR_BAD_PASSPHRASE when the key does not open
 * the first page of an existing file (which is left untouched),
 * ERR_DAMAGED when a later page fails, ERR_NOT_FOUND when the file is
 * absent and create is 0, ERR_VERSION when a newer Sotto made the file,
 * ERR_ACCESS, ERR_READ_ONLY, ERR_NO_SPACE, or ERR_DB.
 */
int store_open(struct store **out, const char *path,
    const uint8_t key[STORE_KEY_LEN], int create);
void store_close(struct store *s);	/* NULL is fine */

/* The database's file name, for messages; "" when unknown. Owned by s. */
const char *store_path(const struct store *s);

/*
 * Whether the connection runs with secure_delete (deleted rows are
 * overwritten in the file): 1 or 0 in *on. For the tests; 0 or ERR_DB.
 */
int store_secure_delete(struct store *s, int *on);

/*
 * The device key: this device's Noise static X25519 key pair. get returns
 * ERR_NOT_FOUND when the profile has none yet. priv receives the private
 * key and should be sec_alloc()ed; pub may be NULL.
 */
int store_get_device_key(struct store *s, uint8_t priv[STORE_PUBKEY_LEN],
    uint8_t pub[STORE_PUBKEY_LEN]);
int store_set_device_key(struct store *s, const uint8_t priv[STORE_PUBKEY_LEN],
    const uint8_t pub[STORE_PUBKEY_LEN]);

/*
 * The server this profile talks to. addr is empty when none was given yet;
 * has_key says whether a static key is pinned.
 */
struct store_server {
	char addr[STORE_ADDR_MAX];
	int has_key;
	uint8_t key[STORE_PUBKEY_LEN];
};

/* Fills *srv (all empty when nothing is stored). Returns 0 or ERR_DB. */
int store_get_server(struct store *s, struct store_server *srv);
/* Remembers addr (ERR_INVAL when empty or too long). */
int store_set_server_addr(struct store *s, const char *addr);
/* Pins key as the server's static key, replacing any earlier pin. */
int store_set_server_key(struct store *s, const uint8_t key[STORE_PUBKEY_LEN]);

/*
 * The account this device is logged in to. The strings are owned by the
 * struct once store_get_account filled it; release them with
 * store_account_free (which leaves the struct zeroed).
 */
struct store_account {
	uint64_t user_id;
	uint64_t device_id;
	char *username;
	char *display_name;
	char *phone;
};

/* Returns 0, ERR_NOT_FOUND when the profile is not logged in, ERR_NOMEM. */
int store_get_account(struct store *s, struct store_account *a);
/* Stores a (NULL strings are stored as empty ones); replaces the old one. */
int store_set_account(struct store *s, const struct store_account *a);
/*
 * Forgets the account, the sync position, the device key, and every user,
 * chat, message and queued message in one transaction: a profile that
 * logs in again gets a fresh device key, so the server cannot link the old
 * session to the new one, and another account's chats never mix with the
 * old ones.
 */
int store_clear_account(struct store *s);
void store_account_free(struct store_account *a);

/* The last applied update-log position (0 before the first sync). */
int store_get_pts(struct store *s, uint64_t *pts);
int store_set_pts(struct store *s, uint64_t pts);

/*
 * Transactions. Everything between store_begin and store_commit is
 * applied together or not at all: a page of the update log and the new
 * sync position, or an acknowledged message and the removal of its outbox
 * row. store_begin takes the write lock at once (BEGIN IMMEDIATE), so two
 * processes of one profile apply their pages one after the other and each
 * reads the position the other left. No nesting. store_rollback is
 * harmless without a transaction.
 */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/*
 * Cloud chats. The put functions are idempotent, so applying an update
 * that was already applied changes nothing. Strings passed to them are
 * borrowed (NULL is stored as ""). Structs filled by a get or find own
 * their strings; release them with the matching _free function (which
 * leaves the struct zeroed). Structs handed to a list callback borrow
 * their strings for the duration of the call only.
 */
enum store_chat_kind {		/* the wire's ChatKind values */
	STORE_CHAT_UNKNOWN = 0,
	STORE_CHAT_SAVED = 1,	/* Saved Messages: peer_id is oneself */
	STORE_CHAT_PRIVATE = 2,	/* peer_id is the other user */
	STORE_CHAT_GROUP = 3,
};

struct store_user {
	uint64_t id;
	char *username;
	char *display_name;
	char *phone;
	int contact;			/* this account has them as a contact */
};

struct store_chat {
	uint64_t id;
	int kind;			/* enum store_chat_kind */
	char *title;
	uint64_t peer_id;
	uint64_t creator_id;		/* groups */
	int left;			/* this account is no longer a member */
	uint64_t last_message_id;	/* 0 while the chat has none */
	uint64_t last_date;
	uint64_t last_pts;		/* the log entry that brought it */
	uint64_t read_inbox_max_id;	/* this account read up to here */
	uint64_t read_outbox_max_id;	/* others read our messages up to here */
	/*
	 * Filled by get/find/list only: the last message's text and sender,
	 * and how many messages from others are newer than
	 * read_inbox_max_id. Service messages (action != 0) and our own
	 * (sender is the account's user id) are not counted.
	 */
	char *last_text;
	uint64_t last_sender_id;
	uint64_t unread;
};

struct store_message {
	uint64_t chat_id;
	uint64_t id;
	uint64_t sender_id;
	uint64_t random_id;
	char *text;
	uint64_t date;
	uint64_t reply_to;
	uint64_t edit_date;		/* 0: never edited */
	int action;			/* the wire's ServiceAction; 0: ordinary */
	uint64_t action_user_id;
};

/* Stores or replaces the user u->id. */
int store_put_user(struct store *s, const struct store_user *u);
/* Fills *u; ERR_NOT_FOUND when the user is not known here. */
int store_get_user(struct store *s, uint64_t id, struct store_user *u);
/*
 * Finds a user by username, compared as given (the server folds
 * usernames to lower case, so pass the folded form). ERR_NOT_FOUND.
 */
int store_find_user(struct store *s, const char *username,
    struct store_user *u);
void store_user_free(struct store_user *u);

/*
 * Stores chat c->id, or updates its kind, title, peer and creator; its
 * last message, read state and left flag are left alone then
 * (store_put_message, store_set_read_* and store_set_members move them).
 */
int store_put_chat(struct store *s, const struct store_chat *c);
/*
 * The same, and *changed tells whether the chat is new here or its kind,
 * title, peer or creator changed. An equal chat writes nothing.
 */
int store_merge_chat(struct store *s, const struct store_chat *c,
    int *changed);
/* Fills *c; ERR_NOT_FOUND. */
int store_get_chat(struct store *s, uint64_t id, struct store_chat *c);
/*
 * The chat of this profile whose peer is user peer_id: the private chat
 * with that user, or Saved Messages when peer_id is oneself.
 * ERR_NOT_FOUND when there is none yet.
 */
int store_find_chat_by_peer(struct store *s, uint64_t peer_id,
    struct store_chat *c);
void store_chat_free(struct store_chat *c);

/*
 * Stores message m unless (m->chat_id, m->id) is already there; pts is the
 * log entry that brought it (0 when unknown). *is_new (may be NULL) tells
 * whether it was stored now. A new message that is the newest of its chat
 * becomes the chat's last message; the chat must have been put first
 * (ERR_NOT_FOUND otherwise). Not full-text indexed here: store_search
 * indexes the rows added since its last call, which keeps this cheap.
 */
int store_put_message(struct store *s, const struct store_message *m,
    uint64_t pts, int *is_new);

/*
 * A callback of the list functions: return 0 to go on; anything else
 * stops the listing, and the list function returns it.
 */
typedef int store_chat_fn(void *ud, const struct store_chat *c);
typedef int store_message_fn(void *ud, const struct store_message *m);

/* Lists the chats, the most recent activity first. */
int store_list_chats(struct store *s, store_chat_fn *fn, void *ud);
/*
 * Lists the newest limit messages of chat_id (all when limit is 0), oldest
 * first.
 */
int store_list_messages(struct store *s, uint64_t chat_id, uint64_t limit,
    store_message_fn *fn, void *ud);

/* Fills *m with message id of chat_id; ERR_NOT_FOUND. */
int store_get_message(struct store *s, uint64_t chat_id, uint64_t id,
    struct store_message *m);
void store_message_free(struct store_message *m);

/*
 * Lists up to limit messages of chat_id older than before_id (0: from the
 * newest), newest first: the paging a scrolling view needs. Served by the
 * (chat_id, id) primary key, so a page costs the same in a chat of a
 * million messages as in one of ten.
 */
int store_list_messages_before(struct store *s, uint64_t chat_id,
    uint64_t before_id, uint64_t limit, store_message_fn *fn, void *ud);

/*
 * Full-text search (FTS4) of the messages of chat_id (0: every chat) for
 * query, in SQLite's FTS4 MATCH syntax: the limit hits stored last, last
 * first. Within a chat that is the server's order (newest first), since
 * a chat's messages are stored in the order of its log; across chats it
 * is the order this device got them. Walking the index backwards stops
 * at limit hits, where sorting by date would sort every hit of a common
 * word first. ERR_INVAL when the query does not parse.
 */
int store_search(struct store *s, uint64_t chat_id, const char *query,
    uint64_t limit, store_message_fn *fn, void *ud);
/*
 * Indexes at most rows of the messages stored since the index last caught
 * up (rowids, in the order they were stored), so that a front end that
 * stays open can index in slices between loop turns rather than all at
 * its first search. *left is 1 when more wait. 0 or ERR_DB.
 */
int store_fts_index_some(struct store *s, uint64_t rows, int *left);

/*
 * Applies an edit: the message's text and edit_date become those of m
 * (found by m->chat_id, m->id). Not an error when the message is not
 * here (it was deleted, or it predates this device's history).
 */
int store_edit_message(struct store *s, const struct store_message *m);

/*
 * Deletes the messages ids[0..n) of chat_id (absent ones are skipped) and
 * moves the chat's last message back to the newest one left. With
 * secure_delete on, the text is overwritten in the file.
 */
int store_delete_messages(struct store *s, uint64_t chat_id,
    const uint64_t *ids, size_t n);

/*
 * Read state: this account read chat_id up to max_id (inbox), or the other
 * side read our messages up to max_id (outbox). Neither moves backwards.
 */
int store_set_read_inbox(struct store *s, uint64_t chat_id, uint64_t max_id);
int store_set_read_outbox(struct store *s, uint64_t chat_id, uint64_t max_id);

/*
 * Group membership as the server last described it: replaces the member
 * list of chat_id with ids[0..n) (admins flagged by is_admin, which may be
 * NULL), and sets the chat's left flag when self is not among them.
 */
int store_set_members(struct store *s, uint64_t chat_id, uint64_t self,
    const uint64_t *ids, const int *is_admin, size_t n);

struct store_member {
	uint64_t user_id;
	int admin;
};
typedef int store_member_fn(void *ud, const struct store_member *m);
/* Lists the members of chat_id, by user id. */
int store_list_members(struct store *s, uint64_t chat_id,
    store_member_fn *fn, void *ud);

/*
 * Contacts: store_put_user keeps u->contact; these change only the flag
 * (ERR_NOT_FOUND when the user is not known here).
 */
int store_set_contact(struct store *s, uint64_t user_id, int contact);
typedef int store_user_fn(void *ud, const struct store_user *u);
/* Lists the contacts, by username. */
int store_list_contacts(struct store *s, store_user_fn *fn, void *ud);

/* Finds a user by phone number ("+" and digits); ERR_NOT_FOUND. */
int store_find_user_by_phone(struct store *s, const char *phone,
    struct store_user *u);

/*
 * The outbox: messages written before they are sent, kept until the
 * server acknowledges them (or refuses them for good). peer is the PEER
 * as the user typed it, resolved only when the message goes out. Rows
 * come out oldest first, in the order they were added.
 */
struct store_outbox {
	uint64_t random_id;		/* nonzero; the server dedupes on it */
	/*
	 * The target: chat_id, or to_user_id (a private chat, Saved
	 * Messages for oneself), when known when the message was queued;
	 * else both are 0 and peer is resolved when it goes out.
	 */
	uint64_t chat_id;
	uint64_t to_user_id;
	char *peer;
	char *text;
	uint64_t reply_to;
	uint64_t created;		/* unix seconds */
	unsigned attempts;		/* times it was sent */
};

/* Adds o (ERR_EXISTS when its random_id is already queued; ERR_INVAL for 0). */
int store_outbox_add(struct store *s, const struct store_outbox *o);
/* Fills *o with the oldest row; ERR_NOT_FOUND when the outbox is empty. */
int store_outbox_first(struct store *s, struct store_outbox *o);
/* Whether random_id is still queued: 1 or 0 in *queued. */
int store_outbox_has(struct store *s, uint64_t random_id, int *queued);
/* Counts the rows. */
int store_outbox_count(struct store *s, uint64_t *n);
/* Counts one more attempt to send random_id. */
int store_outbox_attempt(struct store *s, uint64_t random_id);
/* Removes random_id (no error when it is not there). */
int store_outbox_remove(struct store *s, uint64_t random_id);
void store_outbox_free(struct store_outbox *o);

/*
 * Forwards (store/forward.c). A cloud message that is a forward copy has
 * a forward row: the original's date, its sender's display name as it
 * was (name, unsanitised), and the sender's user id when the server
 * linked it (else 0). forward_get: 0 or ERR_NOT_FOUND (not a forward);
 * name is malloc()ed (store_forward_free). outbox_forward_put marks
 * queued random_id as a forward of message id of from_chat_id (in the
 * caller's transaction); outbox_forward_get reads it back: 0 or
 * ERR_NOT_FOUND (an ordinary message). The rest: 0 or ERR_DB.
 */
struct store_forward {
	uint64_t date;
	uint64_t from_id;
	char *name;
};
int store_forward_put(struct store *s, uint64_t chat_id, uint64_t id,
    const struct store_forward *f);
int store_forward_get(struct store *s, uint64_t chat_id, uint64_t id,
    struct store_forward *f);
void store_forward_free(struct store_forward *f);
int store_outbox_forward_put(struct store *s, uint64_t random_id,
    uint64_t from_chat_id, uint64_t id);
int store_outbox_forward_get(struct store *s, uint64_t random_id,
    uint64_t *from_chat_id, uint64_t *id);

/*
 * Secret chats (DESIGN section 6): this device's X3DH keys, its secret
 * chats with their ratchet states, their messages and the position in the
 * device's secret-chat queue (qts). Private keys and ratchet states are
 * copied into buffers the caller provides, which should be sec_alloc()ed;
 * on error those buffers are wiped.
 */
#define STORE_SECRET_KEY_LEN 32
#define STORE_SECRET_SK_LEN 64		/* Ed25519 seed || pub */
#define STORE_SECRET_SIG_LEN 64

/* This device's identity key (Ed25519). ERR_NOT_FOUND before the first. */
int store_secret_get_identity(struct store *s,
    uint8_t sk[STORE_SECRET_SK_LEN], uint8_t pub[STORE_SECRET_KEY_LEN]);
int store_secret_set_identity(struct store *s,
    const uint8_t sk[STORE_SECRET_SK_LEN],
    const uint8_t pub[STORE_SECRET_KEY_LEN]);

/* A signed prekey; priv is private (sec_alloc it). */
struct store_spk {
	uint32_t id;
	uint8_t pub[STORE_SECRET_KEY_LEN];
	uint8_t sig[STORE_SECRET_SIG_LEN];
	uint64_t created;
};
int store_secret_put_spk(struct store *s, const struct store_spk *k,
    const uint8_t priv[STORE_SECRET_KEY_LEN]);
/* The newest signed prekey (priv may be NULL); ERR_NOT_FOUND when none. */
int store_secret_current_spk(struct store *s, struct store_spk *k,
    uint8_t *priv);
/* Signed prekey id; ERR_NOT_FOUND when it is gone. */
int store_secret_get_spk(struct store *s, uint32_t id, struct store_spk *k,
    uint8_t priv[STORE_SECRET_KEY_LEN]);
/* Deletes the signed prekeys other than the newest created before t. */
int store_secret_prune_spk(struct store *s, uint64_t before);

/* One-time prekeys by id. */
int store_secret_add_opk(struct store *s, uint32_t id,
    const uint8_t priv[STORE_SECRET_KEY_LEN],
    const uint8_t pub[STORE_SECRET_KEY_LEN]);
int store_secret_get_opk(struct store *s, uint32_t id,
    uint8_t priv[STORE_SECRET_KEY_LEN], uint8_t pub[STORE_SECRET_KEY_LEN]);
int store_secret_del_opk(struct store *s, uint32_t id);
/* The highest one-time prekey id ever made (0 before the first). */
int store_secret_max_opk_id(struct store *s, uint32_t *id);

enum store_secret_state {
	STORE_SECRET_PENDING_OUT = 1,	/* we asked; no device accepted yet */
	STORE_SECRET_PENDING_IN = 2,	/* they asked this device */
	STORE_SECRET_ACTIVE = 3,
	STORE_SECRET_CLOSED = 4,
};

/*
 * A secret chat with one device of the peer. While it is pending-out there
 * is one row per device of the peer (one X3DH each); the device that
 * accepts keeps its row. ek, spk_id and opk_id are the X3DH first message
 * of a pending-in request, kept until it is accepted.
 */
struct store_secret_chat {
	uint64_t secret_id;
	uint64_t peer_user;
	uint64_t peer_device;
	uint8_t peer_ik[STORE_SECRET_KEY_LEN];
	int state;			/* enum store_secret_state */
	uint32_t ttl;
	int initiator;
	uint64_t created;
	uint8_t ek[STORE_SECRET_KEY_LEN];
	uint32_t spk_id;
	uint32_t opk_id;
};

/*
 * Stores or replaces chat (secret_id, peer_device) and its ratchet state,
 * and remembers peer_ik as the peer device's key (store_secret_peer_key).
 */
int store_secret_put_chat(struct store *s, const struct store_secret_chat *c,
    const uint8_t *ratchet, size_t ratchet_len);
/* peer_device 0: any row of secret_id. ERR_NOT_FOUND. */
int store_secret_get_chat(struct store *s, uint64_t secret_id,
    uint64_t peer_device, struct store_secret_chat *c);
/* The active chat with user peer_user; ERR_NOT_FOUND. */
int store_secret_find_active(struct store *s, uint64_t peer_user,
    struct store_secret_chat *c);
/* The ratchet state into blob (cap bytes); ERR_NOT_FOUND, ERR_TOO_BIG. */
int store_secret_get_ratchet(struct store *s, uint64_t secret_id,
    uint64_t peer_device, uint8_t *blob, size_t cap, size_t *len);
int store_secret_set_ratchet(struct store *s, uint64_t secret_id,
    uint64_t peer_device, const uint8_t *blob, size_t len);
int store_secret_set_state(struct store *s, uint64_t secret_id,
    uint64_t peer_device, int state);
int store_secret_set_ttl(struct store *s, uint64_t secret_id, uint32_t ttl);
/* Deletes the rows of secret_id other than keep_device's. */
int store_secret_drop_others(struct store *s, uint64_t secret_id,
    uint64_t keep_device);
/*
 * Deletes every row of secret_id, its messages and its queued envelopes
 * (secure_delete is on); the peer's key stays known.
 */
int store_secret_delete_chat(struct store *s, uint64_t secret_id);
typedef int store_secret_chat_fn(void *ud,
    const struct store_secret_chat *c);
/* Lists the chats, newest first. */
int store_secret_list_chats(struct store *s, store_secret_chat_fn *fn,
    void *ud);

struct store_secret_msg {
	uint64_t secret_id;
	uint64_t id;			/* local, set by add */
	uint64_t random_id;
	int out;			/* 1: ours */
	int service;			/* 1: a ttl change; text says what */
	char *text;
	uint64_t date;
	uint32_t ttl;
	uint64_t read_date;		/* 0: unread */
	uint64_t expires_at;		/* 0: not counting down */
	int state;			/* ours: enum store_secret_msg_state */
};

/*
 * Where one of our messages is: queued in the secret outbox (0 is also
 * every received message and every message stored before schema 4),
 * acknowledged by the server, or refused by it for good.
 */
enum store_secret_msg_state {
	STORE_SECRET_MSG_SENT = 0,
	STORE_SECRET_MSG_QUEUED = 1,
	STORE_SECRET_MSG_FAILED = 2,
};
/* Adds m (its id is set); a known (secret_id, random_id, out) is skipped. */
int store_secret_add_msg(struct store *s, struct store_secret_msg *m);
typedef int store_secret_msg_fn(void *ud, const struct store_secret_msg *m);
/* Every message of secret_id, oldest first; fn returns nonzero to stop. */
int store_secret_list_msgs(struct store *s, uint64_t secret_id,
    store_secret_msg_fn *fn, void *ud);
/*
 * The newest limit messages of secret_id older than before_id (0: the
 * newest of all), oldest first: one walk of an index on (secret_id, id).
 * fn returns nonzero to stop (that value is returned).
 */
int store_secret_msgs_before(struct store *s, uint64_t secret_id,
    uint64_t before_id, size_t limit, store_secret_msg_fn *fn, void *ud);
/*
 * The oldest limit messages of secret_id newer than after_id, oldest
 * first: the same index walked forwards (a window that dropped its
 * newest messages reads them back page by page).
 */
int store_secret_msgs_after(struct store *s, uint64_t secret_id,
    uint64_t after_id, size_t limit, store_secret_msg_fn *fn, void *ud);
/*
 * What a chat list needs of secret_id without reading its messages: how
 * many received messages are unread (*unread), and fn called once with
 * the newest message (not at all when there is none).
 */
int store_secret_summary(struct store *s, uint64_t secret_id,
    uint64_t *unread, store_secret_msg_fn *fn, void *ud);
/*
 * Marks the oldest unread incoming messages of secret_id (at most cap)
 * read at now; those with a ttl start counting down. Their random ids go
 * to ids, *n how many.
 */
int store_secret_mark_read(struct store *s, uint64_t secret_id, uint64_t now,
    uint64_t *ids, size_t cap, size_t *n);
/* The peer read our message random_id at date: it counts down from then. */
int store_secret_peer_read(struct store *s, uint64_t secret_id,
    uint64_t random_id, uint64_t date);
/* Deletes the messages whose time is up at now; *n how many (may be NULL). */
int store_secret_expire(struct store *s, uint64_t now, uint64_t *n);
/* The soonest expires_at in the future (0: none). */
int store_secret_next_expiry(struct store *s, uint64_t *at);

/* Sets the state of our message id (enum store_secret_msg_state). */
int store_secret_set_msg_state(struct store *s, uint64_t id, int state);
/* Calls fn once with message id; ERR_NOT_FOUND. */
int store_secret_get_msg(struct store *s, uint64_t id,
    store_secret_msg_fn *fn, void *ud);

/*
 * The secret outbox: each envelope exactly as it goes on the wire
 * (SendSecret's secret_id, random_id and ciphertext), added in the
 * transaction that stores the ratchet state which produced it, and
 * removed in the one that records the server's answer. A resend must
 * carry the same bytes: encrypting again would advance the ratchet.
 * Rows come out in the order they were added. Deleting a chat deletes
 * its envelopes.
 */
struct store_secret_env {
	uint64_t seq;			/* set by add: the order */
	uint64_t secret_id;
	uint64_t peer_device;
	uint64_t random_id;		/* nonzero; the server dedupes on it */
	uint64_t msg_id;		/* the local message (0: a read receipt) */
	uint8_t *data;			/* the ciphertext (heap, from first) */
	size_t len;
	uint64_t created;
	unsigned attempts;
};
/* Adds e and sets e->seq; ERR_EXISTS (the same secret_id, random_id). */
int store_secret_outbox_add(struct store *s, struct store_secret_env *e);
/* The oldest envelope (free it); ERR_NOT_FOUND when there is none. */
int store_secret_outbox_first(struct store *s, struct store_secret_env *e);
int store_secret_outbox_count(struct store *s, uint64_t *n);
/* Counts one more attempt to send envelope seq. */
int store_secret_outbox_attempt(struct store *s, uint64_t seq);
/* Removes one; *removed (may be NULL) says whether it was there. */
int store_secret_outbox_remove(struct store *s, uint64_t secret_id,
    uint64_t random_id, int *removed);
void store_secret_env_free(struct store_secret_env *e);

/*
 * The last identity key seen for a peer device, kept by
 * store_secret_put_chat and surviving the chat's deletion, so that a new
 * chat with another key is still a loud warning. ERR_NOT_FOUND.
 */
int store_secret_peer_key(struct store *s, uint64_t peer_user,
    uint64_t peer_device, uint8_t ik[STORE_SECRET_KEY_LEN]);

/*
 * A peer device's identity key changed (DESIGN section 6: a loud warning,
 * never silent); secret_id is the chat that the change closed, 0 when
 * none was open. Kept until dismissed, so that the warning survives a
 * restart.
 */
struct store_secret_warning {
	uint64_t id;			/* set by add */
	uint64_t peer_user;
	uint64_t peer_device;
	uint64_t secret_id;
	uint64_t date;
};
int store_secret_warn_add(struct store *s, struct store_secret_warning *w);
typedef int store_secret_warning_fn(void *ud,
    const struct store_secret_warning *w);
/* Oldest first; fn returns nonzero to stop (that value is returned). */
int store_secret_warn_list(struct store *s, store_secret_warning_fn *fn,
    void *ud);
/*
 * Deletes the warnings about peer_user (0: any) naming secret_id (0:
 * any); both 0 deletes all.
 */
int store_secret_warn_clear(struct store *s, uint64_t peer_user,
    uint64_t secret_id);

/* The last processed entry of this device's secret-chat queue. */
int store_get_qts(struct store *s, uint64_t *qts);
int store_set_qts(struct store *s, uint64_t qts);

#endif
