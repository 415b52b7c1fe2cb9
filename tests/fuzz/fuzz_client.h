/*
 * The common part of the client's fuzz targets (fuzz_update, fuzz_secret,
 * fuzz_ctl): a real profile store in a temporary directory, signed in as
 * alice (user 1, device 1), and the client's modules (client/cloud.c,
 * sync.c, outbox.c, secret.c) over it, built by cloud_new() as sotto
 * builds them.
 *
 * The engine below them is this file's (fuzz_client.c implements
 * client/engine.h in place of client/engine.c): it does no I/O, and what
 * the server would say is handed to the modules exactly as the real engine
 * hands it (on_state, on_update, a request's callback). So the bytes under
 * test reach the same code as bytes from sottod would, without a socket.
 */
#ifndef SOTTO_FUZZ_CLIENT_H
#define SOTTO_FUZZ_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "client/cloud.h"
#include "client/engine.h"
#include "store/store.h"

#define FZC_SELF 1			/* alice's user id */
#define FZC_CALLS_MAX 64		/* requests waiting for an answer */

struct fzc {
	char dir[256];
	uv_loop_t loop;
	struct store *st;
	struct cloud *cloud;
	unsigned long reads_from_start;	/* GetDifference calls from pts 0 */
};

extern struct fzc fzc;

/* Makes the profile and the modules; aborts on failure. */
void fzc_setup(const char *name);

/* The connection is welcomed (authenticated); what waits is sent. */
void fzc_ready(void);
/* It dropped: requests in flight fail with ERR_CLOSED. */
void fzc_down(void);

/* A pushed Update, handed over as the engine hands one (on_update). */
void fzc_push(const Sotto__Update *u);

/* Requests waiting for an answer, and the method of the i-th. */
size_t fzc_pending(void);
int fzc_method(size_t i);
/*
 * Answers the i-th waiting request with resp (its id is set here), as the
 * engine does: err from resp->error, else 0. resp NULL: fails it with err.
 */
void fzc_answer(size_t i, Sotto__Response *resp, int err);
/*
 * Answers every waiting request (and those their callbacks make, up to
 * rounds times) with a plain success of the kind its method expects.
 */
void fzc_answer_all(int rounds);

/* Runs the loop's due callbacks (timers at 0 ms, closes). */
void fzc_turn(void);

#endif
