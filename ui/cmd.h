/*
 * The TUI's / commands as tables: each module that has some (ui/app_cmd.c,
 * ui/secret_ui_cmd.c, ui/privacy_ui.c) lists them in a struct ui_cmd[]
 * ended by an entry whose name is NULL, and the app looks a typed
 * command up in all of them (ui_cmd_find). The argument counts are
 * checked once, here; Tab's words (ui_cmd_words) and the commands' part
 * of the F1 help (ui_cmd_help) are read from the same tables, so a
 * command is named in one place.
 */
#ifndef SOTTO_UI_CMD_H
#define SOTTO_UI_CMD_H

#include <stddef.h>

#define UI_CMD_ANY	(-1)	/* max: any number of arguments */
#define UI_CMD_HELP_COLS	76	/* a help line's columns at most */

struct ui_cmd {
	const char *name;	/* "/msg" */
	const char *alias;	/* another name it answers to, or NULL */
	const char *usage;	/* "/msg PEER", as the help shows it */
	int min, max;		/* words after the name (max: or UI_CMD_ANY) */
	/*
	 * Carries it out: ud is the module's (struct ui_cmd_set), line the
	 * whole input line, w[0..n) its words (w[0] the name as typed).
	 */
	void (*run)(void *ud, const char *line, char **w, size_t n);
	const char *help;	/* said after the usage when the count is off */
};

/* One module's table and what its handlers are given. */
struct ui_cmd_set {
	const struct ui_cmd *cmds;
	void *ud;
};

/*
 * The entry named name (or by its alias) in sets[0..nsets), and its
 * set's ud in *ud; NULL when there is none.
 */
const struct ui_cmd *ui_cmd_find(const struct ui_cmd_set *sets,
    size_t nsets, const char *name, void **ud);

/* 1 when nargs words after the name fit c's counts, else 0. */
int ui_cmd_fits(const struct ui_cmd *c, size_t nargs);

/* What to say when they do not: "usage: help", or the usage alone. */
void ui_cmd_usage(const struct ui_cmd *c, char *buf, size_t size);

/*
 * Tab's words, the commands' names in table order, into v[0..max) with
 * a NULL after them (aliases are not completed). Returns how many.
 */
size_t ui_cmd_words(const struct ui_cmd_set *sets, size_t nsets,
    const char **v, size_t max);

/*
 * The commands' lines of the key help: "Commands (Tab completes):" and
 * every usage in table order, two spaces apart, in lines of at most
 * UI_CMD_HELP_COLS columns (a longer usage takes a line of its own).
 * Writes up to max lines; returns how many.
 */
size_t ui_cmd_help(const struct ui_cmd_set *sets, size_t nsets,
    char lines[][UI_CMD_HELP_COLS + 1], size_t max);

#endif
