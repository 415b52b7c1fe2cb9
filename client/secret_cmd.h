/*
 * The secret-chat actions of the command line: client/cmd resolves the
 * PEER and hands the action over here; this waits until the device's
 * secret queue has been processed on this connection, carries the action
 * out on client/secret and writes its results to the command's sink.
 */
#ifndef SOTTO_SECRET_CMD_H
#define SOTTO_SECRET_CMD_H

#include "client/cloud.h"
#include "client/cmd.h"

/* Whether o names a secret-chat action (or --secret on another). */
int secret_cmd_is_secret(const struct cmd_opts *o);

struct secret_cmd_ops {
	/* Whether the command still runs (its sink and opts are valid). */
	int (*alive)(void *ud);
	/* The action ended with a CMD_EX_* status; runs exactly once. */
	void (*done)(void *ud, int status);
	/*
	 * The action's message is stored in the secret outbox: from now on
	 * it is delivered whatever happens, and a timeout means "queued".
	 */
	void (*queued)(void *ud);
};

/*
 * Runs o's secret action on c; peer is the resolved PEER (NULL for the
 * actions without one). Returns 0 (ops->done will run, never from inside
 * this call) or an ERR_*.
 */
int secret_cmd_act(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct cloud_peer *peer,
    uint64_t timeout_ms, const struct secret_cmd_ops *ops, void *ud);

/*
 * --listen: prints secret-chat events (requests, messages, closes,
 * key changes) to s as they happen; a printed message counts as read.
 * stop removes the listener.
 */
void secret_cmd_listen(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s);
void secret_cmd_unlisten(struct cloud *c);

#endif
