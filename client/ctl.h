/*
 * The control socket (DESIGN section 10): while `sotto --listen` (later
 * the TUI) runs for a profile, it listens on ctl.sock in the profile
 * directory (mode 0600, refused to other uids by SO_PEERCRED), and a
 * scripted command for that profile is carried out there: no second
 * passphrase prompt, no second connection to the server.
 *
 * The protocol (doc/CLI.md): the client sends one line, a JSON object
 * {"v":1,"argv":[...]} holding its command line (a message read with
 * "-m -" already in place of the "-"); the server answers with lines
 * {"out":"..."} and {"err":"..."}, the command's stdout and stderr, and
 * ends with {"exit":N}.
 */
#ifndef SOTTO_CTL_H
#define SOTTO_CTL_H

#include "client/cloud.h"

#define CTL_SOCKET_NAME "ctl.sock"
#define CTL_LINE_MAX (256 * 1024)	/* longest request line */

struct ctl;

/*
 * Listens on dir/ctl.sock for commands, carried out on cloud c (which must
 * outlive the ctl); server names the server in messages. An existing
 * socket that answers belongs to another running process: ERR_EXISTS.
 * A stale one is replaced. Returns 0, ERR_EXISTS, ERR_IO, ERR_NOMEM.
 */
int ctl_listen(struct ctl **out, struct cloud *c, const char *dir,
    const char *server);

/* Stops listening, removes the socket, ends the commands in progress. */
void ctl_free(struct ctl *ctl);		/* NULL is fine */

/*
 * Tries to have the command line argv run by a process listening for
 * profile (message, when not NULL, replaces the argument of "-m -").
 * Returns 0 with its exit status in *status after relaying its output to
 * stdout and stderr; or ERR_NOT_FOUND when no process answers (nothing
 * was printed, run the command here).
 */
int ctl_try(const char *profile, int argc, char **argv, const char *message,
    int *status);

#endif
