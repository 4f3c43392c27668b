# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The Debian build root shared by scripts/kernel-fetch.sh (ktstr.ko) and
# scripts/build-fixture.sh (the sched_ext fixture). Sourced, not run: the
# caller sets BR (the build root), KTSTR_CACHE (absolute) and defines die
# and say.

# Run a command in the build root (chroot, clean environment).
in_br() { chroot "$BR" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }

# br_install_missing [--stale-ok] PKG...: install, in the build root, those
# of PKG... that are not installed there. --stale-ok: a mirror snapshot
# older than its Release's Valid-Until still has the packages we want, so
# retry `apt-get update` without that check rather than fail.
br_install_missing() {
	_br_stale=
	[ "${1:-}" != --stale-ok ] || { _br_stale=1; shift; }
	_br_missing=
	for _br_p in "$@"; do
		# shellcheck disable=SC2016
		in_br dpkg-query -W -f='${db:Status-Status}' "$_br_p" 2>/dev/null | grep -qx installed ||
			_br_missing="$_br_missing $_br_p"
	done
	[ -n "$_br_missing" ] || return 0
	say "installing$_br_missing in the build root"
	cp /etc/resolv.conf "$BR/etc/resolv.conf" 2>/dev/null || true
	if [ -n "$_br_stale" ]; then
		in_br apt-get update -qq >/dev/null 2>&1 ||
			in_br apt-get -o Acquire::Check-Valid-Until=false update -qq >/dev/null ||
			die "apt-get update in the build root failed"
	else
		in_br apt-get update -qq >/dev/null ||
			die "apt-get install$_br_missing in the build root failed"
	fi
	# shellcheck disable=SC2086
	in_br env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $_br_missing >/dev/null ||
		die "apt-get install$_br_missing in the build root failed"
	in_br apt-get clean
}

# br_run CMD...: run CMD in the build root, which sees the cache at the
# same absolute path and a /proc (bind mounts in a private mount
# namespace: nothing to undo, even if we are killed).
br_run() {
	mkdir -p "$BR$KTSTR_CACHE"
	# shellcheck disable=SC2016
	unshare -m sh -c '
		c=$1 b=$2
		shift 2
		mount --bind "$c" "$b$c" && mount -t proc proc "$b/proc" &&
		chroot "$b" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"' \
		sh "$KTSTR_CACHE" "$BR" "$@"
}
