/*
 * Output helpers for the command line: --json objects (one per line on
 * stdout, built with jansson) and the sanitiser that every string from the
 * network passes through before it reaches a terminal or a JSON line.
 */
#ifndef SOTTO_JSON_H
#define SOTTO_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Returns a heap copy of s[0..len) that is safe to print: valid UTF-8
 * (each invalid byte becomes U+FFFD), without C0 or C1 control characters
 * (ESC included, so no escape sequence survives), DEL, the line and
 * paragraph separators U+2028 and U+2029, or the Unicode Bidi_Control set
 * (marks, embeddings, overrides, isolates): proto/textrule.h. s may be NULL
 * (an empty string comes back). NULL only when out of memory; the caller
 * frees the result.
 */
char *json_sanitize(const char *s, size_t len);

/*
 * The same for message text, which may span lines: newlines and tabs are
 * kept, U+2028 and U+2029 become newlines (as the TUI shows them),
 * everything else is cleaned as by json_sanitize.
 */
char *json_sanitize_text(const char *s, size_t len);

/* A jansson string holding json_sanitize(s); NULL when out of memory. */
json_t *json_text(const char *s);

/* A jansson string holding json_sanitize_text(s); NULL when out of memory. */
json_t *json_text_ml(const char *s);

/* A jansson integer for an id or a time (ids stay below 2^63). */
json_t *json_u64(uint64_t v);

/*
 * Writes obj compactly on one line of out, then a newline, and flushes.
 * Does not take the reference. Returns 0, ERR_NOMEM or ERR_IO.
 */
int json_emit(FILE *out, const json_t *obj);

#endif
