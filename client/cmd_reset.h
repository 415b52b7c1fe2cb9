/*
 * What the command line says when the server does not know this device or
 * its log is behind this profile's: a server that was reset or restored
 * from an older copy (doc/CLI.md, "When the server forgot this device").
 * Nothing local is deleted in either case.
 */
#ifndef SOTTO_CMD_RESET_H
#define SOTTO_CMD_RESET_H

#include "client/cmd.h"
#include "client/engine.h"

/*
 * The server never heard of this device (w->unknown): says so, what may
 * have happened and what to do. queued says whether this command's message
 * went into the outbox. Returns the exit status: CMD_EX_TEMPFAIL (75) when
 * a message is queued, CMD_EX_NOPERM (77) otherwise.
 */
int cmd_reset_unknown(const struct cmd_sink *s, const struct engine_welcome *w,
    int queued);

/*
 * A --login of this profile's own account failed on a server that does not
 * know this device: the account may be missing from the copy it was
 * restored from. Says so and what is left to do.
 */
void cmd_reset_login_failed(const struct cmd_sink *s);

/* The server's log ends before this profile's pts (w->behind): a note. */
void cmd_reset_behind(const struct cmd_sink *s, const struct engine_welcome *w);

#endif
