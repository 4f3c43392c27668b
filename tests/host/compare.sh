#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: `ktstr compare A.json B.json` on run files written here (the
# format of docs/run-json.md): the lines, the summary and the exit status
# (0 no regression, 1 a regression), -v, --gate, --json, a kernel source
# mismatch; bad input (missing file, invalid JSON, wrong version, bad
# --gate, bad usage) exits 2 with exactly one line on stderr and nothing on
# stdout.
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-build/ktstr}

if [ ! -x "$K" ]; then
	echo "not ok - compare: $K not built (make all)"
	exit 1
fi
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
failed=0

ok() {
	echo "ok - compare: $1"
}

not_ok() {
	echo "not ok - compare: $1"
	sed 's/^/#   stdout: /' "$d/out" | head -n 20
	sed 's/^/#   stderr: /' "$d/err" | head -n 5
	failed=1
}

# cgroup NAME SPREAD GAP MIGRATIONS ITERATIONS P99 [KERNEL-OBJECT]
cgroup() {
	k=""
	[ -z "$7" ] || k=", \"kernel\": $7"
	printf '{ "name": "%s", "workers": 2, "cpus": 1, "spread_pct": %s, "max_gap_ms": %s, ' \
		"$1" "$2" "$3"
	printf '"migrations": %s, "iterations": %s, "p99_wake_latency_us": %s%s }' \
		"$4" "$5" "$6" "$k"
}

# kernel MAX_WAIT TOTAL_WAIT WAIT_SPREAD MIGRATIONS STARVATIONS [SOURCE]
kernel() {
	printf '{ "tasks": 2, "max_wait_ns": %s, "max_wait_pid": 100, "max_wait_comm": "ktstr", ' \
		"$1"
	printf '"max_wait_cpu": 0, "total_wait_ns": %s, "wait_spread_pct": %s, ' "$2" "$3"
	printf '"migrations": %s, "starvations": %s, "source": "%s" }' "$4" "$5" "${6:-module}"
}

# result NAME VERDICT KERNEL_SOURCE CGROUP...
result() {
	n=$1
	v=$2
	ks=$3
	shift 3
	kb=false
	[ "$ks" = module ] && kb=true
	printf '{ "name": "%s", "category": "basic", "verdict": "%s", "seconds": 1.5, ' "$n" "$v"
	printf '"expect_fail": false, "kernel": %s, "kernel_source": "%s", "reason": "", ' \
		"$kb" "$ks"
	printf '"details": [], "cgroups": ['
	sep=""
	for c in "$@"; do
		printf '%s%s' "$sep" "$c"
		sep=", "
	done
	printf '] }'
}

# run FILE KERNEL_SOURCE RESULT...
run() {
	f=$1
	ks=$2
	shift 2
	km=false
	[ "$ks" = module ] && km=true
	{
		printf '{ "version": 1, "duration_ms": 1000, "workers": 2, "settle_ms": 500, '
		printf '"kernel_module": %s, "kernel_source": "%s", "results": [\n' "$km" "$ks"
		sep=""
		for r in "$@"; do
			printf '%s  %s' "$sep" "$r"
			sep=",
"
		done
		printf '\n], "summary": { "total": %d, ' $#
		printf '"passed": 0, "failed": 0, "skipped": 0 } }\n'
	} >"$f"
}

# cmp_run WANT_RC ARGS...: run ktstr compare, ok when the exit status is right
# and stderr is empty; says why otherwise (returns 1).
cmp_run() {
	want=$1
	shift
	"$K" compare "$@" >"$d/out" 2>"$d/err" </dev/null
	rc=$?
	if [ "$rc" != "$want" ]; then
		why="exit $rc, want $want"
		return 1
	fi
	if [ -s "$d/err" ]; then
		why="something on stderr"
		return 1
	fi
	return 0
}

# ---- the runs ----

k0=$(kernel 2000000 50000000 2.0 12 0)
k0b=$(kernel 2500000 50000000 2.0 12 1)
k1=$(kernel 3000000 60000000 2.5 9 0)
run "$d/base.json" module \
	"$(result steady PASS module "$(cgroup cg_0 3.0 40 10 50000 100 "$k0")" \
		"$(cgroup cg_1 4.0 30 8 50000 120 "$k1")")" \
	"$(result split PASS module "$(cgroup cg_0 1.0 50 0 1000 0)")" \
	"$(result llc SKIP module)" \
	"$(result gone PASS module)" \
	"$(result fixed FAIL module "$(cgroup cg_0 1.0 50 0 1000 0)")"
run "$d/new.json" module \
	"$(result steady PASS module "$(cgroup cg_0 3.5 180 10 60000 100 "$k0b")" \
		"$(cgroup cg_1 4.0 30 8 60000 120 "$k1")")" \
	"$(result split FAIL module "$(cgroup cg_0 1.0 50 0 1000 0)")" \
	"$(result llc PASS module)" \
	"$(result fixed PASS module "$(cgroup cg_0 1.0 50 0 2000 0)")" \
	"$(result added PASS module)"

# ---- comparisons ----

cat >"$d/want" <<'EOF'
REGRESSED steady max_gap_ms 40 ms -> 180 ms (+140 ms, +350.0%)
IMPROVED steady iterations 100000 -> 120000 (+20000, +20.0%)
REGRESSED steady starvations 0 -> 1 (+1, +inf%)
REGRESSED split verdict PASS -> FAIL
NOT-COMPARED llc (SKIP in A)
ONLY-IN-A gone
IMPROVED fixed verdict FAIL -> PASS
IMPROVED fixed iterations 1000 -> 2000 (+1000, +100.0%)
ONLY-IN-B added
compare: 4 scenarios paired, 2 regressed, 1 improved, 0 unchanged, 1 not compared (SKIP); 1 only in A, 1 only in B
EOF
if cmp_run 1 "$d/base.json" "$d/new.json" && cmp -s "$d/out" "$d/want"; then
	ok "base vs new: each regression, improvement, verdict change, unpaired scenario (exit 1)"
else
	not_ok "base vs new: ${why:-stdout differs from the expected lines}"
	diff "$d/want" "$d/out" | sed 's/^/#   diff: /'
fi
why=""

# A run against itself: nothing moves, exit 0; -v shows the unchanged rows.
same="compare: 5 scenarios paired, 0 regressed, 0 improved, 4 unchanged, 1 not compared (SKIP)"
if cmp_run 0 "$d/base.json" "$d/base.json" && [ "$(tail -n 1 "$d/out")" = "$same" ] &&
   ! grep -q '^UNCHANGED' "$d/out"; then
	ok "a run against itself: no regression (exit 0), unchanged rows hidden"
else
	not_ok "a run against itself: ${why:-wrong lines}"
fi
why=""
if cmp_run 0 -v "$d/base.json" "$d/base.json" &&
   grep -qx 'UNCHANGED steady max_gap_ms 40 ms -> 40 ms (+0 ms, +0.0%)' "$d/out" &&
   grep -qx 'UNCHANGED steady spread_pct 4.0% -> 4.0% (+0.0 pts, +0.0%)' "$d/out" &&
   [ "$(grep -c '^UNCHANGED steady ' "$d/out")" = 10 ]; then
	ok "-v prints the 10 unchanged metric rows of a scenario"
else
	not_ok "-v: ${why:-wrong unchanged rows}"
fi
why=""

# The dual gate from the command line: +140 ms, +350% is under a 200 ms gate,
# and under a 400% one; starvations and the verdict still regress.
if cmp_run 1 --gate max_gap_ms=200,25 "$d/base.json" "$d/new.json" &&
   ! grep -q 'max_gap_ms' "$d/out" &&
   cmp_run 1 --gate=max_gap_ms=100,400% "$d/base.json" "$d/new.json" &&
   ! grep -q 'max_gap_ms' "$d/out" && grep -q '^REGRESSED steady starvations' "$d/out" &&
   cmp_run 1 --gate max_gap_ms=100,300 "$d/base.json" "$d/new.json" &&
   grep -q '^REGRESSED steady max_gap_ms' "$d/out"; then
	ok "--gate: a change above only one of the two gates is not a regression"
else
	not_ok "--gate: ${why:-wrong max_gap_ms rows}"
fi
why=""

# new -> base has FAIL -> PASS (split) and PASS -> FAIL (fixed): still 1.
if cmp_run 1 "$d/new.json" "$d/base.json" &&
   grep -qx 'REGRESSED fixed verdict PASS -> FAIL' "$d/out"; then
	ok "reversed runs: PASS -> FAIL regresses whatever the gates"
else
	not_ok "reversed runs: ${why:-no verdict regression}"
fi
why=""

# A file with only improvements exits 0.
run "$d/slow.json" none "$(result s PASS none "$(cgroup cg_0 1.0 400 0 1000 0)")"
run "$d/fast.json" none "$(result s PASS none "$(cgroup cg_0 1.0 100 0 1000 0)")"
if cmp_run 0 "$d/slow.json" "$d/fast.json" &&
   [ "$(cat "$d/out")" = "IMPROVED s max_gap_ms 400 ms -> 100 ms (-300 ms, -75.0%)
compare: 1 scenarios paired, 0 regressed, 1 improved, 0 unchanged" ]; then
	ok "only an improvement: exit 0"
else
	not_ok "only an improvement: ${why:-wrong lines}"
fi
why=""

# --json writes every row.
if cmp_run 1 --json "$d/cmp.json" "$d/base.json" "$d/new.json" && [ -s "$d/cmp.json" ] &&
   grep -q '"regressed": 2' "$d/cmp.json" && grep -q '"kind": "verdict"' "$d/cmp.json" &&
   [ "$(grep -c '"change": "unchanged"' "$d/cmp.json")" -gt 0 ] &&
   grep -q '"kind": "only_in_b"' "$d/cmp.json"; then
	ok "--json FILE: the rows, unchanged ones too, and the summary"
else
	not_ok "--json: ${why:-wrong file}"
fi
why=""

# Kernel figures from different sources: said once, kernel rows skipped.
kt=$(kernel null 900000000 2.0 null null taskstats)
run "$d/ts.json" taskstats \
	"$(result steady PASS taskstats "$(cgroup cg_0 3.0 40 10 50000 100 "$kt")" \
		"$(cgroup cg_1 4.0 30 8 50000 120 "$kt")")"
run "$d/mod.json" module \
	"$(result steady PASS module "$(cgroup cg_0 3.0 40 10 50000 100 "$k0")" \
		"$(cgroup cg_1 4.0 30 8 50000 120 "$k1")")"
if cmp_run 0 -v "$d/mod.json" "$d/ts.json" &&
   [ "$(grep -c 'different sources' "$d/out")" = 1 ] &&
   grep -qx "compare: kernel figures come from different sources (A: module, B: taskstats):\
 kernel metrics not compared" "$d/out" &&
   ! grep -q -e wait -e starvations -e kernel_migrations "$d/out" &&
   [ "$(grep -c '^UNCHANGED steady ' "$d/out")" = 5 ]; then
	ok "module vs taskstats: said once on stdout, kernel metrics not compared"
else
	not_ok "module vs taskstats: ${why:-wrong lines}"
fi
why=""
# Both taskstats: total_wait_ns compared, its nulls skipped.
kt2=$(kernel null 100000000 2.0 null null taskstats)
run "$d/ts2.json" taskstats \
	"$(result steady PASS taskstats "$(cgroup cg_0 3.0 40 10 50000 100 "$kt2")")"
if cmp_run 1 -v "$d/ts2.json" "$d/ts.json" &&
   grep -qx 'REGRESSED steady total_wait_ns 100.0 ms -> 900.0 ms (+800.0 ms, +800.0%)' \
	"$d/out" && ! grep -q -e "different sources" -e max_wait_ns -e starvations "$d/out"; then
	ok "taskstats vs taskstats: total_wait_ns compared, null figures skipped"
else
	not_ok "taskstats vs taskstats: ${why:-wrong lines}"
fi
why=""

# ---- bad input: exit 2, one line on stderr, nothing on stdout ----

printf '{ "version": 1, "results": [' >"$d/trunc.json"
printf '{ "version": 2, "results": [] }\n' >"$d/v2.json"
printf '{ "results": [] }\n' >"$d/nover.json"
printf '{ "version": 1, "results": [ { "name": "x", "verdict": "MAYBE" } ] }\n' >"$d/verdict.json"
printf '{ "version": 1, "results": [ { "scenario": "x", "topology": "t", "verdict": "%s" } ] }\n' \
	PASS >"$d/gauntlet.json"
printf '' >"$d/empty.json"

# bad TEXT ARGS...: exit 2, stderr one line containing TEXT, stdout empty.
bad() {
	pat=$1
	shift
	"$K" compare "$@" >"$d/out" 2>"$d/err" </dev/null
	rc=$?
	n=$(awk 'END { print NR }' "$d/err")
	why=""
	if [ "$rc" != 2 ]; then
		why="exit $rc, want 2"
	elif [ "$n" != 1 ]; then
		why="$n lines on stderr, want one"
	elif [ -s "$d/out" ]; then
		why="something on stdout"
	else
		case $(cat "$d/err") in
		*"$pat"*) ;;
		*) why="stderr does not say '$pat'" ;;
		esac
	fi
	desc=$(echo "$*" | sed "s|$d/||g; s|$d|DIR|g")
	if [ -z "$why" ]; then
		ok "bad input: compare $desc (exit 2)"
	else
		not_ok "bad input: compare $desc: $why"
	fi
}

B=$d/base.json
bad "nosuch.json: cannot read: No such file" "$d/nosuch.json" "$B"
bad "nosuch.json: cannot read" "$B" "$d/nosuch.json"
bad "cannot read: Is a directory" "$d" "$B"
bad "trunc.json: not valid JSON" "$B" "$d/trunc.json"
bad "empty.json: not valid JSON" "$d/empty.json" "$B"
bad "v2.json: unsupported \"version\" (want 1)" "$B" "$d/v2.json"
bad "nover.json: no \"version\"" "$d/nover.json" "$B"
bad "verdict.json: results[0] (x): \"verdict\" is not PASS, FAIL or SKIP" "$B" "$d/verdict.json"
printf '{ "version": 1, "results": [ { "scenario": "x", "topology": "t" } ] }\n' \
	>"$d/gauntlet-bad.json"
bad "gauntlet-bad.json: results[0] (x@t): \"verdict\" is not PASS, FAIL or SKIP" "$B" \
	"$d/gauntlet-bad.json"
for g in max_gap_ms max_gap_ms=1 max_gap_ms=1,2,3 max_gap_ms=-1,2 max_gap_ms=1,x \
	 max_gap_ms=0x10,2 max_gap_ms=inf,2 max_gap_ms=nan,2 "max_gap_ms= 1,2" max_gap_ms=1e3,2 \
	 max_gap_ms=,2 max_gap_ms=1, =1,2 ""; do
	bad "bad --gate" --gate "$g" "$B" "$B"
done
bad "unknown metric 'nosuch'" --gate nosuch=1,2 "$B" "$B"
bad "--gate needs a value" "$B" "$B" --gate
bad "--json needs a value" "$B" "$B" --json
bad "bad --json" --json /nonexistent/x.json "$B" "$B"
bad "bad --json" --json "$d" "$B" "$B"
bad "want two files" "$B"
bad "want two files"
bad "is a third" "$B" "$B" "$B"
bad "bad argument '--bogus'" --bogus "$B" "$B"
bad "bad argument '-x'" "$B" -x "$B"

if "$K" compare --help >"$d/out" 2>"$d/err" && grep -q '^usage: ktstr compare' "$d/out" &&
   grep -q 'starvations *lower *1 *0%' "$d/out" && [ ! -s "$d/err" ]; then
	ok "--help: usage and the default gates (exit 0)"
else
	not_ok "--help"
fi
# Gauntlet files: cells pair by scenario@topology, verdicts compared.
printf '{ "version": 1, "results": [ { "scenario": "x", "topology": "t", "verdict": "FAIL" } ] }\n' \
	>"$d/gauntlet-fail.json"
"$K" compare "$d/gauntlet.json" "$d/gauntlet-fail.json" >"$d/out" 2>"$d/err"
rc=$?
if [ "$rc" = 1 ] && grep -qx 'REGRESSED x@t verdict PASS -> FAIL' "$d/out" && [ ! -s "$d/err" ]; then
	ok "gauntlet files: a cell's PASS -> FAIL is a regression (exit 1)"
else
	not_ok "gauntlet files (exit $rc)"
fi

# Provenance: two runs from different kernels/accelerators are compared with
# a warning first; the same provenance gives none.
prov() {
	jq --arg k "$2" --arg a "$3" '.provenance = {"ktstr_version": "0.1.0", "kernel": $k,
		"machine": "x86_64", "accelerator": $a, "topology": "1 node, 1 LLC, 2 CPUs",
		"cpus": 2, "scheduler": "default"}' "$1"
}
if command -v jq >/dev/null; then
	prov "$B" 6.12.1 tcg >"$d/pa.json"
	prov "$B" 6.12.1 tcg >"$d/pb.json"
	prov "$B" 7.2.0 kvm >"$d/pc.json"
	"$K" compare "$d/pa.json" "$d/pb.json" >"$d/same" 2>&1
	"$K" compare "$d/pa.json" "$d/pc.json" >"$d/out" 2>"$d/err"
	if ! grep -q provenance "$d/same" &&
	   [ "$(grep -c '^warning: the runs differ in provenance' "$d/out")" = 1 ] &&
	   grep -q 'kernel "6.12.1" vs "7.2.0"' "$d/out" &&
	   grep -q 'accelerator "tcg" vs "kvm"' "$d/out" && ! grep -q 'topology' "$d/out"; then
		ok "provenance: differing kernel and accelerator named in one warning, none when equal"
	else
		not_ok "provenance warning"
	fi
fi
exit $failed
