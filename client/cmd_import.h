/*
 * --import-contacts FILE (doc/CLI.md, "Contact import"): an address book
 * of one +number a line is read and checked before anything is sent
 * (every bad line named by its number), then sent to the server in
 * pieces of 100 (ImportContacts, doc/PROTOCOL.md). The answer says, for
 * each number, whether it belongs to somebody on Sotto who lets this
 * account find them by phone; a number the server's daily cap stopped
 * is reported as not checked, and the command exits 75.
 */
#ifndef SOTTO_CMD_IMPORT_H
#define SOTTO_CMD_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "client/cloud.h"
#include "client/cmd.h"

#define CMD_IMPORT_FILE_MAX (1024 * 1024)	/* bytes of FILE */
#define CMD_IMPORT_NUMBERS_MAX 10000		/* numbers in FILE */
#define CMD_IMPORT_PIECE 100			/* numbers per request */

/*
 * Reads FILE (at most CMD_IMPORT_FILE_MAX bytes) into *out (NUL-ended,
 * the caller frees it). Returns 0 or an exit status after saying why.
 */
int cmd_import_read(const char *path, char **out, const struct cmd_sink *s);

/* One number of the file: its text ("+" and digits) and its line. */
struct cmd_import_num {
	char phone[17];
	size_t line;
};

/*
 * Parses text (the contents of the file named name): one number a line,
 * "+" and 7 to 15 digits, spaces, dashes, dots and parentheses between
 * them allowed; '#' starts a comment; blank lines are skipped; a number
 * given twice counts once. Every bad line is named ("FILE:LINE: ...").
 * On success *out (n entries, malloc()ed) holds the numbers in order.
 * Returns 0 or CMD_EX_DATAERR / CMD_EX_SOFTWARE after saying why.
 */
int cmd_import_parse(const char *text, const char *name,
    struct cmd_import_num **out, size_t *n, const struct cmd_sink *s);

/*
 * cmd_check()'s part: parses o->import_text (NULL: not read) as
 * cmd_import_parse does. Returns 0 or an exit status after saying why.
 */
int cmd_import_check(const struct cmd_opts *o, const struct cmd_sink *s);

struct cmd_import_ops {
	int (*alive)(void *ud);			/* the sink is still valid */
	void (*done)(void *ud, int status);	/* once, never inside act */
};

/*
 * Imports o->import_text (already checked) on c, writing one line per
 * number to s (a JSON object with o->json). Returns 0 (ops->done will
 * run) or an ERR_*, and ops->done never runs.
 */
int cmd_import_act(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, uint64_t timeout_ms,
    const struct cmd_import_ops *ops, void *ud);

#endif
