# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The guests on a machine take turns through one flock (default
# /tmp/ktstr-guest.lock, $KTSTR_GUEST_LOCK). A test that boots guests takes
# it, unless a process above it already holds it (flock LOCK tests/run.sh
# ...): taking it again would then wait for ever. Sourced, not run.

# held_by_ancestor FILE: whether this shell or a process above it holds
# FILE's flock (/proc/locks names the pid and device:inode of every FLOCK).
held_by_ancestor() {
	_ino=$(stat -c %i "$1" 2>/dev/null) || return 1
	_holders=$(awk -v i="$_ino" '$2 == "FLOCK" { n = split($6, f, ":"); if (f[n] == i) print $5 }' /proc/locks)
	_p=$$
	while [ -n "$_p" ] && [ "$_p" -gt 1 ]; do
		for _h in $_holders; do
			[ "$_h" = "$_p" ] && return 0
		done
		_p=$(awk '/^PPid:/ { print $2 }' "/proc/$_p/status" 2>/dev/null)
	done
	return 1
}
