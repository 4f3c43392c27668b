#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: `make install DESTDIR=D PREFIX=P` puts ktstr in P/bin, its
# helper scripts in P/libexec/ktstr, ktstr(1) (one section per subcommand,
# the text of its --help) and the bash completion under P/share, and the
# installed ktstr, run from D in another directory, answers --version and
# `help run`, and looks for its scripts through P -- never beside its own
# binary, even when a scripts/ dir sits there. A C program picking a
# collector (ktstr_collector_open()) links statically against the installed libktstr.a
# with nothing but `pkg-config --static --cflags --libs libktstr` (strict
# -std=c11, no _GNU_SOURCE), and runs; so it does when `make install` is
# run with another HAVE_BPF than the build was (the library is rebuilt to
# match the libktstr.pc it installs).
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
# Static link through pkg-config against an installed tree (DESTDIR),
# never against build/: ROOT's libktstr.so is moved aside so that -lktstr
# can only be libktstr.a. The .pc's paths are under PREFIX; a copy of it
# with prefix and libdir under ROOT is what pkg-config reads.
cat >"$d/static.c" <<'EOF'
#include <stdio.h>
#include <ktstr/ktstr.h>

/* The collector choice: it pulls in every collector, the BPF one and
 * its libbpf included. */
int main(void)
{
	struct ktstr_collector *c = NULL;
	int ret = ktstr_collector_open(NULL, &c);

	if (ret == 0) {
		printf("picked %s\n", ktstr_collector_name(c));
		ktstr_collector_close(c);
	}
	if (ret)
		printf("picked none (%d)\n", ret);
	return 0;
}
EOF
static_link() {	# ROOT: prints nothing when it linked and ran, else why
	r=$1$prefix
	mkdir -p "$r/lib/shared"
	mv "$r"/lib/libktstr.so* "$r/lib/shared/"
	mkdir -p "$d/pc"
	sed -e "s|^prefix=.*|prefix=$r|" -e "s|^libdir=.*|libdir=$r/lib|" \
		"$r/lib/pkgconfig/libktstr.pc" >"$d/pc/libktstr.pc"
	# shellcheck disable=SC2086
	if ! flags=$(PKG_CONFIG_PATH="$d/pc" pkg-config --static --cflags --libs libktstr 2>&1); then
		echo "pkg-config --static failed: $flags"
	elif ! gcc -std=c11 -Wall -Wextra -Werror -o "$d/static" "$d/static.c" $flags \
		>"$d/static.log" 2>&1; then
		echo "link failed: $(grep -m 2 -E 'undefined|error' "$d/static.log" | tr '\n' ' ')"
	elif ldd "$d/static" | grep -q libktstr; then
		echo "it linked libktstr.so"
	elif ! out=$("$d/static" 2>&1) || ! echo "$out" | grep -q '^picked '; then
		echo "it ran: '$out'"
	fi
	mv "$r"/lib/shared/* "$r/lib/" && rmdir "$r/lib/shared"
}
# libbpf is in the .pc's Requires.private exactly when libktstr.a needs it.
bpf_agree() {	# ROOT
	r=$1$prefix
	needs=no
	nm "$r/lib/libktstr.a" 2>/dev/null | grep -q ' U bpf_' && needs=yes
	lists=no
	grep -q '^Requires.private:.*\<libbpf\>' "$r/lib/pkgconfig/libktstr.pc" && lists=yes
	[ "$needs" = "$lists" ] ||
		echo "libktstr.a needs libbpf: $needs, libktstr.pc lists it: $lists"
}

why=$(bpf_agree "$d/root")
[ -n "$why" ] || why=$(static_link "$d/root")
check "a program picking a collector (BPF included) links statically with pkg-config --static and runs" "$why"
why=
[ -f "$root/include/ktstr/uapi/linux/ktstr.h" ] && [ ! -e "$root/include/linux" ] ||
	why="found: $(cd "$root" && find include -name ktstr.h | tr '\n' ' ')"
check "the uapi header is installed as include/ktstr/uapi/linux/ktstr.h, nothing in include/linux" "$why"

# make install with the other HAVE_BPF than the build's, on a copy of
# build/ (the tree's own build stays as it is): the BPF collector is
# rebuilt, and libktstr.pc follows the library.
if nm build/libktstr.a 2>/dev/null | grep -q ' U bpf_'; then
	cp -a build "$d/build2"
	if ! make -s install BUILD="$d/build2" DESTDIR="$d/root2" PREFIX="$prefix" HAVE_BPF= \
		>"$d/make2.log" 2>&1; then
		check "make install HAVE_BPF= after a BPF build" "failed: $(tail -n 1 "$d/make2.log")"
	else
		why=$(bpf_agree "$d/root2")
		[ -n "$why" ] || why=$(static_link "$d/root2")
		check "make install HAVE_BPF= after a BPF build: the library matches libktstr.pc, links statically" "$why"
	fi
else
	echo "ok - install: make install HAVE_BPF= after a BPF build # SKIP build/libktstr.a has no BPF collector"
fi
cd "$top" || exit 1
exit $failed
