#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkversion.sh HEADER...: the linker version script of libktstr.so on
# stdout. Only what the public headers declare is exported (every
# function and variable named ktstr_*); everything else the library's
# objects define stays local, so a helper of one folder of user/lib never
# becomes part of the ABI by accident. tests/host/abi_surface.sh checks it.
set -eu
[ "$#" -gt 0 ] || { echo "usage: mkversion.sh HEADER..." >&2; exit 2; }
syms=$(sed -e 's|/\*.*\*/||g' "$@" |
	grep -oE '\bktstr_[a-z0-9_]+[[:space:]]*(\(|\[|;|,)' |
	sed -E 's/[[:space:]]*[(\[;,]$//' | sort -u)
echo "LIBKTSTR_0 {"
echo "	global:"
for s in $syms; do
	echo "		$s;"
done
echo "	local:"
echo "		*;"
echo "};"
