/*
 * The TUI's settings file: defaults, every key, bad lines reported and
 * skipped while the good ones apply, a missing file, and the path from
 * XDG_CONFIG_HOME or HOME; the [keys] section: key names parsed and
 * shown, bindings replacing the defaults and taking keys from other
 * actions, bad actions and keys named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "tests/unit/tap.h"
#include "ui/settings.h"

static char path[] = "/tmp/sotto-settings-XXXXXX";

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void
test_keys(void)
{
	struct ui_keys k;
	struct ui_settings s;
	char buf[128], bad[64], err[256];
	int a;

	ok(ui_keys_parse("C-n") == 14 && ui_keys_parse("c-N") == 14,
	    "C-n is Ctrl-N in any case");
	ok(ui_keys_parse("M-f") == (UI_KS_ALT | 'f') &&
	    ui_keys_parse("M-F") == (UI_KS_ALT | 'F'), "M-f and M-F differ");
	ok(ui_keys_parse("M-C-x") == (UI_KS_ALT | 24) &&
	    ui_keys_parse("C-M-x") == (UI_KS_ALT | 24), "Alt with Ctrl");
	ok(ui_keys_parse("F2") == UI_KS_F(2) && ui_keys_parse("F12") ==
	    UI_KS_F(12) && ui_keys_parse("f1") == UI_KS_F(1), "F keys");
	ok(ui_keys_parse("PageUp") == UI_KS_PGUP && ui_keys_parse("PgDn") ==
	    UI_KS_PGDN && ui_keys_parse("pageup") == UI_KS_PGUP, "pages");
	ok(ui_keys_parse("Tab") == '\t' && ui_keys_parse("S-Tab") ==
	    UI_KS_BTAB, "Tab, S-Tab");
	ok(ui_keys_parse("Enter") == UI_KS_ENTER && ui_keys_parse("M-Enter")
	    == (UI_KS_ALT | UI_KS_ENTER) && ui_keys_parse("C-m") ==
	    UI_KS_ENTER, "Enter, M-Enter, C-m");
	ok(ui_keys_parse("x") == 'x' && ui_keys_parse("\xc3\xa9") == 0xe9 &&
	    ui_keys_parse("Space") == ' ' && ui_keys_parse("-") == '-' &&
	    ui_keys_parse("M") == 'M', "single characters");
	ok(ui_keys_parse("") == 0 && ui_keys_parse("C-") == 0 &&
	    ui_keys_parse("xy") == 0 && ui_keys_parse("F0") == 0 &&
	    ui_keys_parse("F25") == 0 && ui_keys_parse("C-[") == 0 &&
	    ui_keys_parse("C-@") == 0 && ui_keys_parse("C-F2") == 0 &&
	    ui_keys_parse("S-x") == 0 && ui_keys_parse("\x01") == 0 &&
	    ui_keys_parse("\xff") == 0 && ui_keys_parse("Hyper-x") == 0,
	    "not keys");

	ui_keys_default(&k);
	ok(ui_keys_lookup(&k, '\t') == UI_ACT_NEXT_CHAT &&
	    ui_keys_lookup(&k, 14) == UI_ACT_NEXT_CHAT &&
	    ui_keys_lookup(&k, UI_KS_BTAB) == UI_ACT_PREV_CHAT &&
	    ui_keys_lookup(&k, UI_KS_PGUP) == UI_ACT_PAGE_UP &&
	    ui_keys_lookup(&k, UI_KS_ENTER) == UI_ACT_SEND &&
	    ui_keys_lookup(&k, UI_KS_ALT | UI_KS_ENTER) == UI_ACT_NEWLINE &&
	    ui_keys_lookup(&k, 6) == UI_ACT_SEARCH &&
	    ui_keys_lookup(&k, UI_KS_F(1)) == UI_ACT_HELP &&
	    ui_keys_lookup(&k, 12) == UI_ACT_REDRAW &&
	    ui_keys_lookup(&k, UI_KS_F(10)) == UI_ACT_QUIT &&
	    ui_keys_lookup(&k, 'a') == UI_ACT_NONE, "the default keys");
	for (a = UI_ACT_NONE + 1; a < UI_ACT_COUNT; a++)
		if (ui_keys_action_by_name(ui_keys_action_name(
		    (enum ui_action)a)) != (enum ui_action)a)
			break;
	ok(a == UI_ACT_COUNT && ui_keys_action_name(UI_ACT_NONE) == NULL,
	    "every action has a name");
	ui_keys_describe(&k, UI_ACT_NEXT_CHAT, buf, sizeof(buf));
	ok(strcmp(buf, "Tab, Ctrl-N") == 0, "shown: %s", buf);
	ui_keys_describe(&k, UI_ACT_QUIT, buf, sizeof(buf));
	ok(strcmp(buf, "Ctrl-C, Ctrl-Q, F10") == 0, "shown: %s", buf);
	ui_keys_describe(&k, UI_ACT_NEWLINE, buf, sizeof(buf));
	ok(strcmp(buf, "Alt-Enter") == 0, "shown: %s", buf);

	is_int(ui_keys_bind(&k, "next_chat", "C-o", bad, sizeof(bad)), 0,
	    "next_chat = C-o");
	ok(ui_keys_lookup(&k, 15) == UI_ACT_NEXT_CHAT &&
	    ui_keys_lookup(&k, '\t') == UI_ACT_NONE &&
	    ui_keys_lookup(&k, 14) == UI_ACT_NONE,
	    "the binding replaces the defaults");
	ok(ui_keys_default_key('\t') && ui_keys_default_key(14) &&
	    !ui_keys_default_key(15), "Tab and C-n were default keys");
	is_int(ui_keys_bind(&k, "prev_chat", "  M-p   C-n F3 ", bad,
	    sizeof(bad)), 0, "several keys, spaces around");
	ui_keys_describe(&k, UI_ACT_PREV_CHAT, buf, sizeof(buf));
	ok(strcmp(buf, "Alt-p, Ctrl-N, F3") == 0, "shown: %s", buf);
	is_int(ui_keys_bind(&k, "search", "F3", bad, sizeof(bad)), 0,
	    "search = F3");
	ok(ui_keys_lookup(&k, UI_KS_F(3)) == UI_ACT_SEARCH,
	    "the last line to name a key wins it");
	ui_keys_describe(&k, UI_ACT_PREV_CHAT, buf, sizeof(buf));
	ok(strcmp(buf, "Alt-p, Ctrl-N") == 0, "and it left prev_chat: %s",
	    buf);
	is_int(ui_keys_bind(&k, "quit", "none", bad, sizeof(bad)), 0,
	    "quit = none");
	ui_keys_describe(&k, UI_ACT_QUIT, buf, sizeof(buf));
	ok(strcmp(buf, "(none)") == 0 && ui_keys_lookup(&k, 3) ==
	    UI_ACT_NONE, "unbound: %s", buf);
	is_int(ui_keys_bind(&k, "next_chats", "C-x", bad, sizeof(bad)), -1,
	    "an unknown action");
	is_int(ui_keys_bind(&k, "send", "C-s Hyper-x", bad, sizeof(bad)),
	    -2, "a key that does not parse");
	ok(strcmp(bad, "Hyper-x") == 0 && ui_keys_lookup(&k, UI_KS_ENTER) ==
	    UI_ACT_SEND && ui_keys_lookup(&k, 19) == UI_ACT_NONE,
	    "is named, and nothing changed");
	is_int(ui_keys_bind(&k, "send", "", bad, sizeof(bad)), -2,
	    "an empty value");
	is_int(ui_keys_bind(&k, "send", "a b c d e", bad, sizeof(bad)), -3,
	    "too many keys");
	ui_keys_describe(&k, UI_ACT_SEND, buf, sizeof(buf));
	ok(strcmp(buf, "Enter") == 0, "send kept Enter: %s", buf);

	ui_settings_default(&s);
	write_file("[keys]\nnext_chat = C-o\nnext_chats = C-x\n"
	    "newline = Enter\nsend = C-s\nsearch = Hyper-s\n[ui]\n"
	    "bell = no\n");
	is_int(ui_settings_load(path, &s, err, sizeof(err)), ERR_INVAL,
	    "a [keys] section with bad lines");
	ok(strstr(err, "[keys] next_chats = C-x") != NULL &&
	    strstr(err, "no such action") != NULL,
	    "the first bad line is named: %s", err);
	ok(ui_keys_lookup(&s.keys, 15) == UI_ACT_NEXT_CHAT &&
	    ui_keys_lookup(&s.keys, UI_KS_ENTER) == UI_ACT_NEWLINE &&
	    ui_keys_lookup(&s.keys, 19) == UI_ACT_SEND &&
	    ui_keys_lookup(&s.keys, 6) == UI_ACT_SEARCH && s.bell == 0,
	    "the good lines apply, the bad search line is skipped");
	ui_settings_default(&s);
	write_file("[keys]\nsearch = C-f F9 Hyper-s\n");
	is_int(ui_settings_load(path, &s, err, sizeof(err)), ERR_INVAL,
	    "a bad key");
	ok(strstr(err, "search = C-f F9 Hyper-s") != NULL &&
	    strstr(err, "not a key: Hyper-s") != NULL, "named: %s", err);
}

int
main(void)
{
	struct ui_settings s;
	char err[256], buf[64];
	int fd, r;

	if ((fd = mkstemp(path)) < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);

	ui_settings_default(&s);
	ok(s.bell == 1 && s.colors == 1, "defaults: bell on, colours");
	ok(strcmp(s.time_format, "%H:%M") == 0, "default time format");
	ok(s.notify[0] == '\0' && s.fg[UI_ST_SENDER] == -2,
	    "no notify command, built-in colours");

	write_file("; comment\n[ui]\nbell = no\ntheme = mono\n"
	    "time_format = %I:%M %p\n[colors]\nsender = red\nself = default\n"
	    "[notify]\ncommand = notify-send sotto \"$1\"\n");
	r = ui_settings_load(path, &s, err, sizeof(err));
	is_int(r, 0, "a good file loads");
	ok(s.bell == 0 && s.colors == 0, "bell off, mono");
	ok(strcmp(s.time_format, "%I:%M %p") == 0, "time format");
	ok(s.fg[UI_ST_SENDER] == 1 && s.fg[UI_ST_SELF] == -1,
	    "sender red, self the terminal's default");
	ok(strcmp(s.notify, "notify-send sotto \"$1\"") == 0,
	    "notify command");

	ui_settings_default(&s);
	write_file("[ui]\nbell = maybe\ntheme = mono\n[colors]\nsender = "
	    "chartreuse\n[nowhere]\nx = 1\n[ui]\ntime_format = %H\x01\n");
	r = ui_settings_load(path, &s, err, sizeof(err));
	is_int(r, ERR_INVAL, "bad values are reported");
	ok(strstr(err, "bell") != NULL, "the first bad line is named: %s", err);
	ok(s.bell == 1 && s.colors == 0, "bad bell skipped, theme applied");
	ok(s.fg[UI_ST_SENDER] == -2, "unknown colour skipped");
	ok(strcmp(s.time_format, "%H:%M") == 0,
	    "a time format with a control character is refused");

	/* Found by fuzz_settings: strftime's %n and %t are controls too. */
	ui_settings_default(&s);
	write_file("[ui]\ntime_format = %H%n%M\n");
	r = ui_settings_load(path, &s, err, sizeof(err));
	is_int(r, ERR_INVAL, "a time format with %%n is reported");
	ok(strcmp(s.time_format, "%H:%M") == 0, "and refused: %s",
	    s.time_format);
	ui_settings_default(&s);
	write_file("[ui]\ntime_format = %H%_3t%M\n");
	r = ui_settings_load(path, &s, err, sizeof(err));
	ok(r == ERR_INVAL && strcmp(s.time_format, "%H:%M") == 0,
	    "a time format with a padded %%t is refused");
	ui_settings_default(&s);
	write_file("[ui]\ntime_format = %%n %H:%M %Ey\n");
	r = ui_settings_load(path, &s, err, sizeof(err));
	ok(r == 0 && strcmp(s.time_format, "%%n %H:%M %Ey") == 0,
	    "a literal %%%%n is kept");

	ui_settings_default(&s);
	write_file("not an ini line\n[ui]\nbell = off\n");
	r = ui_settings_load(path, &s, err, sizeof(err));
	is_int(r, ERR_INVAL, "a line that is not INI is reported");
	ok(s.bell == 0, "and the rest still applies");

	test_keys();

	unlink(path);
	ui_settings_default(&s);
	is_int(ui_settings_load(path, &s, err, sizeof(err)), 0,
	    "a missing file is not an error");
	ok(s.bell == 1, "defaults stand");

	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	is_int(ui_settings_path(buf, sizeof(buf)), 0, "path from XDG");
	ok(strcmp(buf, "/x/cfg/sotto/config") == 0, "XDG path: %s", buf);
	setenv("XDG_CONFIG_HOME", "relative", 1);
	setenv("HOME", "/home/u", 1);
	is_int(ui_settings_path(buf, sizeof(buf)), 0, "path from HOME");
	ok(strcmp(buf, "/home/u/.config/sotto/config") == 0,
	    "a relative XDG_CONFIG_HOME is ignored: %s", buf);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	is_int(ui_settings_path(buf, sizeof(buf)), ERR_NOT_FOUND,
	    "neither set");
	return tap_done();
}
