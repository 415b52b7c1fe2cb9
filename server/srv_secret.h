/*
 * Secret chats, the server's side (DESIGN section 6, doc/PROTOCOL.md
 * "Methods (secret chats)"): public prekeys, the setup of a chat bound to
 * one device on each side, and the per-device relay queue (qts).
 *
 * The server sees public keys and ciphertext only. Every queue entry is
 * written inside the request's atomic unit and pushed live to the
 * device's connections; the push, like the answer, is held until the
 * group commit (srv.h), so nothing is announced that a crash could take
 * back.
 */
#ifndef SOTTO_SRV_SECRET_H
#define SOTTO_SRV_SECRET_H

#include <stdint.h>

#include "proto/sotto.pb-c.h"
#include "proto/version.h"

struct srv;
struct srv_conn;

#define SRV_SECRET_TTL_MAX (7u * 24 * 3600)	/* self-destruct, seconds */
#define SRV_SECRET_KEEP (7u * 24 * 3600)	/* queue entries live this */
#define SRV_SECRET_PURGE_MS (3600u * 1000)	/* purge at most this often */
#define SRV_SECRET_OFFERS_MAX 64	/* devices offered in one start */
#define SRV_SECRET_QUEUE_LIMIT 1000	/* entries in one SecretQueue */
#define SRV_SECRET_QUEUE_BYTES 60000	/* and bytes, to fit one frame */
/*
 * A ratchet message: the design allows 64 KiB + header, but the pushed
 * Update (and a SecretQueue holding it) must fit one transport frame, so
 * the frame is the real bound.
 */
#define SRV_SECRET_DATA_MAX (SOTTO_FRAME_MAX - 256u)

/*
 * The secret-chat requests (fields 40-48), called by srv_method.c's table
 * once c is signed in. Each answers request id; 0, or ERR_* to close c.
 */
int srv_secret_publish(struct srv_conn *c, uint64_t id,
    const Sotto__PublishPrekeys *m);
int srv_secret_bundles(struct srv_conn *c, uint64_t id,
    const Sotto__GetPrekeyBundles *m);
int srv_secret_start(struct srv_conn *c, uint64_t id,
    const Sotto__StartSecret *m);
int srv_secret_accept(struct srv_conn *c, uint64_t id,
    const Sotto__AcceptSecret *m);
int srv_secret_decline(struct srv_conn *c, uint64_t id,
    const Sotto__DeclineSecret *m);
int srv_secret_send(struct srv_conn *c, uint64_t id,
    const Sotto__SendSecret *m);
int srv_secret_close(struct srv_conn *c, uint64_t id,
    const Sotto__CloseSecret *m);
int srv_secret_ack(struct srv_conn *c, uint64_t id, const Sotto__AckSecret *m);
int srv_secret_queue(struct srv_conn *c, uint64_t id,
    const Sotto__GetSecretQueue *m);

/*
 * Removes user_id's device_id and what the secret chats hold for it, in
 * one atomic unit: every chat bound to it is closed as CloseSecret from
 * it would close it (the other device gets SecretClosed; its own pending
 * requests are withdrawn), a pending request offered to it loses that
 * offer and, when it was the last one, ends with SecretDeclined to the
 * initiator; its queue, prekeys and one-time prekeys are deleted. Every
 * way a device is removed goes through here. The pushes follow the
 * unit. 0, ERR_NOT_FOUND (no such device) or ERR_*.
 */
int srv_secret_remove_device(struct srv *s, uint64_t user_id,
    uint64_t device_id);

/*
 * Deletes queue entries older than SRV_SECRET_KEEP (and requests nobody
 * answered in that time), at most once per SRV_SECRET_PURGE_MS unless
 * force is set. Called at start-up and from the server's prune timer;
 * the deletion joins the turn's group commit.
 */
void srv_secret_purge(struct srv *s, int force);

#endif
