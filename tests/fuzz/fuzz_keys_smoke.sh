#!/bin/sh
# A short libFuzzer run of tests/fuzz/fuzz_keys.c (the [keys]
# key bindings parser), built here with clang whatever compiler built
# the rest. Skips (77) when clang or its fuzzer runtime is missing.
# Longer runs: build the same way and pass -max_total_time=600.
set -eu
: "${SOTTO_SRCDIR:?}" "${SOTTO_BUILDDIR:?}"
if [ -z "${FUZZ_CC:-}" ]; then
	echo "SKIP: clang not found (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
bin="$work/fuzz_keys"
src="$SOTTO_SRCDIR"
if ! "$FUZZ_CC" -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
    -g -O1 -fsanitize=fuzzer,address,undefined -I"$src" -I"$SOTTO_BUILDDIR" \
    -o "$bin" "$src/tests/fuzz/fuzz_keys.c" "$src/ui/keys.c" \
    "$src/ui/sanitize.c" "$src/proto/err.c" 2>"$work/cc.log"; then
	if grep -q 'libclang_rt.fuzzer\|cannot find.*fuzzer' "$work/cc.log"; then
		echo "SKIP: clang's libFuzzer runtime missing (apt-get install libclang-rt-14-dev)"
		exit 77
	fi
	cat "$work/cc.log"
	exit 1
fi
mkdir -p "$work/corpus"
printf 'next_chat = C-o Tab\nprev_chat=M-C-x F12 S-Tab \302\251\nquit = none\n' >"$work/corpus/lines"
printf 'send = M-Enter\nnewline = Enter C-m PgUp PageDown\nsearch = C-\n' >"$work/corpus/more"
"$bin" -max_total_time=15 -timeout=5 -rss_limit_mb=1024 "$work/corpus" \
    >"$work/run.log" 2>&1 || { tail -40 "$work/run.log"; exit 1; }
grep -E '^#[0-9]+ +DONE' "$work/run.log" || tail -3 "$work/run.log"
echo "fuzz smoke: no crash"
