/*
 * Key names follow Emacs and tmux ("C-n", "M-f", "S-Tab"), which is how
 * most users who remap keys already write them; the key help shows them
 * spelt out ("Ctrl-N", "Alt-F", "Shift-Tab") as doc/TUI.md does.
 */
#include "config.h"

#include "ui/keys.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/utf8.h"
#include "ui/sanitize.h"

static const char *const keys_names[UI_ACT_COUNT] = {
	[UI_ACT_NEXT_CHAT] = "next_chat",
	[UI_ACT_PREV_CHAT] = "prev_chat",
	[UI_ACT_PAGE_UP] = "page_up",
	[UI_ACT_PAGE_DOWN] = "page_down",
	[UI_ACT_SEND] = "send",
	[UI_ACT_NEWLINE] = "newline",
	[UI_ACT_SEARCH] = "search",
	[UI_ACT_HELP] = "help",
	[UI_ACT_REDRAW] = "redraw",
	[UI_ACT_QUIT] = "quit",
};

#define CTRL(c)	((ui_keysym)((c) & 0x1f))

static const struct ui_keys keys_defaults = { .key = {
	[UI_ACT_NEXT_CHAT] = { '\t', CTRL('N') },
	[UI_ACT_PREV_CHAT] = { UI_KS_BTAB, CTRL('P') },
	[UI_ACT_PAGE_UP] = { UI_KS_PGUP },
	[UI_ACT_PAGE_DOWN] = { UI_KS_PGDN },
	[UI_ACT_SEND] = { UI_KS_ENTER },
	[UI_ACT_NEWLINE] = { UI_KS_ALT | UI_KS_ENTER },
	[UI_ACT_SEARCH] = { CTRL('F') },
	[UI_ACT_HELP] = { UI_KS_F(1) },
	[UI_ACT_REDRAW] = { CTRL('L') },
	[UI_ACT_QUIT] = { CTRL('C'), CTRL('Q'), UI_KS_F(10) },
} };

/* Named keys: the name parsed, the name shown. */
static const struct {
	const char *name, *shown;
	ui_keysym key;
} keys_named[] = {
	{ "Enter", "Enter", UI_KS_ENTER },
	{ "Return", "Enter", UI_KS_ENTER },
	{ "Tab", "Tab", '\t' },
	{ "S-Tab", "Shift-Tab", UI_KS_BTAB },
	{ "BTab", "Shift-Tab", UI_KS_BTAB },
	{ "PageUp", "PgUp", UI_KS_PGUP },
	{ "PgUp", "PgUp", UI_KS_PGUP },
	{ "PPage", "PgUp", UI_KS_PGUP },
	{ "PageDown", "PgDn", UI_KS_PGDN },
	{ "PgDn", "PgDn", UI_KS_PGDN },
	{ "NPage", "PgDn", UI_KS_PGDN },
	{ "Home", "Home", UI_KS_HOME },
	{ "End", "End", UI_KS_END },
	{ "Up", "Up", UI_KS_UP },
	{ "Down", "Down", UI_KS_DOWN },
	{ "Left", "Left", UI_KS_LEFT },
	{ "Right", "Right", UI_KS_RIGHT },
	{ "Space", "Space", ' ' },
};
#define KEYS_NNAMED	(sizeof(keys_named) / sizeof(keys_named[0]))

void
ui_keys_default(struct ui_keys *k)
{
	*k = keys_defaults;
}

const char *
ui_keys_action_name(enum ui_action a)
{
	if ((int)a <= UI_ACT_NONE || a >= UI_ACT_COUNT)
		return NULL;
	return keys_names[a];
}

enum ui_action
ui_keys_action_by_name(const char *name)
{
	int a;

	for (a = UI_ACT_NONE + 1; a < UI_ACT_COUNT; a++)
		if (strcasecmp(name, keys_names[a]) == 0)
			return (enum ui_action)a;
	return UI_ACT_NONE;
}

/* Ctrl with a character: C-a..C-z (either case) and C-\ C-] C-^ C-_. */
static ui_keysym
keys_ctrl(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if ((c >= 'a' && c <= 'z') || c == '\\' || c == ']' || c == '^' ||
	    c == '_') {
		/* C-m and C-j are what the terminal sends for Enter. */
		if (c == 'm' || c == 'j')
			return UI_KS_ENTER;
		return CTRL(c);
	}
	/* C-@ is NUL and C-[ is ESC, which starts every Alt key. */
	return 0;
}

ui_keysym
ui_keys_parse(const char *s)
{
	ui_keysym alt = 0;
	uint32_t cp;
	size_t i, n, len;
	int ctrl = 0;

	for (;;) {
		if ((s[0] == 'M' || s[0] == 'm') && s[1] == '-' &&
		    s[2] != '\0' && !alt) {
			alt = UI_KS_ALT;
			s += 2;
		} else if ((s[0] == 'C' || s[0] == 'c') && s[1] == '-' &&
		    s[2] != '\0' && !ctrl) {
			ctrl = 1;
			s += 2;
		} else
			break;
	}
	len = strlen(s);
	if (len == 0)
		return 0;
	if (!ctrl)
		for (i = 0; i < KEYS_NNAMED; i++)
			if (strcasecmp(s, keys_named[i].name) == 0)
				return alt | keys_named[i].key;
	if (!ctrl && (s[0] == 'F' || s[0] == 'f') && len >= 2 && len <= 3 &&
	    s[1] >= '1' && s[1] <= '9' && (len == 2 || (s[2] >= '0' &&
	    s[2] <= '9'))) {
		n = (size_t)(s[1] - '0');
		if (len == 3)
			n = n * 10 + (size_t)(s[2] - '0');
		return n >= 1 && n <= 24 ? alt | UI_KS_F(n) : 0;
	}
	/* One character, nothing else. */
	if ((n = utf8_decode(s, len, &cp)) != len || cp == UTF8_INVALID ||
	    cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	if (ctrl)
		return (cp = keys_ctrl(cp)) == 0 ? 0 : alt | cp;
	return alt | cp;
}

int
ui_keys_bind(struct ui_keys *k, const char *name, const char *value,
    char *bad, size_t size)
{
	ui_keysym got[UI_KEYS_PER_ACTION];
	char word[64];
	enum ui_action act;
	const char *p = value;
	size_t n = 0, len, a, i, j;

	if ((act = ui_keys_action_by_name(name)) == UI_ACT_NONE)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strcasecmp(p, "none") == 0)
		p = "";
	else if (*p == '\0') {
		if (bad != NULL && size > 0)
			snprintf(bad, size, "%s", "");
		return -2;
	}
	while (*p != '\0') {
		for (len = 0; p[len] != '\0' && p[len] != ' ' &&
		    p[len] != '\t'; len++)
			;
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		p += len;
		while (*p == ' ' || *p == '\t')
			p++;
		if (n == UI_KEYS_PER_ACTION)
			return -3;
		if (len >= sizeof(word) || (got[n] = ui_keys_parse(word)) == 0) {
			if (bad != NULL && size > 0)
				snprintf(bad, size, "%s", word);
			return -2;
		}
		n++;
	}
	memset(k->key[act], 0, sizeof(k->key[act]));
	for (i = 0; i < n; i++) {
		/* The last line to name a key wins it. */
		for (a = 0; a < UI_ACT_COUNT; a++)
			for (j = 0; j < UI_KEYS_PER_ACTION; j++)
				if (k->key[a][j] == got[i])
					k->key[a][j] = 0;
		k->key[act][i] = got[i];
	}
	return 0;
}

enum ui_action
ui_keys_lookup(const struct ui_keys *k, ui_keysym key)
{
	size_t a, j;

	if (key == 0)
		return UI_ACT_NONE;
	for (a = UI_ACT_NONE + 1; a < UI_ACT_COUNT; a++)
		for (j = 0; j < UI_KEYS_PER_ACTION; j++)
			if (k->key[a][j] == key)
				return (enum ui_action)a;
	return UI_ACT_NONE;
}

int
ui_keys_default_key(ui_keysym key)
{
	return ui_keys_lookup(&keys_defaults, key) != UI_ACT_NONE;
}

/* Appends one key's shown name to buf at *at. */
static void
keys_name(ui_keysym key, char *buf, size_t size, size_t *at)
{
	char one[32], ch[5];
	ui_keysym base = key & ~UI_KS_ALT;
	const char *alt = (key & UI_KS_ALT) ? "Alt-" : "";
	size_t i;
	int n;

	one[0] = '\0';
	for (i = 0; i < KEYS_NNAMED; i++)
		if (keys_named[i].key == base) {
			snprintf(one, sizeof(one), "%s%s", alt,
			    keys_named[i].shown);
			break;
		}
	if (one[0] != '\0')
		;
	else if (base > UI_KS_SPECIAL && base <= UI_KS_F(24))
		snprintf(one, sizeof(one), "%sF%u", alt,
		    (unsigned)(base - UI_KS_SPECIAL));
	else if (base >= 1 && base <= 0x1f)
		snprintf(one, sizeof(one), "%sCtrl-%c", alt,
		    (char)(base + ('A' - 1)));
	else if (base < UI_KS_SPECIAL) {
		ch[utf8_encode(base, ch)] = '\0';
		snprintf(one, sizeof(one), "%s%s", alt, ch);
	}
	if (*at >= size)
		return;
	n = snprintf(buf + *at, size - *at, "%s%s", *at > 0 ? ", " : "",
	    one);
	if (n > 0)
		*at += (size_t)n < size - *at ? (size_t)n : size - *at - 1;
}

void
ui_keys_describe(const struct ui_keys *k, enum ui_action a, char *buf,
    size_t size)
{
	size_t at = 0, j;

	if (size == 0)
		return;
	buf[0] = '\0';
	if ((int)a <= UI_ACT_NONE || a >= UI_ACT_COUNT)
		return;
	for (j = 0; j < UI_KEYS_PER_ACTION; j++)
		if (k->key[a][j] != 0)
			keys_name(k->key[a][j], buf, size, &at);
	if (at == 0)
		snprintf(buf, size, "(none)");
}
