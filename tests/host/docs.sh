#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: the documentation stays inside the project and current.
# Every relative link of README.md and docs/*.md ([text](path)) and every
# `path` in backquotes that climbs with ../ names a file of this tree,
# never one outside it; and statements known to have gone stale are not
# back (the checks called "a placeholder for the Assert engine of a later
# issue", the public headers said to need _GNU_SOURCE).
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd -P)
failed=0

check() {
	if [ -z "$2" ]; then
		echo "ok - docs: $1"
	else
		echo "not ok - docs: $1: $2"
		failed=1
	fi
}

# inside DIR PATH: PATH (relative to DIR) resolves to an existing file or
# directory under the project's top.
inside() {
	p=$(cd "$1" 2>/dev/null && realpath -m -- "$2") || return 1
	case $p in
	"$top"/*) [ -e "$p" ] ;;
	*) return 1 ;;
	esac
}

bad=
for f in README.md docs/*.md; do
	dir=$(dirname "$f")
	# shellcheck disable=SC2016
	links=$( { grep -oE '\]\([^)#[:space:]]+' "$f" | sed 's/^](//'
		   grep -oE '`(\.\./)+[^`[:space:]]+`' "$f" | tr -d '`'; } |
		grep -vE '^(https?|mailto):')
	for l in $links; do
		inside "$dir" "$l" || bad="$bad $f:$l"
	done
done
check "every relative link and ../ path in README.md and docs/ names a file of the project" \
	"${bad:+outside or missing:$bad}"

stale=$(grep -rnE 'placeholder for the Assert engine|later issue|needs? _GNU_SOURCE' \
	README.md docs/ user/include/ 2>/dev/null | head -n 3 | tr '\n' ' ')
check "no stale statement (Assert engine placeholder, later issue, headers needing _GNU_SOURCE)" \
	"$stale"
exit $failed
