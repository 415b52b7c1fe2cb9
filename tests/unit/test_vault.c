/*
 * The vault (passphrase -> SQLCipher key), its kdf file, server password
 * hashes and fingerprints. Costs are libsodium's minimum so the test is
 * quick; the default cost is checked for its values, not run.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto/fp.h"
#include "crypto/pwhash.h"
#include "crypto/sec.h"
#include "crypto/vault.h"
#include "lib/err.h"
#include "tests/unit/tap.h"

#define OPS_MIN 1
#define MEM_MIN 8192

static void
check_derive(void)
{
	struct vault_params p, q;
	uint8_t k1[VAULT_KEY_LEN], k2[VAULT_KEY_LEN], k3[VAULT_KEY_LEN];

	vault_params_new(&p);
	is_int(p.opslimit, 3, "default cost: 3 passes");
	is_int(p.memlimit, 64 << 20, "default cost: 64 MiB");
	vault_params_new(&q);
	ok(memcmp(p.salt, q.salt, VAULT_SALT_LEN) != 0, "salts are random");

	p.opslimit = q.opslimit = OPS_MIN;
	p.memlimit = q.memlimit = MEM_MIN;
	is_int(vault_derive(k1, "pass phrase", 11, &p), 0, "derive");
	is_int(vault_derive(k2, "pass phrase", 11, &p), 0, "derive again");
	is_mem(k1, k2, sizeof(k1), "the same passphrase gives the same key");
	is_int(vault_derive(k3, "pass phrasE", 11, &p), 0, "derive other");
	ok(memcmp(k1, k3, sizeof(k1)) != 0, "another passphrase, another key");
	is_int(vault_derive(k3, "pass phrase", 11, &q), 0, "derive other salt");
	ok(memcmp(k1, k3, sizeof(k1)) != 0, "another salt, another key");

	q.opslimit = 0;
	is_int(vault_derive(k3, "x", 1, &q), ERR_INVAL, "ops 0 is refused");
	q.opslimit = 1000;
	is_int(vault_derive(k3, "x", 1, &q), ERR_INVAL,
	    "an absurd number of passes is refused");
	q.opslimit = OPS_MIN;
	q.memlimit = 1ULL << 40;
	is_int(vault_derive(k3, "x", 1, &q), ERR_INVAL,
	    "a terabyte of memory is refused");
}

static void
check_kdf_file(void)
{
	static const char *bad[] = {
		"",
		"sotto-kdf 2\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2i13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e\nops 3\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0g\nops 3\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 0\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 99999999999999999999999\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops -3\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\nmore\n",
		"sotto-kdf 1\nsalt 000102030405060708090a0b0c0d0e0f\nalg argon2id13\nops 3\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 65\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 4294967297\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 8191\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 03\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops +3\nmem 67108864\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\r\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f\nops 3\nmem 67108864\n",
		"sotto-kdf 1\nalg  argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\n",
		"sotto-kdf 1 \nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\n",
	};
	static const char nul[] =
	    "sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\n";
	static const char edge[] =
	    "sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 64\nmem 4294967296\n";
	struct vault_params p, q;
	char text[VAULT_PARAMS_TEXT_MAX], small[16];
	size_t i;

	vault_params_new(&p);
	is_int(vault_params_encode(&p, text, sizeof(text)), 0, "encode");
	ok(strncmp(text, "sotto-kdf 1\nalg argon2id13\nsalt ", 32) == 0,
	    "the text starts as documented");
	memset(&q, 0, sizeof(q));
	is_int(vault_params_decode(&q, text, strlen(text)), 0, "decode");
	is_mem(q.salt, p.salt, VAULT_SALT_LEN, "salt round trip");
	ok(q.opslimit == p.opslimit && q.memlimit == p.memlimit,
	    "cost round trip");
	is_int(vault_params_encode(&p, small, sizeof(small)), ERR_TOO_BIG,
	    "encode into too small a buffer");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(vault_params_decode(&q, bad[i], strlen(bad[i])),
		    ERR_INVAL, "malformed kdf file %zu is refused", i);
	is_int(vault_params_decode(&q, nul, sizeof(nul)), ERR_INVAL,
	    "a NUL after the last line is trailing garbage");
	is_int(vault_params_decode(&q, nul, sizeof(nul) - 2), ERR_INVAL,
	    "so is a file cut inside its last line");

	/* A failed decode leaves the caller's params as they were. */
	memcpy(&q, &p, sizeof(q));
	is_int(vault_params_decode(&q, bad[3], strlen(bad[3])), ERR_INVAL,
	    "short salt refused");
	ok(memcmp(&q, &p, sizeof(q)) == 0, "and the params are untouched");

#if SIZE_MAX > 0xffffffffU
	/* On 32-bit systems libsodium's own limit, 2 GiB, is the lower one. */
	is_int(vault_params_decode(&q, edge, strlen(edge)), 0,
	    "the highest cost a kdf file may ask for is accepted");
	ok(q.opslimit == 64 && q.memlimit == 4ULL << 30, "64 passes, 4 GiB");
#else
	(void)edge;
#endif
}

static void
check_pwhash(void)
{
	char h[PWHASH_STR_LEN], bad[PWHASH_STR_LEN];

	is_int(pwhash_hash(h, "hunter2hunter2", 14), 0, "hash a password");
	ok(strncmp(h, "$argon2id$", 10) == 0, "it is an Argon2id string");
	is_int(pwhash_verify(h, "hunter2hunter2", 14), 0, "the password matches");
	is_int(pwhash_verify(h, "hunter2hunter3", 14), ERR_AUTH,
	    "another does not");
	is_int(pwhash_verify(h, "hunter2hunter2", 13), ERR_AUTH,
	    "nor does a prefix");
	is_int(pwhash_verify("$2y$10$abcdefghijklmnopqrstuv", "x", 1), ERR_INVAL,
	    "a hash of another kind is malformed, not a mismatch");
	is_int(pwhash_verify("", "x", 1), ERR_INVAL, "so is an empty one");
	is_int(pwhash_verify("$argon2id$garbage", "x", 1), ERR_INVAL,
	    "an Argon2id prefix with nothing sound after it is malformed");
	memcpy(bad, h, sizeof(bad));
	bad[strlen(bad) - 1] = '\0';	/* hash shortened: base64 still parses */
	ok(pwhash_verify(bad, "hunter2hunter2", 14) != 0,
	    "a truncated hash does not verify");
	memset(bad, 'a', sizeof(bad));
	memcpy(bad, "$argon2id$", 10);
	is_int(pwhash_verify(bad, "x", 1), ERR_INVAL,
	    "a hash without a NUL in its buffer is malformed");
}

static void
check_fp(void)
{
	uint8_t key[32], back[32];
	char text[FP_KEY_TEXT_LEN], colons[3 * 32];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 17);
	fp_format_key(text, key);
	is_int(strlen(text), 64 + 15, "79 characters");
	ok(strncmp(text, "0011 2233 4455 6677 8899 aabb ccdd eeff ", 40) == 0,
	    "16 groups of 4 lower-case hex digits: %s", text);
	is_int(fp_parse_key(back, text), 0, "parse it back");
	is_mem(back, key, sizeof(key), "round trip");
	for (i = 0; i < sizeof(key); i++)
		snprintf(colons + 3 * i, 4, "%02X%s", key[i], i < 31 ? ":" : "");
	is_int(fp_parse_key(back, colons), 0, "colons and upper case parse");
	is_mem(back, key, sizeof(key), "to the same key");
	text[77] = '\0';
	is_int(fp_parse_key(back, text), ERR_INVAL, "31 bytes are refused");
	fp_format_key(text, key);
	text[78] = '\0';
	is_int(fp_parse_key(back, text), ERR_INVAL, "an odd digit count too");
	is_int(fp_parse_key(back, "0011 2233 4455 6677 8899 aabb ccdd eeff "
	    "0011 2233 4455 6677 8899 aabb ccdd eeff 00"), ERR_INVAL,
	    "33 bytes are refused");
	is_int(fp_parse_key(back, "zz11 2233 4455 6677 8899 aabb ccdd eeff "
	    "0011 2233 4455 6677 8899 aabb ccdd eeff"), ERR_INVAL,
	    "non-hex is refused");
}

/* The key check tells a wrong passphrase apart without the database. */
static void
check_key_check(void)
{
	static const char *bad[] = {
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\ncheck 00\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\ncheck zz\n",
		"sotto-kdf 1\nalg argon2id13\nsalt 000102030405060708090a0b0c0d0e0f\nops 3\nmem 67108864\nkey 00\n",
	};
	struct vault_params p, q;
	uint8_t k1[VAULT_KEY_LEN], k2[VAULT_KEY_LEN];
	char text[VAULT_PARAMS_TEXT_MAX];
	size_t i;

	vault_params_new(&p);
	p.opslimit = OPS_MIN;
	p.memlimit = MEM_MIN;
	ok(!p.has_check, "fresh parameters have no check yet");
	is_int(vault_check(&p, k1), -1, "and so cannot tell");
	is_int(vault_derive(k1, "right", 5, &p), 0, "derive");
	is_int(vault_derive(k2, "wrong", 5, &p), 0, "derive another");
	vault_set_check(&p, k1);
	ok(p.has_check, "the check is set");
	ok(memcmp(p.check, k1, sizeof(k1)) != 0, "and it is not the key");
	is_int(vault_check(&p, k1), 1, "the key matches its check");
	is_int(vault_check(&p, k2), 0, "another key does not");
	is_int(vault_params_encode(&p, text, sizeof(text)), 0, "encode");
	ok(strstr(text, "\ncheck ") != NULL, "the file holds a check line");
	memset(&q, 0, sizeof(q));
	is_int(vault_params_decode(&q, text, strlen(text)), 0, "decode");
	ok(q.has_check && memcmp(q.check, p.check, sizeof(p.check)) == 0,
	    "the check comes back");
	is_int(vault_check(&q, k1), 1, "and still matches the key");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(vault_params_decode(&q, bad[i], strlen(bad[i])),
		    ERR_INVAL, "a bad check line %zu is refused", i);
	p.has_check = 0;
	is_int(vault_params_encode(&p, text, sizeof(text)), 0, "encode "
	    "without a check");
	ok(strstr(text, "check") == NULL, "as older versions wrote it");
	is_int(vault_params_decode(&q, text, strlen(text)), 0, "which still "
	    "decodes");
	ok(!q.has_check, "without a check");
}

int
main(void)
{
	if (sec_init() != 0) {
		printf("Bail out! libsodium\n");
		return 1;
	}
	check_derive();
	check_kdf_file();
	check_key_check();
	check_pwhash();
	check_fp();
	return tap_done();
}
