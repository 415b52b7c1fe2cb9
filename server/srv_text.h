/*
 * Checks of text from the network, shared by the account and chat
 * requests. UTF-8 is taken strictly, by lib/utf8.h's
 * utf8_next().
 */
#ifndef SOTTO_SRV_TEXT_H
#define SOTTO_SRV_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Counts the code points of the len bytes at s, stopping once there are
 * more than max. Returns 0 and sets *count (at most max + 1), or
 * ERR_INVAL when the bytes are not valid UTF-8 or hold a NUL.
 */
int srv_text_count(const char *s, size_t len, size_t max, size_t *count);

#endif
