#!/bin/sh
# A short libFuzzer run of tests/fuzz/fuzz_ratchet.c (ratchet messages and
# state blobs), built here with clang whatever compiler built the rest.
# Skips (77) when clang or its fuzzer runtime is missing. Longer runs:
#   CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_ratchet
#   ./tests/fuzz/fuzz_ratchet -max_total_time=600
set -eu
: "${SOTTO_SRCDIR:?}" "${SOTTO_BUILDDIR:?}"
if [ -z "${FUZZ_CC:-}" ]; then
	echo "SKIP: clang not found (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
bin="$work/fuzz_ratchet"
src="$SOTTO_SRCDIR"
# shellcheck disable=SC2086
if ! "$FUZZ_CC" -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 \
    -fsanitize=fuzzer,address,undefined -I"$src" -I"$SOTTO_BUILDDIR" \
    -o "$bin" "$src/tests/fuzz/fuzz_ratchet.c" "$src/proto/err.c" \
    "$src/crypto/sec.c" "$src/crypto/hkdf.c" "$src/crypto/x3dh.c" \
    "$src/crypto/ratchet.c" $SODIUM_LIBS 2>"$work/cc.log"; then
	if grep -q 'libclang_rt.fuzzer\|cannot find.*fuzzer' "$work/cc.log"; then
		echo "SKIP: clang's libFuzzer runtime missing (apt-get install libclang-rt-14-dev)"
		exit 77
	fi
	cat "$work/cc.log"
	exit 1
fi
"$bin" -max_total_time=15 -timeout=5 -rss_limit_mb=1024 -max_len=2048 \
    >"$work/run.log" 2>&1 || { tail -40 "$work/run.log"; exit 1; }
grep -E '^#[0-9]+ +DONE' "$work/run.log" || tail -3 "$work/run.log"
echo "fuzz smoke: no crash"
