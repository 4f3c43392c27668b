#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (ktstr vm): every in-guest test binary given on the
# command line, each followed by a check that the kernel log holds no oops
# or warning. Prints the binaries' "ok"/"not ok" lines and one of its own
# per binary; the host counts them.

bad='BUG:|WARNING:|Oops|general protection|Call Trace|RIP:|soft lockup|hung_task|refcount_t'
rc=0
if dmesg -c 2>/dev/null | grep -E "$bad" >/tmp/dmesg.bad; then
	echo "not ok - kernel log clean after boot and module load:"
	sed 's/^/#   /' /tmp/dmesg.bad
	rc=1
else
	echo "ok - kernel log clean after boot and module load"
fi
for t in "$@"; do
	echo "# running $t"
	./"$t"
	st=$?
	if dmesg -c 2>/dev/null | grep -E "$bad" >/tmp/dmesg.bad; then
		echo "not ok - kernel log clean after $t:"
		sed 's/^/#   /' /tmp/dmesg.bad
		rc=1
	else
		echo "ok - kernel log clean after $t"
	fi
	[ "$st" = 0 ] || rc=1
done
exit $rc
