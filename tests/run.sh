#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test suite: host unit tests (cmocka, TAP output), host tests of the
# build (DKMS), then the in-guest tests in one QEMU boot (ktstr vm). Every check prints one "ok"/"not ok"
# line; the last line is the count, "N passed, N failed".
#
# The bench part runs `bench/run.sh --short` (its own QEMU boot, ~20-30 s
# emulated) and checks only that every benchmark row was produced, not
# that a goal was met.
#
# Usage: tests/run.sh [unit|host|guest|bench]...   (default: all four)
set -u
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
log="$out/all.tap"
: >"$log"

run_unit() {
	for t in build/tests/unit/test_*; do
		[ -x "$t" ] || continue
		echo "# unit: $t"
		if ! CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$out/unit.tap" 2>&1; then
			grep -q '^not ok' "$out/unit.tap" ||
				echo "not ok - $t exited with an error" >>"$out/unit.tap"
		fi
		grep -E '^(ok|not ok) ' "$out/unit.tap" | tee -a "$log"
	done
}

run_host() {
	for t in tests/host/*.sh; do
		echo "# host: $t"
		sh "$t" | tee -a "$log"
	done
}

run_guest() {
	# Every in-guest test program built from tests/guest/*.c, in name order.
	guests=$(cd build/tests/guest 2>/dev/null && ls | grep -v '\.d$')
	incs="--include tests/guest/run.sh --include build/ktstr"
	run=""
	for g in $guests; do
		[ -x "build/tests/guest/$g" ] || continue
		incs="$incs --include build/tests/guest/$g"
		run="$run $g"
	done
	echo "# guest:$run"
	# shellcheck disable=SC2086
	build/ktstr vm --cpus 2 --memory 768 --timeout 1800 $incs -- ./run.sh $run \
		>"$out/guest.log" 2>&1
	rc=$?
	grep -E '^(ok|not ok) ' "$out/guest.log" >>"$log"
	grep -E '^(ok|not ok) |^# ' "$out/guest.log"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' "$out/guest.log"; then
		echo "not ok - guest run: ktstr vm exited $rc" | tee -a "$log"
		tail -n 30 "$out/guest.log" | sed 's/^/#   /'
	fi
}

run_bench() {
	echo "# bench: bench/run.sh --short"
	if BENCH_RESULTS="$out/results.json" bench/run.sh --short >"$out/bench.log" 2>&1; then
		echo "ok - bench: all rows produced" | tee -a "$log"
	else
		grep -E '^not ok ' "$out/bench.log" | sed 's/^/# /'
		echo "not ok - bench: bench/run.sh --short failed (rows missing or guest run failed)" |
			tee -a "$log"
		tail -n 20 "$out/bench.log" | sed 's/^/#   /'
	fi
}

what=${*:-unit host guest bench}
for w in $what; do
	case $w in
	unit) run_unit ;;
	host) run_host ;;
	guest) run_guest ;;
	bench) run_bench ;;
	*) echo "tests/run.sh: unknown part '$w' (unit, host, guest, bench)" >&2; exit 2 ;;
	esac
done

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
