#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install ktstr.ko on this host with DKMS, for the running kernel (or
# KVER=<version>), so it is rebuilt for every new kernel. Needs the
# kernel's headers installed (Debian: linux-headers-$(uname -r)).
set -eu
ver=${1:?usage: dkms-install.sh VERSION}
kver=${KVER:-$(uname -r)}
src=/usr/src/ktstr-$ver
top=$(cd "$(dirname "$0")/.." && pwd)

command -v dkms >/dev/null || { echo "dkms-install: install dkms first (apt-get install dkms)" >&2; exit 1; }
[ -d "/lib/modules/$kver/build" ] ||
	{ echo "dkms-install: no headers for $kver: apt-get install linux-headers-$kver" >&2; exit 1; }

if dkms status -m ktstr -v "$ver" | grep -q .; then
	dkms remove -m ktstr -v "$ver" --all
fi
rm -rf "$src"
mkdir -p "$src"
# The module needs only these; the userspace tree stays out of /usr/src.
cp -r "$top/Kbuild" "$top/Makefile" "$top/dkms.conf" "$top/kmod" "$top/include" "$src/"
find "$src/kmod" -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' | xargs rm -f
dkms add -m ktstr -v "$ver"
dkms build -m ktstr -v "$ver" -k "$kver"
dkms install -m ktstr -v "$ver" -k "$kver"
echo "dkms-install: ktstr $ver installed for $kver; load it with: modprobe ktstr"
