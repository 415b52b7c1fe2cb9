#!/bin/sh
# LAYOUT.md's dependency rules, checked on the includes of the source
# tree: the arrows point down (main -> ui -> client -> {store, chan} ->
# {db, crypto, proto} -> lib; server -> {chan, db, crypto, proto, lib};
# db -> crypto, because it wipes the key it opens a database with), and
# each outside library is included in its own folder only (STYLE.md:
# curses in ui/, libsodium in crypto/, SQLCipher in db/, whose header only
# the two stores include). ui/ sees the engine's own values only: it
# names nothing of store/ (no store_ or STORE_ identifier), and the
# headers it reads the engine through (client/cloud.h, client/secret.h
# and every client/ header they or ui/ include) include no store/ header.
# Fails, naming the files, when a rule is broken.
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

# client_headers PATH...: the client/ headers that the files under PATHs
# include, and those that these include in turn.
# shellcheck disable=SC2046,SC2086
client_headers() {
	set -- $(find "$@" \( -name '*.c' -o -name '*.h' \) -print)
	hs=
	while :; do
		new=$(sed -n "s|$inc\"\\(client/[a-z_]*\\.h\\)\".*|\\1|p" \
		    "$@" $hs /dev/null | sort -u)
		[ "$new" = "$hs" ] && break
		hs=$new
	done
	printf '%s\n' $hs
}

# The product's folders but those named (main.c counts as one).
others() {
	for d in client ui server store db crypto proto chan lib main.c; do
		[ -e "$d" ] || continue
		keep=1
		for x in "$@"; do
			[ "$d" = "$x" ] && keep=0
		done
		[ "$keep" = 0 ] || printf '%s\n' "$d"
	done
}

# only PATH FOLDER...: the .c and .h files under PATH that include a
# product folder other than the FOLDERs.
only() {
	path=$1
	shift
	# shellcheck disable=SC2046
	matching "\"($(others "$@" | grep -v main.c | paste -sd '|' -))/" "$path"
}

echo "1..17"

# The arrows: what each folder may include.
report "lib/ includes only lib/" "$(only lib lib)"
report "proto/ includes only proto/ and lib/" "$(only proto proto lib)"
report "crypto/ includes only crypto/ and lib/" "$(only crypto crypto lib)"
report "db/ includes only db/, crypto/ and lib/" "$(only db db crypto lib)"
report "chan/ includes only chan/, crypto/, proto/ and lib/" \
    "$(only chan chan crypto proto lib)"
report "store/ includes only store/, db/, crypto/, proto/ and lib/" \
    "$(only store store db crypto proto lib)"
report "server/ includes nothing of client/, ui/ or store/" \
    "$(matching '"(client|ui|store)/' server)"
report "client/ includes nothing of ui/ or server/" \
    "$(matching '"(ui|server)/' client)"
report "ui/ includes nothing of server/, store/ or db/" \
    "$(matching '"(server|store|db)/' ui)"
report "ui/ names nothing of store/ (no store_ or STORE_ identifier)" \
    "$(find ui \( -name '*.c' -o -name '*.h' \) -print | sort |
	xargs grep -nwE '(store|STORE)_[A-Za-z0-9_]*' || :)"
# shellcheck disable=SC2046
report "client/cloud.h, secret.h and the client/ headers ui/ reads include no store/" \
    "$(matching '"store/' $({ echo client/cloud.h; echo client/secret.h;
	client_headers ui; } | sort -u))"

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
report "SQLCipher is included only under db/" \
    "$(matching "$sqlite" $(others db))"
# shellcheck disable=SC2046
report "db/sqlc.h is included only by store/ and sottod's store" \
    "$(matching '"db/sqlc\.h"' $(others store db server) server |
	grep -vE '^server/srv_(store|schema)[a-z_]*\.[ch]$' || :)"

# The checks look at the right tree: what is allowed is there.
report "ui/, crypto/ and db/ do include their libraries" "$(
	[ -n "$(matching "$curses" ui)" ] || echo "no curses in ui/"
	[ -n "$(matching "$sodium" crypto)" ] || echo "no sodium in crypto/"
	[ -n "$(matching "$sqlite" db)" ] || echo "no SQLCipher in db/")"
report "the arrows down are there (main -> ui -> client -> crypto)" "$(
	[ -n "$(matching '"ui/' main.c)" ] || echo "main.c: no ui/"
	[ -n "$(matching '"client/' ui)" ] || echo "ui/: no client/"
	[ -n "$(matching '"crypto/' client)" ] || echo "client/: no crypto/")"
exit $failed
