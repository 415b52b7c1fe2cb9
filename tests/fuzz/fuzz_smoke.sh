#!/bin/sh
# A short libFuzzer run of tests/fuzz/fuzz_chan.c, built here with clang
# whatever compiler built the rest, so that make check exercises the target.
# Skips (77) when clang or its fuzzer runtime is missing. Longer runs:
#   CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_chan
#   ./tests/fuzz/fuzz_chan -max_total_time=600 tests/fuzz/corpus
set -eu
: "${SOTTO_SRCDIR:?}" "${SOTTO_BUILDDIR:?}"
if [ -z "${FUZZ_CC:-}" ]; then
	echo "SKIP: clang not found (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
bin="$work/fuzz_chan"
src="$SOTTO_SRCDIR"
# shellcheck disable=SC2086
if ! "$FUZZ_CC" -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 \
    -fsanitize=fuzzer,address,undefined -I"$src" -I"$SOTTO_BUILDDIR" \
    $PROTOBUFC_CFLAGS -o "$bin" "$src/tests/fuzz/fuzz_chan.c" \
    "$src/proto/err.c" "$src/proto/frame.c" "$src/proto/wire.c" \
    "$src/proto/chan.c" "$SOTTO_BUILDDIR/proto/sotto.pb-c.c" \
    "$src/crypto/sec.c" "$src/crypto/noise.c" \
    $PROTOBUFC_LIBS $SODIUM_LIBS 2>"$work/cc.log"; then
	if grep -q 'libclang_rt.fuzzer\|cannot find.*fuzzer' "$work/cc.log"; then
		echo "SKIP: clang's libFuzzer runtime missing (apt-get install libclang-rt-14-dev)"
		exit 77
	fi
	cat "$work/cc.log"
	exit 1
fi
mkdir -p "$work/corpus"
cp "$src"/tests/fuzz/corpus/* "$work/corpus/" 2>/dev/null || :
"$bin" -max_total_time=15 -timeout=5 -rss_limit_mb=1024 "$work/corpus" \
    >"$work/run.log" 2>&1 || { tail -40 "$work/run.log"; exit 1; }
grep -E '^#[0-9]+ +DONE' "$work/run.log" || tail -3 "$work/run.log"
echo "fuzz smoke: no crash"
