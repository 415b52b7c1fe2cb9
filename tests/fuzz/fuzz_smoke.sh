#!/bin/sh
# A short libFuzzer run of tests/fuzz/fuzz_chan.c (frames and the Noise
# channel) from the corpus in tests/fuzz/corpus; see
# tests/fuzz/fuzz_lib.sh.
. "${SOTTO_SRCDIR:?}/tests/fuzz/fuzz_lib.sh"
# shellcheck disable=SC2086
fuzz_build fuzz_chan $PROTOBUFC_CFLAGS "$src/lib/err.c" \
    "$src/proto/frame.c" "$src/proto/wire.c" "$src/chan/chan.c" \
    "$SOTTO_BUILDDIR/proto/sotto.pb-c.c" "$src/crypto/sec.c" \
    "$src/crypto/noise.c" $PROTOBUFC_LIBS $SODIUM_LIBS
mkdir -p "$work/corpus"
cp "$src"/tests/fuzz/corpus/fuzz_chan/* "$work/corpus/" 2>/dev/null || :
fuzz_run "$work/corpus"
