#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest tests of the fixture sched_ext scheduler (scheds/fixture), on a
# kernel with sched_ext only:
#
#   F=$(scripts/build-fixture.sh >/dev/null && echo ~/.cache/ktstr/kernels/sched-ext/ktstr_fixture)
#   build/ktstr vm --kernel sched-ext --cpus 2 --include "$F" \
#       --include tests/guest/sched_fixture.sh -- ./sched_fixture.sh
#
# Prints "ok - NAME" / "not ok - NAME: why" lines and "# " lines with the
# measured times; exits non-zero if any check failed. Not part of
# tests/run.sh (which runs on the 6.12 kernel, without sched_ext).
#
# The stall test takes ~35 s: it waits for the kernel's own sched_ext
# watchdog (30 s by default) to compare it with ktstr's starvation event.

FIX=${KTSTR_FIXTURE:-./ktstr_fixture}
KNOBS=/tmp/ktstr_fixture.knobs
T=/tmp/sched_fixture
STARVE_MS=500
rc=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1: $2"; rc=1; }
check() {	# NAME WHY COMMAND...: ok if COMMAND succeeds
	ck_name=$1 ck_why=$2
	shift 2
	if "$@"; then ok "$ck_name"; else not_ok "$ck_name" "$ck_why"; fi
}
scx_state() { cat /sys/kernel/sched_ext/state 2>/dev/null; }
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
# dmesg timestamp (ms) of the last line matching a regex, empty if none.
dmesg_ms() {
	dmesg | grep -E "$1" | tail -n 1 |
		sed -n 's/^\[ *\([0-9]*\)\.\([0-9][0-9][0-9]\).*/\1\2/p' | sed 's/^0*\([0-9]\)/\1/'
}
# wait_for FILE REGEX MS: poll until FILE has a line matching REGEX.
wait_for() {
	end=$(( $(uptime_ms) + $3 ))
	while ! grep -qE "$2" "$1" 2>/dev/null; do
		[ "$(uptime_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}
# wait_exit PID MS: wait until PID is gone (it is our child: reaps it).
wait_gone() {
	end=$(( $(uptime_ms) + $2 ))
	while kill -0 "$1" 2>/dev/null; do
		[ "$(uptime_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
dump() { sed 's/^/#   /' "$@"; }

# start_fixture ARGS...: start it, wait for "enabled"; sets $fx.
start_fixture() {
	"$FIX" "$@" >"$T.fx.out" 2>"$T.fx.err" &
	fx=$!
	wait_for "$T.fx.out" 'enabled' 5000
}
# stop_fixture: SIGTERM, and its exit status in $fx_rc.
stop_fixture() {
	kill -TERM "$fx" 2>/dev/null
	wait "$fx"
	fx_rc=$?
}
# A spinner tracked by `ktstr stat --starve-ms`; $spin is its pid.
start_spinner() {
	rm -f "$T.spin"
	ktstr stat --starve-ms $STARVE_MS -- \
		sh -c 'echo $$ >'"$T.spin"'; while :; do :; done' \
		>"$T.stat.out" 2>"$T.stat.err" &
	stat=$!
	wait_for "$T.spin" '[0-9]' 3000
	spin=$(cat "$T.spin")
}
stop_spinner() {
	kill "$spin" 2>/dev/null
	wait "$stat" 2>/dev/null
}

[ -r /sys/kernel/sched_ext/state ] || {
	echo "not ok - sched_fixture: this kernel has no sched_ext"
	exit 1
}
[ -x "$FIX" ] || { echo "not ok - sched_fixture: no $FIX"; exit 1; }
dmesg -c >/dev/null

# ---- 1. load, run work, detach ----
if start_fixture; then
	ok "fixture: prints enabled"
	check "fixture: sysfs state enabled" "state '$(scx_state)'" [ "$(scx_state)" = enabled ]
	ops=$(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)
	check "fixture: sysfs ops name" "ops '$ops'" [ "$ops" = ktstr_fixture ]
	ktstr stat -- sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done' \
		>"$T.work.out" 2>&1
	st=$?
	check "fixture: workload runs under it" "ktstr stat exited $st" [ $st = 0 ]
	check "fixture: workload's task table" "$(tail -n 3 "$T.work.out")" \
		grep -q 'total' "$T.work.out"
	stop_fixture
	check "fixture: SIGTERM exits 0" "exit status $fx_rc" [ "$fx_rc" = 0 ]
	check "fixture: default scheduler restored" "state '$(scx_state)'" \
		[ "$(scx_state)" = disabled ]
	check "fixture: stats printed" "$(cat "$T.fx.out")" \
		grep -qE 'stats: enqueue=[0-9]+ direct=[0-9]+ dispatch=[1-9]' "$T.fx.out"
else
	not_ok "fixture: prints enabled" "$(cat "$T.fx.err")"
	kill "$fx" 2>/dev/null
fi

# ---- 2. --crash-after-ms: the kernel ejects it, the reason is reported ----
t0=$(uptime_ms)
if start_fixture --crash-after-ms 500; then
	wait_gone "$fx" 5000
	wait "$fx"
	fx_rc=$?
	el=$(( $(uptime_ms) - t0 ))
	echo "# crash: fixture exited $fx_rc after $el ms"
	check "crash: exits non-zero" "exit status $fx_rc" [ "$fx_rc" != 0 ]
	check "crash: reports the error exit and its message" "$(dump "$T.fx.err")" \
		grep -qE 'kind=1025 .*crash after 500 ms' "$T.fx.err"
	check "crash: default scheduler restored" "state '$(scx_state)'" \
		[ "$(scx_state)" = disabled ]
	check "crash: kernel log names the error" "$(dmesg | grep sched_ext)" \
		sh -c 'dmesg | grep -q "sched_ext: BPF scheduler \"ktstr_fixture\" disabled"'
	dump "$T.fx.err"
else
	not_ok "crash: starts" "$(cat "$T.fx.err")"
	kill "$fx" 2>/dev/null
fi
dmesg -c >/dev/null

# ---- 3. --slow / --degrade N: keeps scheduling, skips dispatches ----
degraded() {	# NAME FIXTURE-ARGS...
	name=$1
	shift
	if start_fixture "$@"; then
		ktstr stat -- sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; wait' \
			>"$T.work.out" 2>&1
		st=$?
		check "$name: workload completes" "ktstr stat exited $st" [ $st = 0 ]
		stop_fixture
		check "$name: SIGTERM exits 0" "exit status $fx_rc" [ "$fx_rc" = 0 ]
		check "$name: dispatches were skipped" "$(cat "$T.fx.out")" \
			grep -qE 'skip=[1-9]' "$T.fx.out"
		grep stats "$T.fx.out" | sed "s/^/# $name: /"
		grep -E '^ +- +- +total' "$T.work.out" | sed "s/^/# $name: ktstr stat /"
	else
		not_ok "$name: starts" "$(cat "$T.fx.err")"
		kill "$fx" 2>/dev/null
	fi
}
degraded slow --slow
degraded degrade --degrade 8

# ---- 4. live knobs (SIGUSR1): stall a spinner, release it, crash ----
start_spinner
if start_fixture; then
	printf 'stall_pid=%s\n' "$spin" >"$KNOBS"
	t0=$(uptime_ms)
	kill -USR1 "$fx"
	check "live: knobs re-read on SIGUSR1" "$(cat "$T.fx.out")" \
		wait_for "$T.fx.out" "knobs: stall_pid=$spin " 2000
	if wait_for "$T.stat.err" "starvation: [^ ]*\[$spin\] runnable" 5000; then
		ok "live: stall_pid starves the spinner (event after $(( $(uptime_ms) - t0 )) ms)"
	else
		not_ok "live: stall_pid starves the spinner" "no event: $(dump "$T.stat.err")"
	fi
	echo 'stall_pid=0' >"$KNOBS"
	kill -USR1 "$fx"
	check "live: clearing stall_pid lets it run" "$(dump "$T.stat.err")" \
		wait_for "$T.stat.err" "starvation: [^ ]*\[$spin\] ran after" 3000
	echo 'crash=1' >"$KNOBS"
	kill -USR1 "$fx"
	wait_gone "$fx" 3000
	wait "$fx"
	fx_rc=$?
	check "live: crash=1 exits non-zero with the reason" "status $fx_rc: $(dump "$T.fx.err")" \
		sh -c "[ $fx_rc != 0 ] && grep -q 'crash knob set' $T.fx.err"
	check "live: default scheduler restored" "state '$(scx_state)'" \
		[ "$(scx_state)" = disabled ]
else
	not_ok "live: starts" "$(cat "$T.fx.err")"
	kill "$fx" 2>/dev/null
fi
stop_spinner
rm -f "$KNOBS"
dmesg -c >/dev/null

# ---- 5. --stall-pid: ktstr's event long before the sched_ext watchdog ----
start_spinner
if start_fixture --stall-pid "$spin"; then
	en=$(dmesg_ms 'BPF scheduler "ktstr_fixture" enabled')
	if wait_for "$T.stat.err" "starvation: [^ ]*\[$spin\] runnable" 10000; then
		ours=$(uptime_ms)
		ok "stall: ktstr reports the stalled spinner"
	else
		ours=
		not_ok "stall: ktstr reports the stalled spinner" "no event: $(dump "$T.stat.err")"
	fi
	check "stall: scheduler still loaded at our event (watchdog not fired yet)" \
		"state '$(scx_state)'" [ "$(scx_state)" = enabled ]
	# The kernel's watchdog: 30 s by default (ops.timeout_ms unset).
	wait_gone "$fx" 45000
	wait "$fx"
	fx_rc=$?
	wd=$(dmesg_ms 'disabled \(runnable task stall\)')
	check "stall: sched_ext watchdog ejects it (error exit)" "status $fx_rc: $(dump "$T.fx.err")" \
		sh -c "[ $fx_rc != 0 ] && grep -q 'kind=1026' $T.fx.err"
	dump "$T.fx.err"
	dmesg | grep -E 'sched_ext|failed to run' | head -n 5 | sed 's/^/# dmesg: /'
	grep 'starvation' "$T.stat.err" | sed 's/^/# stat: /'
	if [ -n "$en" ] && [ -n "$ours" ] && [ -n "$wd" ]; then
		echo "# stall: scheduler enabled at ${en} ms; ktstr event +$((ours - en)) ms; scx watchdog +$((wd - en)) ms"
		check "stall: ktstr's event comes before the watchdog" "ours $ours wd $wd" \
			[ "$ours" -lt "$wd" ]
	fi
	check "stall: default scheduler restored" "state '$(scx_state)'" \
		[ "$(scx_state)" = disabled ]
else
	not_ok "stall: starts" "$(cat "$T.fx.err")"
	kill "$fx" 2>/dev/null
fi
stop_spinner
dmesg -c >/dev/null

exit $rc
