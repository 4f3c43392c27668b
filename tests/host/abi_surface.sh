#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: libktstr.so exports exactly what the public headers declare
# (scripts/mkversion.sh's version script): every dynamic symbol it defines
# is named in user/include/ktstr/*.h, and a helper private to one folder of
# user/lib (cg_read, ops_fail, report_esc, ...) is not exported.
cd "$(dirname "$0")/../.." || exit 1
name=abi
so=build/libktstr.so

if [ ! -e "$so" ] || ! command -v nm >/dev/null; then
	echo "not ok - $name: $so or nm missing (make all)"
	exit 0
fi
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
nm -D --defined-only "$so" | awk '{ sub(/@.*/, "", $3); print $3 }' | sort -u >"$d/exported"
cat user/include/ktstr/*.h | grep -oE '\b[a-z_][a-z0-9_]*\b' | sort -u >"$d/declared"
comm -23 "$d/exported" "$d/declared" | grep -vx 'LIBKTSTR_0' >"$d/extra"
if [ ! -s "$d/extra" ]; then
	echo "ok - $name: all $(wc -l <"$d/exported") exported symbols are declared in the public headers"
else
	echo "not ok - $name: $(wc -l <"$d/extra") exported symbols are in no public header: $(head -n 8 "$d/extra" | tr '\n' ' ')"
fi
if nm -D "$so" | grep -q ' ktstr_now_ns@@LIBKTSTR_0$'; then
	echo "ok - $name: symbols carry the LIBKTSTR_0 version"
else
	echo "not ok - $name: no versioned symbols"
fi
