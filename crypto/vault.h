/*
 * The vault turns a passphrase into the 32-byte raw key of a SQLCipher
 * database with Argon2id. The salt and cost live in a small plaintext
 * "kdf file" beside the database; they are not secret.
 */
#ifndef SOTTO_VAULT_H
#define SOTTO_VAULT_H

#include <stddef.h>
#include <stdint.h>

#define VAULT_KEY_LEN 32
#define VAULT_SALT_LEN 16
#define VAULT_PARAMS_TEXT_MAX 256

struct vault_params {
	uint8_t salt[VAULT_SALT_LEN];
	uint64_t opslimit;
	uint64_t memlimit;	/* bytes */
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
 * Text form of the kdf file:
 *   sotto-kdf 1\nalg argon2id13\nsalt <32 hex>\nops <n>\nmem <n>\n
 * encode returns 0 or ERR_TOO_BIG; decode returns 0 or ERR_INVAL (unknown
 * version or algorithm, bad salt, costs out of range).
 */
int vault_params_encode(const struct vault_params *p, char *buf, size_t cap);
int vault_params_decode(struct vault_params *p, const char *text, size_t len);

#endif
