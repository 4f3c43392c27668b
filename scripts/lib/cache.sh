# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The ktstr cache ($KTSTR_CACHE), shared by scripts/kernel-fetch.sh,
# scripts/build-fixture.sh and scripts/deps.sh: its lock, removing the
# temp trees a killed run left, and apt downloads that keep apt's sandbox.
# Sourced, not run: the caller sets KTSTR_CACHE and defines die and say.

# cache_lock: hold $KTSTR_CACHE/.lock (flock) until this shell and every
# process it started exit: two fetches or builds at once would share the
# temp paths (kernels/<kver>.tmp, buildroot/unstable.tmp) and the build
# root's dpkg. Waits for the other run. Uses fd 9.
cache_lock() {
	mkdir -p "$KTSTR_CACHE"
	exec 9>>"$KTSTR_CACHE/.lock"
	flock -n 9 && return 0
	say "waiting for another fetch or build using $KTSTR_CACHE (.lock)"
	flock 9 || die "cannot lock $KTSTR_CACHE/.lock"
}


# mounts_under DIR: the mount points at or below DIR, deepest first (from
# /proc/self/mountinfo, whose octal escapes for blanks are decoded).
mounts_under() {
	awk -v d="$1" '{
		p = $5
		while (match(p, /\\[0-7][0-7][0-7]/)) {
			n = substr(p, RSTART + 1, 1) * 64 + substr(p, RSTART + 2, 1) * 8
			c = sprintf("%c", n + substr(p, RSTART + 3, 1))
			p = substr(p, 1, RSTART - 1) c substr(p, RSTART + 4)
		}
		if (p == d || substr(p, 1, length(d) + 1) == d "/")
			print length(p) " " p
	}' /proc/self/mountinfo | sort -rn | cut -d' ' -f2-
}

# remove_tree DIR: remove DIR, a temp tree a killed run may have left with
# file systems mounted inside (debootstrap mounts /proc and /sys in its
# target): unmount everything under it first, never follow into a mount.
remove_tree() {
	[ -e "$1" ] || [ -L "$1" ] || return 0
	mounts_under "$1" | while IFS= read -r _m; do
		umount -l "$_m" || exit 1
	done || die "cannot unmount what is mounted under $1"
	[ -z "$(mounts_under "$1")" ] || die "still mounted under $1: $(mounts_under "$1" | tr '\n' ' ')"
	rm -rf --one-file-system "$1" || die "cannot remove $1"
}

# apt_download DEST CONF PKG...: `apt-get download PKG...` into DEST (with
# APT_CONFIG=CONF unless CONF is empty), keeping apt's download sandbox:
# apt drops to the _apt user only when _apt can write where the files go,
# which it cannot in a root-only cache, so the download goes to a fresh
# directory of _apt's in /tmp. Root then copies each file into DEST and
# checks it there against the SHA256 of apt's index (so what _apt could
# still change after apt's own check does not count). An unsandboxed
# download is an error.
apt_download() {
	_ad_dest=$1 _ad_conf=$2
	shift 2
	_ad_dir=$(mktemp -d /tmp/ktstr-dl.XXXXXX) || die "mktemp in /tmp failed"
	[ "$(id -u)" != 0 ] || chown _apt "$_ad_dir" || { rm -rf "$_ad_dir"; die "no _apt user to download as"; }
	_ad_rc=0
	(
		[ -z "$_ad_conf" ] || { APT_CONFIG=$_ad_conf; export APT_CONFIG; }
		cd "$_ad_dir" &&
		apt-get download --print-uris "$@" >"$_ad_dest/.uris" &&
		apt-get download -q "$@" >/dev/null 2>"$_ad_dest/.download.err"
	) || _ad_rc=$?
	if grep -q unsandboxed "$_ad_dest/.download.err" 2>/dev/null; then
		cat "$_ad_dest/.download.err" >&2
		_ad_rc=1
		say "apt did not use its _apt sandbox for the download"
	fi
	if [ "$_ad_rc" = 0 ]; then
		# 'URI' FILE SIZE SHA256:HEX, one a package
		while read -r _ad_uri _ad_f _ad_size _ad_sum; do
			case $_ad_f in */*|.*|'') _ad_rc=1; break ;; esac
			case $_ad_sum in SHA256:*) ;; *) _ad_rc=1; break ;; esac
			if ! cp "$_ad_dir/$_ad_f" "$_ad_dest/$_ad_f.part" ||
			   [ "$(stat -c %s "$_ad_dest/$_ad_f.part")" != "$_ad_size" ] ||
			   ! echo "${_ad_sum#SHA256:}  $_ad_dest/$_ad_f.part" | sha256sum -c --status ||
			   ! mv "$_ad_dest/$_ad_f.part" "$_ad_dest/$_ad_f"; then
				_ad_rc=1
				break
			fi
		done <"$_ad_dest/.uris"
		[ "$_ad_rc" = 0 ] || say "a downloaded file does not match apt's index (${_ad_uri:-})"
	else
		cat "$_ad_dest/.download.err" >&2 2>/dev/null
	fi
	rm -rf "$_ad_dir" "$_ad_dest/.uris" "$_ad_dest/.download.err" "$_ad_dest"/*.part
	return "$_ad_rc"
}

# expired_ok: whether a Release past its Valid-Until is accepted (status 0),
# and why (in $expired_why). KTSTR_ALLOW_EXPIRED_RELEASE=1 accepts and =0
# refuses; unset, the host's own apt policy decides: a host whose apt is
# configured with Acquire::Check-Valid-Until "false" already accepts such
# a Release for its own updates, and ktstr follows it, saying so each time.
# Otherwise it is refused (docs/security.md).
expired_ok() {
	case ${KTSTR_ALLOW_EXPIRED_RELEASE:-} in
	1) expired_why="KTSTR_ALLOW_EXPIRED_RELEASE=1"; return 0 ;;
	0) return 1 ;;
	esac
	_eo_vu=
	eval "$(apt-config shell _eo_vu Acquire::Check-Valid-Until 2>/dev/null)"
	case $_eo_vu in
	false|no|off|0)
		expired_why="the host's apt configuration says Acquire::Check-Valid-Until \"false\"; KTSTR_ALLOW_EXPIRED_RELEASE=0 refuses"
		return 0 ;;
	esac
	return 1
}

# apt_valid_opts: the apt options for an update (unquoted, one word each):
# a Release past its Valid-Until is refused, whatever the host's
# apt.conf.d says about Acquire::Check-Date (which alone turns that check
# off too), unless expired_ok.
apt_valid_opts() {
	if expired_ok; then
		echo -o Acquire::Check-Valid-Until=false
	else
		echo -o Acquire::Check-Valid-Until=true -o Acquire::Check-Date=true
	fi
}
