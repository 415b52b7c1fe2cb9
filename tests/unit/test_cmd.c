/*
 * The command line's parsing and local checks (client/cmd, client/cloud,
 * client/json): what is refused before anything is queued, and with which
 * exit status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cloud.h"
#include "client/cmd.h"
#include "client/cmd_import.h"
#include "client/json.h"
#include "lib/err.h"
#include "tests/unit/tap.h"

static char errbuf[4096];

static void
sink_out(void *ud, const char *line)
{
	(void)ud;
	(void)line;
}

static void
sink_err(void *ud, const char *line)
{
	size_t n = strlen(errbuf);

	(void)ud;
	/* Every line of a parse, one after the other. */
	snprintf(errbuf + n, sizeof(errbuf) - n, "%s%s", n > 0 ? "\n" : "",
	    line);
}

static const struct cmd_sink sink = { sink_out, sink_err, NULL };

/* Parses a NULL-terminated word list; returns the status. */
static int
parse(struct cmd_opts *o, const char *first, ...)
{
	char *argv[64];
	const char *w;
	va_list ap;
	int argc = 0;

	argv[argc++] = (char *)"sotto";
	va_start(ap, first);
	for (w = first; w != NULL && argc < 63; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	errbuf[0] = '\0';
	return cmd_parse(argc, argv, o, &sink);
}

static void
test_parse(void)
{
	struct cmd_opts o;

	is_int(parse(&o, "-t", "@bob", "-m", "hi", NULL), 0, "-t -m parses");
	is_int(o.action, CMD_SEND, "as a send");
	ok(strcmp(o.to, "@bob") == 0 && strcmp(o.message, "hi") == 0,
	    "with its peer and text");
	is_int(parse(&o, "--to", "me", "--message", "x", "--reply-to", "7",
	    NULL), 0, "long forms and --reply-to");
	is_int(o.reply_to, 7, "reply_to kept");
	is_int(parse(&o, "-m", "hi", NULL), CMD_EX_USAGE, "-m alone is 64");
	is_int(parse(&o, "-t", "@bob", NULL), CMD_EX_USAGE, "-t alone is 64");
	is_int(parse(&o, "--reply-to", "3", "--list-chats", NULL),
	    CMD_EX_USAGE, "--reply-to without a send is 64");
	is_int(parse(&o, "--reply-to", "0", "-t", "me", "-m", "x", NULL),
	    CMD_EX_USAGE, "--reply-to 0 is 64");
	is_int(parse(&o, "--history", "@bob", "--limit", "5", NULL), 0,
	    "--history with --limit");
	ok(o.action == CMD_HISTORY && o.limit == 5 &&
	    strcmp(o.peer, "@bob") == 0, "history fields");
	is_int(parse(&o, "--limit", "5", "--list-chats", NULL), CMD_EX_USAGE,
	    "--limit without --history is 64");
	is_int(parse(&o, "--list-chats", "--contacts", NULL), CMD_EX_USAGE,
	    "two actions are 64");
	ok(strstr(errbuf, "one action") != NULL, "and say so");
	is_int(parse(&o, "--add-member", "12", "@carol", NULL), 0,
	    "--add-member GROUP PEER");
	ok(o.action == CMD_ADD_MEMBER && strcmp(o.group, "12") == 0 &&
	    strcmp(o.peer, "@carol") == 0, "both arguments kept");
	is_int(parse(&o, "--add-member", "12", NULL), CMD_EX_USAGE,
	    "--add-member with one argument is 64");
	is_int(parse(&o, "--rename-group", "12", "New title", NULL), 0,
	    "--rename-group GROUP TITLE");
	ok(strcmp(o.title, "New title") == 0, "title kept");
	is_int(parse(&o, "--create-group", "T", NULL), CMD_EX_USAGE,
	    "--create-group without --members is 64");
	is_int(parse(&o, "--members", "@a", "--list-chats", NULL),
	    CMD_EX_USAGE, "--members without --create-group is 64");
	is_int(parse(&o, "--edit", "5", "-t", "@bob", "-m", "new", NULL), 0,
	    "--edit ID -t -m");
	ok(o.action == CMD_EDIT && o.edit_id == 5, "edit fields");
	is_int(parse(&o, "--edit", "5", "-t", "@bob", NULL), CMD_EX_USAGE,
	    "--edit without -m is 64");
	is_int(parse(&o, "--delete", "5,6", "-t", "@bob", "--for-everyone",
	    NULL), 0, "--delete IDS -t --for-everyone");
	ok(o.action == CMD_DELETE && o.for_everyone, "delete fields");
	is_int(parse(&o, "--delete", "5", "-t", "@bob", "-m", "x", NULL),
	    CMD_EX_USAGE, "--delete with -m is 64");
	is_int(parse(&o, "--for-everyone", "--list-chats", NULL),
	    CMD_EX_USAGE, "--for-everyone alone is 64");
	is_int(parse(&o, "--list-chat", NULL), CMD_EX_USAGE,
	    "an abbreviated option is 64");
	is_int(parse(&o, "--listen", "stray", NULL), CMD_EX_USAGE,
	    "a stray argument is 64");
	/* Found by fuzz_ctl: an error quoting an argument printed it raw. */
	is_int(parse(&o, "--se\x1b]0;owned\x07\x7fret", NULL), CMD_EX_USAGE,
	    "an unknown option with escapes is 64");
	ok(strstr(errbuf, "unknown option") != NULL &&
	    strchr(errbuf, '\x1b') == NULL && strchr(errbuf, '\x07') == NULL &&
	    strchr(errbuf, '\x7f') == NULL, "and is quoted without them: %s",
	    errbuf);
	/* Parsing twice in one process (the control socket does). */
	is_int(parse(&o, "--listen", NULL), 0, "parses again after errors");
	is_int(o.action, CMD_LISTEN, "--listen");
	ok(cmd_is_chat(CMD_SEND) && !cmd_is_chat(CMD_WHOAMI) &&
	    !cmd_is_chat(CMD_LOGIN), "chat actions are told from account ones");
}

static void
test_check(void)
{
	struct cmd_opts o;
	char *big;

	memset(&o, 0, sizeof(o));
	o.action = CMD_SEND;
	o.to = "@bob";
	o.message = "";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "empty text is 65");
	o.message = "bad \xff utf-8";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "invalid UTF-8 is 65");
	o.message = "\xed\xa0\x80";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a surrogate is 65");
	o.message = "\xc0\xaf";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "an overlong form is 65");
	big = malloc(4098 * 2);
	memset(big, 'y', 4097);
	big[4097] = '\0';
	o.message = big;
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "4097 characters are 65");
	big[4096] = '\0';
	is_int(cmd_check(&o, &sink), 0, "4096 characters are fine");
	/* 4096 two-byte characters: the limit counts code points. */
	memset(big, 0, 4098 * 2);
	for (int i = 0; i < 4096; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	is_int(cmd_check(&o, &sink), 0, "4096 two-byte characters are fine");
	free(big);
	o.message = "ok";
	o.to = "bob";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a peer without @ is 65");
	o.to = "@";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a bare @ is 65");
	o.to = "+12";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a short phone is 65");
	o.to = "+4915112345678";
	is_int(cmd_check(&o, &sink), 0, "a phone number is a peer");
	o.to = "012";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a chat id with a "
	    "leading zero is 65");
	o.to = "12";
	is_int(cmd_check(&o, &sink), 0, "a chat id is a peer");
	o.to = "me";
	is_int(cmd_check(&o, &sink), 0, "me is a peer");

	memset(&o, 0, sizeof(o));
	o.action = CMD_CREATE_GROUP;
	o.title = "T";
	o.members = "@a,,@b";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "an empty member is 65");
	o.members = "@a,bob";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a malformed member is "
	    "65");
	o.members = "@a,@b";
	is_int(cmd_check(&o, &sink), 0, "members @a,@b");
	o.title = "";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "an empty title is 65");

	memset(&o, 0, sizeof(o));
	o.action = CMD_DELETE;
	o.to = "@bob";
	o.delete_ids = "1,x";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a bad id is 65");
	o.delete_ids = "1,2,3";
	is_int(cmd_check(&o, &sink), 0, "ids 1,2,3");
	o.group = "abc";
	is_int(cmd_check(&o, &sink), CMD_EX_DATAERR, "a group that is no id "
	    "is 65");
}

static void
test_text(void)
{
	char *s;

	is_int(cloud_text_check("a\0b", 3), ERR_INVAL, "a NUL inside is "
	    "refused");
	is_int(cloud_text_check("\xf4\x90\x80\x80", 4), ERR_INVAL,
	    "above U+10FFFF is refused");
	is_int(cloud_text_check("\xf0\x9f\x91\x8b", 4), 0, "an emoji is fine");
	s = json_sanitize_text("line\none\t\x1b[31mred\xe2\x80\xaeX", 22);
	ok(s != NULL && strcmp(s, "line\none\t[31mredX") == 0,
	    "message text keeps newlines and tabs, loses ESC and bidi "
	    "overrides");
	free(s);
	s = json_sanitize("a\nb", 3);
	ok(s != NULL && strcmp(s, "ab") == 0, "names lose newlines");
	free(s);
}

/* Each of U+2028, U+2029 and the Bidi_Control set, as UTF-8. */
static const char *const hidden[] = {
	"\xe2\x80\xa8", "\xe2\x80\xa9", "\xd8\x9c", "\xe2\x80\x8e",
	"\xe2\x80\x8f", "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
	"\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7",
	"\xe2\x81\xa8", "\xe2\x81\xa9",
};

static void
test_hidden(void)
{
	char in[16], *s, *t;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		snprintf(in, sizeof(in), "a%sb", hidden[i]);
		s = json_sanitize(in, strlen(in));
		t = json_sanitize_text(in, strlen(in));
		if (s == NULL || strcmp(s, "ab") != 0 || t == NULL ||
		    (strcmp(t, "ab") != 0 && (i >= 2 ||
		    strcmp(t, "a\nb") != 0))) {
			printf("# entry %zu kept (%zu, %zu bytes)\n", i,
			    s != NULL ? strlen(s) : 0, t != NULL ? strlen(t) : 0);
			bad++;
		}
		free(s);
		free(t);
	}
	is_int(bad, 0, "names and text lose U+2028, U+2029 and every "
	    "Bidi_Control code point");
	s = json_sanitize_text("one\xe2\x80\xa8two\xe2\x80\xa9three", 17);
	ok(s != NULL && strcmp(s, "one\ntwo\nthree") == 0,
	    "in message text the separators are line breaks, as in the TUI");
	free(s);
	s = json_sanitize("\xd8\xa7\xd9\x84\xe2\x80\x8b", 7);
	ok(s != NULL && strcmp(s, "\xd8\xa7\xd9\x84\xe2\x80\x8b") == 0,
	    "Arabic letters and other format characters stay");
	free(s);
}

/* --import-contacts FILE: what a line may hold, and the line named. */
static void
test_import(void)
{
	struct cmd_import_num *v = NULL;
	size_t n = 0;

	is_int(cmd_import_parse("# friends\n\n+1 (555) 010-0\n"
	    "+15550100 # again\n  +442071838750\r\n", "book", &v, &n, &sink),
	    0, "comments, blank lines, separators and CRLF are fine");
	is_int((int)n, 2, "a number given twice counts once");
	ok(n == 2 && strcmp(v[0].phone, "+15550100") == 0 && v[0].line == 3 &&
	    strcmp(v[1].phone, "+442071838750") == 0 && v[1].line == 5,
	    "the numbers, without separators, with their lines");
	free(v);
	is_int(cmd_import_parse("+15550100\n15550101\n", "book", &v, &n,
	    &sink), CMD_EX_DATAERR, "a number without + is 65");
	ok(strstr(errbuf, "book:2:") != NULL, "naming its line (%s)", errbuf);
	is_int(cmd_import_parse("+155501\n", "b", &v, &n, &sink),
	    CMD_EX_DATAERR, "six digits are too few");
	is_int(cmd_import_parse("+1234567890123456\n", "b", &v, &n, &sink),
	    CMD_EX_DATAERR, "sixteen digits are too many");
	is_int(cmd_import_parse("+1555+0100\n", "b", &v, &n, &sink),
	    CMD_EX_DATAERR, "a second + is refused");
	is_int(cmd_import_parse("-+15550100\n", "b", &v, &n, &sink),
	    CMD_EX_DATAERR, "a separator before the + is refused");
	is_int(cmd_import_parse("# nothing\n\n", "empty", &v, &n, &sink),
	    CMD_EX_DATAERR, "a file without numbers is 65");
	ok(strstr(errbuf, "holds no phone numbers") != NULL, "and says so");
}

int
main(void)
{
	test_parse();
	test_check();
	test_text();
	test_hidden();
	test_import();
	return tap_done();
}
