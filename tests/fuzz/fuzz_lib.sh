# The common part of the fuzz smoke tests, sourced by each: it skips
# (77) when clang or its libFuzzer runtime is missing, and gives
#   fuzz_build NAME ARG...  compiles tests/fuzz/NAME.c and ARGs (the
#                           sources and libraries it needs) with clang
#                           under libFuzzer, ASan and UBSan into $bin;
#   fuzz_objs SOURCE...     compiles each .c of SOURCEs (headers are
#                           skipped) once into $work/obj, with coverage
#                           hooks and the sanitizers; $objs lists them;
#   fuzz_ar NAME            puts $objs into the archive $work/NAME.a
#                           (a target links only the members it uses);
#   fuzz_run ARG...         runs $bin for $fuzz_seconds (15) s with ARGs
#                           (a corpus directory, libFuzzer options); a
#                           crash, leak or UB fails.
# $src is the source tree, $work a scratch directory removed at exit.
# Longer runs: make fuzz in a fuzzing build (doc/FUZZING.md).
set -eu
: "${SOTTO_SRCDIR:?}" "${SOTTO_BUILDDIR:?}"
src=$SOTTO_SRCDIR
if [ -z "${FUZZ_CC:-}" ]; then
	echo "SKIP: clang not found (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

fuzz_build() {
	name=$1
	shift
	bin="$work/$name"
	if ! "$FUZZ_CC" -std=c11 -D_POSIX_C_SOURCE=200809L \
	    -D_XOPEN_SOURCE=700 -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined \
	    -I"$src" -I"$SOTTO_BUILDDIR" -o "$bin" "$src/tests/fuzz/$name.c" \
	    "$@" 2>"$work/cc.log"; then
		if grep -q 'libclang_rt.fuzzer\|cannot find.*fuzzer' \
		    "$work/cc.log"; then
			echo "SKIP: clang's libFuzzer runtime missing" \
			    "(apt-get install libclang-rt-14-dev)"
			exit 77
		fi
		cat "$work/cc.log"
		exit 1
	fi
}

fuzz_objs() {
	mkdir -p "$work/obj"
	objs=
	for f in "$@"; do
		case $f in *.c) ;; *) continue ;; esac
		case $f in proto/sotto.pb-c.c) in=$SOTTO_BUILDDIR/$f ;;
		*) in=$src/$f ;; esac
		o=$work/obj/$(echo "$f" | tr / _).o
		if [ ! -f "$o" ]; then
			# shellcheck disable=SC2086
			"$FUZZ_CC" -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 \
			    -fsanitize=fuzzer-no-link,address,undefined \
			    -fno-sanitize-recover=undefined -I"$src" \
			    -I"$SOTTO_BUILDDIR" ${FUZZ_DEP_CFLAGS:-} \
			    ${FUZZ_CLIENT_CFLAGS:-} -c "$in" \
			    -o "$o" 2>"$work/cc.log" || { cat "$work/cc.log"; exit 1; }
		fi
		objs="$objs $o"
	done
}

fuzz_ar() {
	rm -f "$work/$1.a"
	# shellcheck disable=SC2086
	ar rcs "$work/$1.a" $objs
}

fuzz_seconds=15
fuzz_run() {
	"$bin" -max_total_time="$fuzz_seconds" -timeout=5 -rss_limit_mb=1024 "$@" \
	    >"$work/run.log" 2>&1 || { tail -40 "$work/run.log"; exit 1; }
	grep -E '^#[0-9]+[[:space:]]+DONE' "$work/run.log" || tail -3 "$work/run.log"
	echo "fuzz smoke: no crash"
}
