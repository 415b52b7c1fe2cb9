/*
 * A failed action in one sentence on the sink's error side, and the exit
 * status it maps to (cmd_exit_code). The verb of "cannot VERB: ..." is
 * the action's row of cmd__table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/cmd_int.h"
#include "client/cmd_reset.h"
#include "client/fault.h"
#include "crypto/fp.h"
#include "lib/err.h"
#include "proto/version.h"

static void
cmd_key_lines(struct cmd *k, const char *l1, const uint8_t *k1,
    const char *l2, const uint8_t *k2)
{
	char f1[FP_KEY_TEXT_LEN], f2[FP_KEY_TEXT_LEN];

	fp_format_key(f1, k1);
	fp_format_key(f2, k2);
	cmd_err(k->s, "%s %s", l1, f1);
	cmd_err(k->s, "%s %s", l2, f2);
}

static void
cmd_report_key(struct cmd *k)
{
	uint8_t want[NOISE_KEY_LEN], got[NOISE_KEY_LEN];

	if (engine_key_mismatch(cloud_engine(k->c), want, got) != 0) {
		cmd_err(k->s, "the server's key is not the expected one");
		return;
	}
	if (k->o->have_server_key) {
		cmd_err(k->s, "the server at %s offered a key other than the "
		    "one given with --server-key; refusing to connect",
		    k->server);
		cmd_key_lines(k, "expected key:", want, "server key:  ", got);
	} else {
		cmd_err(k->s, "the server at %s offered a key other than the "
		    "one pinned for this profile; refusing to connect",
		    k->server);
		cmd_key_lines(k, "pinned key:", want, "server key:", got);
		cmd_err(k->s, "someone may be impersonating the server; if "
		    "its key was changed on purpose, check the new "
		    "fingerprint with its operator (sottod --fingerprint) and "
		    "use a new profile");
	}
}

/* Says why the action failed; returns the exit status. */
int
cmd__report(struct cmd *k, int err, const char *why)
{
	const struct engine_welcome *w = engine_welcome(cloud_engine(k->c));
	const char *m = why != NULL ? why : "";
	const char *what = k->e != NULL && k->e->verb != NULL ?
	    k->e->verb : "act";
	const char *reason;
	char fault[1024];
	int st;

	if ((st = fault_describe(err, cloud_store_path(k->c), fault,
	    sizeof(fault))) != 0) {
		cmd_err(k->s, "cannot %s: %s", what, fault);
		return st;
	}
	switch (err) {
	case ERR_AUTH:
		cmd_err(k->s, "wrong username or password");
		if (w->received && w->unknown)
			cmd_reset_login_failed(k->s);
		break;
	case ERR_NOT_AUTHED:
		if (w->received && w->unknown)
			return cmd_reset_unknown(k->s, w,
			    k->phase == PH_WAIT_ACK);
		if (w->received && !w->authenticated)
			cmd_err(k->s, "the server no longer knows this device, "
			    "so this profile is logged out; use --login USER");
		else
			cmd_err(k->s, "this profile is not logged in; use "
			    "--login USER");
		break;
	case ERR_REVOKED:
		/* Ended by another device or the TTL: the server's sentence. */
		if ((w->terminated_why == 2 || w->terminated_why == 4) &&
		    w->revoked_reason[0] != '\0') {
			cmd_err(k->s, "%s", w->revoked_reason);
			break;
		}
		cmd_err(k->s, "this device was logged out by its account: %s",
		    w->revoked_reason[0] != '\0' ? w->revoked_reason :
		    err_str(err));
		break;
	case ERR_KEY_CHANGED:
		cmd_report_key(k);
		break;
	case ERR_RATE_LIMITED:
		/* Cloud calls carry the wait in why (client/call.c). */
		if (k->retry_after > 0)
			cmd_err(k->s, "too many attempts; try again in %u "
			    "seconds", k->retry_after);
		else if (*m != '\0')
			cmd_err(k->s, "cannot %s: %s", what, m);
		else
			cmd_err(k->s, "too many attempts; try again later");
		break;
	case ERR_EXISTS:
		if (k->o->action == CMD_REGISTER && (*m == '\0' ||
		    strstr(m, "taken") != NULL))
			cmd_err(k->s, "cannot register %s: the username is "
			    "taken", k->o->user);
		else if (k->o->action == CMD_REGISTER)
			cmd_err(k->s, "cannot register %s: %s (already "
			    "exists)", k->o->user, m);
		else
			cmd_err(k->s, "cannot %s: %s", what, *m ? m :
			    err_str(err));
		break;
	case ERR_INVAL:
		cmd_err(k->s, "cannot %s: %s", what, *m ? m : "the server "
		    "refused the data given");
		break;
	case ERR_UNREACHABLE:
		reason = engine_last_down_reason(cloud_engine(k->c));
		cmd_err(k->s, "cannot reach the server at %s (%s)", k->server,
		    reason != NULL ? reason : "no answer");
		break;
	case ERR_TIMEOUT:
		cmd_err(k->s, "the server at %s did not answer in time",
		    k->server);
		break;
	case ERR_CLOSED:
		cmd_err(k->s, "the connection to the server at %s was lost "
		    "before it answered", k->server);
		break;
	case ERR_VERSION:
		cmd_err(k->s, "the server at %s speaks another protocol "
		    "version (this client speaks version %u)", k->server,
		    SOTTO_PROTO_VERSION);
		break;
	default:
		cmd_err(k->s, "cannot %s: %s%s%s%s", what, err_str(err),
		    *m ? " (" : "", m, *m ? ")" : "");
		break;
	}
	return cmd_exit_code(err);
}

/* ERR_TIMEOUT, or ERR_UNREACHABLE when no connection ever came up. */
int
cmd__late(struct cmd *k)
{
	return engine_was_ready(cloud_engine(k->c)) ? ERR_TIMEOUT :
	    ERR_UNREACHABLE;
}

void
cmd__peer_error(struct cmd *k, const char *peer, int err, const char *why)
{
	int queued_not = k->o->action == CMD_SEND;

	switch (err) {
	case ERR_NOT_FOUND:
		if (peer[0] == '@')
			cmd_err(k->s, "there is no user %s", peer);
		else if (peer[0] == '+')
			cmd_err(k->s, "there is no user with the phone number "
			    "%s (or they do not show it)", peer);
		else
			cmd_err(k->s, "you are not in chat %s (or it does not "
			    "exist)", peer);
		cmd__finish(k, CMD_EX_DATAERR);
		return;
	case ERR_PERM:
		cmd_err(k->s, "you are no longer a member of chat %s", peer);
		cmd__finish(k, CMD_EX_DATAERR);
		return;
	case ERR_NOT_AUTHED:
		cmd__finish(k, cmd__report(k, err, why));
		return;
	default:
		if (queued_not && (err == ERR_TIMEOUT ||
		    err == ERR_UNREACHABLE || err == ERR_CLOSED)) {
			cmd__report(k, err, why);
			cmd_err(k->s, "%s is not known on this device and the "
			    "server could not be asked; nothing was queued",
			    peer);
			cmd__finish(k, CMD_EX_UNAVAILABLE);
			return;
		}
		cmd__finish(k, cmd__report(k, err, why));
	}
}
