#!/bin/sh
# Short libFuzzer runs of the targets above the channel (doc/FUZZING.md),
# each from its committed corpus in tests/fuzz/corpus/TARGET: the code
# under test is compiled once with coverage hooks and the sanitizers, from
# the source lists the Makefile exports (a new server file is in them).
. "${SOTTO_SRCDIR:?}/tests/fuzz/fuzz_lib.sh"
: "${FUZZ_SERVER_SOURCES:?}" "${FUZZ_STORE_SOURCES:?}"
fuzz_seconds=${FUZZ_SMOKE_SECONDS:-4}

# smoke TARGET: runs $bin over a copy of the target's corpus.
smoke() {
	rm -rf "$work/corpus"
	mkdir -p "$work/corpus"
	cp "$src/tests/fuzz/corpus/$1"/* "$work/corpus/" 2>/dev/null || :
	echo "$1:"
	fuzz_run "$work/corpus"
}

# shellcheck disable=SC2086
fuzz_objs $FUZZ_SERVER_SOURCES $FUZZ_STORE_SOURCES $FUZZ_PROTO_SOURCES \
    proto/sotto.pb-c.c $FUZZ_CRYPTO_SOURCES
core=$objs
# shellcheck disable=SC2086
fuzz_build fuzz_request $FUZZ_DEP_CFLAGS $core $FUZZ_DEP_LIBS
smoke fuzz_request
