/*
 * Transparency for the user (doc/CLI.md, "Export"; doc/DATA.md):
 * --export-my-data pages ExportMyData and writes every row the server
 * holds about the account, and --user me --as VIEWER prints the
 * account's profile as the server answers that viewer (GetProfileAs).
 * client/cmd resolves the PEERs and hands the action over here; the
 * results go to the command's sink.
 */
#ifndef SOTTO_CMD_EXPORT_H
#define SOTTO_CMD_EXPORT_H

#include <stdint.h>

#include "client/cmd.h"
#include "client/engine.h"

/* The viewers of --as; CMD_VIEWER_USER is a PEER. */
enum cmd_viewer {
	CMD_VIEWER_NONE,
	CMD_VIEWER_EVERYBODY,
	CMD_VIEWER_CONTACTS,
	CMD_VIEWER_USER,
};

/* The viewer an --as word names (a PEER when not a keyword). */
enum cmd_viewer cmd_export_viewer(const char *as);

struct cmd_export_ops {
	/* Whether the command still runs (its sink is valid). */
	int (*alive)(void *ud);
	/* Milliseconds left of the command's --timeout. */
	uint64_t (*left_ms)(void *ud);
	/*
	 * The action ended: err 0 and a CMD_EX_* status, or the ERR_* that
	 * stopped it with the server's words (why, may be NULL). Runs
	 * exactly once, never from inside the call that started it.
	 */
	void (*done)(void *ud, int err, const char *why, int status);
};

/*
 * --export-my-data: asks page after page, writing rows to s as text or,
 * with json, one object a line. 0 (ops->done will run) or an ERR_*.
 */
int cmd_export_run(struct engine *e, const struct cmd_sink *s, int json,
    const struct cmd_export_ops *ops, void *ud);

/*
 * --user me --as: the profile the server gives viewer (user_id for
 * CMD_VIEWER_USER; label names the viewer in the output). 0 (ops->done
 * will run) or an ERR_*.
 */
int cmd_export_profile_as(struct engine *e, const struct cmd_sink *s,
    int json, enum cmd_viewer viewer, uint64_t user_id, const char *label,
    const struct cmd_export_ops *ops, void *ud);

#endif
