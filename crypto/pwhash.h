/* Account password hashing on the server: Argon2id in libsodium's string form. */
#ifndef SOTTO_PWHASH_H
#define SOTTO_PWHASH_H

#include <stddef.h>

#define PWHASH_STR_LEN 128	/* buffer size, NUL included */

/*
 * Hashes password into out (NUL-terminated). Slow by design: call it off
 * the event loop. Returns 0 or ERR_NOMEM.
 */
int pwhash_hash(char out[PWHASH_STR_LEN], const char *password, size_t len);

/* Returns 0 when password matches hash, ERR_AUTH when not, ERR_INVAL on a malformed hash. */
int pwhash_verify(const char *hash, const char *password, size_t len)
    __attribute__((warn_unused_result));

#endif
