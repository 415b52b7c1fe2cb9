/*
 * Secret-chat fingerprints: what two people compare to verify a secret
 * chat. Both devices compute it from the two Ed25519 identity keys in
 * either order and get the same text. doc/SECRET_CHATS.md describes the
 * derivation and lists the emoji table.
 */
#ifndef SOTTO_SFP_H
#define SOTTO_SFP_H

#include <stddef.h>
#include <stdint.h>

#define SFP_KEY_LEN 32
#define SFP_DIGEST_LEN 32
#define SFP_EMOJI_COUNT 12		/* 6 bits each: 72 bits of the digest */
#define SFP_EMOJI_TABLE 64
/* 16 groups of 4 hex digits with spaces, plus NUL (as fp_format_key). */
#define SFP_HEX_TEXT_LEN (64 + 15 + 1)
/* Each emoji is one code point, 4 bytes of UTF-8; spaces between; NUL. */
#define SFP_EMOJI_TEXT_LEN (SFP_EMOJI_COUNT * 5)

/*
 * digest = SHA-256("sotto secret chat fingerprint v1" || lo || hi), where
 * lo and hi are the two identity keys in bytewise order.
 */
void sfp_digest(uint8_t out[SFP_DIGEST_LEN], const uint8_t ik_a[SFP_KEY_LEN],
    const uint8_t ik_b[SFP_KEY_LEN]);

/* The whole digest as 16 space-separated groups of 4 lower-case hex digits. */
void sfp_format_hex(char out[SFP_HEX_TEXT_LEN],
    const uint8_t ik_a[SFP_KEY_LEN], const uint8_t ik_b[SFP_KEY_LEN]);

/*
 * The digest's first 72 bits, 6 at a time from the most significant bit of
 * byte 0, as SFP_EMOJI_COUNT emoji from the fixed table, UTF-8, separated
 * by single spaces, NUL-terminated.
 */
void sfp_format_emoji(char out[SFP_EMOJI_TEXT_LEN],
    const uint8_t ik_a[SFP_KEY_LEN], const uint8_t ik_b[SFP_KEY_LEN]);

/* The emoji indices themselves (0..63), for callers that draw their own. */
void sfp_emoji_indices(uint8_t idx[SFP_EMOJI_COUNT],
    const uint8_t ik_a[SFP_KEY_LEN], const uint8_t ik_b[SFP_KEY_LEN]);

/* Table entry i (0..63): its code point and English name; 0/NULL past 63. */
uint32_t sfp_emoji_codepoint(unsigned i);
const char *sfp_emoji_name(unsigned i);

#endif
