#!/bin/sh
# A short libFuzzer run of tests/fuzz/fuzz_keys.c (the [keys] key
# bindings parser); see tests/fuzz/fuzz_lib.sh.
. "${SOTTO_SRCDIR:?}/tests/fuzz/fuzz_lib.sh"
fuzz_build fuzz_keys "$src/ui/keys.c" "$src/ui/sanitize.c" \
    "$src/lib/err.c" "$src/lib/utf8.c" "$src/proto/textrule.c"
mkdir -p "$work/corpus"
printf 'next_chat = C-o Tab\nprev_chat=M-C-x F12 S-Tab \302\251\nquit = none\n' >"$work/corpus/lines"
printf 'send = M-Enter\nnewline = Enter C-m PgUp PageDown\nsearch = C-\n' >"$work/corpus/more"
fuzz_run "$work/corpus"
