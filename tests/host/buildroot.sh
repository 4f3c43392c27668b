#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: scripts/kernel-fetch.sh and scripts/build-fixture.sh against a
# fake mirror, so that interrupted runs, concurrent runs, stale Releases and
# apt's sandbox are checked in seconds. The scripts run for real (the cache
# lock, the namespaces, pivot_root, gpgv, dpkg -x); only the programs that
# would reach the network or a real Debian are stubs:
#   - on the host, apt-get/apt-cache answer for a fake unstable whose one
#     kernel package is a real tiny .deb, and apt-get mimics apt's sandbox
#     rule (it drops to _apt only when _apt can write where files go, else
#     it warns "unsandboxed"); debootstrap copies a fake root;
#   - the fake root is the host's sh, coreutils and umount plus dpkg, dpkg-query, apt-get, gcc-99 and
#     make stubs with a list of installed packages; its apt-get refuses to
#     run while dpkg's journal (/var/lib/dpkg/updates) is pending, and its
#     `update` fails on an expired Release unless told
#     Acquire::Check-Valid-Until=false, as apt does;
#   - the Release the fake debootstrap leaves is signed by a throwaway key.
# Every run happens in a private mount namespace, so what a script mounts
# (or fails to unmount) never reaches the host.
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/../.." || exit 1
src=$(pwd)
name="build root"

for c in unshare gpg gpgv setpriv dpkg-deb flock; do
	command -v "$c" >/dev/null || { echo "ok - $name # SKIP no $c"; exit 0; }
done
if [ "$(id -u)" != 0 ] || ! getent passwd _apt >/dev/null; then
	echo "ok - $name # SKIP needs root and the _apt user"
	exit 0
fi

# All of it in a private mount namespace: what a script mounts, or fails
# to unmount, stays here.
[ -n "${KTSTR_BRTEST_NS:-}" ] ||
	exec env KTSTR_BRTEST_NS=1 unshare --mount --propagation private sh "$self" "$@"

T=$(mktemp -d /tmp/ktstr-brtest.XXXXXX) || exit 1
chmod 0755 "$T"	# the fake .deb is read as _apt
# shellcheck disable=SC2317
cleanup() {
	GNUPGHOME="$T/gnupg" gpgconf --kill gpg-agent 2>/dev/null
	# What a script left mounted here (only in this namespace), then the rest.
	awk -v d="$T" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the signing key, the fake kernel package, the fake root ----
export GNUPGHOME="$T/gnupg"
mkdir -m 0700 "$GNUPGHOME"
gpg -q --batch --passphrase '' --quick-gen-key 'ktstr test <test@ktstr.invalid>' \
	ed25519 sign never 2>/dev/null || { echo "not ok - $name: gpg key generation failed"; exit 1; }
gpg -q --batch --export >"$T/keyring.gpg"

kv=9.9.9-amd64
d="$T/deb"
mkdir -p "$d/DEBIAN" "$d/usr/src/linux-headers-$kv" "$d/boot"
printf 'Package: linux-fake\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: fake\n' >"$d/DEBIAN/control"
echo 'include /usr/src/linux-headers-common/Makefile' >"$d/usr/src/linux-headers-$kv/Makefile"
# shellcheck disable=SC2016
echo 'CC = $(CROSS_COMPILE)gcc-99' >"$d/usr/src/linux-headers-$kv/.kernelvariables"
echo 'CONFIG_SCHED_CLASS_EXT=y' >"$d/boot/config-$kv"
echo 'not a kernel' >"$d/boot/vmlinuz-$kv"
dpkg-deb -b -Zgzip "$d" "$T/fake.deb" >/dev/null || { echo "not ok - $name: dpkg-deb failed"; exit 1; }

# The fake root: the host's own programs (with their libraries) for what
# the scripts run there besides the stubs.
R="$T/root"
mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib" "$R/usr/lib64" "$R/etc" "$R/tmp" "$R/root" "$R/dev" \
	"$R/var/lib/dpkg/updates" "$R/var/lib/apt/lists" "$R/var/lib/fake" "$R/var/log"
for l in bin sbin lib lib64; do ln -s "usr/$l" "$R/$l"; done
mknod -m 0666 "$R/dev/null" c 1 3
for c in sh env chroot umount true cat grep rm mkdir ls mv sleep touch mknod head; do
	f=
	for dir in /usr/bin /usr/sbin /bin /sbin; do
		[ -x "$dir/$c" ] && { f=$(readlink -f "$dir/$c"); break; }
	done
	[ -n "$f" ] || { echo "not ok - $name: no $c on this host"; exit 1; }
	for x in "$f" $(ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		[ -e "$R$x" ] || { mkdir -p "$R${x%/*}" && cp -L "$x" "$R$x"; }
	done
	[ -e "$R/usr/bin/$c" ] || ln -s "$f" "$R/usr/bin/$c"
done
stub() { cat >"$1"; chmod 0755 "$1"; }
stub "$R/usr/bin/dpkg-query" <<'EOF'
#!/bin/sh
rc=0
for p in "$@"; do
	case $p in -*) continue ;; esac
	if grep -qx "$p" /var/lib/fake/installed; then echo "$p installed"
	else echo "dpkg-query: no packages found matching $p" >&2; rc=1; fi
done
exit $rc
EOF
stub "$R/usr/bin/dpkg" <<'EOF'
#!/bin/sh
echo "dpkg $*" >>/var/log/fake
case "$*" in
"--configure -a")
	for f in /var/lib/dpkg/updates/*; do
		[ -e "$f" ] || continue
		echo "Setting up the interrupted package"
		rm -f "$f"
	done ;;
esac
EOF
stub "$R/usr/bin/apt-get" <<'EOF'
#!/bin/sh
echo "apt-get $*" >>/var/log/fake
interrupted() {
	ls /var/lib/dpkg/updates/* >/dev/null 2>&1 || return 1
	echo "E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem." >&2
}
case " $* " in
*" update "*)
	if [ -e /etc/fake-release-expired ]; then
		case "$*" in *Check-Valid-Until=false*) exit 0 ;; esac
		echo "E: Release file for http://fake/debian/dists/unstable/InRelease is expired (invalid since 1d 2h). Updates for this repository will not be applied." >&2
		exit 100
	fi ;;
*" install "*)
	interrupted && exit 100
	seen=
	for a in "$@"; do
		[ -n "$seen" ] && case $a in -*) ;; *) echo "$a" >>/var/lib/fake/installed ;; esac
		[ "$a" = install ] && seen=1
	done ;;
*" check "*) interrupted && exit 100 ;;
esac
exit 0
EOF
stub "$R/usr/bin/gcc-99" <<'EOF'
#!/bin/sh
echo "gcc-99 (Fake) 99.0"
EOF
stub "$R/usr/bin/make" <<'EOF'
#!/bin/sh
for a in "$@"; do case $a in M=*) m=${a#M=} ;; esac; done
mkdir -p "$m/kmod" && echo fake >"$m/kmod/ktstr.ko"
EOF

# release FILE DAYS: a signed InRelease valid until DAYS from now.
release() {
	{
		echo 'Origin: Debian'
		echo 'Suite: unstable'
		echo "Date: $(date -u -R -d '-8 days')"
		echo "Valid-Until: $(date -u -R -d "$2 days")"
		echo 'Components: main'
	} | gpg -q --batch --yes --clearsign -o "$1" 2>/dev/null
}
release "$T/InRelease.valid" 7
release "$T/InRelease.expired" -1

# ---- host-side stubs: apt-get, apt-cache, debootstrap ----
B="$T/bin"
mkdir -p "$B"
# shellcheck disable=SC2016
stub "$B/apt-get" <<'EOF'
#!/bin/sh
# can_apt DIR: whether _apt may write DIR (apt's own test before it drops root)
can_apt() { setpriv --reuid=_apt --regid=nogroup --clear-groups test -w "$1" -a -x "$1"; }
conf=${APT_CONFIG:-/dev/null}
sandbox=_apt
grep -q 'APT::Sandbox::User "root"' "$conf" && sandbox=root
lists=$(sed -n 's/^Dir::State "\(.*\)";/\1/p' "$conf")/lists
for a in "$@"; do
	case $a in
	APT::Sandbox::User=root) sandbox=root ;;
	Dir::State::lists=*) lists=${a#Dir::State::lists=} ;;
	esac
done
case " $* " in
*" update "*)
	case " $* " in
	*" Acquire::Check-Valid-Until=true "*" Acquire::Check-Date=true "*|*" Acquire::Check-Date=true "*" Acquire::Check-Valid-Until=true "*)
		echo "update: Valid-Until checked" >>"$STUB_LOG" ;;
	*) echo "update: Valid-Until as the host's apt.conf.d says" >>"$STUB_LOG" ;;
	esac
	mkdir -p "$lists/partial" && chown _apt "$lists/partial"
	if [ $sandbox = root ]; then echo "update: unsandboxed (APT::Sandbox::User root)" >>"$STUB_LOG"
	elif can_apt "$lists/partial"; then echo "update: sandboxed" >>"$STUB_LOG"
	else
		echo "W: Download is performed unsandboxed as root as file '$lists/partial/x' couldn't be accessed by user '_apt'. - pkgAcquire::Run (13: Permission denied)" >&2
		echo "update: unsandboxed ($lists/partial)" >>"$STUB_LOG"
	fi ;;
*" download "*)
	uris=
	for a in "$@"; do
		case $a in
		--print-uris) uris=1 ;;
		-*|download) ;;
		*)
			f=${a}_1_amd64.deb
			if [ -n "$uris" ]; then
				echo "'http://fake/$f' $f $(stat -c %s "$STUB_DEB") SHA256:$(sha256sum <"$STUB_DEB" | cut -d' ' -f1)"
			elif [ $sandbox = root ]; then
				cp "$STUB_DEB" "$f"; echo "download: unsandboxed (APT::Sandbox::User root)" >>"$STUB_LOG"
			elif can_apt .; then
				setpriv --reuid=_apt --regid=nogroup --clear-groups cp "$STUB_DEB" "$f"
				echo "download: sandboxed" >>"$STUB_LOG"
			else
				echo "W: Download is performed unsandboxed as root as file '$PWD/$f' couldn't be accessed by user '_apt'. - pkgAcquire::Run (13: Permission denied)" >&2
				cp "$STUB_DEB" "$f"; echo "download: unsandboxed ($PWD)" >>"$STUB_LOG"
			fi ;;
		esac
	done ;;
esac
exit 0
EOF
stub "$B/apt-cache" <<'EOF'
#!/bin/sh
case "$1 $2" in
"depends linux-headers-amd64") echo "  Depends: linux-headers-9.9.9-amd64" ;;
"depends linux-headers-9.9.9-amd64") echo "  Depends: linux-kbuild-9.9.9" ;;
"depends linux-kbuild-9.9.9") printf '  Depends: libc6\n  Depends: pahole\n' ;;
"show "*) exit 100 ;;
esac
EOF
# debootstrap ... SUITE TARGET MIRROR: the fake root, with /proc mounted in
# it while it "installs" (as debootstrap does), STUB_DB_SLEEP seconds.
stub "$B/debootstrap" <<'EOF'
#!/bin/sh
for a in "$@"; do
	case $a in --include=*) inc=${a#--include=} ;; -*) ;; *) set -- "$@" "$a" ;; esac
done
while [ $# -gt 3 ]; do shift; done
t=$2
echo "debootstrap start $$" >>"$STUB_LOG"
mkdir -p "$t/proc"
cp -a "$STUB_ROOT/." "$t/"
mount -t proc proc "$t/proc"
echo "$inc" | tr ',' '\n' >"$t/var/lib/fake/installed"
cp "$STUB_RELEASE" "$t/var/lib/apt/lists/fake_debian_dists_unstable_InRelease"
sleep "${STUB_DB_SLEEP:-0}"
umount "$t/proc"
echo "debootstrap end $$" >>"$STUB_LOG"
EOF

# The host's apt policy as the scripts read it (apt-config): by default one
# that checks Valid-Until, whatever this machine's apt.conf.d says.
mkdir -p "$T/apt-parts"
printf 'Dir::Etc::Parts "%s";\n' "$T/apt-parts" >"$T/host-apt.conf"
printf 'Dir::Etc::Parts "%s";\nAcquire::Check-Valid-Until "false";\n' "$T/apt-parts" \
	>"$T/host-apt-lax.conf"

# $T/fetch CACHE [VAR=VALUE...]: scripts/kernel-fetch.sh sched-ext on CACHE
# (its output in CACHE.out, the stubs' log in CACHE.log).
cat >"$T/fetch" <<EOF
#!/bin/sh
c=\$1
shift
exec env PATH="$B:\$PATH" KTSTR_CACHE="\$c" KTSTR_KEYRING="$T/keyring.gpg" \\
	KTSTR_MIRROR=http://fake/debian STUB_LOG="\$c.log" STUB_DEB="$T/fake.deb" \\
	STUB_ROOT="$R" STUB_RELEASE="$T/InRelease.valid" APT_CONFIG="$T/host-apt.conf" "\$@" \\
	sh "$src/scripts/kernel-fetch.sh" sched-ext >>"\$c.out" 2>&1
EOF
chmod 0755 "$T/fetch"
fetch() { "$T/fetch" "$@"; }
# mounted DIR: what is mounted under DIR.
mounted() { awk -v d="$1" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo; }
# setup CACHE: a cache with a complete (fake) build root, or a "not ok".
setup() {
	fetch "$1" && [ -f "$1/buildroot/unstable/.complete" ] && return 0
	echo "not ok - $name: a first fetch into $1 failed"
	tail -n 15 "$1.out" | sed 's/^/#   /'
	failed=1
	return 1
}
# ok RESULT TEXT [CACHE]: one line, and on failure the script's output.
ok() {
	if [ "$1" = 0 ]; then
		echo "ok - $name: $2"
	else
		echo "not ok - $name: $2"
		[ -z "${3:-}" ] || tail -n 15 "$3.out" 2>/dev/null | sed 's/^/#   /'
		failed=1
	fi
}
failed=0

# ---- a leftover unstable.tmp with /proc mounted inside (what a SIGKILLed
# debootstrap left) is unmounted and removed; the host's /proc untouched ----
c="$T/c1"
mkdir -p "$c/buildroot/unstable.tmp/proc"
mount -t proc proc "$c/buildroot/unstable.tmp/proc"
before=$(find /proc/sys/kernel -maxdepth 1 | wc -l)
fetch "$c"
rc=$?
r=1
[ "$rc" = 0 ] && [ -z "$(mounted "$c")" ] && [ -f "$c/buildroot/unstable/.complete" ] &&
	[ ! -e "$c/buildroot/unstable.tmp" ] && [ -r /proc/self/status ] &&
	[ "$(find /proc/sys/kernel -maxdepth 1 | wc -l)" = "$before" ] && r=0
ok $r "a leftover unstable.tmp with /proc mounted is unmounted, then removed (fetch exit $rc)" "$c"

# ---- a SIGKILL during debootstrap leaves nothing mounted; the next fetch works ----
c="$T/c2"
setsid "$T/fetch" "$c" STUB_DB_SLEEP=30 &
p=$!
n=0
while ! grep -q 'debootstrap start' "$c.log" 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
sleep 0.3
env kill -s KILL -- "-$p"	# the process group: dash's kill cannot
wait "$p" 2>/dev/null
sleep 0.2
left=$(mounted "$c")
fetch "$c"
rc=$?
r=1
[ -z "$left" ] && [ "$rc" = 0 ] && [ -z "$(mounted "$c")" ] &&
	[ -f "$c/buildroot/unstable/.complete" ] && r=0
ok $r "SIGKILL mid-debootstrap: mounted after the kill '${left##*/c2/}', next fetch exit $rc" "$c"

# ---- an interrupted package install in the build root is repaired first ----
# (dpkg's journal pending and gcc-99 gone, so the fetch must install it,
# which apt refuses until dpkg is repaired)
c="$T/c6"
br="$c/buildroot/unstable"
setup "$c" &&
echo 'half-configured' >"$br/var/lib/dpkg/updates/0001" &&
grep -vx gcc-99 "$br/var/lib/fake/installed" >"$br/var/lib/fake/i" &&
	mv "$br/var/lib/fake/i" "$br/var/lib/fake/installed" && {
	fetch "$c"
	rc=$?
	r=1
	[ "$rc" = 0 ] && [ ! -e "$br/var/lib/dpkg/updates/0001" ] &&
		grep -qx gcc-99 "$br/var/lib/fake/installed" && r=0
	ok $r "an interrupted dpkg in the build root is repaired before installing (fetch exit $rc)" "$c"
}

# ---- two fetches at once: one debootstraps, the other waits for it ----
c="$T/c3"
fetch "$c" STUB_DB_SLEEP=1 &
p1=$!
fetch "$c" STUB_DB_SLEEP=1 &
p2=$!
wait "$p1"
rc1=$?
wait "$p2"
rc2=$?
runs=$(grep -c 'debootstrap start' "$c.log")
r=1
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && [ "$runs" = 1 ] && r=0
ok $r "two concurrent fetches serialize: exits $rc1 and $rc2, $runs debootstrap run(s)" "$c"

# ---- a Release past its Valid-Until is refused after debootstrap ----
c="$T/c4"
fetch "$c" STUB_RELEASE="$T/InRelease.expired"
rc=$?
r=1
[ "$rc" != 0 ] && [ ! -f "$c/buildroot/unstable/.complete" ] &&
	grep -q 'expired' "$c.out" && r=0
ok $r "debootstrap from an expired Release is refused (fetch exit $rc)" "$c"
# ... unless asked for
c="$T/c5"
fetch "$c" STUB_RELEASE="$T/InRelease.expired" KTSTR_ALLOW_EXPIRED_RELEASE=1
rc=$?
r=1
[ "$rc" = 0 ] && [ -f "$c/buildroot/unstable/.complete" ] && r=0
ok $r "KTSTR_ALLOW_EXPIRED_RELEASE=1 accepts it (fetch exit $rc)" "$c"
# ... or when the host's own apt accepts expired Releases (its policy), saying
# so; KTSTR_ALLOW_EXPIRED_RELEASE=0 refuses even then
c="$T/c5h"
fetch "$c" STUB_RELEASE="$T/InRelease.expired" APT_CONFIG="$T/host-apt-lax.conf"
rc=$?
c0="$T/c5r"
fetch "$c0" STUB_RELEASE="$T/InRelease.expired" APT_CONFIG="$T/host-apt-lax.conf" \
	KTSTR_ALLOW_EXPIRED_RELEASE=0
rc0=$?
r=1
[ "$rc" = 0 ] && [ -f "$c/buildroot/unstable/.complete" ] &&
	grep -q "accepted (the host's apt configuration" "$c.out" &&
	[ "$rc0" != 0 ] && [ ! -f "$c0/buildroot/unstable/.complete" ] && r=0
ok $r "a host whose apt accepts expired Releases: followed with a warning (exit $rc), KTSTR_ALLOW_EXPIRED_RELEASE=0 refuses (exit $rc0)" "$c"

# ---- apt-get update in the build root: no retry without Valid-Until ----
# (build-fixture.sh: clang missing, the mirror's Release now expired)
c="$T/c7"
br="$c/buildroot/unstable"
if setup "$c"; then
	touch "$br/etc/fake-release-expired"
	: >"$br/var/log/fake"
	echo 'not BTF' >"$c/kernels/$kv/build/vmlinux"
	env PATH="$B:$PATH" KTSTR_CACHE="$c" APT_CONFIG="$T/host-apt.conf" \
		sh "$src/scripts/build-fixture.sh" >"$c.out" 2>&1
	rc=$?
	r=1
	[ "$rc" != 0 ] && ! grep -q 'Check-Valid-Until=false' "$br/var/log/fake" &&
		! grep -qx clang "$br/var/lib/fake/installed" && r=0
	ok $r "an expired Release in the build root is refused, not retried without Valid-Until (build-fixture exit $rc)" "$c"
fi

# ---- apt keeps its _apt sandbox for the lists and the kernel download ----
# (what the stub apt-get saw in c7's first fetch)
r=1
grep -q '^update: sandboxed' "$c.log" && grep -q '^download: sandboxed' "$c.log" &&
	! grep -q unsandboxed "$c.log" && r=0
why=$(grep -h unsandboxed "$c.log" | sort -u | tr '\n' ' ')
ok $r "apt-get update and download keep the _apt sandbox${why:+: $why}" "$c"

# ---- the private apt checks Valid-Until whatever the host's apt.conf.d says
# (Acquire::Check-Date=false there turns the check off too) ----
r=1
grep -q '^update: Valid-Until checked' "$c.log" && r=0
ok $r "the private apt's update refuses an expired Release ($(grep -h '^update: Valid' "$c.log" | head -n1))" "$c"

# ---- build-root steps run in their own PID namespace, without host caps ----
# (the fake make reports what it sees)
c="$T/c8"
br="$c/buildroot/unstable"
if setup "$c"; then
	cat >"$br/usr/bin/make" <<'EOF'
#!/bin/sh
for a in "$@"; do case $a in M=*) m=${a#M=} ;; esac; done
mkdir -p "$m/kmod" && echo fake >"$m/kmod/ktstr.ko"
{ ls /proc | grep -c '^[0-9]'; mknod /tmp/blk b 8 0 2>/dev/null && echo mknod-ok; } >/tmp/seen
exit 0
EOF
	rm -f "$c/kernels/$kv/ktstr.ko.stamp"
	fetch "$c"
	rc=$?
	seen=$(cat "$br/tmp/seen" 2>/dev/null)
	n=$(echo "$seen" | head -n1)
	r=1
	[ "$rc" = 0 ] && [ -n "$n" ] && [ "$n" -lt 10 ] && r=0
	ok $r "build-root steps see only their own processes (${n:-no} pids in /proc; fetch exit $rc)" "$c"
	if grep -q "no user namespace" "$c.out"; then
		echo "ok - $name: build-root steps hold no host capability # SKIP no user namespace here"
	else
		r=1
		[ "$rc" = 0 ] && [ -n "$seen" ] && ! echo "$seen" | grep -q mknod-ok && r=0
		ok $r "build-root steps hold no host capability (mknod refused)" "$c"
	fi
fi
exit $failed
