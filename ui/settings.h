/*
 * The TUI's settings, read from $XDG_CONFIG_HOME/sotto/config (or
 * ~/.config/sotto/config), an INI file parsed with libinih. See
 * doc/config.example for every key. A missing file is not an error: the
 * defaults stand. No curses here: colours are named, ui/draw.c maps them.
 */
#ifndef SOTTO_UI_SETTINGS_H
#define SOTTO_UI_SETTINGS_H

#include <stddef.h>

#include "ui/keys.h"
#include "ui/view.h"

#define UI_SETTINGS_TIMEFMT_MAX	32
#define UI_SETTINGS_NOTIFY_MAX	1024

/* A colour: -1 is the terminal's default, 0..7 the ANSI colours. */
struct ui_settings {
	int bell;			/* ring for messages in other chats */
	int colors;			/* 0: monochrome (theme = mono) */
	short fg[UI_ST_COUNT];		/* per style; -2: the theme's own */
	char time_format[UI_SETTINGS_TIMEFMT_MAX];	/* strftime, e.g. %H:%M */
	char notify[UI_SETTINGS_NOTIFY_MAX];	/* shell command; "" none */
	struct ui_keys keys;		/* [keys]: see ui/keys.h */
};

/*
 * Fills *cfg with the defaults: bell on, colours, %H:%M, no command, the
 * default keys.
 */
void ui_settings_default(struct ui_settings *cfg);

/*
 * The config file's path in buf (size bytes): $XDG_CONFIG_HOME/sotto/config
 * or $HOME/.config/sotto/config. Returns 0, ERR_NOT_FOUND (neither set)
 * or ERR_TOO_BIG.
 */
int ui_settings_path(char *buf, size_t size);

/*
 * Reads path over *cfg (defaults first: call ui_settings_default). Returns
 * 0 (also when the file does not exist), or ERR_INVAL with the first bad
 * line described in err (size bytes); every good line still applies.
 */
int ui_settings_load(const char *path, struct ui_settings *cfg, char *err,
    size_t size);

#endif
