#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kernel-fetch.sh NAME: prepare a test kernel for `ktstr vm --kernel NAME`
# in $KTSTR_CACHE, never installing anything kernel-related on the host.
#
#   default    Debian bookworm's 6.12 (what scripts/deps.sh fetches); its
#              ktstr.ko is the tree's kmod/ktstr.ko (`make kmod`).
#   bookworm-6.1  Debian bookworm's default 6.1 kernel, from the host's apt,
#              and ktstr.ko built for it with the host's gcc-12.
#   sched-ext  Debian unstable's kernel (CONFIG_SCHED_CLASS_EXT=y, BTF), and
#              ktstr.ko built for it in a Debian unstable build root, since
#              its headers want a newer gcc than the host's.
#
# Versions are resolved from the metapackages at fetch time. Re-running is
# cheap and idempotent: an unchanged kernel is not downloaded again, and the
# module is rebuilt only when its sources (or the kernel) changed.
#
# Layout (see docs/kernels.md):
#   $KTSTR_CACHE/kernels/<kver>/{root/,vmlinuz,build,config,ktstr.ko,.complete}
#   $KTSTR_CACHE/kernels/<name> -> <kver>
#   $KTSTR_CACHE/apt/unstable/       private apt config, lists and debs
#   $KTSTR_CACHE/buildroot/unstable/ debootstrapped build root
#
# Environment: KTSTR_CACHE; KTSTR_SRC, the ktstr sources the module is built
# from (default: the tree this script is in); KTSTR_OFFLINE=1 skips
# `apt-get update` and uses the lists from the last fetch; KTSTR_MIRROR
# overrides the Debian mirror and KTSTR_KEYRING the keyring its Release is
# signed with (Debian's); KTSTR_ALLOW_EXPIRED_RELEASE=1 accepts a Release
# past its Valid-Until; KTSTR_BR_USERNS=0 runs build-root steps without a
# user namespace (see docs/security.md). One fetch at a time: a second
# waits ($KTSTR_CACHE/.lock).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# The module sources: the tree around scripts/, or KTSTR_SRC (an installed
# ktstr keeps this script in $PREFIX/libexec/ktstr, with no tree around it).
src=${KTSTR_SRC:-$(cd "$here/.." && pwd)}
KTSTR_CACHE=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
export KTSTR_CACHE

die() { echo "kernel-fetch: $*" >&2; exit 1; }
say() { echo "kernel-fetch: $*"; }

# build_module DESC [RUN...]: ktstr.ko for $kver into $kdir, built with $gcc
# (DESC in messages) through RUN... (none: on the host; br_run: in the build
# root, which sees the cache at the same absolute path), from a copy of the
# module's sources in $src: kbuild writes its objects next to the sources.
# Skipped when the sources, the kernel and the compiler are unchanged.
build_module() {
	_desc=$1
	shift
	# shellcheck disable=SC2010
	kmod_files="Kbuild kmod/Kbuild $(cd "$src" && ls kmod/*.c kmod/*.h | grep -v '\.mod\.c$') include/uapi/linux/ktstr.h"
	# shellcheck disable=SC2086
	stamp=$( (cd "$src" && cat $kmod_files; echo "$kver"; "$@" "$gcc" --version | head -n1) |
		sha256sum | cut -d' ' -f1)
	if [ -f "$kdir/ktstr.ko" ] && [ "$(cat "$kdir/ktstr.ko.stamp" 2>/dev/null)" = "$stamp" ]; then
		say "ktstr.ko for $kver is up to date"
		return 0
	fi
	say "building ktstr.ko for $kver with $_desc"
	M="$kdir/kmod-build"
	rm -rf "$M"
	mkdir -p "$M"
	# shellcheck disable=SC2086
	(cd "$src" && tar cf - $kmod_files) | (cd "$M" && tar xf -)
	log="$kdir/kmod-build.log"
	if ! "$@" make -C "$kdir/build" M="$M" -j"$(nproc)" modules >"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -n 30 >&2
		die "ktstr.ko does not build against $kver: see $log"
	fi
	grep -i 'warning:' "$log" >&2 || true
	cp "$M/kmod/ktstr.ko" "$kdir/ktstr.ko.new"
	mv "$kdir/ktstr.ko.new" "$kdir/ktstr.ko"
	echo "$stamp" > "$kdir/ktstr.ko.stamp"
	rm -rf "$M"
	say "ktstr.ko for $kver: $kdir/ktstr.ko"
}

usage() {
	cat <<EOF
usage: kernel-fetch.sh [--no-module] NAME

NAME:
  default    Debian bookworm 6.12 (what 'make deps' fetches)
  bookworm-6.1  Debian bookworm's default 6.1 kernel, from the host's apt;
             ktstr.ko built with the host's gcc-12
  sched-ext  Debian unstable's kernel, with CONFIG_SCHED_CLASS_EXT=y and BTF;
             ktstr.ko is built for it in a debootstrapped unstable build root
EOF
}

# bookworm-6.1: Debian bookworm's default kernel, from the host's own apt
# (a bookworm host has it: no private apt, no build root). The ABI is the
# newest linux-headers-6.1.0-N-amd64 whose image (unsigned, else signed),
# -common headers and linux-kbuild-6.1 apt can download; ktstr.ko is built
# with the host's gcc (6.1's headers want gcc-12, bookworm's).
fetch_bookworm_61() {
	mkdir -p "$KTSTR_CACHE"
	KTSTR_CACHE=$(cd "$KTSTR_CACHE" && pwd -P)	# absolute: the headers' Makefile names it
	# shellcheck source=scripts/lib/cache.sh
	. "$here/lib/cache.sh"
	cache_lock
	cand() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)'; }
	kver=
	for n in $(apt-cache pkgnames linux-headers-6.1.0- 2>/dev/null |
		sed -n 's/^linux-headers-6\.1\.0-\([0-9][0-9]*\)-amd64$/\1/p' | sort -rn); do
		if [ -n "$(cand "linux-headers-6.1.0-$n-amd64")" ] &&
		   [ -n "$(cand "linux-headers-6.1.0-$n-common")" ] &&
		   { [ -n "$(cand "linux-image-6.1.0-$n-amd64-unsigned")" ] ||
		     [ -n "$(cand "linux-image-6.1.0-$n-amd64")" ]; }; then
			kver=6.1.0-$n-amd64
			break
		fi
	done
	[ -n "$kver" ] || die "no linux-headers-6.1.0-N-amd64 with its image in the host's apt (apt-get update? a bookworm mirror?)"
	kbase=${kver%-amd64}
	say "bookworm-6.1: newest 6.1 ABI the host's apt has -> $kver"
	kdir="$KTSTR_CACHE/kernels/$kver"
	if [ -f "$kdir/.complete" ]; then
		say "kernel $kver already in $kdir"
	else
		img_pkg=linux-image-$kver-unsigned
		[ -n "$(cand "$img_pkg")" ] || img_pkg=linux-image-$kver
		tmp="$kdir.tmp"
		remove_tree "$tmp"
		mkdir -p "$tmp/debs" "$tmp/root"
		say "downloading $img_pkg linux-headers-$kver linux-headers-$kbase-common linux-kbuild-6.1"
		apt_download "$tmp/debs" "" "$img_pkg" "linux-headers-$kver" \
			"linux-headers-$kbase-common" linux-kbuild-6.1 ||
			die "apt-get download of kernel $kver failed"
		for deb in "$tmp"/debs/*.deb; do
			dpkg -x "$deb" "$tmp/root"
		done
		rm -rf "$tmp/debs"
		hdr="usr/src/linux-headers-$kver"
		[ -f "$tmp/root/$hdr/Makefile" ] || die "headers for $kver not found after unpacking"
		sed -i "s#/usr/src/#$kdir/root/usr/src/#g" "$tmp/root/$hdr/Makefile"
		[ -f "$tmp/root/boot/vmlinuz-$kver" ] || die "kernel image for $kver not found after unpacking"
		remove_tree "$kdir"
		mv "$tmp" "$kdir"
		ln -sfn "root/boot/vmlinuz-$kver" "$kdir/vmlinuz"
		ln -sfn "root/$hdr" "$kdir/build"
		ln -sfn "root/boot/config-$kver" "$kdir/config"
		echo "$kver" > "$kdir/.complete"
		say "kernel $kver unpacked in $kdir"
	fi
	ln -sfn "$kver" "$KTSTR_CACHE/kernels/bookworm-6.1"
	[ -z "$no_module" ] || return 0
	[ -f "$src/Kbuild" ] && [ -d "$src/kmod" ] ||
		die "no ktstr module sources in $src: set KTSTR_SRC to a ktstr source tree, or fetch with --no-module"
	gcc=$(sed -n 's/^CC *=.*[)]\(gcc-[0-9][0-9]*\)$/\1/p' "$kdir/build/.kernelvariables" 2>/dev/null | head -n1)
	gcc=${gcc:-gcc}
	command -v "$gcc" >/dev/null || die "$kver's headers want $gcc, which the host lacks (apt-get install $gcc)"
	build_module "the host's $gcc"
}

no_module=
name=
for a in "$@"; do
	case $a in
	--no-module) no_module=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) [ -z "$name" ] || { usage >&2; exit 2; }; name=$a ;;
	esac
done
[ -n "$name" ] || { usage >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, bind mounts)"

case $name in
default)
	# The bookworm kernel and its module are the tree's own business.
	exec "$here/deps.sh"
	;;
sched-ext) suite=unstable ;;
bookworm-6.1) fetch_bookworm_61; exit 0 ;;
*) die "unknown kernel '$name' (known: default, bookworm-6.1, sched-ext)" ;;
esac

mkdir -p "$KTSTR_CACHE"
KTSTR_CACHE=$(cd "$KTSTR_CACHE" && pwd -P)	# absolute, no symlinks: used in chroot
# shellcheck source=scripts/lib/cache.sh
. "$here/lib/cache.sh"
cache_lock

# The host's Debian mirror, as its apt sources name it (deb822 or one-line).
host_mirror() {
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
		 /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\{0,1\}$/\1/p' \
		       -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\/debian\)\/\{0,1\}[[:space:]].*/\2/p' "$f"
	done | head -n1
}
mirror=${KTSTR_MIRROR:-$(host_mirror)}
mirror=${mirror:-http://deb.debian.org/debian}
keyring=${KTSTR_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
[ -f "$keyring" ] || die "no $keyring (apt-get install debian-archive-keyring)"

# ---- 1. a private apt for the suite: nothing under /etc/apt is touched ----
A="$KTSTR_CACHE/apt/$suite"
mkdir -p "$A/etc/preferences.d" "$A/state/lists/partial" "$A/cache/archives/partial"
echo "deb [signed-by=$keyring] $mirror $suite main" > "$A/etc/sources.list.new"
cmp -s "$A/etc/sources.list.new" "$A/etc/sources.list" 2>/dev/null ||
	mv "$A/etc/sources.list.new" "$A/etc/sources.list"
rm -f "$A/etc/sources.list.new"
: >> "$A/state/status"
cat > "$A/apt.conf" <<EOF
Dir::Etc::sourcelist "$A/etc/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::preferences "$A/etc/preferences";
Dir::Etc::preferencesparts "$A/etc/preferences.d";
Dir::State "$A/state";
Dir::State::status "$A/state/status";
Dir::Cache "$A/cache";
APT::Architectures { "amd64"; };
Acquire::Languages "none";
EOF
papt() { APT_CONFIG="$A/apt.conf" "$@"; }

# apt-get update of the private apt, with apt's download sandbox: the lists
# live in the root-only cache, where the _apt user cannot write, so in a
# private mount namespace they are bound at a fresh directory in /tmp that
# _apt can reach, and apt is pointed there. An unsandboxed update fails.
papt_update() {
	_mp=$(mktemp -d /tmp/ktstr-lists.XXXXXX) || return 1
	chmod 0755 "$A" "$A/state" "$A/state/lists"
	_rc=0
	# shellcheck disable=SC2016,SC2046
	unshare --mount --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
		sh "$A/state/lists" "$_mp" env APT_CONFIG="$A/apt.conf" apt-get \
		-o Dir::State::lists="$_mp/" $(apt_valid_opts) update -qq || _rc=$?
	rmdir "$_mp"
	[ "$_rc" = 0 ] || return "$_rc"
	! grep -q unsandboxed "$A/update.err"
}

if [ "${KTSTR_OFFLINE:-}" = 1 ]; then
	say "offline: using the $suite lists from the last fetch"
else
	papt_update >/dev/null 2>"$A/update.err" || {
		cat "$A/update.err" >&2
		ls "$A/state/lists/"*Packages* >/dev/null 2>&1 ||
			die "apt-get update for $suite failed and no lists are cached"
		say "apt-get update failed: using the $suite lists from the last fetch"
	}
fi

# Direct dependencies of a package, matching a sed regex, one a line.
deps_of() {
	papt apt-cache depends "$1" 2>/dev/null |
		sed -n "s/^ *[|]*Depends: \($2\)\$/\1/p"
}
exists() { papt apt-cache show "$1" >/dev/null 2>&1; }

# ---- 2. resolve the version from the metapackage ----
kver=$(deps_of linux-headers-amd64 'linux-headers-[0-9][^ ]*-amd64' |
	sed 's/^linux-headers-//' | head -n1)
[ -n "$kver" ] || die "cannot resolve a kernel version from $suite's linux-headers-amd64"
say "$name: $suite's linux-headers-amd64 -> $kver"
kdir="$KTSTR_CACHE/kernels/$kver"

# ---- 3. image + headers + kbuild, unpacked with dpkg -x ----
fetch_kernel() {
	# The image: since 6.16-ish Debian splits it into linux-binary-*
	# (vmlinuz), linux-modules-* and linux-base-* (config, System.map);
	# before, linux-image-*-unsigned held all. Modules are not needed: the
	# guest runs from an initramfs with everything it uses built in.
	pkgs="linux-headers-$kver"
	pkgs="$pkgs $(deps_of "linux-headers-$kver" 'linux-\(headers\|kbuild\|base\)-[^ ]*')"
	if exists "linux-binary-$kver"; then
		pkgs="$pkgs linux-binary-$kver $(deps_of "linux-binary-$kver" 'linux-base-[^ ]*')"
	elif exists "linux-image-$kver-unsigned"; then
		pkgs="$pkgs linux-image-$kver-unsigned"
	else
		pkgs="$pkgs linux-image-$kver"
	fi
	# shellcheck disable=SC2086
	pkgs=$(echo $pkgs | tr ' ' '\n' | sort -u | tr '\n' ' ')
	say "downloading $pkgs"
	tmp="$kdir.tmp"
	remove_tree "$tmp"
	mkdir -p "$tmp/debs" "$tmp/root"
	# shellcheck disable=SC2086
	apt_download "$tmp/debs" "$A/apt.conf" $pkgs ||
		die "apt-get download of kernel $kver failed"
	for deb in "$tmp"/debs/*.deb; do
		dpkg -x "$deb" "$tmp/root"
	done
	rm -rf "$tmp/debs"

	hdr="usr/src/linux-headers-$kver"
	[ -f "$tmp/root/$hdr/Makefile" ] || die "headers for $kver not found after unpacking"
	# The headers' Makefile names the tree by absolute /usr/src paths
	# (include, KBUILD_OUTPUT): point them at the unpacked copy.
	sed -i "s#/usr/src/#$kdir/root/usr/src/#g" "$tmp/root/$hdr/Makefile"
	img=
	for f in "boot/vmlinuz-$kver" "usr/lib/modules/$kver/vmlinuz" "lib/modules/$kver/vmlinuz"; do
		[ -f "$tmp/root/$f" ] && { img=$f; break; }
	done
	[ -n "$img" ] || die "kernel image for $kver not found after unpacking"
	cfg="$hdr/.config"
	for f in "boot/config-$kver" "usr/lib/modules/$kver/config"; do
		[ -f "$tmp/root/$f" ] && { cfg=$f; break; }
	done

	remove_tree "$kdir"
	mv "$tmp" "$kdir"
	ln -sfn "root/$img" "$kdir/vmlinuz"
	ln -sfn "root/$hdr" "$kdir/build"
	ln -sfn "root/$cfg" "$kdir/config"
	echo "$kver" > "$kdir/.complete"
}

if [ -f "$kdir/.complete" ]; then
	say "kernel $kver already in $kdir"
else
	fetch_kernel
	say "kernel $kver unpacked in $kdir"
fi
ln -sfn "$kver" "$KTSTR_CACHE/kernels/$name"
grep -q '^CONFIG_SCHED_CLASS_EXT=y' "$kdir/config" ||
	say "warning: $kver is built without CONFIG_SCHED_CLASS_EXT"

[ -z "$no_module" ] || exit 0
[ -f "$src/Kbuild" ] && [ -d "$src/kmod" ] ||
	die "no ktstr module sources in $src: set KTSTR_SRC to a ktstr source tree, or fetch with --no-module"

# ---- 4. the build root: $suite with the gcc the headers ask for ----
# .kernelvariables says e.g. CC = ... $(CROSS_COMPILE)gcc-16.
gcc=$(sed -n 's/^CC *=.*[)]\(gcc-[0-9][0-9]*\)$/\1/p' "$kdir/build/.kernelvariables" 2>/dev/null | head -n1)
gcc=${gcc:-gcc}
# What the kbuild tools need to run (pahole, libelf, libssl...) comes from
# the kbuild package's own Depends.
kbuild_pkg=$(deps_of "linux-headers-$kver" 'linux-kbuild-[^ ]*' | head -n1)
rundeps=$(deps_of "$kbuild_pkg" '[a-z0-9][^ <>]*' | grep -v '^libc6$' | tr '\n' ' ')
want="$gcc make libc6-dev $rundeps"

BR="$KTSTR_CACHE/buildroot/$suite"
# shellcheck source=scripts/lib/buildroot.sh
. "$here/lib/buildroot.sh"
if [ ! -f "$BR/.complete" ]; then
	command -v debootstrap >/dev/null || {
		say "installing debootstrap on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
			die "apt-get install debootstrap failed"
	}
	say "debootstrapping $suite with $want into $BR (a few minutes, once)"
	mkdir -p "$KTSTR_CACHE/buildroot"
	# A killed debootstrap may have left /proc or /sys mounted in it
	# (before it ran in its own mount namespace): unmount, then remove.
	remove_tree "$BR.tmp"
	# Its own mount and PID namespaces: what it mounts in the target, and
	# every process its maintainer scripts start, go when it does.
	# shellcheck disable=SC2086
	unshare --mount --pid --fork --kill-child --propagation private --mount-proc \
		debootstrap --variant=minbase --keyring="$keyring" \
		--include="$(echo $want | tr ' ' ',')" \
		"$suite" "$BR.tmp" "$mirror" >"$KTSTR_CACHE/buildroot/debootstrap-$suite.log" 2>&1 </dev/null ||
		die "debootstrap failed: see $KTSTR_CACHE/buildroot/debootstrap-$suite.log"
	# debootstrap checks the Release's signature, not its Valid-Until.
	br_check_release "$BR.tmp" "$suite" "$keyring"
	br_probe "$BR.tmp"
	br_exec "$BR.tmp" apt-get clean	# the .debs: ~100 MB we never need again
	remove_tree "$BR"
	mv "$BR.tmp" "$BR"
	date -u +%FT%TZ > "$BR/.complete"
fi
br_probe "$BR"
# A newer kernel may want a newer gcc: install what is missing.
# shellcheck disable=SC2086
br_install_missing $want

# ---- 5. ktstr.ko, built in the build root from a copy of the sources ----
# A copy, not the tree: kbuild writes its objects next to the sources and
# the tree's kmod/ belongs to the 6.12 build.
build_module "$gcc in the build root" br_run
