#!/bin/sh
# Short libFuzzer runs of the targets above the channel (doc/FUZZING.md),
# each from its committed corpus in tests/fuzz/corpus/TARGET: the code
# under test is compiled once with coverage hooks and the sanitizers, from
# the source lists the Makefile exports (so a new file is in them), into
# archives the targets link.
. "${SOTTO_SRCDIR:?}/tests/fuzz/fuzz_lib.sh"
: "${FUZZ_SERVER_SOURCES:?}" "${FUZZ_CLIENT_SOURCES:?}"
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
fuzz_objs $FUZZ_STORE_SOURCES $FUZZ_PROTO_SOURCES proto/sotto.pb-c.c \
    $FUZZ_CRYPTO_SOURCES $FUZZ_BASE_SOURCES
fuzz_ar core
# shellcheck disable=SC2086
fuzz_objs $FUZZ_SERVER_SOURCES
fuzz_ar server
# The client without main.c, and without engine.c: fuzz_client.c is the
# engine there.
client=
for f in $FUZZ_CLIENT_SOURCES; do
	case $f in main.c|client/engine.c) ;; *) client="$client $f" ;; esac
done
# shellcheck disable=SC2086
fuzz_objs $client
fuzz_ar client
# shellcheck disable=SC2086
fuzz_objs $FUZZ_UI_SOURCES
fuzz_ar ui

core="$work/core.a"
# shellcheck disable=SC2086
fuzz_build fuzz_request $FUZZ_DEP_CFLAGS "$work/server.a" "$core" \
    $FUZZ_DEP_LIBS
smoke fuzz_request
for t in fuzz_update fuzz_secret fuzz_ctl; do
	# shellcheck disable=SC2086
	fuzz_build $t $FUZZ_DEP_CFLAGS $FUZZ_CLIENT_CFLAGS \
	    "$src/tests/fuzz/fuzz_client.c" "$work/client.a" "$work/ui.a" \
	    "$core" $FUZZ_DEP_LIBS $FUZZ_CLIENT_LIBS
	smoke $t
done
# shellcheck disable=SC2086
fuzz_build fuzz_settings $FUZZ_CLIENT_CFLAGS "$work/ui.a" "$core" \
    $FUZZ_CLIENT_LIBS
smoke fuzz_settings
