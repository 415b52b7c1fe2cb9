#!/bin/sh
# Sotto quick start on Debian 12.
#
#   ./quickstart.sh        install what is missing, build, start a local
#                          sottod on 127.0.0.1:7433 (data in ./demo), create
#                          two demo accounts and open the terminal UI on one
#   ./quickstart.sh test   install what is missing, build, run make check
#   ./quickstart.sh stop   stop the demo sottod
set -eu

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
build="$top/build"
demo="$top/demo"
port=7433

DEPS="build-essential autoconf automake pkg-config
libsodium-dev libuv1-dev libsqlcipher-dev sqlcipher libncurses-dev
libprotobuf-c-dev protobuf-c-compiler libjansson-dev libinih-dev
libqrencode-dev python3 python3-pexpect python3-pyte python3-dissononce
python3-x3dh python3-doubleratchet python3-nacl tmux clang libclang-rt-14-dev"

say() { printf '%s\n' "quickstart: $*"; }

install_deps() {
	missing=""
	for p in $DEPS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	say "installing:$missing"
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    --no-install-recommends $missing
}

build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	    [ Makefile.am -nt configure ]; then
		say "autoreconf"
		autoreconf -fi >/dev/null
	fi
	mkdir -p "$build"
	cd "$build"
	[ -f Makefile ] || "$top/configure" --enable-werror -q
	make -s -j"$(nproc)"
	cd "$top"
}

stop_demo() {
	if [ -f "$demo/sottod.pid" ]; then
		kill "$(cat "$demo/sottod.pid")" 2>/dev/null || :
		rm -f "$demo/sottod.pid"
		say "demo sottod stopped"
	fi
}

# Runs the client for a demo profile. The demo keeps its passphrase and
# password in files under demo/ (mode 0600) so that nothing has to be
# typed; a real profile should not.
demo_sotto() {
	who=$1
	shift
	XDG_DATA_HOME="$demo/xdg-$who" "$build/sotto" --server "127.0.0.1:$port" \
	    --passphrase-file "$demo/$who.passphrase" \
	    --password-file "$demo/$who.password" "$@"
}

run_demo() {
	mkdir -p "$demo"
	chmod 700 "$demo"
	if [ -f "$demo/sottod.pid" ] && kill -0 "$(cat "$demo/sottod.pid")" 2>/dev/null; then
		say "demo sottod already running (pid $(cat "$demo/sottod.pid"))"
	else
		"$build/sottod" --listen "127.0.0.1:$port" --data "$demo/server" \
		    --log "$demo/sottod.log" >"$demo/sottod.out" 2>&1 &
		echo $! >"$demo/sottod.pid"
		i=0
		until grep -q 'listening on' "$demo/sottod.out" 2>/dev/null; do
			i=$((i + 1))
			if [ $i -gt 100 ] || ! kill -0 "$(cat "$demo/sottod.pid")" 2>/dev/null; then
				cat "$demo/sottod.out" >&2
				say "sottod did not start (is port $port in use?)"
				exit 1
			fi
			sleep 0.1
		done
		sed 's/^/  /' "$demo/sottod.out"
	fi
	for who in demo friend; do
		umask 077
		[ -f "$demo/$who.passphrase" ] || echo "$who local passphrase" >"$demo/$who.passphrase"
		[ -f "$demo/$who.password" ] || echo "$who-demo-password" >"$demo/$who.password"
		if ! demo_sotto "$who" --whoami >/dev/null 2>&1; then
			demo_sotto "$who" --register "$who" --display-name "Demo ${who}" >/dev/null
			say "registered demo account @$who"
		fi
	done
	# A first message waits in the demo's chat list, so there is
	# something to answer; sent once, on the first run.
	if [ ! -f "$demo/greeted" ]; then
		demo_sotto friend -t @demo -m "Hi! This is @friend. Type a reply and press Enter; F1 lists the keys, /quit leaves." >/dev/null &&
		    : >"$demo/greeted"
	fi
	cat <<EOT

The local server runs on 127.0.0.1:$port with its data in demo/server.
The demo accounts @demo and @friend have profiles under demo/ (their
passphrases sit in demo/*.passphrase for this demo only).

To be @friend from another terminal:

  XDG_DATA_HOME=$demo/xdg-friend $build/sotto --server 127.0.0.1:$port \\
      --passphrase-file $demo/friend.passphrase -t @demo -m "hello again"

Your own account: $build/sotto --register yourname (asks for a
passphrase and a password), then $build/sotto opens the terminal UI.
Stop the server with: ./quickstart.sh stop
EOT
	if [ -t 0 ] && [ -t 1 ]; then
		say "opening the terminal UI as @demo (F1: keys, /quit: leave)"
		sleep 1
		demo_sotto demo
	else
		say "no terminal here: run ./quickstart.sh in a terminal to open the UI"
	fi
}

case "${1:-}" in
"")
	install_deps
	build
	run_demo
	;;
test)
	install_deps
	build
	cd "$build"
	make -j"$(nproc)" check
	;;
stop)
	stop_demo
	;;
*)
	echo "usage: ./quickstart.sh [test|stop]" >&2
	exit 64
	;;
esac
