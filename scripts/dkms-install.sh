#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install ktstr.ko on this host with DKMS, for the running kernel (or
# KVER=<version>), so it is rebuilt for every new kernel. Needs the
# kernel's headers installed (Debian: linux-headers-$(uname -r)).
# Only the module's sources go to /usr/src/ktstr-VERSION
# (make install-dkms-src): no userspace, no build/.
set -eu
ver=${1:?usage: dkms-install.sh VERSION}
kver=${KVER:-$(uname -r)}
src=/usr/src/ktstr-$ver
top=$(cd "$(dirname "$0")/.." && pwd)

command -v dkms >/dev/null || { echo "dkms-install: install dkms first (apt-get install dkms)" >&2; exit 1; }
if [ ! -d "/lib/modules/$kver/build" ]; then
	# Name a headers package only when the archive has one for this kernel.
	if command -v apt-cache >/dev/null &&
	   apt-cache show "linux-headers-$kver" >/dev/null 2>&1; then
		echo "dkms-install: no headers for $kver: apt-get install linux-headers-$kver" >&2
	else
		echo "dkms-install: no headers for $kver in /lib/modules/$kver/build, and no package" \
			"linux-headers-$kver in the configured archives: install the headers your kernel" \
			"was built with, or pick a kernel with KVER=<version> (installed: $(ls /lib/modules 2>/dev/null | tr '\n' ' '))" >&2
	fi
	exit 1
fi

if dkms status -m ktstr -v "$ver" | grep -q .; then
	dkms remove -m ktstr -v "$ver" --all
fi
rm -rf "$src"
make -s -C "$top" install-dkms-src DESTDIR= DKMS_SRCDIR="$src"
dkms add -m ktstr -v "$ver"
dkms build -m ktstr -v "$ver" -k "$kver"
dkms install -m ktstr -v "$ver" -k "$kver"
echo "dkms-install: ktstr $ver installed for $kver; load it with: modprobe ktstr"
