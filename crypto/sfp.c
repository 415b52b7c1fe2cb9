/*
 * Secret-chat fingerprints; see sfp.h. The identity keys are sorted before
 * hashing so that the order the two devices hold them in does not matter,
 * and a fixed label keeps the digest apart from any other SHA-256 of the
 * same keys.
 *
 * The emoji table is part of the format: never reorder or replace an
 * entry (that would change every fingerprint); a new table is a new label.
 * Every entry is a single code point with default emoji presentation, from
 * Unicode 9 or earlier, so that it needs no variation selector and takes
 * two terminal columns everywhere. doc/SECRET_CHATS.md lists it by name.
 */
#include "crypto/sfp.h"

#include <sodium.h>
#include <string.h>

#include "crypto/fp.h"

#define SFP_LABEL "sotto secret chat fingerprint v1"

_Static_assert(SFP_HEX_TEXT_LEN == FP_KEY_TEXT_LEN, "hex text as fp.h");
_Static_assert(SFP_DIGEST_LEN == crypto_hash_sha256_BYTES, "SHA-256");

static const struct {
	uint32_t cp;
	const char *name;
} table[SFP_EMOJI_TABLE] = {
	{ 0x1F436, "dog" }, { 0x1F431, "cat" }, { 0x1F42D, "mouse" },
	{ 0x1F439, "hamster" }, { 0x1F430, "rabbit" }, { 0x1F98A, "fox" },
	{ 0x1F43B, "bear" }, { 0x1F43C, "panda" }, { 0x1F428, "koala" },
	{ 0x1F42F, "tiger" }, { 0x1F981, "lion" }, { 0x1F42E, "cow" },
	{ 0x1F437, "pig" }, { 0x1F438, "frog" }, { 0x1F435, "monkey" },
	{ 0x1F414, "chicken" }, { 0x1F427, "penguin" }, { 0x1F426, "bird" },
	{ 0x1F424, "chick" }, { 0x1F986, "duck" }, { 0x1F989, "owl" },
	{ 0x1F43A, "wolf" }, { 0x1F417, "boar" }, { 0x1F434, "horse" },
	{ 0x1F984, "unicorn" }, { 0x1F41D, "bee" }, { 0x1F41B, "bug" },
	{ 0x1F98B, "butterfly" }, { 0x1F40C, "snail" },
	{ 0x1F41E, "ladybird" }, { 0x1F422, "turtle" }, { 0x1F40D, "snake" },
	{ 0x1F419, "octopus" }, { 0x1F991, "squid" }, { 0x1F980, "crab" },
	{ 0x1F420, "fish" }, { 0x1F42C, "dolphin" }, { 0x1F433, "whale" },
	{ 0x1F40A, "crocodile" }, { 0x1F418, "elephant" },
	{ 0x1F34E, "apple" }, { 0x1F350, "pear" }, { 0x1F34A, "tangerine" },
	{ 0x1F34B, "lemon" }, { 0x1F34C, "banana" },
	{ 0x1F349, "watermelon" }, { 0x1F347, "grapes" },
	{ 0x1F353, "strawberry" }, { 0x1F352, "cherries" },
	{ 0x1F351, "peach" }, { 0x1F34D, "pineapple" }, { 0x1F95D, "kiwi" },
	{ 0x1F345, "tomato" }, { 0x1F346, "aubergine" },
	{ 0x1F955, "carrot" }, { 0x1F33D, "corn" }, { 0x1F344, "mushroom" },
	{ 0x1F335, "cactus" }, { 0x1F332, "fir tree" },
	{ 0x1F33B, "sunflower" }, { 0x1F319, "moon" }, { 0x1F31F, "star" },
	{ 0x1F525, "fire" }, { 0x1F680, "rocket" },
};

void
sfp_digest(uint8_t out[SFP_DIGEST_LEN], const uint8_t ik_a[SFP_KEY_LEN],
    const uint8_t ik_b[SFP_KEY_LEN])
{
	crypto_hash_sha256_state st;
	const uint8_t *lo = ik_a, *hi = ik_b;

	/* Public keys: an ordinary, variable-time comparison is fine. */
	if (memcmp(ik_a, ik_b, SFP_KEY_LEN) > 0) {
		lo = ik_b;
		hi = ik_a;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)SFP_LABEL,
	    strlen(SFP_LABEL));
	crypto_hash_sha256_update(&st, lo, SFP_KEY_LEN);
	crypto_hash_sha256_update(&st, hi, SFP_KEY_LEN);
	crypto_hash_sha256_final(&st, out);
}

void
sfp_format_hex(char out[SFP_HEX_TEXT_LEN], const uint8_t ik_a[SFP_KEY_LEN],
    const uint8_t ik_b[SFP_KEY_LEN])
{
	uint8_t d[SFP_DIGEST_LEN];

	sfp_digest(d, ik_a, ik_b);
	fp_format_key(out, d);
}

void
sfp_emoji_indices(uint8_t idx[SFP_EMOJI_COUNT],
    const uint8_t ik_a[SFP_KEY_LEN], const uint8_t ik_b[SFP_KEY_LEN])
{
	uint8_t d[SFP_DIGEST_LEN];
	unsigned i, bit, j;

	sfp_digest(d, ik_a, ik_b);
	for (i = 0; i < SFP_EMOJI_COUNT; i++) {
		idx[i] = 0;
		for (j = 0; j < 6; j++) {
			bit = i * 6 + j;
			idx[i] = (uint8_t)(idx[i] << 1 |
			    ((d[bit / 8] >> (7 - bit % 8)) & 1));
		}
	}
}

void
sfp_format_emoji(char out[SFP_EMOJI_TEXT_LEN],
    const uint8_t ik_a[SFP_KEY_LEN], const uint8_t ik_b[SFP_KEY_LEN])
{
	uint8_t idx[SFP_EMOJI_COUNT];
	size_t o = 0;
	unsigned i;
	uint32_t cp;

	sfp_emoji_indices(idx, ik_a, ik_b);
	for (i = 0; i < SFP_EMOJI_COUNT; i++) {
		if (i > 0)
			out[o++] = ' ';
		/* All entries are above U+FFFF: four bytes of UTF-8. */
		cp = table[idx[i]].cp;
		out[o++] = (char)(0xF0 | (cp >> 18));
		out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[o++] = (char)(0x80 | (cp & 0x3F));
	}
	out[o] = '\0';
}

uint32_t
sfp_emoji_codepoint(unsigned i)
{
	return i < SFP_EMOJI_TABLE ? table[i].cp : 0;
}

const char *
sfp_emoji_name(unsigned i)
{
	return i < SFP_EMOJI_TABLE ? table[i].name : NULL;
}
