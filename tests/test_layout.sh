#!/bin/sh
# LAYOUT.md's dependency rules, checked on the includes of the source
# tree: the arrows point down (ui -> client -> {store, chan} -> {crypto,
# proto} -> lib; server -> {chan, crypto, proto, lib}), and each outside
# library is included in its own folder only (STYLE.md: curses in ui/,
# libsodium in crypto/, SQLCipher in store/). Fails, naming the files,
# when a rule is broken.
#
# Only the rules that hold are here. Not yet (LAYOUT.md, "Arrows"): every
# crypto/*.c includes proto/err.h and proto/chan.* include crypto/ (err
# and the channel have not moved to lib/ and chan/ yet), and sottod's
# server/srv_store*.c include store/sqlc.h (sqlc is not in lib/ yet).
# main.c, above client/ and ui/, may include both.
set -eu
: "${SOTTO_SRCDIR:?}"
cd "$SOTTO_SRCDIR"

n=0
failed=0
inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*'

# report NAME FILES: ok when FILES is empty, else not ok naming them.
report() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1:"
		printf '%s\n' "$2" | sed 's/^/#   /'
		failed=1
	fi
}

# matching REGEX PATH...: the .c and .h files under PATHs that include it.
matching() {
	re=$1
	shift
	find "$@" \( -name '*.c' -o -name '*.h' \) -print |
	    xargs grep -lE "$inc$re" | sort || :
}

# The product's folders but those named (main.c counts as one).
others() {
	for d in client ui server store crypto proto chan lib main.c; do
		[ -e "$d" ] || continue
		keep=1
		for x in "$@"; do
			[ "$d" = "$x" ] && keep=0
		done
		[ "$keep" = 0 ] || printf '%s\n' "$d"
	done
}

echo "1..11"

# The arrows: what each folder must not include.
report "client/ includes nothing of ui/ or server/" \
    "$(matching '"(ui|server)/' client)"
report "ui/ includes nothing of server/" "$(matching '"server/' ui)"
report "server/ includes nothing of client/ or ui/" \
    "$(matching '"(client|ui)/' server)"
report "store/ includes nothing of client/, ui/ or server/" \
    "$(matching '"(client|ui|server)/' store)"
report "crypto/ includes nothing of client/, ui/, server/ or store/" \
    "$(matching '"(client|ui|server|store)/' crypto)"
report "proto/ includes nothing of client/, ui/, server/ or store/" \
    "$(matching '"(client|ui|server|store)/' proto)"

# The outside libraries, each in its own folder.
curses='<(ncursesw?/)?(n?curses|panel|menu|form|term)\.h>'
sodium='<sodium(\.h|/)'
sqlite='<(sqlcipher/)?sqlite3\.h>'
# shellcheck disable=SC2046
report "curses is included only under ui/" \
    "$(matching "$curses" $(others ui))"
# shellcheck disable=SC2046
report "libsodium is included only under crypto/" \
    "$(matching "$sodium" $(others crypto))"
# shellcheck disable=SC2046
report "SQLCipher is included only under store/" \
    "$(matching "$sqlite" $(others store))"

# The checks look at the right tree: what is allowed is there.
report "ui/, crypto/ and store/ do include their libraries" "$(
	[ -n "$(matching "$curses" ui)" ] || echo "no curses in ui/"
	[ -n "$(matching "$sodium" crypto)" ] || echo "no sodium in crypto/"
	[ -n "$(matching "$sqlite" store)" ] || echo "no SQLCipher in store/")"
report "the arrows down are there (main -> ui -> client -> crypto)" "$(
	[ -n "$(matching '"ui/' main.c)" ] || echo "main.c: no ui/"
	[ -n "$(matching '"client/' ui)" ] || echo "ui/: no client/"
	[ -n "$(matching '"crypto/' client)" ] || echo "client/: no crypto/")"
exit $failed
