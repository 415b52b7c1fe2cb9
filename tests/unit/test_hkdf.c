/*
 * HKDF-SHA-256 against RFC 5869 appendix A (cases 1-3, from the shared
 * vector file), then the edges of the interface.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hkdf.h"
#include "lib/err.h"
#include "tests/unit/tap.h"
#include "tests/unit/vectors.h"

static void
check_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	size_t ikm_len, salt_len, info_len, prk_len, okm_len, L;
	uint8_t *ikm, *salt, *info, *prk, *okm, got_prk[HKDF_SHA256_LEN];
	uint8_t *got;

	if (name == NULL)
		name = "(unnamed)";
	ikm = vectors_hex(c, "ikm", &ikm_len);
	salt = vectors_hex(c, "salt", &salt_len);
	info = vectors_hex(c, "info", &info_len);
	prk = vectors_hex(c, "prk", &prk_len);
	okm = vectors_hex(c, "okm", &okm_len);
	L = (size_t)json_integer_value(json_object_get(c, "L"));
	if (!ok(ikm && salt && info && prk && okm && L == okm_len &&
	    prk_len == HKDF_SHA256_LEN, "%s: vector is well-formed", name))
		goto out;
	if ((got = malloc(L)) == NULL)
		goto out;

	hkdf_sha256_extract(got_prk, salt, salt_len, ikm, ikm_len);
	is_mem(got_prk, prk, HKDF_SHA256_LEN, "%s: PRK", name);
	memset(got, 0, L);
	is_int(hkdf_sha256_expand(got, L, prk, info, info_len), 0,
	    "%s: expand", name);
	is_mem(got, okm, L, "%s: OKM from expand", name);
	memset(got, 0, L);
	is_int(hkdf_sha256(got, L, salt, salt_len, ikm, ikm_len, info,
	    info_len), 0, "%s: extract and expand", name);
	is_mem(got, okm, L, "%s: OKM", name);
	free(got);
out:
	free(ikm);
	free(salt);
	free(info);
	free(prk);
	free(okm);
}

static void
check_edges(void)
{
	static const uint8_t ikm[22] = { 0x0b };
	uint8_t zeros[HKDF_SHA256_LEN], a[HKDF_SHA256_LEN], b[HKDF_SHA256_LEN];
	uint8_t *big, prk[HKDF_SHA256_LEN];

	memset(zeros, 0, sizeof(zeros));
	hkdf_sha256_extract(a, NULL, 0, ikm, sizeof(ikm));
	hkdf_sha256_extract(b, zeros, sizeof(zeros), ikm, sizeof(ikm));
	is_mem(a, b, sizeof(a), "no salt is 32 zero bytes of salt");

	memset(prk, 0x42, sizeof(prk));
	if ((big = malloc(255 * HKDF_SHA256_LEN + 1)) == NULL)
		return;
	is_int(hkdf_sha256_expand(big, 255 * HKDF_SHA256_LEN, prk, NULL, 0),
	    0, "255 blocks is the most RFC 5869 allows");
	is_int(hkdf_sha256_expand(big, 255 * HKDF_SHA256_LEN + 1, prk, NULL,
	    0), ERR_INVAL, "one byte more is refused");
	is_int(hkdf_sha256(big, 255 * HKDF_SHA256_LEN + 1, NULL, 0, ikm,
	    sizeof(ikm), NULL, 0), ERR_INVAL, "also by the one-shot form");

	/* A prefix of a longer output equals the shorter output. */
	is_int(hkdf_sha256_expand(a, sizeof(a), prk, (const uint8_t *)"x", 1),
	    0, "expand 32");
	is_int(hkdf_sha256_expand(big, 100, prk, (const uint8_t *)"x", 1), 0,
	    "expand 100");
	is_mem(big, a, sizeof(a), "outputs are prefixes of each other");
	is_int(hkdf_sha256_expand(b, sizeof(b), prk, (const uint8_t *)"y", 1),
	    0, "expand with another info");
	ok(memcmp(a, b, sizeof(a)) != 0, "info separates the outputs");
	free(big);
}

int
main(void)
{
	json_t *root, *cases, *c;
	size_t i;

	root = vectors_load("rfc5869_hkdf_sha256.json");	/* or skip */
	check_edges();
	cases = json_object_get(root, "cases");
	ok(json_array_size(cases) >= 3, "RFC 5869 cases 1-3 are present");
	json_array_foreach(cases, i, c)
		check_case(c);
	json_decref(root);
	return tap_done();
}
