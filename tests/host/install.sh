#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: `make install DESTDIR=D PREFIX=P` puts ktstr in P/bin, its
# helper scripts in P/libexec/ktstr, ktstr(1) (one section per subcommand,
# the text of its --help) and the bash completion under P/share, and the
# installed ktstr, run from D in another directory, answers --version and
# `help run`, and looks for its scripts through P -- never beside its own
# binary, even when a scripts/ dir sits there.
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
failed=0
prefix=/opt/ktstr-test
root=$d/root$prefix
k=$root/bin/ktstr

check() {
	if [ -z "$2" ]; then
		echo "ok - install: $1"
	else
		echo "not ok - install: $1: $2"
		failed=1
	fi
}

if ! make -s install DESTDIR="$d/root" PREFIX="$prefix" >"$d/make.log" 2>&1; then
	check "make install DESTDIR PREFIX" "failed: $(tail -n 1 "$d/make.log")"
	sed 's/^/#   /' "$d/make.log" | tail -n 10
	exit 1
fi
why=""
for f in bin/ktstr libexec/ktstr/kernel-fetch.sh libexec/ktstr/deps.sh \
	 libexec/ktstr/lib/buildroot.sh libexec/ktstr/lib/cache.sh share/man/man1/ktstr.1 \
	 share/bash-completion/completions/ktstr lib/libktstr.a lib/pkgconfig/libktstr.pc \
	 lib/libktstr.so "lib/libktstr.so.$(sed -n 's/^SOVERSION := *//p' Makefile)" "lib/libktstr.so.$(make -s version)" \
	 "src/ktstr-$(make -s version)/dkms.conf" "src/ktstr-$(make -s version)/kmod/main.c" \
	 include/ktstr/vm.h; do
	[ -e "$root/$f" ] || why="$why $f"
done
[ -x "$k" ] && [ -x "$root/libexec/ktstr/kernel-fetch.sh" ] || why="$why (not executable)"
check "make install lays out bin/, libexec/ktstr/, share/man, share/bash-completion, lib/, include/, src/" \
	"${why:+missing:$why}"

ver=$(sed -n 's/^VERSION :*= *//p' Makefile)
out=$(cd / && "$k" --version 2>&1)
check "installed ktstr --version says 'ktstr $ver'" \
	"$([ "$out" = "ktstr $ver" ] || echo "it says '$out'")"

(cd / && "$k" help run) >"$d/help" 2>"$d/err"
rc=$?
build/ktstr run --help >"$d/help.tree" 2>&1
why=""
if [ "$rc" != 0 ] || [ -s "$d/err" ]; then
	why="exit $rc, stderr '$(head -n 1 "$d/err")'"
elif ! grep -q '^usage: ktstr run' "$d/help" || ! cmp -s "$d/help" "$d/help.tree"; then
	why="not the text of 'ktstr run --help'"
fi
check "installed ktstr help run prints run's help" "$why"

# Scripts through the prefix: a scripts/ beside the binary is not used.
mkdir -p "$root/scripts"
printf '#!/bin/sh\necho beside-the-binary\n' >"$root/scripts/kernel-fetch.sh"
chmod +x "$root/scripts/kernel-fetch.sh"
(cd / && env -u KTSTR_SCRIPTS "$k" kernel fetch default) >"$d/out" 2>&1
rc=$?
why=""
if grep -q beside-the-binary "$d/out"; then
	why="it ran the script beside its binary"
elif ! grep -q "$prefix/libexec/ktstr/kernel-fetch.sh not found" "$d/out"; then
	why="it did not look in $prefix/libexec/ktstr: $(head -n 1 "$d/out")"
elif [ "$rc" = 0 ]; then
	why="exit 0"
fi
check "installed ktstr looks for kernel-fetch.sh in PREFIX/libexec/ktstr only" "$why"

# The man page: one section per subcommand, each its --help text.
why=""
for c in $("$k" --help | awk '/^commands:/ { on = 1; next } on && !NF { exit } on { print $1 }'); do
	grep -qx ".SH \"ktstr $c\"" "$root/share/man/man1/ktstr.1" || why="$why $c"
done
if [ -z "$why" ] && command -v man >/dev/null; then
	MANWIDTH=200 man -l "$root/share/man/man1/ktstr.1" 2>"$d/manerr" >"$d/man.txt"
	[ -s "$d/manerr" ] && why="man -l says: $(head -n 1 "$d/manerr")"
	grep -q -- '--assert-relax N=V' "$d/man.txt" || why="$why (run's options are not in the page)"
fi
check "ktstr(1) has a section per subcommand from its --help" "${why:+missing:$why}"

# The completion offers subcommands and options from ktstr itself.
if command -v bash >/dev/null; then
	got=$(PATH="$root/bin:$PATH" bash -c '. "$1"; COMP_WORDS=(ktstr gaun); COMP_CWORD=1; _ktstr
		echo "${COMPREPLY[*]}"; COMP_WORDS=(ktstr run --dur); COMP_CWORD=2; _ktstr
		echo "${COMPREPLY[*]}"' sh "$root/share/bash-completion/completions/ktstr" 2>&1 | tr '\n' ' ')
	check "bash completion: 'ktstr gaun' -> gauntlet, 'ktstr run --dur' -> --duration" \
		"$([ "$got" = "gauntlet --duration " ] || echo "got '$got'")"
fi
cd "$top" || exit 1
exit $failed
