/*
 * The profile database: one SQLCipher file per profile (DESIGN section 7)
 * holding the device key, the server address and its pinned key, the
 * account this device is logged in to, the sync position, and the cloud
 * chats: users, chats, messages and the outbox of messages not yet
 * acknowledged. Callers see typed accessors only; no SQL leaves this
 * module.
 *
 * All functions return 0 or a negative ERR_* code from proto/err.h.
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
 * Returns 0 and *out (close with store_close), ERR_BAD_PASSPHRASE when the
 * key does not open an existing file (which is left untouched),
 * ERR_NOT_FOUND when the file is absent and create is 0, ERR_VERSION when
 * a newer Sotto made the file, or ERR_DB.
 */
int store_open(struct store **out, const char *path,
    const uint8_t key[STORE_KEY_LEN], int create);
void store_close(struct store *s);	/* NULL is fine */

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
 * query, in SQLite's FTS4 MATCH syntax; the newest limit hits, newest
 * first. ERR_INVAL when the query does not parse.
 */
int store_search(struct store *s, uint64_t chat_id, const char *query,
    uint64_t limit, store_message_fn *fn, void *ud);

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

#endif
