#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: every public header (user/include/ktstr/*.h, and the uapi
# header include/uapi/linux/ktstr.h) compiles alone, as the first and only
# include of a program, in three modes a user may build in:
#   c11   gcc -std=c11 -pedantic, no _GNU_SOURCE or other feature macro
#   c99   gcc -std=c99 -pedantic, the same
#   c++   g++ -std=c++11 -pedantic
# and in C++ every function the header declares keeps C linkage (extern
# "C"): a C++ object taking each one's address must not ask for a mangled
# ktstr_* symbol. The functions come from gcc -aux-info, which lists every
# prototype with the file that declares it. <ktstr/ktstr.h> includes every
# public header.
cd "$(dirname "$0")/../.." || exit 1
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
failed=0
inc="-Iuser/include -Iinclude/uapi $(pkg-config --cflags jansson hwloc 2>/dev/null)"
warn="-Wall -Wextra -Werror -pedantic"

check() {
	if [ -z "$2" ]; then
		echo "ok - headers: $1"
	else
		echo "not ok - headers: $1: $2"
		failed=1
	fi
}

headers="linux/ktstr.h"
for h in user/include/ktstr/*.h; do
	headers="$headers ktstr/${h##*/}"
done

for h in $headers; do
	printf '#include <%s>\nint main(void) { return 0; }\n' "$h" >"$d/t.c"
	for std in c11 c99; do
		# shellcheck disable=SC2086
		gcc -std=$std $warn $inc -c -o "$d/t.o" "$d/t.c" 2>"$d/err"
		check "<$h> alone compiles with gcc -std=$std -pedantic" \
			"$(grep -m 2 -E "error|warning" "$d/err" | tr "\n" " ")"
	done

	# The functions declared in this header itself, by gcc -aux-info.
	# shellcheck disable=SC2086
	gcc -std=c11 $inc -fsyntax-only -aux-info "$d/aux" "$d/t.c" 2>/dev/null
	f=$(find user/include include/uapi -path "*/$h")
	fns=$(grep -F "/* $f:" "$d/aux" 2>/dev/null |
		sed -n 's/.*[ *]\(ktstr_[a-z0-9_]*\) (.*/\1/p' | sort -u)
	{
		printf '#include <%s>\n' "$h"
		echo 'typedef void (*any_fn)(void);'
		echo 'any_fn volatile keep;'
		echo 'int main() {'
		for fn in $fns; do
			echo "	keep = reinterpret_cast<any_fn>(&$fn);"
		done
		echo '	return 0;'
		echo '}'
	} >"$d/t.cc"
	# shellcheck disable=SC2086
	g++ -std=c++11 $warn $inc -c -o "$d/t.o" "$d/t.cc" 2>"$d/err"
	why=
	if [ -s "$d/err" ]; then
		why=$(grep -m 2 -E "error|warning" "$d/err" | tr "\n" " ")
	else
		mangled=$(nm -u "$d/t.o" | grep -o '_Z[A-Za-z0-9_]*ktstr_[a-z0-9_]*' | tr '\n' ' ')
		[ -z "$mangled" ] || why="C++ linkage (no extern \"C\"): $mangled"
	fi
	check "<$h> alone compiles with g++ -std=c++11 -pedantic, $(echo "$fns" | wc -w) functions with C linkage" "$why"
done
# The umbrella header includes every other public header.
why=
for h in user/include/ktstr/*.h; do
	n=${h##*/}
	[ "$n" = ktstr.h ] || grep -q "^#include <ktstr/$n>" user/include/ktstr/ktstr.h || why="$why $n"
done
check "<ktstr/ktstr.h> includes every public header" "${why:+missing:$why}"
exit $failed
