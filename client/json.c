/*
 * Text is decoded by lib/utf8.h, the decoder of the TUI's sanitiser and
 * sottod's checks (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF), so that what it lets through is exactly what a
 * terminal will decode.
 */
#include "client/json.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "proto/textrule.h"

/* U+FFFD REPLACEMENT CHARACTER, for bytes that are not UTF-8. */
static const char json_replacement[] = "\xef\xbf\xbd";

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
		if ((n = utf8_next(s + i, len - i, &c)) == 0) {
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
