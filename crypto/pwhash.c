/*
 * Account passwords on the server: Argon2id in libsodium's string form,
 * which carries its own salt and cost, so the cost can be raised later
 * without invalidating stored hashes.
 */
#include "crypto/pwhash.h"

#include <sodium.h>
#include <string.h>

#include "lib/err.h"

_Static_assert(PWHASH_STR_LEN >= crypto_pwhash_STRBYTES,
    "PWHASH_STR_LEN holds libsodium's hash string");

#define PWHASH_PREFIX "$argon2id$"

int
pwhash_hash(char out[PWHASH_STR_LEN], const char *password, size_t len)
{
	if (sodium_init() < 0)
		return ERR_CRYPTO;
	memset(out, 0, PWHASH_STR_LEN);
	/* libsodium fails here only when it cannot get Argon2's memory. */
	if (crypto_pwhash_str_alg(out, password, len,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ERR_NOMEM;
	return 0;
}

int
pwhash_verify(const char *hash, const char *password, size_t len)
{
	/* A stored hash is ours: anything else is damage, not a mismatch. */
	if (hash == NULL || strnlen(hash, PWHASH_STR_LEN) == PWHASH_STR_LEN ||
	    strncmp(hash, PWHASH_PREFIX, strlen(PWHASH_PREFIX)) != 0)
		return ERR_INVAL;
	if (sodium_init() < 0)
		return ERR_CRYPTO;
	/*
	 * str_verify answers -1 both for a mismatch and for a string it cannot
	 * parse. needs_rehash only decodes (no Argon2 run, no big allocation)
	 * and answers -1 only for the latter, so damage is told apart here.
	 */
	if (crypto_pwhash_str_needs_rehash(hash,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == -1)
		return ERR_INVAL;
	return crypto_pwhash_str_verify(hash, password, len) == 0 ? 0 :
	    ERR_AUTH;
}
