# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The Debian build root shared by scripts/kernel-fetch.sh (ktstr.ko) and
# scripts/build-fixture.sh (the sched_ext fixture). Sourced, not run: the
# caller sets BR (the build root), KTSTR_CACHE (absolute), defines die and
# say, and sources scripts/lib/cache.sh first. What runs as root here and
# what is trusted: docs/security.md.
#
# Environment:
#   KTSTR_BR_USERNS=0              build-root steps as real root (in a private
#                                  mount and PID namespace) instead of in a
#                                  user namespace
#   KTSTR_ALLOW_EXPIRED_RELEASE=1  accept a Release past its Valid-Until
#                                  (=0 refuse it; unset: as the host's apt does)
#                                  (a stale mirror snapshot; see docs/security.md)

# ---- running commands in the build root ----

# The script run in the new namespaces: the build root becomes the root of
# a private mount namespace (the cache bound at its own path, a /proc of
# the new PID namespace, a devpts instance of its own), the host's file
# system is detached (pivot_root) and CMD runs with a clean environment.
# $1 root, $2 cache, $3 wait for a user namespace map (1/0), then CMD.
# shellcheck disable=SC2016
br_ns_script='
	r=$1 c=$2
	if [ "$3" = 1 ]; then
		n=0
		while [ -z "$(cat /proc/self/uid_map)" ]; do
			n=$((n + 1))
			[ $n -lt 500 ] || { echo "build root: no user namespace map" >&2; exit 125; }
			sleep 0.01
		done
	fi
	shift 3
	mount --bind "$r" "$r" &&
	mount --bind "$c" "$r$c" &&
	mount -t proc -o nosuid,nodev,noexec proc "$r/proc" || exit 125
	# ptys of its own (apt logs dpkg through one)
	if [ -d "$r/dev/pts" ] &&
	   mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts" 2>/dev/null; then
		mount --bind "$r/dev/pts/ptmx" "$r/dev/ptmx" 2>/dev/null || :
	fi
	cd "$r" && pivot_root . . && umount -l . || exit 125
	exec chroot . env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root "$@"'

# br_exec ROOT CMD...: run CMD as root of ROOT in new mount and PID
# namespaces (every process of CMD dies with it; no mount outlives it) and,
# where the kernel allows, a user namespace mapping every uid to itself:
# files are owned as usual, but CMD holds no capability over the host (no
# mknod, no module loading, no mounting of devices, no sysctl). The first
# call probes for that user namespace; KTSTR_BR_USERNS=0 skips it.
br_exec() {
	[ -n "$br_userns" ] || br_probe "$1"
	_br_exec "$br_userns" "$@"
}

# br_probe ROOT: decide, once (call it outside command substitutions), whether
# build-root steps get their user namespace.
br_userns=
br_probe() {
	br_userns=0
	[ "${KTSTR_BR_USERNS:-1}" != 0 ] || return 0
	if _br_exec 1 "$1" true >/dev/null 2>&1; then
		br_userns=1
	else
		say "no user namespace for the build root here: its steps run as real root (in private mount and PID namespaces)"
	fi
}

# _br_exec USERNS ROOT CMD...: br_exec, with (1) or without (0) the user
# namespace.
_br_exec() {
	_br_u=$1 _br_r=$2
	shift 2
	mkdir -p "$_br_r$KTSTR_CACHE" "$_br_r/proc"
	if [ "$_br_u" = 0 ]; then
		unshare --mount --pid --fork --kill-child --propagation private \
			sh -c "$br_ns_script" sh "$_br_r" "$KTSTR_CACHE" 0 "$@" </dev/null
		return
	fi
	# In the background (its pid is needed), where sh would ignore SIGINT
	# and SIGQUIT: env puts them back, so that ^C stops a build as before.
	env --default-signal=INT,QUIT \
		unshare --user --mount --pid --fork --kill-child --propagation private \
		sh -c "$br_ns_script" sh "$_br_r" "$KTSTR_CACHE" 1 "$@" </dev/null &
	_br_p=$!
	# The user namespace is unshare's own: map it once unshare is in it.
	_br_self=$(readlink /proc/self/ns/user)
	_br_n=0
	while [ "$(readlink "/proc/$_br_p/ns/user" 2>/dev/null)" = "$_br_self" ] && [ $_br_n -lt 500 ]; do
		sleep 0.01
		_br_n=$((_br_n + 1))
	done
	{ echo '0 0 4294967295' >"/proc/$_br_p/uid_map" &&
	  echo '0 0 4294967295' >"/proc/$_br_p/gid_map"; } 2>/dev/null ||
		kill "$_br_p" 2>/dev/null
	_br_rc=0
	wait "$_br_p" || _br_rc=$?
	return $_br_rc
}

# in_br CMD...: run CMD in the build root (br_exec), which sees the cache at
# its own absolute path.
in_br() { br_exec "$BR" "$@"; }
br_run() { br_exec "$BR" "$@"; }

# ---- the Release the build root was made from ----

# br_check_release ROOT SUITE KEYRING: refuse a build root whose Release
# (the one debootstrap verified and kept in ROOT/var/lib/apt/lists) is past
# its Valid-Until: a mirror, or someone between us and it, replaying an old
# signed Release would pin the build root to old packages. The signature is
# checked again here and the date read from the signed text only.
br_check_release() {
	_br_l="$1/var/lib/apt/lists"
	_br_txt=
	for _br_f in "$_br_l"/*_dists_"$2"_InRelease; do
		[ -f "$_br_f" ] || continue
		_br_txt=$(gpgv --keyring "$3" --output - "$_br_f" 2>/dev/null) ||
			die "the $2 InRelease in the build root does not verify with $3"
		break
	done
	if [ -z "$_br_txt" ]; then
		for _br_f in "$_br_l"/*_dists_"$2"_Release; do
			[ -f "$_br_f" ] || continue
			gpgv --keyring "$3" "$_br_f.gpg" "$_br_f" >/dev/null 2>&1 ||
				die "the $2 Release in the build root does not verify with $3"
			_br_txt=$(cat "$_br_f")
			break
		done
	fi
	[ -n "$_br_txt" ] || die "no $2 Release in $_br_l to check"
	_br_vu=$(printf '%s\n' "$_br_txt" | sed -n 's/^Valid-Until: *//p' | head -n1)
	if [ -z "$_br_vu" ]; then
		say "the $2 Release has no Valid-Until: its freshness cannot be checked"
		return 0
	fi
	_br_t=$(date -d "$_br_vu" +%s 2>/dev/null) || die "cannot read the $2 Release's Valid-Until '$_br_vu'"
	[ "$_br_t" -lt "$(date +%s)" ] || return 0
	if expired_ok; then
		say "warning: the $2 Release expired on $_br_vu; accepted ($expired_why)"
		return 0
	fi
	die "the $2 Release expired on $_br_vu (Valid-Until): refusing a stale or replayed mirror (KTSTR_ALLOW_EXPIRED_RELEASE=1 accepts it)"
}

# ---- packages ----

# br_repair: finish what a killed package install left (dpkg's journal,
# half-configured packages: apt refuses to run until they are dealt with),
# then let apt fix broken dependencies. Cheap when nothing is pending.
br_repair() {
	_br_out=$(in_br env DEBIAN_FRONTEND=noninteractive dpkg --configure -a 2>&1) ||
		{ printf '%s\n' "$_br_out" >&2; die "dpkg --configure -a in the build root failed"; }
	[ -z "$_br_out" ] || say "finished an interrupted package install in the build root"
	in_br apt-get check -qq >/dev/null 2>&1 && return 0
	say "fixing broken dependencies in the build root (apt-get -f install)"
	in_br env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq >/dev/null ||
		die "apt-get -f install in the build root failed"
}

# br_install_missing PKG...: install, in the build root, those of PKG...
# that are not installed there (after repairing an interrupted install).
br_install_missing() {
	br_repair
	# shellcheck disable=SC2016
	_br_have=$(in_br dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null |
		sed -n 's/ installed$//p')
	_br_missing=
	for _br_p in "$@"; do
		printf '%s\n' "$_br_have" | grep -qx "$_br_p" || _br_missing="$_br_missing $_br_p"
	done
	[ -n "$_br_missing" ] || return 0
	say "installing$_br_missing in the build root"
	cp /etc/resolv.conf "$BR/etc/resolv.conf" 2>/dev/null || true
	# shellcheck disable=SC2046
	in_br apt-get $(apt_valid_opts) update -qq >/dev/null ||
		die "apt-get update in the build root failed (an expired Release is refused: docs/security.md)"
	# shellcheck disable=SC2086
	in_br env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $_br_missing >/dev/null ||
		die "apt-get install$_br_missing in the build root failed"
	in_br apt-get clean
}
