#!/bin/sh
# A short libFuzzer run of tests/fuzz/fuzz_ratchet.c (ratchet messages
# and state blobs); see tests/fuzz/fuzz_lib.sh.
. "${SOTTO_SRCDIR:?}/tests/fuzz/fuzz_lib.sh"
# shellcheck disable=SC2086
fuzz_build fuzz_ratchet "$src/lib/err.c" "$src/crypto/sec.c" \
    "$src/crypto/hkdf.c" "$src/crypto/x3dh.c" "$src/crypto/ratchet.c" \
    $SODIUM_LIBS
fuzz_run -max_len=2048
