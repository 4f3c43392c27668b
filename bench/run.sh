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
#   BENCH_RESULTS=FILE writes the JSON there instead of bench/results.json
#   (tests/run.sh does, so `make test` leaves the committed results alone).
#   RUNQLAT=PATH: the runqlat binary (default: runqlat in PATH, /usr/sbin).
set -u
cd "$(dirname "$0")/.." || exit 1

short=""
case "${1:-}" in
"") ;;
--short) short="--short" ;;
*) echo "usage: bench/run.sh [--short]" >&2; exit 2 ;;
esac

CC=${CC:-cc}
if ! [ -x build/ktstr ] || ! [ -f kmod/ktstr.ko ] || ! [ -f build/libktstr.a ]; then
	echo "bench/run.sh: build/ktstr, build/libktstr.a or kmod/ktstr.ko missing: run 'make all'" >&2
	exit 1
fi
# The benchmarks link build/libktstr.a (backends, BPF collector) like the
# in-guest tests do; ktstr vm copies their shared libraries into the guest.
PKGS="hwloc libnl-genl-3.0 jansson libbpf"
CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Iinclude/uapi -Itests/guest \
-Iuser/include -Iuser/bpf $(pkg-config --cflags $PKGS 2>/dev/null)"
LIBS="build/libktstr.a $(pkg-config --libs $PKGS 2>/dev/null) -lm -lpthread"
out=build/bench
results=${BENCH_RESULTS:-bench/results.json}
mkdir -p "$out"
for b in bench_pingpong bench_read bench_scan bench_accuracy; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$out/$b" "bench/$b.c" $LIBS || exit 1
done
cp bench/run-guest.sh "$out/run-guest.sh"
# The tracepoint floor (pp_nullprobe): bench/nullprobe's module, built
# against KDIR by the Makefile like kmod/ (a no-op when up to date).
np_ko=bench/nullprobe/ktstr_nullprobe.ko
if ! make --no-print-directory -s bench-kmod >"$out/nullprobe-build.log" 2>&1; then
	cat "$out/nullprobe-build.log" >&2
	echo "bench/run.sh: building $np_ko failed: pp_nullprobe will be missing" >&2
fi
np_inc=""
[ -f "$np_ko" ] && np_inc="--include $np_ko"
# Debian's libbpf-tools runqlat, the rival in the probe-cost rows.
RUNQLAT=${RUNQLAT:-$(command -v runqlat 2>/dev/null || echo /usr/sbin/runqlat)}
rq_inc=""
if [ -x "$RUNQLAT" ]; then
	rq_inc="--include $RUNQLAT"
else
	echo "# bench: runqlat not found (apt-get install libbpf-tools): pp_runqlat will be missing"
fi

log="$out/guest.log"
echo "# bench: booting one guest (2 CPUs, 2048 MB); the emulated run takes minutes"
# shellcheck disable=SC2086
build/ktstr vm --cpus 2 --memory 2048 --timeout 2400 \
	--include "$out/run-guest.sh" --include "$out/bench_pingpong" \
	--include "$out/bench_read" --include "$out/bench_scan" --include "$out/bench_accuracy" \
	$rq_inc $np_inc \
	-- ./run-guest.sh $short >"$log" 2>&1
rc=$?

# The table: everything but the machine-readable lines.
grep -v -e '^@row ' -e '^@env ' "$log"

expected="pp_unloaded pp_loaded_idle pp_nullprobe pp_untracked pp_tracked pp_bpf pp_runqlat \
mem_abi_record mem_kernel_record mem_footprint mem_bpf_record \
read_n1 read_n2 read_bpf_n1 read_bpf_n2 scan_16k scan_1m acc_module acc_bpf acc_taskstats"
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
} >"$results.tmp"
if [ -z "$(env_val cpus)" ]; then
	# No guest output at all: keep the JSON valid.
	sed -i 's/"guest_cpus": ,/"guest_cpus": null,/; s/"guest_mem_kib": ,/"guest_mem_kib": null,/' \
		"$results.tmp"
fi
mv "$results.tmp" "$results"
if command -v jq >/dev/null 2>&1 && ! jq -e . "$results" >/dev/null; then
	echo "not ok - $results is not valid JSON"
	rc=1
fi

echo "# results: $results (guest log: $log)"
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
