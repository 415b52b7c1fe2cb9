/*
 * UTF-8, decoded by hand by the rules of RFC 3629 (no overlong forms, no
 * surrogates, nothing above U+10FFFF): the one decoder that sottod's
 * checks, the TUI's sanitiser and the client's JSON output share, so that
 * client and server agree on what is valid.
 */
#ifndef SOTTO_UTF8_H
#define SOTTO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the UTF-8 code point at p (n > 0 bytes). Returns its length
 * (1..4) and sets *cp; or returns the length of the maximal ill-formed
 * subpart (>= 1, as Unicode's "substitution of maximal subparts") and
 * sets *cp to UTF8_INVALID.
 */
#define UTF8_INVALID	0xffffffffu
size_t utf8_decode(const char *p, size_t n, uint32_t *cp);

/* The same, strictly: returns 0 (and leaves *cp) when p is ill-formed. */
size_t utf8_next(const char *p, size_t n, uint32_t *cp);

/* Encodes cp (<= U+10FFFF, no surrogate) into out; returns 1..4. */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
