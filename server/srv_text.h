/*
 * Checks of text from the network, shared by the account and chat
 * requests. UTF-8 is taken strictly (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF.
 */
#ifndef SOTTO_SRV_TEXT_H
#define SOTTO_SRV_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes one UTF-8 sequence at p (n > 0 bytes left). Returns its length
 * and sets *cp, or 0 when it is invalid.
 */
size_t srv_text_utf8_next(const unsigned char *p, size_t n, uint32_t *cp);

/*
 * Counts the code points of the len bytes at s, stopping once there are
 * more than max. Returns 0 and sets *count (at most max + 1), or
 * ERR_INVAL when the bytes are not valid UTF-8 or hold a NUL.
 */
int srv_text_count(const char *s, size_t len, size_t max, size_t *count);

#endif
