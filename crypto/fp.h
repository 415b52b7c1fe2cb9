/* Fingerprints: how keys are shown to and typed by people. */
#ifndef SOTTO_FP_H
#define SOTTO_FP_H

#include <stddef.h>
#include <stdint.h>

/* 64 hex digits in 16 groups of 4, separated by spaces, plus NUL. */
#define FP_KEY_TEXT_LEN (64 + 15 + 1)

/*
 * A server fingerprint is the server's 32-byte static public key itself,
 * written as 16 groups of 4 lower-case hex digits, so that what sottod
 * prints is exactly what `sotto --server-key` takes.
 */
void fp_format_key(char out[FP_KEY_TEXT_LEN], const uint8_t key[32]);

/* Parses 64 hex digits (spaces and ':' allowed between pairs). 0 or ERR_INVAL. */
int fp_parse_key(uint8_t key[32], const char *text);

#endif
