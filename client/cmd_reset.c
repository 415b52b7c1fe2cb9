/*
 * The words for a server that forgot this device (cmd_reset.h). They go to
 * standard error only: a script reads the exit status, a person the text.
 */
#include "config.h"

#include "client/cmd_reset.h"

int
cmd_reset_unknown(const struct cmd_sink *s, const struct engine_welcome *w,
    int queued)
{
	(void)w;
	cmd_err(s, "the server does not know this device: it may have been "
	    "reset or restored from an older copy (it has no record of "
	    "ending this device's session)");
	cmd_err(s, "nothing on this device was deleted; to bind it again and "
	    "keep its history, run sotto --login USER; to end this profile "
	    "and wipe it, run sotto --logout");
	if (queued) {
		cmd_err(s, "the message stays in the outbox; it goes out once "
		    "this device is logged in again");
		return CMD_EX_TEMPFAIL;
	}
	return CMD_EX_NOPERM;
}

void
cmd_reset_behind(const struct cmd_sink *s, const struct engine_welcome *w)
{
	cmd_err(s, "note: the server's history of this account ends at %llu "
	    "but this device had seen %llu: the server was restored from an "
	    "older copy; every message on this device is kept, and what the "
	    "server lost is only here now",
	    (unsigned long long)w->server_pts, (unsigned long long)w->local_pts);
}

void
cmd_reset_login_failed(const struct cmd_sink *s)
{
	cmd_err(s, "the server does not know this device, and may have been "
	    "restored from a copy older than this account; nothing on this "
	    "device was deleted: ask the server's operator, or keep this "
	    "profile as it is and use another --profile");
}
