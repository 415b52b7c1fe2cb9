#!/bin/sh
# DESIGN.md section 1 and STYLE.md: only ui/ includes curses (and its
# panel, menu and form libraries). Fails, naming the files, when a source
# file elsewhere does.
set -eu
: "${SOTTO_SRCDIR:?}"
cd "$SOTTO_SRCDIR"
bad=$(find . -path ./ui -prune -o \( -name '*.c' -o -name '*.h' \) -print |
    xargs grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(ncursesw?/)?(n?curses|panel|menu|form|term)\.h>' || :)
n=$(grep -lE '#include <curses.h>' ui/*.c ui/*.h | wc -l)
echo "1..2"
if [ -z "$bad" ]; then
	echo "ok 1 - no curses include outside ui/"
else
	echo "not ok 1 - curses included outside ui/:"
	echo "$bad" | sed 's/^/#   /'
	exit 1
fi
# The check looks at the right tree: ui/ itself does include curses.
if [ "$n" -gt 0 ]; then
	echo "ok 2 - ui/ includes curses ($n files)"
else
	echo "not ok 2 - no curses include found in ui/: wrong tree?"
	exit 1
fi
