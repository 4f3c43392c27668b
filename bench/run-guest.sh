#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (ktstr vm, busybox sh, cwd /work): the benchmarks
# (probe cost incl. our BPF collector and ./runqlat, read cost, watchdog
# scan cost, accuracy), one after the other, in this one boot. Prints their tables and "@row"
# lines (bench/run.sh collects those), then "@env" lines describing the
# guest. Exits non-zero if a benchmark failed or the kernel log shows an
# oops/warning.
#
# Usage: ./run-guest.sh [--short]
set -u
short=0
[ "${1:-}" = "--short" ] && short=1

if [ "$short" = 1 ]; then
	pp_args="--reps 3 --target-ms 100"
	rd_args="--sizes 300,1000 --reps 3 --mem-reps 1"
	acc_args="--runs 1"
	scan_args="--caps 16384,1048576 --reps 2 --window-ms 200 --fill-s 5"
else
	pp_args="--reps 41 --target-ms 200"
	rd_args="--sizes 1000,10000 --reps 7 --mem-reps 3"
	acc_args="--runs 5"
	scan_args="--caps 16384,1048576 --reps 7 --window-ms 500 --fill-s 600"
fi

# ktstr vm passes the accelerator it booted with (TCG also after a KVM
# failure at boot).
accel=${KTSTR_VM_ACCEL:-tcg}
echo "@env accel $accel"
echo "@env kernel $(uname -r)"
echo "@env cpus $(grep -c ^processor /proc/cpuinfo)"
echo "@env mem_kib $(awk '/^MemTotal/ {print $2}' /proc/meminfo)"
echo "@env short $short"
if [ "$accel" = tcg ]; then
	echo "# EMULATED guest (QEMU TCG): absolute times are meaningless; only ratios"
	echo "# between rows of this one run count."
fi

rc=0
echo
echo "## probe cost: bench_pingpong $pp_args"
# shellcheck disable=SC2086
./bench_pingpong $pp_args || rc=1
echo
echo "## read cost and memory: bench_read $rd_args"
# shellcheck disable=SC2086
./bench_read $rd_args || rc=1
echo
echo "## scan cost: bench_scan $scan_args"
# shellcheck disable=SC2086
./bench_scan $scan_args || rc=1
echo
echo "## accuracy: bench_accuracy $acc_args"
# shellcheck disable=SC2086
./bench_accuracy $acc_args || rc=1

[ -e /dev/ktstr ] || { echo "not ok - module not reloaded after the benchmarks"; rc=1; }
if dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|Call Trace|soft lockup' >/tmp/bad; then
	echo "not ok - kernel log after the benchmarks:"
	sed 's/^/#   /' /tmp/bad
	rc=1
fi
exit $rc
