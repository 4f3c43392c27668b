#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test of what CI fleets use (docs/ci.md): `ktstr list --shard K/N`
# covers the catalogue (and the scenario x topology matrix) exactly once
# over K = 1..N; a run file split into shards by the same rule (computed
# here with jq) merges back to the same result set with `ktstr merge`; the
# JUnit XML of the merge passes the JUnit structure (tests/data/junit.xsd,
# xmllint) and counts what the JSON counts.
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-build/ktstr}
name=ci
R=tests/data/run-1cpu.json

for tool in "$K" jq xmllint; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $name: $tool not found (make test installs it)"
		exit 0
	fi
done
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM

# shards_cover N [ARGS]: the union of shards 1..N is the whole, no repeat.
cell='.[] | "\(.name) \(.topology // "")"'
shards_cover() {
	n=$1
	shift
	"$K" list --json "$@" | jq -r "$cell" | sort >"$d/whole"
	: >"$d/union"
	k=1
	while [ "$k" -le "$n" ]; do
		"$K" list --json --shard "$k/$n" "$@" | jq -r "$cell" >>"$d/union"
		k=$((k + 1))
	done
	sort "$d/union" >"$d/union.s"
	[ -s "$d/whole" ] && cmp -s "$d/whole" "$d/union.s"
}
if shards_cover 3; then
	echo "ok - $name: list --shard 1/3, 2/3, 3/3 cover the $(wc -l <"$d/whole") scenarios exactly once"
else
	echo "not ok - $name: shards of 3 do not cover the catalogue exactly once"
fi
if shards_cover 4 --topologies tiny-2llc,2n2l3c1t,smt-2llc; then
	echo "ok - $name: list --shard K/4 --topologies covers the $(wc -l <"$d/whole") cells exactly once"
else
	echo "not ok - $name: shards of 4 do not cover the scenario x topology matrix"
fi
if ! "$K" list --shard 0/3 >/dev/null 2>"$d/err" && [ "$(wc -l <"$d/err")" = 1 ]; then
	echo "ok - $name: --shard 0/3 is refused with one line"
else
	echo "not ok - $name: --shard 0/3 accepted or not one line"
fi

# Split the run into 3 shards by index (the documented rule), merge back.
for k in 1 2 3; do
	jq --argjson k "$k" '.results |= [to_entries[] | select(.key % 3 == $k - 1) | .value]' \
		"$R" >"$d/shard$k.json"
done
if "$K" merge "$d/shard3.json" "$d/shard1.json" "$d/shard2.json" -o "$d/all.json" \
	--junit "$d/all.xml" 2>"$d/err" &&
   [ "$(jq -S '.results | sort_by(.name)' "$d/all.json")" = "$(jq -S '.results | sort_by(.name)' "$R")" ] &&
   [ "$(jq -S .summary "$d/all.json")" = "$(jq -S .summary "$R")" ]; then
	echo "ok - $name: merging the shards gives the run's results and summary"
else
	echo "not ok - $name: merge differs from the whole run: $(head -n 1 "$d/err")"
fi
if xmllint --noout --schema tests/data/junit.xsd "$d/all.xml" 2>"$d/xerr"; then
	echo "ok - $name: JUnit XML passes the JUnit structure (xmllint --schema)"
else
	echo "not ok - $name: JUnit XML fails the schema: $(head -n 1 "$d/xerr")"
fi
tests=$(xmllint --xpath 'count(//testcase)' "$d/all.xml")
skips=$(xmllint --xpath 'count(//testcase/skipped)' "$d/all.xml")
fails=$(xmllint --xpath 'count(//testcase/failure)' "$d/all.xml")
if [ "$tests" = "$(jq '.summary.total' "$R")" ] && [ "$skips" = "$(jq '.summary.skipped' "$R")" ] &&
   [ "$fails" = "$(jq '.summary.failed' "$R")" ]; then
	echo "ok - $name: JUnit has one testcase per result ($tests), $skips skipped, $fails failed"
else
	echo "not ok - $name: JUnit counts $tests/$skips/$fails differ from the JSON summary"
fi
# A run and a gauntlet file do not merge.
jq 'del(.duration_ms)' "$R" >"$d/g.json"
if ! "$K" merge "$R" "$d/g.json" -o "$d/x.json" 2>"$d/err" && [ "$(wc -l <"$d/err")" = 1 ]; then
	echo "ok - $name: a run and a gauntlet file are refused with one line"
else
	echo "not ok - $name: mixed merge accepted"
fi
