/*
 * Passphrase -> Argon2id13 -> raw 32-byte SQLCipher key, and the text form
 * of the kdf file that keeps the salt and cost beside the database.
 *
 * The kdf file is not secret but it is not trusted either: someone who can
 * write it could ask for a cost that takes the machine's memory or days of
 * time, so decoding caps both well below libsodium's limits.
 */
#include "crypto/vault.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto/sec.h"
#include "lib/err.h"

_Static_assert(VAULT_SALT_LEN == crypto_pwhash_SALTBYTES, "Argon2 salt size");

/* Default cost: see doc/SECURITY.md. */
#define VAULT_OPS_DEFAULT 3
#define VAULT_MEM_DEFAULT (64ULL << 20)

/* What a kdf file may ask for at most. */
#define VAULT_OPS_MAX 64
#define VAULT_MEM_MAX (4ULL << 30)

#define VAULT_MAGIC "sotto-kdf 1\n"
#define VAULT_ALG "argon2id13"
#define VAULT_CHECK_INPUT "sotto-kdf key check 1"

_Static_assert(VAULT_CHECK_LEN == crypto_generichash_BYTES, "check size");
_Static_assert(VAULT_KEY_LEN >= crypto_generichash_KEYBYTES_MIN &&
    VAULT_KEY_LEN <= crypto_generichash_KEYBYTES_MAX, "check key size");

/*
 * Our caps sit below libsodium's on 64-bit systems, but on 32-bit ones its
 * memory maximum is 2 GiB: checking both keeps a cost libsodium would
 * refuse from reaching crypto_pwhash and being reported as ERR_NOMEM.
 */
static int
vault_cost_ok(uint64_t ops, uint64_t mem)
{
	return ops >= crypto_pwhash_OPSLIMIT_MIN &&
	    ops <= crypto_pwhash_OPSLIMIT_MAX && ops <= VAULT_OPS_MAX &&
	    mem >= crypto_pwhash_MEMLIMIT_MIN &&
	    mem <= crypto_pwhash_MEMLIMIT_MAX && mem <= VAULT_MEM_MAX &&
	    mem <= (uint64_t)SIZE_MAX;
}

void
vault_params_new(struct vault_params *p)
{
	memset(p, 0, sizeof(*p));
	sec_random(p->salt, sizeof(p->salt));
	p->opslimit = VAULT_OPS_DEFAULT;
	p->memlimit = VAULT_MEM_DEFAULT;
}

int
vault_derive(uint8_t key[VAULT_KEY_LEN], const char *passphrase, size_t len,
    const struct vault_params *p)
{
	if (!vault_cost_ok(p->opslimit, p->memlimit))
		return ERR_INVAL;
	if (sodium_init() < 0)
		return ERR_CRYPTO;
	if (crypto_pwhash(key, VAULT_KEY_LEN, passphrase, len, p->salt,
	    p->opslimit, (size_t)p->memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(key, VAULT_KEY_LEN);
		return ERR_NOMEM;
	}
	return 0;
}

void
vault_set_check(struct vault_params *p, const uint8_t key[VAULT_KEY_LEN])
{
	crypto_generichash(p->check, sizeof(p->check),
	    (const unsigned char *)VAULT_CHECK_INPUT,
	    strlen(VAULT_CHECK_INPUT), key, VAULT_KEY_LEN);
	p->has_check = 1;
}

int
vault_check(const struct vault_params *p, const uint8_t key[VAULT_KEY_LEN])
{
	struct vault_params mine;
	int r;

	if (!p->has_check)
		return -1;
	vault_set_check(&mine, key);
	r = sodium_memcmp(mine.check, p->check, sizeof(p->check)) == 0;
	sodium_memzero(&mine, sizeof(mine));
	return r;
}

int
vault_params_encode(const struct vault_params *p, char *buf, size_t cap)
{
	char salt[2 * VAULT_SALT_LEN + 1], check[2 * VAULT_CHECK_LEN + 1];
	int n;

	if (sec_hex_encode(salt, sizeof(salt), p->salt, sizeof(p->salt)) != 0 ||
	    sec_hex_encode(check, sizeof(check), p->check,
	    sizeof(p->check)) != 0)
		return ERR_TOO_BIG;
	n = snprintf(buf, cap, VAULT_MAGIC "alg " VAULT_ALG "\nsalt %s\n"
	    "ops %" PRIu64 "\nmem %" PRIu64 "\n%s%s%s", salt, p->opslimit,
	    p->memlimit, p->has_check ? "check " : "",
	    p->has_check ? check : "", p->has_check ? "\n" : "");
	if (n < 0 || (size_t)n >= cap)
		return ERR_TOO_BIG;
	return 0;
}

/*
 * Takes "KEY VALUE\n" from *text, exactly: the key, one space, a value of
 * at least one byte without spaces, a newline. The value is copied into
 * val (NUL-terminated).
 */
static int
vault_line(const char **text, const char *end, const char *key, char *val,
    size_t cap)
{
	const char *s = *text, *nl;
	size_t klen = strlen(key), vlen;

	if ((size_t)(end - s) < klen + 1 || memcmp(s, key, klen) != 0 ||
	    s[klen] != ' ')
		return ERR_INVAL;
	s += klen + 1;
	if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
		return ERR_INVAL;
	vlen = (size_t)(nl - s);
	if (vlen == 0 || vlen >= cap || memchr(s, ' ', vlen) != NULL ||
	    memchr(s, '\0', vlen) != NULL)
		return ERR_INVAL;
	memcpy(val, s, vlen);
	val[vlen] = '\0';
	*text = nl + 1;
	return 0;
}

/* A decimal number without sign, leading zeros or overflow. */
static int
vault_number(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return ERR_INVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return ERR_INVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Decodes into a copy so that *out is untouched unless the whole file is good. */
int
vault_params_decode(struct vault_params *out, const char *text, size_t len)
{
	const char *s = text, *end = text + len;
	char val[VAULT_PARAMS_TEXT_MAX];
	struct vault_params params, *p = &params;
	size_t n;

	if (len < strlen(VAULT_MAGIC) ||
	    memcmp(s, VAULT_MAGIC, strlen(VAULT_MAGIC)) != 0)
		return ERR_INVAL;
	s += strlen(VAULT_MAGIC);
	if (vault_line(&s, end, "alg", val, sizeof(val)) != 0 ||
	    strcmp(val, VAULT_ALG) != 0)
		return ERR_INVAL;
	if (vault_line(&s, end, "salt", val, sizeof(val)) != 0 ||
	    strlen(val) != 2 * VAULT_SALT_LEN ||
	    sec_hex_decode(p->salt, sizeof(p->salt), &n, val,
	    strlen(val)) != 0 || n != VAULT_SALT_LEN)
		return ERR_INVAL;
	if (vault_line(&s, end, "ops", val, sizeof(val)) != 0 ||
	    vault_number(val, &p->opslimit) != 0)
		return ERR_INVAL;
	if (vault_line(&s, end, "mem", val, sizeof(val)) != 0 ||
	    vault_number(val, &p->memlimit) != 0)
		return ERR_INVAL;
	p->has_check = 0;
	memset(p->check, 0, sizeof(p->check));
	if (s != end) {
		if (vault_line(&s, end, "check", val, sizeof(val)) != 0 ||
		    strlen(val) != 2 * VAULT_CHECK_LEN ||
		    sec_hex_decode(p->check, sizeof(p->check), &n, val,
		    strlen(val)) != 0 || n != VAULT_CHECK_LEN)
			return ERR_INVAL;
		p->has_check = 1;
	}
	if (s != end)
		return ERR_INVAL;	/* trailing bytes: not a file we wrote */
	if (!vault_cost_ok(p->opslimit, p->memlimit))
		return ERR_INVAL;
	*out = params;
	return 0;
}
