#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-fixture.sh [NAME]: build the fixture sched_ext scheduler
# (scheds/fixture/) for a cached kernel (default: sched-ext) into
#   $KTSTR_CACHE/kernels/<kver>/ktstr_fixture
#
# The BPF half needs a clang and libbpf new enough for sched_ext struct_ops
# links (bookworm's clang 14 and libbpf 1.1 are not), so everything is built
# in the Debian unstable build root that `ktstr kernel fetch sched-ext`
# made, the same way that fetch builds ktstr.ko: the cache bind-mounted at
# its own path in a private mount namespace, then chroot. The loader is
# linked statically (libbpf, libelf, zlib, zstd, glibc), so it runs in a
# guest whose userland is the host's bookworm.
#
# vmlinux.h comes from the kernel's own BTF (build/vmlinux of the headers).
# Idempotent: rebuilt only when the sources, this script, the kernel, clang
# or libbpf changed. Installs clang, libbpf-dev, bpftool... in the build
# root when missing. Must run as root. Waits for a fetch or build running
# on the same cache ($KTSTR_CACHE/.lock). What runs as root and what is
# trusted: docs/security.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
KTSTR_CACHE=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}

die() { echo "build-fixture: $*" >&2; exit 1; }
say() { echo "build-fixture: $*"; }

name=${1:-sched-ext}
[ "$(id -u)" = 0 ] || die "must run as root (chroot, bind mounts)"
[ -d "$KTSTR_CACHE" ] || die "no cache at $KTSTR_CACHE: run 'ktstr kernel fetch $name'"
KTSTR_CACHE=$(cd "$KTSTR_CACHE" && pwd -P)	# absolute, no symlinks: used in chroot
# shellcheck source=scripts/lib/cache.sh
. "$here/lib/cache.sh"
cache_lock
kdir=$(cd "$KTSTR_CACHE/kernels/$name" 2>/dev/null && pwd -P) ||
	die "no kernel '$name' in $KTSTR_CACHE/kernels: run 'ktstr kernel fetch $name'"
kver=$(basename "$kdir")
[ -f "$kdir/.complete" ] || die "kernel $kver is incomplete: run 'ktstr kernel fetch $name'"
[ -f "$kdir/build/vmlinux" ] || die "no $kdir/build/vmlinux (BTF) for $kver"
grep -q '^CONFIG_SCHED_CLASS_EXT=y' "$kdir/config" ||
	die "$kver is built without CONFIG_SCHED_CLASS_EXT"

BR="$KTSTR_CACHE/buildroot/unstable"
[ -f "$BR/.complete" ] || die "no build root at $BR: run 'ktstr kernel fetch sched-ext'"
# shellcheck source=scripts/lib/buildroot.sh
. "$here/lib/buildroot.sh"
br_probe "$BR"

# ---- tools in the build root ----
br_install_missing clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
	libzstd-dev libc6-dev

# ---- up to date? ----
files="scripts/build-fixture.sh scripts/lib/buildroot.sh $(cd "$src" && ls scheds/fixture/*.c scheds/fixture/*.h)"
out="$kdir/ktstr_fixture"
# shellcheck disable=SC2086,SC2016
stamp=$( (cd "$src" && cat $files; echo "$kver"; sha256sum "$kdir/build/vmlinux";
	in_br clang --version | head -n1;
	in_br dpkg-query -W -f='${Version}\n' libbpf-dev bpftool) | sha256sum | cut -d' ' -f1)
if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
	say "ktstr_fixture for $kver is up to date: $out"
	exit 0
fi

# ---- build, in the build root, from a copy of the sources ----
say "building ktstr_fixture for $kver in the build root"
B="$kdir/fixture-build"
rm -rf "$B"
mkdir -p "$B"
# shellcheck disable=SC2086
(cd "$src" && tar cf - $files) | (cd "$B" && tar xf -)
log="$kdir/fixture-build.log"
# shellcheck disable=SC2016
if ! br_run sh -exc '
		cd "$1"
		bpftool btf dump file "$2/build/vmlinux" format c >vmlinux.h
		clang -g -O2 -Wall -Werror -Wno-missing-declarations -target bpf \
			-D__TARGET_ARCH_x86 -DBPF_NO_KFUNC_PROTOTYPES -I. \
			-c scheds/fixture/ktstr_fixture.bpf.c -o ktstr_fixture.bpf.o
		llvm-strip -g ktstr_fixture.bpf.o
		bpftool gen skeleton ktstr_fixture.bpf.o name ktstr_fixture >ktstr_fixture.skel.h
		clang -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -I. \
			-Ischeds/fixture -static -o ktstr_fixture \
			scheds/fixture/ktstr_fixture.c -lbpf -lelf -lz -lzstd
	' sh "$B" "$kdir" >"$log" 2>&1; then
	grep -E 'error|Error|undefined' "$log" | head -n 30 >&2
	die "ktstr_fixture does not build: see $log"
fi
cp "$B/ktstr_fixture" "$out.new"
mv "$out.new" "$out"
echo "$stamp" > "$out.stamp"
rm -rf "$B"
say "ktstr_fixture for $kver: $out"
