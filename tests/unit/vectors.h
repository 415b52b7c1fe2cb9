/*
 * Test vectors for the crypto unit tests, read from the JSON files in
 * $SOTTO_VECTORS (../shared/vectors beside the source tree by default).
 * When the directory or a file is absent the test is skipped (exit 77),
 * never passed.
 */
#ifndef SOTTO_TEST_VECTORS_H
#define SOTTO_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Loads $SOTTO_VECTORS/name. A missing file skips the whole test with a
 * TAP "1..0 # SKIP" line and exit 77; a file that does not parse is a
 * failure (exit 1), because a corrupt vector must not look like a pass.
 */
json_t *vectors_load(const char *name);

/*
 * The hex string member key of obj, decoded into a malloc'ed buffer.
 * Returns NULL (and *len 0) when the member is absent or not hex; an empty
 * string gives a non-NULL buffer of length 0. Free with free().
 */
uint8_t *vectors_hex(const json_t *obj, const char *key, size_t *len);

#endif
