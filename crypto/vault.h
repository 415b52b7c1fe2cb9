/*
 * The vault turns a passphrase into the 32-byte raw key of a SQLCipher
 * database with Argon2id. The salt and cost live in a small plaintext
 * "kdf file" beside the database; they are not secret. So does a check
 * value of the key (a keyed BLAKE2b of a constant, never the key), which
 * tells a wrong passphrase from a damaged database before SQLCipher is
 * asked: both make SQLCipher fail on the first page in the same way.
 */
#ifndef SOTTO_VAULT_H
#define SOTTO_VAULT_H

#include <stddef.h>
#include <stdint.h>

#define VAULT_KEY_LEN 32
#define VAULT_SALT_LEN 16
#define VAULT_CHECK_LEN 32
#define VAULT_PARAMS_TEXT_MAX 256

struct vault_params {
	uint8_t salt[VAULT_SALT_LEN];
	uint64_t opslimit;
	uint64_t memlimit;	/* bytes */
	int has_check;		/* profiles made before the check have none */
	uint8_t check[VAULT_CHECK_LEN];
};

/* Fresh random salt and the default cost (see doc/SECURITY.md). */
void vault_params_new(struct vault_params *p);

/*
 * key = Argon2id13(passphrase, salt, opslimit, memlimit), 32 bytes. key
 * should be sec_alloc()ed by the caller. Returns 0, ERR_INVAL on costs out
 * of libsodium's range, ERR_NOMEM when Argon2 could not get its memory.
 */
int vault_derive(uint8_t key[VAULT_KEY_LEN], const char *passphrase,
    size_t len, const struct vault_params *p)
    __attribute__((warn_unused_result));

/*
 * Sets p->check to BLAKE2b-256 keyed with key over a fixed constant, and
 * p->has_check. Knowing it tells nothing of the key, and trying
 * passphrases against it costs Argon2id each, as against the database.
 */
void vault_set_check(struct vault_params *p, const uint8_t key[VAULT_KEY_LEN]);

/*
 * 1 when key matches p's check value, 0 when it does not (a wrong
 * passphrase), -1 when p has none. Constant time.
 */
int vault_check(const struct vault_params *p, const uint8_t key[VAULT_KEY_LEN]);

/*
 * Text form of the kdf file:
 *   sotto-kdf 1\nalg argon2id13\nsalt <32 hex>\nops <n>\nmem <n>\n
 * then, when has_check, "check <64 hex>\n". encode returns 0 or
 * ERR_TOO_BIG; decode returns 0 or ERR_INVAL (unknown version or
 * algorithm, bad salt or check, costs out of range).
 */
int vault_params_encode(const struct vault_params *p, char *buf, size_t cap);
int vault_params_decode(struct vault_params *p, const char *text, size_t len);

#endif
