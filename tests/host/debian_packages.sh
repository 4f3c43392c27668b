#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: the Debian packages (debian/). Builds them from a copy of the
# tree with `dpkg-buildpackage -b -us -uc`, checks them (lintian errors,
# version, SONAME, what ktstr-dkms ships), then installs ktstr, libktstr0,
# libktstr-dev and ktstr-dkms with dpkg in a clean bookworm chroot (no
# source tree in it), where DKMS builds ktstr.ko for the test kernel from
# its headers, an outside C program builds against the library with
# `pkg-config --cflags --libs libktstr`, and the installed ktstr answers
# --version and `help run`. Last, the test kernel boots in QEMU with the
# DKMS-built module and the packaged ktstr (`ktstr vm --module`).
#
# The base chroot (debootstrap --variant=minbase, with the packages'
# dependencies and the kernel headers' tools) is made once and kept as a
# tarball in $KTSTR_CACHE/debian-chroot, named after its package list;
# the kernel headers' .debs are fetched there once too. A warm run takes
# about two minutes; the first one also pays debootstrap (a few minutes).
#
# The linux-headers package depends on its kernel image package, which a
# chroot does not need: the headers' three .debs are unpacked in it
# (dpkg -x), as ktstr's own kernel cache does, not installed.
#
# Every step that fails prints "not ok" with the end of its log; only a
# non-root run is skipped (debootstrap and chroot need root).
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
KTSTR_CACHE=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
failed=0
n="debian"

ok() { echo "ok - $n: $1"; }
notok() {
	echo "not ok - $n: $1"
	failed=1
}
# show LOG: its last lines, as comments.
show() { tail -n "${2:-15}" "$1" | sed 's/^/#   /'; }
# For scripts/lib/cache.sh.
say() { echo "# $n: $*"; }
die() {
	echo "not ok - $n: $*"
	exit 1
}
# shellcheck source=scripts/lib/cache.sh
. scripts/lib/cache.sh

if [ "$(id -u)" != 0 ]; then
	echo "ok - $n: packages build, install and work in a chroot # SKIP needs root"
	exit 0
fi
miss=""
for c in dpkg-buildpackage dh dh_dkms lintian debootstrap fakeroot unshare readelf; do
	command -v "$c" >/dev/null || miss="$miss $c"
done
[ -z "$miss" ] || die "missing$miss: run scripts/deps.sh --test"
kver=$(cat "$KTSTR_CACHE/kernels/default/.complete" 2>/dev/null)
[ -n "$kver" ] || die "no test kernel in $KTSTR_CACHE/kernels/default: run make deps"
kbase=${kver%-amd64}
ver=$(make -s version)
arch=$(dpkg --print-architecture)

d=$(mktemp -d /var/tmp/ktstr-debian.XXXXXX) || exit 1
cleanup() { remove_tree "$d"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)

# 1. The packages, from a copy of the tree (dpkg-buildpackage's clean
#    would remove build/ here).
src=$d/src/ktstr
mkdir -p "$src"
git ls-files -z -co --exclude-standard | cpio -pdm0 --quiet "$src" 2>"$d/cpio.log"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc) >"$d/build.log" 2>&1; then
	notok "dpkg-buildpackage -b -us -uc failed"
	show "$d/build.log" 30
	exit 1
fi
debs=""
for p in "ktstr_${ver}_$arch" "libktstr0_${ver}_$arch" "libktstr-dev_${ver}_$arch" "ktstr-dkms_${ver}_all"; do
	[ -f "$d/src/$p.deb" ] || debs="$debs $p.deb"
done
if [ -n "$debs" ]; then
	notok "dpkg-buildpackage built no$debs (it built: $(cd "$d/src" && echo *.deb))"
	exit 1
fi
sizes=""
for f in "$d"/src/*.deb; do
	sizes="$sizes $(basename "$f" | sed 's/_.*//') $(($(stat -c %s "$f") / 1024))K"
done
ok "dpkg-buildpackage -b builds ktstr, libktstr0, libktstr-dev, ktstr-dkms $ver ($(($(date +%s) - t0)) s;$sizes)"

# 2. lintian: no errors (warnings are listed).
lintian --tag-display-limit 0 "$d/src/ktstr_${ver}_$arch.changes" >"$d/lintian.log" 2>&1
grep -E '^[EW]: ' "$d/lintian.log" | sed 's/^/# lintian: /'
if grep -q '^E: ' "$d/lintian.log"; then
	notok "lintian reports $(grep -c '^E: ' "$d/lintian.log") error(s)"
elif grep -qiE 'internal error|^Unknown|^Cannot|No such file' "$d/lintian.log"; then
	notok "lintian did not run: $(head -n 1 "$d/lintian.log")"
else
	ok "lintian: no errors ($(grep -c '^W: ' "$d/lintian.log") warning(s))"
fi

# 3. One version: every package has the Makefile's, and debian/rules
#    refuses a changelog that says another.
why=""
for f in "$d"/src/*.deb; do
	v=$(dpkg-deb -f "$f" Version)
	[ "$v" = "$ver" ] || why="$why $(basename "$f") is $v;"
done
cp -a "$src/debian/changelog" "$d/changelog"
sed -i "1s/(\\([^)]*\\))/(9.9.9)/" "$src/debian/changelog"
if (cd "$src" && debian/rules override_dh_auto_configure) >"$d/rules.log" 2>&1; then
	why="$why debian/rules accepted a changelog saying 9.9.9 for VERSION $ver;"
elif ! grep -q "changelog says 9.9.9" "$d/rules.log"; then
	why="$why debian/rules failed without naming the versions: $(tail -n 1 "$d/rules.log");"
fi
cp -a "$d/changelog" "$src/debian/changelog"
if [ -z "$why" ]; then
	ok "every package is version $ver (the Makefile's), debian/rules refuses another in the changelog"
else
	notok "version:$why"
fi

# 4. The shared library: its SONAME and package name agree with SOVERSION.
so=$(sed -n 's/^SOVERSION := *//p' Makefile)
mkdir "$d/lib"
dpkg-deb -x "$d/src/libktstr0_${ver}_$arch.deb" "$d/lib"
dpkg-deb -x "$d/src/libktstr-dev_${ver}_$arch.deb" "$d/lib"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
sn=$(readelf -d "$d/lib/usr/lib/$ma/libktstr.so.$ver" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
why=""
[ -n "$so" ] || why="no SOVERSION in the Makefile;"
[ "$sn" = "libktstr.so.$so" ] || why="$why SONAME is '$sn', not libktstr.so.$so;"
[ "$(readlink "$d/lib/usr/lib/$ma/libktstr.so.$so")" = "libktstr.so.$ver" ] ||
	why="$why libktstr0 has no link libktstr.so.$so -> libktstr.so.$ver;"
[ "$(readlink "$d/lib/usr/lib/$ma/libktstr.so")" = "libktstr.so.$so" ] ||
	why="$why libktstr-dev has no link libktstr.so -> libktstr.so.$so;"
dpkg-deb -I "$d/src/libktstr0_${ver}_$arch.deb" shlibs 2>/dev/null | grep -q "^libktstr $so libktstr$so " ||
	why="$why libktstr0's shlibs does not name libktstr$so;"
if [ -z "$why" ]; then
	ok "libktstr$so ships libktstr.so.$ver with SONAME libktstr.so.$so"
else
	notok "shared library:$why"
fi

# 5. ktstr-dkms: only the module's sources and dkms.conf, whose
#    BUILD_EXCLUSIVE_KERNEL takes 6.1 (the oldest kernel tested) and later.
mkdir "$d/dkms"
dpkg-deb -x "$d/src/ktstr-dkms_${ver}_all.deb" "$d/dkms"
sdir=$d/dkms/usr/src/ktstr-$ver
why=""
got=$(cd "$sdir" 2>/dev/null && find . -type f | sort | tr '\n' ' ')
want=$(cd "$top" && { printf '%s\n' ./dkms.conf ./Kbuild ./include/uapi/linux/ktstr.h;
	git ls-files kmod | grep -E '\.[ch]$|Kbuild$' | sed 's|^|./|'; } | sort | tr '\n' ' ')
[ "$got" = "$want" ] || why="it ships '$got', not '$want';"
# dkms.conf is shell: read it as DKMS does (bash), with a kernel version.
accepts() {
	kernelver=$1 bash -c '. "$1/dkms.conf" && [ "$PACKAGE_VERSION" = "$2" ] &&
		[[ $kernelver =~ $BUILD_EXCLUSIVE_KERNEL ]]' sh "$sdir" "$ver"
}
for k in "$kver" 6.1.0-57-amd64 6.12.118+deb12-amd64 6.12.118-ktstr-irqtime 7.2.13+deb14-amd64 6.10.3 10.1; do
	accepts "$k" || why="$why dkms.conf refuses $k (or PACKAGE_VERSION is not $ver);"
done
for k in 6.0.12-1-amd64 6.0 5.15.0-1-amd64 5.10.0-30-amd64 4.19.0-27-amd64; do
	accepts "$k" && why="$why dkms.conf takes $k;"
done
grep -q '^MAKE\[0\]="make -C ${kernel_source_dir} M=' "$sdir/dkms.conf" ||
	why="$why MAKE[0] does not call kbuild;"
dpkg-deb -I "$d/src/ktstr-dkms_${ver}_all.deb" postinst 2>/dev/null | grep -q 'common.postinst' ||
	why="$why no dh_dkms postinst;"
if [ -z "$why" ]; then
	ok "ktstr-dkms: module sources and dkms.conf only, kbuild, kernels 6.1 and later"
else
	notok "ktstr-dkms:$why"
fi

# chroot_in ROOT CMD...: CMD in the chroot ROOT, in a mount namespace of
# its own (its /proc and /dev go with it), with a clean environment.
chroot_in() {
	unshare -m sh -c 'r=$1; shift
		mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" &&
		exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive "$@"' sh "$@"
}
in_chroot() { chroot_in "$root" "$@"; }

# 6. The base chroot, from the cache (made once, under its lock).
base_pkgs="dkms gcc make libc6-dev pkg-config libhwloc-dev libnl-genl-3-dev libjansson-dev
libelf1 libssl3 zlib1g pahole kmod"
mirror=${KTSTR_DEBIAN_MIRROR:-$(apt-cache policy 2>/dev/null |
	awk '$3 == "bookworm/main" && $4 == "'"$arch"'" { print $2; exit }')}
[ -n "$mirror" ] || die "no bookworm/main in the host's apt sources: set KTSTR_DEBIAN_MIRROR"
cdir=$KTSTR_CACHE/debian-chroot
key=$(echo "bookworm $arch $base_pkgs" | sha256sum | cut -c1-12)
tarball=$cdir/bookworm-$arch-$key.tar
mkdir -p "$cdir"
exec 8>>"$cdir/.lock"
flock -n 8 || { say "waiting for $cdir/.lock"; flock 8; }
t1=$(date +%s)
if [ ! -f "$tarball" ]; then
	say "making the base chroot (debootstrap bookworm, once)"
	remove_tree "$cdir/tmp"
	# debootstrap's own dependency resolution is too weak for -dev
	# packages: a minbase system first, then apt-get in it.
	if ! debootstrap --variant=minbase bookworm "$cdir/tmp" "$mirror" >"$d/debootstrap.log" 2>&1; then
		cp "$cdir/tmp/debootstrap/debootstrap.log" "$d/debootstrap.inner.log" 2>/dev/null
		notok "debootstrap --variant=minbase bookworm failed"
		show "$d/debootstrap.log"
		show "$d/debootstrap.inner.log" 2>/dev/null
		remove_tree "$cdir/tmp"
		exit 1
	fi
	cp /etc/resolv.conf "$cdir/tmp/etc/resolv.conf"
	# shellcheck disable=SC2086
	if ! chroot_in "$cdir/tmp" sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" &&
			apt-get clean' sh $base_pkgs >"$d/apt.log" 2>&1; then
		notok "apt-get install in the base chroot failed"
		show "$d/apt.log"
		remove_tree "$cdir/tmp"
		exit 1
	fi
	: >"$cdir/tmp/etc/resolv.conf"
	tar -C "$cdir/tmp" -cf "$tarball.part" . && mv "$tarball.part" "$tarball" ||
		die "cannot write $tarball"
	remove_tree "$cdir/tmp"
fi
# The kernel headers' .debs (apt_download keeps apt's sandbox and checks them).
hdebs=$cdir/debs-$kver
if [ ! -f "$hdebs/.complete" ]; then
	remove_tree "$hdebs"
	mkdir -p "$hdebs"
	apt_download "$hdebs" "" "linux-headers-$kver" "linux-headers-$kbase-common" \
		"linux-kbuild-$kbase" >"$d/download.log" 2>&1 || {
		notok "apt-get download of the headers of $kver failed"
		show "$d/download.log"
		exit 1
	}
	touch "$hdebs/.complete"
fi
root=$d/root
mkdir "$root"
tar -C "$root" -xf "$tarball" || die "cannot unpack $tarball"
flock -u 8
# Into the merged-/usr chroot: its /lib is a link to usr/lib, kept as such.
for f in "$hdebs"/*.deb; do
	dpkg-deb --fsys-tarfile "$f" | tar -C "$root" --keep-directory-symlink -xf - ||
		die "cannot unpack $f"
done
in_chroot test -f "/lib/modules/$kver/build/Makefile" ||
	die "the headers of $kver did not give /lib/modules/$kver/build in the chroot"
mkdir "$root/tmp/debs"
cp "$d/src/ktstr_${ver}_$arch.deb" "$d/src/libktstr0_${ver}_$arch.deb" \
	"$d/src/libktstr-dev_${ver}_$arch.deb" "$d/src/ktstr-dkms_${ver}_all.deb" "$root/tmp/debs/"
say "chroot ready in $(($(date +%s) - t1)) s"

# 7. dpkg installs the four packages; ktstr-dkms's postinst builds the
#    module with DKMS for the kernel whose headers are there.
t2=$(date +%s)
if ! in_chroot dpkg -i /tmp/debs/ktstr_${ver}_$arch.deb /tmp/debs/libktstr0_${ver}_$arch.deb \
		/tmp/debs/libktstr-dev_${ver}_$arch.deb /tmp/debs/ktstr-dkms_${ver}_all.deb \
		>"$d/dpkg.log" 2>&1; then
	notok "dpkg -i of the four packages in the chroot failed"
	show "$d/dpkg.log" 30
	exit 1
fi
st=$(in_chroot dpkg-query -W -f '${Package} ${db:Status-Status}\n' ktstr libktstr0 libktstr-dev ktstr-dkms 2>&1 |
	grep -vc ' installed$')
if [ "$st" = 0 ]; then
	ok "dpkg -i installs ktstr, libktstr0, libktstr-dev, ktstr-dkms in a clean bookworm chroot"
else
	notok "after dpkg -i, $st package(s) are not installed"
	show "$d/dpkg.log" 30
fi

ko=/lib/modules/$kver/updates/dkms/ktstr.ko
in_chroot dkms status -m ktstr >"$d/dkms.log" 2>&1
vm=$(in_chroot modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
if grep -q "^ktstr/$ver, $kver, [^:]*: installed" "$d/dkms.log" && [ "$vm" = "$kver" ]; then
	ok "ktstr-dkms's postinst built and installed ktstr.ko for $kver with DKMS ($(($(date +%s) - t2)) s)"
else
	notok "DKMS did not install ktstr.ko for $kver (dkms status: $(tr '\n' ' ' <"$d/dkms.log"), vermagic '$vm')"
	show "$d/dpkg.log" 30
	for f in "$root"/var/lib/dkms/ktstr/"$ver"/build/make.log; do
		[ -f "$f" ] && show "$f"
	done
fi

# 8. An outside program, built with pkg-config against the installed
#    library (shared), runs.
cat >"$root/tmp/outside.c" <<'EOF'
#include <stdio.h>
#include <ktstr/ktstr.h>

int main(void)
{
	struct ktstr_cpuset s;
	char buf[64];

	if (ktstr_cpulist_parse("3,0-2,8", 64, &s) != 0 ||
	    ktstr_cpulist_format(&s, buf, sizeof(buf)) < 0)
		return 1;
	printf("%s\n", buf);
	return 0;
}
EOF
in_chroot sh -c 'cd /tmp && gcc -Wall -Werror -o outside outside.c $(pkg-config --cflags --libs libktstr) &&
	./outside && ldd ./outside' >"$d/outside.log" 2>&1
rc=$?
ma_lib="/usr/lib/$ma/libktstr.so.$so"
if [ "$rc" = 0 ] && [ "$(head -n 1 "$d/outside.log")" = "0-3,8" ] &&
   grep -qE "libktstr.so.$so => (/usr)?/lib/$ma/libktstr.so.$so " "$d/outside.log"; then
	ok "a C program builds with pkg-config --cflags --libs libktstr, runs against $ma_lib"
else
	notok "outside program (exit $rc): $(head -n 1 "$d/outside.log")"
	show "$d/outside.log"
fi

# 9. The installed command, with no source tree around.
out=$(in_chroot sh -c 'cd / && ktstr --version' 2>&1)
if [ "$out" = "ktstr $ver" ]; then
	ok "installed ktstr --version says 'ktstr $ver'"
else
	notok "installed ktstr --version says '$out'"
fi
in_chroot sh -c 'cd / && ktstr help run' >"$d/help.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q '^usage: ktstr run' "$d/help.log" &&
   [ "$(in_chroot man -w ktstr 2>/dev/null || ls "$root/usr/share/man/man1/ktstr.1.gz")" != "" ] &&
   [ -f "$root/usr/libexec/ktstr/kernel-fetch.sh" ] && [ -x "$root/usr/libexec/ktstr/kernel-fetch.sh" ] &&
   [ -f "$root/usr/share/bash-completion/completions/ktstr" ]; then
	ok "installed ktstr help run works; scripts, man page and completion are in place"
else
	notok "installed ktstr help run: exit $rc, '$(head -n 1 "$d/help.log")' (or a file is missing)"
fi

# 10. The DKMS-built module in the test kernel, with the packaged ktstr
#     (run from the chroot's /usr/bin; QEMU and busybox are the host's).
# `ktstr stat --backend module` needs /dev/ktstr: the module loaded. ktstr
# vm exits 125 when the module fails to load, CMD's status otherwise.
# The guests on this machine take turns through $KTSTR_GUEST_LOCK's flock
# (default /tmp/ktstr-guest.lock; empty: none). When an ancestor of this
# test already holds it (flock LOCK tests/run.sh ...), taking it again would
# wait for ever: the boot then runs under the ancestor's hold.
guest_lock=${KTSTR_GUEST_LOCK-/tmp/ktstr-guest.lock}
# shellcheck source=tests/lib/guest_lock.sh
. tests/lib/guest_lock.sh
lock_cmd="flock -w ${KTSTR_GUEST_LOCK_WAIT:-3600} $guest_lock"
if [ -z "$guest_lock" ] || held_by_ancestor "$guest_lock"; then
	lock_cmd=""
fi
t3=$(date +%s)
# shellcheck disable=SC2086
$lock_cmd sh -c 'date +%s >"$1/vm.start"; shift; exec "$@"' sh "$d" \
	"$root/usr/bin/ktstr" vm --module "$root$ko" -- ktstr stat --backend module -- true \
	>"$d/vm.log" 2>&1
rc=$?
t4=$(cat "$d/vm.start" 2>/dev/null || echo "$t3")
if [ "$rc" = 0 ] && grep -q '^backend: module' "$d/vm.log" && ! grep -q 'module failed to load' "$d/vm.log"; then
	ok "packaged ktstr vm --module (the DKMS-built ktstr.ko) -- ktstr stat --backend module -- true ($(($(date +%s) - t4)) s, $((t4 - t3)) s waiting for $guest_lock)"
else
	why=""
	[ -f "$d/vm.start" ] || why=" (no turn at $guest_lock in ${KTSTR_GUEST_LOCK_WAIT:-3600} s)"
	notok "packaged ktstr vm --module (the DKMS-built ktstr.ko) -- ktstr stat --backend module -- true: exit $rc${why:-}"
	show "$d/vm.log" 20
fi

say "total $(($(date +%s) - t0)) s"
exit $failed
