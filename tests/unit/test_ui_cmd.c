/*
 * The TUI's / command tables (ui/cmd.h): a command is found by its name
 * or its alias in any module's table, its argument counts are checked
 * there, and Tab's words and the help's lines are made from the tables.
 */
#include <string.h>

#include "tests/unit/tap.h"
#include "ui/cmd.h"

static int ran;
static void *ran_ud;

static void
run(void *ud, const char *line, char **w, size_t n)
{
	(void)line;
	(void)w;
	(void)n;
	ran++;
	ran_ud = ud;
}

static const struct ui_cmd one[] = {
	{ "/help", NULL, "/help", 0, UI_CMD_ANY, run, NULL },
	{ "/msg", NULL, "/msg PEER", 1, 1, run, "@username or +phone" },
	{ "/group", NULL, "/group create TITLE @a @b | add PEER | remove "
	    "PEER | leave | rename TITLE", 1, UI_CMD_ANY, run, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct ui_cmd two[] = {
	{ "/close", "/secret-close", "/close", 0, 0, run, NULL },
	{ "/ttl", NULL, "/ttl off|5s|1m|1h|1d|1w", 1, 1, run, NULL },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

static int ud_one, ud_two;
static const struct ui_cmd_set sets[] = { { one, &ud_one }, { two, &ud_two } };

static void
find(void)
{
	const struct ui_cmd *c;
	void *ud = NULL;

	c = ui_cmd_find(sets, 2, "/msg", &ud);
	ok(c == &one[1] && ud == &ud_one, "a command of the first table");
	c = ui_cmd_find(sets, 2, "/ttl", &ud);
	ok(c == &two[1] && ud == &ud_two, "one of the second, with its ud");
	c = ui_cmd_find(sets, 2, "/secret-close", &ud);
	ok(c == &two[0], "an alias finds its command");
	ok(ui_cmd_find(sets, 2, "/frobnicate", &ud) == NULL,
	    "an unknown command is not found");
	ok(ui_cmd_find(sets, 2, "/ms", &ud) == NULL,
	    "nor is a prefix of one");
	c->run(ud, "/secret-close", NULL, 1);
	ok(ran == 1 && ran_ud == &ud_two, "its handler gets its set's ud");
}

static void
counts(void)
{
	char buf[128];

	ok(ui_cmd_fits(&one[0], 0) && ui_cmd_fits(&one[0], 9),
	    "any count fits UI_CMD_ANY");
	ok(!ui_cmd_fits(&one[1], 0) && ui_cmd_fits(&one[1], 1) &&
	    !ui_cmd_fits(&one[1], 2), "/msg takes exactly one");
	ok(!ui_cmd_fits(&one[2], 0) && ui_cmd_fits(&one[2], 5),
	    "/group takes one or more");
	ui_cmd_usage(&one[1], buf, sizeof(buf));
	ok(strcmp(buf, "/msg PEER: @username or +phone") == 0,
	    "the usage and the short help (%s)", buf);
	ui_cmd_usage(&two[1], buf, sizeof(buf));
	ok(strcmp(buf, "/ttl off|5s|1m|1h|1d|1w") == 0,
	    "the usage alone without one (%s)", buf);
}

static void
words(void)
{
	const char *v[8], *few[3];

	is_int(ui_cmd_words(sets, 2, v, 8), 5, "five names");
	ok(strcmp(v[0], "/help") == 0 && strcmp(v[3], "/close") == 0 &&
	    strcmp(v[4], "/ttl") == 0 && v[5] == NULL,
	    "in table order, NULL after them, no alias");
	is_int(ui_cmd_words(sets, 2, few, 3), 2, "a short array takes two");
	ok(few[2] == NULL, "and still ends in NULL");
}

static void
help(void)
{
	char lines[8][UI_CMD_HELP_COLS + 1];
	size_t n, i;

	n = ui_cmd_help(sets, 2, lines, 8);
	is_int(n, 3, "three lines");
	ok(strcmp(lines[0], "Commands (Tab completes): /help  /msg PEER") ==
	    0, "the header, then the usages two spaces apart (%s)", lines[0]);
	ok(strncmp(lines[1], "  /group create", 15) == 0,
	    "a usage that does not fit goes to the next line, indented");
	ok(strcmp(lines[2], "  /close  /ttl off|5s|1m|1h|1d|1w") == 0,
	    "the next table goes on where the last left off (%s)", lines[2]);
	for (i = 0; i < n; i++)
		ok(strlen(lines[i]) <= UI_CMD_HELP_COLS, "line %zu fits", i);
	is_int(ui_cmd_help(sets, 2, lines, 2), 2, "at most max lines");
}

int
main(void)
{
	find();
	counts();
	words();
	help();
	return tap_done();
}
