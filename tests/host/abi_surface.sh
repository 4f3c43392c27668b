#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: libktstr.so exports exactly what the public headers declare.
# Two mechanisms keep it so, and each is checked on its own:
#  - visibility: the library is built with -fvisibility=hidden and every
#    user/include/ktstr/*.h marks its declarations with
#    `#pragma GCC visibility push(default)`; every symbol of libktstr.a
#    left with default visibility must be named in a public header;
#  - the version script (scripts/mkversion.sh): every dynamic symbol of
#    libktstr.so is named in a public header, and every symbol of the
#    script the objects define is exported (none hidden by mistake).
# A helper private to one folder of user/lib (cg_read, ops_fail,
# report_esc, ...) is neither default-visible nor exported; the checker
# itself is tried on a small library that does export one.
cd "$(dirname "$0")/../.." || exit 1
name=abi
so=build/libktstr.so
ar=build/libktstr.a
map=build/libktstr.map

if [ ! -e "$so" ] || [ ! -e "$ar" ] || [ ! -e "$map" ] ||
   ! command -v nm >/dev/null || ! command -v readelf >/dev/null; then
	echo "not ok - $name: $so, $ar, $map, nm or readelf missing (make all)"
	exit 0
fi
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
cat user/include/ktstr/*.h | grep -oE '\b[a-z_][a-z0-9_]*\b' | sort -u >"$d/declared"

# exported SO: its defined dynamic symbols, one a line.
exported() {
	nm -D --defined-only "$1" | awk '{ sub(/@.*/, "", $3); print $3 }' |
		grep -vx 'LIBKTSTR_0' | sort -u
}
# default_visible OBJ...: global symbols they define with default visibility.
default_visible() {
	readelf -sW "$@" 2>/dev/null |
		awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 == "DEFAULT" && $7 != "UND" { print $8 }' |
		sort -u
}
# undeclared LIST: the names of LIST in no public header.
undeclared() {
	comm -23 "$1" "$d/declared"
}

# The checker catches a library that exports a helper.
printf '%s\n' 'int cg_read(void) { return 0; }' 'int ktstr_now_ns(void) { return 1; }' >"$d/leak.c"
if cc -shared -fPIC -o "$d/leak.so" "$d/leak.c" 2>/dev/null; then
	exported "$d/leak.so" >"$d/leak.exp"
	if [ "$(undeclared "$d/leak.exp")" = cg_read ]; then
		echo "ok - $name: the check sees a helper a library exports (cg_read)"
	else
		echo "not ok - $name: the check misses a helper a library exports"
	fi
fi

exported "$so" >"$d/exported"
undeclared "$d/exported" >"$d/extra"
if [ ! -s "$d/extra" ]; then
	echo "ok - $name: all $(wc -l <"$d/exported") exported symbols are declared in the public headers"
else
	echo "not ok - $name: $(wc -l <"$d/extra") exported symbols are in no public header: $(head -n 8 "$d/extra" | tr '\n' ' ')"
fi

default_visible "$ar" >"$d/visible"
undeclared "$d/visible" >"$d/vextra"
if [ ! -s "$d/vextra" ]; then
	echo "ok - $name: all $(wc -l <"$d/visible") default-visibility symbols of $ar are declared in the public headers"
else
	echo "not ok - $name: $(wc -l <"$d/vextra") symbols of $ar have default visibility but are in no public header: $(head -n 8 "$d/vextra" | tr '\n' ' ')"
fi

# Every name of the version script the objects define is exported.
sed -n 's/^[[:space:]]*\(ktstr_[a-z0-9_]*\);$/\1/p' "$map" | sort -u >"$d/script"
nm --defined-only "$ar" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$d/defined"
comm -12 "$d/script" "$d/defined" | comm -23 - "$d/exported" >"$d/hidden"
if [ ! -s "$d/hidden" ]; then
	echo "ok - $name: every public symbol the library defines is exported"
else
	echo "not ok - $name: $(wc -l <"$d/hidden") public symbols are not exported (a header without the visibility marker?): $(head -n 8 "$d/hidden" | tr '\n' ' ')"
fi

if nm -D "$so" | grep -q ' ktstr_now_ns@@LIBKTSTR_0$'; then
	echo "ok - $name: symbols carry the LIBKTSTR_0 version"
else
	echo "not ok - $name: no versioned symbols"
fi
