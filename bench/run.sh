#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build the benchmarks, run them in one QEMU guest (ktstr vm),
# print the table and write bench/results.json. Exits non-zero if the
# guest run failed or any expected row is missing; a missed goal is shown
# in the table but is not a failure.
#
# Usage: bench/run.sh [--short]   (--short: fewer reps, smaller N, for CI)
#   KTSTR_ACCEL=kvm|tcg is passed through to ktstr vm.
set -u
cd "$(dirname "$0")/.." || exit 1

short=""
case "${1:-}" in
"") ;;
--short) short="--short" ;;
*) echo "usage: bench/run.sh [--short]" >&2; exit 2 ;;
esac

CC=${CC:-cc}
CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Iinclude/uapi -Itests/guest"
out=build/bench
mkdir -p "$out"
for b in bench_pingpong bench_read; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$out/$b" "bench/$b.c" || exit 1
done
cp bench/run-guest.sh "$out/run-guest.sh"
if ! [ -x build/ktstr ] || ! [ -f kmod/ktstr.ko ]; then
	echo "bench/run.sh: build/ktstr or kmod/ktstr.ko missing: run 'make all'" >&2
	exit 1
fi

log="$out/guest.log"
echo "# bench: booting one guest (2 CPUs, 2048 MB); the emulated run takes minutes"
build/ktstr vm --cpus 2 --memory 2048 --timeout 900 \
	--include "$out/run-guest.sh" --include "$out/bench_pingpong" \
	--include "$out/bench_read" -- ./run-guest.sh $short >"$log" 2>&1
rc=$?

# The table: everything but the machine-readable lines.
grep -v -e '^@row ' -e '^@env ' "$log"

expected="pp_unloaded pp_loaded_idle pp_untracked pp_tracked \
mem_abi_record mem_kernel_record mem_footprint read_n1 read_n2"
missing=""
for id in $expected; do
	n=$(grep -c "^@row $id " "$log")
	[ "$n" = 1 ] || missing="$missing $id"
done

env_val() { sed -n "s/^@env $1 //p" "$log" | head -n 1; }
accel=$(env_val accel)
emulated=true
[ "$accel" = kvm ] && emulated=false
{
	printf '{\n  "emulated": %s,\n  "accel": "%s",\n' "$emulated" "${accel:-unknown}"
	printf '  "note": "%s",\n' "$([ "$emulated" = true ] &&
		echo 'QEMU TCG guest: absolute times are meaningless, compare ratios within this run only' ||
		echo 'KVM guest')"
	printf '  "kernel": "%s",\n  "guest_cpus": %s,\n  "guest_mem_kib": %s,\n' \
		"$(env_val kernel)" "$(env_val cpus || true)" "$(env_val mem_kib || true)"
	printf '  "short": %s,\n  "date": "%s",\n  "commit": "%s",\n' \
		"$([ -n "$short" ] && echo true || echo false)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf '  "missing_rows": ['
	sep=""
	for id in $missing; do printf '%s"%s"' "$sep" "$id"; sep=", "; done
	printf '],\n  "rows": [\n'
	sed -n 's/^@row [^ ]* //p' "$log" | sed '$!s/$/,/' | sed 's/^/    /'
	printf '  ]\n}\n'
} >bench/results.json.tmp
if [ -z "$(env_val cpus)" ]; then
	# No guest output at all: keep the JSON valid.
	sed -i 's/"guest_cpus": ,/"guest_cpus": null,/; s/"guest_mem_kib": ,/"guest_mem_kib": null,/' \
		bench/results.json.tmp
fi
mv bench/results.json.tmp bench/results.json
if command -v jq >/dev/null 2>&1 && ! jq -e . bench/results.json >/dev/null; then
	echo "not ok - bench/results.json is not valid JSON"
	rc=1
fi

echo "# results: bench/results.json (guest log: $log)"
if [ -n "$missing" ]; then
	echo "not ok - bench: rows missing:$missing"
	tail -n 20 "$log" | sed 's/^/#   /'
	exit 1
fi
if [ "$rc" != 0 ]; then
	echo "not ok - bench: guest run exited $rc"
	exit 1
fi
# shellcheck disable=SC2086
set -- $expected
echo "ok - bench: all $# rows produced"
