#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: boot the test kernel in QEMU with ktstr.ko and run a small
# contended workload under `ktstr stat`: three CPU-bound shells and a
# sleeper sharing two CPUs. The table it prints comes from the module.
set -eu
cd "$(dirname "$0")/.."

workload='
spin() { i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; }
spin & spin & spin &
(for j in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sleep 0.02; done) &
wait'

exec build/ktstr vm --cpus 2 --timeout 300 -- \
	ktstr stat --json /tmp/stat.json --starve-ms 500 -- sh -c "$workload"
