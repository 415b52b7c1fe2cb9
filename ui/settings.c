/*
 * The file is the user's own, so a bad line is reported (with its line
 * number) and skipped rather than refused whole: a typo in one colour
 * should not cost the bell setting below it.
 */
#include "config.h"

#include "ui/settings.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/err.h"

struct cfg_parse {
	struct ui_settings *cfg;
	char *err;
	size_t size;
	int bad;
};

static const char *const cfg_colors[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

/* Config names of the styles whose colour may be set. */
static const struct {
	const char *name;
	enum ui_style st;
} cfg_styles[] = {
	{ "text", UI_ST_TEXT }, { "dim", UI_ST_DIM }, { "title", UI_ST_TITLE },
	{ "sender", UI_ST_SENDER }, { "self", UI_ST_SELF },
	{ "service", UI_ST_SERVICE }, { "quote", UI_ST_QUOTE },
	{ "date", UI_ST_DATE }, { "unread", UI_ST_UNREAD },
	{ "mark", UI_ST_MARK }, { "status", UI_ST_STATUS },
	{ "error", UI_ST_ERROR },
};

void
ui_settings_default(struct ui_settings *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->bell = 1;
	cfg->colors = 1;
	for (i = 0; i < UI_ST_COUNT; i++)
		cfg->fg[i] = -2;
	snprintf(cfg->time_format, sizeof(cfg->time_format), "%%H:%%M");
	ui_keys_default(&cfg->keys);
}

int
ui_settings_path(char *buf, size_t size)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	int n;

	if (x != NULL && x[0] == '/')
		n = snprintf(buf, size, "%s/sotto/config", x);
	else if (h != NULL && h[0] != '\0')
		n = snprintf(buf, size, "%s/.config/sotto/config", h);
	else
		return ERR_NOT_FOUND;
	return n < 0 || (size_t)n >= size ? ERR_TOO_BIG : 0;
}

/* 1 or 0 for a yes/no word; -1 for anything else. */
static int
cfg_bool(const char *v)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Only printable ASCII and UTF-8 lead/continuation bytes: no controls. */
static int
cfg_printable(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

/*
 * A strftime format whose every expansion is printable too: %n and %t
 * (with any flags, width or E/O modifier between) give a line break and
 * a tab, which would reach the terminal inside a message line.
 */
static int
cfg_time_format(const char *v)
{
	if (v[0] == '\0' || !cfg_printable(v))
		return 0;
	for (; *v != '\0'; v++) {
		if (*v != '%')
			continue;
		v++;
		while (*v != '\0' && strchr("_-0^#", *v) != NULL)
			v++;
		while (*v >= '0' && *v <= '9')
			v++;
		if (*v == 'E' || *v == 'O')
			v++;
		if (*v == 'n' || *v == 't')
			return 0;
		if (*v == '\0')
			break;
	}
	return 1;
}

static int
cfg_color(const char *v, short *out)
{
	size_t i;

	if (strcasecmp(v, "default") == 0) {
		*out = -1;
		return 0;
	}
	for (i = 0; i < sizeof(cfg_colors) / sizeof(cfg_colors[0]); i++)
		if (strcasecmp(v, cfg_colors[i]) == 0) {
			*out = (short)i;
			return 0;
		}
	return -1;
}

static int
cfg_set(struct ui_settings *cfg, const char *sec, const char *key,
    const char *v)
{
	size_t i;
	int b;

	if (strcasecmp(sec, "ui") == 0) {
		if (strcasecmp(key, "bell") == 0) {
			if ((b = cfg_bool(v)) < 0)
				return -1;
			cfg->bell = b;
			return 0;
		}
		if (strcasecmp(key, "theme") == 0) {
			if (strcasecmp(v, "default") == 0)
				cfg->colors = 1;
			else if (strcasecmp(v, "mono") == 0)
				cfg->colors = 0;
			else
				return -1;
			return 0;
		}
		if (strcasecmp(key, "time_format") == 0) {
			if (!cfg_time_format(v) ||
			    strlen(v) >= sizeof(cfg->time_format))
				return -1;
			snprintf(cfg->time_format, sizeof(cfg->time_format),
			    "%s", v);
			return 0;
		}
		return -1;
	}
	if (strcasecmp(sec, "colors") == 0 || strcasecmp(sec, "colours") == 0) {
		for (i = 0; i < sizeof(cfg_styles) / sizeof(cfg_styles[0]); i++)
			if (strcasecmp(key, cfg_styles[i].name) == 0)
				return cfg_color(v, &cfg->fg[cfg_styles[i].st]);
		return -1;
	}
	if (strcasecmp(sec, "notify") == 0 && strcasecmp(key, "command") == 0) {
		if (!cfg_printable(v) || strlen(v) >= sizeof(cfg->notify))
			return -1;
		snprintf(cfg->notify, sizeof(cfg->notify), "%s", v);
		return 0;
	}
	return -1;
}

static int
cfg_handler(void *ud, const char *sec, const char *key, const char *v)
{
	struct cfg_parse *p = ud;
	char bad[64];
	int r;

	if (strcasecmp(sec, "keys") == 0) {
		if ((r = ui_keys_bind(&p->cfg->keys, key, v, bad,
		    sizeof(bad))) == 0)
			return 1;
		if (!p->bad)
			snprintf(p->err, p->size, "[keys] %s = %s: %s%s%s", key,
			    v, r == -1 ? "no such action" : r == -3 ?
			    "too many keys" : "not a key: ", r == -2 ? bad : "",
			    r == -2 && bad[0] == '\0' ? "(empty)" : "");
		p->bad = 1;
		return 1;
	}
	if (cfg_set(p->cfg, sec, key, v) == 0)
		return 1;
	if (!p->bad)
		snprintf(p->err, p->size, "[%s] %s = %s: not understood",
		    sec, key, v);
	p->bad = 1;
	/* Keep reading: the other lines still count. */
	return 1;
}

int
ui_settings_load(const char *path, struct ui_settings *cfg, char *err,
    size_t size)
{
	struct cfg_parse p = { cfg, err, size, 0 };
	FILE *f;
	int line;

	if (size > 0)
		err[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : ERR_IO;
	line = ini_parse_file(f, cfg_handler, &p);
	fclose(f);
	if (line > 0 && !p.bad) {
		snprintf(err, size, "line %d: not an INI line", line);
		p.bad = 1;
	}
	return p.bad ? ERR_INVAL : 0;
}
