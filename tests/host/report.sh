#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test: `ktstr report` on real output (tests/data: a `ktstr stat
# --json` and a `ktstr run --json` made in the guest), rendered by headless
# Chromium (Debian's chromium, installed by `make test`'s deps): the page
# loads with no console error and no request leaving the file, each plot
# is an SVG with as many bars as the data has points (computed here from
# the JSON with jq, independently of ktstr), and a screenshot is written
# (build/test-artifacts/report.png).
cd "$(dirname "$0")/../.." || exit 1
K=${KTSTR:-build/ktstr}
name=report
S=tests/data/stat-contended.json
R=tests/data/run-1cpu.json

for tool in "$K" chromium jq; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $name: $tool not found (make test installs it)"
		exit 0
	fi
done
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
mkdir -p build/test-artifacts

if ! "$K" report "$S" "$R" -o "$d/report.html" 2>"$d/err"; then
	echo "not ok - $name: ktstr report failed: $(head -n 1 "$d/err")"
	exit 0
fi

chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$d/profile" --enable-logging=stderr --v=0 \
		--window-size=1200,2400 "$@" "file://$d/report.html" 2>>"$d/chrome.log"
}

if chrome --dump-dom >"$d/dom.html" && grep -q '<h1>ktstr report</h1>' "$d/dom.html"; then
	echo "ok - $name: the page loads in headless Chromium"
else
	echo "not ok - $name: Chromium did not render the page"
	tail -n 5 "$d/chrome.log" | sed 's/^/#   /'
fi
if grep -E 'CONSOLE|Failed to load resource|Uncaught|net::ERR_' "$d/chrome.log" >"$d/errs"; then
	echo "not ok - $name: the page logged errors"
	sed 's/^/#   /' "$d/errs" | head -n 5
else
	echo "ok - $name: no console error, no failed request"
fi
if grep -Eq '(src|href)="(https?:)?//' "$d/report.html"; then
	echo "not ok - $name: the page references something outside itself"
else
	echo "ok - $name: self-contained (no external src or href)"
fi

# The bars of every plot in the rendered DOM: "data-bars drawn" per line.
awk 'BEGIN { RS = "<svg " } NR > 1 {
	end = index($0, "</svg>"); body = substr($0, 1, end)
	match(body, /data-bars="[0-9]+"/)
	claimed = substr(body, RSTART + 11, RLENGTH - 12)
	print claimed, gsub(/<rect class="bar/, "", body) }' "$d/dom.html" >"$d/bars"

# What the data says, in page order: histograms (all tasks, then per comm
# by wakeups, at most 8), longest waits (at most 20 tasks), CPUs, then the
# run's cgroups with kernel records.
span='[.[] | select(. > 0)] as $nz | if ($nz | length) == 0 then empty else
	(to_entries | map(select(.value > 0)) | (last.key - first.key + 1)) end'
{
	jq "[.tasks[].hist] | transpose | map(add) | $span" "$S"
	jq -r "[.tasks | group_by(.comm)[] | {w: (map(.nr_wake_waits) | add),
		c: .[0].comm, h: ([.[].hist] | transpose | map(add))}]
		| sort_by(-.w, .c) | .[:8][] | .h | $span" "$S"
	jq '[.tasks | length, 20] | min' "$S"
	jq '.cpus | length' "$S"
	jq '[.results[].cgroups[] | select(.kernel.max_wait_ns != null)] | length' "$R"
} >"$d/want"
awk '{ print $1 }' "$d/bars" >"$d/claimed"
if [ -s "$d/want" ] && cmp -s "$d/want" "$d/claimed"; then
	echo "ok - $name: $(wc -l <"$d/want") plots, each with the data's number of bars ($(tr '\n' ' ' <"$d/want"))"
else
	echo "not ok - $name: plots' bars ($(tr '\n' ' ' <"$d/claimed")) differ from the data's ($(tr '\n' ' ' <"$d/want"))"
fi
if awk '$1 != $2 { bad = 1 } END { exit bad }' "$d/bars"; then
	echo "ok - $name: every SVG draws the bars it declares"
else
	echo "not ok - $name: an SVG draws other than its data-bars"
fi
if grep -q 'rect class="bar mark"' "$d/dom.html"; then
	echo "ok - $name: the run's starvation is marked"
else
	echo "not ok - $name: no starvation marked (the run has rt_hog_starves_cgroup)"
fi

if chrome --screenshot="$d/report.png" >/dev/null && [ -s "$d/report.png" ]; then
	cp "$d/report.png" build/test-artifacts/report.png
	echo "ok - $name: screenshot build/test-artifacts/report.png"
else
	echo "not ok - $name: no screenshot"
fi
