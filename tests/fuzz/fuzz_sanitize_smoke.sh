#!/bin/sh
# A short libFuzzer run of tests/fuzz/fuzz_sanitize.c (the display
# sanitiser and wrapping); see tests/fuzz/fuzz_lib.sh.
. "${SOTTO_SRCDIR:?}/tests/fuzz/fuzz_lib.sh"
fuzz_build fuzz_sanitize "$src/ui/sanitize.c" "$src/ui/wrap.c" \
    "$src/lib/err.c" "$src/lib/utf8.c" "$src/proto/textrule.c"
mkdir -p "$work/corpus"
printf '\033]0;title\007x\033[2Jy\302\233' >"$work/corpus/seq"
printf 'e\314\201\314\201\342\200\256\344\270\255\360\237\221\215\360\237\217\275' >"$work/corpus/marks"
fuzz_run "$work/corpus"
