/*
 * Privacy rules and blocks (DESIGN section 8): "a setting that says
 * nobody means the server never sends that field". Every check of the
 * server goes through srv_privacy_allows() (or, for a message into a
 * private chat, srv_privacy_may_message(), which adds one exemption), so
 * that one function holds the order of the rules:
 *
 *   1. the owner is always allowed;
 *   2. a user the owner blocked is refused, whatever the key;
 *   3. a user in the key's allow list is allowed;
 *   4. a user in the key's deny list is refused;
 *   5. else the key's value: everybody; contacts (the users the owner
 *      has added as contacts); nobody.
 *
 * Defaults (a key its owner never set) keep what sottod did before the
 * rules existed: phone_number and phone_discovery are "contacts", every
 * other key "everybody". doc/PROTOCOL.md, "Privacy and blocks", says
 * what each key guards.
 */
#ifndef SOTTO_SRV_PRIVACY_H
#define SOTTO_SRV_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;
struct srv_store;

/* Stored as these numbers: the wire's PrivacyKey. Never renumber one. */
enum srv_privacy_key {
	SRV_PRIV_PHONE_NUMBER = 1,
	SRV_PRIV_PHONE_DISCOVERY = 2,
	SRV_PRIV_LAST_SEEN = 3,
	SRV_PRIV_BIO = 4,
	SRV_PRIV_FORWARDS = 5,
	SRV_PRIV_GROUP_INVITES = 6,
	SRV_PRIV_MESSAGES = 7,
	SRV_PRIV_SECRET_CHATS = 8,
};
#define SRV_PRIV_KEYS 8

/* Stored as these numbers: the wire's PrivacyValue. */
enum srv_privacy_value {
	SRV_PRIV_EVERYBODY = 1,
	SRV_PRIV_CONTACTS = 2,
	SRV_PRIV_NOBODY = 3,
};

#define SRV_PRIV_EXCEPTIONS_MAX 100	/* ids in one rule's two lists */
#define SRV_BLOCKED_MAX 1000		/* users one account blocks */

/* A rule as stored (lists malloc()ed; srv_privacy_rule_free()). */
struct srv_privacy_rule {
	int key;
	int value;
	uint64_t *allow;
	size_t n_allow;
	uint64_t *deny;
	size_t n_deny;
};

/*
 * Two askers no account can be (the store holds ids up to INT64_MAX), for
 * GetProfileAs (srv_export.c): the rules answer them as someone who is
 * not a contact and as a contact, neither in an exception nor blocked.
 * Passed as the asker to srv_privacy_allows() and srv_chat_user(), they
 * go through the very code that answers a real viewer.
 */
#define SRV_VIEWER_STRANGER (UINT64_MAX - 1)
#define SRV_VIEWER_CONTACT UINT64_MAX

/*
 * Whether owner's rule for key allows asker: 0 (allowed), ERR_PERM
 * (refused: the rule, an exception or a block) or ERR_DB.
 */
int srv_privacy_allows(struct srv_store *st, uint64_t owner, int key,
    uint64_t asker);

/*
 * The work of srv_privacy_allows() for an owner that was not found, so
 * that a lookup of someone missing costs what one of someone hidden by a
 * rule or a block does (doc/PROTOCOL.md, "Addressing by id"): the same
 * decision, over rows that are not there. ERR_NOT_FOUND or ERR_DB.
 */
int srv_privacy_allows_none(struct srv_store *st, int key, uint64_t asker);

/*
 * Whether sender may write to peer in their private chat chat_id (0: it
 * does not exist yet). As srv_privacy_allows() for the messages key,
 * except that a chat in which peer has written is exempt from the rule
 * (peer took part in it), though never from a block. 0, ERR_PERM or
 * ERR_DB.
 */
int srv_privacy_may_message(struct srv_store *st, uint64_t peer,
    uint64_t sender, uint64_t chat_id);

/*
 * Whether owner blocked user_id: 1 (blocked), 0 (not) or ERR_DB. For the
 * checks that are about a block alone (a secret-chat message, typing).
 */
int srv_privacy_blocked(struct srv_store *st, uint64_t owner,
    uint64_t user_id);

/* The value of a key its owner never set. */
int srv_privacy_default(int key);

/* owner's rule for key, defaults filled in. 0, ERR_NOMEM or ERR_DB. */
int srv_privacy_rule_get(struct srv_store *st, uint64_t owner, int key,
    struct srv_privacy_rule *out);
void srv_privacy_rule_free(struct srv_privacy_rule *r);

/*
 * The privacy requests, called by srv_method.c's table once c is signed
 * in: answer (key and pts 0) is GetPrivacy's, block with blocked 0 is
 * Unblock. Each answers request id; 0, or ERR_* to close c.
 */
int srv_privacy_answer(struct srv_conn *c, uint64_t id, int key,
    uint64_t pts);
int srv_privacy_set(struct srv_conn *c, uint64_t id,
    const Sotto__SetPrivacy *m);
int srv_privacy_exception(struct srv_conn *c, uint64_t id,
    const Sotto__SetPrivacyException *m);
int srv_privacy_block(struct srv_conn *c, uint64_t id, uint64_t user_id,
    int blocked);
int srv_privacy_get_blocked(struct srv_conn *c, uint64_t id);

#endif
