/*
 * The sanitiser decodes UTF-8 by hand (the rules of RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), so that what it
 * lets through is exactly what a terminal will decode.
 */
#include "client/json.h"

#include <stdlib.h>
#include <string.h>

#include "proto/err.h"
#include "proto/textrule.h"

/* U+FFFD REPLACEMENT CHARACTER, for bytes that are not UTF-8. */
static const char json_replacement[] = "\xef\xbf\xbd";

/*
 * Decodes one code point at p (n > 0 bytes left). Returns its length and
 * sets *cp, or returns 0 when the bytes are not valid UTF-8.
 */
static size_t
json_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that must never reach a terminal: proto/textrule.h. */
static int
json_forbidden(uint32_t c)
{
	return textrule_kind(c) != TEXTRULE_PLAIN;
}

static char *json_clean(const char *, size_t, int);

char *
json_sanitize(const char *s, size_t len)
{
	return json_clean(s, len, 0);
}

char *
json_sanitize_text(const char *s, size_t len)
{
	return json_clean(s, len, 1);
}

/* keep_lines lets newlines and tabs through: they move no cursor oddly. */
static char *
json_clean(const char *s, size_t len, int keep_lines)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t i = 0, n;
	uint32_t c;

	if (s == NULL)
		len = 0;
	/* Each input byte yields at most 3 output bytes (U+FFFD). */
	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	o = out;
	while (i < len) {
		if ((n = json_utf8_decode(p + i, len - i, &c)) == 0) {
			memcpy(o, json_replacement, 3);
			o += 3;
			i++;
			continue;
		}
		if (!json_forbidden(c) ||
		    (keep_lines && (c == '\n' || c == '\t'))) {
			memcpy(o, p + i, n);
			o += n;
		} else if (keep_lines &&
		    textrule_kind(c) == TEXTRULE_LINE_SEP)
			*o++ = '\n';	/* a line break, as the TUI shows it */
		i += n;
	}
	*o = '\0';
	return out;
}

json_t *
json_text(const char *s)
{
	char *clean;
	json_t *j;

	if ((clean = json_sanitize(s, s != NULL ? strlen(s) : 0)) == NULL)
		return NULL;
	j = json_string(clean);
	free(clean);
	return j;
}

json_t *
json_text_ml(const char *s)
{
	char *clean;
	json_t *j;

	if ((clean = json_sanitize_text(s, s != NULL ? strlen(s) : 0)) == NULL)
		return NULL;
	j = json_string(clean);
	free(clean);
	return j;
}

json_t *
json_u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

int
json_emit(FILE *out, const json_t *obj)
{
	char *text;
	int r = 0;

	if ((text = json_dumps(obj, JSON_COMPACT)) == NULL)
		return ERR_NOMEM;
	if (fprintf(out, "%s\n", text) < 0 || fflush(out) != 0)
		r = ERR_IO;
	free(text);
	return r;
}
