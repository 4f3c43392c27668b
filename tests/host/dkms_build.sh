#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: DKMS can add and build ktstr.ko from the sources that
# `make install-dkms-src` lays out (dkms.conf from dkms.conf.in, Kbuild, kmod/,
# the uapi header: nothing else) for the test kernel (whose headers live in
# the ktstr cache, not in /lib/modules). Leaves /usr/src and the DKMS tree
# as it found them.
cd "$(dirname "$0")/../.."
name="dkms builds ktstr.ko from dkms.conf"
ver=$(make -s version)
cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
kdir=$(readlink -f "$cache/kernels/default/build")
kver=$(cat "$cache/kernels/default/.complete" 2>/dev/null)

if ! command -v dkms >/dev/null || [ "$(id -u)" != 0 ] || [ -z "$kver" ]; then
	echo "ok - $name # SKIP needs root, dkms and the test kernel"
	exit 0
fi
if [ -e "/usr/src/ktstr-$ver" ] || dkms status -m ktstr 2>/dev/null | grep -q .; then
	echo "ok - $name # SKIP ktstr is already in DKMS on this machine"
	exit 0
fi

# make dkms-install names a linux-headers package only when the archive has
# one: for a kernel version no archive has, it says so instead.
none=0.0.0-ktstr-none
if [ ! -d "/lib/modules/$none" ]; then
	out=$(KVER=$none scripts/dkms-install.sh "$ver" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && ! echo "$out" | grep -q "apt-get install linux-headers-$none" &&
	   echo "$out" | grep -q "no package linux-headers-$none"; then
		echo "ok - dkms-install suggests no headers package that does not exist"
	else
		echo "not ok - dkms-install for kernel $none (exit $rc): $out"
	fi
fi
if [ ! -d "/lib/modules/$kver/build" ] && apt-cache show "linux-headers-$kver" >/dev/null 2>&1; then
	out=$(KVER=$kver scripts/dkms-install.sh "$ver" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && echo "$out" | grep -q "apt-get install linux-headers-$kver\$"; then
		echo "ok - dkms-install suggests linux-headers-$kver, which the archive has"
	else
		echo "not ok - dkms-install for kernel $kver (exit $rc): $out"
	fi
fi

src="/usr/src/ktstr-$ver"
cleanup() {
	dkms remove -m ktstr -v "$ver" --all >/dev/null 2>&1
	rm -rf "$src"
}
trap cleanup EXIT INT TERM
log=$(mktemp)
if make -s install-dkms-src DESTDIR= DKMS_SRCDIR="$src" >"$log" 2>&1 &&
   [ "$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$src/dkms.conf")" = "$ver" ] &&
   [ ! -e "$src/Makefile" ] && [ ! -e "$src/build" ] && [ ! -e "$src/user" ] &&
   dkms add -m ktstr -v "$ver" >"$log" 2>&1 &&
   dkms build -m ktstr -v "$ver" -k "$kver" --kernelsourcedir "$kdir" >>"$log" 2>&1 &&
   [ -f "/var/lib/dkms/ktstr/$ver/$kver/x86_64/module/ktstr.ko" ]; then
	echo "ok - $name ($kver)"
	rm -f "$log"
else
	echo "not ok - $name ($kver):"
	sed 's/^/#   /' "$log" | tail -n 20
	rm -f "$log"
	exit 1
fi
