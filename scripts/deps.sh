#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what ktstr needs on a Debian machine, idempotently:
#  1. the Debian packages for building and testing (apt-get, only if missing;
#     flex, bison, bc, libelf-dev, libssl-dev and pahole from dwarves are
#     what `ktstr kernel build` needs to build a kernel; libudev-dev is for
#     a static link of libktstr: Debian's hwloc.pc names -ludev in its
#     Libs.private, but libhwloc-dev does not depend on libudev-dev);
#  2. the test kernel: Debian's 6.12 image and headers, fetched with
#     `apt-get download` and unpacked with `dpkg -x` into $KTSTR_CACHE, never
#     installed on the host. The exact version is resolved from the
#     linux-headers-6.12-amd64 metapackage at fetch time.
#
# Layout: $KTSTR_CACHE/kernels/<kver>/{root/,vmlinuz,build} and
#         $KTSTR_CACHE/kernels/default -> <kver>
# The download keeps apt's _apt sandbox (scripts/lib/cache.sh), and a fetch
# waits for another one on the same cache ($KTSTR_CACHE/.lock).
set -eu

here=$(cd "$(dirname "$0")" && pwd)

KTSTR_CACHE=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
KERNEL_META=${KTSTR_KERNEL_META:-linux-headers-6.12-amd64}

PACKAGES="make gcc gcc-12 pkg-config qemu-system-x86 busybox-static cpio kmod
dkms libelf1 dwarves libhwloc-dev libudev-dev libnl-genl-3-dev libbpf-dev libcmocka-dev
libjansson-dev clang llvm bpftool libbpf-tools debootstrap
flex bison bc libelf-dev libssl-dev xz-utils"

# --test: also what only the tests use (headless Chromium renders the HTML
# report, jq reads the JSON the tests check, xmllint checks JUnit XML; the
# Debian packaging tools build and check debian/ in
# tests/host/debian_packages.sh).
TEST_PACKAGES="chromium jq libxml2-utils build-essential fakeroot debhelper dh-dkms lintian"
if [ "${1:-}" = --test ]; then
	PACKAGES="$PACKAGES $TEST_PACKAGES"
fi

die() { echo "deps: $*" >&2; exit 1; }
say() { echo "deps: $*"; }

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "run as root or install sudo"
	SUDO=sudo
fi

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	$SUDO apt-get update -qq || die "apt-get update failed"
	apt_updated=1
}

missing=
for p in $PACKAGES; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	apt_update
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
fi

# Resolve the exact kernel version behind the metapackage.
resolve_kver() {
	apt-cache depends "$KERNEL_META" 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1
}

kver=$(resolve_kver)
if [ -z "$kver" ]; then
	apt_update
	kver=$(resolve_kver)
fi
[ -n "$kver" ] || die "cannot resolve a kernel version from $KERNEL_META"

# shellcheck source=scripts/lib/cache.sh
. "$here/lib/cache.sh"
kdir="$KTSTR_CACHE/kernels/$kver"
[ -f "$kdir/.complete" ] || cache_lock	# and look again: it may be another's fetch
if [ -f "$kdir/.complete" ]; then
	ln -sfn "$kver" "$KTSTR_CACHE/kernels/default"
	exit 0
fi

echo "deps: fetching kernel $kver into $kdir"
kbase=${kver%-amd64}			# 6.12.117+deb12
tmp="$kdir.tmp"
remove_tree "$tmp"
mkdir -p "$tmp/debs" "$tmp/root"
apt_update
apt_download "$tmp/debs" "" "linux-image-$kver-unsigned" "linux-headers-$kver" \
	"linux-headers-$kbase-common" "linux-kbuild-$kbase" ||
	die "apt-get download of kernel $kver failed"
for deb in "$tmp"/debs/*.deb; do
	dpkg -x "$deb" "$tmp/root"
done
rm -rf "$tmp/debs"

# The headers' Makefile includes the common tree by absolute path: point it
# at the unpacked copy. Every other link in the tree is relative.
hdr="$tmp/root/usr/src/linux-headers-$kver"
[ -f "$hdr/Makefile" ] || die "headers for $kver not found after unpacking"
echo "include $kdir/root/usr/src/linux-headers-$kbase-common/Makefile" > "$hdr/Makefile"
[ -f "$tmp/root/boot/vmlinuz-$kver" ] || die "kernel image for $kver not found after unpacking"

remove_tree "$kdir"
mv "$tmp" "$kdir"
ln -sfn "root/boot/vmlinuz-$kver" "$kdir/vmlinuz"
ln -sfn "root/usr/src/linux-headers-$kver" "$kdir/build"
echo "$kver" > "$kdir/.complete"
ln -sfn "$kver" "$KTSTR_CACHE/kernels/default"
echo "deps: kernel $kver ready"
