/*
 * The command-line front end (DESIGN section 10): parses the flags, opens
 * the profile, runs one action through the engine and maps the outcome to
 * a sysexits.h exit status. With no action it hands the opened profile's
 * cloud to the terminal UI that main chose (LAYOUT.md: client/ does not
 * include ui/; main.c, above both, links them).
 */
#ifndef SOTTO_CLI_H
#define SOTTO_CLI_H

#include <uv.h>

struct cloud;

/* Exit statuses of the scripting contract (sysexits.h values). */
#define CLI_EX_OK 0
#define CLI_EX_USAGE 64		/* bad flags */
#define CLI_EX_DATAERR 65	/* refused data: invalid or taken username */
#define CLI_EX_NOINPUT 66	/* a secret file cannot be read */
#define CLI_EX_UNAVAILABLE 69	/* the server cannot be reached */
#define CLI_EX_SOFTWARE 70	/* a bug, here or on the server */
#define CLI_EX_CANTCREAT 73	/* the profile is read-only */
#define CLI_EX_IOERR 74		/* the profile cannot be read or written */
#define CLI_EX_TEMPFAIL 75	/* try again later (rate limited) */
#define CLI_EX_NOPERM 77	/* passphrase, password, server key, login */

/*
 * The terminal UI: runs on loop over cloud c (started, and the caller's
 * to free) until the user quits, showing account_label; an exit status.
 * ui_app_run (ui/app.h) is one.
 */
typedef int cli_tui_fn(uv_loop_t *loop, struct cloud *c,
    const char *account_label);

/*
 * Runs the command line; returns the process's exit status. tui runs
 * when no action is given (NULL: that is a usage error).
 */
int cli_main(int argc, char **argv, cli_tui_fn *tui);

/* The exit status for an ERR_* code; the one place that decides it. */
int cli_exit_code(int err);

#endif
