/*
 * Cloud chats for front ends: the one API the command line and the TUI
 * use for messages, chats, contacts and groups. It owns the engine (the
 * connection, client/engine), the sync position (client/sync) and the
 * outbox (client/outbox); a front end never touches the store or the
 * socket, it calls these functions and renders the events it is given.
 *
 * Reading is synchronous and local: cloud_get_*, cloud_list_* and
 * cloud_history* read the profile's database and return at once. They
 * answer with the engine's own values (struct cloud_user, cloud_chat,
 * cloud_message, below), copied from the store's rows: a front end reads
 * them and never names the store.
 *
 * Writing is asynchronous. A send is written to the outbox first and
 * reported by events (CLOUD_EV_SENT or CLOUD_EV_REFUSED with its
 * random_id), because it may complete in a later run of the program.
 * Every other call completes through a cloud_done_fn exactly once.
 *
 * On every (re)connect the engine catches up with the server's update log
 * (GetDifference, one transaction per page) and flushes the outbox in
 * order; live updates are applied as they come. Everything this process
 * applies is reported once as an event after its transaction commits.
 *
 * All functions return 0 or a negative ERR_* from lib/err.h. Everything
 * runs on the loop given to cloud_new(); callbacks run on it and never
 * from inside the call that registered them.
 */
#ifndef SOTTO_CLOUD_H
#define SOTTO_CLOUD_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client/engine.h"

#define CLOUD_TEXT_MAX 4096		/* code points in a message */
#define CLOUD_TITLE_MAX 256		/* bytes in a group title */

struct cloud;
struct cloud_privacy_rule;
struct store;

/*
 * The values. Structs filled by a get function own their strings; release
 * them with the matching cloud_*_free function (which leaves the struct
 * zeroed). Structs handed to a callback or an event borrow their strings
 * for the duration of the call only.
 */
enum cloud_chat_kind {		/* the wire's ChatKind values */
	CLOUD_CHAT_UNKNOWN = 0,
	CLOUD_CHAT_SAVED = 1,	/* Saved Messages: peer_id is oneself */
	CLOUD_CHAT_PRIVATE = 2,	/* peer_id is the other user */
	CLOUD_CHAT_GROUP = 3,
};

struct cloud_user {
	uint64_t id;
	char *username;
	char *display_name;
	char *phone;
	int contact;			/* this account has them as a contact */
};

struct cloud_chat {
	uint64_t id;
	int kind;			/* enum cloud_chat_kind */
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
	 * Set by the reads only (cloud_get_chat, cloud_list_chats): the
	 * last message's text and sender, and how many messages from
	 * others are newer than read_inbox_max_id (service messages and
	 * our own are not counted).
	 */
	char *last_text;
	uint64_t last_sender_id;
	uint64_t unread;
};

struct cloud_message {
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

struct cloud_member {
	uint64_t user_id;
	int admin;
};

/*
 * What a forward copy forwards: the original's date, its sender's
 * display name as it was (unsanitised), and the sender's user id when the
 * server linked it (else 0).
 */
struct cloud_forward {
	uint64_t date;
	uint64_t from_id;
	char *name;
};

void cloud_user_free(struct cloud_user *u);
void cloud_chat_free(struct cloud_chat *ch);
void cloud_message_free(struct cloud_message *m);
void cloud_forward_free(struct cloud_forward *f);

/*
 * A callback of the list functions: return 0 to go on; anything else
 * stops the listing, and the list function returns it.
 */
typedef int cloud_chat_fn(void *ud, const struct cloud_chat *ch);
typedef int cloud_message_fn(void *ud, const struct cloud_message *m);
typedef int cloud_member_fn(void *ud, const struct cloud_member *m);
typedef int cloud_user_fn(void *ud, const struct cloud_user *u);

enum cloud_ev {
	CLOUD_EV_STATE,		/* state, err: the connection changed */
	CLOUD_EV_SYNCED,	/* caught up with the server's log */
	CLOUD_EV_MESSAGE,	/* msg (and chat): a message new to this device */
	CLOUD_EV_EDITED,	/* msg: a message as it is after an edit */
	CLOUD_EV_DELETED,	/* chat_id, ids, n_ids, for_everyone */
	CLOUD_EV_READ_INBOX,	/* chat_id, max_id: this account read it */
	CLOUD_EV_READ_OUTBOX,	/* chat_id, max_id, user_id: they read ours */
	CLOUD_EV_TYPING,	/* chat_id, user_id (live only, never stored) */
	CLOUD_EV_CHAT,		/* chat: a chat was created or changed */
	CLOUD_EV_CONTACT,	/* user, added */
	CLOUD_EV_SENT,		/* random_id, msg: the server has our message */
	CLOUD_EV_REFUSED,	/* random_id, err, why: refused for good */
	CLOUD_EV_OUTBOX_EMPTY,	/* every queued message went out */
	CLOUD_EV_PRIVACY,	/* privacy: a rule of this account changed */
	CLOUD_EV_BLOCKED,	/* user, user_id, added: (un)blocked by us */
	CLOUD_EV_PRESENCE,	/* user_id, status, when: came online or went
				 * offline (live only; client/presence.h) */
	CLOUD_EV_UNRECORDED,	/* random_id, err: acknowledged, but it could
				 * not be recorded here: kept in the outbox */
	CLOUD_EV_DEFERRED,	/* random_id, err, why: the server could not
				 * store it now (full disk): kept, tried again */
};

/*
 * One event. Only the fields named for its kind are set; pointers borrow
 * memory that is valid during the callback only.
 */
struct cloud_event {
	enum cloud_ev kind;
	enum engine_state state;
	int err;
	const struct cloud_message *msg;
	const struct cloud_chat *chat;
	const struct cloud_user *user;
	uint64_t chat_id;
	const uint64_t *ids;
	size_t n_ids;
	int for_everyone;
	int added;
	uint64_t max_id;
	uint64_t user_id;
	uint64_t random_id;
	const char *why;		/* sanitised; "" when the server said nothing */
	const struct cloud_privacy_rule *privacy;
	int status;			/* enum presence_status */
	uint64_t when;			/* its last_seen (unix seconds) */
};

typedef void cloud_event_fn(void *ud, const struct cloud_event *ev);

/*
 * Completion of a call. err is 0, a server's ERR_* (why holds its words,
 * sanitised, or ""), or a local one (ERR_TIMEOUT, ERR_CLOSED, ERR_DB...).
 * id is what the call made or changed: a chat id (groups), a message id
 * (edit), a user id (lookups, contacts), or 0.
 */
typedef void cloud_done_fn(void *ud, int err, const char *why, uint64_t id);

/*
 * Creates the cloud on loop for the open profile store (borrowed; it must
 * outlive the cloud), with the device key device_priv (copied) and the
 * engine configuration cfg (its strings are copied by the engine).
 * Returns 0, ERR_INVAL or ERR_NOMEM. Nothing happens until cloud_start().
 */
int cloud_new(struct cloud **out, uv_loop_t *loop, struct store *st,
    const uint8_t device_priv[NOISE_KEY_LEN],
    const struct engine_config *cfg);

/* Starts connecting; reconnects by itself until cloud_free(). */
int cloud_start(struct cloud *c);

/*
 * Stops everything: pending calls complete with ERR_CLOSED (now), and
 * done(ud) runs once every handle is closed. Queued messages stay in the
 * outbox for the next run.
 */
void cloud_free(struct cloud *c, void (*done)(void *), void *ud);

/* The loop the cloud runs on. */
uv_loop_t *cloud_loop(struct cloud *c);

/* The engine, for the account calls of client/engine.h. */
struct engine *cloud_engine(struct cloud *c);

/* The secret chats of this profile (client/secret.h). */
struct secret *cloud_secret(struct cloud *c);

/*
 * Adds or removes a listener of events. Several may listen; one may
 * unsubscribe itself (or another) from inside a callback.
 * cloud_subscribe returns 0 or ERR_NOMEM.
 */
int cloud_subscribe(struct cloud *c, cloud_event_fn *fn, void *ud);
void cloud_unsubscribe(struct cloud *c, cloud_event_fn *fn, void *ud);

/* Whether this connection has caught up with the server's log. */
int cloud_synced(const struct cloud *c);

/*
 * Forwards message id of from_chat_id (as this device has it: a cloud
 * message, not a service message) to `to`, through the outbox as a send
 * goes (exactly once: the server dedupes on the random_id); the server
 * decides whether the copy links the original sender (doc/PROTOCOL.md,
 * "Forwards"). Returns 0 and *random_id, or ERR_NOT_FOUND (no such
 * message here), ERR_INVAL, ERR_DB. CLOUD_EV_SENT / REFUSED follow.
 */
struct cloud_peer;
int cloud_forward(struct cloud *c, uint64_t from_chat_id, uint64_t id,
    const struct cloud_peer *to, uint64_t *random_id);

/* What message id of chat_id forwards: 0, or ERR_NOT_FOUND (none). */
int cloud_forward_get(struct cloud *c, uint64_t chat_id, uint64_t id,
    struct cloud_forward *f);

/*
 * The server's words for a refusal in resp, sanitised, with the wait it
 * asked for when it rate-limited us; NULL when it said nothing. The
 * caller frees it.
 */
char *cloud_why(const Sotto__Response *resp);

/*
 * Stores users of an answer (one transaction) and notes their presence
 * (client/presence.h). 0 or an ERR_*.
 */
int cloud_store_users(struct cloud *c, Sotto__User *const *users, size_t n);

/* The account's user id (0 when the profile is not logged in). */
uint64_t cloud_self(const struct cloud *c);

/*
 * Peers. A PEER is "@username", "+phone", "me" (Saved Messages) or a
 * chat id in decimal. A resolved peer names a chat (chat_id), or a user
 * (user_id) whose private chat may not exist yet, or both.
 */
struct cloud_peer {
	uint64_t chat_id;
	uint64_t user_id;
	int kind;			/* enum cloud_chat_kind; 0 when no chat yet */
};

/* Checks the form of a PEER: 0 or ERR_INVAL. */
int cloud_peer_check(const char *peer);

/*
 * Resolves peer from what this device knows, without the network.
 * Returns 0; ERR_NOT_FOUND when it is not known here; ERR_INVAL for a
 * malformed peer; ERR_PERM for a group this account has left.
 */
int cloud_resolve_local(struct cloud *c, const char *peer,
    struct cloud_peer *out);

typedef void cloud_peer_fn(void *ud, int err, const char *why,
    const struct cloud_peer *p);

/*
 * Resolves peer: locally when it is known (and fresh is 0), else once this
 * connection has caught up, else by asking the server (ResolveUser) and
 * storing the user it names. fresh asks the server for a user even when
 * one is known (to refresh it). cb runs once: err 0 and p; ERR_NOT_FOUND
 * for an unknown user or a chat this account is not in; ERR_PERM for a
 * group it has left (p then still names the group, whose history up to
 * the departure may be read); ERR_TIMEOUT/ERR_UNREACHABLE when the server could
 * not be asked within timeout_ms (0: no limit).
 */
int cloud_resolve(struct cloud *c, const char *peer, int fresh,
    uint64_t timeout_ms, cloud_peer_fn *cb, void *ud);

/*
 * Checks a message text: 1 to CLOUD_TEXT_MAX code points of valid UTF-8
 * without NUL. Returns 0, ERR_INVAL (empty, invalid UTF-8 or NUL) or
 * ERR_TOO_BIG.
 */
int cloud_text_check(const char *text, size_t len);

/*
 * Queues text for to (reply_to: a message id of that chat, or 0) and
 * starts sending it. The message is in the outbox when this returns 0,
 * and *random_id names it in the CLOUD_EV_SENT or CLOUD_EV_REFUSED event
 * that ends it, in this run or a later one. Returns ERR_INVAL/ERR_TOO_BIG
 * (see cloud_text_check), ERR_NOT_FOUND (to names no chat and no user),
 * ERR_DB.
 */
int cloud_send(struct cloud *c, const struct cloud_peer *to,
    const char *text, uint64_t reply_to, uint64_t *random_id);

/* How many messages wait in the outbox. */
int cloud_outbox_count(struct cloud *c, uint64_t *n);

/* Whether message random_id waits in the outbox: 0 and *queued, or ERR_DB. */
int cloud_outbox_has(struct cloud *c, uint64_t random_id, int *queued);

/* The profile database's file name, for messages about it (never NULL). */
const char *cloud_store_path(const struct cloud *c);

/*
 * Calls to the server. Each completes through cb once (with 0 or an
 * ERR_*) after its effect has been stored; timeout_ms bounds the wait
 * (0: none). They return 0, or an error and cb never runs.
 */
int cloud_edit(struct cloud *c, uint64_t chat_id, uint64_t id,
    const char *text, uint64_t timeout_ms, cloud_done_fn *cb, void *ud);
int cloud_delete(struct cloud *c, uint64_t chat_id, const uint64_t *ids,
    size_t n, int for_everyone, uint64_t timeout_ms, cloud_done_fn *cb,
    void *ud);
/* Marks chat_id read up to max_id (0: its last message). */
int cloud_mark_read(struct cloud *c, uint64_t chat_id, uint64_t max_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);
int cloud_typing(struct cloud *c, uint64_t chat_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud);
/* Replaces the stored contacts with the server's list. */
int cloud_refresh_contacts(struct cloud *c, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud);
int cloud_add_contact(struct cloud *c, uint64_t user_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud);
int cloud_remove_contact(struct cloud *c, uint64_t user_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);
/* Groups; id in cb is the group's chat id. */
int cloud_create_group(struct cloud *c, const char *title,
    const uint64_t *member_ids, size_t n, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud);
int cloud_add_member(struct cloud *c, uint64_t chat_id, uint64_t user_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);
int cloud_remove_member(struct cloud *c, uint64_t chat_id, uint64_t user_id,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);
int cloud_leave(struct cloud *c, uint64_t chat_id, uint64_t timeout_ms,
    cloud_done_fn *cb, void *ud);
int cloud_rename(struct cloud *c, uint64_t chat_id, const char *title,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);
/*
 * Stores what another module's call answered with a SendResult (a join
 * through an invite link, a group's settings), as a group call's answer
 * is stored. 0, ERR_PROTO or ERR_DB.
 */
int cloud_apply_sent(struct cloud *c, const Sotto__SendResult *r);

/*
 * Local reads. The get functions fill a struct the caller releases with
 * the matching cloud_*_free function; ERR_NOT_FOUND when absent.
 */
int cloud_get_user(struct cloud *c, uint64_t id, struct cloud_user *u);
/*
 * Stores n users from an answer of the server in the profile (one
 * transaction), as a lookup does; with out, also their cloud_user forms
 * (pointing into users). 0, ERR_DB or ERR_NOMEM.
 */
int cloud_put_users(struct cloud *c, Sotto__User *const *users, size_t n,
    struct cloud_user *out);
int cloud_get_chat(struct cloud *c, uint64_t id, struct cloud_chat *ch);
int cloud_get_message(struct cloud *c, uint64_t chat_id, uint64_t id,
    struct cloud_message *m);
/* The chats, most recent activity first. */
int cloud_list_chats(struct cloud *c, cloud_chat_fn *fn, void *ud);
/* The newest limit messages of chat_id (0: all), oldest first. */
int cloud_history(struct cloud *c, uint64_t chat_id, uint64_t limit,
    cloud_message_fn *fn, void *ud);
/* A page of up to limit messages older than before_id, newest first. */
int cloud_history_before(struct cloud *c, uint64_t chat_id,
    uint64_t before_id, uint64_t limit, cloud_message_fn *fn, void *ud);
/* The members of group chat_id, by user id. */
int cloud_list_members(struct cloud *c, uint64_t chat_id,
    cloud_member_fn *fn, void *ud);
/* The contacts, by username. */
int cloud_list_contacts(struct cloud *c, cloud_user_fn *fn, void *ud);

/*
 * Privacy settings and blocked users (doc/PROTOCOL.md, "Privacy and
 * blocks"). The server keeps and enforces them; nothing of them is
 * stored on the device except the users they name (cloud_get_user), so
 * a front end asks cloud_get_privacy() or cloud_get_blocked() each time
 * it shows them, and refreshes on CLOUD_EV_PRIVACY or CLOUD_EV_BLOCKED
 * (another device of the account changed them).
 *
 * A rule: a base value for everybody else, then exceptions. The server
 * decides for another user in this order: blocked by the owner, no; in
 * allow, yes; in deny, no; else the value (CLOUD_PRIV_CONTACTS: the
 * owner's contacts). A user is in at most one list of a key.
 */
enum cloud_privacy_key {
	CLOUD_PRIV_PHONE_NUMBER,	/* who sees my phone number */
	CLOUD_PRIV_PHONE_DISCOVERY,	/* who finds me by my number */
	CLOUD_PRIV_LAST_SEEN,		/* stored; no such field yet */
	CLOUD_PRIV_BIO,			/* stored; no such field yet */
	CLOUD_PRIV_FORWARDS,		/* stored; no forwards yet */
	CLOUD_PRIV_GROUP_INVITES,	/* who adds me to groups */
	CLOUD_PRIV_MESSAGES,		/* who starts a chat with me */
	CLOUD_PRIV_SECRET_CHATS,	/* who starts a secret chat with me */
	CLOUD_PRIV_N
};

enum cloud_privacy_value {
	CLOUD_PRIV_EVERYBODY,
	CLOUD_PRIV_CONTACTS,
	CLOUD_PRIV_NOBODY
};

struct cloud_privacy_rule {
	int key;			/* enum cloud_privacy_key */
	int value;			/* enum cloud_privacy_value */
	const uint64_t *allow;		/* user ids always allowed */
	size_t n_allow;
	const uint64_t *deny;		/* user ids never allowed */
	size_t n_deny;
};

#define CLOUD_PRIV_EXCEPTIONS_MAX 100	/* ids in one rule's two lists */

/*
 * Names as the command line and the JSON output spell them
 * ("phone_number", "everybody", ...). The name functions return "?" for
 * a number out of range; the parse functions return the number or
 * ERR_INVAL.
 */
const char *cloud_privacy_key_name(int key);
int cloud_privacy_key_parse(const char *name);
const char *cloud_privacy_value_name(int value);
int cloud_privacy_value_parse(const char *name);

/*
 * The rules, in key order (for cloud_get_privacy all CLOUD_PRIV_N of
 * them). rules and their lists are valid during the call only; the users
 * the lists name are stored (cloud_get_user) before cb runs, as far as
 * the server sent them.
 */
typedef void cloud_privacy_fn(void *ud, int err, const char *why,
    const struct cloud_privacy_rule *rules, size_t n);

int cloud_get_privacy(struct cloud *c, uint64_t timeout_ms,
    cloud_privacy_fn *cb, void *ud);
/*
 * Replaces the whole rule r->key: its value and both lists (r is copied).
 * Returns ERR_INVAL (a key or value out of range, oneself or an id in
 * both lists) or ERR_TOO_BIG (over CLOUD_PRIV_EXCEPTIONS_MAX ids) before
 * asking; the server may refuse the same and ERR_NOT_FOUND (no such
 * user). id in cb is 0.
 */
int cloud_set_privacy(struct cloud *c, const struct cloud_privacy_rule *r,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);
/* Sets only the value of key's rule; its exceptions stay. */
int cloud_set_privacy_value(struct cloud *c, int key, int value,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);

enum cloud_privacy_exception {
	CLOUD_PRIV_EXC_NONE,		/* in neither list */
	CLOUD_PRIV_EXC_ALLOW,
	CLOUD_PRIV_EXC_DENY
};
/*
 * Puts user_id in key's allow or deny list (out of the other), or with
 * CLOUD_PRIV_EXC_NONE out of both, in one request: two devices editing
 * different users' exceptions at once both win. id in cb is user_id.
 */
int cloud_privacy_exception(struct cloud *c, int key, uint64_t user_id,
    int mode, uint64_t timeout_ms, cloud_done_fn *cb, void *ud);

/*
 * Blocks (block nonzero) or unblocks user_id; the user as the server
 * answers is stored. ERR_INVAL for oneself. id in cb is user_id.
 */
int cloud_block(struct cloud *c, uint64_t user_id, int block,
    uint64_t timeout_ms, cloud_done_fn *cb, void *ud);

/*
 * The users this account blocked, oldest block first; each is stored
 * before cb runs. users are valid during the call only.
 */
typedef void cloud_users_fn(void *ud, int err, const char *why,
    const struct cloud_user *users, size_t n);
int cloud_get_blocked(struct cloud *c, uint64_t timeout_ms,
    cloud_users_fn *cb, void *ud);
/*
 * Full-text search of this device's copy of chat_id (0: every chat): the
 * newest limit messages that match query, newest first (across chats: in
 * the order this device got them). query is an
 * FTS4 MATCH expression (SQLite's syntax); a front end that takes words
 * from a user builds it so that it always parses (ui/search.h does).
 * The index is brought up to date with the messages stored since the
 * last search first. Returns 0, ERR_INVAL (an empty query, or one that
 * does not parse), ERR_DB, or what fn returned to stop.
 */
int cloud_search(struct cloud *c, uint64_t chat_id, const char *query,
    uint64_t limit, cloud_message_fn *fn, void *ud);

/*
 * Keeps the index of cloud_search up to date in the background: once
 * caught up, and after new messages, in slices of CLOUD_INDEX_SLICE
 * messages with the loop's other work between them, so that the first
 * search after a large catch-up finds the work done. For front ends that
 * stay open (the TUI); off by default, since a one-shot command would
 * only spend its time on it.
 */
#define CLOUD_INDEX_SLICE 2000
void cloud_index_in_background(struct cloud *c, int on);

#endif
