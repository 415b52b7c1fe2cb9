/*
 * The TUI's settings file: defaults, every key, bad lines reported and
 * skipped while the good ones apply, a missing file, and the path from
 * XDG_CONFIG_HOME or HOME.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/err.h"
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

	ui_settings_default(&s);
	write_file("not an ini line\n[ui]\nbell = off\n");
	r = ui_settings_load(path, &s, err, sizeof(err));
	is_int(r, ERR_INVAL, "a line that is not INI is reported");
	ok(s.bell == 0, "and the rest still applies");

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
