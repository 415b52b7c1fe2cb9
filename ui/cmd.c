/*
 * See ui/cmd.h: the / command tables looked up, checked and listed.
 * Usages are constant ASCII text, so a byte is a column here.
 */
#include "config.h"

#include "ui/cmd.h"

#include <stdio.h>
#include <string.h>

const struct ui_cmd *
ui_cmd_find(const struct ui_cmd_set *sets, size_t nsets, const char *name,
    void **ud)
{
	const struct ui_cmd *c;
	size_t i;

	for (i = 0; i < nsets; i++)
		for (c = sets[i].cmds; c != NULL && c->name != NULL; c++)
			if (strcmp(c->name, name) == 0 || (c->alias != NULL &&
			    strcmp(c->alias, name) == 0)) {
				*ud = sets[i].ud;
				return c;
			}
	return NULL;
}

int
ui_cmd_fits(const struct ui_cmd *c, size_t nargs)
{
	return nargs >= (size_t)c->min && (c->max == UI_CMD_ANY ||
	    nargs <= (size_t)c->max);
}

void
ui_cmd_usage(const struct ui_cmd *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", c->usage, c->help != NULL ? ": " : "",
	    c->help != NULL ? c->help : "");
}

size_t
ui_cmd_words(const struct ui_cmd_set *sets, size_t nsets, const char **v,
    size_t max)
{
	const struct ui_cmd *c;
	size_t i, n = 0;

	if (max == 0)
		return 0;
	for (i = 0; i < nsets; i++)
		for (c = sets[i].cmds; c != NULL && c->name != NULL &&
		    n + 1 < max; c++)
			v[n++] = c->name;
	v[n] = NULL;
	return n;
}

size_t
ui_cmd_help(const struct ui_cmd_set *sets, size_t nsets,
    char lines[][UI_CMD_HELP_COLS + 1], size_t max)
{
	const struct ui_cmd *c;
	const char *sep;
	size_t i, n = 0, used;

	if (max == 0)
		return 0;
	snprintf(lines[0], sizeof(lines[0]), "Commands (Tab completes):");
	for (i = 0; i < nsets; i++)
		for (c = sets[i].cmds; c != NULL && c->name != NULL; c++) {
			used = strlen(lines[n]);
			sep = lines[n][used - 1] == ':' ? " " : "  ";
			if (used + strlen(sep) + strlen(c->usage) >
			    UI_CMD_HELP_COLS) {
				/* The next line, indented by two. */
				if (++n == max)
					return n;
				snprintf(lines[n], sizeof(lines[n]), "  ");
				used = 2;
				sep = "";
			}
			snprintf(lines[n] + used, sizeof(lines[n]) - used,
			    "%s%s", sep, c->usage);
		}
	return n + 1;
}
