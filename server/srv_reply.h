/*
 * Answering a request and pushing an update: the one helper set every
 * server module uses (srv_conn_error() in srv_conn.h is what they send
 * an error with underneath).
 */
#ifndef SOTTO_SRV_REPLY_H
#define SOTTO_SRV_REPLY_H

#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv;
struct srv_conn;

/*
 * Answers request id with resp (its id is set here). Returns 0 or the
 * ERR_* that closes c.
 */
int srv_reply(struct srv_conn *c, uint64_t id, Sotto__Response *resp);

/* Answers request id with Ok. 0 or the ERR_* that closes c. */
int srv_reply_ok(struct srv_conn *c, uint64_t id);

/*
 * Answers request id with error r and sentence why (NULL: err_str()'s).
 * An unexpected r (ERR_DB, ERR_NOMEM, ERR_INTERNAL) is logged and sent
 * as ERR_INTERNAL; ERR_NO_SPACE says the disk is full and to retry in a
 * second. 0 or the ERR_* that closes c.
 */
int srv_reply_fail(struct srv_conn *c, uint64_t id, int r, const char *why);

/* Sends up to every connected, signed-in device of user_id. */
void srv_reply_push(struct srv *s, uint64_t user_id, Sotto__Update *up);

#endif
