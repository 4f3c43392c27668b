#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: hostile command lines for every ktstr subcommand. Each bad
# one must exit with the expected status (2 for bad usage) within 10 s,
# not by a signal, with exactly one line on stderr saying what was wrong;
# no cgroup may be left behind. --help exits 0. Nothing here boots a VM or
# runs a scenario: where an older ktstr let the bad value through, a second
# bad argument stops it before any work (its message then fails the check).
# $(rep ...) is split into words on purpose.
# shellcheck disable=SC2046
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-build/ktstr}

if [ ! -x "$K" ]; then
	echo "not ok - cli: $K not built (make all)"
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0

# The arguments for a test name: long ones shortened, the whole capped.
describe() {
	d=""
	for a in "$@"; do
		if [ ${#a} -gt 40 ]; then
			a="<${#a} chars>"
		elif [ -z "$a" ]; then
			a="''"
		fi
		d="$d $a"
	done
	[ -z "${KTSTR_TOPOLOGY:-}" ] || d=" [KTSTR_TOPOLOGY='$KTSTR_TOPOLOGY']$d"
	printf '%.110s' "ktstr$d"
}

# A word repeated: rep N WORD... (the words must not contain blanks).
rep() {
	n=$1
	shift
	r=""
	while [ "$n" -gt 0 ]; do
		r="$r $*"
		n=$((n - 1))
	done
	echo "$r"
}

# t STATUS TEXT ARGS...: `ktstr ARGS` exits STATUS, one stderr line with TEXT.
t() {
	want=$1
	pat=$2
	shift 2
	desc=$(describe "$@")
	timeout 10 "$K" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	n=$(awk 'END { print NR }' "$tmp/err")
	first=$(head -n 1 "$tmp/err")
	why=""
	if [ "$rc" = 124 ]; then
		why="did not finish in 10 s"
	elif [ "$rc" -ge 128 ]; then
		why="killed by signal $((rc - 128))"
	elif [ "$rc" != "$want" ]; then
		why="exit $rc, want $want"
	elif [ "$n" != 1 ] || [ -z "$first" ]; then
		why="$n lines on stderr, want one"
	else
		case $first in
		*"$pat"*) ;;
		*) why="stderr does not say '$pat'" ;;
		esac
	fi
	if [ -z "$why" ]; then
		echo "ok - cli: $desc (exit $rc)"
	else
		echo "not ok - cli: $desc: $why"
		head -n 3 "$tmp/err" | cut -c1-200 | sed 's/^/#   stderr: /'
		failed=1
	fi
}

# h ARGS...: `ktstr ARGS` prints help on stdout, exits 0.
h() {
	desc=$(describe "$@")
	timeout 10 "$K" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" = 0 ] && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
		echo "ok - cli: $desc exits 0"
	else
		echo "not ok - cli: $desc: exit $rc, want 0 with help on stdout only"
		failed=1
	fi
}

cgroups() {
	ls -d /sys/fs/cgroup/ktstr-* /sys/fs/cgroup/*/ktstr-* 2>/dev/null | sort
}

big=$(printf '%102400s' '' | tr ' ' a)
if [ ${#big} != 102400 ]; then
	echo "not ok - cli: cannot make a 100 KB argument (${#big} bytes)"
	exit 1
fi
cg_before=$(cgroups)
X=nosuch_scenario_zz

# --help, everywhere.
h --help
h help
for c in vm stat topo cleanup run list show-thresholds kernel gauntlet; do
	h "$c" --help
done
h run -h
h kernel fetch --help

# ktstr itself.
t 2 "no command given"
t 2 "unknown command" nosuch
t 2 "unknown command" -x
t 2 "unknown command" ""
t 2 "unknown command" "$big"

# list, topo, show-thresholds.
t 2 "needs a value" list --filter
t 2 "bad argument" list --bogus
t 2 "bad --filter" list --filter ""
t 2 "bad --filter" list --filter=
t 2 "no scenario matches" list --filter zzzz_nomatch
t 2 "no scenario matches" list --filter "$big"
t 2 "bad argument" list $(rep 1000 --json) --bogus
t 2 "unknown argument" topo -x
t 2 "unknown argument" topo --json extra
# A synthetic topology (the environment) too big to build: refused at once.
export KTSTR_TOPOLOGY="pack:1000 core:1000 pu:2"
t 1 "more than 1024 CPUs" topo
KTSTR_TOPOLOGY="pack:99999999 pu:99999999"
t 1 "more than 1024 CPUs" topo --json
KTSTR_TOPOLOGY="pack:-1"
t 1 "invalid synthetic topology" topo
unset KTSTR_TOPOLOGY
t 2 "want one SCENARIO" show-thresholds
t 2 "want one SCENARIO" show-thresholds cgroup_steady cgroup_steady
t 2 "unknown scenario" show-thresholds nosuch
t 2 "unknown scenario" show-thresholds ""
t 2 "unknown scenario" show-thresholds "$big"

# cleanup.
t 2 "needs a value" cleanup --root
t 2 "bad argument" cleanup --bogus
t 2 "bad --root" cleanup --root /nonexistent
t 2 "bad --root" cleanup --root /etc/passwd
t 2 "bad --root" cleanup --root ""
t 2 "bad --root" cleanup --root "/$big"
t 2 "bad --root" cleanup $(rep 1000 --root /nonexistent)

# kernel.
t 2 "no subcommand" kernel
t 2 "unknown subcommand" kernel bogus
t 2 "bad argument" kernel list --bogus
t 2 "no NAME" kernel fetch
t 2 "no NAME" kernel fetch $(rep 1000 --no-module)
t 2 "unknown kernel" kernel fetch nosuch
t 2 "unknown kernel" kernel fetch "$big"
t 2 "bad argument" kernel fetch --bogus default
t 2 "one NAME only" kernel fetch default sched-ext

# vm: rejected before an initramfs is built or QEMU started.
t 2 "no command given" vm
t 2 "no command given" vm --
t 2 "needs an argument" vm --cpus
t 2 "needs an argument" vm --no-module --kernel
for v in -1 99999999999999999999 1e9 0x10 "" " 5" +5 0 256; do
	t 2 "--cpus needs an integer" vm --cpus "$v" --memory 1 -- true
done
t 2 "--memory needs an integer" vm --memory 1 -- true
t 2 "--memory needs an integer" vm --memory 99999999999999999999 -- true
t 2 "--timeout needs an integer" vm --timeout 0 -- true
t 2 "--timeout needs an integer" vm --timeout -5 -- true
t 2 "unknown or ambiguous option '--bogus'" vm --bogus -- true
t 2 "unknown option '-x'" vm -x -- true
t 2 "'--help=1'" vm --help=1 -- true
t 2 "'--no-module=1'" vm --no-module=1 -- true
t 2 "'--shell=1'" vm --shell=1
t 2 "--shell and a command conflict" vm --shell -- true
t 2 "unknown or ambiguous option" vm "--x$big" -- true
t 2 "bad topology" vm --topology 3-1 -- true
t 2 "bad topology" vm --topology 0,,1 -- true
t 2 "bad topology" vm --topology a -- true
t 2 "every count must be at least 1" vm --topology 0n0l0c0t -- true
t 2 "bad topology" vm --topology 99999999999n1l1c1t -- true
t 2 "at most" vm --topology 1n4096l4096c4096t -- true
t 2 "empty topology" vm --topology "" -- true
t 2 "bad topology" vm --topology "$big" -- true
t 2 "conflict" vm --topology 1n1l1c1t --cpus 2 -- true
t 2 "bad --include" vm --no-module --include /nonexistent -- true
t 2 "bad --include" vm --no-module --include /etc -- true
t 2 "bad --include" vm --no-module --include "" -- true
t 2 "bad --include" vm --no-module --include "/$big" -- true
t 2 "already included" vm --no-module $(rep 1000 --include /bin/sh) -- true
t 2 "bad --kernel" vm --no-module --kernel /nonexistent -- true
t 2 "bad --kernel" vm --no-module --kernel /etc -- true
t 2 "no kernel" vm --no-module --kernel nosuch_kernel_zz -- true
t 2 "--kernel needs" vm --no-module --kernel "" -- true
t 2 "bad --module" vm --module /nonexistent -- true
t 2 "bad --module" vm --module /etc -- true
t 2 "bad --append" vm --no-module --append "$big" --include /nonexistent -- true
t 2 "unknown or ambiguous option" vm $(rep 1000 --cpus 2) --bogus -- true

# stat: rejected before CMD runs or anything is tracked.
t 2 "no command given" stat
t 2 "no command given" stat --
for o in --json --starve-ms --backend; do
	t 2 "$o needs a value" stat "$o"
done
t 2 "invalid --backend" stat --backend nosuch -- true
t 2 "invalid --backend" stat --backend= -- true
t 2 "invalid --backend" stat --backend "$big" -- true
for v in -1 99999999999999999999 1e9 0x10 "" " 5" 0 3600001; do
	t 2 "invalid --starve-ms" stat --starve-ms "$v" -- true
done
t 2 "unknown option" stat --bogus -- true
t 2 "unknown option" stat -x -- true
t 2 "cannot write there" stat --json /nonexistent/x.json -- true
t 2 "cannot write there" stat --json /proc/x.json -- true
t 2 "cannot write there" stat --json /tmp -- true
t 2 "cannot write there" stat --json "/tmp/$big" -- true
t 2 "needs a file name" stat --json= -- true
t 127 "command not found" stat -- nosuch_command_zz
t 127 "No such file" stat -- /nonexistent/cmd
t 127 "Is a directory" stat -- /etc
t 127 "command not found" stat $(rep 1000 --backend taskstats) -- nosuch_command_zz

# run: every case stops before a cgroup is made.
t 2 "bad argument" run --bogus
t 2 "bad argument" run -x
t 2 "unknown scenario" run nosuch
t 2 "unknown scenario" run ""
t 2 "unknown scenario" run "$big"
for o in --duration --workers --settle --sched-pid --scheduler --sched-arg --flags \
	 --assert --assert-relax --work-type --json --filter --backend; do
	t 2 "$o needs a value" run "$o"
done
for v in -1 0 99999999999999999999 1e9 0x10 nan inf "" " 1" 86401; do
	t 2 "bad --duration" run --duration "$v" $X
done
for v in 0 -1 1025 99999999999999999999 0x10 1e9 "" " 5" +5; do
	t 2 "bad --workers" run --workers "$v" $X
done
t 2 "bad --settle" run --settle -1 $X
t 2 "bad --settle" run --settle 99999999999999999999 $X
t 2 "bad --sched-pid" run --sched-pid 0 $X
t 2 "bad --sched-pid" run --sched-pid 99999999999999999999 $X
for v in nosuch llc,,borrow , "" "$big"; do
	t 2 "--flags" run --flags "$v" $X
done
for v in x nosuch=1 max_spread_pct=abc max_spread_pct=-1 max_spread_pct= =5 \
	 max_spread_pct=inf max_spread_pct=nan max_spread_pct=0x10 "max_spread_pct= 5" \
	 "max_gap_ms= -1" max_gap_ms=99999999999999999999 max_spread_pct=1e999 "$big=1" \
	 "max_spread_pct=$big"; do
	t 2 "bad --assert" run --assert "$v" $X
done
t 2 "bad --assert-relax" run --assert-relax max_spread_pct=x $X
for v in nosuch "Bursty{" "Bursty{burst_ms=-1}" "" "$big"; do
	t 2 "bad --work-type" run --work-type "$v" $X
done
t 2 "without --scheduler" run $(rep 1000 --sched-arg X)
t 2 "unknown scenario" run $(rep 1000 --assert max_spread_pct=5) $X
t 2 "bad argument" run $(rep 1000 cgroup_steady) --bogus
t 2 "bad --scheduler" run --scheduler /nonexistent --sched-pid 5
t 2 "bad --scheduler" run --scheduler /etc --sched-pid 5
t 2 "bad --scheduler" run --scheduler "" --sched-pid 5
t 2 "bad --json" run --json /nonexistent/x.json --flag-profiles
t 2 "bad --json" run --json /tmp --flag-profiles
t 2 "bad --json" run --json "" --flag-profiles
t 2 "bad --json" run --json "/tmp/$big" --flag-profiles
t 2 "--flag-profiles needs --scheduler" run --flag-profiles
t 2 "bad --filter" run --filter "" $X
t 2 "no scenario matches" run --filter zzzz_nomatch

# gauntlet: every case stops before a guest boots.
t 2 "name scenarios" gauntlet
t 2 "bad argument" gauntlet --bogus
t 2 "unknown scenario" gauntlet nosuch
for o in --topologies --kernel --duration --json --scheduler --sched-arg --flags \
	 --assert --filter --timeout --memory; do
	t 2 "$o needs a value" gauntlet "$o"
done
for v in -1 0 0x10 1e9 inf ""; do
	t 2 "bad --duration" gauntlet --duration "$v" $X
done
t 2 "bad --memory" gauntlet --memory 1 $X
t 2 "bad --memory" gauntlet --memory 99999999999999999999 $X
t 2 "bad --timeout" gauntlet --timeout 0 $X
t 2 "bad --timeout" gauntlet --timeout 0x10 $X
t 2 "bad --assert" gauntlet --assert bogus $X
t 2 "bad --assert" gauntlet --assert max_spread_pct=x $X
t 2 "--flags" gauntlet --flags nosuch $X
t 2 "bad --flags" gauntlet --flags "" $X
t 2 "bad --filter" gauntlet --filter "" $X
t 2 "--topologies" gauntlet --topologies 3-1 cgroup_steady
t 2 "--topologies" run --topologies 3-1 cgroup_steady
t 2 "bad argument '--workers'" run --topologies tiny-2llc --workers 3 cgroup_steady
t 2 "--topologies" gauntlet --topologies "" cgroup_steady
t 2 "--topologies" gauntlet --topologies ,,, cgroup_steady
t 2 "--topologies" gauntlet --topologies "$big" cgroup_steady
t 2 "given twice" gauntlet --topologies "$(rep 100 tiny-2llc, | tr -d ' ')tiny-2llc" cgroup_steady
t 2 "without --scheduler" gauntlet $(rep 1000 --sched-arg x) cgroup_steady
t 2 "--topologies" gauntlet $(rep 1000 --assert max_spread_pct=5) --topologies bad cgroup_steady
t 2 "bad --scheduler" gauntlet --scheduler /etc --topologies bad cgroup_steady
t 2 "bad --scheduler" gauntlet --scheduler /nonexistent --topologies bad cgroup_steady
t 2 "bad --json" gauntlet --json /nonexistent/x.json --topologies bad cgroup_steady
t 2 "bad --kernel" gauntlet --kernel /nonexistent --topologies bad cgroup_steady
t 2 "no kernel" gauntlet --kernel nosuch_kernel_zz --topologies bad cgroup_steady
t 2 "no scenario matches" gauntlet --filter zzzz_nomatch --topologies tiny-2llc

# GNU conventions: every option taking a value takes it as "--opt value"
# and as "--opt=value". A good value then a bogus option: the bogus option
# is what is refused (the value was taken); a bad value: the option's own
# complaint, in both forms.
# both STATUS TEXT CMD OPT VALUE [MORE...]: the two forms, same outcome.
both() {
	want=$1
	pat=$2
	cmd=$3
	opt=$4
	val=$5
	shift 5
	t "$want" "$pat" $cmd "$opt" "$val" "$@"
	t "$want" "$pat" $cmd "$opt=$val" "$@"
}
for ov in --filter:cgroup --json:"$tmp/r.json" --duration:1 --workers:2 --settle:10 \
	  --sched-pid:1 --scheduler:/bin/true --sched-arg:x --flags:llc \
	  --assert:max_spread_pct=20 --assert-relax:max_spread_pct=60 \
	  --work-type:Bursty{burst_ms=20} --topologies:tiny-2llc --backend:bpf; do
	both 2 "bad argument '--zz'" run "${ov%%:*}" "${ov#*:}" --zz
done
both 2 "invalid --backend 'nosuch'" run --backend nosuch $X
both 2 "invalid --backend ''" run --backend "" $X
both 2 "invalid --backend 'MODULE'" run --backend MODULE $X
both 2 "bad --duration" run --duration 0 $X
both 2 "bad --workers" run --workers 0 $X
both 2 "bad --settle" run --settle -1 $X
both 2 "bad --sched-pid" run --sched-pid 0 $X
both 2 "--flags" run --flags nosuch $X
both 2 "bad --assert" run --assert nosuch=1 $X
both 2 "bad --assert-relax" run --assert-relax nosuch=1 $X
both 2 "bad --work-type" run --work-type nosuch $X
both 2 "bad --filter" run --filter "" $X
both 2 "bad --json" run --json /nonexistent/x.json --flag-profiles
both 2 "bad --scheduler" run --scheduler /etc --sched-pid 5
both 2 "without --scheduler" run --sched-arg x
both 2 "--topologies" run --topologies 3-1 cgroup_steady
for ov in --topologies:tiny-2llc --kernel:default --duration:1 --json:"$tmp/g.json" \
	  --scheduler:/bin/true --sched-arg:x --flags:llc --assert:max_spread_pct=20 \
	  --assert-relax:max_spread_pct=60 --filter:cgroup --timeout:60 --memory:512; do
	both 2 "bad argument '--zz'" gauntlet "${ov%%:*}" "${ov#*:}" --zz
done
both 2 "--topologies" gauntlet --topologies 3-1 cgroup_steady
both 2 "bad --kernel" gauntlet --kernel /nonexistent --topologies bad cgroup_steady
both 2 "bad --duration" gauntlet --duration 0 $X
both 2 "bad --json" gauntlet --json /nonexistent/x.json --topologies bad cgroup_steady
both 2 "bad --scheduler" gauntlet --scheduler /etc --topologies bad cgroup_steady
both 2 "without --scheduler" gauntlet --sched-arg x cgroup_steady
both 2 "--flags" gauntlet --flags nosuch $X
both 2 "bad --assert" gauntlet --assert bogus $X
both 2 "bad --assert-relax" gauntlet --assert-relax bogus $X
both 2 "bad --filter" gauntlet --filter "" $X
both 2 "bad --timeout" gauntlet --timeout 0 $X
both 2 "bad --memory" gauntlet --memory 1 $X
for ov in --kernel:default --module:/nonexistent --cpus:2 --topology:1n1l1c1t \
	  --memory:512 --include:/bin/sh --timeout:10 --append:quiet --outdir:"$tmp/od" \
	  --outdir-max:1; do
	both 2 "unknown or ambiguous option '--zz'" vm "${ov%%:*}" "${ov#*:}" --zz -- true
done
both 2 "bad --kernel" vm --kernel /nonexistent --no-module -- true
both 2 "bad --module" vm --module /nonexistent -- true
both 2 "--cpus needs an integer" vm --cpus 0 -- true
both 2 "bad topology" vm --topology a -- true
both 2 "--memory needs an integer" vm --memory 1 -- true
both 2 "bad --include" vm --include /nonexistent --no-module -- true
both 2 "--timeout needs an integer" vm --timeout 0 -- true
both 2 "bad --append" vm --append "$big" --no-module -- true
both 2 "bad --outdir" vm --outdir /nonexistent/x --no-module -- true
both 2 "--outdir-max needs an integer" vm --outdir-max 0 -- true
for ov in --backend:taskstats --json:"$tmp/s.json" --starve-ms:100; do
	both 2 "unknown option '--zz'" stat "${ov%%:*}" "${ov#*:}" --zz -- true
done
both 2 "invalid --backend" stat --backend nosuch -- true
both 2 "cannot write there" stat --json /nonexistent/x.json -- true
both 2 "invalid --starve-ms" stat --starve-ms 0 -- true
both 2 "bad argument '--zz'" list --filter cgroup --zz
both 2 "bad --filter" list --filter ""
both 2 "bad argument '--zz'" cleanup --root /tmp --zz
both 2 "bad --root" cleanup --root /nonexistent
both 2 "bad argument '--zz'" compare --gate spread_pct=5,25 --zz a.json b.json
both 2 "bad argument '--zz'" compare --json "$tmp/c.json" --zz a.json b.json
both 2 "gate" compare --gate nosuch=1,2 a.json b.json
both 2 "bad --json" compare --json /nonexistent/x.json a.json b.json
# A good "--opt=value" does its job: the same list as "--opt value".
"$K" list --filter cgroup >"$tmp/l1" 2>&1
"$K" list --filter=cgroup >"$tmp/l2" 2>&1
if [ -s "$tmp/l1" ] && cmp -s "$tmp/l1" "$tmp/l2"; then
	echo "ok - cli: ktstr list --filter=cgroup lists what --filter cgroup does"
else
	echo "not ok - cli: ktstr list --filter=cgroup differs from --filter cgroup"
	failed=1
fi

# A filter selecting nothing: one exit status (2) everywhere -- above for
# list, run and gauntlet with --filter zzzz_nomatch.

# --version (the Makefile's VERSION) and help COMMAND.
ver=$(sed -n 's/^VERSION :*= *//p' Makefile)
out=$("$K" --version 2>&1)
rc=$?
if [ "$rc" = 0 ] && [ -n "$ver" ] && [ "$out" = "ktstr $ver" ]; then
	echo "ok - cli: ktstr --version says 'ktstr $ver' (the Makefile's VERSION)"
else
	echo "not ok - cli: ktstr --version: exit $rc, '$out' (want 'ktstr $ver')"
	failed=1
fi
t 2 "takes no argument" --version extra
for c in vm stat topo cleanup run list show-thresholds kernel gauntlet compare; do
	"$K" "$c" --help >"$tmp/h1" 2>&1
	"$K" help "$c" >"$tmp/h2" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 0 ] && [ -s "$tmp/h1" ] && [ ! -s "$tmp/err" ] && cmp -s "$tmp/h1" "$tmp/h2"; then
		echo "ok - cli: ktstr help $c is ktstr $c --help"
	else
		echo "not ok - cli: ktstr help $c: exit $rc, or not the text of ktstr $c --help"
		failed=1
	fi
done
t 2 "unknown command" help nosuch
t 2 "one COMMAND only" help run list

# Nothing left behind.
if [ "$(cgroups)" = "$cg_before" ]; then
	echo "ok - cli: no ktstr cgroup left behind"
else
	echo "not ok - cli: ktstr cgroups appeared: $(cgroups | tr '\n' ' ')"
	failed=1
fi
exit $failed
